"""Who gets which item next (overlap, leases, gold, priority), skips, and how far each annotator has got.

Rules:
- An item is *open* to an annotator while they have neither annotated nor skipped it and its submitted
  annotations (``Item.n_annotations``) plus the *active leases of other annotators* are fewer than the
  project's overlap. Open items are served highest ``priority`` first, then least-annotated, then in import
  order (``position``).
- Serving an item *leases* it to the annotator for ``Project.lease_minutes``: the lease holds one of the
  overlap's places, so two annotators never both make the (overlap+1)-th annotation. An expired lease holds
  nothing (it is ignored in every count and deleted by the next ``serve``). An annotator holds at most one
  lease per project: their current item. Serving it again (a rerun, a reload) renews the lease.
- Gold items (``Item.is_gold``, with a known answer) do not count against the overlap: every annotator may
  get each of them once. They are mixed in at the project's ``gold_rate``, looking like any other item:
  after ``n`` submitted answers in the project an annotator has been given ``floor(rate*n)`` or
  ``ceil(rate*n)`` gold items. Whether the next one is gold is ``gold_done < floor(rate*(n+1) + u)`` with
  ``u`` in [0, 1) drawn from a hash of (user, project, n): reproducible, never more than one gold item
  ahead of or behind the rate, and not predictable by counting items. Gold items are only mixed in: when
  no regular item is left the queue is empty.
- A skipped item never comes back to the annotator who skipped it.
The left/right order of the candidates is a per-annotator, per-item shuffle that is stable across reruns
(derived from a hash) and stored with the annotation on submit.
"""

import hashlib
import math
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Integer, cast, delete, exists, false, true, union, update
from sqlmodel import Session, func, select

from feedback.db import begin_write
from feedback.errors import InvalidAnswer, NotFound, PermissionDenied
from feedback.models import Annotation, Candidate, Item, Lease, Project, Skip, User, utcnow
from feedback.permissions import require_project


@dataclass(frozen=True)
class Progress:
    """An annotator's progress in a project. ``remaining``: regular items they could still be served now."""

    done: int
    done_today: int  # since midnight UTC
    total: int  # done + remaining
    remaining: int

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


@contextmanager
def writing(session: Session) -> Iterator[None]:
    """The use case's one write transaction: ``BEGIN IMMEDIATE``, commit on success, roll back on any error
    (so a refused request never keeps the database's write lock)."""
    begin_write(session)
    try:
        yield
    except BaseException:
        session.rollback()
        raise
    session.commit()


def fresh(session: Session, model, key: int):
    """The row as stored now (``populate_existing``: a long-lived session may hold an older copy)."""
    return session.get(model, key, populate_existing=True)


def _quiet(statement):
    """A bulk UPDATE / DELETE that leaves objects already in the session alone (none are needed after it)."""
    return statement.execution_options(synchronize_session=False)


def _signed_in(user: User | None) -> User:
    if user is None:
        raise PermissionDenied("Only a signed-in annotator has a queue")
    return user


def _done_by(user_id: int):
    return exists().where(Annotation.item_id == Item.id, Annotation.user_id == user_id)


def _skipped_by(user_id: int):
    return exists().where(Skip.item_id == Item.id, Skip.user_id == user_id)


def _others_leases(user_id: int, now: datetime):
    """Active leases of other annotators on the (correlated) item."""
    return (select(func.count()).select_from(Lease)
            .where(Lease.item_id == Item.id, Lease.user_id != user_id, Lease.expires_at > now)
            .scalar_subquery())


def others_leases(session: Session, *, item_id: int, user_id: int, now: datetime) -> int:
    """How many other annotators hold an active lease on ``item_id``."""
    return session.exec(select(func.count()).select_from(Lease).where(
        Lease.item_id == item_id, Lease.user_id != user_id, Lease.expires_at > now)).one()


def _my_leases(session: Session, user_id: int, project_id: int) -> list[int]:
    """Item ids of the user's leases in the project (after expired ones were deleted: the active ones)."""
    return list(session.exec(
        select(Lease.item_id).join(Item, Item.id == Lease.item_id)
        .where(Lease.user_id == user_id, Item.project_id == project_id).order_by(Lease.id.desc())
    ).all())


def _servable(session: Session, user_id: int, project: Project, item_id: int, *, leased: bool,
              now: datetime) -> bool:
    """Whether ``item_id`` (in ``project``) is open to the user; ``leased``: they already hold its lease."""
    row = session.exec(select(Item.is_gold, Item.n_annotations).where(
        Item.id == item_id, Item.project_id == project.id, ~_done_by(user_id), ~_skipped_by(user_id))).first()
    if row is None:
        return False
    is_gold, n = row
    if is_gold:
        return True
    if leased:
        return n < project.overlap
    return n + others_leases(session, item_id=item_id, user_id=user_id, now=now) < project.overlap


def _next_regular(session: Session, user_id: int, project: Project, now: datetime) -> int | None:
    """The next open non-gold item: one priority level at a time, each an ordered walk of ``ix_item_queue``."""
    base = (Item.project_id == project.id, Item.is_gold == false())
    level = session.exec(select(func.max(Item.priority)).where(*base)).one()
    while level is not None:
        found = session.exec(
            select(Item.id)
            .where(*base, Item.priority == level, Item.n_annotations < project.overlap,
                   ~_done_by(user_id), ~_skipped_by(user_id),
                   Item.n_annotations + _others_leases(user_id, now) < project.overlap)
            .order_by(Item.n_annotations, Item.position, Item.id)
            .limit(1)
        ).first()
        if found is not None:
            return found
        level = session.exec(select(func.max(Item.priority)).where(*base, Item.priority < level)).one()
    return None


def _next_gold(session: Session, user_id: int, project: Project) -> int | None:
    """A gold item the user has not done or skipped, if their share of gold is due."""
    if project.gold_rate <= 0:
        return None
    gold = session.exec(
        select(Item.id).where(Item.project_id == project.id, Item.is_gold == true(),
                              ~_done_by(user_id), ~_skipped_by(user_id))
        .order_by(Item.priority.desc(), Item.position, Item.id).limit(1)
    ).first()
    if gold is None:
        return None
    done, gold_done = session.exec(
        select(func.count(Annotation.id), func.coalesce(func.sum(cast(Item.is_gold, Integer)), 0))
        .join(Item, Item.id == Annotation.item_id)
        .where(Annotation.user_id == user_id, Item.project_id == project.id)
    ).one()
    return gold if gold_due(user_id, project.id, done, gold_done, project.gold_rate) else None


def gold_due(user_id: int, project_id: int, done: int, gold_done: int, rate: float) -> bool:
    """Whether the next item served to an annotator with ``done`` answers (``gold_done`` of them on gold
    items) should be gold, for a gold share of ``rate`` (see the module docstring)."""
    digest = hashlib.sha256(f"gold:{user_id}:{project_id}:{done}".encode()).digest()
    jitter = int.from_bytes(digest[:8], "big") / 2**64
    return gold_done < math.floor(rate * (done + 1) + jitter)


def serve(*, session: Session, user: User, project: Project, item_id: int | None = None) -> Item | None:
    """The item ``user`` should work on now, leased to them; None when their queue is empty.

    ``item_id`` (the item on their screen) is kept, its lease renewed, while it is still open to them; else
    their current lease in the project; else the next item by the queue's rules (module docstring).
    """
    user = _signed_in(user)
    with writing(session):
        project = fresh(session, Project, project.id)
        if project is None:
            raise NotFound("No such project")
        require_project(session, user, project)
        now = utcnow()
        session.exec(_quiet(delete(Lease).where(Lease.expires_at <= now)))  # expired leases hold nothing
        mine = _my_leases(session, user.id, project.id)
        chosen = None
        for candidate in ([item_id] if item_id is not None else []) + mine:
            if _servable(session, user.id, project, candidate, leased=candidate in mine, now=now):
                chosen = candidate
                break
        if chosen is None:
            regular = _next_regular(session, user.id, project, now)
            chosen = regular and (_next_gold(session, user.id, project) or regular)
        if chosen is None:
            session.exec(_quiet(delete(Lease).where(Lease.user_id == user.id, Lease.item_id.in_(mine))))
            return None
        _lease(session, user.id, chosen, mine, now + timedelta(minutes=project.lease_minutes))
    return fresh(session, Item, chosen)


def _lease(session: Session, user_id: int, item_id: int, mine: list[int], expires_at: datetime) -> None:
    """Lease ``item_id`` to the user until ``expires_at``, releasing their other leases in the project."""
    others = [i for i in mine if i != item_id]
    if others:
        session.exec(_quiet(delete(Lease).where(Lease.user_id == user_id, Lease.item_id.in_(others))))
    if item_id in mine:
        session.exec(_quiet(update(Lease).where(Lease.user_id == user_id, Lease.item_id == item_id)
                            .values(expires_at=expires_at)))
    else:
        session.add(Lease(item_id=item_id, user_id=user_id, expires_at=expires_at))
        session.flush()


def release(*, session: Session, user: User, item_id: int) -> bool:
    """Give back ``user``'s lease on an item (it returns to the pool now); whether there was one."""
    user = _signed_in(user)
    with writing(session):
        result = session.exec(_quiet(delete(Lease).where(Lease.user_id == user.id, Lease.item_id == item_id)))
    return bool(result.rowcount)


def skip(*, session: Session, user: User, item_id: int, reason: str | None = None) -> Skip:
    """``user`` skips an item: it is recorded, its lease released, and it never comes back to them."""
    user = _signed_in(user)
    with writing(session):
        item = fresh(session, Item, item_id)
        if item is None:
            raise NotFound(f"No item with id {item_id}")
        require_project(session, user, fresh(session, Project, item.project_id))
        if session.exec(select(Annotation.id).where(Annotation.item_id == item_id,
                                                    Annotation.user_id == user.id)).first() is not None:
            raise InvalidAnswer(f"You have already answered item {item.external_id}; edit it under My answers")
        session.exec(_quiet(delete(Lease).where(Lease.user_id == user.id, Lease.item_id == item_id)))
        record = session.exec(select(Skip).where(Skip.item_id == item_id, Skip.user_id == user.id)).first()
        if record is None:
            record = Skip(item_id=item_id, user_id=user.id, reason=(reason or "").strip() or None)
            session.add(record)
            session.flush()
    return record


def progress(*, session: Session, user: User, project: Project) -> Progress:
    """Answers ``user`` gave in the project (all, and today in UTC), and the regular items still open to them."""
    user = _signed_in(user)
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    done, today = session.exec(
        select(func.count(Annotation.id),
               func.coalesce(func.sum(cast(Annotation.created_at >= midnight, Integer)), 0))
        .join(Item, Item.id == Annotation.item_id)
        .where(Annotation.user_id == user.id, Item.project_id == project.id)
    ).one()
    remaining = _remaining(session, user.id, project, utcnow())
    return Progress(done=done, done_today=today, total=done + remaining, remaining=remaining)


def _remaining(session: Session, user_id: int, project: Project, now: datetime) -> int:
    """Regular items open to the user: those under the overlap, less the ones they touched, less the ones
    others' leases fill (counted by subtraction, so no query walks the annotations of every item)."""
    under = (Item.project_id == project.id, Item.is_gold == false(), Item.n_annotations < project.overlap)
    n_under = session.exec(select(func.count()).select_from(Item).where(*under)).one()
    touched = union(select(Annotation.item_id.label("item_id")).where(Annotation.user_id == user_id),
                    select(Skip.item_id.label("item_id")).where(Skip.user_id == user_id)).subquery()
    n_touched = session.exec(select(func.count()).select_from(touched)
                             .join(Item, Item.id == touched.c.item_id).where(*under)).one()
    leased = select(Lease.item_id).where(Lease.user_id != user_id, Lease.expires_at > now)
    n_filled = session.exec(select(func.count()).select_from(Item).where(
        *under, Item.id.in_(leased), ~_done_by(user_id), ~_skipped_by(user_id),
        Item.n_annotations + _others_leases(user_id, now) >= project.overlap)).one()
    return max(n_under - n_touched - n_filled, 0)


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


def next_item(*, session: Session, user: User, project: Project) -> Item | None:
    """Deprecated: ``serve(..., item_id=None)``."""
    return serve(session=session, user=user, project=project)


def current_or_next(*, session: Session, user: User, project: Project, item_id: int | None) -> Item | None:
    """Deprecated: ``serve(..., item_id=item_id)``."""
    return serve(session=session, user=user, project=project, item_id=item_id)
