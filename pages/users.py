"""Users (admins): every account with its role; add one, change a role, reset a password, deactivate."""

import pandas as pd
import streamlit as st

from feedback.errors import FeedbackError
from feedback.figures import local_time
from feedback.people import accounts
from feedback.people.permissions import ADMIN, ROLES
from feedback.ui import context
from feedback.ui.actions import apply, flash, show_flash
from feedback.ui.guard import require_user
from feedback.ui.markdown import safe_markdown
from feedback.ui.tables import figure_table

user = require_user(ADMIN)
st.title("Users")
try:
    with context.session() as s:
        users = accounts.list_users(session=s, actor=user)
except FeedbackError as e:
    st.error(safe_markdown(str(e)))
    st.stop()

show_flash()
figure_table(pd.DataFrame([{"name": u.name, "role": u.role, "active": u.active, "password": bool(u.password_hash),
                            "last login": local_time(u.last_login_at, st.context.timezone)} for u in users]),
             column_config={"Password": st.column_config.CheckboxColumn(help="without one, nobody can sign in")})
names = [u.name for u in users]


def same_twice(password: str, again: str) -> str:
    if password != again:
        raise FeedbackError("The two passwords differ")
    return password


add, role, reset, active = st.tabs(["Add a user", "Change a role", "Reset a password", "Deactivate"], key="users.tab")
# The form's widgets get new keys instead of having their values set from Python (a value set that way can lose the
# race with the next typing: the browser showed the new password while the server got the cleared one). The
# name and role are new after a success only; the passwords after every press of Add user.
GEN, PASSWORD_GEN = "users.add.gen", "users.add.password_gen"


def _key(field: str) -> str:
    gen = st.session_state.get(PASSWORD_GEN if field in ("password", "again") else GEN, 0)
    return f"users.add.{field}.{gen}"


def add_user() -> None:
    """The "Add user" button (a callback, before the page runs): a refusal keeps what was typed but the passwords."""
    typed = st.session_state
    try:
        with context.session() as s:
            added = accounts.create_user(session=s, actor=user, name=typed[_key("name")], role=typed[_key("role")],
                                         password=same_twice(typed[_key("password")], typed[_key("again")]))
    except FeedbackError as e:
        typed["users.add.error"] = str(e)
    else:
        flash(f"Added {added.name} ({added.role}).")
        typed[GEN] = typed.get(GEN, 0) + 1
    typed[PASSWORD_GEN] = typed.get(PASSWORD_GEN, 0) + 1


with add, st.form("users.add"):
    st.text_input("Name", key=_key("name"), max_chars=100)
    st.selectbox("Role", ROLES, key=_key("role"))
    st.text_input("Password", type="password", key=_key("password"), autocomplete="new-password",
                  help=f"at least {accounts.MIN_PASSWORD} characters")
    st.text_input("Password again", type="password", key=_key("again"), autocomplete="new-password")
    st.form_submit_button("Add user", type="primary", on_click=add_user)
    if refusal := st.session_state.pop("users.add.error", None):
        st.error(safe_markdown(refusal))

with role, st.form("users.role"):
    who = st.selectbox("User", names, key="users.role.name")
    to = st.selectbox("New role", ROLES, key="users.role.role")
    if st.form_submit_button("Change role"):
        apply(lambda s: accounts.set_role(session=s, actor=user, name=who, role=to), f"{who} is now {to} (signed out everywhere: the new role applies at their next sign-in).")

with reset, st.form("users.reset", clear_on_submit=True):
    who = st.selectbox("User", names, key="users.reset.name")
    password = st.text_input("New password", type="password", key="users.reset.password",
                             autocomplete="new-password", help=f"at least {accounts.MIN_PASSWORD} characters")
    again = st.text_input("New password again", type="password", key="users.reset.again", autocomplete="new-password")
    if st.form_submit_button("Reset password"):
        apply(lambda s: accounts.reset_password(session=s, actor=user, name=who, password=same_twice(password, again)),
              f"New password set for {who}: every place they were signed in is signed out.")

with active, st.form("users.active"):
    st.caption("A deactivated account cannot sign in and is signed out at its next click; its labels are kept.")
    who = st.selectbox("User", names, key="users.active.name")
    state = st.radio("Account", ["deactivated", "active"], horizontal=True, key="users.active.state")
    if st.form_submit_button("Apply"):
        apply(lambda s: accounts.set_active(session=s, actor=user, name=who, active=state == "active"),
              f"{who} is {state}.")
