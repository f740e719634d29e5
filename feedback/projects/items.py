"""Look-ups of a project's items and their candidates (callers check permissions)."""

from sqlmodel import Session, select

from feedback.store.tables import Candidate


def candidates_of(session: Session, item_id: int) -> list[Candidate]:
    """The item's candidates in import order."""
    return list(
        session.exec(select(Candidate).where(Candidate.item_id == item_id).order_by(Candidate.position)).all()
    )
