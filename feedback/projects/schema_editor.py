"""The rubric table editor of the Projects page: a schema as rows of a table and back.

``editor_rows`` gives one row per rubric dimension (anchors as ``1=useless; 5=perfect`` text);
``schema_from_editor`` reads the question toggles, the edited rows and the flags text back into a
``LabelSchema``, every error naming its field, e.g. ``rubric[1].anchors: ...``.
"""

import math
from typing import Any

from feedback.errors import FeedbackError
from feedback.projects.schema import LabelSchema, parse_schema

EDITOR_COLUMNS = ("name", "label", "description", "min", "max", "anchors", "required")
TEXT_COLUMNS = ("name", "label", "description", "anchors")


def anchors_text(anchors: dict[int, str]) -> str:
    """Anchors as one line, ``1=useless; 5=perfect``."""
    return "; ".join(f"{point}={text}" for point, text in sorted(anchors.items()))


def parse_anchors(text: str, where: str) -> dict[int, str]:
    """``1=useless; 5=perfect`` as ``{1: "useless", 5: "perfect"}``; errors name ``where``."""
    anchors: dict[int, str] = {}
    for part in (text or "").split(";"):
        if not part.strip():
            continue
        point, sep, label = part.partition("=")
        if not sep or not point.strip().lstrip("-").isdigit() or not label.strip():
            raise FeedbackError(f"{where}: {part.strip()!r} is not POINT=TEXT (e.g. 1=useless; 5=perfect)")
        anchors[int(point)] = label.strip()
    return anchors


def _cell(value: Any) -> Any:
    """An editor cell with blanks (None, NaN, empty text) as None."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or (isinstance(value, str) and not value.strip()):
        return None
    return value.strip() if isinstance(value, str) else value


def _whole_cell(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def editor_rows(schema: LabelSchema) -> list[dict[str, Any]]:
    """The rubric as rows of the editor table (anchors as text)."""
    return [{"name": d.name, "label": d.label, "description": d.description, "min": d.min, "max": d.max,
             "anchors": anchors_text(d.anchors), "required": d.required} for d in schema.rubric]


def blank_row(row: dict[str, Any]) -> bool:
    """Whether an editor row says nothing: no name, label, description or anchors. The editor's "+" fills a new
    row's scale and checkbox with their defaults, so those alone do not make a dimension."""
    return all(_cell(row.get(k)) is None for k in TEXT_COLUMNS)


def schema_from_editor(questions: dict[str, Any], rows: list[dict[str, Any]], flags_text: str) -> LabelSchema:
    """A schema from the structured editor: the question toggles, the rubric rows (blank rows ignored:
    ``blank_row``) and the flags as comma-separated text. Errors name the field, e.g. ``rubric[1].anchors: ...``."""
    rubric = []
    for n, row in enumerate(r for r in rows if not blank_row(r)):
        dim = {k: _whole_cell(_cell(row.get(k))) for k in EDITOR_COLUMNS if k not in ("anchors", "required")}
        dim = {k: v for k, v in dim.items() if v is not None}
        dim["name"] = dim.get("name", "")
        dim["anchors"] = parse_anchors(_cell(row.get("anchors")) or "", f"rubric[{n}].anchors")
        dim["required"] = bool(_cell(row.get("required")))
        rubric.append(dim)
    flags = [f.strip() for f in (flags_text or "").split(",") if f.strip()]
    return parse_schema({**questions, "rubric": rubric, "flags": flags})
