"""What every page needs: the engine, the signed-in user (with idle expiry), the chosen project."""

import time
from pathlib import Path

import streamlit as st
from sqlalchemy import Engine
from sqlmodel import Session

from feedback.projects.projects import find_project
from feedback.store.engine import create_schema, make_engine
from feedback.store.tables import Project, User

_URL = "app.database_url"
_POOL = "app.pool_size"
_DEMO = "app.demo_mode"
_EXPORTS = "app.export_dir"
_KEEP = (_URL, _POOL, _DEMO, _EXPORTS)
USER_ID = "app.user_id"
PROJECT = "app.project"
NEXT_PROJECT = "app.next_project"  # chosen by a page after the sidebar's picker was drawn: applied next run
LAST_ACTIVE = "app.last_active"  # time.time() of the signed-in user's last run
NOTICE = "app.notice"  # why the user was signed out, shown once on the sign-in page


@st.cache_resource(show_spinner=False)
def _engine_for(url: str, pool_size: int, _upgrade: bool = False) -> Engine:
    """The engine of ``url``, its schema made ready once (``_upgrade``, not part of the cache key: upgrade an
    older schema in place, else refuse it; only ``configure``, which has the setting, passes it)."""
    engine = make_engine(url, pool_size=pool_size)
    create_schema(engine, upgrade=_upgrade)
    return engine


def configure(database_url: str, pool_size: int, *, demo_mode: bool = False,
              export_dir: Path = Path("data/exports"), auto_upgrade: bool = True) -> Engine:
    """Called by app.py on every run with the settings; pages then use ``engine()``."""
    st.session_state[_URL] = database_url
    st.session_state[_POOL] = pool_size
    st.session_state[_DEMO] = demo_mode
    st.session_state[_EXPORTS] = str(export_dir)
    return _engine_for(database_url, pool_size, auto_upgrade)


def configured() -> bool:
    """Whether app.py has given this browser session its settings (it has not when a page runs on its own)."""
    return _URL in st.session_state and _POOL in st.session_state


def engine() -> Engine:
    return _engine_for(st.session_state[_URL], st.session_state[_POOL])


def export_dir() -> Path:
    """Where dataset versions are kept (``FEEDBACK_EXPORT_DIR``)."""
    return Path(st.session_state.get(_EXPORTS, "data/exports"))


def demo_mode() -> bool:
    return bool(st.session_state.get(_DEMO))


def session() -> Session:
    """A new session for one use case (never stored across reruns)."""
    return Session(engine(), expire_on_commit=False)


def current_user() -> User | None:
    user_id = st.session_state.get(USER_ID)
    if user_id is None:
        return None
    with session() as s:
        return s.get(User, user_id)


def signed_in_user(timeout_minutes: int) -> User | None:
    """The signed-in user for this run, after signing out a session idle for more than ``timeout_minutes``
    or whose account is gone or deactivated (the sign-in page then says why)."""
    if st.session_state.get(USER_ID) is None:
        return None
    now = time.time()
    if now - st.session_state.get(LAST_ACTIVE, now) > timeout_minutes * 60:
        return _signed_out(f"Signed out after {timeout_minutes} minutes without activity.")
    user = current_user()
    if user is None or not user.active:
        return _signed_out("Signed out: this account has been deactivated.")
    st.session_state[LAST_ACTIVE] = now
    return user


def _signed_out(notice: str) -> None:
    sign_out()
    st.session_state[NOTICE] = notice


def sign_in(user: User) -> None:
    """Remember ``user`` (authenticated by ``feedback.auth.authenticate``) for this browser session."""
    st.session_state[USER_ID] = user.id
    st.session_state[LAST_ACTIVE] = time.time()


def take_notice() -> str | None:
    """Why the user was signed out, once."""
    return st.session_state.pop(NOTICE, None)


def current_project() -> Project | None:
    name = st.session_state.get(PROJECT)
    if not name:
        return None
    with session() as s:
        return find_project(s, name)


def open_project_next_run(name: str) -> None:
    """Make ``name`` the sidebar's project from the next run on (the picker of this run is already drawn)."""
    st.session_state[NEXT_PROJECT] = name


def take_next_project() -> str | None:
    return st.session_state.pop(NEXT_PROJECT, None)


def sign_out() -> None:
    for key in list(st.session_state.keys()):
        if key not in _KEEP:
            del st.session_state[key]
