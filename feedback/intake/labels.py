"""Checks of the labels that come with an imported item: annotations made elsewhere, automatic judges'
suggestions and the gold answer.

Only their shape is checked here, per line; their answers are checked against the project's questions by
the importer (``feedback.intake.importer``), since that needs the project.
"""

from typing import Any

from feedback.intake.records import (
    FieldChecks,
    ParsedAnnotation,
    ParsedSuggestion,
    is_empty,
    kind,
    present,
    short,
)

ANNOTATION_FIELDS = ("annotator", "preference", "ranking", "thumbs", "ratings", "flags", "correction", "rationale",
                     "shown_order", "time_spent_s")
SUGGESTION_FIELDS = ("agent", "preference", "ranking", "ratings", "flags", "score", "rationale")
MAX_ANNOTATOR, MAX_AGENT = 100, 200


class LabelChecks(FieldChecks):
    """The checks of a line's ``annotations``, ``suggestions`` and ``gold``."""

    def annotations(self, value: Any, keys: list[str]) -> list[ParsedAnnotation]:
        if not isinstance(value, list):
            self.bad("annotations", f"must be a list of annotations, not {kind(value)}")
            return []
        out: list[ParsedAnnotation] = []
        seen: dict[str, int] = {}
        for j, ann in enumerate(value):
            at = f"annotations[{j}]"
            if not isinstance(ann, dict):
                self.bad(at, f"must be an object with an annotator and answers, not {kind(ann)}")
                continue
            ann = present(ann)
            self.unknown(ann, ANNOTATION_FIELDS, at)
            name = ann.get("annotator")
            if name is None:
                self.bad(f"{at}.annotator", "missing annotator name")
            else:
                name = self.text(name, at, "annotator", limit=MAX_ANNOTATOR)
                name = name.strip() if name else None
                if name is not None and name in seen:
                    self.bad(f"{at}.annotator",
                             f"{name!r} already annotated this item (annotations[{seen[name]}])")
                elif name is not None:
                    seen[name] = j
            ratings, flags = _short_forms(ann, keys)
            answer = (_preference(ann), ratings, flags, ann.get("correction"), ann.get("rationale"))
            ranking, thumbs = ann.get("ranking"), ann.get("thumbs")
            if is_empty(answer[0]) and all(is_empty(part) for part in (*answer[1:], ranking, thumbs)):
                self.bad(at, "answers nothing; give a preference, a ranking, thumbs, ratings, flags, a correction "
                             "or a rationale")
            order, seconds = ann.get("shown_order"), ann.get("time_spent_s")
            out.append(ParsedAnnotation(j, name or "", *answer, ranking=ranking, thumbs=thumbs,
                                        shown_order=None if order is None else self.shown_order(order, keys, at),
                                        time_spent_s=None if seconds is None else self.seconds(seconds, at)))
        return out

    def shown_order(self, value: Any, keys: list[str], at: str) -> list[str] | None:
        """The candidate ids left to right as the annotator saw them: each candidate once."""
        if value is None:
            return None
        ids = [k for k in keys if isinstance(k, str)]
        known = bool(ids) and len(ids) == len(keys)  # else the candidates' own problems are reported already
        if not isinstance(value, list) or not all(isinstance(k, str) for k in value) \
                or len(set(value)) != len(value) or known and sorted(value) != sorted(ids):
            listed = f" ({', '.join(ids)})" if known else ""
            self.bad(f"{at}.shown_order", f"must list each candidate id once (as text), left to right{listed}, "
                                          f"not {short(value)}")
            return None
        return value

    def seconds(self, value: Any, at: str) -> float | None:
        """Time spent on the item, in seconds (a number, 0 or more)."""
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 10**7:
            self.bad(f"{at}.time_spent_s", f"must be a number of seconds, 0 or more, not {short(value)}")
            return None
        return float(value)

    def suggestions(self, value: Any, keys: list[str]) -> list[ParsedSuggestion]:
        """Automatic judges' verdicts: like annotations, named by ``agent``, with an optional ``score``."""
        if not isinstance(value, list):
            self.bad("suggestions", f"must be a list of suggestions, not {kind(value)}")
            return []
        out: list[ParsedSuggestion] = []
        seen: dict[str, int] = {}
        for j, sug in enumerate(value):
            at = f"suggestions[{j}]"
            if not isinstance(sug, dict):
                self.bad(at, f"must be an object with an agent and its verdict, not {kind(sug)}")
                continue
            sug = present(sug)
            self.unknown(sug, SUGGESTION_FIELDS, at)
            name = sug.get("agent")
            if name is None:
                self.bad(f"{at}.agent", "missing agent name (the automatic judge, e.g. 'gpt-judge')")
            else:
                name = self.text(name, at, "agent", limit=MAX_AGENT)
                name = name.strip() if name else None
                if name is not None and name in seen:
                    self.bad(f"{at}.agent", f"{name!r} already judged this item (suggestions[{seen[name]}])")
                elif name is not None:
                    seen[name] = j
            score = sug.get("score")
            if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float))):
                self.bad(f"{at}.score", f"must be a number, not {kind(score)}")
                score = None
            ratings, flags = _short_forms(sug, keys)
            answer = (_preference(sug), sug.get("ranking"), ratings, flags, sug.get("rationale"))
            if all(is_empty(part) for part in answer):
                self.bad(at, "answers nothing; give a preference, ranking, ratings, flags or a rationale")
            out.append(ParsedSuggestion(j, name or "", *answer[:4],
                                        score=None if score is None else float(score), rationale=answer[4]))
        return out

    def gold(self, value: Any) -> dict[str, Any] | None:
        """The gold answer's shape; its values are checked with the project's questions (``importer``)."""
        if value is None:
            return None
        if not isinstance(value, dict) or not value:
            self.bad("gold", 'must be the known answer, e.g. {"preference": "a"} or {"ranking": {"a": 1, ...}}'
                             f", not {kind(value) if value != {} else 'an empty object'}")
            return None
        return value


def _preference(answer: dict[str, Any]) -> Any:
    preference = answer.get("preference")
    if isinstance(preference, str) and not preference.strip():
        return None  # "" = no preference, as tools that always write the column do
    return preference


def _short_forms(answer: dict[str, Any], keys: list[str]) -> tuple[Any, Any]:
    """``ratings`` and ``flags`` keyed by candidate; a single candidate's may be given without its key."""
    ratings, flags = answer.get("ratings", {}), answer.get("flags", {})
    if len(keys) == 1 and isinstance(ratings, dict) and ratings \
            and not any(isinstance(v, dict) for v in ratings.values()):
        ratings = {keys[0]: ratings}  # short form for a single candidate
    if len(keys) == 1 and isinstance(flags, list):
        flags = {keys[0]: flags}
    return ratings, flags
