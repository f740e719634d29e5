"""What a dataset version draws on, for its manifest: the agreement of the included items, the annotators,
import batches and guidelines versions behind them. Pure: frames in, JSON-ready dicts out.
"""

import math
from typing import Any

import numpy as np
import pandas as pd

from feedback.agreement.metrics import krippendorff_alpha, percent_agreement


def _number(value: Any, digits: int = 4) -> float | None:
    """A float for JSON: rounded, and None instead of NaN (no agreement figure without 2+ answers per item)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), digits)


def included_agreement(annotations: pd.DataFrame, consensus: pd.DataFrame, item_ids: set[int]) -> dict[str, Any]:
    """Agreement on the preference question over the items ``item_ids`` (those the version includes).

    ``annotations``: ``feedback.labels.annotations_frame`` (already without left-out annotators);
    ``consensus``: ``feedback.consensus.answers.item_consensus``. Percent agreement and Krippendorff's alpha (nominal:
    each candidate, tie and both bad a category) over the items with two or more preferences; the mean
    consensus confidence, the number of adjudicated items and the outcomes of the included items.
    """
    votes = annotations[annotations["item_id"].isin(item_ids) & annotations["preference"].notna()]
    codes, _labels = pd.factorize(votes["preference"].astype(str))
    long = pd.DataFrame({"unit": votes["item_id"].to_numpy(), "annotator": votes["user_id"].to_numpy(),
                         "value": codes.astype(float)})
    pairable = long[long.groupby("unit")["value"].transform("size") >= 2]
    if len(pairable):
        matrix, n_units = _values_by_unit(pairable)
        agreement, alpha = percent_agreement(matrix), krippendorff_alpha(matrix, level="nominal")
    else:
        agreement, alpha, n_units = float("nan"), float("nan"), 0
    decided = consensus[consensus["item_id"].isin(item_ids)]
    confidence = pd.to_numeric(decided["confidence"], errors="coerce")
    return {
        "question": "preference",
        "items": len(item_ids),
        "items_with_2_plus_preferences": n_units,
        "preferences": len(votes),
        "annotators": int(votes["user_id"].nunique()),
        "percent_agreement": _number(agreement),
        "krippendorff_alpha_nominal": _number(alpha),
        "mean_consensus_confidence": _number(confidence.mean()) if len(confidence) else None,
        "adjudicated_items": int(decided["adjudicated"].fillna(False).astype(bool).sum()),
        "outcomes": {str(k): int(v) for k, v in decided["outcome"].value_counts().sort_index().items()},
    }


def _values_by_unit(long: pd.DataFrame) -> tuple[np.ndarray, int]:
    """The values of each unit as the columns of a matrix (units in sorted order, a unit's values in its first
    rows, NaN below), and the number of units. Nominal alpha and percent agreement read only the values of each
    unit, not who gave them (the coincidence matrix counts each unit's values), so this matrix gives the same
    figures, bit for bit, as the annotators x units ``reliability_matrix``: at 1M annotations that one had 100
    rows, 270 MB copied twice, where this has as many rows as the most answered unit has answers (3)."""
    data = long.drop_duplicates(subset=["unit", "annotator"], keep="last")  # as reliability_matrix
    units, column = np.unique(data["unit"].to_numpy(), return_inverse=True)
    counts = np.bincount(column, minlength=len(units))
    order = np.argsort(column, kind="stable")
    row = np.empty(len(column), dtype=np.int64)
    row[order] = np.arange(len(column)) - np.repeat(np.cumsum(counts) - counts, counts)
    matrix = np.full((int(counts.max()), len(units)), np.nan)
    matrix[row, column] = data["value"].to_numpy(dtype=float)
    return matrix, len(units)


def sources(items: pd.DataFrame, annotations: pd.DataFrame, item_ids: set[int],
            batch_names: dict[int, str]) -> dict[str, Any]:
    """The import batches, annotators and guidelines / schema versions the included items draw on."""
    kept = items[items["item_id"].isin(item_ids)]
    used = annotations[annotations["item_id"].isin(item_ids)]
    batches = sorted(int(b) for b in kept["batch_id"].dropna().unique())

    def versions(column: str) -> list[int | None]:
        if column not in used:
            return []
        values = used[column]
        found: set[int | None] = {int(v) for v in values.dropna().unique()}  # distinct values first: few
        if values.isna().any():
            found.add(None)
        return sorted(found, key=lambda v: (v is None, v or 0))

    return {
        "import_batches": [{"id": b, "file": batch_names.get(b, "")} for b in batches],
        "items_without_batch": int(kept["batch_id"].isna().sum()),
        "annotators": sorted({str(name) for name in used["annotator"].unique()}),
        "guidelines_versions": versions("guidelines_version"),
        "schema_versions": versions("schema_version"),
    }
