"""Import batches written in short transactions and made visible in one last step; unfinished ones removed.

A large import must neither hold the database's write lock for its whole write phase (every annotator's submit
would wait behind it) nor leave anything visible when it fails or its process is killed. So:

- The new items are written, a chunk per short write transaction, into a *staging project* made for the batch
  (``open_batch``): a restricted project that everything leaves out while its batch is not 'done'
  (``feedback.projects.projects.unfinished_imports``: project lists, look-ups by name, the project picker).
  Items, candidates and the annotations and suggestions that come with them hang off the staging project's
  items, so no query of a real project sees them.
- ``publish`` makes the batch visible. Into a new project the staging project simply becomes it (renamed,
  opened) in one transaction: a few rows, whatever the batch's size. Into an existing project the batch's items
  move with ``UPDATE item SET project_id, position``, about 20 µs an item (five indexes hold the project): up to
  ``PUBLISH_CHUNK`` items in the one last transaction. A larger batch would hold the write lock for seconds, so
  its last transaction checks it fits (no item of it was added to the project meanwhile), writes the labels
  it adds to stored items and marks it 'publishing'; its items then move ``PUBLISH_CHUNK`` per transaction, and
  appear in the project over those few seconds. From the mark on the batch is kept whatever happens: a
  publishing batch whose process died is finished, not removed, by the next import (``discard_unfinished``),
  and no other import publishes into that project until it is done (so nothing can collide with it).
- ``discard`` removes a batch that will not finish, a chunk of items per transaction. ``discard_unfinished`` (run
  by every import before it starts) finds the batches nobody is writing any more: owned (``owner``: host and
  pid) by this process but by none of its running imports, by a process of this host that has ended, or, from
  another host, silent (``heartbeat_at``) for ``STALE_AFTER``.
"""

import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Table, delete, exists, func, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, SQLModel

from feedback.errors import FeedbackError
from feedback.projects.projects import BATCH_DONE, add_project, find_project
from feedback.store.tables import Annotation, ImportBatch, Item, Project, User, utcnow
from feedback.store.transactions import fresh, writing

LOADING, PUBLISHING, DISCARDING = "loading", "publishing", "discarding"
PUBLISH_CHUNK = 10_000  # items moved into an existing project per transaction (~0.2 s of write lock)
STALE_AFTER = timedelta(minutes=10)
DELETE_CHUNK = 1000  # items removed per transaction
HOST = socket.gethostname()

_ACTIVE: set[int] = set()  # the batches this process's imports are writing
_ACTIVE_LOCK = threading.Lock()


class ImportInterrupted(FeedbackError):
    """The batch was removed while it was being written (another import took it for a killed one)."""


def _owner() -> str:
    return f"{HOST} {os.getpid()}"


def open_batch(session: Session, *, filename: str, overlap: int, created_by: int | None, now: datetime) -> ImportBatch:
    """A new loading batch and its staging project (its own short transaction); this process writes it."""
    with writing(session):
        staging = add_project(session, name=f"importing {uuid.uuid4().hex}", overlap=overlap)
        staging.restricted = True
        batch = ImportBatch(project_id=staging.id, filename=filename, sha256="", state=LOADING, owner=_owner(),
                            heartbeat_at=now, created_by=created_by, created_at=now)
        session.add_all([staging, batch])
        session.flush()
        with _ACTIVE_LOCK:  # before the commit: no other import of this process may take it for a killed one
            _ACTIVE.add(batch.id)
    return batch


def release(batch_id: int) -> None:
    """This process no longer writes the batch (published, discarded, or left for the next import to remove)."""
    with _ACTIVE_LOCK:
        _ACTIVE.discard(batch_id)


def keep_alive(session: Session, batch_id: int) -> None:
    """In a chunk's write transaction: note that the batch is being written, or stop if it was removed."""
    done = session.execute(update(ImportBatch).where(ImportBatch.id == batch_id, ImportBatch.state == LOADING)
                           .values(heartbeat_at=utcnow()).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise ImportInterrupted(f"Import batch {batch_id} was removed while it was being written (another import "
                                "took it for an interrupted one); nothing was imported: import the file again")


def publish(session: Session, batch_id: int, *, target_id: int | None, name: str,
            last_step: Callable[[ImportBatch], None], chunk: int = PUBLISH_CHUNK) -> ImportBatch:
    """Make the batch's items part of the project (``target_id``, or a new one called ``name``) and the batch
    'done'. ``last_step(batch)`` runs in the last transaction that can still refuse the import (it writes the
    labels on stored items and the batch's counts); a refusal there (e.g. ``IntegrityError``) leaves the batch
    loading, for the caller to discard."""
    with writing(session):
        keep_alive(session, batch_id)
        batch = fresh(session, ImportBatch, batch_id)
        staging = fresh(session, Project, batch.project_id)
        if target_id is None:
            taken = find_project(session, name)
            if taken is None:  # the usual case: the staging project becomes the new project
                staging.name, staging.restricted = name, False
                batch.state = BATCH_DONE
                session.add_all([staging, batch])
                last_step(batch)
                session.flush()
                return batch
            target_id = taken.id  # another import made the project meanwhile: join it
        _refuse_if_publishing(session, target_id, name)
        last = session.execute(select(func.max(Item.position)).where(Item.project_id == target_id)).scalar()
        batch.target_project_id, batch.position_offset = target_id, 0 if last is None else last + 1
        big = session.execute(select(func.count()).select_from(
            select(Item.id).where(Item.batch_id == batch_id).limit(chunk + 1).subquery())).scalar() > chunk
        if big:
            _refuse_collisions(session, batch_id, target_id, name)
        batch.state = PUBLISHING
        session.add(batch)
        last_step(batch)
        session.flush()
        if not big:
            _move(session, batch, chunk=None)
            return batch
    release(batch_id)  # from here on the batch is kept: an interrupted publish is finished by the next import
    return finish_publishing(session, batch_id, chunk=chunk)


def finish_publishing(session: Session, batch_id: int, *, chunk: int = PUBLISH_CHUNK) -> ImportBatch:
    """Move a publishing batch's items into its project, ``chunk`` per transaction, then mark it 'done'."""
    while True:
        with writing(session):
            batch = fresh(session, ImportBatch, batch_id)
            if batch.state == BATCH_DONE or _move(session, batch, chunk=chunk):
                return batch


def _move(session: Session, batch: ImportBatch, *, chunk: int | None) -> bool:
    """Move up to ``chunk`` (None: all) of the publishing batch's items still in its staging project into its
    project; once none is left, the batch is 'done' and the staging project gone. Whether it is done."""
    which = [Item.batch_id == batch.id, Item.project_id == batch.project_id]
    if chunk is not None:
        ids = list(session.execute(select(Item.id).where(*which).limit(chunk)).scalars())
        which = [Item.id.in_(ids)]
    moved = session.execute(update(Item).where(*which)
                            .values(project_id=batch.target_project_id, position=Item.position + batch.position_offset)
                            .execution_options(synchronize_session=False)).rowcount
    if chunk is not None and moved == chunk:
        return False
    staging_id = batch.project_id
    batch.project_id, batch.state = batch.target_project_id, BATCH_DONE
    batch.target_project_id = batch.position_offset = None
    session.add(batch)
    session.flush()
    _delete_rows(session, Project.__table__, [staging_id])
    return True


def _refuse_if_publishing(session: Session, target_id: int, name: str) -> None:
    """Two large publishes into one project at once could collide half-way: the second waits its turn."""
    if session.execute(select(ImportBatch.id).where(ImportBatch.state == PUBLISHING,
                                                    ImportBatch.target_project_id == target_id)).first():
        raise FeedbackError(f"Another import is being added to project {name!r} right now; nothing was imported: "
                            "import the file again in a minute (what is there by then is skipped)")


def _refuse_collisions(session: Session, batch_id: int, target_id: int, name: str) -> None:
    """A large batch moves in several transactions: it must not collide half-way with items that another import
    added to the project after this one checked them."""
    staged, stored = aliased(Item), aliased(Item)
    for column in ("external_id", "content_hash"):  # each through its unique index on (project_id, column)
        if session.execute(select(stored.id).join(staged, getattr(staged, column) == getattr(stored, column))
                           .where(staged.batch_id == batch_id, stored.project_id == target_id).limit(1)).first():
            raise IntegrityError(f"an item of the batch has the {column} of one imported meanwhile", None,
                                 Exception(name))


def discard(session: Session, batch_id: int, *, chunk: int = DELETE_CHUNK) -> None:
    """Remove a batch that is not done, its staging project, its rows, and the users only it had made (each
    ``chunk`` of items in its own short write transaction)."""
    with writing(session):
        batch = fresh(session, ImportBatch, batch_id)
        if batch is None or batch.state in (BATCH_DONE, PUBLISHING):  # a publishing batch is finished instead
            return
        batch.state, created_at = DISCARDING, batch.created_at
        session.add(batch)
    users: set[int] = set()
    while True:
        with writing(session):
            ids = list(session.execute(select(Item.id).where(Item.batch_id == batch_id).limit(chunk)).scalars())
            users.update(session.execute(select(Annotation.user_id).where(Annotation.item_id.in_(ids))).scalars())
            _delete_rows(session, Item.__table__, ids)
        if not ids:
            break
    with writing(session):
        batch = fresh(session, ImportBatch, batch_id)
        if batch is not None:
            _delete_rows(session, Project.__table__, [batch.project_id])
        _delete_unused_users(session, users, created_at)
    release(batch_id)


def discard_unfinished(session: Session) -> list[int]:
    """Remove every loading batch that nobody is writing any more, and finish every such publishing one (see the
    module's notes); returns the ids of those removed."""
    rows = session.execute(select(ImportBatch.id, ImportBatch.owner, ImportBatch.heartbeat_at, ImportBatch.state)
                           .where(ImportBatch.state != BATCH_DONE).order_by(ImportBatch.id)).all()
    session.commit()  # end the read: discarding writes, a chunk at a time
    gone = []
    for batch_id, owner, beat, state in rows:
        if state == PUBLISHING:
            if _abandoned(batch_id, owner, beat):
                finish_publishing(session, batch_id)
        elif _abandoned(batch_id, owner, beat):
            discard(session, batch_id)
            gone.append(batch_id)
    return gone


def _abandoned(batch_id: int, owner: str | None, heartbeat_at: datetime | None) -> bool:
    host, _, pid = (owner or "").rpartition(" ")
    if host == HOST and pid.isdigit():
        if int(pid) == os.getpid():
            with _ACTIVE_LOCK:
                return batch_id not in _ACTIVE
        return not _running(int(pid))
    if heartbeat_at is None:
        return True
    if heartbeat_at.tzinfo is None:
        heartbeat_at = heartbeat_at.replace(tzinfo=UTC)
    return utcnow() - heartbeat_at > STALE_AFTER


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _children(table: Table) -> list[tuple[Table, str]]:
    """(table, column) of every foreign key that points at ``table``'s id, from the tables' own definitions."""
    return [(child, fk.parent.name) for child in SQLModel.metadata.sorted_tables for fk in child.foreign_keys
            if fk.column.table is table and fk.column.name == "id" and child is not table]


def _delete_rows(session: Session, table: Table, ids: Iterable[int]) -> None:
    """Delete the rows of ``table`` with these ids and, first, every row that points at them (at any depth)."""
    ids = list(ids)
    if not ids:
        return
    for child, column in _children(table):
        if _children(child):
            _delete_rows(session, child, session.execute(select(child.c.id).where(child.c[column].in_(ids))).scalars())
        else:
            session.execute(delete(child).where(child.c[column].in_(ids)))
            _forget(session, child, column, ids)
    session.execute(delete(table).where(table.c.id.in_(ids)))
    _forget(session, table, "id", ids)


def _forget(session: Session, table: Table, column: str, values: list[int]) -> None:
    """Take the session's copies of deleted rows out of it (their ids may be given to new rows); a copy whose
    ``column`` is not loaded (expired by a rollback) goes too, without reading it."""
    wanted = set(values)
    for obj in list(session.identity_map.values()):
        if getattr(type(obj), "__table__", None) is table and inspect(obj).dict.get(column, values[0]) in wanted:
            session.expunge(obj)


def _delete_unused_users(session: Session, user_ids: set[int], since: datetime) -> None:
    """The users among ``user_ids`` that an import made (no password) since ``since`` and nothing refers to."""
    if not user_ids:
        return
    unused = [~exists().where(child.c[column] == User.id) for child, column in _children(User.__table__)]
    gone = list(session.execute(select(User.id).where(User.id.in_(sorted(user_ids)), User.password_hash.is_(None),
                                                      User.created_at >= since, *unused)).scalars())
    if gone:
        session.execute(delete(User).where(User.id.in_(gone)).execution_options(synchronize_session=False))
        _forget(session, User.__table__, "id", gone)
