"""The Rate page keeps a draft on the server and speaks the screen's language in its errors (issue 13)."""

from pathlib import Path

from signing import sign_in_state
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest
from test_rate_errors import rate_page

from feedback.labeling.annotate import Answer
from feedback.labeling.drafts import save_draft
from feedback.labeling.queue import display_order
from feedback.projects.projects import get_project
from feedback.projects.schema import LabelSchema, RubricDimension
from feedback.projects.schema_changes import set_schema
from feedback.store.tables import Draft, User

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def drafts(engine) -> list[Draft]:
    with Session(engine) as s:
        return list(s.exec(select(Draft)).all())


def test_a_change_saves_a_draft_once_and_a_new_visit_restores_it(db):
    at = rate_page(db)
    item_id, user_id = at.session_state["rate.item_id"], at.session_state["app.user_id"]
    at.segmented_control(key=f"rate.{item_id}.preference").set_value("b").run()
    at.text_input(key=f"rate.{item_id}.rationale").input("B is right").run()
    [draft] = drafts(db)
    assert (draft.item_id, draft.answer) == (item_id, {"preference": "b", "rationale": "B is right"})
    at.run()  # a rerun that changes nothing writes nothing
    assert drafts(db)[0].updated_at == draft.updated_at

    again = sign_in_state(AppTest.from_file(APP, default_timeout=30), db, user_id).run()  # a reload
    assert not again.exception
    assert again.session_state["rate.item_id"] == item_id
    assert again.segmented_control(key=f"rate.{item_id}.preference").value == "b"
    assert again.text_input(key=f"rate.{item_id}.rationale").value == "B is right"


def test_a_draft_is_restored_into_every_widget_and_submitting_ends_it(db):
    at = rate_page(db)
    item_id, user_id = at.session_state["rate.item_id"], at.session_state["app.user_id"]
    with Session(db, expire_on_commit=False) as s:
        save_draft(session=s, user=s.get(User, user_id), item_id=item_id, answer=Answer(
            preference="a", ratings={"b": {"helpfulness": 2}}, flags={"a": ["unsafe"]}, correction="Do this."))
    at = sign_in_state(AppTest.from_file(APP, default_timeout=30), db, user_id).run()
    assert at.radio(key=f"rate.{item_id}.b.helpfulness").value == 2
    assert at.checkbox(key=f"rate.{item_id}.a.flag.unsafe").value is True
    assert at.text_area(key=f"rate.{item_id}.correction").value == "Do this."
    at.button(key=f"rate.{item_id}.submit").click().run()
    assert not at.error and at.session_state["rate.item_id"] != item_id
    assert drafts(db) == []
    assert f"rate.draft.{item_id}" not in at.session_state  # nor this tab's copy of it
    # nor the answer's text the correction box started from: one per item made every run of a long day slower
    assert f"rate.{item_id}.correction.seed" not in at.session_state


def test_every_problem_is_listed_at_once_with_the_letters_on_the_screen(db):
    with Session(db, expire_on_commit=False) as s:
        set_schema(session=s, user=None, project=get_project(session=s, name="support"), schema=LabelSchema(
            thumbs=True, thumbs_required=True,
            rubric=[RubricDimension(name="helpfulness"), RubricDimension(name="clarity", required=True)]))
    at = rate_page(db)
    item_id, user_id = at.session_state["rate.item_id"], at.session_state["app.user_id"]
    left, right = display_order(user_id, item_id, ["a", "b"])
    at.radio(key=f"rate.{item_id}.{left}.clarity").set_value(4)  # A's clarity given: only B's is missing
    at.radio(key=f"rate.{item_id}.{right}.thumbs").set_value("up").run()
    at.button(key=f"rate.{item_id}.submit").click().run()
    assert not at.exception
    [error] = at.error
    assert error.value.splitlines() == [
        "**Not saved yet:**",
        "- Required: choose which answer is better (or tie / both bad)",
        "- Thumbs up or down for A is required",
        "- Clarity of B is required (a score from 1 to 5)",
    ]
    assert "ratings." not in error.value and "thumbs." not in error.value
    assert at.toast[0].value.startswith("Not saved: 3 answers are missing or wrong")
