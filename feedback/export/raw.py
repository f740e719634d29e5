"""Raw annotations: one row per submitted annotation, every answer, for a team's own analysis.

Columns: ``item_id`` (the item's id in the imported file), ``annotator``, ``preference``, ``ranking``,
``thumbs``, ``ratings``, ``flags`` and ``shown_order`` (JSON text, keys sorted; the JSON text ``null`` where not
given), ``correction``, ``rationale``, ``time_spent_s``, ``source`` (``app`` or ``import``), ``revision`` (1 + the
number of edits), ``schema_version`` and ``guidelines_version`` (the versions answered and shown),
``gold`` (``correct`` or ``wrong`` on gold items, empty text elsewhere), ``created_at`` and ``updated_at``
(ISO 8601 text in UTC with microseconds, e.g. ``2026-01-01T09:30:00.000000+00:00``). Rows come in item position order, then annotator name. Drafts are not exported; with
``exclude_flagged`` the annotations of flagged annotators are left out.

No cell is null: a column that is null in the first rows of a JSONL file and filled later cannot be loaded
with Hugging Face ``datasets`` (its JSON reader types each block of lines on its own, and a block of nulls
cannot be cast to text or numbers afterwards). So an answer not given is empty text (``preference``,
``correction``, ``rationale``) or the JSON text ``null``; a version not recorded is 0 (versions start at 1); a
time not recorded is -1 (filter ``time_spent_s >= 0`` before averaging).
"""

import json
from typing import Any

import pandas as pd
from sqlmodel import Session, select

from feedback.export.rows import missing
from feedback.store.reads import fetch_columns
from feedback.store.tables import Annotation, Item, User

_COLUMNS = ["item_id", "annotator", "user_id", "preference", "ranking", "thumbs", "ratings", "flags", "correction",
            "rationale", "shown_order", "time_spent_s", "source", "revision", "schema_version", "guidelines_version",
            "gold_correct", "created_at", "updated_at"]
_JSON = ("ranking", "thumbs", "ratings", "flags", "shown_order")
_EMPTY = {None, "null", "{}", "[]", ""}


def _json(value: Any) -> str:
    """Canonical JSON text (keys sorted, UTF-8); an empty answer (null, {}, []) is the JSON text ``null``.
    ``value``: JSON text as SQLite's driver gives it, or a value a driver already decoded."""
    if isinstance(value, str):
        if value in _EMPTY:
            return "null"
        value = json.loads(value)
    if not value:
        return "null"
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _text(value: Any) -> str:
    return "" if missing(value) else str(value)


def _gold(value: Any) -> str:
    return "" if missing(value) else ("correct" if value else "wrong")


def _times(values: list[Any]) -> list[str]:
    """ISO 8601 in UTC, always with microseconds: whole-second times would otherwise be read as timestamps by
    Arrow's JSON reader and others as text, and two blocks of one file would disagree on the column's type.
    Naive stored times are UTC (every timestamp here is)."""
    stamps = pd.to_datetime(pd.Series(values, dtype=object), utc=True, format="ISO8601")
    return stamps.dt.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00").tolist()


def raw_rows(session: Session, project_id: int, *, leave_out: set[int]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The raw rows of the project and how many annotations were left out (flagged annotators). Read straight
    from the driver (``fetch_columns``): through the ORM a million annotations took minutes."""
    stmt = (
        select(Item.external_id, User.name, Annotation.user_id, Annotation.preference, Annotation.ranking,
               Annotation.thumbs, Annotation.ratings, Annotation.flags, Annotation.correction, Annotation.rationale,
               Annotation.shown_order, Annotation.time_spent_s, Annotation.source, Annotation.revision,
               Annotation.schema_version, Annotation.guidelines_version, Annotation.gold_correct,
               Annotation.created_at, Annotation.updated_at)
        .join(Item, Item.id == Annotation.item_id)
        .join(User, User.id == Annotation.user_id)
        .where(Item.project_id == project_id, Annotation.status == "submitted")
        .order_by(Item.position, Item.id, User.name, Annotation.id)
    )
    cols = fetch_columns(session, stmt, _COLUMNS)
    keep = [user not in leave_out for user in cols["user_id"]]
    flagged = len(keep) - sum(keep)
    out: dict[str, list[Any]] = {
        "item_id": [str(v) for v in cols["item_id"]], "annotator": [str(v) for v in cols["annotator"]],
        "preference": [_text(v) for v in cols["preference"]],
        **{name: [_json(v) for v in cols[name]] for name in _JSON},
        "correction": [_text(v) for v in cols["correction"]], "rationale": [_text(v) for v in cols["rationale"]],
        "time_spent_s": [-1.0 if missing(v) else float(v) for v in cols["time_spent_s"]],
        "source": [str(v) for v in cols["source"]], "revision": [int(v) for v in cols["revision"]],
        "schema_version": [int(v or 0) for v in cols["schema_version"]],
        "guidelines_version": [int(v or 0) for v in cols["guidelines_version"]],
        "gold": [_gold(v) for v in cols["gold_correct"]],
        "created_at": _times(cols["created_at"]), "updated_at": _times(cols["updated_at"]),
    }
    names = list(out)
    columns = [out[name] for name in names]
    rows = [dict(zip(names, values)) for values, kept in zip(zip(*columns), keep, strict=True) if kept]
    return rows, {"flagged_annotator": flagged}
