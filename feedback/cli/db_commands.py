"""`feedback db ...`: the database's schema revision: upgrade it, say where it stands, list the revisions.

These commands open the database without preparing it first (``FEEDBACK_AUTO_UPGRADE`` does not apply):
``feedback db upgrade`` is how a database the app refused at start gets upgraded. Read-only commands do not
create a SQLite file that is not there.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from feedback.store import migrate
from feedback.store.engine import make_engine
from feedback.store.migrations.autogen import new_revision


@contextmanager
def _engine(settings) -> Iterator[Engine]:
    engine = make_engine(settings.database_url, pool_size=settings.pool_size)
    try:
        yield engine
    finally:
        engine.dispose()


def _missing_file(url: str) -> Path | None:
    """The SQLite file ``url`` names, if it does not exist yet."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(parsed.database)
    return None if path.exists() else path


def _was(status: migrate.Status) -> str:
    return "a database made before schema migrations" if status.state == migrate.UNVERSIONED else status.revision


def cmd_upgrade(args, settings) -> int:
    with _engine(settings) as engine:
        done = migrate.upgrade(engine)
    if done.before.state == migrate.EMPTY:
        print(f"The database was empty: created its tables at revision {done.after}.")
    elif done.before.state == migrate.CURRENT:
        print(f"Already at the newest revision, {done.after}: nothing to do.")
    else:
        print(f"Upgraded from {_was(done.before)} to {done.after}.")
    return 0


def cmd_current(args, settings) -> int:
    missing = _missing_file(settings.database_url)
    if missing:
        print(f"No database at {missing} yet: the app and every other command create it.")
        return 0
    with _engine(settings) as engine:
        status = migrate.status(engine)
    newest = migrate.head()
    print({
        migrate.EMPTY: "The database is empty: no tables yet (the app and every other command create them).",
        migrate.UNVERSIONED: "The database was made before schema migrations (it records no revision): "
        f"`feedback db upgrade` adopts it as {migrate.BASELINE} and upgrades it to {newest}.",
        migrate.BEHIND: f"{status.revision} (the newest is {newest}: run `feedback db upgrade`)",
        migrate.CURRENT: f"{status.revision} (the newest)",
        migrate.UNKNOWN: f"{status.revision} (unknown to this version of the app: a newer version made it)",
    }[status.state])
    return 0


def cmd_history(args, settings) -> int:
    status = None
    if not _missing_file(settings.database_url):
        with _engine(settings) as engine:
            status = migrate.status(engine)
    for revision in migrate.history():
        mark = "  <- the database" if status and revision.id == status.revision else ""
        print(f"{revision.id}  {revision.message}{mark}")
    if status is None or status.revision is None:
        print("(the database records no revision: it is empty, made before migrations, or not created yet)")
    return 0


def cmd_revision(args, settings) -> int:
    path = new_revision(message=args.message)
    print(f"Wrote {path}: read it, fix what autogenerate cannot know (renames, data), then test it.")
    return 0
