"""Curation inside an export: the consensus curation reads, the export's inputs cut to the kept items, and the
rows divided into their splits. Pure: frames in, frames and dicts out.

- **What curation reads as an item's consensus** (``curation_consensus``): the preference consensus, plus for
  items on the ranking path (no preference vote) their consensus ranking: ``label`` the single top candidate
  (None when the top is shared), ``confidence`` the mean, over the pairs the consensus orders, of the share of
  rankers who ordered the pair the same way (1.0 when a reviewer gave the ranking), ``method`` ``mean_rank``.
  ``n_annotators`` is the number of annotators who answered the item at all (preference, ranking, ratings,
  flags, correction): the minimum-annotations filter counts people who looked at the item, not one question.
- **Splits** (``split_rows``): a row belongs to its item's split (``Curation.splits``: kept items split by
  normalised prompt, so no prompt is in both); files are named ``STEM-train.EXT`` / ``STEM-test.EXT`` when the
  test split has rows, else ``STEM.EXT``.
"""

from dataclasses import replace
from itertools import combinations
from typing import Any

import pandas as pd

from feedback.errors import ExportError
from feedback.export.options import ExportInputs
from feedback.export.rankings import METHOD


def _ranked_confidence(ranked: Any) -> float:
    if ranked.adjudicated:
        return 1.0
    ordered = [(x, y) for hi, lo in combinations(range(len(ranked.levels)), 2)
               for x in ranked.levels[hi] for y in ranked.levels[lo]]
    if not ordered or not ranked.n_annotators:
        return 0.0
    return float(sum(ranked.share(x, y) for x, y in ordered) / len(ordered))


def curation_consensus(consensus: pd.DataFrame, ranked: dict[Any, Any], annotations: pd.DataFrame) -> pd.DataFrame:
    """The consensus frame curation reads (module docstring): preference consensus, ranked items, annotators."""
    rows = []
    for item_id, r in ranked.items():
        top = r.levels[0] if r.levels else ()
        confidence = _ranked_confidence(r)
        rows.append({"item_id": item_id, "label": top[0] if len(top) == 1 else None,
                     "confidence": confidence, "method": METHOD, "adjudicated": bool(r.adjudicated),
                     "n_annotators": int(r.n_annotators), "share": confidence,
                     "outcome": "clear" if len(top) == 1 else "tie"})
    frame = consensus[~consensus["item_id"].isin(list(ranked))]
    if rows:
        frame = pd.concat([frame, pd.DataFrame(rows)], ignore_index=True) if len(frame) else pd.DataFrame(rows)
    answered = annotations.groupby("item_id")["user_id"].nunique()
    missing = sorted(set(answered.index) - set(frame["item_id"]))
    if missing:
        empty = pd.DataFrame({"item_id": missing, "label": None, "confidence": 0.0, "method": "none",
                              "adjudicated": False, "n_annotators": 0, "share": 0.0, "outcome": "none"})
        frame = pd.concat([frame, empty], ignore_index=True) if len(frame) else empty
    frame = frame.copy()
    counted = frame["item_id"].map(answered).fillna(0).astype(int)
    frame["n_annotators"] = counted.where(counted > frame["n_annotators"].fillna(0), frame["n_annotators"].fillna(0))
    return frame.astype({"n_annotators": int})


def restrict(data: ExportInputs, kept: frozenset[int]) -> ExportInputs:
    """The export's inputs with only the kept items (and their candidates, consensus, annotations, rankings)."""
    ids = list(kept)
    return replace(
        data,
        items=data.items[data.items["item_id"].isin(ids)],
        candidates=data.candidates[data.candidates["item_id"].isin(ids)],
        consensus=data.consensus[data.consensus["item_id"].isin(ids)],
        annotations=data.annotations[data.annotations["item_id"].isin(ids)],
        ranked={k: v for k, v in data.ranked.items() if k in kept},
    )


def split_rows(rows: list[dict[str, Any]], row_items: list[str], split_of: dict[str, str]
               ) -> dict[str, list[dict[str, Any]]]:
    """Rows by split (``train`` first), each row in its item's split; ``row_items``: the external item id of each
    row; ``split_of``: external item id -> split (items missing from it are train)."""
    out: dict[str, list[dict[str, Any]]] = {"train": [], "test": []}
    for row, item in zip(rows, row_items, strict=True):
        out[split_of.get(item, "train")].append(row)
    return out


def file_names(stem: str, splits: dict[str, list], extensions: tuple[str, ...]) -> dict[tuple[str, str], str]:
    """(split, extension) -> file name: ``STEM-SPLIT.EXT`` when the test split has rows, else ``STEM.EXT``."""
    if not splits.get("test"):
        return {("train", ext): f"{stem}.{ext}" for ext in extensions}
    return {(split, ext): f"{stem}-{split}.{ext}" for split in ("train", "test") for ext in extensions}


def check_choices(options: Any, *, flags: set[str], models: set[str], batches: set[int]) -> None:
    """Refuse filter values the project does not have (a typo would otherwise filter nothing, silently):
    ``flags`` the flags of its schema and any found in its annotations, ``models`` its candidates' models,
    ``batches`` its import batch ids. ``ExportError`` names the option and the values it could take."""
    def unknown(name: str, chosen: Any, known: set) -> None:
        missing = [v for v in chosen if v not in known]
        if missing:
            listed = ", ".join(str(k) for k in sorted(known, key=str)) or "none"
            raise ExportError(f"Curation option {name}: the project has no {', '.join(map(repr, missing))} "
                              f"(it has: {listed})")

    unknown("exclude_flags", options.exclude_flags, flags)
    unknown("flags_only_rejected", options.flags_only_rejected, flags)
    unknown("models", options.models, models)
    unknown("batches", options.batches, batches)


def observed_flags(annotations: pd.DataFrame) -> set[str]:
    """Every flag name any annotation puts on any candidate."""
    found: set[str] = set()
    for flags in annotations["flags"].tolist() if "flags" in annotations.columns else []:
        if isinstance(flags, dict):
            for names in flags.values():
                if isinstance(names, list | tuple | set):
                    found.update(map(str, names))
    return found
