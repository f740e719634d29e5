"""The Rate page shows the automatic judges' suggestions only when the project's setting is on, by screen letter."""

from pathlib import Path

import pytest
from signing import sign_in_state
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from feedback.labeling.queue import display_order
from feedback.store.tables import Project, Suggestion, User
from feedback.ui.context import USER_ID

APP = str(Path(__file__).resolve().parents[2] / "app.py")
EXPANDER = "What the automatic judges said"


@pytest.fixture
def db(support_app):
    """Project 'support' with two items, each judged by 'gpt-judge' (prefers a); annotator 'maria', reviewer 'rita'."""
    engine, s = support_app
    for item_id in (1, 2):
        s.add(Suggestion(item_id=item_id, agent="gpt-judge", preference="a", score=0.82,
                         rationale="It costs $5 <script>alert(1)</script>"))
    s.add_all([User(name="maria"), User(name="rita", role="reviewer")])
    s.commit()
    return engine


def rate_page(engine, name: str = "maria") -> AppTest:
    with Session(engine) as s:
        user_id = s.exec(select(User.id).where(User.name == name)).one()
    at = AppTest.from_file(APP, default_timeout=30)
    sign_in_state(at, engine, user_id)
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Rate"
    return at


def show_suggestions(engine, on: bool) -> None:
    with Session(engine) as s:
        project = s.exec(select(Project)).one()
        project.show_suggestions = on
        s.add(project)
        s.commit()


@pytest.mark.parametrize("name", ["maria", "rita"])
def test_suggestions_are_hidden_by_default(db, name):
    """Reviewers who rate are not anchored either: the Rate page follows the project's setting for everyone."""
    at = rate_page(db, name)
    assert EXPANDER not in [e.label for e in at.expander]
    assert not any("gpt-judge" in m.value for m in at.markdown)


def test_suggestions_are_shown_collapsed_by_screen_letter_when_the_project_shows_them(db):
    show_suggestions(db, True)
    at = rate_page(db)
    expander = next(e for e in at.expander if e.label == EXPANDER)
    assert expander.proto.expanded is False
    item_id = at.session_state["rate.item_id"]
    user_id = at.session_state[USER_ID]
    letter = "AB"[display_order(user_id, item_id, ["a", "b"]).index("a")]
    texts = [m.value for m in expander.markdown]
    # raw HTML in agent text is shown as its source (escaped), never given to the browser as HTML
    assert texts == [f"gpt-judge: {letter} is better; score 0.82\n\nIt costs \\$5 \\<script\\>alert(1)\\<\\/script\\>"]
    assert all(not m.proto.allow_html for m in expander.markdown)  # agent text is never HTML
    show_suggestions(db, False)
    at.run()
    assert EXPANDER not in [e.label for e in at.expander]
