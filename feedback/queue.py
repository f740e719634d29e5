"""Who gets which item next, and how far each annotator has got.

An item is open to an annotator while they have not annotated it and it has fewer submitted
annotations than the project's overlap. Open items are served least-annotated first, then in
import order. The left/right order of the candidates is a per-annotator, per-item shuffle that is
stable across reruns (derived from a hash) and stored with the annotation on submit.
"""

import hashlib
import random
from dataclasses import dataclass

from sqlalchemy import and_
from sqlmodel import Session, func, select

from feedback.models import Annotation, Candidate, Item, Project, User


@dataclass(frozen=True)
class Progress:
    done: int
    total: int

    @property
    def remaining(self) -> int:
        return self.total - self.done

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


def _counts():
    return (
        select(Annotation.item_id, func.count(Annotation.id).label("n"))
        .where(Annotation.status == "submitted")
        .group_by(Annotation.item_id)
        .subquery()
    )


def _open_items(project: Project, user: User):
    counts = _counts()
    mine = select(Annotation.item_id).where(Annotation.user_id == user.id)
    n = func.coalesce(counts.c.n, 0)
    query = (
        select(Item)
        .join(counts, counts.c.item_id == Item.id, isouter=True)
        .where(Item.project_id == project.id, n < project.overlap, Item.id.not_in(mine))
    )
    return query, n


def next_item(*, session: Session, user: User, project: Project) -> Item | None:
    """The next item for ``user`` in ``project``, or None when their queue is empty."""
    query, n = _open_items(project, user)
    return session.exec(query.order_by(n, Item.position, Item.id).limit(1)).first()


def progress(*, session: Session, user: User, project: Project) -> Progress:
    """Items this annotator has done in the project, out of those they have done or can still do."""
    done = session.exec(
        select(func.count(Annotation.id))
        .join(Item, and_(Item.id == Annotation.item_id, Item.project_id == project.id))
        .where(Annotation.user_id == user.id)
    ).one()
    query, _ = _open_items(project, user)
    remaining = session.exec(select(func.count()).select_from(query.subquery())).one()
    return Progress(done=done, total=done + remaining)


def candidates_of(session: Session, item_id: int) -> list[Candidate]:
    """The item's candidates in import order."""
    return list(
        session.exec(select(Candidate).where(Candidate.item_id == item_id).order_by(Candidate.position)).all()
    )


def display_order(user_id: int, item_id: int, keys: list[str]) -> list[str]:
    """The candidate keys left to right as ``user_id`` sees item ``item_id``: random, but stable."""
    seed = int.from_bytes(hashlib.sha256(f"{user_id}:{item_id}".encode()).digest()[:8], "big")
    order = list(keys)
    random.Random(seed).shuffle(order)
    return order


def current_or_next(*, session: Session, user: User, project: Project, item_id: int | None) -> Item | None:
    """Keep serving the item the annotator is working on while it is still open to them (so a
    half-done answer survives a rerun); otherwise the next one."""
    if item_id is not None:
        query, _ = _open_items(project, user)
        item = session.exec(query.where(Item.id == item_id)).first()
        if item is not None:
            return item
    return next_item(session=session, user=user, project=project)
