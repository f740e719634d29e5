"""Engine factory, SQLite pragmas, write transactions and schema creation.

SQLite facts this relies on (measured, see DESIGN.md): WAL + busy_timeout + BEGIN IMMEDIATE for
every write transaction gives zero "database is locked" errors under many concurrent annotators;
a deferred BEGIN that reads and then writes cannot be upgraded under WAL and fails.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, create_engine

from feedback import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from feedback.errors import FeedbackError

_WRITE = "feedback_write"


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
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")


def begin_write(session: Session) -> None:
    """Start the session's transaction as a write transaction (``BEGIN IMMEDIATE`` on SQLite).

    Call it first in every use case that writes: a read followed by a write inside a deferred
    transaction fails under concurrent writers. A read transaction still open on the session (from
    earlier reads, with no pending changes) is ended first.
    """
    if session.in_transaction():
        if session.connection().get_execution_options().get(_WRITE):
            return
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_write() called with unsaved changes in a read transaction")
        session.commit()
    session.connection(execution_options={_WRITE: True})


def create_schema(engine: Engine) -> None:
    """Create every table and index that does not exist yet; refuse a database whose tables lack columns.

    A database made by an older version of the app is refused with ``FeedbackError`` naming the missing
    columns, instead of failing later in the middle of a page.
    """
    SQLModel.metadata.create_all(engine)
    stored = inspect(engine)
    missing = [f"{table.name}.{column.name}" for table in SQLModel.metadata.sorted_tables
               for column in table.columns
               if column.name not in {c["name"] for c in stored.get_columns(table.name)}]
    if missing:
        raise FeedbackError(
            f"The database {engine.url.render_as_string(hide_password=True)} was made by an older version of "
            f"this app: it lacks the columns {', '.join(missing)}. Export what you need with that version, "
            "then move the database aside (make run creates a new one)."
        )
    for table in SQLModel.metadata.sorted_tables:  # indexes added to tables that already existed
        for index in table.indexes:
            index.create(engine, checkfirst=True)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that is closed on exit; use-case functions commit it themselves."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


def _driver_chunks(session: Session, stmt, names: list[str], size: int) -> Iterator[dict[str, list]]:
    """Run ``stmt`` (a Core select) in the session's transaction straight on the driver's cursor and yield
    its rows ``size`` at a time, column by column, values as the driver gives them."""
    connection = session.connection()
    compiled = stmt.compile(dialect=connection.dialect)
    params = compiled.construct_params()
    if compiled.positional:
        params = tuple(params[key] for key in compiled.positiontup)
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(str(compiled), params)
        while rows := cursor.fetchmany(size):
            if len(rows[0]) != len(names):
                raise ValueError(f"{len(names)} column names for {len(rows[0])} columns")
            yield dict(zip(names, map(list, zip(*rows))))
    finally:
        cursor.close()


def _empty(names: list[str]) -> dict[str, pd.Series]:
    return {name: pd.Series([], dtype=object) for name in names}  # as pd.DataFrame([], columns=names)


def fetch_columns(session: Session, stmt, names: list[str]) -> dict[str, list]:
    """``stmt``'s result column by column, read straight from the driver's cursor, values as the driver gives
    them (no SQLAlchemy type conversion: JSON is text and times are ISO text on SQLite; booleans are 0/1). For
    loaders of a million rows, where SQLAlchemy's per-row and per-value work costs several times the query."""
    columns: dict[str, list] = {}
    for chunk in _driver_chunks(session, stmt, names, 50_000):  # the rows never all exist as tuples at once
        for name, values in chunk.items():
            columns.setdefault(name, []).extend(values)
    return columns or _empty(names)


def fetch_frame(session: Session, stmt, names: list[str], prepare=None, chunk: int = 100_000) -> pd.DataFrame:
    """``stmt``'s result as a DataFrame, read like ``fetch_columns`` a chunk of rows at a time, each chunk
    turned into a frame (through ``prepare(columns) -> columns`` first, e.g. to decode JSON) before the next is
    read: the peak memory is the frame plus one chunk of Python objects, not every row as objects at once."""
    parts = [pd.DataFrame(prepare(columns) if prepare else columns, columns=names)
             for columns in _driver_chunks(session, stmt, names, chunk)]
    if not parts:
        return pd.DataFrame(prepare(_empty(names)) if prepare else _empty(names), columns=names)
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
