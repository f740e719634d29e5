"""Loaders that turn a project's annotations into DataFrames for the pure maths (agreement, consensus, export)."""

import json
from typing import Any

import numpy as np
import pandas as pd
from sqlmodel import Session, select

from feedback.store.reads import fetch_frame
from feedback.store.tables import Annotation, Candidate, Item, User

ANNOTATION_COLUMNS = [
    "annotation_id", "item_id", "external_id", "user_id", "annotator", "preference", "ratings", "flags",
    "correction", "rationale", "shown_order", "time_spent_s", "source", "created_at", "updated_at",
    "schema_version", "guidelines_version",
]
CANDIDATE_COLUMNS = ["item_id", "key", "model", "version", "output", "messages", "position"]


def _once_per_session(session: Session, key: tuple, version: str, load) -> pd.DataFrame:
    """``load()``, read once per session while ``version`` stays the same: one command (e.g. ``feedback
    agreement``: the report, annotator quality, the judges) loads a project's annotations once, not once per
    figure. Callers get their own frame object (columns may be added to it; values must not be changed)."""
    memo = session.info.setdefault("feedback.frames", {})
    hit = memo.get(key)
    if hit is None or hit[0] != version:
        memo[key] = hit = (version, load())
    return hit[1].copy(deep=False)


# The columns the agreement figures, annotator quality and the judges read (``annotations_frame(columns=...)``):
# the same set for all three, so that one read serves them (a third less to read than every column at 1M)
FIGURE_COLUMNS = ["annotation_id", "item_id", "external_id", "user_id", "annotator", "preference", "ratings",
                  "flags", "shown_order", "time_spent_s"]
_SOURCES = {
    "annotation_id": Annotation.id, "item_id": Annotation.item_id, "external_id": Item.external_id,
    "user_id": Annotation.user_id, "annotator": User.name, "preference": Annotation.preference,
    "ratings": Annotation.ratings, "flags": Annotation.flags, "correction": Annotation.correction,
    "rationale": Annotation.rationale, "shown_order": Annotation.shown_order,
    "time_spent_s": Annotation.time_spent_s, "source": Annotation.source, "created_at": Annotation.created_at,
    "updated_at": Annotation.updated_at, "schema_version": Annotation.schema_version,
    "guidelines_version": Annotation.guidelines_version,
}


def annotations_frame(session: Session, project_id: int, columns: list[str] | None = None) -> pd.DataFrame:
    """One row per submitted annotation of the project, by item then annotator name (columns
    ``ANNOTATION_COLUMNS``, or only ``columns`` of them, e.g. ``FIGURE_COLUMNS``), read once per session while
    the project's annotations stay the same: a frame read before with every column asked for serves.

    ``ratings``, ``flags`` and ``shown_order`` are decoded JSON; ``created_at`` and ``updated_at`` are
    pandas UTC timestamps. Read with ``fetch_columns`` and decoded here in bulk: through the ORM a million
    annotations took about 15 s.
    """
    names = ANNOTATION_COLUMNS if columns is None else [c for c in ANNOTATION_COLUMNS if c in set(columns)]
    version = annotations_version(session, project_id)
    if (frame := _read_before(session, project_id, version, names)) is not None:
        return frame
    stmt = (
        select(*(_SOURCES[name] for name in names))
        .join(Item, Item.id == Annotation.item_id)
        .join(User, User.id == Annotation.user_id)
        .where(Item.project_id == project_id, Annotation.status == "submitted")
        .order_by(Annotation.item_id, User.name)
    )
    return _once_per_session(session, ("annotations", project_id, tuple(names)), version,
                             lambda: fetch_frame(session, stmt, names, _prepare_annotations))


def loaded_votes(session: Session, project_id: int) -> pd.DataFrame | None:
    """``feedback.consensus.answers.preference_votes``' frame (``item_id``, ``annotator`` as the user id,
    ``preference``, by item then user id) from the annotations this session has already read
    (``annotations_frame``, of the current version), else None: ``feedback agreement`` reads them for its
    figures, and reading the votes again for the review queue took 3 s at 1M annotations."""
    if not any(key[:2] == ("annotations", project_id) for key in session.info.get("feedback.frames", {})):
        return None  # nothing read: no need to ask the version
    frame = _read_before(session, project_id, annotations_version(session, project_id),
                         ["item_id", "user_id", "preference"])
    if frame is None:
        return None
    order = np.lexsort((frame["user_id"].to_numpy(), frame["item_id"].to_numpy()))
    return pd.DataFrame({"item_id": frame["item_id"].to_numpy()[order],
                         "annotator": frame["user_id"].to_numpy()[order],
                         "preference": frame["preference"].take(order).reset_index(drop=True)})


def _read_before(session: Session, project_id: int, version: str, names: list[str]) -> pd.DataFrame | None:
    """An annotations frame of the project this session has read, of ``version``, with the columns ``names``."""
    for key, (seen, frame) in session.info.get("feedback.frames", {}).items():
        if key[:2] == ("annotations", project_id) and seen == version and set(names) <= set(frame.columns):
            return frame.copy(deep=False)
    return None


def _prepare_annotations(columns: dict[str, Any]) -> dict[str, Any]:
    """One chunk of ``annotations_frame``: JSON decoded, times as UTC timestamps, numbers typed the same way
    in every chunk (``time_spent_s`` float, NaN when not recorded; the versions nullable integers)."""
    for column, empty in (("ratings", {}), ("flags", {}), ("shown_order", None)):
        if column in columns:
            columns[column] = decoded(columns[column], empty)
    if "time_spent_s" in columns:
        columns["time_spent_s"] = pd.to_numeric(pd.Series(columns["time_spent_s"], dtype=object),
                                                errors="coerce").astype(float)
    for column in ("schema_version", "guidelines_version"):
        if column in columns:
            columns[column] = pd.to_numeric(pd.Series(columns[column], dtype=object), errors="coerce") \
                .astype("Int64")
    for column in ("created_at", "updated_at"):
        if column in columns:
            columns[column] = pd.to_datetime(pd.Series(columns[column], dtype=object), utc=True, format="ISO8601")
    return columns


def decoded(values: list[Any], empty: Any) -> list[Any]:
    """JSON text decoded (values a driver already decoded pass through); NULL and ``"null"`` give ``empty``.

    Each distinct text is decoded once and its value shared by every row with that text: answers repeat (300k
    rubric answers of a team project have about 4,000 distinct texts), and this is 20 times faster than
    ``json.loads`` per row (1.2 s there). Shared values are why the frames' values must never be changed."""
    loads = json.loads
    shared_empty: dict = {}
    try:  # texts (or NULLs) only, as SQLite gives them: numbered in C, each distinct one decoded once
        codes, texts = pd.factorize(pd.Series(values, dtype=object))
        if not all(isinstance(text, str) for text in texts):
            raise TypeError("not only texts")
        objects = np.empty(len(texts) + 1, dtype=object)  # the last one: NULL (code -1)
        objects[:-1] = [loads(text) for text in texts]
        if isinstance(empty, dict):
            objects[[n for n, value in enumerate(objects) if value is None]] = shared_empty
        return objects[codes].tolist()  # 0.3 s -> 0.05 s per column of 300k rows, against a loop over every row
    except TypeError:  # values a driver already decoded (dicts, lists: unhashable) pass through
        seen: dict[str, Any] = {}
        out = []
        append = out.append
        for value in values:
            if isinstance(value, str):
                hit = seen.get(value, seen)
                if hit is seen:
                    hit = seen[value] = loads(value)
                value = hit
            append(value)
    if isinstance(empty, dict):
        out = [shared_empty if value is None else value for value in out]
    return out


def _candidate_rows(project_id: int):
    """The select of the project's candidates, ``CANDIDATE_COLUMNS``, in no particular order."""
    return (
        select(
            Candidate.item_id, Candidate.key, Candidate.model, Candidate.version, Candidate.output,
            Candidate.messages, Candidate.position,
        )
        .join(Item, Item.id == Candidate.item_id)
        .where(Item.project_id == project_id)
    )


def candidates_frame(session: Session, project_id: int) -> pd.DataFrame:
    """One row per candidate of the project's items, in item then position order (``messages`` decoded)."""
    stmt = _candidate_rows(project_id).order_by(Candidate.item_id, Candidate.position)
    return _once_per_session(session, ("candidates", project_id), _candidates_version(session, project_id),
                             lambda: fetch_frame(session, stmt, CANDIDATE_COLUMNS, _prepare_candidates))


def _plain(*names: str):
    """A ``prepare`` for ``fetch_frame`` that keeps the text columns ``names`` as Python objects (object dtype):
    pandas would convert them to Arrow strings, and a caller that only passes the text on (the export, into its
    rows) would convert every value back to a Python string. For 200k answers the two conversions cost about
    1 s and a second copy of the text."""
    def prepare(columns: dict[str, Any]) -> dict[str, Any]:
        for name in names:
            if name in columns:
                columns[name] = pd.Series(columns[name], dtype=object)
        return columns
    return prepare


def candidates_frame_plain(session: Session, project_id: int) -> pd.DataFrame:
    """``candidates_frame`` with the text columns (``key``, ``model``, ``version``, ``output``) as Python strings
    in object columns (None where missing), not Arrow strings: for callers that pass the answers' text on."""
    text = _plain("key", "model", "version", "output")
    frame = fetch_frame(session, _candidate_rows(project_id), CANDIDATE_COLUMNS,
                        lambda columns: text(_prepare_candidates(columns)))
    return _sorted(frame, "item_id", "position")


def _sorted(frame: pd.DataFrame, *keys: str) -> pd.DataFrame:
    """``frame`` in the order of its integer columns ``keys`` (stable). SQLite's ORDER BY sorts the whole rows,
    answers' text included, in a temporary B-tree (0.4 s of the 1.2 s that 200k candidates took to read);
    reading in index order and sorting the keys in numpy gives the same order."""
    if len(frame) < 2:
        return frame
    order = np.lexsort([frame[key].to_numpy() for key in reversed(keys)])
    if (order[1:] > order[:-1]).all():  # already in order (the scan usually is): no copy
        return frame
    return frame.take(order).reset_index(drop=True)


KEY_COLUMNS = ["item_id", "key", "model", "position"]


def candidate_keys(session: Session, project_id: int) -> pd.DataFrame:
    """``candidates_frame`` without the answers' text (``KEY_COLUMNS``), for the figures that need only which
    candidates an item has: reading 200k answers' text took 1.3 s of the agreement report."""
    stmt = (
        select(Candidate.item_id, Candidate.key, Candidate.model, Candidate.position)
        .join(Item, Item.id == Candidate.item_id)
        .where(Item.project_id == project_id)
        .order_by(Candidate.item_id, Candidate.position)
    )
    return _once_per_session(session, ("candidate keys", project_id), _candidates_version(session, project_id),
                             lambda: fetch_frame(session, stmt, KEY_COLUMNS))


def _candidates_version(session: Session, project_id: int) -> str:
    """Changes whenever a candidate is added to (or removed from) the project: candidates are never edited."""
    from sqlmodel import func

    count, top = session.exec(select(func.count(Candidate.id), func.max(Candidate.id))
                              .join(Item, Item.id == Candidate.item_id).where(Item.project_id == project_id)).one()
    return f"{count}:{top}"


def _prepare_candidates(columns: dict[str, Any]) -> dict[str, Any]:
    columns["messages"] = decoded(columns["messages"], None)
    return columns


ITEM_COLUMNS = ["item_id", "external_id", "prompt", "messages", "meta", "batch_id", "position", "is_gold",
                "created_at"]


def items_frame(session: Session, project_id: int) -> pd.DataFrame:
    """One row per item of the project: ids, prompt or messages, metadata, import batch, position, whether
    it is a gold item, and when it was imported (``created_at``, UTC)."""
    stmt = (
        select(Item.id, Item.external_id, Item.prompt, Item.messages, Item.meta, Item.batch_id, Item.position,
               Item.is_gold, Item.created_at)
        .where(Item.project_id == project_id)
        .order_by(Item.position, Item.id)
    )
    return fetch_frame(session, stmt, ITEM_COLUMNS, _prepare_items)


def items_frame_plain(session: Session, project_id: int) -> pd.DataFrame:
    """``items_frame`` with ``external_id`` and ``prompt`` as Python strings in object columns (None where
    missing), not Arrow strings: for callers that pass the prompts' text on (the export)."""
    stmt = (
        select(Item.id, Item.external_id, Item.prompt, Item.messages, Item.meta, Item.batch_id, Item.position,
               Item.is_gold, Item.created_at)
        .where(Item.project_id == project_id)
    )
    text = _plain("external_id", "prompt")
    return _sorted(fetch_frame(session, stmt, ITEM_COLUMNS, lambda columns: text(_prepare_items(columns))),
                   "position", "item_id")


def annotation_columns_frame(session: Session, project_id: int, columns: list[str]) -> pd.DataFrame:
    """``annotations_frame(columns=columns)``: the same rows, order and values, read for one use (no session
    memo) and sorted in numpy instead of by SQLite (by item, then annotator name: SQLite sorted 300k rows in a
    temporary B-tree, a third of the read). ``columns`` must include ``item_id`` and ``annotator``."""
    names = [c for c in ANNOTATION_COLUMNS if c in set(columns)]
    stmt = (
        select(*(_SOURCES[name] for name in names))
        .join(Item, Item.id == Annotation.item_id)
        .join(User, User.id == Annotation.user_id)
        .where(Item.project_id == project_id, Annotation.status == "submitted")
    )
    frame = fetch_frame(session, stmt, names, _prepare_annotations)
    codes, uniques = pd.factorize(frame["annotator"])
    rank = np.argsort(np.argsort(np.asarray(uniques, dtype=object), kind="stable"), kind="stable")
    frame = frame.assign(_by=rank[codes])
    return _sorted(frame, "item_id", "_by").drop(columns="_by")


def _prepare_items(columns: dict[str, Any]) -> dict[str, Any]:
    """One chunk of ``items_frame``: JSON decoded, ``is_gold`` a bool, ``created_at`` a UTC timestamp."""
    columns["messages"] = decoded(columns["messages"], None)
    columns["meta"] = decoded(columns["meta"], {})
    columns["is_gold"] = [bool(v) for v in columns["is_gold"]]
    columns["batch_id"] = pd.to_numeric(pd.Series(columns["batch_id"], dtype=object), errors="coerce") \
        .astype("Int64")
    columns["created_at"] = pd.to_datetime(pd.Series(columns["created_at"], dtype=object), utc=True,
                                           format="ISO8601")
    return columns


def annotations_version(session: Session, project_id: int) -> str:
    """Changes whenever an annotation of the project is added, removed or edited (a cache key for aggregates and
    stored figures): every edit is a new revision, so the sum of revisions grows even if the clock did not."""
    from sqlmodel import func

    count, latest, top, revisions = session.exec(
        select(func.count(Annotation.id), func.max(Annotation.updated_at), func.max(Annotation.id),
               func.sum(Annotation.revision))
        .join(Item, Item.id == Annotation.item_id)
        .where(Item.project_id == project_id)
    ).one()
    return f"{count}:{latest}:{top}:{revisions}"


def items_version(session: Session, project_id: int) -> str:
    """Changes whenever an item is added to the project, or made gold, or asks for more annotators."""
    from sqlmodel import func

    count, top, gold, extra = session.exec(
        select(func.count(Item.id), func.max(Item.id), func.sum(Item.is_gold), func.sum(Item.extra_overlap))
        .where(Item.project_id == project_id)).one()
    return f"{count}:{top}:{gold}:{extra}"


def review_state_version(session: Session, project_id: int) -> str:
    """Changes whenever a reviewer decides on an item of the project or a judge's verdict is imported
    (with ``annotations_version``, the cache key of figures that use adjudications and suggestions)."""
    from sqlmodel import func

    from feedback.store.tables import Adjudication, Suggestion

    decided = session.exec(select(func.max(Adjudication.id)).join(Item, Item.id == Adjudication.item_id)
                           .where(Item.project_id == project_id)).one()
    suggested = session.exec(select(func.max(Suggestion.id)).join(Item, Item.id == Suggestion.item_id)
                             .where(Item.project_id == project_id)).one()
    return f"{decided}:{suggested}"
