"""A project's annotation guidelines: Markdown, versioned. Annotations record the version they were made under."""

from sqlmodel import Session, select

from feedback.errors import FeedbackError, NotFound
from feedback.people.permissions import ADMIN, require
from feedback.store.tables import Guidelines, Project, User
from feedback.store.transactions import writing

MAX_GUIDELINES = 200_000


def _project(session: Session, project: Project) -> Project:
    stored = session.get(Project, project.id)
    if stored is None:
        raise NotFound(f"No project with id {project.id}")
    return stored


def current_guidelines(*, session: Session, project: Project) -> Guidelines | None:
    """The newest guidelines of ``project``; None when it has none yet."""
    return session.exec(
        select(Guidelines).where(Guidelines.project_id == project.id).order_by(Guidelines.version.desc())
    ).first()


def guidelines_history(*, session: Session, project: Project) -> list[Guidelines]:
    """Every version of the project's guidelines, newest first."""
    return list(session.exec(
        select(Guidelines).where(Guidelines.project_id == project.id).order_by(Guidelines.version.desc())
    ).all())


def add_guidelines(session: Session, project: Project, text: str, *, user: User | None) -> int:
    """Store ``text`` as the next version unless it equals the current one (the caller commits).

    Returns the version now current; trailing white space is not a change.
    """
    text = (text or "").rstrip()
    if len(text) > MAX_GUIDELINES:
        raise FeedbackError(f"guidelines: longer than {MAX_GUIDELINES} characters ({len(text)})")
    current = current_guidelines(session=session, project=project)
    if (current.text.rstrip() if current else "") == text:
        return current.version if current else 0
    version = (current.version if current else 0) + 1
    session.add(Guidelines(project_id=project.id, version=version, text=text,
                           created_by=user.id if user is not None else None))
    project.guidelines_version = version
    session.add(project)
    session.flush()
    return version


def set_guidelines(*, session: Session, user: User | None, project: Project, text: str) -> int:
    """Save new guidelines for ``project`` (admins); returns the current version.

    The same text as the current version makes no new version: the returned number is then unchanged
    (compare with ``project.guidelines_version`` to say so).
    """
    require(user, ADMIN, "edit a project's guidelines")
    with writing(session):
        version = add_guidelines(session, _project(session, project), text, user=user)
    return version
