"""Read-mostly aggregates, cached by the state of the data they come from.

The permission is checked before a shared cache is read: the cached computations run as the local
operator (``user=None``) because every reviewer shares them. In the app nobody is the local operator,
so ``user=None`` (not signed in) is refused.
"""

import streamlit as st

from feedback.agreement.report import agreement_report
from feedback.errors import PermissionDenied
from feedback.labeling.loaders import annotations_version, items_version, review_state_version
from feedback.people import permissions
from feedback.review.judges import judge_report
from feedback.review.quality import annotator_quality
from feedback.review.workflow import ReviewQueue, review_queue
from feedback.store.tables import Project, User
from feedback.ui import context


def _allowed(user: User | None, action: str) -> None:
    if user is None:
        raise PermissionDenied(f"Sign in to {action}")
    permissions.require(user, permissions.REVIEWER, action)


def _version(project_id: int, *, decisions: bool = False) -> str:
    with context.session() as s:
        version = annotations_version(s, project_id)
        return version + (":" + review_state_version(s, project_id) if decisions else "")


@st.cache_data(show_spinner="Computing agreement…", max_entries=32)
def _report(url: str, project: str, version: str) -> dict:
    with context.session() as s:
        return agreement_report(session=s, user=None, project=project)


def cached_agreement_report(*, user: User | None, project_id: int, project: str) -> dict:
    """The project's agreement report, recomputed only after its annotations change (reviewers, admins)."""
    _allowed(user, "read agreement figures")
    return _report(str(context.engine().url), project, _version(project_id))


@st.cache_data(show_spinner="Computing the interval of every pair…", max_entries=16)
def _question_in_detail(url: str, project: str, version: str, question: str) -> dict | None:
    with context.session() as s:
        report = agreement_report(session=s, user=None, project=project, detail=True, only=question)
    return report["questions"][0] if report["questions"] else None


def cached_question_in_detail(*, user: User | None, project_id: int, project: str, question: str) -> dict | None:
    """One question's figures with every interval (each annotator pair's, alpha without each annotator), which
    the report leaves out for large teams (reviewers, admins)."""
    _allowed(user, "read agreement figures")
    return _question_in_detail(str(context.engine().url), project, _version(project_id), question)


@st.cache_data(show_spinner="Measuring annotators…", max_entries=32)
def _quality(url: str, project_id: int, version: str, threshold: float) -> list[dict]:
    with context.session() as s:
        return annotator_quality(session=s, user=None, project=s.get(Project, project_id))


def cached_quality(*, user: User | None, project: Project) -> list[dict]:
    """Per-annotator quality rows (``feedback.review.quality``), recomputed after new answers, decisions or a new
    threshold."""
    _allowed(user, "see annotator quality")
    with context.session() as s:
        permissions.require_project(s, user, project)
    version = _version(project.id, decisions=True)
    return _quality(str(context.engine().url), project.id, version, project.quality_threshold)


@st.cache_data(show_spinner="Comparing automatic judges…", max_entries=32)
def _judges(url: str, project_id: int, version: str) -> list[dict]:
    with context.session() as s:
        return judge_report(session=s, user=None, project=s.get(Project, project_id))


def cached_judges(*, user: User | None, project: Project) -> list[dict]:
    """Per automatic judge, its agreement with the human consensus (``feedback.review.judges``)."""
    _allowed(user, "see how automatic judges agree with people")
    with context.session() as s:
        permissions.require_project(s, user, project)
    return _judges(str(context.engine().url), project.id, _version(project.id, decisions=True))


@st.cache_data(show_spinner="Finding the disputed items…", max_entries=32)
def _review_queue(url: str, project_id: int, version: str, limit: int) -> ReviewQueue:
    with context.session() as s:
        return review_queue(session=s, user=None, project=s.get(Project, project_id), limit=limit)


def cached_review_queue(*, user: User | None, project: Project, limit: int) -> ReviewQueue:
    """The first ``limit`` items of the review queue (``feedback.review.workflow``), recomputed after new
    answers, decisions, items or review settings: a page that shows it reruns at every click."""
    _allowed(user, "see the review queue")
    with context.session() as s:
        permissions.require_project(s, user, project)
        fresh = s.get(Project, project.id)
        settings = f"{fresh.overlap}:{fresh.review_threshold}:{fresh.consensus_method}:{fresh.auto_escalate}"
        version = f"{items_version(s, project.id)}:{settings}"
    return _review_queue(str(context.engine().url), project.id, f"{_version(project.id, decisions=True)}:{version}",
                         limit)
