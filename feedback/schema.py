"""A project's label schema (its questions) and the validation of one answer against it.

Used by the importer (labels collected elsewhere) and by submissions in the app, so both accept
exactly the same answers.
"""

from typing import Any

from pydantic import BaseModel, Field

TIE = "tie"
BOTH_BAD = "both_bad"


class RubricDimension(BaseModel):
    name: str
    label: str = ""
    min: int = 1
    max: int = 5
    description: str = ""

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
    """The questions of a project. Stored as JSON in ``Project.questions``."""

    preference_extra: list[str] = Field(default_factory=lambda: [TIE, BOTH_BAD])
    rubric: list[RubricDimension] = Field(default_factory=lambda: [d.model_copy() for d in DEFAULT_RUBRIC])
    flags: list[str] = Field(default_factory=lambda: list(DEFAULT_FLAGS))
    correction: bool = True
    rationale: bool = True

    def dimension(self, name: str) -> RubricDimension | None:
        return next((d for d in self.rubric if d.name == name), None)


def flag_title(flag: str) -> str:
    return flag.replace("_", " ")


def answer_problems(
    schema: LabelSchema,
    candidate_keys: list[str],
    *,
    preference: str | None,
    ratings: dict[str, Any],
    flags: dict[str, Any],
    correction: Any = None,
    rationale: Any = None,
) -> list[tuple[str, str]]:
    """Every problem of one answer as ``(field, reason)``; empty when the answer is valid."""
    problems: list[tuple[str, str]] = []
    allowed = list(candidate_keys) + schema.preference_extra
    if preference is not None and preference not in allowed:
        problems.append(("preference", f"{preference!r} is not one of {', '.join(map(repr, allowed))}"))
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
            elif isinstance(score, bool) or not isinstance(score, int) or not dim.min <= score <= dim.max:
                problems.append((where, f"{score!r} is not a whole number from {dim.min} to {dim.max}"))
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
                    problems.append((f"flags.{key}", f"unknown flag {name!r} (the project has: {', '.join(schema.flags)})"))
    for field, value in (("correction", correction), ("rationale", rationale)):
        if value is not None and not isinstance(value, str):
            problems.append((field, "must be text"))
    return problems
