"""Bulk inserts for the importer: rows for items, candidates, annotations and suggestions, in batches.

Ids are assigned here from ``max(id) + 1``, which is safe because the caller holds the write lock
(``begin_write``: ``BEGIN IMMEDIATE`` on SQLite) for the whole transaction. Values go through each
column type's own bind processor (so they are stored exactly as the ORM stores them), converted once
per distinct constant, and are sent with the driver's ``executemany``.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select
from sqlmodel import Session

from feedback.intake.records import ParsedAnnotation, ParsedItem, ParsedSuggestion, is_empty
from feedback.projects.gold import gold_verdict
from feedback.store.tables import Annotation, Candidate, Item, Suggestion

INSERT_CHUNK = 5000  # rows per executemany


class _Bulk:
    """Pending rows of one table and the prepared statement that writes them."""

    def __init__(self, conn: Connection, table: Table, columns: list[str]):
        self.conn = conn
        compiled = insert(table).compile(dialect=conn.dialect, column_keys=columns)
        self.sql = str(compiled)
        order = list(compiled.positiontup) if compiled.positional else columns
        self.positional = compiled.positional
        self.columns = order
        self.processors: list[Callable[[Any], Any] | None] = [
            table.c[name].type.bind_processor(conn.dialect) for name in order
        ]
        self.rows: list[Any] = []
        self._constants: dict[tuple[int, str], Any] = {}

    def add(self, row: dict[str, Any]) -> None:
        values = [row[name] if process is None else self._convert(index, process, row[name])
                  for index, (name, process) in enumerate(zip(self.columns, self.processors))]
        self.rows.append(tuple(values) if self.positional else dict(zip(self.columns, values)))

    def _convert(self, index: int, process: Callable[[Any], Any], value: Any) -> Any:
        """``process(value)``, remembered for the values that repeat (null, empty, the import's timestamp)."""
        if value is None or isinstance(value, datetime) or (type(value) in (dict, list) and not value):
            key = (index, repr(value))
            if key not in self._constants:
                self._constants[key] = process(value)
            return self._constants[key]
        return process(value)

    def flush(self) -> None:
        if self.rows:
            self.conn.exec_driver_sql(self.sql, self.rows)
            self.rows = []


ITEM_COLUMNS = ["id", "project_id", "external_id", "prompt", "messages", "meta", "content_hash", "position",
                "priority", "n_annotations", "extra_overlap", "is_gold", "gold_answer", "batch_id", "created_at"]
CANDIDATE_COLUMNS = ["id", "item_id", "key", "model", "version", "output", "messages", "meta", "position"]
ANNOTATION_COLUMNS = ["id", "item_id", "user_id", "status", "preference", "ranking", "ratings", "flags",
                      "correction", "rationale", "shown_order", "time_spent_s", "source", "batch_id",
                      "thumbs", "schema_version", "guidelines_version", "revision", "gold_correct",
                      "created_at", "updated_at"]
SUGGESTION_COLUMNS = ["id", "item_id", "agent", "preference", "ranking", "ratings", "flags", "score", "rationale",
                      "batch_id", "created_at"]


class ImportWriter:
    """Writes new items (with their candidates, annotations and suggestions) and new annotations and
    suggestions on existing items."""

    def __init__(self, session: Session, *, project_id: int, batch_id: int, users: dict[str, int],
                 now: datetime, schema_version: int | None = None):
        self.project_id, self.batch_id, self.users, self.now = project_id, batch_id, users, now
        self.schema_version = schema_version
        self.conn = conn = session.connection()
        self.item_id = _next_id(session, Item.id)
        self.candidate_id = _next_id(session, Candidate.id)
        self.annotation_id = _next_id(session, Annotation.id)
        self.suggestion_id = _next_id(session, Suggestion.id)
        last = session.execute(select(func.max(Item.position)).where(Item.project_id == project_id)).scalar()
        self.position = 0 if last is None else last + 1
        self.items = _Bulk(conn, Item.__table__, ITEM_COLUMNS)
        self.candidates = _Bulk(conn, Candidate.__table__, CANDIDATE_COLUMNS)
        self.annotations = _Bulk(conn, Annotation.__table__, ANNOTATION_COLUMNS)
        self.suggestions = _Bulk(conn, Suggestion.__table__, SUGGESTION_COLUMNS)

    def write(self, new: list[ParsedItem], later: list[tuple[int, ParsedAnnotation]],
              later_suggestions: list[tuple[int, ParsedSuggestion]] = ()) -> None:
        for item in new:
            self.items.add({
                "id": self.item_id, "project_id": self.project_id, "external_id": item.external_id,
                "prompt": item.prompt, "messages": item.messages, "meta": item.meta,
                "content_hash": item.content_hash, "position": self.position, "priority": item.priority,
                "n_annotations": len(item.annotations), "extra_overlap": 0, "is_gold": item.gold is not None, "gold_answer": item.gold,
                "batch_id": self.batch_id, "created_at": self.now,
            })
            for cand in item.candidates:
                self.candidates.add({"id": self.candidate_id, "item_id": self.item_id, **cand})
                self.candidate_id += 1
            for ann in item.annotations:
                self._annotation(self.item_id, ann, item.gold)
            for sug in item.suggestions:
                self._suggestion(self.item_id, sug)
            self.item_id += 1
            self.position += 1
            if len(self.candidates.rows) >= INSERT_CHUNK:
                self._flush()
        added: dict[int, int] = {}
        gold = self._gold_answers(sorted({item_id for item_id, _ in later}))
        for item_id, ann in later:
            self._annotation(item_id, ann, gold.get(item_id))
            added[item_id] = added.get(item_id, 0) + 1
            if len(self.annotations.rows) >= INSERT_CHUNK:
                self._flush()
        for item_id, sug in later_suggestions:
            self._suggestion(item_id, sug)
            if len(self.suggestions.rows) >= INSERT_CHUNK:
                self._flush()
        self._flush()
        if added:
            self.conn.exec_driver_sql(
                "UPDATE item SET n_annotations = n_annotations + ? WHERE id = ?", [(n, i) for i, n in added.items()]
            )

    def _gold_answers(self, item_ids: list[int]) -> dict[int, dict[str, Any]]:
        """The known answers of the gold items among ``item_ids`` (already stored items)."""
        found: dict[int, dict[str, Any]] = {}
        for start in range(0, len(item_ids), INSERT_CHUNK):
            rows = self.conn.execute(select(Item.id, Item.gold_answer).where(
                Item.id.in_(item_ids[start:start + INSERT_CHUNK]), Item.is_gold))
            found.update({item_id: answer for item_id, answer in rows if answer})
        return found

    def _annotation(self, item_id: int, ann: ParsedAnnotation, gold: dict[str, Any] | None = None) -> None:
        self.annotations.add({
            "id": self.annotation_id, "item_id": item_id, "user_id": self.users[ann.annotator],
            "status": "submitted", "preference": ann.preference, "ranking": ann.ranking or None,
            "ratings": {k: v for k, v in (ann.ratings or {}).items() if v},
            "flags": {k: list(dict.fromkeys(v)) for k, v in (ann.flags or {}).items() if v},
            "correction": None if is_empty(ann.correction) else ann.correction,
            "rationale": None if is_empty(ann.rationale) else ann.rationale,
            "shown_order": ann.shown_order, "time_spent_s": ann.time_spent_s, "source": "import",
            "batch_id": self.batch_id, "thumbs": ann.thumbs or {}, "schema_version": self.schema_version,
            "guidelines_version": None, "revision": 1,
            "gold_correct": gold_verdict(gold, preference=ann.preference, ranking=ann.ranking or None)
            if gold else None,
            "created_at": self.now, "updated_at": self.now,
        })
        self.annotation_id += 1

    def _suggestion(self, item_id: int, sug: ParsedSuggestion) -> None:
        self.suggestions.add({
            "id": self.suggestion_id, "item_id": item_id, "agent": sug.agent, "preference": sug.preference,
            "ranking": sug.ranking or None,
            "ratings": {k: v for k, v in (sug.ratings or {}).items() if v},
            "flags": {k: list(dict.fromkeys(v)) for k, v in (sug.flags or {}).items() if v},
            "score": sug.score, "rationale": None if is_empty(sug.rationale) else sug.rationale,
            "batch_id": self.batch_id, "created_at": self.now,
        })
        self.suggestion_id += 1

    def _flush(self) -> None:
        for bulk in (self.items, self.candidates, self.annotations, self.suggestions):  # parents first
            bulk.flush()


def _next_id(session: Session, column: Any) -> int:
    return (session.execute(select(func.max(column))).scalar() or 0) + 1
