"""Curation: which items a fine-tuning export keeps, and why the others were left out. Pure: DataFrames in
(``feedback.labeling.loaders`` loaders and ``feedback.consensus.methods.final_consensus``), a ``Curation`` out; no database.

Filters run in the fixed order of ``FILTERS``, each on the items the earlier ones left, so the counts in
``Curation.removed`` add up to ``total - len(kept)``. The rules (``FILTER_HELP`` says the same in one line):

- ``gold``: gold items (``is_gold``) are removed unless ``include_gold``; a frame without the column has none.
- ``batch``: with ``batches`` set, items from other import batches (or none) are removed.
- ``import_date``: with ``imported_from`` / ``imported_to`` set, items whose ``created_at`` date (UTC; a time
  without a zone is read as UTC) is outside the inclusive range, or unknown, are removed.
- ``model``: with ``models`` set, items with no candidate from one of those models are removed.
- ``too_few_annotations``: items with fewer than ``min_annotations`` annotators who gave a preference (the
  consensus frame's ``n_annotators``, so votes the caller left out do not count; 0 for items without a row)
  are removed. A reviewer's decision does not exempt an item.
- ``not_adjudicated``: with ``adjudicated_only``, items without a reviewer's final answer are removed.
- ``low_confidence``: items whose consensus confidence (majority: vote share; Dawid-Skene: posterior;
  adjudicated: 1.0 -- adjudication always overrides votes) is below ``min_confidence`` are removed; an item
  without consensus has confidence 0.
- ``flagged``: items where any annotator put one of ``exclude_flags`` on any candidate are removed.
- ``flagged_winner``: items whose consensus label is a candidate that any annotator flagged with one of
  ``flags_only_rejected`` are removed (such a candidate may be a rejected answer, never a chosen one).
- ``prompt_too_long``: items whose prompt text (``prompt_text``) has more than ``max_prompt_chars``
  characters are removed.
- ``output_too_long``: items with any candidate whose output text (``output_text``) has more than
  ``max_output_chars`` characters are removed.
- ``duplicate_exact`` (``dedup`` "exact" or "near"): of items with the same non-empty ``prompt_key``, one
  is kept; ``duplicate_near`` (``dedup`` "near"): of the rest, items whose TF-IDF cosine similarity with a
  better item is at least ``near_threshold`` are removed (``feedback.export.curation.dedup``).

The kept item of duplicates is the one with the most agreement: highest consensus confidence, then most
annotators, then earliest import position, then lowest item id (``precedence``). Near duplicates are
resolved greedily in that order: an item is kept unless it is similar to an item already kept.

Kept items are split into train and test by prompt group (``feedback.export.curation.split``); items with an empty
prompt form one group.

Annotators flagged by the quality checks are left out upstream: the caller computes ``consensus`` without
their votes (``feedback.consensus.answers.item_consensus(..., leave_out=...)``), so every filter above that reads the
consensus (annotator count, confidence, winner) already ignores them.
"""

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from feedback.errors import ExportError
from feedback.export.curation.dedup import exact_duplicates, greedy_keep, near_pairs, tfidf_matrix
from feedback.export.curation.filters import column, consensus_frame, failures
from feedback.export.curation.split import assign_splits, class_balance, split_counts
from feedback.export.curation.text import normalise, output_text, prompt_key, prompt_text
from feedback.export.names import DEDUP

__all__ = [
    "DEDUP",
    "FILTERS",
    "FILTER_HELP",
    "Curation",
    "CurationOptions",
    "assign_splits",
    "class_balance",
    "curate",
    "normalise",
    "output_text",
    "precedence",
    "prompt_key",
    "prompt_text",
]

FILTER_HELP = {
    "gold": "gold items (known answers for checking annotators), unless gold is included",
    "batch": "items from import batches not chosen",
    "import_date": "items imported outside the chosen dates (UTC)",
    "model": "items with no candidate from the chosen models",
    "too_few_annotations": "items with fewer annotators' preferences than the minimum",
    "not_adjudicated": "items without a reviewer's final answer (when only adjudicated items are wanted)",
    "low_confidence": "items whose consensus confidence (vote share or posterior) is below the minimum",
    "flagged": "items where a candidate got an excluded flag from any annotator",
    "flagged_winner": "items whose consensus winner got a flag that allows it only as a rejected answer",
    "prompt_too_long": "items whose prompt is longer than the limit (characters)",
    "output_too_long": "items with a candidate output longer than the limit (characters)",
    "duplicate_exact": "items whose prompt is the same as a kept item's (ignoring case and white space)",
    "duplicate_near": "items whose prompt is nearly the same as a kept item's (TF-IDF cosine >= threshold)",
}
FILTERS: tuple[str, ...] = tuple(FILTER_HELP)


@dataclass(frozen=True)
class CurationOptions:
    """What to keep; every rule is in the module docstring. ``validate`` names the first bad field."""

    min_annotations: int = 1
    min_confidence: float = 0.0
    adjudicated_only: bool = False
    exclude_flags: tuple[str, ...] = ()
    flags_only_rejected: tuple[str, ...] = ()
    include_gold: bool = False
    models: tuple[str, ...] = ()
    batches: tuple[int, ...] = ()
    imported_from: date | None = None
    imported_to: date | None = None
    max_prompt_chars: int | None = None
    max_output_chars: int | None = None
    dedup: str = "none"
    near_threshold: float = 0.9
    test_fraction: float = 0.0
    seed: int = 0

    def validate(self) -> None:
        """Raise ``ExportError`` naming the field when an option has the wrong type or is out of range."""
        def bad(name: str, want: str) -> ExportError:
            return ExportError(f"Curation option {name} must be {want}, not {getattr(self, name)!r}")

        def whole(value: Any) -> bool:
            return isinstance(value, int | np.integer) and not isinstance(value, bool)

        def number(value: Any) -> bool:
            return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool) \
                and bool(np.isfinite(value))

        if not whole(self.min_annotations) or self.min_annotations < 0:
            raise bad("min_annotations", "a whole number of at least 0")
        if not number(self.min_confidence) or not 0 <= self.min_confidence <= 1:
            raise bad("min_confidence", "a number from 0 to 1")
        for name in ("adjudicated_only", "include_gold"):
            if not isinstance(getattr(self, name), bool):
                raise bad(name, "true or false")
        for name in ("exclude_flags", "flags_only_rejected", "models"):
            value = getattr(self, name)
            if not isinstance(value, tuple) or not all(isinstance(v, str) and v.strip() for v in value):
                raise bad(name, "a tuple of non-empty names")
        if not isinstance(self.batches, tuple) or not all(whole(b) for b in self.batches):
            raise bad("batches", "a tuple of batch ids (whole numbers)")
        for name in ("imported_from", "imported_to"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, date):
                raise bad(name, "a date or None")
        if self.imported_from and self.imported_to and self.imported_from > self.imported_to:
            raise ExportError(f"Curation option imported_from ({self.imported_from}) is after imported_to "
                              f"({self.imported_to})")
        for name in ("max_prompt_chars", "max_output_chars"):
            value = getattr(self, name)
            if value is not None and (not whole(value) or value < 1):
                raise bad(name, "a whole number of at least 1, or None")
        if self.dedup not in DEDUP:
            raise bad("dedup", f"one of {', '.join(DEDUP)}")
        if not number(self.near_threshold) or not 0.5 <= self.near_threshold <= 1:
            raise bad("near_threshold", "a number from 0.5 to 1")
        if not number(self.test_fraction) or not 0 <= self.test_fraction < 1:
            raise bad("test_fraction", "a number from 0 up to (not including) 1")
        if not whole(self.seed):
            raise bad("seed", "a whole number")

    def to_dict(self) -> dict[str, Any]:
        """The options as JSON-ready values (dates as ISO text, tuples as lists), in field order."""
        out = asdict(self)
        for name in ("imported_from", "imported_to"):
            out[name] = None if out[name] is None else out[name].isoformat()
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}


@dataclass(frozen=True)
class Curation:
    """The result: ``kept`` item ids; ``removed`` items per filter (every name of ``FILTERS``, in order);
    ``duplicates`` as (removed external id, external id of the item kept in its place), in import order;
    ``total`` items considered; ``splits`` item id -> "train" / "test" for every kept item; ``prompt_keys``
    item id -> normalised prompt of every kept item, when prompts were compared (duplicates removed or a test
    split asked for; else empty: the prompts are not normalised)."""

    kept: frozenset[int]
    removed: dict[str, int]
    duplicates: list[tuple[str, str]]
    total: int = 0
    splits: dict[int, str] = field(default_factory=dict, repr=False)
    prompt_keys: dict[int, str] = field(default_factory=dict, repr=False)

    def split_counts(self) -> dict[str, int]:
        """Kept items per split: ``{"train": ..., "test": ...}``."""
        return split_counts(list(self.splits.values()))

    def summary_lines(self) -> list[str]:
        """Human text for the CLI and the export page: kept count, each filter that removed items, splits."""
        lines = [f"{len(self.kept)} of {self.total} items kept"]
        lines += [f"- {name.replace('_', ' ')}: {n} removed ({FILTER_HELP[name]})"
                  for name, n in self.removed.items() if n]
        if not any(self.removed.values()):
            lines.append("- no item removed by the filters")
        counts = self.split_counts()
        if counts["test"]:
            lines.append(f"Split: {counts['train']} train, {counts['test']} test items (grouped by prompt)")
        return lines


def precedence(items: pd.DataFrame, consensus: pd.DataFrame | None) -> pd.DataFrame:
    """Items in the order duplicates are kept: highest consensus confidence, most annotators, earliest
    position, lowest item id. Returns ``item_id``, ``confidence``, ``n_annotators`` in that order."""
    cons = consensus_frame(consensus).set_index("item_id")
    ids = items["item_id"]
    frame = pd.DataFrame({
        "item_id": ids.to_numpy(),
        "confidence": pd.to_numeric(ids.map(cons["confidence"]), errors="coerce").fillna(0.0).to_numpy(float),
        "n_annotators": pd.to_numeric(ids.map(cons["n_annotators"]), errors="coerce").fillna(0).to_numpy(int),
        "position": pd.to_numeric(column(items, "position", 0), errors="coerce").fillna(0).to_numpy(),
    })
    frame = frame.sort_values(["confidence", "n_annotators", "position", "item_id"],
                              ascending=[False, False, True, True], kind="mergesort")
    return frame[["item_id", "confidence", "n_annotators"]].reset_index(drop=True)


def _empty_frame(frame: pd.DataFrame | None, columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns)) if frame is None or frame.empty and not len(frame.columns) else frame


def curate(items: pd.DataFrame, candidates: pd.DataFrame, annotations: pd.DataFrame | None,
           consensus: pd.DataFrame | None, options: CurationOptions) -> Curation:
    """Apply every filter of ``FILTERS`` in order (rules in the module docstring) and split the kept items.

    ``items``: ``feedback.labels.items_frame`` (``is_gold``, ``created_at``, ``batch_id`` optional);
    ``candidates``: ``candidates_frame``; ``annotations``: ``annotations_frame`` (only ``item_id`` and
    ``flags`` are read); ``consensus``: ``feedback.consensus.methods.final_consensus`` (or ``item_consensus``).
    Raises ``ExportError`` for invalid options."""
    options.validate()
    items = _empty_frame(items, ["item_id", "external_id", "prompt", "messages", "position"])
    candidates = _empty_frame(candidates, ["item_id", "key", "model", "output", "messages"])
    items = items.sort_values(["position", "item_id"], kind="mergesort").reset_index(drop=True) \
        if "position" in items.columns else items.reset_index(drop=True)
    cons = consensus_frame(consensus)
    alive = np.ones(len(items), dtype=bool)
    removed: dict[str, int] = {}
    for name, fail in failures(items, candidates, annotations, cons, options).items():
        removed[name] = int((alive & fail).sum())
        alive &= ~fail
    ids = items["item_id"].to_numpy()
    keys = np.array([""] * len(items), dtype=object)
    grouped = options.dedup != "none" or options.test_fraction > 0  # only then do prompts matter (0.5 s at 333k)
    if grouped:
        keys[alive] = [prompt_key(p, m) for p, m in zip(items.loc[alive, "prompt"].tolist(),
                                                         items.loc[alive, "messages"].tolist())]
    replaced_by = np.full(len(items), -1, dtype=np.int64)
    removed["duplicate_exact"] = removed["duplicate_near"] = 0
    if options.dedup != "none" and alive.any():
        rows = np.flatnonzero(alive)
        order = precedence(items.iloc[rows], cons)["item_id"]
        rank = pd.Series(np.arange(len(rows)), index=order.to_numpy()).reindex(ids[rows]).to_numpy()
        dup = exact_duplicates(keys[rows].tolist(), rank)
        replaced_by[rows[dup >= 0]] = rows[dup[dup >= 0]]
        removed["duplicate_exact"] = int((dup >= 0).sum())
        alive[rows[dup >= 0]] = False
        if options.dedup == "near":
            rows, rank = rows[dup < 0], rank[dup < 0]
            i, j, _ = near_pairs(tfidf_matrix(keys[rows].tolist()), options.near_threshold)
            near = greedy_keep(len(rows), i, j, rank)
            replaced_by[rows[near >= 0]] = rows[near[near >= 0]]
            removed["duplicate_near"] = int((near >= 0).sum())
            alive[rows[near >= 0]] = False
    kept_rows = np.flatnonzero(alive)
    groups = keys[kept_rows].tolist()
    if options.test_fraction > 0 and options.dedup != "near" and len(kept_rows) > 1:
        groups = near_groups(groups, options.near_threshold)
    splits = assign_splits(groups, test_fraction=options.test_fraction, seed=options.seed)
    return Curation(
        kept=frozenset(ids[kept_rows].tolist()), removed={name: removed[name] for name in FILTERS},
        duplicates=_duplicates(items, replaced_by), total=len(items),
        splits=dict(zip(ids[kept_rows].tolist(), splits)),
        prompt_keys=dict(zip(ids[kept_rows].tolist(), keys[kept_rows].tolist())) if grouped else {},
    )


def near_groups(keys: list[str], threshold: float) -> list[str]:
    """Split groups that also join near duplicates: each prompt key replaced by the smallest key of its
    connected component of TF-IDF cosine >= ``threshold`` pairs, so prompts kept in the data that are nearly
    the same (duplicates not removed) still land in one split."""
    i, j, _ = near_pairs(tfidf_matrix(keys), threshold)
    if not len(i):
        return keys
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(keys)
    _n, label = connected_components(coo_matrix((np.ones(len(i)), (i, j)), shape=(n, n)), directed=False)
    first: dict[int, str] = {}
    for k, component in enumerate(label.tolist()):
        first[component] = min(first.get(component, keys[k]), keys[k])
    return [first[c] for c in label.tolist()]


def _duplicates(items: pd.DataFrame, replaced_by: np.ndarray) -> list[tuple[str, str]]:
    """(removed external id, kept external id) in import order; an exact duplicate of an item that was then
    removed as a near duplicate points to the item finally kept (its prompt vector is the same)."""
    final = replaced_by.copy()
    for _ in range(2):  # chains are at most two long: exact, then near
        chained = (final >= 0) & (replaced_by[np.maximum(final, 0)] >= 0)
        final[chained] = replaced_by[final[chained]]
    ext = items["external_id"].astype(str).to_numpy() if "external_id" in items.columns else \
        items["item_id"].astype(str).to_numpy()
    rows = np.flatnonzero(final >= 0)
    return [(str(ext[r]), str(ext[final[r]])) for r in rows]

