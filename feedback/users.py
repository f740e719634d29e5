"""Users (annotators for now; accounts, passwords and roles build on this table)."""

from sqlmodel import Session, select

from feedback.db import begin_write
from feedback.errors import FeedbackError
from feedback.models import User

MAX_NAME = 100


def clean_name(name: str) -> str:
    """A user name stripped of surrounding space; empty or over-long names are refused."""
    cleaned = (name or "").strip()
    if not cleaned:
        raise FeedbackError("An annotator name cannot be empty")
    if len(cleaned) > MAX_NAME:
        raise FeedbackError(f"An annotator name has at most {MAX_NAME} characters")
    return cleaned


def users_by_name(session: Session, names: set[str]) -> dict[str, User]:
    """Existing users among ``names``, keyed by name."""
    if not names:
        return {}
    return {u.name: u for u in session.exec(select(User).where(User.name.in_(sorted(names)))).all()}


def add_users(session: Session, names: set[str], *, role: str = "annotator") -> dict[str, User]:
    """The users called ``names``, adding the missing ones to the session (the caller commits)."""
    found = users_by_name(session, names)
    for name in sorted(names - found.keys()):
        found[name] = User(name=name, role=role)
        session.add(found[name])
    session.flush()
    return found


def sign_in(*, session: Session, name: str) -> User:
    """The annotator called ``name``, created on first sign-in."""
    name = clean_name(name)
    begin_write(session)
    user = add_users(session, {name})[name]
    session.commit()
    return user


def list_users(*, session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.name)).all())
