"""Slow figures are computed in the background: a page shows the newest finished ones at once (saying they lack
the newest answers) and replaces them when the new ones are ready; one computation per project at a time."""

import threading
import time

import pytest
from sqlmodel import Session
from test_pages import signed_in

from feedback.review import stored
from feedback.store.tables import Annotation, User
from feedback.ui import background, cached


def wait_until(check, timeout=30.0):
    end = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)


def test_newest_gives_the_figures_of_the_version_asked_once_ready_and_the_last_ones_meanwhile():
    key = ("test", "versions")
    background.forget(key)
    gate = threading.Event()
    calls = []

    def slow(value):
        def compute():
            calls.append(value)
            gate.wait(10)
            return value
        return compute

    assert background.newest(key, "v1", slow("one")) == (None, False)  # nothing yet: computing
    assert background.computing_for(key) is not None
    assert background.newest(key, "v1", slow("again")) == (None, False)  # not started twice
    gate.set()
    wait_until(lambda: background.newest(key, "v1", slow("x"))[1])
    figures, fresh = background.newest(key, "v1", slow("x"))
    assert (figures.value, figures.version, fresh) == ("one", "v1", True) and calls == ["one"]
    gate.clear()
    older, fresh = background.newest(key, "v2", slow("two"))  # new answers: the figures before, meanwhile
    assert (older.value, fresh) == ("one", False)
    assert background.newest(key, "v3", slow("three"))[0].value == "one"  # v2 still running: v3 waits its turn
    gate.set()
    wait_until(lambda: background.computing_for(key) is None)
    assert calls == ["one", "two"]
    assert background.newest(key, "v3", slow("three"), wait=10)[0].value == "three"
    assert calls == ["one", "two", "three"]
    gate.clear()
    start = time.monotonic()
    figures, fresh = background.newest(key, "v4", slow("four"), wait=10, wait_with_older=0.1)
    assert (figures.value, fresh) == ("three", False) and time.monotonic() - start < 5  # older ones: short wait
    gate.set()
    wait_until(lambda: background.computing_for(key) is None)
    assert calls == ["one", "two", "three", "four"]
    background.forget(key)


def test_a_quick_computation_is_waited_for_and_a_failure_reaches_the_caller():
    key = ("test", "quick")
    background.forget(key)
    figures, fresh = background.newest(key, "v1", lambda: 42, wait=5)
    assert (figures.value, fresh) == (42, True)

    def broken():
        raise ValueError("no such project")

    with pytest.raises(ValueError, match="no such project"):
        background.newest(key, "v2", broken, wait=5)
    assert background.newest(key, "v2", lambda: 7, wait=5)[0].value == 7  # asked again: tried again
    background.forget(key)


def add_answer(engine, name: str, item_id: int = 2) -> None:
    with Session(engine) as s:
        user = User(name=name)
        s.add(user)
        s.flush()
        s.add(Annotation(item_id=item_id, user_id=user.id, preference="b",
                         ratings={"a": {"helpfulness": 1}, "b": {"helpfulness": 5}}))
        s.commit()


@pytest.fixture
def slow_reports(db, monkeypatch):
    """From now on the agreement report is computed only once the returned event is set."""
    background.forget(("agreement", str(db.url), 1))
    gate = threading.Event()
    report = stored.agreement_report

    def slow_report(**kwargs):
        gate.wait(20)
        return report(**kwargs)

    def start() -> threading.Event:
        monkeypatch.setattr(cached, "APART", False)  # in this process, where the report is slowed down
        monkeypatch.setattr(stored, "agreement_report", slow_report)
        return gate
    yield start
    gate.set()


def test_the_agreement_page_shows_the_last_figures_while_the_new_ones_are_computed(db, slow_reports):
    at = signed_in(db)
    at.switch_page("pages/agreement.py").run()
    assert not at.exception and at.metric[0].value == "2"  # annotations
    gate = slow_reports()
    add_answer(db, "newcomer")
    at.run()
    assert not at.exception and at.metric[0].value == "2"  # the figures before, at once
    assert any("do not count the newest answers" in c.value for c in at.caption)
    gate.set()
    wait_until(lambda: background.computing_for(("agreement", str(db.url), 1)) is None)
    at.run()
    assert not at.exception and at.metric[0].value == "3"
    assert not any("do not count the newest answers" in c.value for c in at.caption)


def test_the_first_figures_of_a_large_project_are_announced_not_waited_for(db, slow_reports, monkeypatch):
    gate = slow_reports()
    monkeypatch.setattr(cached, "WAIT_S", 0.2)
    at = signed_in(db)
    at.switch_page("pages/agreement.py").run()
    assert not at.exception
    assert "for the first time" in at.info[0].value and not at.metric
    gate.set()
    wait_until(lambda: background.computing_for(("agreement", str(db.url), 1)) is None)
    at.run()
    assert not at.exception and at.metric[0].value == "2"



def test_after_a_restart_the_page_shows_the_stored_figures_at_once_and_computes_only_what_changed(db, slow_reports):
    key = ("agreement", str(db.url), 1)
    at = signed_in(db)
    at.switch_page("pages/agreement.py").run()
    assert not at.exception and at.metric[0].value == "2"
    gate = slow_reports()  # from now on a computation would wait: none may be needed
    background.forget(key)  # the app restarts: nothing is kept in the process
    at = signed_in(db)
    at.switch_page("pages/agreement.py").run()
    assert not at.exception and at.metric[0].value == "2"  # the stored figures, at once
    assert not any("do not count the newest answers" in c.value for c in at.caption)
    assert background.computing_for(key) is None  # they count every answer: nothing computed
    background.forget(key)
    add_answer(db, "newcomer")  # an answer while the app is down
    at = signed_in(db)
    at.switch_page("pages/agreement.py").run()
    assert not at.exception and at.metric[0].value == "2"  # the stored ones, said to be older
    assert any("do not count the newest answers" in c.value for c in at.caption)
    assert background.computing_for(key) is not None
    gate.set()
    wait_until(lambda: background.computing_for(key) is None)
    at.run()
    assert not at.exception and at.metric[0].value == "3"
    background.forget(key)


def test_the_app_computes_the_agreement_figures_in_a_child_process_and_reads_them_back(db, monkeypatch):
    """Not in a thread of the app, where their pure-Python parts would hold up every page drawn meanwhile."""
    key = ("agreement", str(db.url), 1)
    background.forget(key)
    monkeypatch.setattr(cached, "APART", True)  # as in the app, for a project of this size or more
    monkeypatch.setattr(cached, "APART_FROM", 2)

    def not_here(**kwargs):
        raise AssertionError("computed in the app's process")

    monkeypatch.setattr(stored, "agreement_report", not_here)  # the child process imports its own
    at = signed_in(db)
    at.switch_page("pages/agreement.py").run()
    wait_until(lambda: background.computing_for(key) is None, timeout=120)
    at.run()
    assert not at.exception and at.metric[0].value == "2"
    with Session(db) as s:
        assert stored.stored_figures(s, 1).value["report"]["n_annotations"] == 2
    background.forget(key)


def test_a_small_project_s_figures_are_computed_in_the_app_and_shown_within_the_first_wait(db, monkeypatch):
    """A child process takes seconds to start: a project below APART_FROM is computed in the app's process."""
    key = ("agreement", str(db.url), 1)
    background.forget(key)
    monkeypatch.setattr(cached, "APART", True)
    calls = []
    report = stored.agreement_report

    def counted(**kwargs):
        calls.append(kwargs["project"])
        return report(**kwargs)

    monkeypatch.setattr(stored, "agreement_report", counted)
    at = signed_in(db)
    at.switch_page("pages/agreement.py").run()
    assert not at.exception and at.metric[0].value == "2" and calls == ["support"]
    background.forget(key)
