"""What checking one line of an import gives, and the field checks every part of a line shares.

A line gives a ``ParsedItem`` (with the ``ParsedAnnotation``s and ``ParsedSuggestion``s that came with it)
or its problems, each a ``Problem(line, field, reason)``; ``Record`` is the pair a reader yields per line.
``FieldChecks`` collects a line's problems, worded alike (``kind``, ``short``, ``printable``).
"""

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from feedback.projects.items import said_nothing


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one line of an input file (``line`` 0 = the whole file)."""

    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        return f"{where}, field {self.field}: {self.reason}" if self.field else f"{where}: {self.reason}"


@dataclass(slots=True)
class ParsedAnnotation:
    index: int  # position in the line's "annotations" list (for field names)
    annotator: str
    preference: Any
    ratings: Any
    flags: Any
    correction: Any
    rationale: Any
    ranking: Any = None  # checked against the candidates and the project's questions later
    thumbs: Any = None
    shown_order: list[str] | None = None  # candidate ids left to right, as the annotator saw them
    time_spent_s: float | None = None


@dataclass(slots=True)
class ParsedSuggestion:
    """An automatic judge's verdict on the item (its answers are checked against the project later)."""

    index: int  # position in the line's "suggestions" list (for field names)
    agent: str
    preference: Any
    ranking: Any
    ratings: Any
    flags: Any
    score: float | None
    rationale: Any


@dataclass(slots=True)
class ParsedItem:
    line: int
    external_id: str
    explicit_id: bool
    prompt: str | None
    messages: list[dict[str, Any]] | None
    candidates: list[dict[str, Any]]  # key, model, version, output, messages, meta
    meta: dict[str, Any]
    content_hash: str
    annotations: list[ParsedAnnotation] = field(default_factory=list)
    priority: int = 0  # higher is served first
    gold: dict[str, Any] | None = None  # the known answer (checked against the project's questions later)
    columns: dict[str, str] = field(default_factory=dict)  # field -> the source's name for it (CSV columns)
    suggestions: list[ParsedSuggestion] = field(default_factory=list)  # automatic judges' verdicts
    reference: bool = False  # a line that only adds labels to the stored item with this id (no content)
    stored_id: int | None = None  # a reference's stored item (found by the importer)
    notes: list[Problem] = field(default_factory=list)  # values imported in another form than written

    @property
    def keys(self) -> list[str]:
        return [c["key"] for c in self.candidates]

    @property
    def empty_outputs(self) -> int:
        """How many of the item's candidates returned nothing (``said_nothing``)."""
        return sum(said_nothing(c["output"], c["messages"]) for c in self.candidates)


Record = tuple[int, ParsedItem | None, list[Problem]]  # (line, the item if the line is valid, its problems)


def kind(value: Any) -> str:
    """The JSON name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def printable(name: str) -> str:
    """A field name safe to print: control characters, NULs and lone surrogates from the file are escaped."""
    return name if name.isprintable() else name.encode("unicode_escape").decode("ascii")


def short(value: Any, limit: int = 80) -> str:
    """``repr(value)``, cut to ``limit`` characters (values from a file can be huge)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def unknown_field(name: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(name.lower(), known, n=1, cutoff=0.6)
    if close:
        return f"unknown field; did you mean {close[0]!r}?"
    return f"unknown field (known fields: {', '.join(known)})"


def is_empty(value: Any) -> bool:
    """No answer: null, blank text, an empty list, or an object whose values are all empty."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list):
        return not value
    if isinstance(value, dict):
        return all(is_empty(v) for v in value.values())
    return False


def present(obj: dict[str, Any]) -> dict[str, Any]:
    """The object without its null values: ``"field": null`` means the same as leaving the field out (the object
    itself when it has none: copy it before changing it)."""
    return {k: v for k, v in obj.items() if v is not None} if None in obj.values() else obj


class FieldChecks:
    """The problems of one line, and the checks of a single field that every part of the line uses."""

    def __init__(self, line: int):
        self.line = line
        self.problems: list[Problem] = []

    def bad(self, field_: str, reason: str) -> None:
        self.problems.append(Problem(self.line, printable(field_), reason))

    def unknown(self, obj: dict[str, Any], known: tuple[str, ...], where: str = "") -> None:
        for key in obj:
            if key not in known:
                self.bad(f"{where}.{key[:60]}" if where else key[:60], unknown_field(key, known))

    def text(self, value: Any, where: str, sub: str = "", *, limit: int | None = None) -> str | None:
        """``value`` if it is non-blank text; ``where.sub`` names the field (joined only when reported)."""
        if isinstance(value, str) and value and not value.isspace() and len(value) <= (limit or len(value)):
            return value
        where = f"{where}.{sub}" if sub else where
        if not isinstance(value, str):
            self.bad(where, f"must be text, not {kind(value)}")
        elif not value.strip():
            self.bad(where, "empty text")
        else:
            self.bad(where, f"longer than {limit} characters")
        return None


_LAST_PART = re.compile(r"(\.[^.\[\]]*|\[\d+\])$")


def source_field(name: str, fields: dict[str, str]) -> str:
    """The source's own name for our field ``name`` (a CSV column, another tool's field): the closest enclosing
    field that ``fields`` names, else ``name``."""
    at = name
    while at:
        if at in fields:
            return fields[at]
        shorter = _LAST_PART.sub("", at)
        if shorter == at:
            break
        at = shorter
    return name
