"""Users: names, users made by imports, and the projects a user may see.

Accounts (passwords, roles, activation) are in ``feedback.people.accounts``.
"""

from sqlmodel import Session, select

from feedback.errors import FeedbackError
from feedback.people.permissions import may_use_project
from feedback.store.tables import ImportBatch, Project, User

MAX_NAME = 100


def clean_name(name: str) -> str:
    """A user name stripped of surrounding space; empty or over-long names are refused."""
    cleaned = (name or "").strip()
    if not cleaned:
        raise FeedbackError("A user name cannot be empty")
    if len(cleaned) > MAX_NAME:
        raise FeedbackError(f"A user name has at most {MAX_NAME} characters")
    return cleaned


def users_by_name(session: Session, names: set[str]) -> dict[str, User]:
    """Existing users among ``names``, keyed by name."""
    if not names:
        return {}
    return {u.name: u for u in session.exec(select(User).where(User.name.in_(sorted(names)))).all()}


def add_users(session: Session, names: set[str], *, role: str = "annotator") -> dict[str, User]:
    """The users called ``names``, adding the missing ones (no password: they cannot sign in; the caller commits)."""
    return add_missing_users(session, names, role=role)[0]


def add_missing_users(session: Session, names: set[str], *, role: str = "annotator"
                      ) -> tuple[dict[str, User], list[str]]:
    """``add_users``, and the names of the users it added, sorted (so that the caller can say whom it created)."""
    found = users_by_name(session, names)
    created = sorted(names - found.keys())
    for name in created:
        found[name] = User(name=name, role=role)
        session.add(found[name])
    session.flush()
    return found, created


def visible_projects(*, session: Session, user: User | None) -> list[Project]:
    """The projects ``user`` may work on, by name (restricted ones only for their members)."""
    unfinished = select(ImportBatch.project_id).where(ImportBatch.state != "done")  # imports' staging projects
    projects = session.exec(select(Project).where(Project.id.not_in(unfinished)).order_by(Project.name)).all()
    return [project for project in projects if may_use_project(session, user, project)]
