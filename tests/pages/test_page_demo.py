"""The main pages render the demo project (``make demo``) without errors, and show what it is there to show."""

from pathlib import Path

import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from feedback.intake.demo import load_demo
from feedback.people.accounts import hash_password
from feedback.people.users import add_users
from feedback.store.engine import create_schema, make_engine

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'app.db'}"
    engine = make_engine(url)
    create_schema(engine)
    with Session(engine, expire_on_commit=False) as s:
        load_demo(session=s, path=ROOT / "data" / "demo.jsonl", project="demo")
        users = add_users(s, {"admin", "maria"})
        for name, role in (("admin", "admin"), ("maria", "annotator")):
            users[name].role, users[name].password_hash, users[name].active = role, hash_password(PASSWORD), True
        s.commit()
    engine.dispose()
    return url


def signed_in(monkeypatch, url: str, name: str) -> AppTest:
    monkeypatch.setenv("FEEDBACK_DATABASE_URL", url)
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input(key="login.name").input(name)
    at.text_input(key="login.password").input(PASSWORD)
    at = next(b for b in at.button if b.label == "Sign in").click().run()
    assert not at.exception
    return at


@pytest.mark.parametrize("page", ["pages/rate.py", "pages/agreement.py", "pages/review.py", "pages/progress.py"])
def test_the_main_pages_render_the_demo(monkeypatch, demo_url, page):
    at = signed_in(monkeypatch, demo_url, "admin")
    at.switch_page(page).run()
    assert not at.exception and not at.error


def test_the_agreement_page_flags_the_careless_annotator(monkeypatch, demo_url):
    at = signed_in(monkeypatch, demo_url, "admin")
    at.switch_page("pages/agreement.py").run()
    flagged = next(m for m in at.metric if m.label == "Flagged annotators")
    assert flagged.value == "1"
    assert any("jules" in w.value and "position bias" in w.value for w in at.warning)


def test_an_annotator_gets_an_item_to_rate_beside_the_guidelines(monkeypatch, demo_url):
    at = signed_in(monkeypatch, demo_url, "maria")
    assert not at.exception and not at.error and not at.success  # not "Your queue is empty"
    captions = " ".join(c.value for c in at.caption)
    assert "Guidelines, version 1" in captions and "Item `demo-" in captions
