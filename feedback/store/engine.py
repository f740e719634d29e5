"""Engine factory, SQLite pragmas and schema creation (write transactions: ``feedback.store.transactions``).

SQLite facts this relies on (measured, see DESIGN.md): WAL + busy_timeout + BEGIN IMMEDIATE for
every write transaction gives zero "database is locked" errors under many concurrent annotators;
a deferred BEGIN that reads and then writes cannot be upgraded under WAL and fails.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

from feedback.store import tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from feedback.store.migrate import prepare

WRITE_OPTION = "feedback_write"  # execution option of a write transaction: BEGIN IMMEDIATE


def make_engine(url: str, *, pool_size: int = 20, echo: bool = False) -> Engine:
    """Create the engine for ``url``; SQLite gets WAL, a busy timeout, foreign keys and IMMEDIATE writes."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
    memory = parsed.database in (None, "", ":memory:")
    if not memory:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    kwargs: dict = {"connect_args": {"check_same_thread": False, "timeout": 30}}
    if memory:
        kwargs["poolclass"] = StaticPool
    else:
        kwargs.update(pool_size=pool_size, max_overflow=pool_size)
    engine = create_engine(url, echo=echo, **kwargs)
    _install_sqlite_hooks(engine, memory=memory)
    return engine


def _install_sqlite_hooks(engine: Engine, *, memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised through every test
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE_OPTION) else "BEGIN")


def create_schema(engine: Engine, *, upgrade: bool = True) -> None:
    """Make the database ready for this version of the app (``feedback.store.migrate.prepare``).

    An empty database gets every table; one made by an older version is upgraded in place by the migrations, or,
    with ``upgrade=False``, refused with ``FeedbackError`` naming ``feedback db upgrade``. A database made before
    migrations whose tables lack columns is refused naming them, instead of failing later in the middle of a page.
    """
    prepare(engine, upgrade=upgrade)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that is closed on exit; use-case functions commit it themselves."""
    with Session(engine, expire_on_commit=False) as session:
        yield session
