"""The Review page through AppTest: the disputed items, a final answer, more annotators, the boundaries."""

import pytest
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest
from test_pages import signed_in

from feedback.store.tables import Adjudication, Annotation, Item, Project, User
from feedback.ui.review_views import ITEM


def open_review(db_engine, name="rita", role="reviewer") -> AppTest:
    at = signed_in(db_engine, name, role).run()
    at.switch_page("pages/review.py").run()
    assert not at.exception, at.exception
    return at


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def test_the_split_item_is_in_the_queue_with_both_answers_side_by_side(db):
    at = open_review(db)
    assert at.title[0].value == "Review"
    queue = at.dataframe[0].value
    assert list(queue["Item"]) == ["t-0"]  # maria chose a, dev chose b
    assert queue["Consensus"].iloc[0] == "no consensus"
    said = at.dataframe[1].value
    assert set(said["Annotator"]) == {"maria", "dev"}
    assert dict(zip(said["Annotator"], said["Choice"])) == {"maria": "a (v1)", "dev": "b (v2)"}


def test_a_final_answer_needs_a_reason_then_is_recorded_and_leaves_the_queue(db):
    at = open_review(db)
    at.radio(key="review.1.preference").set_value("a")
    button(at, "Save final answer").click().run()
    assert "reason" in at.error[0].value
    at.radio(key="review.1.preference").set_value("a")
    at.text_input(key="review.1.final_reason").input("A answers the question; B does not")
    button(at, "Save final answer").click().run()
    assert not at.exception and not at.error
    assert "Final answer saved for t-0." in [s.value for s in at.success]
    assert "Nothing to review" in at.success[-1].value
    with Session(db) as s:
        decision = s.exec(select(Adjudication)).one()
        reviewer = s.get(User, decision.reviewer_id)
    assert (decision.decision, decision.answer, reviewer.name) == ("final", {"preference": "a"}, "rita")
    assert decision.reason == "A answers the question; B does not"


def test_sending_back_asks_for_more_annotators(db):
    at = open_review(db)
    at.number_input(key="review.1.extra").set_value(2)
    at.text_input(key="review.1.more_reason").input("Too close to call")
    button(at, "Send back").click().run()
    assert not at.exception and not at.error
    with Session(db) as s:
        assert s.get(Item, 1).extra_overlap == 2
        assert s.exec(select(Adjudication)).one().decision == "more_annotators"


def test_the_agreement_page_opens_a_disputed_item_in_review(db):
    at = signed_in(db, "rita", "reviewer").run()
    at.switch_page("pages/agreement.py").run()
    button(at, "Review this item").click().run()
    assert not at.exception
    assert at.title[0].value == "Review"
    assert at.session_state[ITEM] == 1


def test_annotators_have_no_review_page(db):
    at = signed_in(db, "alex", "annotator").run()
    with pytest.raises(ValueError):
        at.switch_page("pages/review.py")


def test_a_refused_final_answer_lists_every_problem_at_once_in_the_pages_words(db):
    at = open_review(db)
    button(at, "Save final answer").click().run()  # no better answer chosen, no reason
    assert not at.exception
    (error,) = at.error
    lines = error.value.replace("\\", "").splitlines()  # Markdown escapes aside
    assert lines == ["- The better answer: a final answer needs a preference",
                     "- Why: say why (every decision is recorded with its reason)"]  # in the form's order
    assert [t.value for t in at.toast] == ["Not saved: 2 problems at the top of the form"]
    with Session(db) as s:
        assert s.exec(select(Adjudication)).all() == []


def test_problems_name_answers_and_dimensions_as_the_page_shows_them():
    from feedback.projects.schema import LabelSchema, RubricDimension
    from feedback.ui.review_views import in_screen_words

    schema = LabelSchema(rubric=[RubricDimension(name="clarity")], flags=["unsafe"])
    names = {"a": "a (v1)", "b": "b (v2)"}
    problems = [("ratings.b.clarity", "required: a score from 1 to 5"), ("thumbs.a", "required: thumbs up or down"),
                ("ranking.c", "no candidate with id 'c'"), ("flags.a", "'rude' is not one of the flags"),
                ("reason", "say why")]
    assert in_screen_words(problems, names, schema) == [
        "Clarity of b (v2) is required: a score from 1 to 5", "Thumbs for a (v1) is required: thumbs up or down",
        "Rank of c: no candidate with id 'c'", "Flags of a (v1): 'rude' is not one of the flags", "Why: say why"]


@pytest.mark.parametrize("threshold", [None, 0.67])  # the new default, and the old one kept by existing projects
def test_a_clear_two_of_three_majority_is_not_sent_to_review(db, threshold):
    with Session(db) as s:
        sam = User(name="sam")
        s.add(sam)
        s.flush()
        s.add(Annotation(item_id=1, user_id=sam.id, preference="a"))  # maria a, dev b, sam a: 2 of 3 for a
        if threshold is not None:
            s.get(Project, 1).review_threshold = threshold
        s.commit()
    at = open_review(db)
    assert f"below {'60' if threshold is None else '67'}%" in at.caption[0].value
    assert "Nothing to review" in at.success[-1].value
