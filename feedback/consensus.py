"""Consensus labels from several annotators' answers. Pure: DataFrames in, DataFrames out, no database."""

import numpy as np
import pandas as pd

OUTCOMES = ("clear", "tie", "both_bad", "split")
NON_CANDIDATE_CHOICES = ("tie", "both_bad")
MAJORITY_COLUMNS = ["item_id", "n_annotators", "winner", "winner_votes", "share", "outcome"]


def majority_preference(votes: pd.DataFrame) -> pd.DataFrame:
    """The majority preference of each item.

    ``votes`` has one row per annotator and item: columns ``item_id``, ``annotator`` and ``preference``
    (a candidate key, ``"tie"`` or ``"both_bad"``). Rows with no preference (None, NaN or blank) are
    ignored; if an annotator appears twice for an item only their last row counts.

    Rule: the *winner* is the option that has **strictly more than half** of the item's preference
    votes. If the winner is a candidate the outcome is ``"clear"``; if it is ``"tie"`` or ``"both_bad"``
    the outcome is that word (the annotators agree that neither answer is better, or that both are
    bad); if no option has more than half the votes the outcome is ``"split"`` and there is no winner.
    So 2 of 3 votes for "a" is clear, 1-1 or 1-1-1 is split, 2 of 4 is split, and a single vote is
    always a majority of one.

    Returns one row per item that has at least one preference, sorted by item: ``item_id``,
    ``n_annotators`` (annotators who gave a preference), ``winner`` (the option, or None when split),
    ``winner_votes`` and ``share`` (``winner_votes / n_annotators``; for a split they describe the
    most-voted option, so a reviewer can see how close it was), ``outcome``.
    """
    missing = {"item_id", "annotator", "preference"} - set(votes.columns)
    if missing:
        raise ValueError(f"votes lack the columns {sorted(missing)}")
    pref = votes["preference"]
    given = pref.notna() & pref.astype(str).str.strip().ne("")
    v = votes.loc[given, ["item_id", "annotator", "preference"]].drop_duplicates(["item_id", "annotator"], keep="last")
    if v.empty:
        return _empty(votes["item_id"].dtype)

    counts = v.groupby(["item_id", "preference"], sort=False).size().rename("votes").reset_index()
    counts["n"] = counts.groupby("item_id")["votes"].transform("sum")
    # Most-voted option first; the name breaks ties between equal counts so the result is deterministic.
    counts["option"] = counts["preference"].astype(str)
    top = (
        counts.sort_values(["item_id", "votes", "option"], ascending=[True, False, True], kind="mergesort")
        .drop_duplicates("item_id", keep="first")
        .reset_index(drop=True)
    )
    has_majority = (top["votes"] * 2 > top["n"]).to_numpy()
    option = top["option"].to_numpy(dtype=object)
    outcome = np.where(~has_majority, "split", np.where(np.isin(option, NON_CANDIDATE_CHOICES), option, "clear"))
    return pd.DataFrame({
        "item_id": top["item_id"],
        "n_annotators": top["n"].astype("int64"),
        "winner": pd.Series(np.where(has_majority, option, None), dtype=object),
        "winner_votes": top["votes"].astype("int64"),
        "share": (top["votes"] / top["n"]).astype("float64"),
        "outcome": pd.Series(outcome, dtype=object),
    })


def _empty(item_dtype) -> pd.DataFrame:
    return pd.DataFrame({
        "item_id": pd.Series(dtype=item_dtype),
        "n_annotators": pd.Series(dtype="int64"),
        "winner": pd.Series(dtype=object),
        "winner_votes": pd.Series(dtype="int64"),
        "share": pd.Series(dtype="float64"),
        "outcome": pd.Series(dtype=object),
    })
