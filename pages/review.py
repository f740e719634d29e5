"""Review (reviewers and admins): disputed items, most disputed first; decide each one."""

import streamlit as st

from feedback.errors import FeedbackError
from feedback.figures import percent
from feedback.people.permissions import REVIEWER
from feedback.projects.projects import project_schema
from feedback.review.workflow import describe_label, item_review
from feedback.ui import context
from feedback.ui.actions import show_flash
from feedback.ui.cached import cached_review_queue
from feedback.ui.guard import require_user
from feedback.ui.markdown import plain, safe_markdown
from feedback.ui.review_views import ITEM, decision_forms, decisions_table, queue_table, show_item
from feedback.ui.tables import figure_table

PAGE = 50
user = require_user(REVIEWER)
project = context.current_project()
st.title("Review")
if project is None:
    st.info("There is no project yet.")
    st.stop()
show_flash()
try:
    queue = cached_review_queue(user=user, project=project, limit=PAGE)
except FeedbackError as e:  # an annotator reaching this page's address
    st.error(safe_markdown(str(e)))
    st.stop()

st.caption(f"Items with 2+ annotators whose consensus ({queue.method.replace('_', '-')}) is below "
           f"{percent(queue.threshold)} or split, not yet decided and not waiting for more annotators: "
           f"{queue.total} item(s), most disputed first.")
ids = [e.item_id for e in queue.entries]
if ids:
    figure_table(queue_table(queue), shares=["confidence"])
chosen = st.session_state.get(ITEM)  # kept until a decision on it (an item opened from Agreement stays open)
if chosen is None and not ids:
    st.success("Nothing to review: every disputed item is decided.")
    st.stop()
labels = {e.item_id: f"{e.external_id} · {e.n_annotators} annotators" for e in queue.entries}
options = ids if chosen in ids or chosen is None else [chosen, *ids]
picked = st.selectbox("Item to review", options, index=options.index(chosen) if chosen in options else 0,
                      format_func=lambda i: labels.get(i, "the item opened from Agreement"))
st.session_state[ITEM] = picked

try:
    with context.session() as s:
        review = item_review(session=s, user=user, item_id=picked)
except FeedbackError as e:
    st.session_state.pop(ITEM, None)
    st.error(safe_markdown(str(e)))
    st.stop()
st.subheader(f"Item {plain(review.item.external_id)}")
if review.consensus:
    st.caption(f"Consensus now: {describe_label(review.consensus.get('label'))} "
               f"({percent(review.consensus.get('confidence') or 0)}); {len(review.annotations)} annotators, the item "
               f"wants {review.wanted}" + (" · waiting for more annotators" if review.waiting else ""))
show_item(review)
decision_forms(user, review, project_schema(project))
st.markdown("**Decisions on this item**")
decisions_table(review)
