"""Streamlit entry point: settings, the engine, who the user is, and navigation over pages/ by role.

Every page starts with ``feedback.ui.guard.require_user``: a page that Streamlit runs without this script
(a fresh server's first visitor) runs this script instead, and so gets the same sign-in and navigation.
"""

from pathlib import Path

import streamlit as st

from feedback.config import Settings
from feedback.errors import FeedbackError
from feedback.people.accounts import MIN_PASSWORD, change_own_password
from feedback.people.permissions import ADMIN, ANNOTATOR, REVIEWER, at_least
from feedback.people.users import visible_projects
from feedback.store.tables import User
from feedback.ui import context
from feedback.ui.failures import DATABASE_ERRORS, database_errors
from feedback.ui.guard import app_navigation
from feedback.ui.markdown import plain, safe_markdown
from feedback.ui.signin import sign_in_form

HERE = Path(__file__).parent
ICON = HERE / "assets" / "icon.png"  # a local file: a Material or emoji icon is fetched from a CDN
st.set_page_config(page_title="Feedback: rate agent outputs", page_icon=str(ICON), layout="wide")


# Every screen with the least role that may open it, in the order of the navigation; the first is the default.
SCREENS = [
    ("pages/rate.py", "Rate", ":material/thumbs_up_down:", ANNOTATOR),
    ("pages/history.py", "My answers", ":material/history:", ANNOTATOR),
    ("pages/agreement.py", "Agreement", ":material/groups:", REVIEWER),
    ("pages/review.py", "Review", ":material/gavel:", REVIEWER),
    ("pages/progress.py", "Progress", ":material/monitoring:", REVIEWER),
    ("pages/export.py", "Export", ":material/download:", REVIEWER),
    ("pages/data.py", "Data", ":material/database:", ADMIN),
    ("pages/projects.py", "Projects", ":material/folder:", ADMIN),
    ("pages/users.py", "Users", ":material/manage_accounts:", ADMIN),
]


def pages_for(user: User | None) -> list:
    """The pages ``user`` may open; the first is the default. Before signing in: the sign-in page first, then
    every screen (hidden from the menu), so that an address like /agreement answers with its guard's sign-in
    and, once signed in, opens that page instead of a "Page not found"."""
    if user is None:
        return [st.Page(sign_in_form, title="Sign in", icon=":material/login:", url_path="sign-in", default=True),
                *(st.Page(path, title=title, icon=icon) for path, title, icon, _ in SCREENS)]
    return [st.Page(path, title=title, icon=icon, default=n == 0)
            for n, (path, title, icon, role) in enumerate(SCREENS) if at_least(user, role)]


def change_password(user: User) -> None:
    """The signed-in user's own password: the current one, then the new one twice."""
    with st.form("account.password", clear_on_submit=True):
        old = st.text_input("Current password", type="password", autocomplete="current-password")
        new = st.text_input("New password", type="password", autocomplete="new-password",
                            help=f"at least {MIN_PASSWORD} characters")
        again = st.text_input("New password again", type="password", autocomplete="new-password")
        if st.form_submit_button("Change password"):
            try:
                if new != again:
                    raise FeedbackError("The two new passwords differ")
                with context.session() as s:
                    change_own_password(session=s, user=user, old=old, new=new, keep_session=context.session_id())
            except FeedbackError as e:
                st.error(safe_markdown(str(e)))
            else:
                st.success("Password changed. Every other place you were signed in is signed out.")


def sidebar(user: User) -> None:
    """Who is signed in, the project picker (only projects the user may use), and Sign out."""
    with context.session() as s:
        projects = [p.name for p in visible_projects(session=s, user=user)]
    with st.sidebar:
        st.caption(f"Signed in as **{plain(user.name)}** ({user.role})")
        if (chosen := context.take_next_project()) in projects:
            st.session_state[context.PROJECT] = chosen
        if projects:
            if st.session_state.get(context.PROJECT) not in projects:
                st.session_state[context.PROJECT] = projects[0]
            st.selectbox("Project", projects, key=context.PROJECT, bind="query-params")
        else:
            st.session_state[context.PROJECT] = None
            st.caption("No project yet: import a file on the Data page." if at_least(user, ADMIN)
                       else "No project is open to you yet: ask an admin.")
        with st.popover("Change my password", icon=":material/key:"):
            change_password(user)
        if st.button("Sign out", icon=":material/logout:"):
            context.sign_out()
            st.rerun()


settings = Settings()
try:
    context.configure(settings.database_url, settings.pool_size, demo_mode=settings.demo_mode,
                      export_dir=settings.export_dir, auto_upgrade=settings.auto_upgrade,
                      max_upload_mb=settings.max_upload_mb)
except FeedbackError as e:  # e.g. a database made by an older version
    st.error(safe_markdown(str(e)))
    st.stop()
except DATABASE_ERRORS:  # e.g. a PostgreSQL server that is down: the message, the traceback in the log only
    with database_errors():
        raise
    st.stop()
with database_errors():  # a database error anywhere below is one clear message, never a traceback
    user = None
    try:
        user = context.signed_in_user(settings.session_timeout_minutes)
        context.browser_cookie()
        if user is not None:
            sidebar(user)
    finally:  # even when the database failed above: this app's navigation, never the pages/ folder's
        with app_navigation():
            navigation = st.navigation(pages_for(user), position="sidebar" if user else "hidden")
    with app_navigation():
        navigation.run()
