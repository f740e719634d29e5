"""My answers: page back through your own annotations and edit one (every edit is a new revision)."""

import pandas as pd
import streamlit as st

from feedback.errors import FeedbackError
from feedback.labeling.annotate import Answer, annotation_history, edit_annotation, my_annotations
from feedback.people.permissions import ANNOTATOR
from feedback.projects.items import candidates_of
from feedback.projects.projects import project_schema
from feedback.ui import context
from feedback.ui.guard import require_user
from feedback.ui.markdown import plain, safe_markdown
from feedback.ui.rating import rating_form
from feedback.ui.render import render_input
from feedback.ui.tables import safe_table

PAGE = 25
FLASH = "history.flash"
user = require_user(ANNOTATOR)
project = context.current_project()
st.title("My answers")
if project is None:
    st.info("No project yet.")
    st.stop()

if flash := st.session_state.pop(FLASH, None):
    st.toast(safe_markdown(flash), icon=":material/check:")
page_no = st.session_state.get("history.page", 0)
with context.session() as s:
    rows = my_annotations(session=s, user=user, project=project, offset=page_no * PAGE, limit=PAGE + 1)
more, rows = len(rows) > PAGE, rows[:PAGE]
if not rows and page_no == 0:
    st.info("You have not answered anything in this project yet.")
    st.stop()

table = pd.DataFrame([{"item": item.external_id, "answered": ann.created_at, "choice": ann.preference,
                       "revision": ann.revision, "edited": ann.updated_at} for ann, item in rows])
st.dataframe(safe_table(table), hide_index=True, width="stretch")
left, right = st.columns(2)
if left.button("Newer", disabled=page_no == 0, key="history.newer"):
    st.session_state["history.page"] = page_no - 1
    st.rerun()
if right.button("Older", disabled=not more, key="history.older"):
    st.session_state["history.page"] = page_no + 1
    st.rerun()

picked = st.selectbox("Answer to see or edit", range(len(rows)), index=None, key="history.pick",
                      format_func=lambda i: f"{rows[i][1].external_id} · answered {rows[i][0].created_at:%Y-%m-%d %H:%M}",
                      placeholder="Choose one of your answers")
if picked is None:
    st.stop()
ann, item = rows[picked]
st.subheader(f"Item {plain(item.external_id)} · revision {ann.revision}")
with context.session() as s:
    candidates = {c.key: c for c in candidates_of(s, item.id)}
    revisions = annotation_history(session=s, user=user, annotation_id=ann.id)
render_input(item)
order = ann.shown_order or list(candidates)
initial = Answer(preference=ann.preference, ranking=ann.ranking, ratings=ann.ratings, flags=ann.flags,
                 thumbs=ann.thumbs, correction=ann.correction, rationale=ann.rationale)
answer, saved = rating_form(item.id, [candidates[k] for k in order], project_schema(project), prefix="history",
                            initial=initial, submit_label="Save changes")
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
        st.dataframe(safe_table(pd.DataFrame([{"revision": r.revision, "when": r.created_at, "before": r.old, "after": r.new}
                                   for r in revisions])), hide_index=True, width="stretch")
