"""What every page needs: the engine, the signed-in user, the chosen project."""

import streamlit as st
from sqlalchemy import Engine
from sqlmodel import Session

from feedback.db import create_schema, make_engine
from feedback.models import Project, User
from feedback.projects import find_project

_URL = "app.database_url"
_POOL = "app.pool_size"
USER_ID = "app.user_id"
PROJECT = "app.project"


@st.cache_resource(show_spinner=False)
def _engine_for(url: str, pool_size: int) -> Engine:
    engine = make_engine(url, pool_size=pool_size)
    create_schema(engine)
    return engine


def configure(database_url: str, pool_size: int) -> Engine:
    """Called by app.py on every run with the settings; pages then use ``engine()``."""
    st.session_state[_URL] = database_url
    st.session_state[_POOL] = pool_size
    return _engine_for(database_url, pool_size)


def engine() -> Engine:
    return _engine_for(st.session_state[_URL], st.session_state[_POOL])


def session() -> Session:
    """A new session for one use case (never stored across reruns)."""
    return Session(engine(), expire_on_commit=False)


def current_user() -> User | None:
    user_id = st.session_state.get(USER_ID)
    if user_id is None:
        return None
    with session() as s:
        return s.get(User, user_id)


def current_project() -> Project | None:
    name = st.session_state.get(PROJECT)
    if not name:
        return None
    with session() as s:
        return find_project(s, name)


def sign_out() -> None:
    for key in list(st.session_state.keys()):
        if key not in (_URL, _POOL):
            del st.session_state[key]
