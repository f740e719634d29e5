"""Bulk inserts for the importer: rows for items, candidates, annotations and suggestions, a chunk at a time.

The database assigns every id (imports write in many short transactions, between which annotators write
too); an item's id is read back by its external id, which is unique in the batch's staging project. Values
go through each column type's own bind processor (so they are stored exactly as the ORM stores them),
converted once per distinct constant, and are sent with the driver's ``executemany``.
"""

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, insert, select

from feedback.intake.records import ParsedAnnotation, ParsedItem, ParsedSuggestion, is_empty
from feedback.projects.gold import gold_verdict
from feedback.store.tables import Annotation, Candidate, Item, Suggestion

INSERT_CHUNK = 500  # ids per IN (...) lookup


class _Bulk:
    """Pending rows of one table and the prepared statement that writes them."""

    def __init__(self, table: Table, columns: list[str]):
        self.table, self.keys = table, columns
        self.sql = ""
        self.rows: list[Any] = []
        self._constants: dict[tuple[int, str], Any] = {}

    def _prepare(self, conn: Connection) -> None:
        compiled = insert(self.table).compile(dialect=conn.dialect, column_keys=self.keys)
        self.sql = str(compiled)
        self.positional = compiled.positional
        self.columns = list(compiled.positiontup) if compiled.positional else self.keys
        self.processors: list[Callable[[Any], Any] | None] = [
            self.table.c[name].type.bind_processor(conn.dialect) for name in self.columns
        ]

    def add(self, conn: Connection, row: dict[str, Any]) -> None:
        if not self.sql:
            self._prepare(conn)
        values = [row[name] if process is None else self._convert(index, process, row[name])
                  for index, (name, process) in enumerate(zip(self.columns, self.processors))]
        self.rows.append(tuple(values) if self.positional else dict(zip(self.columns, values)))

    def _convert(self, index: int, process: Callable[[Any], Any], value: Any) -> Any:
        """``process(value)``, remembered for the values that repeat (null, empty, the import's timestamp)."""
        if value is None or isinstance(value, datetime):
            key = (index, value)
        elif type(value) in (dict, list) and not value:
            key = (index, type(value))
        else:
            return process(value)
        hit = self._constants.get(key, self._constants)
        if hit is self._constants:
            hit = self._constants[key] = process(value)
        return hit

    def flush(self, conn: Connection) -> None:
        if self.rows:
            conn.exec_driver_sql(self.sql, self.rows)
            self.rows = []


ITEM_COLUMNS = ["project_id", "external_id", "prompt", "messages", "meta", "content_hash", "position",
                "priority", "n_annotations", "extra_overlap", "is_gold", "gold_answer", "batch_id", "created_at"]
CANDIDATE_COLUMNS = ["item_id", "key", "model", "version", "output", "messages", "meta", "position"]
ANNOTATION_COLUMNS = ["item_id", "user_id", "status", "preference", "ranking", "ratings", "flags",
                      "correction", "rationale", "shown_order", "time_spent_s", "source", "batch_id",
                      "thumbs", "schema_version", "guidelines_version", "revision", "gold_correct",
                      "created_at", "updated_at"]
SUGGESTION_COLUMNS = ["item_id", "agent", "preference", "ranking", "ratings", "flags", "score", "rationale",
                      "batch_id", "created_at"]


class ImportWriter:
    """Writes new items (with their candidates, annotations and suggestions) into a project, a chunk per call,
    and new annotations and suggestions on items stored before. ``users`` maps annotator names to user ids."""

    def __init__(self, *, project_id: int, batch_id: int, users: dict[str, int], now: datetime,
                 schema_version: int | None = None):
        self.project_id, self.batch_id, self.users, self.now = project_id, batch_id, users, now
        self.schema_version = schema_version
        self.position = 0  # import order within the batch (the last step shifts it after the project's items)
        self.items = _Bulk(Item.__table__, ITEM_COLUMNS)
        self.candidates = _Bulk(Candidate.__table__, CANDIDATE_COLUMNS)
        self.annotations = _Bulk(Annotation.__table__, ANNOTATION_COLUMNS)
        self.suggestions = _Bulk(Suggestion.__table__, SUGGESTION_COLUMNS)

    def write_items(self, conn: Connection, new: list[ParsedItem]) -> None:
        """Insert ``new`` items and everything that came with them (one chunk, in the caller's transaction)."""
        for item in new:
            self.items.add(conn, {
                "project_id": self.project_id, "external_id": item.external_id,
                "prompt": item.prompt, "messages": item.messages, "meta": item.meta,
                "content_hash": item.content_hash, "position": self.position, "priority": item.priority,
                "n_annotations": len(item.annotations), "extra_overlap": 0, "is_gold": item.gold is not None,
                "gold_answer": item.gold, "batch_id": self.batch_id, "created_at": self.now,
            })
            self.position += 1
        self.items.flush(conn)
        ids = self._item_ids(conn, [item.external_id for item in new])
        for item in new:
            item_id = ids[item.external_id]
            for cand in item.candidates:
                self.candidates.add(conn, {"item_id": item_id, **cand})
            for ann in item.annotations:
                self._annotation(conn, item_id, ann, item.gold)
            for sug in item.suggestions:
                self._suggestion(conn, item_id, sug)
        self._flush(conn)

    def _item_ids(self, conn: Connection, external_ids: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for start in range(0, len(external_ids), INSERT_CHUNK):
            rows = conn.execute(select(Item.external_id, Item.id).where(
                Item.project_id == self.project_id, Item.external_id.in_(external_ids[start:start + INSERT_CHUNK])))
            found.update({external_id: item_id for external_id, item_id in rows})
        return found

    def write_later(self, conn: Connection, later: list[tuple[int, ParsedAnnotation]],
                    later_suggestions: Iterable[tuple[int, ParsedSuggestion]] = ()) -> None:
        """Insert annotations and suggestions on items stored before, and count the annotations on their items."""
        added: dict[int, int] = {}
        gold = self._gold_answers(conn, sorted({item_id for item_id, _ in later}))
        for item_id, ann in later:
            self._annotation(conn, item_id, ann, gold.get(item_id))
            added[item_id] = added.get(item_id, 0) + 1
        for item_id, sug in later_suggestions:
            self._suggestion(conn, item_id, sug)
        self._flush(conn)
        if added:
            conn.exec_driver_sql(
                "UPDATE item SET n_annotations = n_annotations + ? WHERE id = ?", [(n, i) for i, n in added.items()]
            )

    def _gold_answers(self, conn: Connection, item_ids: list[int]) -> dict[int, dict[str, Any]]:
        """The known answers of the gold items among ``item_ids`` (already stored items)."""
        found: dict[int, dict[str, Any]] = {}
        for start in range(0, len(item_ids), INSERT_CHUNK):
            rows = conn.execute(select(Item.id, Item.gold_answer).where(
                Item.id.in_(item_ids[start:start + INSERT_CHUNK]), Item.is_gold))
            found.update({item_id: answer for item_id, answer in rows if answer})
        return found

    def _annotation(self, conn: Connection, item_id: int, ann: ParsedAnnotation,
                    gold: dict[str, Any] | None = None) -> None:
        self.annotations.add(conn, {
            "item_id": item_id, "user_id": self.users[ann.annotator],
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

    def _suggestion(self, conn: Connection, item_id: int, sug: ParsedSuggestion) -> None:
        self.suggestions.add(conn, {
            "item_id": item_id, "agent": sug.agent, "preference": sug.preference,
            "ranking": sug.ranking or None,
            "ratings": {k: v for k, v in (sug.ratings or {}).items() if v},
            "flags": {k: list(dict.fromkeys(v)) for k, v in (sug.flags or {}).items() if v},
            "score": sug.score, "rationale": None if is_empty(sug.rationale) else sug.rationale,
            "batch_id": self.batch_id, "created_at": self.now,
        })

    def _flush(self, conn: Connection) -> None:
        for bulk in (self.candidates, self.annotations, self.suggestions):
            bulk.flush(conn)
