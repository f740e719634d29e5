"""Ratings of candidates on one rubric dimension, summarised for the export rules that use them. Pure.

A candidate's rating on a dimension is the mean over the annotators who rated it on that dimension (annotators
who did not rate it are not counted as anything). Used by the ``rm`` margin from ratings, ``kto`` labels from
ratings and the ``sft`` rating threshold.
"""

from typing import Any

import numpy as np
import pandas as pd


def rating_summary(annotations: pd.DataFrame, dimension: str, *, high: float | None = None,
                   low: float | None = None) -> dict[tuple[Any, str], dict[str, float]]:
    """(item id, candidate key) -> ``{"mean", "n"}`` of the ratings on ``dimension``; with ``high`` / ``low``
    also ``n_high`` (ratings >= high) and ``n_low`` (ratings <= low).

    ``annotations``: the loaders' frame (``ratings``: candidate key -> {dimension: score}). Integers and floats
    count; anything else (a missing or malformed score) is not a rating.
    """
    rows = [(item_id, str(key), float(scores[dimension]))
            for item_id, ratings in zip(annotations["item_id"], annotations["ratings"]) if isinstance(ratings, dict)
            for key, scores in ratings.items()
            if isinstance(scores, dict) and isinstance(scores.get(dimension), (int, float))
            and not isinstance(scores.get(dimension), bool)]
    if not rows:
        return {}
    long = pd.DataFrame(rows, columns=["item_id", "key", "score"])
    if high is not None:
        long["high"] = (long["score"] >= high).astype(np.int64)
    if low is not None:
        long["low"] = (long["score"] <= low).astype(np.int64)
    grouped = long.groupby(["item_id", "key"], sort=True)
    frame = pd.DataFrame({"mean": grouped["score"].mean(), "n": grouped["score"].size()})
    if high is not None:
        frame["n_high"] = grouped["high"].sum()
    if low is not None:
        frame["n_low"] = grouped["low"].sum()
    return dict(zip(frame.index, frame.to_dict("records")))
