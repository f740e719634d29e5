"""The Questions tab of the Projects page: the schema in a form or as YAML, its versions, and migration."""

import hashlib
import json

import pandas as pd
import streamlit as st

from feedback.projects.projects import project_schema
from feedback.projects.schema import PREFERENCE_EXTRAS, parse_schema_text, schema_to_yaml
from feedback.projects.schema_changes import (
    annotations_per_schema_version,
    migrate_answers,
    names_from_text,
    renames_from_text,
    schema_history,
    set_schema,
)
from feedback.projects.schema_editor import EDITOR_COLUMNS, editor_rows, schema_from_editor
from feedback.store.tables import Project, User
from feedback.ui import context
from feedback.ui.actions import apply


def _saved(result) -> str:
    return f"Questions saved: schema version {result.schema_version}."


def questions_editor(user: User, project: Project) -> None:
    """Draw the editor of ``project``'s questions; saving goes through ``feedback.projects.schema_changes.set_schema``.

    Widget keys carry a hash of the stored questions, so the form shows the saved schema after a change.
    """
    schema = project_schema(project)
    digest = hashlib.sha256(json.dumps(project.questions, sort_keys=True).encode()).hexdigest()[:12]
    q = f"projects.q.{project.id}.{digest}"
    with context.session() as s:
        per_version = annotations_per_schema_version(session=s, project=project)
        history = schema_history(session=s, project=project)
    st.markdown(f"**Schema version {project.schema_version}**")
    st.caption("Before the first annotation, a change replaces the questions. Afterwards it makes a new version "
               "(each annotation keeps the version it answered) and is refused when it would orphan stored "
               "answers: migrate them first (below, or `feedback project migrate`).")
    with st.form(f"{q}.form"):
        st.markdown("**Pairwise preference** (items with 2 answers) and **ranking** (3 or more)")
        left, right = st.columns(2)
        pref_required = left.checkbox("Preference required", schema.preference_required, key=f"{q}.pref_req")
        extra = left.multiselect("Extra options", PREFERENCE_EXTRAS, schema.preference_extra, key=f"{q}.extra",
                                 format_func=lambda x: x.replace("_", " "))
        rank_required = right.checkbox("Ranking required", schema.ranking_required, key=f"{q}.rank_req")
        ties = right.checkbox("Ties allowed in rankings", schema.ranking_ties, key=f"{q}.ties")
        st.markdown("**Rubric**: a score per answer. Anchors label points, e.g. `1=useless; 5=perfect`.")
        rubric = st.data_editor(pd.DataFrame(editor_rows(schema), columns=list(EDITOR_COLUMNS)), num_rows="dynamic",
                                key=f"{q}.rubric", hide_index=True, width="stretch", column_config={
                                    "min": st.column_config.NumberColumn(step=1, default=1),
                                    "max": st.column_config.NumberColumn(step=1, default=5),
                                    "required": st.column_config.CheckboxColumn(default=False)})
        flags = st.text_input("Flags (comma-separated names)", ", ".join(schema.flags), key=f"{q}.flags")
        columns = st.columns(3)
        toggles = {}
        for col, name, label in zip(columns, ("thumbs", "correction", "rationale"),
                                    ("Thumbs up/down per answer", "Corrected answer", "Rationale")):
            toggles[name] = col.checkbox(label, getattr(schema, name), key=f"{q}.{name}")
            toggles[f"{name}_required"] = col.checkbox(f"{label}: required", getattr(schema, f"{name}_required"),
                                                       key=f"{q}.{name}_req")
        if st.form_submit_button("Save questions", type="primary"):
            answers = {"preference_required": pref_required, "preference_extra": extra,
                       "ranking_required": rank_required, "ranking_ties": ties, **toggles}
            apply(lambda s: set_schema(session=s, user=user, project=project,
                                       schema=schema_from_editor(answers, rubric.to_dict("records"), flags)), _saved)
    with st.expander("Edit as YAML"), st.form(f"{q}.yaml_form"):
        text = st.text_area("Schema (YAML or JSON)", schema_to_yaml(schema), height=420, key=f"{q}.yaml")
        if st.form_submit_button("Save YAML"):
            apply(lambda s: set_schema(session=s, user=user, project=project,
                                       schema=parse_schema_text(text, source="YAML")), _saved)
    with st.expander("Migrate answers: rename or drop a dimension or flag in the schema and every stored answer"), \
            st.form(f"{q}.migrate_form"):
        st.caption("Makes a new schema version; dropped scores and flags are deleted from the answers.")
        moves = {"rename_dimension": st.text_input("Rename dimensions (old=new, ...)", key=f"{q}.ren_dim"),
                 "drop_dimension": st.text_input("Drop dimensions (names, comma-separated)", key=f"{q}.drop_dim"),
                 "rename_flag": st.text_input("Rename flags (old=new, ...)", key=f"{q}.ren_flag"),
                 "drop_flag": st.text_input("Drop flags (names, comma-separated)", key=f"{q}.drop_flag")}
        if st.form_submit_button("Migrate"):
            apply(lambda s: migrate_answers(
                session=s, user=user, project=project, drop_dimension=names_from_text(moves["drop_dimension"]),
                drop_flag=names_from_text(moves["drop_flag"]),
                rename_dimension=renames_from_text(moves["rename_dimension"], "rename_dimension"),
                rename_flag=renames_from_text(moves["rename_flag"], "rename_flag")),
                lambda report: "\n\n".join(report.summary_lines()))
    st.dataframe(pd.DataFrame([{"version": h.version, "saved": h.created_at, "annotations": per_version.get(h.version, 0)}
                               for h in history]), hide_index=True, width="stretch")
