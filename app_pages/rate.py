"""Rate: compare the agent's answers to one item, score them, flag them, correct them; then the next."""

import time

import streamlit as st

from feedback.annotate import submit_annotation
from feedback.errors import FeedbackError
from feedback.projects import project_schema
from feedback.queue import candidates_of, current_or_next, display_order, progress
from feedback.ui import context
from feedback.ui.rating import rating_form
from feedback.ui.render import render_input

user = context.current_user()
project = context.current_project()
st.title("Rate")
if project is None:
    st.info("There is no project yet. An admin imports agent outputs on the Data page.")
    st.stop()

with context.session() as s:
    item = current_or_next(session=s, user=user, project=project, item_id=st.session_state.get("rate.item_id"))
    done = progress(session=s, user=user, project=project)
    candidates = candidates_of(s, item.id) if item else []

st.progress(done.fraction, text=f"{done.done} of {done.total} done in **{project.name}** ({done.remaining} to go)")
if flash := st.session_state.pop("rate.flash", None):
    st.toast(flash, icon=":material/check:")
if item is None:
    st.success("Your queue is empty: every item you can rate has been rated. Thank you!")
    st.stop()

if st.session_state.get("rate.item_id") != item.id:
    st.session_state["rate.item_id"] = item.id
    st.session_state["rate.started"] = time.monotonic()

st.caption(f"Item `{item.external_id}`")
render_input(item)
by_key = {c.key: c for c in candidates}
shown = [by_key[k] for k in display_order(user.id, item.id, list(by_key))]
answer, submitted = rating_form(item.id, shown, project_schema(project))

if submitted:
    answer.time_spent_s = round(time.monotonic() - st.session_state.get("rate.started", time.monotonic()), 1)
    try:
        with context.session() as s:
            submit_annotation(session=s, user=user, item_id=item.id, answer=answer)
    except FeedbackError as e:
        st.error(str(e))
    else:
        st.session_state.pop("rate.item_id", None)
        st.session_state["rate.flash"] = f"Saved your answer on {item.external_id}"
        st.rerun()
