"""Every page through Streamlit's AppTest: renders without exception, and the Rate page saves answers."""

from pathlib import Path

import pytest
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from feedback.db import create_schema, make_engine
from feedback.models import Annotation, Candidate, Item, User
from feedback.projects import add_project

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture
def db(tmp_path, monkeypatch):
    """A SQLite file with project 'support': 3 items, the first labelled by two annotators."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("FEEDBACK_DATABASE_URL", url)
    engine = make_engine(url)
    create_schema(engine)
    with Session(engine, expire_on_commit=False) as s:
        project = add_project(s, name="support", overlap=3)
        for n in range(3):
            item = Item(project_id=project.id, external_id=f"t-{n}", prompt=f"Question {n}: how do I **reset** it?",
                        content_hash=f"h{n}", position=n)
            s.add(item)
            s.flush()
            s.add(Candidate(item_id=item.id, key="a", model="v1", output=f"Answer one <b>{n}</b>", position=0))
            s.add(Candidate(item_id=item.id, key="b", model="v2", output=f"Answer two {n}", position=1))
        s.flush()
        for name, pref in [("maria", "a"), ("dev", "b")]:
            user = User(name=name)
            s.add(user)
            s.flush()
            s.add(Annotation(item_id=1, user_id=user.id, preference=pref,
                             ratings={"a": {"helpfulness": 4}, "b": {"helpfulness": 2}}))
        s.commit()
    yield engine
    engine.dispose()


def signed_in(engine, name="alex") -> AppTest:
    with Session(engine) as s:
        user = s.exec(select(User).where(User.name == name)).first()
        if user is None:
            user = User(name=name)
            s.add(user)
            s.commit()
            s.refresh(user)
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["app.user_id"] = user.id
    return at


def test_sign_in_page_creates_the_annotator(db):
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert at.title[0].value.startswith("Rate and correct")
    at.text_input(key="sign_in.new").input("  alex  ")
    at.button[0].click().run()
    assert not at.exception
    with Session(db) as s:
        user = s.exec(select(User).where(User.name == "alex")).one()
    assert at.session_state["app.user_id"] == user.id
    assert at.title[0].value == "Rate"


def test_sign_in_refuses_an_empty_name(db):
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.button[0].click().run()
    assert at.error[0].value == "An annotator name cannot be empty"


def test_rate_page_renders_the_item_and_progress(db):
    at = signed_in(db).run()
    assert not at.exception
    assert at.title[0].value == "Rate"
    # least-annotated first: t-1 before t-0, which already has two answers
    assert "t-1" in at.caption[0].value
    assert "0 of 3 done" in at.get("progress")[0].proto.text


def test_submitting_a_rating_stores_it_by_candidate_not_by_side(db):
    at = signed_in(db).run()
    item_id = at.session_state["rate.item_id"]
    at.radio(key=f"rate.{item_id}.preference").set_value(at.radio(key=f"rate.{item_id}.preference").options[0])
    at.radio(key=f"rate.{item_id}.a.helpfulness").set_value(4)
    at.radio(key=f"rate.{item_id}.b.helpfulness").set_value(2)
    at.checkbox(key=f"rate.{item_id}.b.flag.off_task").check()
    at.text_input(key=f"rate.{item_id}.rationale").input("Left one answers it")
    at.button(key=f"rate.{item_id}.submit").click().run()
    assert not at.exception
    assert not at.error
    with Session(db) as s:
        ann = s.exec(select(Annotation).join(User).where(User.name == "alex")).one()
    left = ann.shown_order[0]
    assert ann.item_id == item_id
    assert ann.preference == left
    assert ann.ratings == {"a": {"helpfulness": 4}, "b": {"helpfulness": 2}}
    assert ann.flags == {"b": ["off_task"]}
    assert ann.rationale == "Left one answers it"
    assert ann.correction is None  # the pre-filled chosen answer, unchanged, is no correction
    assert ann.time_spent_s is not None and ann.time_spent_s >= 0
    assert at.session_state["rate.item_id"] != item_id  # the next item is on screen
    assert "1 of 3 done" in at.get("progress")[0].proto.text


def test_submitting_without_a_choice_is_refused_and_nothing_saved(db):
    at = signed_in(db).run()
    item_id = at.session_state["rate.item_id"]
    at.button(key=f"rate.{item_id}.submit").click().run()
    assert "choose which answer is better" in at.error[0].value
    with Session(db) as s:
        assert s.exec(select(Annotation).join(User).where(User.name == "alex")).first() is None


def test_an_empty_queue_says_so(db):
    at = signed_in(db, "maria").run()
    for _ in range(2):
        item_id = at.session_state["rate.item_id"]
        at.radio(key=f"rate.{item_id}.preference").set_value("tie")
        at.button(key=f"rate.{item_id}.submit").click().run()
    assert "Your queue is empty" in at.success[0].value


def test_agreement_page_shows_the_questions(db):
    at = signed_in(db).run()
    at.switch_page("app_pages/agreement.py").run()
    assert not at.exception
    assert at.title[0].value == "Agreement"
    table = at.dataframe[0].value
    assert "preference" in set(table["question"])
    assert "helpfulness" in set(table["question"])


def test_data_page_says_why_nothing_can_be_exported(db):
    at = signed_in(db).run()
    at.switch_page("app_pages/data.py").run()
    assert not at.exception
    next(b for b in at.button if b.label == "Build export").click().run()
    # maria and dev split 1-1 on t-0, the other items have no annotations
    assert "no item has a clear majority preference" in at.error[0].value
    assert "1 split" in at.error[0].value


def test_data_page_builds_an_export_to_download(db):
    with Session(db) as s:
        sam = User(name="sam")
        s.add(sam)
        s.flush()
        s.add(Annotation(item_id=1, user_id=sam.id, preference="a"))
        s.commit()
    at = signed_in(db).run()
    at.switch_page("app_pages/data.py").run()
    next(b for b in at.button if b.label == "Build export").click().run()
    assert not at.exception and not at.error
    assert any(m.value.startswith("1 row (dpo, standard form)") for m in at.markdown)
    assert at.get("download_button"), "no download button"
