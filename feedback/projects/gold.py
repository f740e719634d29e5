"""Gold items: items with a known answer, mixed into every annotator's queue to measure their accuracy.

A gold answer is ``{"preference": key | "tie" | "both_bad"}`` (pairwise items) and/or
``{"ranking": {key: rank}}`` (items with 3 or more candidates). An annotation on a gold item is correct
when every part of the gold answer it can be compared with matches (``gold_verdict``); the verdict is
stored on the annotation (``Annotation.gold_correct``) at submit and on every edit.
"""

from typing import Any

from sqlalchemy import Integer, cast
from sqlmodel import Session, func, select

from feedback.errors import FeedbackError, InvalidAnswer, NotFound
from feedback.people.permissions import ADMIN, REVIEWER, require, require_project
from feedback.projects.answers import answer_problems
from feedback.projects.items import candidates_of
from feedback.projects.projects import project_schema
from feedback.projects.schema import BOTH_BAD, TIE, LabelSchema
from feedback.store.tables import Annotation, Item, Project, User
from feedback.store.transactions import fresh, writing

GOLD_FIELDS = ("preference", "ranking")


def _dense(ranking: dict[str, int]) -> dict[str, int]:
    """Ranks renumbered 1, 2, ... in order, equal ranks kept equal (1, 1, 3 -> 1, 1, 2)."""
    levels = {rank: n for n, rank in enumerate(sorted(set(ranking.values())), start=1)}
    return {key: levels[rank] for key, rank in ranking.items()}


def _top(ranking: dict[str, int] | None) -> str | None:
    """The best-ranked key, or ``"tie"`` when several share rank 1."""
    if not ranking:
        return None
    best = min(ranking.values())
    keys = [key for key, rank in ranking.items() if rank == best]
    return keys[0] if len(keys) == 1 else TIE


def gold_verdict(gold: dict[str, Any] | None, *, preference: str | None,
                 ranking: dict[str, int] | None) -> bool | None:
    """Whether an answer matches the gold answer; None when there is nothing to compare.

    Rankings are compared whole (after renumbering ties densely). A gold preference is compared with the
    answer's preference, or with the top of its ranking; a gold ranking with no ranking in the answer is
    compared by its top choice.
    """
    if not gold:
        return None
    verdicts = []
    gold_ranking = gold.get("ranking")
    if gold_ranking and ranking:
        verdicts.append(_dense(gold_ranking) == _dense(ranking))
    if "preference" in gold or not verdicts:
        expected = gold.get("preference") or _top(gold_ranking)
        given = preference or _top(ranking)
        if expected is not None and given is not None:
            verdicts.append(expected == given)
    return all(verdicts) if verdicts else None


def gold_problems(answer: Any, keys: list[str], *, extra: tuple[str, ...] = (TIE, BOTH_BAD),
                  ranking_ties: bool = True) -> list[tuple[str, str]]:
    """Problems of a gold answer for an item with candidates ``keys``, as ``(field, reason)``."""
    if not isinstance(answer, dict) or not answer:
        return [("gold", 'must be an object such as {"preference": "a"} or {"ranking": {"a": 1, ...}}')]
    problems = [(f"gold.{k}", f"unknown field (known fields: {', '.join(GOLD_FIELDS)})")
                for k in answer if k not in GOLD_FIELDS]
    if problems:
        return problems
    preference, ranking = answer.get("preference"), answer.get("ranking")
    if "preference" in answer and not isinstance(preference, str):
        return [("gold.preference", "must be a candidate id, 'tie' or 'both_bad'")]
    schema = LabelSchema(preference_extra=list(extra), ranking_ties=ranking_ties, rubric=[], flags=[])
    return [(f"gold.{where}", reason) for where, reason in answer_problems(
        schema, keys, preference=preference, ranking=ranking, ratings={}, flags={})]


def set_gold(*, session: Session, user: User | None, item_id: int, answer: dict[str, Any] | None) -> Item:
    """Mark an item as gold with its known ``answer`` (admins), or unmark it with ``answer=None``.

    The verdicts of the item's existing annotations are recomputed (cleared when unmarked).
    """
    require(user, ADMIN, "mark gold items")
    with writing(session):
        item = fresh(session, Item, item_id)
        if item is None:
            raise NotFound(f"No item with id {item_id}")
        if answer is not None:
            schema = project_schema(fresh(session, Project, item.project_id))
            keys = [c.key for c in candidates_of(session, item.id)]
            problems = gold_problems(answer, keys, extra=tuple(schema.preference_extra),
                                     ranking_ties=schema.ranking_ties)
            if problems:
                raise InvalidAnswer("; ".join(f"{field}: {reason}" for field, reason in problems))
            answer = {k: answer[k] for k in GOLD_FIELDS if k in answer}
        item.is_gold, item.gold_answer = answer is not None, answer
        session.add(item)
        for ann in session.exec(select(Annotation).where(Annotation.item_id == item.id)).all():
            ann.gold_correct = gold_verdict(answer, preference=ann.preference, ranking=ann.ranking)
            session.add(ann)
        session.flush()
    return item


def list_gold_items(*, session: Session, user: User | None, project: Project) -> list[Item]:
    """The project's gold items with their known answers, in import order (admins)."""
    require(user, ADMIN, "see gold items")
    return list(session.exec(select(Item).where(Item.project_id == project.id, Item.is_gold)
                             .order_by(Item.position, Item.id)).all())


def gold_accuracy(*, session: Session, user: User | None, project: Project) -> list[dict[str, Any]]:
    """Per annotator who answered gold items of the project, by name: ``annotator``, ``user_id``,
    ``gold_answered`` (answers with a verdict), ``correct`` and ``accuracy`` (0..1). Reviewers and admins."""
    require(user, REVIEWER, "see annotators' gold accuracy")
    require_project(session, user, project)
    judged = Annotation.gold_correct.is_not(None)
    rows = session.exec(
        select(User.id, User.name, func.count(Annotation.id),
               func.coalesce(func.sum(cast(Annotation.gold_correct, Integer)), 0))
        .join(Annotation, Annotation.user_id == User.id)
        .join(Item, Item.id == Annotation.item_id)
        .where(Item.project_id == project.id, Item.is_gold, judged)
        .group_by(User.id, User.name).order_by(User.name)
    ).all()
    return [{"annotator": name, "user_id": user_id, "gold_answered": n, "correct": correct,
             "accuracy": correct / n} for user_id, name, n, correct in rows]


def gold_answer_from_text(kind: str, text: str) -> dict[str, Any]:
    """A gold answer typed on the Projects page: ``preference`` (``a``, ``tie``, ``both_bad``) or ``ranking``
    (``a=1, b=2, c=3``); checked against the item by ``set_gold``."""
    text = (text or "").strip()
    if not text:
        raise FeedbackError(f"gold.{kind}: type the known answer")
    if kind == "preference":
        return {"preference": text}
    ranking: dict[str, Any] = {}
    for part in text.split(","):
        key, sep, rank = part.partition("=")
        if not sep or not key.strip() or not rank.strip().isdigit():
            raise FeedbackError(f"gold.ranking: {part.strip()!r} is not CANDIDATE=RANK (e.g. a=1, b=2, c=3)")
        ranking[key.strip()] = int(rank)
    return {"ranking": ranking}
