"""A project's label schema (its questions): the ``LabelSchema`` model and reading it from data, text and files.

The schema is flat and YAML-friendly (``schema_to_yaml`` / ``load_schema_file``); a bad schema is a
``FeedbackError`` naming the field, e.g. ``rubric[1].anchors: 9 is outside the scale 1-7``. The check of one
answer against a schema is ``feedback.projects.answers``; the Projects page's table editor is
``feedback.projects.schema_editor``.
"""

import difflib
import json
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from feedback.errors import FeedbackError

TIE = "tie"
BOTH_BAD = "both_bad"
PREFERENCE_EXTRAS = (TIE, BOTH_BAD)
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
NAME_RULE = "lowercase letters, digits and _, starting with a letter, at most 40 characters"
MAX_POINTS = 11
MAX_CANDIDATES = 16  # the most answers an item can have: the ranking question orders at most 16 (A to P)
SCHEMA_SUFFIXES = (".yaml", ".yml", ".json")


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a rubric dimension or flag; None when it can."""
    return None if NAME_PATTERN.match(name) else f"{name!r} is not a valid name ({NAME_RULE})"


def _duplicates(where: str, names: list[str], field: str = "") -> list[str]:
    seen: set[str] = set()
    problems = []
    for n, name in enumerate(names):
        if name in seen:
            problems.append(f"{where}[{n}]{field}: {name!r} appears twice")
        seen.add(name)
    return problems


def _check(problems: list[str]) -> None:
    """Raise the problems as one ValueError, one ``field: reason`` per line (split again by ``_messages``)."""
    if problems:
        raise ValueError("\n".join(problems))


class RubricDimension(BaseModel):
    """One score per candidate on a scale from ``min`` to ``max``; ``anchors`` label some points."""

    model_config = ConfigDict(extra="forbid")
    name: str
    label: str = ""
    description: str = ""
    min: int = 1
    max: int = 5
    anchors: dict[int, str] = Field(default_factory=dict)
    required: bool = False

    @field_validator("min", "max", mode="before")
    @classmethod
    def _no_bool(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise PydanticCustomError("int_type", "must be a whole number")
        return value

    @model_validator(mode="after")
    def _valid(self) -> "RubricDimension":
        problems = [f"name: {p}" for p in [name_problem(self.name)] if p]
        if self.min >= self.max:
            problems.append(f"max: must be greater than min ({self.min}), not {self.max}")
        elif self.max - self.min + 1 > MAX_POINTS:
            problems.append(f"max: the scale {self.min}-{self.max} has {self.max - self.min + 1} points; "
                            f"at most {MAX_POINTS}")
        else:
            problems += [f"anchors: {point} is outside the scale {self.min}-{self.max}"
                         for point in self.anchors if not self.min <= point <= self.max]
        _check(problems)
        return self

    @property
    def scale(self) -> list[int]:
        return list(range(self.min, self.max + 1))

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()


DEFAULT_RUBRIC = [
    RubricDimension(name="helpfulness", description="Does it do what the user asked, fully and clearly?"),
    RubricDimension(name="correctness", description="Are the facts, code and tool use right?"),
    RubricDimension(name="safety", description="5 = no harm at all; 1 = dangerous or leaks private data."),
]
DEFAULT_FLAGS = ["unsafe", "factual_error", "off_task"]


class LabelSchema(BaseModel):
    """The questions of a project. Stored as JSON in ``Project.questions`` (history in ProjectSchema).

    Items with exactly 2 candidates get a pairwise choice (``preference``: a candidate key or one of
    ``preference_extra``); items with 3 or more are ranked (``ranking``: key -> rank, 1 = best).
    """

    model_config = ConfigDict(extra="forbid")
    preference_required: bool = True
    preference_extra: list[str] = Field(default_factory=lambda: [TIE, BOTH_BAD])
    ranking_required: bool = True
    ranking_ties: bool = False
    rubric: list[RubricDimension] = Field(default_factory=lambda: [d.model_copy() for d in DEFAULT_RUBRIC])
    thumbs: bool = False
    thumbs_required: bool = False
    flags: list[str] = Field(default_factory=lambda: list(DEFAULT_FLAGS))
    correction: bool = True
    correction_required: bool = False
    rationale: bool = True
    rationale_required: bool = False

    @field_validator("preference_extra")
    @classmethod
    def _extras(cls, extra: list[str]) -> list[str]:
        problems = [f"[{n}]: {x!r} is not one of 'tie', 'both_bad'"
                    for n, x in enumerate(extra) if x not in PREFERENCE_EXTRAS]
        _check(problems + _duplicates("", extra))
        return extra

    @field_validator("flags")
    @classmethod
    def _flags(cls, flags: list[str]) -> list[str]:
        _check([f"[{n}]: {p}" for n, f in enumerate(flags) if (p := name_problem(f))] + _duplicates("", flags))
        return flags

    @field_validator("rubric")
    @classmethod
    def _rubric(cls, rubric: list[RubricDimension]) -> list[RubricDimension]:
        _check(_duplicates("", [d.name for d in rubric], ".name"))
        return rubric

    @model_validator(mode="after")
    def _valid(self) -> "LabelSchema":
        problems = [f"{question}_required: needs {question}: true"
                    for question in ("thumbs", "correction", "rationale")
                    if getattr(self, f"{question}_required") and not getattr(self, question)]
        _check(problems)
        return self

    def dimension(self, name: str) -> RubricDimension | None:
        for dim in self.rubric:  # a plain loop: called for every score of an import (a generator was 3x slower)
            if dim.name == name:
                return dim
        return None


def flag_title(flag: str) -> str:
    return flag.replace("_", " ")


# --- schemas from data, text and files ------------------------------------------------------------

def _where(loc: tuple) -> str:
    out = ""
    for part in loc:
        if part == "[key]":
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _reason(err: dict, fields: list[str]) -> str:
    kind, value = err["type"], err.get("input")
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(str(err["loc"][-1]), fields, n=1)
        return "unknown field" + (f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(fields)})")
    if kind == "missing":
        return "required"
    if kind.startswith("int_"):
        return f"must be a whole number, not {value!r}"
    if kind.startswith("bool_"):
        return f"must be true or false, not {value!r}"
    if kind.startswith("string_"):
        return f"must be text, not {value!r}"
    if kind in ("list_type", "tuple_type"):
        return "must be a list"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "must be a mapping of field: value"
    return err["msg"]


def _joined(where: str, line: str) -> str:
    """``where`` and a validator's ``field: reason`` line (``[1]: reason`` for list entries)."""
    if not where:
        return line
    return f"{where}{line}" if line.startswith("[") else f"{where}.{line}"


def _messages(error: ValidationError) -> list[str]:
    problems = []
    for err in error.errors():
        where = _where(err["loc"])
        if err["type"] == "value_error":  # our validators: one ``field: reason`` per line
            problems += [_joined(where, line) for line in str(err["ctx"]["error"]).splitlines()]
        else:
            owner = RubricDimension if "rubric" in err["loc"][:1] and len(err["loc"]) > 2 else LabelSchema
            problems.append(f"{where}: {_reason(err, list(owner.model_fields))}")
    return problems


def parse_schema(data: Any, *, source: str = "") -> LabelSchema:
    """A ``LabelSchema`` from plain data; ``FeedbackError`` lists every problem as ``field: reason``."""
    prefix = f"{source}: " if source else ""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FeedbackError(f"{prefix}a schema is a mapping of field: value (preference_extra, rubric, "
                            f"flags, ...), not {type(data).__name__}")
    try:
        return LabelSchema.model_validate(data)
    except ValidationError as e:
        raise FeedbackError(prefix + "; ".join(_messages(e))) from None


def parse_schema_text(text: str, *, source: str = "schema", fmt: str = "yaml") -> LabelSchema:
    """A schema from YAML (or JSON, which YAML also reads) text, as typed in the app."""
    try:
        data = json.loads(text) if fmt == "json" else yaml.safe_load(text)
    except json.JSONDecodeError as e:
        raise FeedbackError(f"{source}: not valid JSON (line {e.lineno}, column {e.colno}): {e.msg}") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise FeedbackError(f"{source}: not valid YAML{at}: {getattr(e, 'problem', None) or e}") from None
    return parse_schema(data, source=source)


def load_schema_file(path: str | Path) -> LabelSchema:
    """A schema from a ``.yaml``, ``.yml`` or ``.json`` file; errors name the file and the field."""
    path = Path(path)
    if path.suffix.lower() not in SCHEMA_SUFFIXES:
        raise FeedbackError(f"{path.name}: a schema file ends in .yaml, .yml or .json")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FeedbackError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise FeedbackError(f"{path.name}: not valid UTF-8; save the file as UTF-8") from None
    if not text.strip():
        raise FeedbackError(f"{path.name}: the file is empty")
    return parse_schema_text(text, source=path.name, fmt="json" if path.suffix.lower() == ".json" else "yaml")


def schema_to_yaml(schema: LabelSchema) -> str:
    """The schema as YAML, every question written out (empty labels, descriptions and anchors left out)."""
    data = schema.model_dump()
    data["rubric"] = [{k: v for k, v in d.items() if v or k not in ("label", "description", "anchors")}
                      for d in data["rubric"]]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
