"""Load the demo data set into an empty database, and (in demo mode) the demo accounts."""

import secrets
from pathlib import Path

from sqlmodel import Session, func, select

from feedback.errors import FeedbackError
from feedback.intake.importer import import_file
from feedback.people.accounts import hash_password
from feedback.people.permissions import ADMIN, ANNOTATOR, REVIEWER
from feedback.people.users import add_users
from feedback.store.tables import Item
from feedback.store.transactions import begin_write

DEMO_ACCOUNTS = {"admin": ADMIN, "reviewer": REVIEWER, "maria": ANNOTATOR, "dev": ANNOTATOR, "sam": ANNOTATOR}


def load_demo(*, session: Session, path: Path, project: str, overlap: int = 3) -> str:
    """Import ``path`` into ``project`` if the database has no items yet; say what happened."""
    existing = session.exec(select(func.count(Item.id))).one()
    if existing:
        return f"The database already has {existing} items; the demo data set was not loaded."
    if not path.exists():
        raise FeedbackError(f"Demo data set not found: {path}")
    report = import_file(session=session, user=None, project=project, path=path, overlap=overlap)
    return (f"Loaded the demo data set into project {project!r}: {report.items_added} items, "
            f"{report.annotations_added} existing annotations.")


def reset_demo_accounts(*, session: Session) -> list[tuple[str, str, str]]:
    """Demo mode only: give each demo account its role and a fresh random password; (name, role, password) rows.

    Run by the local operator at every start of ``make run``, so the passwords printed then are the only
    ones that work.
    """
    passwords = {name: secrets.token_urlsafe(9) for name in DEMO_ACCOUNTS}
    hashes = {name: hash_password(password) for name, password in passwords.items()}  # before the write lock
    begin_write(session)
    try:
        users = add_users(session, set(DEMO_ACCOUNTS))
        for name, role in DEMO_ACCOUNTS.items():
            users[name].role, users[name].password_hash, users[name].active = role, hashes[name], True
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return [(name, role, passwords[name]) for name, role in DEMO_ACCOUNTS.items()]
