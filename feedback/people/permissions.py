"""Who may do what. Checked inside the service functions (the acting user is an argument), not in pages.

``user=None`` is the local operator: the CLI run by someone with the database in hand, who may do anything.
Roles: ``annotator`` < ``reviewer`` < ``admin``.
- annotator: their own queue, their own annotations (never other people's labels, agreement or exports);
- reviewer: also agreement, annotator quality, adjudication, everyone's annotations;
- admin: also projects, schemas, guidelines, users, imports and exports.
Restricted projects are open only to their member annotators (reviewers and admins see every project).
"""

from sqlmodel import Session, select

from feedback.errors import PermissionDenied
from feedback.people.names import ADMIN, ANNOTATOR, REVIEWER, ROLES  # noqa: F401  (re-exported)
from feedback.store.tables import Project, ProjectMember, User

_RANK = {role: n for n, role in enumerate(ROLES)}


def at_least(user: User | None, role: str) -> bool:
    """Whether ``user`` has ``role`` or a higher one (the local operator has every role)."""
    if user is None:
        return True
    return user.active and _RANK.get(user.role, -1) >= _RANK[role]


def require(user: User | None, role: str, action: str) -> None:
    """Raise ``PermissionDenied`` unless ``user`` has ``role`` or higher; ``action`` says what was refused."""
    if not at_least(user, role):
        who = "this account" if user is None else f"{user.name} ({user.role})"
        raise PermissionDenied(f"Only {role}s may {action}; {who} may not")


def may_use_project(session: Session, user: User | None, project: Project) -> bool:
    """Whether ``user`` may work on ``project``: an active account, and a member if it is restricted and they are
    an annotator (the local operator may)."""
    if user is None:
        return True
    if not user.active:
        return False
    if at_least(user, REVIEWER) or not project.restricted:
        return True
    member = session.exec(
        select(ProjectMember).where(ProjectMember.project_id == project.id, ProjectMember.user_id == user.id)
    ).first()
    return member is not None


def require_project(session: Session, user: User | None, project: Project) -> None:
    """Raise ``PermissionDenied`` unless ``user`` may work on ``project``."""
    if not may_use_project(session, user, project):
        raise PermissionDenied(f"Project {project.name!r} is open only to its named annotators")
