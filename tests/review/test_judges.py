"""Automatic judges: their agreement with the human consensus, and who may see their suggestions."""

import json

import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score
from sqlmodel import select

from feedback.errors import NotFound, PermissionDenied
from feedback.intake.importer import import_file
from feedback.review.judges import describe_suggestion, judge_report, judge_table, suggestions_for
from feedback.store.tables import Adjudication, Annotation, Item, Project, Suggestion

# Hand example. Human votes (three annotators) and the consensus they give:
#   item 1: a a a -> a        item 2: b b a -> b        item 3: a a a -> a        item 4: tie tie a -> tie
#   item 5: a b tie -> split (no consensus)             item 6: a (one annotator: no consensus)
#   items 7, 8: no human answer
# Judge "gpt-judge": 1 a (0.9), 2 b (0.8), 3 b (0.3), 4 a (0.4), 5 a, 6 a, 7 b, 8 no preference.
# Compared on items 1-4: right on 1 and 2 -> agreement 2/4 = 0.5.
# Cohen's kappa, judge [1st, 2nd, 2nd, 1st] vs people [1st, 2nd, 1st, tie]: p_o = 2/4,
# p_e = (2*2 + 2*1 + 0*1) / 16 = 0.375, kappa = (0.5 - 0.375) / (1 - 0.375) = 0.2.
# Mean score when right (0.9 + 0.8) / 2 = 0.85, when wrong (0.3 + 0.4) / 2 = 0.35.
# Human baseline on items 1-4, leave-self-out: item 1 three agree; item 2 the b voters' others {b, a} tie
# (left out), the a voter disagrees; item 3 three agree; item 4 likewise one disagrees: 6 of 8 = 0.75.
HUMANS = {1: "aaa", 2: "bba", 3: "aaa", 4: ["tie", "tie", "a"], 5: ["a", "b", "tie"], 6: "a"}
JUDGE = {1: ("a", 0.9), 2: ("b", 0.8), 3: ("b", 0.3), 4: ("a", 0.4), 5: ("a", None), 6: ("a", None),
         7: ("b", None), 8: (None, None)}


@pytest.fixture
def judged(session, make_project, make_user):
    project = make_project(items=8)
    items = {n + 1: item for n, item in enumerate(
        session.exec(select(Item).where(Item.project_id == project.id).order_by(Item.position)).all())}
    people = [make_user(name) for name in ("maria", "alex", "sam")]
    for n, votes in HUMANS.items():
        for person, vote in zip(people, votes):
            session.add(Annotation(item_id=items[n].id, user_id=person.id, preference=vote))
    for n, (pref, score) in JUDGE.items():
        session.add(Suggestion(item_id=items[n].id, agent="gpt-judge", preference=pref, score=score,
                               rationale=None if pref else "cannot tell"))
    for n in (1, 2, 4):
        session.add(Suggestion(item_id=items[n].id, agent="reward-model", preference="a"))
    session.commit()
    return project, items, make_user("rev", role="reviewer")


def test_judge_agreement_kappa_and_scores_on_the_hand_example(session, judged):
    project, _, reviewer = judged
    report = judge_report(session=session, user=reviewer, project=project)
    assert [row["agent"] for row in report] == ["gpt-judge", "reward-model"]
    gpt = report[0]
    assert (gpt["items_judged"], gpt["with_preference"], gpt["items_with_consensus"]) == (8, 7, 4)
    assert gpt["agreement"] == 0.5
    assert gpt["kappa"] == pytest.approx(0.2)
    assert gpt["kappa"] == pytest.approx(cohen_kappa_score(["1", "2", "2", "1"], ["1", "2", "1", "tie"]))
    assert (gpt["mean_score_right"], gpt["mean_score_wrong"]) == (pytest.approx(0.85), pytest.approx(0.35))
    assert gpt["human_baseline"] == 0.75
    # reward-model: a on items 1, 2, 4 -> right on 1 only; no scores
    rm = report[1]
    assert (rm["items_judged"], rm["items_with_consensus"], rm["agreement"]) == (3, 3, pytest.approx(1 / 3))
    assert (rm["mean_score_right"], rm["mean_score_wrong"]) == (None, None)
    json.dumps(report, allow_nan=False)


def test_an_adjudicated_answer_is_the_consensus_and_a_reopen_cancels_it(session, judged):
    project, items, reviewer = judged
    session.add(Adjudication(item_id=items[5].id, reviewer_id=reviewer.id, decision="final",
                             answer={"preference": "a"}))  # the split item 5: the judge said a
    session.add(Adjudication(item_id=items[4].id, reviewer_id=reviewer.id, decision="final",
                             answer={"preference": "a"}))  # overrides the annotators' tie: the judge said a
    session.commit()
    gpt = judge_report(session=session, user=reviewer, project=project)[0]
    assert (gpt["items_with_consensus"], gpt["agreement"]) == (5, 4 / 5)
    session.add(Adjudication(item_id=items[5].id, reviewer_id=reviewer.id, decision="reopen"))
    session.commit()
    gpt = judge_report(session=session, user=reviewer, project=project)[0]
    assert (gpt["items_with_consensus"], gpt["agreement"]) == (4, 3 / 4)


def test_min_annotators_decides_which_items_have_a_consensus(session, judged):
    project, _, reviewer = judged
    gpt = judge_report(session=session, user=reviewer, project=project, min_annotators=1)[0]
    assert (gpt["items_with_consensus"], gpt["agreement"]) == (5, 3 / 5)  # item 6's single a counts


def test_kappa_codes_preferences_by_candidate_position_not_by_key():
    """Items whose candidates are named differently still share the categories first / second."""
    suggestions = pd.DataFrame({"item_id": [1, 2, 3], "agent": "j", "preference": ["x", "b", "a"], "score": None})
    votes = pd.DataFrame({"item_id": [1, 1, 2, 2, 3, 3], "annotator": ["m", "s"] * 3,
                          "preference": ["x", "x", "b", "b", "b", "b"]})
    positions = {(1, "x"): 1, (1, "y"): 2, (2, "a"): 1, (2, "b"): 2, (3, "a"): 1, (3, "b"): 2}
    row = judge_table(suggestions, votes, positions).iloc[0]
    assert row["agreement"] == pytest.approx(2 / 3)
    # judge [1, 2, 1] vs people [1, 2, 2]: p_o = 2/3, p_e = (2*1 + 1*2) / 9 = 4/9, kappa = (2/9) / (5/9) = 0.4
    assert row["kappa"] == pytest.approx(0.4)


def test_kappa_is_none_when_undefined(session, make_project, make_user):
    project = make_project(items=1)
    item = session.exec(select(Item)).one()
    for name in ("maria", "alex"):
        session.add(Annotation(item_id=item.id, user_id=make_user(name).id, preference="a"))
    session.add(Suggestion(item_id=item.id, agent="j", preference="a"))
    session.commit()
    row = judge_report(session=session, user=None, project=project)[0]
    assert (row["agreement"], row["kappa"], row["human_baseline"]) == (1.0, None, 1.0)


def test_a_project_without_suggestions_has_an_empty_report(session, make_project):
    assert judge_report(session=session, user=None, project=make_project(items=2)) == []


def test_annotators_may_not_see_the_judge_report(session, judged, make_user):
    project = judged[0]
    with pytest.raises(PermissionDenied, match="Only reviewers may"):
        judge_report(session=session, user=make_user("dev"), project=project)


# --- suggestions_for ----------------------------------------------------------------------------------


def test_suggestions_are_hidden_from_annotators_unless_the_project_shows_them(session, judged, make_user):
    project, items, reviewer = judged
    annotator = make_user("dev")
    assert project.show_suggestions is False  # the default
    assert suggestions_for(session=session, user=annotator, item_id=items[1].id) == []
    shown = suggestions_for(session=session, user=reviewer, item_id=items[1].id)
    assert [(s["agent"], s["preference"], s["score"]) for s in shown] == [("gpt-judge", "a", 0.9),
                                                                          ("reward-model", "a", None)]
    assert set(shown[0]) == {"agent", "preference", "ranking", "ratings", "flags", "score", "rationale"}
    project.show_suggestions = True
    session.add(project)
    session.commit()
    assert suggestions_for(session=session, user=annotator, item_id=items[1].id) == shown


def test_suggestions_for_a_missing_item_or_a_closed_project_are_refused(session, judged, make_user):
    project, items, _ = judged
    with pytest.raises(NotFound):
        suggestions_for(session=session, user=None, item_id=9999)
    stored = session.get(Project, project.id)
    stored.restricted, stored.show_suggestions = True, True
    session.add(stored)
    session.commit()
    with pytest.raises(PermissionDenied):
        suggestions_for(session=session, user=make_user("outsider"), item_id=items[1].id)


def test_describe_suggestion_names_candidates_by_screen_letter():
    suggestion = {"agent": "gpt-judge", "preference": "a", "ranking": None, "score": 0.82,
                  "ratings": {"a": {"helpfulness": 2}, "b": {"helpfulness": 5}}, "flags": {"a": ["unsafe"]},
                  "rationale": "B is safer"}
    text = describe_suggestion(suggestion, {"a": "B", "b": "A"})  # a is shown on the right
    assert text == ("gpt-judge: B is better; A: helpfulness 5; B: helpfulness 2; B flagged unsafe; score 0.82"
                    "\n\nB is safer")
    assert describe_suggestion({"agent": "j", "preference": "both_bad"}, {}) == "j: both are bad"
    assert describe_suggestion({"agent": "j", "ranking": {"a": 2, "b": 1, "c": 3}},
                               {"a": "C", "b": "A", "c": "B"}) == "j: ranking A, C, B"


def test_imported_suggestions_feed_the_report(session, tmp_path):
    lines = []
    for n, (people, judge) in enumerate([("aa", "a"), ("bb", "a"), ("ab", "b")]):
        lines.append({"id": f"t-{n}", "prompt": f"q{n}", "candidates": [{"output": "x"}, {"output": "y"}],
                      "annotations": [{"annotator": who, "preference": p} for who, p in zip(("m", "s"), people)],
                      "suggestions": [{"agent": "llm", "preference": judge, "score": 0.5 + n / 10}]})
    path = tmp_path / "judged.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines))
    import_file(session=session, user=None, project="p", path=path)
    project = session.exec(select(Project)).one()
    row = judge_report(session=session, user=None, project=project)[0]
    assert (row["items_judged"], row["items_with_consensus"], row["agreement"]) == (3, 2, 0.5)
    assert (row["mean_score_right"], row["mean_score_wrong"]) == (0.5, 0.6)
