"""Read-mostly aggregates, cached by the state of the data they come from."""

import streamlit as st

from feedback.labels import annotations_version
from feedback.report import agreement_report
from feedback.ui import context


@st.cache_data(show_spinner="Computing agreement…", max_entries=32)
def _report(url: str, project: str, version: str) -> dict:
    with context.session() as s:
        return agreement_report(session=s, user=None, project=project)


def cached_agreement_report(project_id: int, project: str) -> dict:
    """The project's agreement report, recomputed only after its annotations change."""
    with context.session() as s:
        version = annotations_version(s, project_id)
    return _report(str(context.engine().url), project, version)
