"""Bulk inserts for the importer: rows for items, candidates, annotations and suggestions, a chunk at a time.

The database assigns every id (imports write in many short transactions, between which annotators write
too); an item's id is read back by its external id, which is unique in the batch's staging project. Values
go through each column type's own bind processor (so they are stored exactly as the ORM stores them); a value
that repeats (null, an empty object, the import's timestamp, a constant column) is converted once, and so is
its adaptation by the driver (SQLite's for a datetime). Rows are tuples in the statement's own column order,
made before the chunk's write transaction (``stage``) and sent with the driver's ``executemany`` in it.
"""

import sqlite3
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Connection, Dialect, Table, insert, select

from feedback.intake.records import ParsedAnnotation, ParsedItem, ParsedSuggestion, is_empty
from feedback.projects.gold import gold_verdict
from feedback.store.tables import Annotation, Candidate, Item, Suggestion

INSERT_CHUNK = 500  # ids per IN (...) lookup


def _same(value: Any) -> Any:
    return value


class _Bulk:
    """The insert statement of one table for the given ``columns`` (in the table's order: rows are tuples of
    their values in that order), the columns' converters, and the values that repeat, converted once."""

    def __init__(self, table: Table, columns: list[str]):
        self.table, self.keys = table, columns
        self.sql = ""

    def prepare(self, dialect: Dialect) -> None:
        if self.sql:
            return
        compiled = insert(self.table).compile(dialect=dialect, column_keys=self.keys)
        self.sql = str(compiled)
        # SQLite (qmark) binds tuples in the table's order; other drivers get each row as a mapping
        self.as_tuples = compiled.positional and list(compiled.positiontup) == self.keys
        if compiled.positional and not self.as_tuples:
            order = [self.keys.index(name) for name in compiled.positiontup]
            self.arrange: Callable[[tuple], Any] = lambda row: tuple(row[i] for i in order)
        elif not compiled.positional:
            self.arrange = lambda row: dict(zip(self.keys, row))
        processors = {name: self.table.c[name].type.bind_processor(dialect) for name in self.keys}
        self.process = {name: process or _same for name, process in processors.items()}
        self._adapt = _driver_adapter(dialect)

    def bind(self, name: str, value: Any) -> Any:
        """``value`` as column ``name`` binds it, adapted by the driver: for a value that repeats."""
        return self._adapt(self.process[name](value))

    def write(self, conn: Connection, rows: list[tuple]) -> None:
        if rows:
            conn.exec_driver_sql(self.sql, rows if self.as_tuples else [self.arrange(row) for row in rows])


def _driver_adapter(dialect: Dialect) -> Callable[[Any], Any]:
    """What the driver would make of a value, done once for values that repeat: the sqlite3 module adapts a
    datetime to text at every row otherwise (its registered adapters, the same bytes)."""
    if dialect.driver != "pysqlite":
        return _same

    def adapt(value: Any) -> Any:
        adapter = sqlite3.adapters.get((type(value), sqlite3.PrepareProtocol)) if isinstance(value, datetime) \
            else None
        return value if adapter is None else adapter(value)
    return adapt


# Each list in its table's column order (without the id, which the database gives)
ITEM_COLUMNS = ["project_id", "external_id", "prompt", "messages", "meta", "content_hash", "position",
                "priority", "n_annotations", "extra_overlap", "is_gold", "gold_answer", "batch_id", "created_at"]
CANDIDATE_COLUMNS = ["item_id", "key", "model", "version", "output", "messages", "meta", "position"]
ANNOTATION_COLUMNS = ["item_id", "user_id", "status", "preference", "ranking", "thumbs", "ratings", "flags",
                      "correction", "rationale", "shown_order", "time_spent_s", "source", "batch_id",
                      "schema_version", "guidelines_version", "revision", "gold_correct", "created_at", "updated_at"]
SUGGESTION_COLUMNS = ["item_id", "agent", "preference", "ranking", "ratings", "flags", "score", "rationale",
                      "batch_id", "created_at"]


def _converter(bulk: _Bulk, name: str) -> Callable[[Any], Any]:
    """Column ``name``'s converter, with null (and for JSON an empty object or list: the usual values) converted
    once."""
    process = bulk.process[name]
    if process is _same:
        return _same
    none = bulk.bind(name, None)
    if not isinstance(bulk.table.c[name].type, JSON):
        return lambda value: none if value is None else process(value)
    empty_dict, empty_list = bulk.bind(name, {}), bulk.bind(name, [])

    def convert(value: Any) -> Any:
        if value is None:
            return none
        if not value and type(value) is dict:
            return empty_dict
        if not value and type(value) is list:
            return empty_list
        return process(value)
    return convert


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
        self._ready = False
        self._staged: tuple[list[ParsedItem], tuple[list[tuple], ...]] | None = None

    def _prepare(self, dialect: Dialect) -> None:
        """The statements, the columns' converters and the constants of this import, once."""
        if self._ready:
            return
        for bulk in (self.items, self.candidates, self.annotations, self.suggestions):
            bulk.prepare(dialect)
        self._item = {name: _converter(self.items, name) for name in ("messages", "meta", "gold_answer")}
        self._item_now = self.items.bind("created_at", self.now)
        self._gold = {value: self.items.bind("is_gold", value) for value in (False, True)}
        self._candidate = {name: _converter(self.candidates, name) for name in ("messages", "meta")}
        a = self.annotations
        self._annotation_rows = self._annotation_maker(a)
        s = self.suggestions
        self._suggestion = {name: _converter(s, name) for name in ("ranking", "ratings", "flags", "score")}
        self._suggestion_fixed = (s.bind("batch_id", self.batch_id), s.bind("created_at", self.now))
        self._ready = True

    def _annotation_maker(self, a: _Bulk) -> Callable[[int, ParsedAnnotation, dict[str, Any] | None], tuple]:
        """The function that makes an annotation's row (called for each of millions: the usual values, null and
        empty, are tested inline and converted once)."""
        ranking_of, thumbs_of, ratings_of, flags_of, shown_of, seconds_of, verdict_of = (
            _converter(a, name) for name in ("ranking", "thumbs", "ratings", "flags", "shown_order", "time_spent_s",
                                             "gold_correct"))
        no_ranking, no_thumbs, no_ratings, no_flags = ranking_of(None), thumbs_of({}), ratings_of({}), flags_of({})
        ratings_of, flags_of = a.process["ratings"], a.process["flags"]  # given non-empty objects only
        no_order, no_seconds, no_verdict = shown_of(None), seconds_of(None), verdict_of(None)
        status, source, batch_id, schema_version, guidelines_version, revision, created, updated = (
            a.bind("status", "submitted"), a.bind("source", "import"), a.bind("batch_id", self.batch_id),
            a.bind("schema_version", self.schema_version), a.bind("guidelines_version", None), a.bind("revision", 1),
            a.bind("created_at", self.now), a.bind("updated_at", self.now))

        def row(item: int, ann: ParsedAnnotation, gold: dict[str, Any] | None) -> tuple:
            ranking = ann.ranking or None
            ratings, flags = _answered(ann.ratings), _flagged(ann.flags)
            correction, rationale, order, seconds = ann.correction, ann.rationale, ann.shown_order, ann.time_spent_s
            return (item, ann.annotator, status, ann.preference,
                    no_ranking if ranking is None else ranking_of(ranking),
                    thumbs_of(ann.thumbs) if ann.thumbs else no_thumbs,
                    ratings_of(ratings) if ratings else no_ratings, flags_of(flags) if flags else no_flags,
                    None if correction is None or is_empty(correction) else correction,
                    None if rationale is None or is_empty(rationale) else rationale,
                    no_order if order is None else shown_of(order), no_seconds if seconds is None else seconds_of(seconds),
                    source, batch_id, schema_version, guidelines_version, revision,
                    verdict_of(gold_verdict(gold, preference=ann.preference, ranking=ranking)) if gold else no_verdict,
                    created, updated)
        return row

    def stage(self, dialect: Dialect, new: list[ParsedItem]) -> None:
        """Make the rows of ``new`` before their write transaction, which then only fills in what the database
        knows (the items' ids, the ids of annotators added in it) and inserts them: the write lock is held for
        about half as long."""
        self._prepare(dialect)
        self._staged = (new, self._rows(new))

    def _rows(self, new: list[ParsedItem]) -> tuple[list[tuple], ...]:
        """The rows of the items, and of their candidates, annotations and suggestions with the item's place in
        ``new`` for its id (and annotations with the annotator's name for theirs)."""
        messages, meta, gold = self._item["messages"], self._item["meta"], self._item["gold_answer"]
        items = [(self.project_id, item.external_id, item.prompt, messages(item.messages), meta(item.meta),
                  item.content_hash, position, item.priority, len(item.annotations), 0,
                  self._gold[item.gold is not None], gold(item.gold), self.batch_id, self._item_now)
                 for position, item in enumerate(new, self.position)]
        self.position += len(new)
        messages, meta = self._candidate["messages"], self._candidate["meta"]
        candidates, annotations, suggestions = [], [], []
        annotation, suggestion = self._annotation_rows, self._suggestion_row
        for k, item in enumerate(new):
            candidates += [(k, c["key"], c["model"], c["version"], c["output"], messages(c["messages"]),
                            meta(c["meta"]), c["position"]) for c in item.candidates]
            annotations += [annotation(k, ann, item.gold) for ann in item.annotations]
            suggestions += [suggestion(k, sug) for sug in item.suggestions]
        return items, candidates, annotations, suggestions

    def write_items(self, conn: Connection, new: list[ParsedItem]) -> None:
        """Insert ``new`` items and everything that came with them (one chunk, in the caller's transaction; its
        rows made by ``stage`` beforehand, or now)."""
        staged, self._staged = self._staged, None
        if staged is None or staged[0] is not new:
            self._prepare(conn.dialect)
            staged = (new, self._rows(new))
        items, candidates, annotations, suggestions = staged[1]
        self.items.write(conn, items)
        found = self._item_ids(conn, [item.external_id for item in new])
        ids, users = [found[item.external_id] for item in new], self.users
        self.candidates.write(conn, [(ids[row[0]], *row[1:]) for row in candidates])
        self.annotations.write(conn, [(ids[row[0]], users[row[1]], *row[2:]) for row in annotations])
        self.suggestions.write(conn, [(ids[row[0]], *row[1:]) for row in suggestions])

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
        self._prepare(conn.dialect)
        added: dict[int, int] = {}
        gold = self._gold_answers(conn, sorted({item_id for item_id, _ in later}))
        annotations, users = [], self.users
        for item_id, ann in later:
            row = self._annotation_rows(item_id, ann, gold.get(item_id))
            annotations.append((item_id, users[row[1]], *row[2:]))
            added[item_id] = added.get(item_id, 0) + 1
        self.annotations.write(conn, annotations)
        self.suggestions.write(conn, [self._suggestion_row(item_id, sug) for item_id, sug in later_suggestions])
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

    def _suggestion_row(self, item_id: int, sug: ParsedSuggestion) -> tuple:
        c = self._suggestion
        batch_id, created = self._suggestion_fixed
        return (item_id, sug.agent, sug.preference, c["ranking"](sug.ranking or None),
                c["ratings"](_answered(sug.ratings)), c["flags"](_flagged(sug.flags)), c["score"](sug.score),
                None if is_empty(sug.rationale) else sug.rationale, batch_id, created)


def _answered(ratings: dict[str, Any] | None) -> dict[str, Any]:
    """The candidates' ratings that say something (an empty object of scores is none)."""
    return {k: v for k, v in (ratings or {}).items() if v}


def _flagged(flags: dict[str, Any] | None) -> dict[str, list]:
    """Each candidate's flags once, in the order given; candidates without flags left out."""
    return {k: list(dict.fromkeys(v)) for k, v in (flags or {}).items() if v}
