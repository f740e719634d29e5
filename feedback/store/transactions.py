"""Write transactions: every use case that writes runs in one ``writing(session)`` block.

SQLite lets one writer in at a time. A write transaction starts with ``BEGIN IMMEDIATE`` (a deferred
transaction that reads, then writes, cannot be upgraded under WAL and fails under concurrent writers), and
threads of one process queue for it on a fair lock instead of SQLite's polling busy handler.
"""

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from sqlmodel import Session

from feedback.store.engine import WRITE_OPTION


def begin_write(session: Session) -> None:
    """Start the session's transaction as a write transaction (``BEGIN IMMEDIATE`` on SQLite).

    Call it first in every use case that writes: a read followed by a write inside a deferred
    transaction fails under concurrent writers. A read transaction still open on the session (from
    earlier reads, with no pending changes) is ended first.
    """
    if session.in_transaction():
        if session.connection().get_execution_options().get(WRITE_OPTION):
            return
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_write() called with unsaved changes in a read transaction")
        session.commit()
    session.connection(execution_options={WRITE_OPTION: True})


_WRITE_LOCKS: "weakref.WeakKeyDictionary[object, threading.RLock]" = weakref.WeakKeyDictionary()
_WRITE_LOCKS_GUARD = threading.Lock()


def _write_lock(session: Session):
    """A lock per SQLite engine that queues this process's write transactions in arrival order.

    SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps and polls (up
    to 100 ms a turn) and is not fair, so under 50 concurrent annotators some would wait seconds. Threads
    of one process queue here instead; other processes still wait in the busy handler.
    """
    engine = session.get_bind()
    if engine.dialect.name != "sqlite":
        return nullcontext()
    with _WRITE_LOCKS_GUARD:
        lock = _WRITE_LOCKS.get(engine)
        if lock is None:
            lock = _WRITE_LOCKS[engine] = threading.RLock()
    return lock


def _writing_already(session: Session) -> bool:
    return session.in_transaction() and bool(session.connection().get_execution_options().get(WRITE_OPTION))


@contextmanager
def writing(session: Session) -> Iterator[None]:
    """The use case's one write transaction: ``BEGIN IMMEDIATE``, commit on success, roll back on any error
    (so a refused request never keeps the database's write lock)."""
    nested = _writing_already(session)
    if not nested and session.in_transaction() and not (session.new or session.dirty or session.deleted):
        session.commit()  # end a read transaction first: never hold a pooled connection while queueing
    with nullcontext() if nested else _write_lock(session):
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
