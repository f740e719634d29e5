"""Page tests sign in without the form."""

from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from feedback.people.sessions import start_session
from feedback.store.tables import User
from feedback.ui.context import SESSION, USER_ID


def sign_in_state(at: AppTest, engine, user_id: int) -> AppTest:
    """``at`` signed in as ``user_id`` without the form: a session in the database, as signing in starts one."""
    with Session(engine, expire_on_commit=False) as s:
        started = start_session(session=s, user=s.get(User, user_id))
    at.session_state[SESSION], at.session_state[USER_ID] = started.session_id, user_id
    return at

