"""Rate: compare the agent's answers to one item, score them, flag them, correct them; then the next."""

import time

import streamlit as st

from feedback.errors import FeedbackError
from feedback.labeling.queue import display_order, progress, release, serve
from feedback.people.permissions import ANNOTATOR
from feedback.projects.guidelines import current_guidelines
from feedback.projects.items import candidates_of
from feedback.projects.projects import project_schema
from feedback.review.judges import describe_suggestion, suggestions_for
from feedback.ui import context
from feedback.ui.failures import item_errors
from feedback.ui.guard import require_user
from feedback.ui.keys import KEYMAP, keyboard, keymap
from feedback.ui.markdown import code, plain, safe_markdown
from feedback.ui.rate_actions import do_requested, request_skip, request_submit
from feedback.ui.rating import (
    FLASH,
    ITEM,
    STARTED,
    keep_draft,
    keyboard_help,
    problem_lines,
    rating_form,
    restored_draft,
    screen_letters,
    skip_popover,
    undo_last_skip,
)
from feedback.ui.render import render_input

user = require_user(ANNOTATOR)
project = context.current_project()
st.title("Rate")
if project is None:
    st.info("There is no project for you yet. An admin imports agent outputs on the Data page.")
    st.stop()

refusal = do_requested(user, project)  # the Submit or Skip that started this run
try:
    with context.session() as s:
        item = serve(session=s, user=user, project=project, item_id=st.session_state.get(ITEM))
        done = progress(session=s, user=user, project=project)
        guidelines = current_guidelines(session=s, project=project)
except FeedbackError as e:
    st.error(safe_markdown(str(e)))
    st.stop()

st.progress(done.total and done.done / done.total,
            text=f"**{plain(project.name)}**: {done.done} of {done.total} done, {done.done_today} today, "
                 f"{done.remaining} to go")
if flash := st.session_state.pop(FLASH, None):
    st.toast(safe_markdown(flash), icon=":material/check:")
undo_last_skip(user, project.id)
if item is None:
    st.success("Your queue is empty: every item you can rate has been rated. Thank you!")
    keyboard(item_id=None)  # u still brings the last skip back
    st.stop()
if st.session_state.get(ITEM) != item.id:
    st.session_state[ITEM] = item.id
    st.session_state[STARTED] = time.monotonic()


def skipped(reason_of) -> None:  # Skip's callback, here and for an item that could not be shown
    request_skip(item.id, item.external_id, reason_of)


with item_errors(item.external_id) as drawing:  # an item that cannot be shown must not trap the annotator
    with context.session() as s:
        candidates = candidates_of(s, item.id)
        suggestions = suggestions_for(session=s, user=user, item_id=item.id) if project.show_suggestions else []
    main, side = st.columns([4, 1.4]) if guidelines and guidelines.text.strip() else (st.container(), None)
    if side is not None:
        with side, st.container(height=700, border=True, key="rate.guidelines"):
            st.caption(f"Guidelines, version {guidelines.version}")
            st.markdown(safe_markdown(guidelines.text))
    with main:
        schema = project_schema(project)
        st.caption(f"Item {code(item.external_id)} · {keyboard_help(schema, len(candidates))} · **?** every key")
        problems = st.container(key="rate.problems")
        render_input(item)
        by_key = {c.key: c for c in candidates}
        shown = [by_key[k] for k in display_order(user.id, item.id, list(by_key))]
        answer, _ = rating_form(item.id, shown, schema, keyboard=True, initial=restored_draft(user, item.id),
                                on_submit=lambda answer_of: request_submit(item.id, item.external_id, answer_of))
        if suggestions:
            with st.expander("What the automatic judges said", expanded=False):
                for suggestion in suggestions:
                    st.markdown(safe_markdown(describe_suggestion(suggestion, screen_letters(shown))))
        with st.expander("Keyboard shortcuts", key=KEYMAP):
            st.markdown(keymap(schema, len(candidates)))
        skip_popover(item.id, on_skip=skipped)  # last: nothing after it can fail and hide it
if drawing.failed:  # give the item back to the pool now, and keep Skip
    with context.session() as s:
        release(session=s, user=user, item_id=item.id)
    skip_popover(item.id, default_reason="could not be shown", on_skip=skipped)
    st.stop()

keep_draft(user, item.id, answer)  # only when the form changed: one small write
refusal = refusal if refusal is not None and refusal.item_id == item.id else None
if refusal is not None:
    if refusal.error:
        problems.error(safe_markdown(refusal.error))
    else:
        refused = problem_lines(refusal.problems, shown, schema)
        problems.error("**Not saved yet:**\n" + "\n".join(f"- {safe_markdown(line)}" for line in refused))
        st.toast(f"Not saved: {len(refused)} {'answer is' if len(refused) == 1 else 'answers are'} missing or wrong",
                 icon=":material/error:")
keyboard(item_id=item.id, shown=shown, schema=schema, scroll_to="rate.problems" if refusal else None)
