"""Consensus: majority preference (the rule "strictly more than half of the votes", worked by hand), Dawid-Skene
over preferences, and the final consensus with reviewer adjudications."""

import pandas as pd
import pytest

from feedback.consensus.methods import (
    CONSENSUS_COLUMNS,
    MAJORITY_COLUMNS,
    dawid_skene_preference,
    final_consensus,
    majority_preference,
)


def votes(*prefs, item=1):
    return pd.DataFrame({"item_id": [item] * len(prefs), "annotator": [f"u{n}" for n in range(len(prefs))],
                         "preference": list(prefs)})


@pytest.mark.parametrize(
    ("prefs", "winner", "winner_votes", "n", "outcome"),
    [
        (["a", "a", "b"], "a", 2, 3, "clear"),          # 2-1
        (["b", "a", "b"], "b", 2, 3, "clear"),          # the order of votes does not matter
        (["a", "b", "tie"], None, 1, 3, "split"),       # 1-1-1
        (["a", "b"], None, 1, 2, "split"),              # 1-1
        (["a", "a", "b", "b"], None, 2, 4, "split"),    # half is not a majority
        (["tie", "tie", "a"], "tie", 2, 3, "tie"),      # the annotators agree neither is better
        (["both_bad", "both_bad", "b"], "both_bad", 2, 3, "both_bad"),
        (["a"], "a", 1, 1, "clear"),                    # a single vote is a majority of one
        (["tie"], "tie", 1, 1, "tie"),
        (["a", "a", "a", "b", "c"], "a", 3, 5, "clear"),  # three candidates
    ],
)
def test_majority_rule(prefs, winner, winner_votes, n, outcome):
    row = majority_preference(votes(*prefs)).iloc[0]
    assert row["winner"] == winner
    assert row["winner_votes"] == winner_votes
    assert row["n_annotators"] == n
    assert row["share"] == pytest.approx(winner_votes / n)
    assert row["outcome"] == outcome


def test_missing_preferences_are_ignored_and_items_stay_apart():
    frame = pd.DataFrame({
        "item_id": [1, 1, 1, 2, 2, 3],
        "annotator": ["u1", "u2", "u3", "u1", "u2", "u1"],
        "preference": ["a", None, "b", "b", "b", None],
    })
    result = majority_preference(frame)
    assert list(result.columns) == MAJORITY_COLUMNS
    assert list(result["item_id"]) == [1, 2]        # item 3 has no preference at all: no row
    first, second = result.iloc[0], result.iloc[1]
    assert (first["n_annotators"], first["outcome"], first["winner"]) == (2, "split", None)
    assert (second["n_annotators"], second["outcome"], second["winner"], second["share"]) == (2, "clear", "b", 1.0)


def test_an_annotator_counts_once_per_item():
    frame = pd.DataFrame({"item_id": [1, 1, 1], "annotator": ["u1", "u1", "u2"], "preference": ["b", "a", "a"]})
    row = majority_preference(frame).iloc[0]
    assert (row["n_annotators"], row["winner"], row["outcome"]) == (2, "a", "clear")


def test_no_votes_gives_an_empty_frame_with_the_columns():
    result = majority_preference(pd.DataFrame({"item_id": [1], "annotator": ["u1"], "preference": [None]}))
    assert result.empty
    assert list(result.columns) == MAJORITY_COLUMNS


def test_missing_column_is_reported():
    with pytest.raises(ValueError, match="preference"):
        majority_preference(pd.DataFrame({"item_id": [1], "annotator": ["u1"]}))


# --- Dawid-Skene over preferences, and the consensus a project uses ------------------------------------------

def frame(rows):
    return pd.DataFrame(rows, columns=["item_id", "annotator", "preference"])


def reliable_and_careless():
    """Items 1-20: three careful annotators (r1-r3) agree on the truth, which alternates a/b; two careless
    ones (x1, x2) answer in patterns unrelated to it. Item 99: r1 says a, x1 and x2 say b (majority b)."""
    rows = []
    for i in range(1, 21):
        truth = "ab"[i % 2]
        rows += [(i, r, truth) for r in ("r1", "r2", "r3")]
        rows += [(i, "x1", "ab"[(i // 2) % 2]), (i, "x2", "ab"[((i + 1) // 2) % 2])]
    rows += [(99, "r1", "a"), (99, "x1", "b"), (99, "x2", "b")]
    return frame(rows)


def test_dawid_skene_trusts_the_reliable_annotator_where_majority_does_not():
    votes = reliable_and_careless()
    majority = majority_preference(votes).set_index("item_id")
    assert majority.loc[99, "winner"] == "b"
    ds = dawid_skene_preference(votes).set_index("item_id")
    assert list(ds.columns) == ["n_annotators", "winner", "confidence", "outcome"]
    assert ds.loc[99, "winner"] == "a" and ds.loc[99, "confidence"] > 0.9 and ds.loc[99, "outcome"] == "clear"
    assert all(ds.loc[i, "winner"] == "ab"[i % 2] for i in range(1, 21))
    assert ds.loc[99, "n_annotators"] == 3
    again = dawid_skene_preference(votes)
    pd.testing.assert_frame_equal(again, dawid_skene_preference(votes))   # deterministic


def test_dawid_skene_codes_candidates_by_position_and_maps_back_to_keys():
    # Item 1's candidates are called x and y, item 2's a and b: one confusion matrix serves both.
    votes = frame([(1, "u1", "x"), (1, "u2", "x"), (2, "u1", "b"), (2, "u2", "b"), (3, "u1", "tie"),
                   (3, "u2", "tie")])
    candidates = pd.DataFrame({"item_id": [1, 1, 2, 2, 3, 3], "key": ["x", "y", "a", "b", "a", "b"],
                               "position": [0, 1, 0, 1, 0, 1]})
    result = dawid_skene_preference(votes, candidates).set_index("item_id")
    assert list(result["winner"]) == ["x", "b", "tie"]
    assert list(result["outcome"]) == ["clear", "clear", "tie"]


def test_dawid_skene_exact_tie_is_split():
    votes = frame([(1, "u1", "a"), (1, "u2", "b")])   # symmetric: nothing tells the two apart
    row = dawid_skene_preference(votes).iloc[0]
    assert row["winner"] is None and row["outcome"] == "split"
    assert row["confidence"] == pytest.approx(0.5)


def test_final_consensus_majority_and_adjudication_override():
    votes = frame([(1, "u1", "a"), (1, "u2", "a"), (1, "u3", "b"),
                   (2, "u1", "a"), (2, "u2", "b"),
                   (3, "u1", None)])
    result = final_consensus(votes, method="majority", adjudicated={2: "both_bad", 4: "a"}).set_index("item_id")
    assert list(result.index) == [1, 2, 4]          # item 3 has no vote; item 4 only an adjudication
    assert list(result.reset_index().columns) == CONSENSUS_COLUMNS
    one, two, four = result.loc[1], result.loc[2], result.loc[4]
    assert (one["label"], one["confidence"], one["share"], one["adjudicated"]) == ("a", pytest.approx(2 / 3),
                                                                                   pytest.approx(2 / 3), False)
    assert (two["label"], two["confidence"], two["share"], two["outcome"]) == ("both_bad", 1.0, 0.0, "both_bad")
    assert two["adjudicated"] and two["method"] == "majority" and two["n_annotators"] == 2
    assert (four["label"], four["n_annotators"], four["share"], four["adjudicated"]) == ("a", 0, 0.0, True)


def test_final_consensus_split_has_no_label_and_unknown_methods_are_refused():
    row = final_consensus(frame([(1, "u1", "a"), (1, "u2", "b")])).iloc[0]
    assert row["label"] is None and row["outcome"] == "split" and row["confidence"] == pytest.approx(0.5)
    assert row["share"] == 0.0
    with pytest.raises(ValueError, match="unknown consensus method 'vote'"):
        final_consensus(frame([(1, "u1", "a")]), method="vote")


def test_final_consensus_dawid_skene():
    result = final_consensus(reliable_and_careless(), method="dawid_skene").set_index("item_id")
    row = result.loc[99]
    assert (row["label"], row["method"], row["adjudicated"]) == ("a", "dawid_skene", False)
    assert row["share"] == pytest.approx(1 / 3) and row["confidence"] > 0.9
    overridden = final_consensus(reliable_and_careless(), method="dawid_skene", adjudicated={99: "b"})
    assert overridden.set_index("item_id").loc[99, "label"] == "b"
