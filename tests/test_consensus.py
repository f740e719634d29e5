"""Majority preference: the rule "strictly more than half of the item's preference votes", worked by hand."""

import pandas as pd
import pytest

from feedback.consensus import MAJORITY_COLUMNS, majority_preference


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
