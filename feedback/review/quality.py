"""Annotator quality: per annotator, how much they did, how fast, and signs that their answers are off.

Per annotator (``annotator_quality``; reviewers and admins):

- ``items_done``: their submitted annotations in the project; ``median_time_s``: the median time per item
  where the app recorded one (imported answers have none).
- ``agreement``: agreement with the consensus of the *others*, leave-self-out. For each item they gave a
  preference on, the others' choice is the option (a candidate, tie or both bad) most of the other
  annotators chose; items where no one else answered, or where two or more options tie for most of the
  others' votes, are left out. ``agreement`` is the share of the remaining items where their preference
  equals the others' choice; ``agreement_n`` counts those items.
- ``gold_answered`` and ``gold_accuracy``: from ``feedback.projects.gold.gold_accuracy``.
- position bias: over their answers on two-candidate items shown in the app (which shows the two answers in
  a random left/right order, recorded in ``Annotation.shown_order``) that chose one of the two answers (ties
  and both-bad left out): ``left_share`` (share choosing the left one), ``position_n`` and ``position_p``,
  the two-sided exact binomial test of ``left_share`` against 0.5 (``scipy.stats.binomtest``).
- ``tie_rate`` and ``both_bad_rate``: shares of their preferences (``preferences`` counts them) that were
  "tie" and "both bad".

Flags (``flags``, a list of reasons; ``flagged`` when it is not empty), so that reviewers can look:
- agreement below the project's ``quality_threshold``, once it rests on ``min_items`` items or more;
- gold accuracy below the same threshold, once ``min_items`` gold answers or more are scored;
- position bias: ``position_p < 0.01`` and ``left_share`` outside [0.4, 0.6] (both: a tiny bias over
  thousands of answers is significant but harmless, and a large share over three answers is chance).
"""

import math
from typing import Any

import numpy as np
import pandas as pd
from sqlmodel import Session

from feedback.consensus.methods import below_threshold
from feedback.figures import p_value, percent
from feedback.labeling.loaders import FIGURE_COLUMNS, annotations_frame
from feedback.people.permissions import REVIEWER, require, require_project
from feedback.projects.gold import gold_accuracy
from feedback.projects.schema import BOTH_BAD, TIE
from feedback.store.tables import Project, User

MIN_ITEMS = 5  # agreement and gold accuracy are flagged only when they rest on this many items
BIAS_P = 0.01  # position bias is flagged when the binomial test's p-value is below this ...
BIAS_BAND = (0.4, 0.6)  # ... and the share of left choices is outside this band
QUALITY_COLUMNS = [
    "annotator", "user_id", "items_done", "median_time_s", "agreement", "agreement_n", "gold_answered",
    "gold_accuracy", "preferences", "tie_rate", "both_bad_rate", "left_share", "position_n", "position_p",
    "flags", "flagged",
]


def others_majority(votes: pd.DataFrame) -> pd.DataFrame:
    """Each annotator's preference beside the choice of the other annotators of the same item.

    ``votes``: columns ``item_id``, ``annotator``, ``preference`` (rows without a preference are ignored; an
    annotator's last row per item counts). Returns one row per vote: those columns, ``n_others`` (other
    annotators with a preference on the item), ``others`` (the option most of them chose; None when nobody
    else answered or two or more options tie for most) and ``agrees`` (``preference == others``; None when
    ``others`` is None).
    """
    pref = votes["preference"]
    given = pref.notna() & pref.astype(str).str.strip().ne("")
    v = (votes.loc[given, ["item_id", "annotator", "preference"]]
         .drop_duplicates(["item_id", "annotator"], keep="last").reset_index(drop=True))
    counts = v.groupby(["item_id", "preference"]).size().rename("n").reset_index()
    pairs = v[["item_id", "preference"]].reset_index(names="row").merge(
        counts.rename(columns={"preference": "option"}), on="item_id")
    pairs["n"] -= (pairs["option"] == pairs["preference"]).astype(int)  # leave the annotator's own vote out
    pairs = pairs[pairs["n"] > 0]
    best = pairs[pairs["n"] == pairs.groupby("row")["n"].transform("max")]
    n_best = best.groupby("row").size()
    winner = best.drop_duplicates("row").set_index("row")["option"]
    winner = winner[n_best.reindex(winner.index) == 1]
    v["n_others"] = pairs.groupby("row")["n"].sum().reindex(v.index, fill_value=0).astype("int64")
    # values as Python lists first: iterating an Arrow-backed column boxes value by value (0.9 s at 300k)
    others = [None if pd.isna(o) else o for o in winner.reindex(v.index).tolist()]
    v["others"] = pd.Series(others, index=v.index, dtype=object)
    v["agrees"] = [None if o is None else p == o for p, o in zip(v["preference"].tolist(), others)]
    return v


def position_bias(ann: pd.DataFrame) -> pd.DataFrame:
    """Per annotator: ``left_share``, ``position_n``, ``position_p`` (see the module's notes).

    ``ann``: columns ``annotator``, ``preference``, ``shown_order`` (candidate keys left to right or None).
    """
    rows = [(who, pref == order[0]) for who, pref, order in zip(ann["annotator"].tolist(), ann["preference"].tolist(),
                                                               ann["shown_order"].tolist())
            if isinstance(order, list | tuple) and len(order) == 2 and pref in order]
    left = pd.DataFrame(rows, columns=["annotator", "left"])
    grouped = left.groupby("annotator")["left"].agg(["sum", "count"])
    p = [two_sided_half(int(k), int(n)) for k, n in zip(grouped["sum"], grouped["count"])]
    return pd.DataFrame({"left_share": grouped["sum"] / grouped["count"], "position_n": grouped["count"],
                         "position_p": p}, index=grouped.index)


def two_sided_half(k: int, n: int) -> float:
    """The exact two-sided binomial test of ``k`` successes in ``n`` against a probability of 1/2: the p-value of
    ``scipy.stats.binomtest(k, n, 0.5)``. Computed here from the binomial distribution function
    (``scipy.special.bdtr``, Boost's): the distribution is symmetric at 1/2, so the outcomes as unlikely as
    ``k`` are the two tails beyond min(k, n - k), and p = 2 P(X <= min(k, n - k)), at most 1. scipy.stats
    itself took 1.2 s to import, a tenth of ``feedback agreement`` at 300k annotations."""
    from scipy.special import bdtr

    if n <= 0 or 2 * k == n:
        return 1.0
    return min(1.0, 2.0 * float(bdtr(min(k, n - k), n, 0.5)))


def quality_table(ann: pd.DataFrame, gold: pd.DataFrame | None = None, *, threshold: float,
                  min_items: int = MIN_ITEMS) -> pd.DataFrame:
    """The quality of each annotator of ``ann`` (pure; columns ``QUALITY_COLUMNS``, one row per annotator).

    ``ann``: one row per submitted annotation with ``annotator``, ``user_id``, ``item_id``, ``preference``,
    ``shown_order``, ``time_spent_s``. ``gold``: ``annotator``, ``gold_answered``, ``accuracy``.
    """
    if ann.empty:
        return pd.DataFrame(columns=QUALITY_COLUMNS)
    ann = ann.assign(time_spent_s=pd.to_numeric(ann["time_spent_s"], errors="coerce"))
    by = ann.groupby("annotator")
    table = pd.DataFrame({"user_id": by["user_id"].first(), "items_done": by.size(),
                          "median_time_s": by["time_spent_s"].median()})
    agree = others_majority(ann)
    agree = agree[agree["agrees"].notna()].astype({"agrees": bool}).groupby("annotator")["agrees"]
    table["agreement"], table["agreement_n"] = agree.mean(), agree.size()
    table["agreement_n"] = table["agreement_n"].fillna(0).astype("int64")
    if gold is not None and len(gold):
        gold = gold.set_index("annotator")
        table["gold_answered"], table["gold_accuracy"] = gold["gold_answered"], gold["accuracy"]
    else:
        table["gold_answered"], table["gold_accuracy"] = 0, np.nan
    table["gold_answered"] = table["gold_answered"].fillna(0).astype("int64")
    prefs = ann[ann["preference"].notna()]
    table["preferences"] = prefs.groupby("annotator").size().reindex(table.index, fill_value=0)
    for column, choice in (("tie_rate", TIE), ("both_bad_rate", BOTH_BAD)):
        table[column] = prefs["preference"].eq(choice).groupby(prefs["annotator"]).mean()
    table = table.join(position_bias(ann))
    table["position_n"] = table["position_n"].fillna(0).astype("int64")
    table["flags"] = [_flags(row, threshold, min_items) for row in table.itertuples()]
    table["flagged"] = table["flags"].map(bool)
    return table.reset_index(names="annotator")[QUALITY_COLUMNS]


def _flags(row: Any, threshold: float, min_items: int) -> list[str]:
    flags = []
    if row.agreement_n >= min_items and below_threshold(row.agreement, threshold):
        flags.append(f"agreement {percent(row.agreement)} < {percent(threshold)}")
    if row.gold_answered >= min_items and below_threshold(row.gold_accuracy, threshold):
        flags.append(f"gold accuracy {percent(row.gold_accuracy)} < {percent(threshold)}")
    low, high = BIAS_BAND
    if row.position_n and row.position_p < BIAS_P and not low <= row.left_share <= high:
        p = p_value(row.position_p)
        flags.append(f"position bias: left {percent(row.left_share)}, p {p if p.startswith('<') else '= ' + p}")
    return flags


def annotator_quality(*, session: Session, user: User | None, project: Project,
                      min_items: int = MIN_ITEMS) -> list[dict[str, Any]]:
    """The quality table of ``project`` (reviewers and admins) as JSON-safe rows, sorted by annotator:
    the ``QUALITY_COLUMNS`` described in this module's notes, with None for a figure that has no data."""
    require(user, REVIEWER, "see annotator quality")
    require_project(session, user, project)
    gold = pd.DataFrame(gold_accuracy(session=session, user=user, project=project),
                        columns=["annotator", "user_id", "gold_answered", "correct", "accuracy"])
    table = quality_table(annotations_frame(session, project.id, FIGURE_COLUMNS), gold, threshold=project.quality_threshold,
                          min_items=min_items)
    return [{k: json_safe(v) for k, v in row.items()} for row in table.to_dict("records")]


def flagged_annotators(*, session: Session, user: User | None, project: Project,
                       min_items: int = MIN_ITEMS) -> list[str]:
    """Names of the annotators the quality table flags (for exports that leave them out)."""
    rows = annotator_quality(session=session, user=user, project=project, min_items=min_items)
    return [row["annotator"] for row in rows if row["flagged"]]


def json_safe(value: Any) -> Any:
    """numpy scalars as Python values; NaN and infinities as None."""
    if hasattr(value, "item") and not isinstance(value, list | dict):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
