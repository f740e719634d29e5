"""The check of one answer against a project's label schema: every problem as ``(field, reason)``.

Used by the importer (labels collected elsewhere), by submissions and edits in the app, by reviewers'
final answers and by gold answers, so all of them accept exactly the same answers.
"""

from typing import Any

from feedback.projects.schema import MAX_CANDIDATES, LabelSchema


def whole_number(value: Any) -> bool:
    """An int, not a bool (JSON true is not a rating)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _ranking_problems(ranking: Any, keys: list[str], ties: bool) -> list[tuple[str, str]]:
    if not isinstance(ranking, dict):
        return [("ranking", "must be an object of candidate id: rank")]
    n = len(keys)
    if n < 3:
        return [("ranking", f"only items with 3 or more candidates are ranked; this one has {n}")]
    if n > MAX_CANDIDATES:
        return [("ranking", f"at most {MAX_CANDIDATES} candidates can be ranked; this item has {n}")]
    problems = [(f"ranking.{k}", f"no candidate with id {k!r}") for k in ranking if k not in keys]
    problems += [(f"ranking.{k}", f"{r!r} is not a whole number from 1 to {n}") for k, r in ranking.items()
                 if k in keys and not (whole_number(r) and 1 <= r <= n)]
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
            elif not whole_number(score) or not dim.min <= score <= dim.max:
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
