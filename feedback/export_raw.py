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
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, select

from feedback.export_rows import missing
from feedback.models import Annotation, Item, User


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _text(value: Any) -> str:
    return "" if missing(value) else str(value)


def _gold(value: bool | None) -> str:
    return "" if value is None else ("correct" if value else "wrong")


def _time(value: Any) -> str:
    """ISO 8601 in UTC, always with microseconds: whole-second times would otherwise be read as timestamps by
    Arrow's JSON reader and others as text, and two blocks of one file would disagree on the column's type."""
    if not isinstance(value, datetime):
        return str(value)
    value = value.replace(tzinfo=UTC) if value.utcoffset() is None else value.astimezone(UTC)
    return value.isoformat(timespec="microseconds")


def raw_rows(session: Session, project_id: int, *, leave_out: set[int]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The raw rows of the project and how many annotations were left out (flagged annotators)."""
    found = session.exec(
        select(Annotation, Item.external_id, User.name)
        .join(Item, Item.id == Annotation.item_id)
        .join(User, User.id == Annotation.user_id)
        .where(Item.project_id == project_id, Annotation.status == "submitted")
        .order_by(Item.position, Item.id, User.name, Annotation.id)
    ).all()
    rows, flagged = [], 0
    for a, ext, name in found:
        if a.user_id in leave_out:
            flagged += 1
            continue
        rows.append({
            "item_id": str(ext), "annotator": str(name), "preference": _text(a.preference),
            "ranking": _json(a.ranking or None), "thumbs": _json(a.thumbs or None), "ratings": _json(a.ratings or None),
            "flags": _json(a.flags or None), "correction": _text(a.correction), "rationale": _text(a.rationale),
            "shown_order": _json(a.shown_order or None),
            "time_spent_s": -1.0 if missing(a.time_spent_s) else float(a.time_spent_s),
            "source": a.source, "revision": int(a.revision), "schema_version": int(a.schema_version or 0),
            "guidelines_version": int(a.guidelines_version or 0), "gold": _gold(a.gold_correct),
            "created_at": _time(a.created_at), "updated_at": _time(a.updated_at),
        })
    return rows, {"flagged_annotator": flagged}
