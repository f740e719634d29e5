"""Read-mostly aggregates, cached by the state of the data they come from.

The permission is checked before a shared cache is read: the cached computations run as the local
operator (``user=None``) because every reviewer shares them. In the app nobody is the local operator,
so ``user=None`` (not signed in) is refused.
"""

import streamlit as st
from sqlmodel import Session

from feedback.agreement.report import agreement_report
from feedback.errors import PermissionDenied
from feedback.labeling.loaders import annotations_version, items_version, review_state_version
from feedback.people import permissions
from feedback.review.stored import figures_version, n_annotations, refresh, stored_figures
from feedback.review.workflow import ReviewQueue, review_queue
from feedback.store.tables import Project, User
from feedback.ui import background, context


def _allowed(user: User | None, action: str) -> None:
    if user is None:
        raise PermissionDenied(f"Sign in to {action}")
    permissions.require(user, permissions.REVIEWER, action)


def _version(project_id: int, *, decisions: bool = False) -> str:
    with context.session() as s:
        version = annotations_version(s, project_id)
        return version + (":" + review_state_version(s, project_id) if decisions else "")


WAIT_S = 3.0  # a page waits this long for its first figures before it says they are being computed
WAIT_WITH_OLDER_S = 0.5  # and this long for new ones before it shows the ones before
APART = True  # the agreement figures of large projects are computed in a child process; tests may say False
# From this many annotations (about 5 s of computing): below it the 2 s a child process takes to start would make
# a small project's figures miss the page's first wait, and holding the interpreter lock that briefly is harmless
APART_FROM = 50_000


def _apart(engine, project_id: int) -> bool:
    """Whether to compute the project's figures in a child process (``background.apart``)."""
    if not APART or (engine.url.get_backend_name() == "sqlite" and engine.url.database in (None, "", ":memory:")):
        return False
    with Session(engine) as s:
        return n_annotations(s, project_id) >= APART_FROM


def agreement_figures(*, user: User | None, project: Project) -> tuple[dict | None, bool]:
    """({"report", "quality", "judges"} of the Agreement page, whether they count every answer and decision so
    far) for reviewers and admins: the agreement report, each annotator's quality, the automatic judges.

    Computed together in the background (``feedback.ui.background``), in one session, so the annotations are
    read once, and stored (``feedback.review.stored``): until new figures are ready the page gets the ones
    before (``False``), those of this process or, after a restart, the stored ones; None when there are none."""
    _allowed(user, "read agreement figures")
    with context.session() as s:
        permissions.require_project(s, user, project)
        version = figures_version(s, project.id)
    engine = context.engine()

    def compute() -> dict:
        if _apart(engine, project.id):  # in a child process, which stores them: read them back
            background.apart("feedback.review.stored", str(project.id),
                             env={"FEEDBACK_DATABASE_URL": engine.url.render_as_string(hide_password=False)})
            with Session(engine) as s:
                return stored_figures(s, project.id).value
        with Session(engine, expire_on_commit=False) as s:  # in its own thread: not the page's session
            return refresh(s, project.id).value

    def kept() -> background.Figures | None:
        with Session(engine) as s:
            found = stored_figures(s, project.id)
        return background.Figures(version=found.version, value=found.value) if found else None

    figures, fresh = background.newest(("agreement", str(engine.url), project.id), version, compute, wait=WAIT_S,
                                       wait_with_older=WAIT_WITH_OLDER_S, stored=kept)
    return (figures.value if figures else None), fresh


@st.fragment(run_every=2)
def rerun_when_ready(ready) -> None:
    """Every 2 s, ``ready()``; once it is true the whole page runs again (with the new figures)."""
    if ready():
        st.rerun(scope="app")


@st.cache_data(show_spinner="Computing the interval of every pair…", max_entries=16)
def _question_in_detail(url: str, project: str, version: str, question: str) -> dict | None:
    with context.session() as s:
        report = agreement_report(session=s, user=None, project=project, detail=True, only=question)
    return report["questions"][0] if report["questions"] else None


def cached_question_in_detail(*, user: User | None, project_id: int, project: str, question: str) -> dict | None:
    """One question's figures with every interval (each annotator pair's, alpha without each annotator, each
    annotator's agreement with the others), which the report leaves out for large teams (reviewers, admins)."""
    _allowed(user, "read agreement figures")
    return _question_in_detail(str(context.engine().url), project, _version(project_id), question)


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
