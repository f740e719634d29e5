"""Projects (admins): create one; for the project chosen in the sidebar, its settings, questions (versioned),
guidelines (versioned), annotators and gold items. Every read and write goes through ``feedback.projects``."""

import json

import pandas as pd
import streamlit as st

from feedback.errors import FeedbackError
from feedback.figures import local_time
from feedback.people.permissions import ADMIN
from feedback.projects.gold import gold_answer_from_text, list_gold_items, set_gold
from feedback.projects.guidelines import current_guidelines, guidelines_history, set_guidelines
from feedback.projects.items import find_item
from feedback.projects.projects import (
    CONSENSUS_METHODS,
    MAX_LEASE_MINUTES,
    create_project,
    list_members,
    member_options,
    set_members,
    update_project_settings,
)
from feedback.ui import context
from feedback.ui.actions import apply, flash, show_flash
from feedback.ui.guard import require_user
from feedback.ui.markdown import safe_markdown
from feedback.ui.questions import questions_editor
from feedback.ui.tables import figure_table

NEW = "projects.new"
user = require_user(ADMIN, refusal="Only admins may manage projects")
st.title("Projects")


def create() -> None:
    """Create the project of the form (a callback, so that it can choose the new project in the sidebar)."""
    state = st.session_state
    try:
        with context.session() as s:
            made = create_project(session=s, user=user, name=state[f"{NEW}.name"],
                                  overlap=int(state[f"{NEW}.overlap"]), restricted=state[f"{NEW}.restricted"])
    except FeedbackError as e:
        state[f"{NEW}.error"] = str(e)
    else:
        flash(f"Created project {made.name!r}: now set its questions and guidelines below.")
        state[context.PROJECT] = made.name


project = context.current_project()
show_flash()
with st.expander("New project", expanded=project is None):
    with st.form(NEW):
        st.text_input("Name", key=f"{NEW}.name", max_chars=200)
        st.number_input("Overlap: annotators per item", 1, 100, 3, key=f"{NEW}.overlap")
        st.checkbox("Restricted: only the annotators you name may work on it", key=f"{NEW}.restricted")
        st.form_submit_button("Create project", type="primary", on_click=create)
    if error := st.session_state.pop(f"{NEW}.error", None):
        st.error(safe_markdown(error))
if project is None:
    st.stop()

pid = project.id
settings_tab, questions_tab, guidelines_tab, members_tab, gold_tab = st.tabs(
    ["Settings", "Questions", "Guidelines", "Annotators", "Gold items"], key="projects.tab")

with settings_tab, st.form(f"projects.settings.{pid}"):
    left, right = st.columns(2)
    overlap = left.number_input("Overlap: annotators per item", 1, 100, project.overlap, key=f"projects.overlap.{pid}")
    gold_rate = left.number_input("Gold rate: share of served items that are gold", 0.0, 1.0,
                                  float(project.gold_rate), 0.05, key=f"projects.gold_rate.{pid}")
    lease = left.number_input("Lease: minutes a served item stays reserved", 1, MAX_LEASE_MINUTES,
                              project.lease_minutes, key=f"projects.lease.{pid}")
    restricted = left.checkbox("Restricted to its annotators (see Annotators)", project.restricted,
                               key=f"projects.restricted.{pid}")
    method = right.selectbox("Consensus used by exports", CONSENSUS_METHODS,
                             CONSENSUS_METHODS.index(project.consensus_method), key=f"projects.consensus.{pid}",
                             format_func=lambda m: {"majority": "majority vote",
                                                    "dawid_skene": "Dawid-Skene (weighs reliable annotators)"}[m],
                             help="a reviewer's final answer overrides either")
    review = right.number_input("Review threshold: items whose consensus confidence is below it go to review",
                                0.0, 1.0, float(project.review_threshold), 0.05, key=f"projects.review.{pid}")
    escalate = right.checkbox("Give items below the review threshold one more annotator before review",
                              project.auto_escalate, key=f"projects.escalate.{pid}")
    quality = right.number_input("Quality threshold: flag annotators whose agreement is below it", 0.0, 1.0,
                                 float(project.quality_threshold), 0.05, key=f"projects.quality.{pid}")
    suggestions = right.checkbox("Show the automatic judges' verdicts to annotators (they may anchor on them)",
                                 project.show_suggestions, key=f"projects.suggestions.{pid}")
    if st.form_submit_button("Save settings"):
        apply(lambda s: update_project_settings(
            session=s, user=user, project=project, overlap=int(overlap), gold_rate=float(gold_rate),
            lease_minutes=int(lease), restricted=restricted, consensus_method=method,
            review_threshold=float(review), auto_escalate=escalate, quality_threshold=float(quality),
            show_suggestions=suggestions), "Settings saved.")

with questions_tab:
    questions_editor(user, project)

with guidelines_tab:
    with context.session() as s:
        current = current_guidelines(session=s, project=project)
        versions = guidelines_history(session=s, project=project)
    st.caption(f"Shown to annotators beside each item; every annotation records the version it was made under. "
               f"Current version: {project.guidelines_version or 'none yet'}.")
    words = st.text_area("Guidelines (Markdown)", current.text if current else "", height=300,
                         key=f"projects.guidelines.{pid}.{project.guidelines_version}")
    if st.button("Save guidelines", key=f"projects.guidelines_save.{pid}", type="primary"):
        before = project.guidelines_version
        apply(lambda s: set_guidelines(session=s, user=user, project=project, text=words),
              lambda v: f"Guidelines unchanged (version {v})." if v == before else f"Guidelines saved: version {v}.")
    with st.container(border=True):
        st.caption("Preview")
        st.markdown(safe_markdown(words))
    if versions:
        figure_table(pd.DataFrame([{"version": g.version, "saved": local_time(g.created_at, st.context.timezone),
                                    "text": g.text} for g in versions]))

with members_tab:
    with context.session() as s:
        options = member_options(session=s, user=user)
        members = [m.name for m in list_members(session=s, user=user, project=project)]
    st.caption("A restricted project is open only to the annotators named here (reviewers and admins see every "
               "project). " + ("This project is restricted." if project.restricted
                               else "This project is open to every annotator; restrict it under Settings."))
    with st.form(f"projects.members_form.{pid}"):  # no rerun (and no tab reset) at each pick
        chosen = st.multiselect("Annotators", options, [m for m in members if m in options],
                                key=f"projects.members.{pid}")
        save_members = st.form_submit_button("Save annotators")
    if save_members:
        apply(lambda s: set_members(session=s, user=user, project=project, names=chosen),
              lambda done: f"Annotators: {', '.join(m.name for m in done) or 'none'}.")

with gold_tab:
    with context.session() as s:
        gold = list_gold_items(session=s, user=user, project=project)
    st.caption("Gold items have a known answer; they are mixed into every annotator's queue at the gold rate "
               "(Settings) and measure each annotator's accuracy.")
    if gold:
        figure_table(pd.DataFrame([{"item": g.external_id, "answer": json.dumps(g.gold_answer)} for g in gold]))
    with st.form(f"projects.gold.{pid}"):
        external_id = st.text_input("Item id (as imported)", key=f"projects.gold_item.{pid}")
        kind = st.radio("Known answer", ["preference", "ranking"], horizontal=True, key=f"projects.gold_kind.{pid}")
        answer = st.text_input("Answer", key=f"projects.gold_answer.{pid}",
                               help="preference: a candidate id, tie or both_bad; ranking: a=1, b=2, c=3")
        mark, unmark = st.columns(2)
        if mark.form_submit_button("Mark as gold"):
            apply(lambda s: set_gold(session=s, user=user, answer=gold_answer_from_text(kind, answer),
                                     item_id=find_item(session=s, project=project, external_id=external_id).id),
                  f"Item {external_id.strip()} is gold.")
        if unmark.form_submit_button("Unmark"):
            apply(lambda s: set_gold(session=s, user=user, answer=None,
                                     item_id=find_item(session=s, project=project, external_id=external_id).id),
                  f"Item {external_id.strip()} is no longer gold.")
