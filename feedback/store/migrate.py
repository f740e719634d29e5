"""Schema migrations (Alembic): bring a database to the schema this version of the app needs, or say why not.

The revisions are ``migrations/versions/``, each a diff against the one before; ``0001_baseline`` is the schema
of the last version before migrations. At start, ``prepare`` gives an empty database every table at once
(``create_all``, then records the newest revision; a test checks the migrations from nothing give the same);
adopts a database made before migrations (no ``alembic_version``) once its tables have the baseline's columns;
upgrades one behind the newest revision, or, when asked not to, refuses naming ``feedback db upgrade``; and
refuses a revision it does not know (a newer version of the app made the database). An upgrade is one
transaction (``BEGIN IMMEDIATE``; SQLite's DDL is transactional), on SQLite with foreign keys off while tables
are rebuilt and checked before the commit: a failure anywhere leaves the database as it was.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, inspect
from sqlmodel import SQLModel

from feedback.errors import FeedbackError
from feedback.store import tables  # noqa: F401  (registers the tables on SQLModel.metadata)

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

# Alembic is imported only when a database is not at the newest revision, or by the ``feedback db`` commands: a
# database already current is recognised by one read (``_current_without_alembic``), 0.1 s less per command.

MIGRATIONS = Path(__file__).with_name("migrations")
BASELINE = "0001_baseline"
EMPTY, UNVERSIONED, BEHIND, CURRENT, UNKNOWN = "empty", "unversioned", "behind", "current", "unknown"
_WRITE = {"feedback_write": True}  # engine.WRITE_OPTION (BEGIN IMMEDIATE); not imported: engine imports this module


@dataclass(frozen=True)
class Status:
    """Where a database stands: ``state`` is EMPTY, UNVERSIONED (made before migrations), BEHIND, CURRENT or
    UNKNOWN (a revision this version does not know); ``revision`` is the one it records (None: none)."""

    state: str
    revision: str | None


@dataclass(frozen=True)
class Upgrade:
    """What ``prepare`` or ``upgrade`` found (``before``) and the revision the database is at now (``after``)."""

    before: Status
    after: str


@dataclass(frozen=True)
class Revision:
    """One revision: its id, the one it follows (None for the first) and the first line of its docstring."""

    id: str
    down_revision: str | None
    message: str


def alembic_config(*, versions: Sequence[Path] = ()) -> Config:
    """Alembic's configuration, built in code: the package's migrations, plus more ``versions`` folders (tests)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))  # options are interpolated
    config.set_main_option("file_template", "%%(rev)s")
    if versions:
        for option in ("path_separator", "version_path_separator"):  # Alembic >= 1.16; before
            config.set_main_option(option, "os")
        folders = [MIGRATIONS / "versions", *versions]
        config.set_main_option("version_locations", os.pathsep.join(str(f).replace("%", "%%") for f in folders))
    return config


def prepare(engine: Engine, *, upgrade: bool, config: Config | None = None) -> Upgrade:
    """Make the database ready for this version of the app, at start (the cases: this module's docstring); with
    ``upgrade=False`` one behind is refused (``FeedbackError`` naming ``feedback db upgrade``), not upgraded."""
    if config is None:
        found = _current_without_alembic(engine)
        if found is not None:
            return Upgrade(before=found, after=found.revision)
    return _bring(engine, target="head", allow=upgrade, config=config)


def upgrade(engine: Engine, *, revision: str = "head", config: Config | None = None) -> Upgrade:
    """Upgrade the database to ``revision`` (default: the newest) in one transaction, whatever its state."""
    return _bring(engine, target=revision, allow=True, config=config)


def status(engine: Engine, *, config: Config | None = None) -> Status:
    """Where the database stands compared with the newest revision; changes nothing."""
    script = _script(config)
    with engine.connect() as conn:
        return _status(conn, script, script.get_current_head())


def current(engine: Engine) -> str | None:
    """The revision the database records; None when it has none (empty, or made before migrations)."""
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head(*, config: Config | None = None) -> str:
    """The newest revision: the schema this version of the app needs."""
    return _script(config).get_current_head()


def history(*, config: Config | None = None) -> list[Revision]:
    """Every revision, newest first."""
    return [Revision(id=s.revision, down_revision=s.down_revision, message=s.doc)
            for s in _script(config).walk_revisions()]


def _bring(engine: Engine, *, target: str, allow: bool, config: Config | None) -> Upgrade:
    from alembic.migration import MigrationContext

    script = _script(config)
    target = _resolve(script, target)
    with _transaction(engine) as conn:
        found = _status(conn, script, target)
        _refuse(found, conn, _name(engine), target=target, allow=allow)
        if found.state == EMPTY and target == head():
            SQLModel.metadata.create_all(conn, checkfirst=False)
            MigrationContext.configure(conn).stamp(script, target)
        elif found.state == CURRENT and target == head():
            _add_missing_indexes(conn)
        elif found.state != CURRENT:
            run_migrations(conn, config or alembic_config(), target)
            _check_foreign_keys(conn)
    return Upgrade(before=found, after=target)


def _refuse(found: Status, conn: Connection, name: str, *, target: str, allow: bool) -> None:
    """``FeedbackError`` for a database not to touch: a newer version's, one made before migrations whose tables
    lack columns, one behind ``target`` when upgrading is not allowed."""
    if found.state == UNKNOWN:
        raise FeedbackError(
            f"The database {name} is at schema revision {found.revision}, which this version of the app does not "
            "know: a newer version made or upgraded it. Open it with that version, or restore a backup taken "
            "before the upgrade.")
    if found.state == UNVERSIONED:
        _check_baseline(conn, name)
    if not allow and found.state in (UNVERSIONED, BEHIND):
        was = "was made before schema migrations" if found.revision is None else \
            f"is at schema revision {found.revision}"
        raise FeedbackError(
            f"The database {name} {was}; this version of the app needs revision {target}. Back it up, then run "
            "`feedback db upgrade` (or set FEEDBACK_AUTO_UPGRADE=true to upgrade at start).")


@contextmanager
def _transaction(engine: Engine) -> Iterator[Connection]:
    """One write transaction. On SQLite, foreign keys are off inside it, as SQLite's recipe for changing a table
    asks (a rebuilt table is dropped while others point at it); the pragma must be set before ``BEGIN``."""
    with engine.connect() as conn:
        raw = conn.connection.driver_connection if conn.dialect.name == "sqlite" else None
        keys = raw.execute("PRAGMA foreign_keys").fetchone()[0] if raw else 0
        if raw:
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.execution_options(**_WRITE).begin():
                yield conn
        finally:
            if raw:
                raw.execute(f"PRAGMA foreign_keys={'ON' if keys else 'OFF'}")


def _status(conn: Connection, script: ScriptDirectory, target: str) -> Status:
    from alembic.migration import MigrationContext

    names = set(inspect(conn).get_table_names())
    revision = MigrationContext.configure(conn).get_current_revision() if "alembic_version" in names else None
    if revision is None:
        return Status(UNVERSIONED if names & set(SQLModel.metadata.tables) else EMPTY, None)
    if not _known(script, revision):
        return Status(UNKNOWN, revision)
    return Status(CURRENT if revision == target else BEHIND, revision)


def run_migrations(conn: Connection, config: Config, target: str) -> None:
    """Run Alembic's upgrade to ``target`` on ``conn``, inside the caller's transaction (no shortcut, no checks)."""
    from alembic import command
    from alembic.util import CommandError

    config.attributes["connection"] = conn  # env.py runs the migrations on it
    try:
        command.upgrade(config, target)
    except CommandError as e:
        raise FeedbackError(f"Cannot upgrade the database to {target}: {e}") from None
    finally:
        config.attributes.pop("connection", None)


def _check_baseline(conn: Connection, name: str) -> None:
    """A database made before migrations is adopted as ``0001_baseline`` only if its tables have its columns."""
    stored = inspect(conn)
    present = set(stored.get_table_names())
    missing = [f"{table}.{column}" for table, columns in _baseline_columns().items() if table in present
               for column in columns if column not in {c["name"] for c in stored.get_columns(table)}]
    if missing:
        raise FeedbackError(
            f"The database {name} was made by an older version of this app: it lacks the columns "
            f"{', '.join(missing)}. Export what you need with that version, then move the database aside "
            "(make run creates a new one).")


@cache
def _baseline_columns() -> dict[str, tuple[str, ...]]:
    """Each table of ``0001_baseline`` and its columns, read from a scratch database migrated to it."""
    with create_engine("sqlite://").begin() as conn:
        run_migrations(conn, alembic_config(), BASELINE)
        stored = inspect(conn)
        return {table: tuple(c["name"] for c in stored.get_columns(table))
                for table in stored.get_table_names() if table != "alembic_version"}


def _add_missing_indexes(conn: Connection) -> None:
    """Indexes dropped by hand come back (the tables, at the newest revision, are those of ``tables.py``)."""
    stored = inspect(conn)
    for table in SQLModel.metadata.sorted_tables:
        present = {index["name"] for index in stored.get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in present:
                index.create(conn)


def _check_foreign_keys(conn: Connection) -> None:
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() if conn.dialect.name == "sqlite" else []
    if broken:
        table, row, parent, _ = broken[0]
        raise FeedbackError(f"The upgrade would leave {len(broken)} rows pointing at rows that do not exist (the "
                            f"first: {table} row {row} -> {parent}); nothing was changed.")


@cache
def _package_script() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def _script(config: Config | None) -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return _package_script() if config is None else ScriptDirectory.from_config(config)


def _known(script: ScriptDirectory, revision: str) -> bool:
    from alembic.util import CommandError

    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


def _resolve(script: ScriptDirectory, revision: str) -> str:
    if revision != "head" and not _known(script, revision):
        raise FeedbackError(f"No revision {revision!r}: `feedback db history` lists them.")
    return script.get_current_head() if revision == "head" else revision


def _name(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)



_ASSIGNED = re.compile(r"""^(revision|down_revision)\s*(?::[^=]*)?=\s*(?:["']([^"']+)["']|None)\s*$""", re.MULTILINE)


@cache
def head_without_alembic() -> str | None:
    """The newest revision of the package's migrations, read from the ``revision = "..."`` and ``down_revision =
    "..."`` lines of ``versions/*.py`` (a test checks it is Alembic's head); None when they do not make one chain."""
    follows: dict[str, str | None] = {}
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = {m[1]: m[2] or None for m in _ASSIGNED.finditer(path.read_text(encoding="utf-8"))}
        if found.get("revision"):
            follows[found["revision"]] = found.get("down_revision")
    heads = set(follows) - set(follows.values())
    return heads.pop() if len(heads) == 1 else None


def _current_without_alembic(engine: Engine) -> Status | None:
    """``Status(CURRENT, head)`` when a SQLite database records the newest revision and has every index of
    ``tables.py``, read in one deferred transaction without importing Alembic; None for anything else (the full
    check in ``_bring`` decides, in a write transaction)."""
    target = head_without_alembic()
    if engine.dialect.name != "sqlite" or target is None:
        return None
    with engine.connect() as conn:
        schema = set(conn.exec_driver_sql("SELECT type, tbl_name, name FROM sqlite_master").all())
        if ("table", "alembic_version", "alembic_version") not in schema:
            return None
        if conn.exec_driver_sql("SELECT version_num FROM alembic_version").all() != [(target,)]:
            return None
    wanted = {("index", table.name, index.name) for table in SQLModel.metadata.sorted_tables
              for index in table.indexes}
    return Status(CURRENT, target) if wanted <= schema else None
