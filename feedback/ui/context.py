"""What every page needs: the engine, the signed-in user (a session in the database, resumed from the browser's
cookie after a reload), the chosen project."""

from pathlib import Path

import streamlit as st
from sqlalchemy import Engine
from sqlmodel import Session

from feedback.config import Settings
from feedback.people.sessions import (
    SessionEnded,
    check_session,
    end_session,
    resume_session,
    start_session,
    ticket_traded,
)
from feedback.projects.projects import find_project
from feedback.store.engine import create_schema, make_engine
from feedback.store.tables import Project, User
from feedback.ui.session_cookie import COOKIE, forget_cookie, keep_signed_in, nothing_due

_URL = "app.database_url"
_POOL = "app.pool_size"
_DEMO = "app.demo_mode"
_EXPORTS = "app.export_dir"
_UPLOAD_MB = "app.max_upload_mb"
_TRIED = "app.cookie_tried"  # the cookie's token this tab has tried already (tried once: not again at every run)
_KEEP = (_URL, _POOL, _DEMO, _EXPORTS, _UPLOAD_MB, _TRIED)
SESSION = "app.session_id"  # the LoginSession of this tab: checked at every run
USER_ID = "app.user_id"  # its user, as checked at this run
TICKET = "app.ticket"  # the sign-in's ticket, until the browser has traded it for the cookie
FORGET = "app.forget_cookie"  # the session this tab signed out of: the browser deletes its cookie
PROJECT = "project"  # also the URL's query parameter (?project=...): a reload, a bookmark and a page switch keep it
NEXT_PROJECT = "app.next_project"  # chosen by a page after the sidebar's picker was drawn: applied next run
NOTICE = "app.notice"  # why the user was signed out, shown once on the sign-in page


@st.cache_resource(show_spinner=False)
def _engine_for(url: str, pool_size: int, _upgrade: bool = False) -> Engine:
    """The engine of ``url``, its schema made ready once (``_upgrade``, not part of the cache key: upgrade an
    older schema in place, else refuse it; only ``configure``, which has the setting, passes it)."""
    engine = make_engine(url, pool_size=pool_size)
    create_schema(engine, upgrade=_upgrade)
    return engine


def configure(database_url: str, pool_size: int, *, demo_mode: bool = False,
              export_dir: Path = Path("data/exports"), auto_upgrade: bool = True,
              max_upload_mb: int = Settings.model_fields["max_upload_mb"].default) -> Engine:
    """Called by app.py on every run with the settings; pages then use ``engine()``."""
    st.session_state[_UPLOAD_MB] = int(max_upload_mb)
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


def max_upload_mb() -> int:
    """The largest file the Data page accepts, in megabytes (``FEEDBACK_MAX_UPLOAD_MB``)."""
    return int(st.session_state.get(_UPLOAD_MB, Settings.model_fields["max_upload_mb"].default))


def demo_mode() -> bool:
    return bool(st.session_state.get(_DEMO))


def session() -> Session:
    """A new session for one use case (never stored across reruns)."""
    return Session(engine(), expire_on_commit=False)


def current_user() -> User | None:
    """The user ``signed_in_user`` found at this run (None before signing in)."""
    user_id = st.session_state.get(USER_ID)
    if user_id is None or st.session_state.get(SESSION) is None:
        return None
    with session() as s:
        return s.get(User, user_id)


def _cookie_token() -> str | None:
    """The browser's sign-in cookie, the first time this tab sees it (a tab tries a cookie once)."""
    token = st.context.cookies.get(COOKIE)
    if not isinstance(token, str) or not token or st.session_state.get(_TRIED) == token:
        return None
    st.session_state[_TRIED] = token
    return token


def signed_in_user(timeout_minutes: int) -> User | None:
    """The signed-in user for this run: this tab's session, or the one the browser's cookie names (a reload, a
    bookmark, a second tab). A session that is over (idle for more than ``timeout_minutes``, signed out
    elsewhere, password reset or changed, role changed, account deactivated) signs the tab out, and the sign-in
    page says why."""
    session_id = st.session_state.get(SESSION)
    try:
        with session() as s:
            if session_id is not None:
                user = check_session(session=s, session_id=session_id, idle_minutes=timeout_minutes)
            elif (token := _cookie_token()) is None or (found := resume_session(
                    session=s, token=token, idle_minutes=timeout_minutes)) is None:
                return None
            else:
                session_id, user = found
            if TICKET in st.session_state and ticket_traded(session=s, session_id=session_id):
                del st.session_state[TICKET]
    except SessionEnded as e:
        sign_out(notice=str(e))
        return None
    st.session_state[SESSION], st.session_state[USER_ID] = session_id, user.id
    return user


def sign_in(user: User) -> None:
    """Start a session for ``user`` (authenticated by ``feedback.people.accounts.authenticate``) in this tab;
    its browser then gets the cookie (``browser_cookie``)."""
    with session() as s:
        started = start_session(session=s, user=user, address=st.context.ip_address)
    st.session_state.pop(FORGET, None)
    st.session_state[SESSION], st.session_state[USER_ID] = started.session_id, user.id
    st.session_state[TICKET] = started.ticket


def session_id() -> int | None:
    """This tab's session (to keep it when the user changes their password)."""
    return st.session_state.get(SESSION)


def browser_cookie() -> None:
    """Draws, when due, the invisible part that sets the browser's cookie after a sign-in (until the server has
    seen the ticket traded) or deletes it after a sign-out."""
    if ticket := st.session_state.get(TICKET):
        keep_signed_in(ticket)
    elif (ended := st.session_state.get(FORGET)) is not None:
        forget_cookie(ended)
    else:
        nothing_due()  # always drawn, in the same place (see session_cookie.nothing_due)


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


def switch_page(page: str) -> None:
    """``st.switch_page`` that keeps the chosen project: it is a widget bound to the URL (``PROJECT``), which
    ``st.switch_page`` would otherwise try to clear (and fail)."""
    st.switch_page(page, query_params={})


def take_next_project() -> str | None:
    return st.session_state.pop(NEXT_PROJECT, None)


def sign_out(notice: str | None = None) -> None:
    """End this tab's session (in the database, and the browser's cookie) and forget everything of it but the
    settings; ``notice``: why, for the sign-in page."""
    if (ended := st.session_state.get(SESSION)) is not None and notice is None:
        with session() as s:
            end_session(session=s, session_id=ended)
    for key in list(st.session_state.keys()):
        if key not in _KEEP:
            del st.session_state[key]
    if ended is not None:
        st.session_state[FORGET] = ended
    if notice:
        st.session_state[NOTICE] = notice
