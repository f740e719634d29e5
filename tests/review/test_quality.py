"""Annotator quality: items done, median time, agreement with the others, gold accuracy, position bias, tie and
both-bad rates, and the flags a reviewer acts on."""

import json

import pandas as pd
import pytest
from scipy.stats import binomtest
from sqlmodel import select

from feedback.errors import PermissionDenied
from feedback.labeling.annotate import Answer, submit_annotation
from feedback.labeling.queue import display_order
from feedback.projects.gold import set_gold
from feedback.review.quality import (
    QUALITY_COLUMNS,
    annotator_quality,
    flagged_annotators,
    others_majority,
    quality_table,
    two_sided_half,
)
from feedback.store.tables import Annotation, Item, ProjectMember


def answer(session, user, item, preference=None, *, shown=None, seconds=None, ratings=None):
    session.add(Annotation(item_id=item.id, user_id=user.id, preference=preference, shown_order=shown,
                           time_spent_s=seconds, ratings=ratings or {}))
    session.commit()


def rows_by_name(rows):
    return {row["annotator"]: row for row in rows}


@pytest.fixture
def setup(session, make_project, make_user, add_item):
    """A project with 20 two-candidate items, a reviewer, and a factory for more items."""
    project = make_project(items=20)
    items = session.exec(select(Item).where(Item.project_id == project.id).order_by(Item.position)).all()
    return project, items, make_user("rev", role="reviewer")


def test_an_annotator_who_always_picks_the_left_answer_is_flagged_for_position_bias(session, setup, make_user):
    """Through the real submit path: the app's random left/right order is recorded and tested."""
    project, items, reviewer = setup
    lefty, fair = make_user("lefty"), make_user("fair")
    for n, item in enumerate(items):
        order = display_order(lefty.id, item.id, ["a", "b"])
        submit_annotation(session=session, user=lefty, item_id=item.id,
                          answer=Answer(preference=order[0], shown_order=order))
        order = display_order(fair.id, item.id, ["a", "b"])
        submit_annotation(session=session, user=fair, item_id=item.id,
                          answer=Answer(preference=order[n % 2], shown_order=order))
    rows = rows_by_name(annotator_quality(session=session, user=reviewer, project=project))
    assert (rows["lefty"]["left_share"], rows["lefty"]["position_n"]) == (1.0, 20)
    assert rows["lefty"]["position_p"] == pytest.approx(2 * 0.5 ** 20)  # two-sided exact: 1.9e-06
    assert "position bias: left 100%, p < 0.001" in rows["lefty"]["flags"] and rows["lefty"]["flagged"]
    assert (rows["fair"]["left_share"], rows["fair"]["position_p"]) == (0.5, 1.0)
    assert not any(f.startswith("position bias") for f in rows["fair"]["flags"])


def test_position_bias_on_a_hand_case_matches_scipy(session, setup, make_user):
    """18 left choices of 20: p = 2 * sum_{k>=18} C(20, k) / 2^20 = 2 * 211 / 1048576 = 0.000402."""
    project, items, reviewer = setup
    user = make_user("maria")
    for n, item in enumerate(items):
        shown = ["b", "a"] if n % 2 else ["a", "b"]
        answer(session, user, item, shown[0] if n < 18 else shown[1], shown=shown)
    row = annotator_quality(session=session, user=reviewer, project=project)[0]
    assert (row["left_share"], row["position_n"]) == (0.9, 20)
    assert row["position_p"] == pytest.approx(binomtest(18, 20, 0.5).pvalue) == pytest.approx(422 / 2 ** 20)
    assert round(row["position_p"], 6) == 0.000402
    assert row["flags"] == ["position bias: left 90%, p < 0.001"]


@pytest.mark.parametrize("left, n, flagged", [
    (7, 10, False),     # share outside the band but p = 0.34: could be chance
    (530, 1000, False),  # p = 0.06 and share 0.53 inside [0.4, 0.6]
    (640, 1000, True),   # p < 0.01 and share outside the band
    (580, 1000, False),  # p < 0.01 but a share of 0.58 is inside the band: harmless
    (2, 20, True),       # a right-hand bias is a bias too
])
def test_position_bias_needs_both_significance_and_size(left, n, flagged):
    ann = pd.DataFrame({"annotator": "x", "user_id": 1, "item_id": range(n), "time_spent_s": None,
                        "preference": ["a"] * left + ["b"] * (n - left), "shown_order": [["a", "b"]] * n})
    row = quality_table(ann, threshold=0.5).iloc[0]
    assert row["position_p"] == pytest.approx(binomtest(left, n, 0.5).pvalue)
    assert bool(row["flagged"]) is flagged


def test_ties_both_bad_imported_and_ranked_answers_do_not_count_for_position_bias(session, setup, make_user,
                                                                                  add_item):
    project, items, reviewer = setup
    user = make_user("maria")
    answer(session, user, items[0], "tie", shown=["a", "b"])
    answer(session, user, items[1], "both_bad", shown=["b", "a"])
    answer(session, user, items[2], "a", shown=None)  # imported: the order is unknown
    three = add_item(session, project, external_id="x3", outputs=("1", "2", "3"))
    answer(session, user, three, "a", shown=["a", "b", "c"])
    answer(session, user, items[3], "b", shown=["b", "a"])
    row = annotator_quality(session=session, user=reviewer, project=project)[0]
    assert (row["left_share"], row["position_n"]) == (1.0, 1)
    assert row["position_p"] == 1.0 and row["flags"] == []


def test_tie_and_both_bad_rates_are_shares_of_the_preferences_given(session, setup, make_user):
    project, items, reviewer = setup
    user = make_user("maria")
    for item, pref in zip(items, ["tie", "both_bad", "a", "tie", None]):
        answer(session, user, item, pref, ratings=None if pref else {"a": {"helpfulness": 3}})
    row = annotator_quality(session=session, user=reviewer, project=project)[0]
    assert (row["items_done"], row["preferences"]) == (5, 4)
    assert (row["tie_rate"], row["both_bad_rate"]) == (0.5, 0.25)


def test_items_done_and_median_time_per_item(session, setup, make_user):
    project, items, reviewer = setup
    fast, imported = make_user("fast"), make_user("imported")
    for item, seconds in zip(items, [10.0, 30.0, 20.0, None, 95.5]):
        answer(session, fast, item, "a", seconds=seconds)
    answer(session, imported, items[0], "b")
    rows = rows_by_name(annotator_quality(session=session, user=reviewer, project=project))
    assert (rows["fast"]["items_done"], rows["fast"]["median_time_s"]) == (5, 25.0)  # median of 10, 20, 30, 95.5
    assert (rows["imported"]["items_done"], rows["imported"]["median_time_s"]) == (1, None)


# Hand example for agreement with the consensus of the others (leave-self-out):
#   item 1: x=a, y=a, z=b  -> x's others {a, b} tie: left out; y likewise; z's others {a, a}: a, z disagrees
#   item 2: x=a, y=a, z=a  -> everyone agrees with the others' a
#   item 3: x=b, y=a, z=a  -> x's others {a, a}: disagrees; y's and z's others {b, a} tie: left out
#   item 4: x=tie, y=tie   -> both agree with the other's tie; z did not answer
#   item 5: x=a            -> nobody else: left out
# x: 2 of 3 (items 2, 3, 4), y: 2 of 2, z: 1 of 2.
HAND = [(1, "x", "a"), (1, "y", "a"), (1, "z", "b"), (2, "x", "a"), (2, "y", "a"), (2, "z", "a"),
        (3, "x", "b"), (3, "y", "a"), (3, "z", "a"), (4, "x", "tie"), (4, "y", "tie"), (5, "x", "a")]
EXPECTED = {"x": (2 / 3, 3), "y": (1.0, 2), "z": (0.5, 2)}


def test_others_majority_on_the_hand_example():
    votes = pd.DataFrame(HAND, columns=["item_id", "annotator", "preference"])
    result = others_majority(votes)
    assert result["others"].tolist() == [None, None, "a", "a", "a", "a", "a", None, None, "tie", "tie", None]
    assert result["agrees"].tolist() == [None, None, False, True, True, True, False, None, None, True, True, None]
    assert result["n_others"].tolist() == [2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 0]


def test_agreement_with_the_consensus_of_the_others_on_the_hand_example(session, setup, make_user):
    project, items, reviewer = setup
    users = {name: make_user(name) for name in "xyz"}
    for item_no, name, pref in HAND:
        answer(session, users[name], items[item_no - 1], pref)
    rows = rows_by_name(annotator_quality(session=session, user=reviewer, project=project, min_items=2))
    for name, (share, n) in EXPECTED.items():
        assert (rows[name]["agreement"], rows[name]["agreement_n"]) == (pytest.approx(share), n)
    assert rows["z"]["flags"] == []  # 0.50 is not below the default threshold 0.50
    project.quality_threshold = 0.7
    session.add(project)
    session.commit()
    rows = rows_by_name(annotator_quality(session=session, user=reviewer, project=project, min_items=2))
    assert rows["x"]["flags"] == ["agreement 67% < 70%"] and rows["z"]["flags"] == ["agreement 50% < 70%"]
    assert rows["y"]["flags"] == [] and not rows["y"]["flagged"]
    assert flagged_annotators(session=session, user=reviewer, project=project, min_items=2) == ["x", "z"]
    # with the default minimum of 5 compared items, 3 items are too few to flag anyone
    assert flagged_annotators(session=session, user=reviewer, project=project) == []


def test_gold_accuracy_is_joined_and_low_accuracy_is_flagged(session, setup, make_user):
    project, items, reviewer = setup
    good, bad = make_user("good"), make_user("bad")
    for item in items[:6]:
        set_gold(session=session, user=None, item_id=item.id, answer={"preference": "a"})
    for n, item in enumerate(items):  # they agree on the 14 items that are not gold: agreement 16 / 20
        submit_annotation(session=session, user=good, item_id=item.id, answer=Answer(preference="a"))
        submit_annotation(session=session, user=bad, item_id=item.id,
                          answer=Answer(preference="b" if 2 <= n < 6 else "a"))
    rows = rows_by_name(annotator_quality(session=session, user=reviewer, project=project))
    assert (rows["good"]["gold_answered"], rows["good"]["gold_accuracy"]) == (6, 1.0)
    assert (rows["bad"]["gold_answered"], rows["bad"]["gold_accuracy"]) == (6, pytest.approx(1 / 3))
    assert rows["bad"]["agreement"] == rows["good"]["agreement"] == 0.8
    assert rows["bad"]["flags"] == ["gold accuracy 33% < 50%"]
    assert rows["good"]["flags"] == []


def test_rows_are_json_safe_with_none_for_missing_figures(session, setup, make_user):
    project, items, reviewer = setup
    answer(session, make_user("solo"), items[0], None, ratings={"a": {"helpfulness": 4}})
    rows = annotator_quality(session=session, user=reviewer, project=project)
    assert list(rows[0]) == QUALITY_COLUMNS
    assert rows[0] | {"user_id": None} == {
        "annotator": "solo", "user_id": None, "items_done": 1, "median_time_s": None, "agreement": None,
        "agreement_n": 0, "gold_answered": 0, "gold_accuracy": None, "preferences": 0, "tie_rate": None,
        "both_bad_rate": None, "left_share": None, "position_n": 0, "position_p": None, "flags": [],
        "flagged": False}
    json.dumps(rows, allow_nan=False)  # no NaN, no numpy types


def test_an_empty_project_has_an_empty_table(session, make_project, make_user):
    project = make_project("empty")
    assert annotator_quality(session=session, user=make_user("admin", role="admin"), project=project) == []


def test_annotators_may_not_see_quality(session, setup, make_user):
    project = setup[0]
    annotator = make_user("maria")
    with pytest.raises(PermissionDenied, match="Only reviewers may see annotator quality"):
        annotator_quality(session=session, user=annotator, project=project)
    with pytest.raises(PermissionDenied):
        flagged_annotators(session=session, user=annotator, project=project)
    session.add(ProjectMember(project_id=project.id, user_id=annotator.id))
    session.commit()
    with pytest.raises(PermissionDenied):  # being a member of the project is not enough
        annotator_quality(session=session, user=annotator, project=project)
    assert annotator_quality(session=session, user=None, project=project) == []  # the local operator


@pytest.mark.parametrize("n", [1, 2, 3, 7, 20, 21, 150, 1001, 30_000])
def test_position_p_is_scipys_exact_two_sided_binomial_test(n):
    """The p-value computed from the binomial distribution function equals ``scipy.stats.binomtest``'s for
    every count of left choices (scipy.stats is not imported to compute it: a second of every report)."""
    for k in sorted({0, 1, n // 2, (n + 1) // 2, n - 1, n, *range(0, n + 1, max(1, n // 37))}):
        if 0 <= k <= n:
            assert two_sided_half(k, n) == pytest.approx(binomtest(k, n, 0.5).pvalue, rel=1e-9, abs=1e-300)
