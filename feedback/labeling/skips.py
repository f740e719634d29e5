"""An annotator's skips: the items they skipped in a project, and *un-skip*, which gives an item back to their queue
(a misclick on Skip is not forever). Skipping itself is ``feedback.labeling.queue.skip``."""

from sqlmodel import Session, func, select

from feedback.errors import PermissionDenied
from feedback.labeling.queue import item_for
from feedback.people.permissions import require_project
from feedback.store.tables import Item, Project, Skip, User
from feedback.store.transactions import writing


def _signed_in(user: User | None) -> User:
    if user is None:
        raise PermissionDenied("Only a signed-in annotator has skipped items")
    return user


def my_skips(*, session: Session, user: User, project: Project, limit: int = 50) -> tuple[list[tuple[Skip, Item]], int]:
    """``user``'s skipped items in the project, newest first (at most ``limit``), and how many there are in all."""
    user = _signed_in(user)
    require_project(session, user, project)
    mine = (Skip.user_id == user.id, Item.project_id == project.id)
    rows = session.exec(select(Skip, Item).join(Item, Item.id == Skip.item_id).where(*mine)
                        .order_by(Skip.created_at.desc(), Skip.id.desc()).limit(max(limit, 0))).all()
    total = session.exec(select(func.count()).select_from(Skip).join(Item, Item.id == Skip.item_id).where(*mine)).one()
    return [(skip, item) for skip, item in rows], total


def unskip(*, session: Session, user: User, item_id: int) -> bool:
    """Undo ``user``'s skip of an item: it comes back into their queue (while it still wants answers). Whether
    there was a skip to undo."""
    user = _signed_in(user)
    with writing(session):
        item_for(session, user, item_id)
        record = session.exec(select(Skip).where(Skip.item_id == item_id, Skip.user_id == user.id)).first()
        if record is None:
            return False
        session.delete(record)
        session.flush()
    return True
