"""The filters of export curation that look at one item at a time (all but deduplication). Pure.

The rules are stated in ``feedback.export.curation.curate``'s docstring; ``failures`` returns, for each filter, which items
fail it, and ``feedback.curation.curate`` applies them in order.
"""

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from feedback.export.curation.text import output_text, prompt_text

if TYPE_CHECKING:
    from feedback.export.curation.curate import CurationOptions


def consensus_frame(consensus: pd.DataFrame | None) -> pd.DataFrame:
    """The consensus frame with the columns curation reads (a ``majority_preference`` frame is accepted)."""
    frame = pd.DataFrame() if consensus is None else consensus
    if "label" not in frame.columns and "winner" in frame.columns:
        frame = frame.rename(columns={"winner": "label"})
    if "confidence" not in frame.columns:
        frame = frame.assign(confidence=frame["share"] if "share" in frame.columns else 0.0)
    defaults = {"item_id": None, "label": None, "adjudicated": False, "n_annotators": 0}
    frame = frame.assign(**{k: v for k, v in defaults.items() if k not in frame.columns})
    return frame.drop_duplicates("item_id", keep="last")


def column(frame: pd.DataFrame, name: str, default: Any) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series(default, index=frame.index, dtype=object)


def _flags_by_item(annotations: pd.DataFrame | None) -> dict[Any, dict[str, set[str]]]:
    """item id -> candidate key -> every flag any annotator put on it."""
    out: dict[Any, dict[str, set[str]]] = {}
    if annotations is None or annotations.empty or "flags" not in annotations.columns:
        return out
    for item_id, flags in zip(annotations["item_id"].tolist(), annotations["flags"].tolist()):
        if isinstance(flags, dict):
            for key, names in flags.items():
                if isinstance(names, list | tuple | set) and names:
                    out.setdefault(item_id, {}).setdefault(str(key), set()).update(map(str, names))
    return out


def failures(items: pd.DataFrame, candidates: pd.DataFrame, annotations: pd.DataFrame | None,
           consensus: pd.DataFrame, options: "CurationOptions") -> dict[str, np.ndarray]:
    """For each filter before deduplication, which items fail it (a boolean per item row)."""
    n = len(items)
    ids = items["item_id"]
    none = np.zeros(n, dtype=bool)
    cons = consensus.set_index("item_id")
    fails: dict[str, np.ndarray] = {}
    gold = column(items, "is_gold", False)
    fails["gold"] = none if options.include_gold else gold.map(lambda v: v is True or v == 1).to_numpy(bool)
    batch = column(items, "batch_id", None)
    fails["batch"] = ~batch.isin(list(options.batches)).to_numpy(bool) if options.batches else none
    if options.imported_from or options.imported_to:
        when = pd.to_datetime(column(items, "created_at", None), utc=True, errors="coerce", format="mixed")
        ok = when.notna().to_numpy(bool).copy()
        if options.imported_from:
            ok &= (when >= pd.Timestamp(options.imported_from, tz="UTC")).to_numpy(bool)
        if options.imported_to:
            ok &= (when < pd.Timestamp(options.imported_to, tz="UTC") + pd.Timedelta(days=1)).to_numpy(bool)
        fails["import_date"] = ~ok
    else:
        fails["import_date"] = none
    if options.models:
        with_model = set(candidates.loc[candidates["model"].isin(list(options.models)), "item_id"].tolist())
        fails["model"] = ~ids.isin(with_model).to_numpy(bool)
    else:
        fails["model"] = none
    n_ann = pd.to_numeric(ids.map(cons["n_annotators"]), errors="coerce").fillna(0).to_numpy()
    fails["too_few_annotations"] = n_ann < options.min_annotations
    adjudicated = ids.map(cons["adjudicated"]).map(lambda v: v is True or v == 1).to_numpy(bool)
    fails["not_adjudicated"] = ~adjudicated if options.adjudicated_only else none
    confidence = pd.to_numeric(ids.map(cons["confidence"]), errors="coerce").fillna(0.0).to_numpy(float)
    fails["low_confidence"] = confidence < options.min_confidence
    flags = _flags_by_item(annotations) if options.exclude_flags or options.flags_only_rejected else {}
    excluded, only_rejected = set(options.exclude_flags), set(options.flags_only_rejected)
    fails["flagged"] = np.array([any(names & excluded for names in flags.get(i, {}).values())
                                 for i in ids.tolist()], dtype=bool) if excluded else none
    labels = ids.map(cons["label"]).tolist()
    fails["flagged_winner"] = np.array([
        isinstance(label, str) and bool(flags.get(i, {}).get(label, set()) & only_rejected)
        for i, label in zip(ids.tolist(), labels)], dtype=bool) if only_rejected else none
    if options.max_prompt_chars is not None:
        lengths = [len(prompt_text(p, m)) for p, m in zip(items["prompt"].tolist(), items["messages"].tolist())]
        fails["prompt_too_long"] = np.array(lengths, dtype=np.int64) > options.max_prompt_chars
    else:
        fails["prompt_too_long"] = none
    if options.max_output_chars is not None and not candidates.empty:
        longest = pd.Series([len(output_text(o, m)) for o, m in zip(candidates["output"].tolist(),
                                                                   candidates["messages"].tolist())],
                            index=candidates.index).groupby(candidates["item_id"]).max()
        fails["output_too_long"] = ids.map(longest).fillna(0).to_numpy() > options.max_output_chars
    else:
        fails["output_too_long"] = none
    return fails
