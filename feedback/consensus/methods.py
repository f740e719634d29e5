"""Consensus labels from several annotators' answers. Pure: DataFrames in, DataFrames out, no database."""

import numpy as np
import pandas as pd

from feedback.figures import whole_percent

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


# --- Dawid-Skene over preferences --------------------------------------------------------------------

METHODS = ("majority", "dawid_skene")
DAWID_SKENE_COLUMNS = ["item_id", "n_annotators", "winner", "confidence", "outcome"]
SAME = 1e-9  # posteriors closer than this are a tie between the top options: no consensus ("split")


def _position_classes(v: pd.DataFrame, candidates: pd.DataFrame | None) -> pd.Series:
    """Each vote's class: ``#n`` for the item's n-th candidate (so classes mean the same on every item,
    whatever the candidates are called), else the vote itself (tie, both_bad, or an unknown key)."""
    if candidates is None or candidates.empty:
        return v["preference"].astype(str)
    cands = candidates.sort_values(["item_id", "position", "key"], kind="mergesort")
    rank = cands.groupby("item_id").cumcount()
    code = pd.Series("#" + rank.astype(str).to_numpy(), index=pd.MultiIndex.from_arrays(
        [cands["item_id"].to_numpy(), cands["key"].astype(str).to_numpy()]))
    looked_up = code.reindex(pd.MultiIndex.from_arrays([v["item_id"].to_numpy(),
                                                        v["preference"].astype(str).to_numpy()]))
    return pd.Series(np.where(looked_up.isna(), v["preference"].astype(str), looked_up.to_numpy()),
                     index=v.index, dtype=object)


def dawid_skene_preference(votes: pd.DataFrame, candidates: pd.DataFrame | None = None, *,
                           smoothing: float = 0.01, tol: float = 1e-7, max_iter: int = 200) -> pd.DataFrame:
    """The Dawid-Skene consensus preference of each item (``feedback.consensus.dawid_skene``): a reliability-weighted
    vote, where an annotator who agrees with the others counts for more than one who answers at random.

    ``votes`` as for ``majority_preference``; ``candidates`` (``item_id``, ``key``, ``position``), when given,
    lets the classes be candidate positions (first, second, ...) plus tie and both bad, so one confusion
    matrix per annotator serves every item, and an item's true class is limited to its own candidates, tie
    and both bad (and any unknown key voted on it). Without it the classes are the vote strings.

    Returns one row per item with a preference, sorted by item: ``item_id``, ``n_annotators``, ``winner`` (the
    option with the highest posterior, by candidate key; None when the top two are equal: ``split``),
    ``confidence`` (that posterior probability), ``outcome`` (``clear``, ``tie``, ``both_bad`` or ``split``).
    """
    from feedback.consensus.dawid_skene import dawid_skene

    v = _given(votes)
    if v.empty:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
            DAWID_SKENE_COLUMNS, [votes["item_id"].dtype, "int64", object, "float64", object])})
    v = v.assign(klass=_position_classes(v, candidates))
    item_codes, item_ids = pd.factorize(v["item_id"], sort=True)
    ann_codes, _ = pd.factorize(v["annotator"].astype(str), sort=True)
    class_codes, classes = pd.factorize(v["klass"], sort=True)
    classes = np.asarray(classes, dtype=object)
    n_items, n_classes = len(item_ids), len(classes)

    allowed = np.zeros((n_items, n_classes), dtype=bool)
    allowed[item_codes, class_codes] = True  # whatever was voted on an item is possible for it
    positional = np.array([c.startswith("#") for c in classes])
    shared = np.isin(classes, NON_CANDIDATE_CHOICES)
    allowed[:, shared] = True
    if candidates is not None and not candidates.empty and positional.any():
        n_cands = pd.Series(item_ids).map(candidates.groupby("item_id").size()).fillna(0).to_numpy()
        rank = np.array([int(c[1:]) if c.startswith("#") else -1 for c in classes])
        allowed |= positional[None, :] & (rank[None, :] < n_cands[:, None])

    fit = dawid_skene(item_codes, ann_codes, class_codes, n_items=n_items, n_classes=n_classes,
                      allowed=allowed, smoothing=smoothing, tol=tol, max_iter=max_iter)
    post = fit.posterior
    best = post.argmax(axis=1)
    top = post[np.arange(n_items), best]
    second = np.partition(post, -2, axis=1)[:, -2] if n_classes > 1 else np.zeros(n_items)
    decided = top - second > SAME
    winner_class = classes[best]
    winner = _class_to_key(item_ids, winner_class, candidates)
    outcome = np.where(~decided, "split", np.where(np.isin(winner, NON_CANDIDATE_CHOICES), winner, "clear"))
    n = v.groupby("item_id", sort=True).size().reindex(item_ids).to_numpy()
    return pd.DataFrame({
        "item_id": np.asarray(item_ids),
        "n_annotators": n.astype("int64"),
        "winner": pd.Series(np.where(decided, winner, None), dtype=object),
        "confidence": top.astype("float64"),
        "outcome": pd.Series(outcome, dtype=object),
    })


def _class_to_key(item_ids, winner_class: np.ndarray, candidates: pd.DataFrame | None) -> np.ndarray:
    """Map ``#n`` classes back to the candidate key at that position of each item."""
    winner = winner_class.astype(object).copy()
    positional = np.array([str(c).startswith("#") for c in winner], dtype=bool)
    if positional.any() and candidates is not None:
        cands = candidates.sort_values(["item_id", "position", "key"], kind="mergesort")
        keys = pd.Series(cands["key"].astype(str).to_numpy(), index=pd.MultiIndex.from_arrays(
            [cands["item_id"].to_numpy(), "#" + cands.groupby("item_id").cumcount().astype(str).to_numpy()]))
        wanted = pd.MultiIndex.from_arrays([np.asarray(item_ids)[positional], winner[positional]])
        winner[positional] = keys.reindex(wanted).to_numpy()
    return winner


def _given(votes: pd.DataFrame) -> pd.DataFrame:
    """The votes that carry a preference, one per (item, annotator): the last."""
    missing = {"item_id", "annotator", "preference"} - set(votes.columns)
    if missing:
        raise ValueError(f"votes lack the columns {sorted(missing)}")
    pref = votes["preference"]
    given = pref.notna() & pref.astype(str).str.strip().ne("")
    return votes.loc[given, ["item_id", "annotator", "preference"]].drop_duplicates(
        ["item_id", "annotator"], keep="last")


# --- the consensus a project uses ---------------------------------------------------------------------

def below_threshold(confidence, threshold: float):
    """Whether a consensus confidence (a number or an array of them) is below the review threshold. Both are
    compared as the whole percentages they are shown as (``feedback.figures.whole_percent``), so what a page
    prints agrees with the rule: a 2-of-3 majority (66.7%, shown as 67%) is not below a threshold of 0.67
    (67%), and 3 of 5 (60%) is not below 0.6."""
    return whole_percent(confidence) < whole_percent(threshold)


CONSENSUS_COLUMNS = ["item_id", "label", "confidence", "method", "adjudicated", "n_annotators", "share", "outcome"]


def final_consensus(votes: pd.DataFrame, *, method: str = "majority", candidates: pd.DataFrame | None = None,
                    adjudicated: dict | None = None) -> pd.DataFrame:
    """The consensus preference of every item: the reviewer's adjudicated answer where there is one, else
    ``method`` (``"majority"``: ``majority_preference``; ``"dawid_skene"``: ``dawid_skene_preference``).

    ``adjudicated``: item_id -> the preference of its standing final decision (see
    ``feedback.consensus.answers.standing_adjudications``); such items get confidence 1 and ``adjudicated`` True, even
    with no votes at all.

    Columns ``CONSENSUS_COLUMNS``, one row per item with a vote or an adjudication, sorted by item:
    ``label`` (a candidate key, ``tie``, ``both_bad``, or None: no consensus), ``confidence`` (majority: the
    share of votes for the most-voted option; Dawid-Skene: the posterior of the top option; adjudicated: 1),
    ``method`` (the method asked for), ``adjudicated``, ``n_annotators`` (annotators with a preference),
    ``share`` (the share of those annotators who chose ``label``; 0 if none did), ``outcome`` (``clear``,
    ``tie``, ``both_bad`` or ``split``).
    """
    if method not in METHODS:
        raise ValueError(f"unknown consensus method {method!r} (choose {' or '.join(METHODS)})")
    v = _given(votes)
    majority = majority_preference(v)
    if method == "majority":
        frame = majority.rename(columns={"winner": "label"}).assign(confidence=majority["share"])
    else:
        frame = dawid_skene_preference(v, candidates).rename(columns={"winner": "label"})
    frame = frame[["item_id", "label", "confidence", "n_annotators", "outcome"]]
    frame = frame.assign(method=method, adjudicated=False)
    decided = pd.Series(adjudicated or {}, dtype=object)
    decided = decided[decided.notna()]
    if len(decided):
        extra = pd.Index(decided.index).difference(pd.Index(frame["item_id"]))
        if len(extra):
            frame = pd.concat([frame, pd.DataFrame({
                "item_id": np.asarray(extra), "label": None, "confidence": 0.0, "n_annotators": 0,
                "outcome": "split", "method": method, "adjudicated": False})], ignore_index=True)
        hit = frame["item_id"].isin(decided.index).to_numpy()
        labels = frame.loc[hit, "item_id"].map(decided).to_numpy(dtype=object)
        frame.loc[hit, "label"] = labels
        frame.loc[hit, "confidence"] = 1.0
        frame.loc[hit, "adjudicated"] = True
        frame.loc[hit, "outcome"] = np.where(np.isin(labels, NON_CANDIDATE_CHOICES), labels, "clear")
    counts = v.groupby(["item_id", "preference"]).size()
    key = pd.MultiIndex.from_arrays([frame["item_id"].to_numpy(), frame["label"].astype(object).to_numpy()])
    chosen = counts.reindex(key).fillna(0).to_numpy()
    n = frame["n_annotators"].to_numpy()
    frame["share"] = np.where(n > 0, chosen / np.where(n > 0, n, 1), 0.0).astype("float64")
    frame = frame.sort_values("item_id", kind="mergesort").reset_index(drop=True)
    return frame.astype({"confidence": "float64", "n_annotators": "int64", "adjudicated": bool})[CONSENSUS_COLUMNS]
