"""My answers: your own answers as you saw them; click one to edit it (every edit is a new revision). Skipped items,
each with Un-skip."""

import streamlit as st

from feedback.errors import FeedbackError
from feedback.labeling.annotate import Answer, annotation_history, edit_annotation, my_annotations
from feedback.labeling.skips import my_skips, unskip
from feedback.people.permissions import ANNOTATOR
from feedback.projects.items import candidates_of
from feedback.projects.projects import project_schema
from feedback.ui import context
from feedback.ui.guard import require_user
from feedback.ui.history_views import (
    answers_picker,
    answers_table,
    revisions_table,
    screen_order,
    skipped_list,
)
from feedback.ui.markdown import plain, safe_markdown
from feedback.ui.rating import rating_form
from feedback.ui.render import render_input
from feedback.ui.tables import safe_table

PAGE = 25
FLASH, OPEN, PAGE_NO = "history.flash", "history.open", "history.page"
user = require_user(ANNOTATOR)
project = context.current_project()
st.title("My answers")
if project is None:
    st.info("No project yet.")
    st.stop()

if flash := st.session_state.pop(FLASH, None):
    st.toast(safe_markdown(flash), icon=":material/check:")
zone = st.context.timezone
page_no = st.session_state.get(PAGE_NO, 0)
with context.session() as s:
    rows = my_annotations(session=s, user=user, project=project, offset=page_no * PAGE, limit=PAGE + 1)
    skips, n_skips = my_skips(session=s, user=user, project=project)
    more, rows = len(rows) > PAGE, rows[:PAGE]
    candidates = {item.id: candidates_of(s, item.id) for _, item in rows}

if rows:
    st.caption(f"Click a row to open that answer. Times are in {plain(zone or 'UTC')}.")
    answers_picker(answers_table(rows, candidates, user.id, zone), [ann.id for ann, _ in rows],
                   key=f"history.table.{page_no}", state_key=OPEN)
elif page_no == 0:
    st.info("You have not answered anything in this project yet.")
left, right = st.columns(2)
for column, label, step, disabled in ((left, "Newer", -1, page_no == 0), (right, "Older", 1, not more)):
    if column.button(label, disabled=disabled, key=f"history.{label.lower()}"):
        st.session_state[PAGE_NO], st.session_state[OPEN] = page_no + step, None
        st.rerun()

opened = next(((ann, item) for ann, item in rows if ann.id == st.session_state.get(OPEN)), None)
if opened is not None:
    ann, item = opened
    st.subheader(f"Item {plain(item.external_id)} · revision {ann.revision}")
    with context.session() as s:
        revisions = annotation_history(session=s, user=user, annotation_id=ann.id)
    render_input(item)
    shown = screen_order(ann, user.id, item.id, candidates[item.id])
    initial = Answer(preference=ann.preference, ranking=ann.ranking, ratings=ann.ratings, flags=ann.flags,
                     thumbs=ann.thumbs, correction=ann.correction, rationale=ann.rationale)
    answer, saved = rating_form(item.id, shown, project_schema(project), prefix="history", initial=initial,
                                submit_label="Save changes")
    if saved:
        answer.shown_order = ann.shown_order
        try:
            with context.session() as s:
                edit_annotation(session=s, user=user, annotation_id=ann.id, answer=answer)
        except FeedbackError as e:
            st.error(safe_markdown(str(e)))
        else:
            st.session_state[FLASH] = f"Saved revision {ann.revision + 1} of your answer on {item.external_id}"
            st.rerun()
    if revisions:
        with st.expander(f"History ({len(revisions)} edits)"):
            st.dataframe(safe_table(revisions_table(revisions, shown, zone)), hide_index=True, width="stretch")

if (item_id := skipped_list(skips, n_skips, zone, prefix="history")) is not None:
    try:
        with context.session() as s:
            unskip(session=s, user=user, item_id=item_id)
    except FeedbackError as e:
        st.error(safe_markdown(str(e)))
    else:
        name = next(item.external_id for _, item in skips if item.id == item_id)
        st.session_state[FLASH] = f"{name} is back in your queue"
        st.rerun()
