"""The importer's rows are made before each chunk's write transaction (``ImportWriter.stage``), which then only
fills in the ids the database gives and inserts them: the rows stored are the same as when made inside it, and the
values are stored as before (SQL NULL, JSON and timestamps alike)."""

import json
from datetime import datetime

from sqlalchemy import text
from sqlmodel import Session

from feedback.intake.importer import import_file
from feedback.intake.write import ImportWriter
from feedback.store.engine import create_schema, make_engine

LINES = [
    {"id": "one", "prompt": "Which is better?", "metadata": {"topic": "billing"},
     "candidates": [{"id": "a", "model": "m1", "output": "first"}, {"id": "b", "model": "m2", "output": ""}],
     "annotations": [{"annotator": "maria", "preference": "a", "ratings": {"a": {"helpfulness": 4}, "b": {}},
                      "flags": {"b": ["unsafe", "unsafe"]}, "shown_order": ["b", "a"], "time_spent_s": 3},
                     {"annotator": "sam", "preference": "tie", "rationale": " "}],
     "suggestions": [{"agent": "judge", "preference": "b", "score": 0.5}], "gold": {"preference": "a"}},
    {"messages": [{"role": "user", "content": "hi"}], "priority": 2,
     "candidates": [{"id": "a", "messages": [{"role": "assistant", "content": " "}]}, {"id": "b", "output": "x"},
                    {"id": "c", "output": "y", "version": "2"}],
     "annotations": [{"annotator": "maria", "ranking": {"a": 2, "b": 1, "c": 3}}]},
]
TABLES = ("item", "candidate", "annotation", "suggestion", "user")


def stored(tmp_path, name: str, *, staged: bool, monkeypatch) -> dict[str, list]:
    if not staged:
        monkeypatch.setattr(ImportWriter, "stage", lambda self, dialect, new: None)  # rows made in the transaction
    path = tmp_path / f"{name}.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in LINES * 3),
                    encoding="utf-8")
    engine = make_engine(f"sqlite:///{tmp_path / name}.db")
    create_schema(engine)
    with Session(engine, expire_on_commit=False) as session:
        import_file(session=session, user=None, project="p", path=tmp_path / f"{name}.jsonl", skip_invalid=True,
                    chunk_size=1)
    with engine.connect() as conn:
        found = {table: [tuple(row) for row in conn.execute(text(f'SELECT * FROM "{table}" ORDER BY id'))]
                 for table in TABLES}
    engine.dispose()
    monkeypatch.undo()
    return found


def test_rows_made_before_the_transaction_are_stored_as_rows_made_in_it(tmp_path, monkeypatch):
    before, inside = stored(tmp_path, "staged", staged=True, monkeypatch=monkeypatch), \
        stored(tmp_path, "inside", staged=False, monkeypatch=monkeypatch)
    timestamps = {row[-1] for row in before["item"]}  # each import's own time: the same in every row
    assert len(timestamps) == 1 and len({row[-1] for row in inside["item"]}) == 1
    normalise = {before["item"][0][-1]: "T", inside["item"][0][-1]: "T"}

    def same(rows):
        return [tuple(normalise.get(v, v) for v in row) for row in rows]

    for table in TABLES[:-1]:
        assert same(before[table]) == same(inside[table]), table
    assert [row[1] for row in before["user"]] == [row[1] for row in inside["user"]] == ["maria", "sam"]
    assert len(before["item"]) == 2 and len(before["annotation"]) == 3 and len(before["suggestion"]) == 1
    # the import's time, as sqlite3 writes an aware datetime (bound once now, at every row before): UTC, with its zone
    when = timestamps.pop()
    assert datetime.fromisoformat(when).isoformat(" ") == when and when.endswith("+00:00")


# What the importer stored before its rows were made ahead of the transaction (computed with that version)
EXPECTED = {
    "annotation": [(1, 1, "submitted", "a", None, "{}", '{"a": {"helpfulness": 4}}', '{"b": ["unsafe"]}', None, None,
                    '["b", "a"]', 3.0, 1),
                   (1, 2, "submitted", "tie", None, "{}", "{}", "{}", None, None, None, None, 0),
                   (2, 1, "submitted", None, '{"a": 2, "b": 1, "c": 3}', "{}", "{}", "{}", None, None, None, None,
                    None)],
    "candidate": [(1, "a", "m1", None, "first", None, "{}", 0), (1, "b", "m2", None, "", None, "{}", 1),
                  (2, "a", "", None, None, '[{"role": "assistant", "content": ""}]', "{}", 0),
                  (2, "b", "", None, "x", None, "{}", 1), (2, "c", "", "2", "y", None, "{}", 2)],
    "item": [("one", "Which is better?", None, '{"topic": "billing"}', 0, 0, 2, 1, '{"preference": "a"}'),
             ("h-618ab2eb4d9a12fd", None, '[{"role": "user", "content": "hi"}]', "{}", 1, 2, 1, 0, None)],
    "suggestion": [(1, "judge", "b", None, "{}", "{}", 0.5, None)],
}
COLUMNS = {
    "annotation": "item_id, user_id, status, preference, ranking, thumbs, ratings, flags, correction, rationale, "
                  "shown_order, time_spent_s, gold_correct",
    "candidate": "item_id, key, model, version, output, messages, meta, position",
    "item": "external_id, prompt, messages, meta, position, priority, n_annotations, is_gold, gold_answer",
    "suggestion": "item_id, agent, preference, ranking, ratings, flags, score, rationale",
}


def test_the_values_stored_are_those_stored_before(tmp_path):
    """Nulls, empty objects, duplicate flags, blank rationales, messages and gold verdicts, column by column."""
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in LINES), encoding="utf-8")
    engine = make_engine(f"sqlite:///{tmp_path / 'rows.db'}")
    create_schema(engine)
    with Session(engine) as session:
        import_file(session=session, user=None, project="p", path=path)
    with engine.connect() as conn:
        for table, columns in COLUMNS.items():
            assert [tuple(r) for r in conn.execute(text(f"SELECT {columns} FROM {table} ORDER BY id"))] \
                == EXPECTED[table], table
    engine.dispose()
