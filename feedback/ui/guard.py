"""The first line of every page: ``user = require_user(ROLE)``. A page runs inside the app (its settings,
sign-in and navigation) for a signed-in user whose role may open it; a visitor who has not signed in sees the
sign-in form (signing in opens the page asked for), a user whose role is too low sees why, and neither sees
anything of any project.

Why a guard: with a ``pages/`` folder, Streamlit (1.67) runs a page script on its own, without ``app.py``,
when a fresh server's first visitor opens the page's address (and AppTest does so on every rerun after the
first). The guard then runs ``app.py`` itself: its navigation runs the page again, inside the app (the page
asked for when the visitor is signed in and may open it; else the sign-in or the default page), and the guard
stops the outer run. The service functions check permissions again underneath: this is not the only lock.
"""

import runpy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from feedback.people.permissions import ADMIN, ANNOTATOR, REVIEWER, at_least
from feedback.store.tables import User
from feedback.ui import context
from feedback.ui.signin import sign_in_form

_APP = threading.local()  # a script run is one thread: how deep this run is inside app.py's navigation
WHO = {ANNOTATOR: "signed-in users", REVIEWER: "reviewers and admins", ADMIN: "admins"}


@contextmanager
def app_navigation() -> Iterator[None]:
    """``app.py`` runs its navigation inside this block: a page run in it is inside the app."""
    depth = getattr(_APP, "depth", 0)
    _APP.depth = depth + 1
    try:
        yield
    finally:
        _APP.depth = depth


def _inside_app() -> bool:
    return getattr(_APP, "depth", 0) > 0


def _app_script() -> Path | None:
    """The app's entry script, when this run has one that is not a page (AppTest may run a page file alone)."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return None
    main = Path(ctx.main_script_path)
    return None if main.parent.name == "pages" else main


def enter_app() -> None:
    """Run the rest of this page only inside the app: outside it, run ``app.py`` (which runs the page asked
    for, or the sign-in, in its navigation) and stop this outer run."""
    if _inside_app():
        return
    app = _app_script()
    if app is not None:
        runpy.run_path(str(app), run_name="__main__")
        st.stop()


def require_user(role: str = ANNOTATOR, *, refusal: str | None = None) -> User:
    """The signed-in user, when their role is ``role`` or above; otherwise the page shows why and stops.
    ``refusal``: the page's own words for a user whose role is too low."""
    enter_app()
    if not context.configured():  # a page run alone, with no app to give it settings
        st.info("Sign in to use this page.")
        st.stop()
    user = context.current_user()
    if user is None:  # the address of a page, before signing in: signing in opens it
        sign_in_form()
        st.stop()
    if not at_least(user, role):
        st.error(refusal or f"Only {WHO[role]} may open this page")
        st.stop()
    return user
