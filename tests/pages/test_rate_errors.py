"""No item traps an annotator on the Rate page, and a database error on any page is a clear message, never a
traceback (issue 12)."""

import logging
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select
from streamlit.runtime.scriptrunner import StopException
from streamlit.testing.v1 import AppTest

from feedback.errors import FeedbackError
from feedback.labeling.queue import display_order
from feedback.people.accounts import hash_password
from feedback.store.tables import Candidate, Item, Lease, Project, Skip, Suggestion, User
from feedback.ui.failures import DATABASE_MESSAGE, database_errors
from feedback.ui.markdown import code
from feedback.ui.rating import letter

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PASSWORD = "correct horse battery"
BROKEN = "old `item` *7*"  # an id is untrusted text: shown literally
LOCKED = OperationalError("SELECT ...", {}, sqlite3.OperationalError("database is locked"))


def store_item(engine, external_id: str, *, candidates: int = 2, messages=None, judged: bool = False) -> int:
    """An item written straight into the database, as an older version may have written it; served first
    (priority 1). ``judged``: with a judge's suggestion that prefers its last candidate, shown to annotators."""
    with Session(engine) as s:
        project = s.exec(select(Project)).one()
        item = Item(project_id=project.id, external_id=external_id, prompt="Which answer is best?",
                    messages=messages, content_hash=f"h-{external_id}", position=99, priority=1)
        s.add(item)
        s.flush()
        s.add_all(Candidate(item_id=item.id, key=f"c{n}", output=f"answer {n}", position=n) for n in range(candidates))
        if judged:
            s.add(Suggestion(item_id=item.id, agent="judge", preference=f"c{candidates - 1}"))
            project.show_suggestions = True
            s.add(project)
        s.commit()
        return item.id


def rate_page(engine, name: str = "ann") -> AppTest:
    """The app after annotator ``name`` signed in with the form: the Rate page."""
    with Session(engine) as s:
        s.add(User(name=name, role="annotator", password_hash=hash_password(PASSWORD)))
        s.commit()
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.text_input(key="login.name").input(name)
    at.text_input(key="login.password").input(PASSWORD)
    return next(b for b in at.button if b.label == "Sign in").click().run()


def leases(engine) -> list[int]:
    with Session(engine) as s:
        return list(s.exec(select(Lease.item_id)).all())


def test_an_item_with_17_answers_and_a_suggestion_is_shown_with_a_letter_for_each(db):
    """The importer now refuses more than 16 answers, but an older database may hold 17: every one is shown."""
    item_id = store_item(db, "wide", candidates=17, judged=True)
    at = rate_page(db)
    assert not at.exception, at.exception
    assert not at.error
    assert at.session_state["rate.item_id"] == item_id
    headers = [m.value for m in at.markdown if m.value.startswith("**Answer ")]
    assert headers == [f"**Answer {letter}**" for letter in "ABCDEFGHIJKLMNOPQ"]
    shown = display_order(at.session_state["app.user_id"], item_id, [f"c{n}" for n in range(17)])
    expander = next(e for e in at.expander if e.label == "What the automatic judges said")
    assert [m.value for m in expander.markdown] == [f"judge: {'ABCDEFGHIJKLMNOPQ'[shown.index('c16')]} is better"]


@pytest.mark.parametrize("typed, recorded", [("", "could not be shown"), ("blank screen", "blank screen")])
def test_an_item_that_cannot_be_shown_names_itself_keeps_skip_and_releases_its_lease(db, caplog, typed, recorded):
    broken = store_item(db, BROKEN, messages=[{"role": "user", "content": "hi"}, "not a message"])
    with caplog.at_level(logging.ERROR, logger="feedback.ui.failures"):
        at = rate_page(db)
    assert not at.exception, at.exception
    assert at.session_state["rate.item_id"] == broken
    assert [e.value.split(":")[0] for e in at.error] == [f"Item {code(BROKEN)} could not be shown"]
    assert "Skip it to go on to the next item" in at.error[0].value
    assert leases(db) == []  # the place it took in the overlap is free again
    failures = [r for r in caplog.records if r.name == "feedback.ui.failures"]
    assert failures and failures[0].exc_info[0] is AttributeError  # the traceback is in the server log

    at.text_input(key=f"rate.{broken}.skip_reason").input(typed)
    at.button(key=f"rate.{broken}.skip").click().run()
    assert not at.exception and not at.error
    served = at.session_state["rate.item_id"]
    assert served != broken
    assert leases(db) == [served]
    with Session(db) as s:
        assert [(k.item_id, k.reason) for k in s.exec(select(Skip)).all()] == [(broken, recorded)]
    assert any(c.value.startswith(f"Item `t-{served - 1}`") for c in at.caption)
    at.run()  # and it never comes back
    assert at.session_state["rate.item_id"] == served and not at.error


def test_a_database_error_on_a_page_is_a_clear_message_and_no_traceback(db, monkeypatch, caplog):
    at = rate_page(db)
    assert at.title[0].value == "Rate" and not at.exception

    def locked(**kwargs):
        raise LOCKED

    with monkeypatch.context() as patched, caplog.at_level(logging.ERROR, logger="feedback.ui.failures"):
        patched.setattr("feedback.labeling.queue.progress", locked)
        at.run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [DATABASE_MESSAGE]
    assert "Nothing was half-saved" in DATABASE_MESSAGE and "try again" in DATABASE_MESSAGE
    assert any(r.exc_info and r.exc_info[1] is LOCKED for r in caplog.records)  # the traceback: in the log
    at.run()  # trying again works once the database answers
    assert not at.exception and not at.error and at.session_state["rate.item_id"]


def test_a_database_error_while_an_item_is_drawn_is_the_databases_not_the_items(db, monkeypatch):
    """A busy database must not make a good item look broken (nor release it): the database's message."""
    at = rate_page(db)
    item_id = at.session_state["rate.item_id"]

    def locked(*args, **kwargs):
        raise LOCKED

    monkeypatch.setattr("feedback.projects.items.candidates_of", locked)
    at.run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [DATABASE_MESSAGE]
    assert leases(db) == [item_id]


@pytest.mark.parametrize("error", [StopException(), FeedbackError("No such project"), ValueError("a bug")])
def test_only_database_errors_are_caught_by_the_page_handler(error):
    """``st.stop``/``st.rerun`` must still work, a page shows its own ``FeedbackError``, and bugs stay loud."""
    with pytest.raises(type(error)), database_errors():
        raise error


def test_answers_beyond_z_are_named_like_spreadsheet_columns():
    assert [letter(n) for n in (0, 15, 16, 25, 26, 27, 51, 52)] == ["A", "P", "Q", "Z", "AA", "AB", "AZ", "BA"]


def test_a_database_error_while_checking_the_session_is_the_message_and_no_page_list(db, monkeypatch):
    """Before any page runs (the session check, the sidebar): the same message, and the app's own navigation (not
    one built from the pages/ folder, which would list every page to anybody)."""
    at = rate_page(db)

    def locked(*args, **kwargs):
        raise LOCKED

    monkeypatch.setattr("feedback.people.sessions.check_session", locked)
    monkeypatch.setattr("feedback.ui.context.check_session", locked)
    at.run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [DATABASE_MESSAGE]
    assert not at.title and not at.sidebar.button  # no page drawn, no sidebar of a user
