"""Streamlit entry point: settings, the engine, who the user is, and navigation over app_pages/."""

from pathlib import Path

import streamlit as st

from feedback.config import Settings
from feedback.projects import list_projects
from feedback.ui import context

ICON = Path(__file__).parent / "assets" / "icon.png"  # a local file: a Material or emoji icon is fetched from a CDN
st.set_page_config(page_title="Feedback: rate agent outputs", page_icon=str(ICON), layout="wide")

settings = Settings()
context.configure(settings.database_url, settings.pool_size)
user = context.current_user()

sign_in = st.Page("app_pages/sign_in.py", title="Sign in", icon=":material/login:", default=user is None)
if user is None:
    pages = [sign_in]
else:
    pages = [
        st.Page("app_pages/rate.py", title="Rate", icon=":material/thumbs_up_down:", default=True),
        st.Page("app_pages/agreement.py", title="Agreement", icon=":material/groups:"),
        st.Page("app_pages/data.py", title="Data", icon=":material/database:"),
    ]
    with context.session() as s:
        projects = [p.name for p, _ in list_projects(session=s)]
    with st.sidebar:
        st.caption(f"Signed in as **{user.name}**")
        if projects:
            if st.session_state.get(context.PROJECT) not in projects:
                st.session_state[context.PROJECT] = projects[0]
            st.selectbox("Project", projects, key=context.PROJECT)
        else:
            st.session_state[context.PROJECT] = None
            st.caption("No project yet: import a file on the Data page.")
        if st.button("Sign out", icon=":material/logout:"):
            context.sign_out()
            st.rerun()

st.navigation(pages).run()
