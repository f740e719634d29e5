"""The sign-in form: the sign-in page, and what every page's guard shows to a visitor who has not signed in."""

import streamlit as st

from feedback.errors import FeedbackError
from feedback.people.accounts import authenticate
from feedback.ui import context
from feedback.ui.markdown import safe_markdown

ERROR = "login.error"


def _sign_in() -> None:
    """Runs before the script: on success the app reruns straight into the signed-in pages."""
    name, password = st.session_state.get("login.name", ""), st.session_state.get("login.password", "")
    st.session_state["login.password"] = ""  # never kept in the session
    try:
        with context.session() as s:
            user = authenticate(session=s, name=name, password=password, address=st.context.ip_address)
    except FeedbackError as e:
        st.session_state[ERROR] = str(e)
    else:
        context.sign_in(user)


def sign_in_form() -> None:
    """The welcome, why the user was signed out (once), the form and its error, and where accounts come from."""
    st.title("Rate and correct your agents' answers")
    st.write("Compare the agent's answers, say which is better and why, flag unsafe or wrong output, "
             "and write the answer it should have given. Your labels become fine-tuning data.")
    if notice := context.take_notice():
        st.info(safe_markdown(notice))
    with st.form("login.form"):
        st.text_input("Name", key="login.name", max_chars=100, autocomplete="username")
        st.text_input("Password", key="login.password", type="password", autocomplete="current-password")
        st.form_submit_button("Sign in", type="primary", on_click=_sign_in)
    if error := st.session_state.pop(ERROR, None):
        st.error(safe_markdown(error))
    if context.demo_mode():
        st.caption("Demo mode: the accounts (admin, reviewer, maria, dev, sam) and their passwords were printed in "
                   "the terminal that ran `make run`. They change at every start.")
    else:
        st.caption("No account yet? An admin creates one on the Users page, or on the command line with "
                   "`feedback users add NAME --role annotator`.")
