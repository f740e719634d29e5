"""Read-mostly aggregates, cached by the state of the data they come from."""

import streamlit as st

from feedback import permissions
from feedback.errors import PermissionDenied
from feedback.labels import annotations_version
from feedback.models import User
from feedback.report import agreement_report
from feedback.ui import context


@st.cache_data(show_spinner="Computing agreement…", max_entries=32)
def _report(url: str, project: str, version: str) -> dict:
    with context.session() as s:
        # user=None: the caller has checked the permission, and the cache is shared by every reviewer
        return agreement_report(session=s, user=None, project=project)


def cached_agreement_report(*, user: User | None, project_id: int, project: str) -> dict:
    """The project's agreement report, recomputed only after its annotations change.

    Reviewers and admins only: the permission is checked here, before the shared cache is read. In the app
    nobody is the local operator, so ``user=None`` (not signed in) is refused too.
    """
    if user is None:
        raise PermissionDenied("Sign in to read agreement figures")
    permissions.require(user, permissions.REVIEWER, "read agreement figures")
    with context.session() as s:
        version = annotations_version(s, project_id)
    return _report(str(context.engine().url), project, version)
