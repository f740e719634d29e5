"""Data: import agent outputs (with labels collected elsewhere) and see the import batches."""

from dataclasses import asdict

import pandas as pd
import streamlit as st

from feedback.errors import FeedbackError, ImportRejected
from feedback.figures import local_time
from feedback.intake.formats.registry import FORMAT_HELP, FORMATS, UPLOAD_TYPES
from feedback.intake.importer import import_file
from feedback.people.permissions import ADMIN
from feedback.projects.projects import list_batches
from feedback.ui import context
from feedback.ui.actions import flash, show_flash
from feedback.ui.guard import require_user
from feedback.ui.markdown import safe_markdown
from feedback.ui.tables import figure_table, safe_table

user = require_user(ADMIN, refusal="Only admins may import data")
project = context.current_project()
st.title("Data")

st.subheader("Import")
st.caption("JSONL (one item per line: prompt or messages, candidates, optional metadata and annotations) or CSV "
           "(prompt, output_a, output_b); PandaLM's test set and judges' files and HH-RLHF's pairs import as they "
           "are, gzip-compressed too. Every bad line is listed and nothing is written unless you skip them. "
           "Annotators keep working during a large import; its items appear when it is done.")
with st.form("data.import", clear_on_submit=False):
    upload = st.file_uploader("File", type=UPLOAD_TYPES, key="data.file", max_upload_size=context.max_upload_mb())
    file_format = st.selectbox("Format", FORMATS, format_func=lambda f: f"{f}: {FORMAT_HELP[f]}", key="data.format")
    name = st.text_input("Project", value=project.name if project else "", key="data.project")
    skip = st.checkbox("Import the good lines and skip the invalid ones", key="data.skip")
    go = st.form_submit_button("Import", type="primary")
if go:
    try:
        if upload is None:
            raise FeedbackError("Choose a file to import")
        upload.seek(0)
        with context.session() as s:
            report = import_file(session=s, user=user, project=name, file=upload, filename=upload.name,
                                 skip_invalid=skip, file_format=file_format)
    except ImportRejected as e:
        st.error(safe_markdown(str(e)))
        st.dataframe(safe_table(pd.DataFrame([asdict(p) for p in e.problems])), hide_index=True, width="stretch")
    except FeedbackError as e:
        st.error(safe_markdown(str(e)))
    else:
        flash("\n\n".join(report.summary_lines()))
        context.open_project_next_run(report.project)
        st.rerun()
show_flash()

if project is not None:
    with context.session() as s:
        batches = list_batches(session=s, project=project)
    if batches:
        figure_table(pd.DataFrame([{  # what a person needs; the batch's bookkeeping (state, heartbeat...) stays out
            "batch": b.id, "file": b.filename, "imported": local_time(b.created_at, st.context.timezone),
            "lines": b.n_lines, "new items": b.n_items_added, "items already there": b.n_items_existing,
            "new annotations": b.n_annotations_added, "invalid lines skipped": b.n_invalid,
            "sha256": b.sha256[:16]} for b in batches]))

    st.caption("Fine-tuning datasets are made on the Export page.")
