"""Look-ups of a project's items and their candidates (callers check permissions)."""

from typing import Any

from sqlmodel import Session, select

from feedback.errors import NotFound
from feedback.store.tables import Candidate, Item, Project


def said_nothing(output: Any, messages: Any) -> bool:
    """A candidate that returned nothing (imported as empty text: a real outcome to judge): blank ``output`` text, or
    only assistant messages with blank content and no tool call. Pages show it as "(no output)"; exports leave out
    the rows that would need its text. (A null output or content is not an empty answer but a broken one.)"""
    if isinstance(messages, list) and messages:
        return all(isinstance(m, dict) and m.get("role") == "assistant" and isinstance(m.get("content"), str)
                   and not m["content"].strip() and not m.get("tool_calls") and not m.get("function_call")
                   for m in messages)
    return isinstance(output, str) and not output.strip()


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
