"""Train / test split grouped by prompt and the class balance (feedback.export.curation.split)."""

import pandas as pd
import pytest

from feedback.export.curation.split import assign_splits, class_balance, n_test_groups, split_counts


def test_rows_of_a_group_share_a_split_and_no_key_is_in_both():
    keys = [f"p{k % 37}" for k in range(500)]
    splits = assign_splits(keys, test_fraction=0.2, seed=5)
    by_key = {}
    for key, split in zip(keys, splits):
        by_key.setdefault(key, set()).add(split)
    assert all(len(s) == 1 for s in by_key.values())
    assert sum(s == {"test"} for s in by_key.values()) == 8  # ceil(0.2 * 37) groups


def test_seeded_deterministic_and_independent_of_row_order():
    keys = [f"prompt {k}" for k in range(200)]
    first = dict(zip(keys, assign_splits(keys, test_fraction=0.3, seed=1)))
    again = dict(zip(keys[::-1], assign_splits(keys[::-1], test_fraction=0.3, seed=1)))
    assert first == again
    other = dict(zip(keys, assign_splits(keys, test_fraction=0.3, seed=2)))
    assert other != first


def test_fraction_roughly_respected_in_rows():
    keys = [f"p{k}" for k in range(1000) for _ in range(k % 3 + 1)]
    counts = split_counts(assign_splits(keys, test_fraction=0.1, seed=0))
    assert 0.07 < counts["test"] / len(keys) < 0.13


@pytest.mark.parametrize(("groups", "fraction", "test"), [
    (0, 0.5, 0), (1, 0.5, 0), (2, 0.01, 1), (3, 0.1, 1), (10, 0.3, 3), (30, 0.1, 3), (5, 0.99, 4), (7, 0.0, 0),
])
def test_test_group_count(groups, fraction, test):
    assert n_test_groups(groups, fraction) == test


def test_zero_fraction_tiny_and_empty_sets():
    assert assign_splits(["a", "b", "c"], test_fraction=0.0, seed=0) == ["train"] * 3
    assert assign_splits(["a", "a"], test_fraction=0.5, seed=0) == ["train", "train"]  # one group: all train
    assert sorted(assign_splits(["a", "b"], test_fraction=0.1, seed=0)) == ["test", "train"]
    assert assign_splits([], test_fraction=0.5, seed=0) == []
    with pytest.raises(ValueError, match="test_fraction"):
        assign_splits(["a"], test_fraction=1.0, seed=0)


def test_class_balance_counts_outcomes_positions_and_models_per_split():
    cons = pd.DataFrame({"item_id": [1, 2, 3, 4], "label": ["a", "b", "both_bad", "a"],
                         "confidence": [1.0] * 4, "n_annotators": [3] * 4,
                         "outcome": ["clear", "clear", "both_bad", "clear"]})
    cands = pd.DataFrame({"item_id": [1, 1, 2, 2, 3, 3, 4, 4], "key": ["a", "b"] * 4,
                          "model": ["m1", "m2", "m1", "m2", "m1", "m2", "m2", "m1"], "position": [0, 1] * 4})
    out = class_balance(cons, cands, {1, 2, 3, 5}, {1: "train", 2: "test", 3: "train", 5: "train"})
    assert out["outcome"] == {"both_bad": 1, "clear": 2, "none": 1}
    assert out["winner_position"] == {"first": 1, "second": 1}
    assert out["winner_model"] == {"m1": 1, "m2": 1}
    assert out["by_split"]["test"]["winner_model"] == {"m2": 1}
    assert out["by_split"]["train"]["outcome"] == {"both_bad": 1, "clear": 1, "none": 1}


def test_near_duplicates_kept_in_the_data_stay_in_one_split():
    from feedback.export.curation.curate import near_groups

    base = [f"how do i reset the password of account number {n} on the mobile app today" for n in range(40)]
    near = [text.replace("today", "now") for text in base]  # cosine with its original well above 0.8
    groups = near_groups(base + near, 0.8)
    assert all(groups[k] == groups[k + 40] for k in range(40))
    splits = assign_splits(groups, test_fraction=0.3, seed=3)
    assert all(splits[k] == splits[k + 40] for k in range(40)) and "test" in splits
    assert near_groups(["alpha beta", "gamma delta"], 0.9) == ["alpha beta", "gamma delta"]
