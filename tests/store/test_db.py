"""Schema creation on a database that already exists."""

import pytest
from sqlalchemy import inspect, text

from feedback.errors import FeedbackError
from feedback.store.engine import create_schema, make_engine


def test_a_database_from_an_older_version_is_refused_naming_the_missing_columns(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE item (id INTEGER PRIMARY KEY, project_id INTEGER, external_id TEXT)"))
    with pytest.raises(FeedbackError, match=r"older version of this app: it lacks the columns .*item\.priority"):
        create_schema(engine)
    engine.dispose()


def test_missing_indexes_are_added_to_existing_tables(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'app.db'}")
    create_schema(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_item_queue"))
    create_schema(engine)
    assert "ix_item_queue" in {i["name"] for i in inspect(engine).get_indexes("item")}
    create_schema(engine)  # and again: nothing to do
    engine.dispose()
