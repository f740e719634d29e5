"""Who gets which item next (overlap, leases, gold, priority), skips, and how far each annotator has got.

Rules:
- An item *wants* ``Project.overlap + Item.extra_overlap`` annotations (a reviewer, or auto-escalation, can
  ask for more annotators on one item: ``feedback.review.workflow``). It is *open* to an annotator while they have
  neither annotated nor skipped it and its submitted annotations (``Item.n_annotations``) plus the *active
  leases of other annotators* are fewer than it wants. Items sent back for more annotators
  (``extra_overlap > 0``) and open to the annotator come first, whatever their priority (a reviewer is
  waiting for them; fewest extra annotators asked for, then least-annotated, then oldest first: the order of
  the small index ``ix_item_extra``, so finding one never sorts); then open items highest ``priority``
  first, then least-annotated, then in import order (``position``).
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
- A skipped item never comes back to the annotator who skipped it, unless they un-skip it
  (``feedback.labeling.skips.unskip``, from My answers).
The left/right order of the candidates is a per-annotator, per-item shuffle that is stable across reruns
(derived from a hash) and stored with the annotation on submit.
"""

import hashlib
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    Connection,
    Integer,
    bindparam,
    cast,
    delete,
    exists,
    false,
    insert,
    true,
    union,
    update,
)
from sqlmodel import Session, func, select

from feedback.errors import InvalidAnswer, NotFound, PermissionDenied
from feedback.people.permissions import require_project
from feedback.store.tables import Annotation, Item, Lease, Project, Skip, User, utcnow
from feedback.store.transactions import fresh, writing


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


def _signed_in(user: User | None) -> User:
    if user is None:
        raise PermissionDenied("Only a signed-in annotator has a queue")
    return user


# The queue's statements, built once (they run on every request): parameters uid (the annotator), pid
# (the project), now, overlap, level (a priority), item.
_UID, _PID, _ITEM = bindparam("uid"), bindparam("pid"), bindparam("item")
_NOW = bindparam("now", type_=Lease.__table__.c.expires_at.type)
_OVERLAP, _LEVEL = bindparam("overlap"), bindparam("level")
_WANTED = _OVERLAP + Item.extra_overlap  # annotations an item wants
_DONE = exists().where(Annotation.item_id == Item.id, Annotation.user_id == _UID)
_SKIPPED = exists().where(Skip.item_id == Item.id, Skip.user_id == _UID)
_OTHERS_LEASES = (select(func.count()).select_from(Lease)
                  .where(Lease.item_id == Item.id, Lease.user_id != _UID, Lease.expires_at > _NOW)
                  .scalar_subquery())
_REGULAR = (Item.project_id == _PID, Item.is_gold == false())
_TOP_LEVEL = select(func.max(Item.priority)).where(*_REGULAR)
_LOWER_LEVEL = select(func.max(Item.priority)).where(*_REGULAR, Item.priority < _LEVEL)
_NEXT_AT_LEVEL = (
    select(Item.id)
    .where(*_REGULAR, Item.priority == _LEVEL, Item.n_annotations < _OVERLAP, ~_DONE, ~_SKIPPED,
           Item.n_annotations + _OTHERS_LEASES < _WANTED)
    .order_by(Item.n_annotations, Item.position, Item.id)
    .limit(1)
)
_UNDER_AT_LEVEL = (select(func.count()).select_from(Item)
                   .where(*_REGULAR, Item.priority == _LEVEL, Item.n_annotations < _OVERLAP))
# Sent-back items (few; found through ix_item_extra) that still want annotators.
_SENT_BACK = (Item.project_id == _PID, Item.extra_overlap > 0,  # gold items are never sent back
              Item.n_annotations < _WANTED)
_NEXT_SENT_BACK = (select(Item.id).where(*_SENT_BACK, ~_DONE, ~_SKIPPED, Item.n_annotations + _OTHERS_LEASES < _WANTED)
                   .order_by(Item.extra_overlap, Item.n_annotations, Item.id).limit(1))  # ix_item_extra's order
_OVER_BASE = select(func.count()).select_from(Item).where(*_SENT_BACK, Item.n_annotations >= _OVERLAP)
_NEXT_GOLD = (select(Item.id).where(Item.project_id == _PID, Item.is_gold == true(), ~_DONE, ~_SKIPPED)
              .order_by(Item.priority.desc(), Item.position, Item.id).limit(1))
_GOLD_DONE = select(func.count()).select_from(Item).where(Item.project_id == _PID, Item.is_gold == true(), _DONE)
_DONE_IN_PROJECT = (select(func.count()).select_from(Annotation).join(Item, Item.id == Annotation.item_id)
                    .where(Annotation.user_id == _UID, Item.project_id == _PID))
_SERVABLE = select(Item.is_gold, Item.n_annotations, Item.extra_overlap).where(Item.id == _ITEM, Item.project_id == _PID,
                                                           ~_DONE, ~_SKIPPED)
_OTHERS_ON = (select(func.count()).select_from(Lease)
              .where(Lease.item_id == _ITEM, Lease.user_id != _UID, Lease.expires_at > _NOW))
_MY_LEASES = (select(Lease.item_id).join(Item, Item.id == Lease.item_id)
              .where(Lease.user_id == _UID, Item.project_id == _PID).order_by(Lease.id.desc()))
_DROP_EXPIRED = delete(Lease).where(Lease.expires_at <= _NOW)
_DROP_MINE = delete(Lease).where(Lease.user_id == _UID, Lease.item_id.in_(bindparam("items", expanding=True)))
_RENEW = update(Lease).where(Lease.user_id == _UID, Lease.item_id == _ITEM).values(expires_at=_NOW)
_ADD_LEASE = insert(Lease).values(item_id=_ITEM, user_id=_UID, expires_at=_NOW, created_at=bindparam("created"))


def others_leases(session: Session, *, item_id: int, user_id: int, now: datetime) -> int:
    """How many other annotators hold an active lease on ``item_id``."""
    return session.connection().execute(_OTHERS_ON, {"item": item_id, "uid": user_id, "now": now}).scalar_one()


def _servable(conn: Connection, user_id: int, project: Project, item_id: int, *, leased: bool,
              now: datetime) -> bool:
    """Whether ``item_id`` (in ``project``) is open to the user; ``leased``: they already hold its lease."""
    row = conn.execute(_SERVABLE, {"item": item_id, "pid": project.id, "uid": user_id}).first()
    if row is None:
        return False
    is_gold, n, extra = row
    if is_gold:
        return True
    wanted = project.overlap + extra
    if leased:
        return n < wanted
    others = conn.execute(_OTHERS_ON, {"item": item_id, "uid": user_id, "now": now}).scalar_one()
    return n + others < wanted


def _next_regular(conn: Connection, user_id: int, project: Project, now: datetime) -> int | None:
    """The next open non-gold item: a sent-back one first, else one priority level at a time, each an ordered
    walk of ``ix_item_queue``."""
    params = {"pid": project.id, "uid": user_id, "now": now, "overlap": project.overlap}
    sent_back = conn.execute(_NEXT_SENT_BACK, params).scalar()
    if sent_back is not None:
        return sent_back
    level = conn.execute(_TOP_LEVEL, params).scalar()
    while level is not None:
        found = conn.execute(_NEXT_AT_LEVEL, params | {"level": level}).scalar()
        if found is not None:
            return found
        level = conn.execute(_LOWER_LEVEL, params | {"level": level}).scalar()
    return None


def _next_gold(conn: Connection, user_id: int, project: Project) -> int | None:
    """A gold item the user has not done or skipped, if their share of gold is due."""
    if project.gold_rate <= 0:
        return None
    params = {"pid": project.id, "uid": user_id}
    gold = conn.execute(_NEXT_GOLD, params).scalar()
    if gold is None:
        return None
    done = conn.execute(_DONE_IN_PROJECT, params).scalar_one()
    gold_done = conn.execute(_GOLD_DONE, params).scalar_one()
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
        conn, now = session.connection(), utcnow()
        conn.execute(_DROP_EXPIRED, {"now": now})  # expired leases hold nothing
        mine = list(conn.execute(_MY_LEASES, {"uid": user.id, "pid": project.id}).scalars())
        chosen = None
        for candidate in ([item_id] if item_id is not None else []) + mine:
            if _servable(conn, user.id, project, candidate, leased=candidate in mine, now=now):
                chosen = candidate
                break
        if chosen is None:
            regular = _next_regular(conn, user.id, project, now)
            chosen = regular and (_next_gold(conn, user.id, project) or regular)
        if chosen is None:
            if mine:
                conn.execute(_DROP_MINE, {"uid": user.id, "items": mine})
            return None
        _lease(conn, user.id, chosen, mine, now, now + timedelta(minutes=project.lease_minutes))
        item = fresh(session, Item, chosen)  # loaded before the commit: no read transaction is left open
    return item


def _lease(conn: Connection, user_id: int, item_id: int, mine: list[int], now: datetime,
           expires_at: datetime) -> None:
    """Lease ``item_id`` to the user until ``expires_at``, releasing their other leases in the project."""
    others = [i for i in mine if i != item_id]
    if others:
        conn.execute(_DROP_MINE, {"uid": user_id, "items": others})
    if item_id in mine:
        conn.execute(_RENEW, {"uid": user_id, "item": item_id, "now": expires_at})
    else:
        conn.execute(_ADD_LEASE, {"uid": user_id, "item": item_id, "now": expires_at, "created": now})


def release(*, session: Session, user: User, item_id: int) -> bool:
    """Give back ``user``'s lease on an item (it returns to the pool now); whether there was one."""
    user = _signed_in(user)
    if (item := session.get(Item, item_id)) is not None:
        require_project(session, user, session.get(Project, item.project_id))
    with writing(session):
        result = session.connection().execute(_DROP_MINE, {"uid": user.id, "items": [item_id]})
    return bool(result.rowcount)


def item_for(session: Session, user: User, item_id: int) -> Item:
    """Item ``item_id`` read afresh, when ``user`` may work on its project (``NotFound``, ``PermissionDenied``)."""
    item = fresh(session, Item, item_id)
    if item is None:
        raise NotFound(f"No item with id {item_id}")
    require_project(session, user, fresh(session, Project, item.project_id))
    return item


def skip(*, session: Session, user: User, item_id: int, reason: str | None = None) -> Skip:
    """``user`` skips an item: it is recorded, its lease released, and it does not come back to them until they
    un-skip it (``feedback.labeling.skips.unskip``)."""
    user = _signed_in(user)
    with writing(session):
        item = item_for(session, user, item_id)
        if session.exec(select(Annotation.id).where(Annotation.item_id == item_id,
                                                    Annotation.user_id == user.id)).first() is not None:
            raise InvalidAnswer(f"You have already answered item {item.external_id}; edit it under My answers")
        session.connection().execute(_DROP_MINE, {"uid": user.id, "items": [item_id]})
        record = session.exec(select(Skip).where(Skip.item_id == item_id, Skip.user_id == user.id)).first()
        if record is None:
            record = Skip(item_id=item_id, user_id=user.id, reason=(reason or "").strip() or None)
            session.add(record)
            session.flush()
    return record


def progress(*, session: Session, user: User, project: Project) -> Progress:
    """Answers ``user`` gave in the project (all, and today in UTC), and the regular items still open to them."""
    user = _signed_in(user)
    require_project(session, user, project)
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
    """Regular items open to the user: those under the overlap they want, less the ones they touched, less the
    ones others' leases fill (counted by subtraction, so no query walks the annotations of every item)."""
    under = (Item.project_id == project.id, Item.is_gold == false(),
             Item.n_annotations < project.overlap + Item.extra_overlap)
    conn, params = session.connection(), {"pid": project.id, "overlap": project.overlap}
    n_under, level = 0, conn.execute(_TOP_LEVEL, params).scalar()
    while level is not None:  # one index range per priority level
        n_under += conn.execute(_UNDER_AT_LEVEL, params | {"level": level}).scalar_one()
        level = conn.execute(_LOWER_LEVEL, params | {"level": level}).scalar()
    n_under += conn.execute(_OVER_BASE, params).scalar_one()  # sent back after reaching the overlap
    touched = union(select(Annotation.item_id.label("item_id")).where(Annotation.user_id == user_id),
                    select(Skip.item_id.label("item_id")).where(Skip.user_id == user_id)).subquery()
    n_touched = session.exec(select(func.count()).select_from(touched)
                             .join(Item, Item.id == touched.c.item_id).where(*under)).one()
    leased = select(Lease.item_id).where(Lease.user_id != user_id, Lease.expires_at > now)
    params = {"uid": user_id, "now": now}
    n_filled = conn.execute(select(func.count()).select_from(Item).where(
        *under, Item.id.in_(leased), ~_DONE, ~_SKIPPED,
        Item.n_annotations + _OTHERS_LEASES >= project.overlap + Item.extra_overlap),
        params).scalar_one()
    return max(n_under - n_touched - n_filled, 0)


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
