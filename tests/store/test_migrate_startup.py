"""At start, a database already at the newest revision is recognised by one read, without Alembic and without a
write transaction; anything else (empty, behind, an index missing, a revision unknown) takes the full path."""

import sqlite3

from sqlalchemy import text

from feedback.store import migrate
from feedback.store.engine import create_schema, make_engine


def test_the_newest_revision_read_from_the_files_is_alembics_head():
    assert migrate.head_without_alembic() == migrate.head()


def test_an_up_to_date_database_is_recognised_while_another_connection_holds_the_write_lock(tmp_path):
    path = tmp_path / "app.db"
    engine = make_engine(f"sqlite:///{path}")
    create_schema(engine)
    other = sqlite3.connect(path, timeout=0)
    other.execute("BEGIN IMMEDIATE")  # a long import, say: start-up must not wait for it (it used to, 30 s)
    try:
        done = migrate.prepare(make_engine(f"sqlite:///{path}?timeout=0"), upgrade=False)
    finally:
        other.rollback()
        other.close()
    assert done == migrate.Upgrade(before=migrate.Status(migrate.CURRENT, migrate.head()), after=migrate.head())
    engine.dispose()


def test_a_missing_index_or_an_older_revision_takes_the_full_path(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'app.db'}")
    create_schema(engine)
    assert migrate._current_without_alembic(engine) is not None
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_item_queue"))
    assert migrate._current_without_alembic(engine) is None
    create_schema(engine)  # puts it back
    assert migrate._current_without_alembic(engine) is not None
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0005_drafts'"))
    assert migrate._current_without_alembic(engine) is None
    engine.dispose()


def test_an_empty_or_in_memory_database_takes_the_full_path():
    engine = make_engine("sqlite://")
    assert migrate._current_without_alembic(engine) is None
    create_schema(engine)
    assert migrate.current(engine) == migrate.head()
    engine.dispose()
