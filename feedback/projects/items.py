"""Look-ups of a project's items and their candidates (callers check permissions)."""

from sqlmodel import Session, select

from feedback.errors import NotFound
from feedback.store.tables import Candidate, Item, Project


def candidates_of(session: Session, item_id: int) -> list[Candidate]:
    """The item's candidates in import order."""
    return list(
        session.exec(select(Candidate).where(Candidate.item_id == item_id).order_by(Candidate.position)).all()
    )


def find_item(*, session: Session, project: Project, external_id: str) -> Item:
    """The item of ``project`` with the id it was imported with; ``NotFound`` says which."""
    external_id = (external_id or "").strip()
    item = session.exec(select(Item).where(Item.project_id == project.id, Item.external_id == external_id)).first()
    if item is None:
        raise NotFound(f"item: project {project.name!r} has no item with id {external_id!r}")
    return item
