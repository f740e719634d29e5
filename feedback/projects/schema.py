"""A project's label schema (its questions) and the validation of one answer against it.

Used by the importer (labels collected elsewhere) and by submissions in the app, so both accept
exactly the same answers. The schema is flat and YAML-friendly (``schema_to_yaml`` /
``load_schema_file``); a bad schema is a ``FeedbackError`` naming the field, e.g.
``rubric[1].anchors: 9 is outside the scale 1-7``.
"""

import difflib
import json
import math
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
        return next((d for d in self.rubric if d.name == name), None)


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


# --- the structured editor of the Projects page ------------------------------------------------------

EDITOR_COLUMNS = ("name", "label", "description", "min", "max", "anchors", "required")


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


def schema_from_editor(questions: dict[str, Any], rows: list[dict[str, Any]], flags_text: str) -> LabelSchema:
    """A schema from the structured editor: the question toggles, the rubric rows (blank rows ignored) and
    the flags as comma-separated text. Errors name the field, e.g. ``rubric[1].anchors: ...``."""
    rubric = []
    for n, row in enumerate(r for r in rows if any(_cell(v) not in (None, False) for v in r.values())):
        dim = {k: _whole_cell(_cell(row.get(k))) for k in EDITOR_COLUMNS if k not in ("anchors", "required")}
        dim = {k: v for k, v in dim.items() if v is not None}
        dim["name"] = dim.get("name", "")
        dim["anchors"] = parse_anchors(_cell(row.get("anchors")) or "", f"rubric[{n}].anchors")
        dim["required"] = bool(_cell(row.get("required")))
        rubric.append(dim)
    flags = [f.strip() for f in (flags_text or "").split(",") if f.strip()]
    return parse_schema({**questions, "rubric": rubric, "flags": flags})


# --- answers ----------------------------------------------------------------------------------------

def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _ranking_problems(ranking: Any, keys: list[str], ties: bool) -> list[tuple[str, str]]:
    if not isinstance(ranking, dict):
        return [("ranking", "must be an object of candidate id: rank")]
    n = len(keys)
    if n < 3:
        return [("ranking", f"only items with 3 or more candidates are ranked; this one has {n}")]
    problems = [(f"ranking.{k}", f"no candidate with id {k!r}") for k in ranking if k not in keys]
    problems += [(f"ranking.{k}", f"{r!r} is not a whole number from 1 to {n}") for k, r in ranking.items()
                 if k in keys and not (_whole(r) and 1 <= r <= n)]
    if problems:
        return problems
    missing = [k for k in keys if k not in ranking]
    if missing:
        return [("ranking", f"rank every candidate; missing: {', '.join(missing)}")]
    ranks = sorted(ranking.values())
    if not ties and ranks != list(range(1, n + 1)):
        shared = sorted({r for r in ranks if ranks.count(r) > 1})
        reason = f"ties are not allowed: each rank from 1 to {n} once (shared: {', '.join(map(str, shared))})"
        return [("ranking", reason)]
    if ties and sorted(set(ranks)) != list(range(1, len(set(ranks)) + 1)):
        gap = min(set(range(1, max(ranks) + 1)) - set(ranks))
        return [("ranking", f"tied ranks must be dense (1, 1, 2 rather than 1, 1, 3): rank {gap} is missing")]
    return []


def _thumbs_problems(thumbs: Any, keys: list[str], asked: bool) -> list[tuple[str, str]]:
    if not isinstance(thumbs, dict):
        return [("thumbs", "must be an object of candidate id: true (up) or false (down)")]
    if thumbs and not asked:
        return [("thumbs", "this project does not ask for thumbs up or down")]
    problems = []
    for key, value in thumbs.items():
        if key not in keys:
            problems.append((f"thumbs.{key}", f"no candidate with id {key!r}"))
        elif not isinstance(value, bool):
            problems.append((f"thumbs.{key}", f"{value!r} is not true (up) or false (down)"))
    return problems


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _required_problems(schema: LabelSchema, keys: list[str], answer: dict[str, Any]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if len(keys) == 2 and schema.preference_required and answer["preference"] is None:
        extra = " (or " + " / ".join(x.replace("_", " ") for x in schema.preference_extra) + ")"
        problems.append(("preference", "required: choose which answer is better"
                                       + (extra if schema.preference_extra else "")))
    if len(keys) >= 3 and schema.ranking_required and not answer["ranking"]:
        problems.append(("ranking", "required: rank the answers (1 = best)"))
    ratings = answer["ratings"] if isinstance(answer["ratings"], dict) else {}
    thumbs = answer["thumbs"] if isinstance(answer["thumbs"], dict) else {}
    for key in keys:
        scores = ratings.get(key) if isinstance(ratings.get(key), dict) else {}
        problems += [(f"ratings.{key}.{d.name}", f"required: a score from {d.min} to {d.max}")
                     for d in schema.rubric if d.required and scores.get(d.name) is None]
        if schema.thumbs_required and thumbs.get(key) is None:
            problems.append((f"thumbs.{key}", "required: thumbs up or down"))
    for field in ("correction", "rationale"):
        value = answer[field]
        if not getattr(schema, field) and not _blank(value):
            problems.append((field, f"this project does not ask for a {field}"))
        elif getattr(schema, f"{field}_required") and _blank(value):
            problems.append((field, "required: " + ("write the answer the agent should have given"
                                                    if field == "correction" else "say why")))
    return problems


def answer_problems(
    schema: LabelSchema,
    candidate_keys: list[str],
    *,
    preference: str | None,
    ratings: dict[str, Any],
    flags: dict[str, Any],
    correction: Any = None,
    rationale: Any = None,
    ranking: Any = None,
    thumbs: Any = None,
    check_required: bool = False,
) -> list[tuple[str, str]]:
    """Every problem of one answer as ``(field, reason)``; empty when the answer is valid.

    With ``check_required`` (submissions in the app) also the missing required answers, given the
    number of candidates (preference for 2, ranking for 3+, required rubric dimensions and thumbs for
    every candidate, correction, rationale), and a correction or rationale the schema does not ask for.
    """
    problems: list[tuple[str, str]] = []
    allowed = list(candidate_keys) + schema.preference_extra
    if preference is not None and preference not in allowed:
        problems.append(("preference", f"{preference!r} is not one of {', '.join(map(repr, allowed))}"))
    if ranking is not None:
        problems += _ranking_problems(ranking, list(candidate_keys), schema.ranking_ties)
    if not isinstance(ratings, dict):
        problems.append(("ratings", "must be an object keyed by candidate id"))
        ratings = {}
    for key, scores in ratings.items():
        if key not in candidate_keys:
            problems.append((f"ratings.{key}", f"no candidate with id {key!r}"))
            continue
        if not isinstance(scores, dict):
            problems.append((f"ratings.{key}", "must be an object of dimension: score"))
            continue
        for dim_name, score in scores.items():
            dim = schema.dimension(dim_name)
            where = f"ratings.{key}.{dim_name}"
            if dim is None:
                names = ", ".join(d.name for d in schema.rubric) or "none"
                problems.append((where, f"unknown rubric dimension (the project has: {names})"))
            elif not _whole(score) or not dim.min <= score <= dim.max:
                problems.append((where, f"{score!r} is not a whole number from {dim.min} to {dim.max}"))
    if thumbs is not None:
        problems += _thumbs_problems(thumbs, list(candidate_keys), schema.thumbs)
    if not isinstance(flags, dict):
        problems.append(("flags", "must be an object keyed by candidate id"))
        flags = {}
    for key, names in flags.items():
        if key not in candidate_keys:
            problems.append((f"flags.{key}", f"no candidate with id {key!r}"))
        elif not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            problems.append((f"flags.{key}", "must be a list of flag names"))
        else:
            for name in names:
                if name not in schema.flags:
                    known = ", ".join(schema.flags) or "none"
                    problems.append((f"flags.{key}", f"unknown flag {name!r} (the project has: {known})"))
    for field, value in (("correction", correction), ("rationale", rationale)):
        if value is not None and not isinstance(value, str):
            problems.append((field, "must be text"))
    if check_required:
        answer = {"preference": preference, "ranking": ranking, "ratings": ratings, "thumbs": thumbs or {},
                  "correction": correction, "rationale": rationale}
        problems += _required_problems(schema, list(candidate_keys), answer)
    return problems
