"""Raw annotations: one row per submitted annotation, every answer, for a team's own analysis.

Columns: ``item_id`` (the item's id in the imported file), ``annotator``, ``preference``, ``ranking``,
``thumbs``, ``ratings``, ``flags`` and ``shown_order`` (JSON text, keys sorted; null where not given),
``correction``, ``rationale``, ``time_spent_s``, ``source`` (``app`` or ``import``), ``revision`` (1 + the
number of edits), ``schema_version`` and ``guidelines_version`` (the versions answered and shown),
``gold_correct``, ``created_at`` and ``updated_at`` (ISO 8601, UTC, as stored). Rows come in item position
order, then annotator name. Drafts are not exported; with ``exclude_flagged`` the annotations of flagged
annotators are left out.
"""

import json
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from feedback.export_rows import missing
from feedback.models import Annotation, Item, User


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _time(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


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
            "item_id": str(ext), "annotator": str(name), "preference": a.preference,
            "ranking": _json(a.ranking), "thumbs": _json(a.thumbs or None), "ratings": _json(a.ratings or None),
            "flags": _json(a.flags or None), "correction": a.correction, "rationale": a.rationale,
            "shown_order": _json(a.shown_order),
            "time_spent_s": None if missing(a.time_spent_s) else float(a.time_spent_s),
            "source": a.source, "revision": int(a.revision), "schema_version": a.schema_version,
            "guidelines_version": a.guidelines_version, "gold_correct": a.gold_correct,
            "created_at": _time(a.created_at), "updated_at": _time(a.updated_at),
        })
    return rows, {"flagged_annotator": flagged}
