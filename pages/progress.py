"""Progress (reviewers and admins): how much of the project is done, and by whom."""

import streamlit as st

from feedback.errors import FeedbackError
from feedback.figures import local_time
from feedback.labeling.progress import annotator_progress, progress_summary, project_progress
from feedback.people.permissions import REVIEWER
from feedback.ui import context
from feedback.ui.guard import require_user
from feedback.ui.markdown import safe_markdown
from feedback.ui.tables import figure_table

user = require_user(REVIEWER)
project = context.current_project()
st.title("Progress")
if project is None:
    st.info("There is no project yet.")
    st.stop()
try:
    with context.session() as s:
        overall = project_progress(session=s, user=user, project=project)
        people = annotator_progress(session=s, user=user, project=project)
except FeedbackError as e:  # an annotator reaching this page's address
    st.error(safe_markdown(str(e)))
    st.stop()

st.progress(overall["annotations"] / overall["wanted"] if overall["wanted"] else 1.0, text=progress_summary(overall))
a, b, c, d = st.columns(4)
a.metric("Items complete", overall["complete"])
b.metric("Started", overall["started"])
c.metric("Untouched", overall["untouched"])
d.metric("Annotations", f"{overall['annotations']} / {overall['wanted']}")
st.subheader("Annotators")
if people.empty:
    st.info("Nobody has answered or skipped an item of this project yet.")
else:
    people = people.assign(last=[local_time(t, st.context.timezone) for t in people["last"]])
    figure_table(people, counts=["median_s"], column_config={
        "Today": st.column_config.Column("Today", help="since midnight UTC"), "Median s": "Median time (s)",
        "Last": "Last answer"})
