"""Submit annotations."""

from pydantic import BaseModel, Field
from sqlmodel import Session, func, select

from feedback.db import begin_write
from feedback.errors import InvalidAnswer, NotFound
from feedback.models import Annotation, Item, Project, User, utcnow
from feedback.projects import project_schema
from feedback.queue import candidates_of
from feedback.schema import answer_problems


class Answer(BaseModel):
    """What an annotator submits for one item. Candidates are named by key, never by screen side."""

    preference: str | None = None
    ratings: dict[str, dict[str, int]] = Field(default_factory=dict)
    flags: dict[str, list[str]] = Field(default_factory=dict)
    correction: str | None = None
    rationale: str | None = None
    shown_order: list[str] | None = None
    time_spent_s: float | None = Field(default=None, ge=0)


def _clean_text(value: str | None) -> str | None:
    return value if value and value.strip() else None


def submit_annotation(*, session: Session, user: User, item_id: int, answer: Answer) -> Annotation:
    """Record ``user``'s answer on an item, once, within the project's overlap.

    A correction identical to the chosen candidate's output (the pre-filled text left unchanged) is
    not a correction and is stored as none. Empty ratings and flags lists are dropped.
    """
    begin_write(session)
    item = session.get(Item, item_id)
    if item is None:
        raise NotFound(f"No item with id {item_id}")
    project = session.get(Project, item.project_id)
    candidates = candidates_of(session, item.id)
    keys = [c.key for c in candidates]
    schema = project_schema(project)
    ratings = {k: v for k, v in answer.ratings.items() if v}
    flags = {k: sorted(set(v)) for k, v in answer.flags.items() if v}
    problems = answer_problems(schema, keys, preference=answer.preference, ratings=ratings, flags=flags)
    if len(keys) > 1 and answer.preference is None:
        problems.append(("preference", "choose which answer is better (or tie / both bad)"))
    if answer.shown_order is not None and sorted(answer.shown_order) != sorted(keys):
        problems.append(("shown_order", "must list each candidate once"))
    if problems:
        raise InvalidAnswer("; ".join(f"{field}: {reason}" for field, reason in problems))
    existing = session.exec(
        select(Annotation.id).where(Annotation.item_id == item.id, Annotation.user_id == user.id)
    ).first()
    if existing is not None:
        raise InvalidAnswer(f"{user.name} has already annotated item {item.external_id}")
    count = session.exec(
        select(func.count(Annotation.id)).where(Annotation.item_id == item.id, Annotation.status == "submitted")
    ).one()
    if count >= project.overlap:
        raise InvalidAnswer(f"Item {item.external_id} already has its {project.overlap} annotations")
    chosen = next((c for c in candidates if c.key == answer.preference), None)
    correction = _clean_text(answer.correction)
    if chosen is not None and correction is not None and correction.strip() == (chosen.output or "").strip():
        correction = None
    now = utcnow()
    annotation = Annotation(
        item_id=item.id, user_id=user.id, preference=answer.preference, ratings=ratings, flags=flags,
        correction=correction, rationale=_clean_text(answer.rationale), shown_order=answer.shown_order,
        time_spent_s=answer.time_spent_s, source="app", created_at=now, updated_at=now,
        schema_version=project.schema_version, guidelines_version=project.guidelines_version or None,
    )
    item.n_annotations = count + 1
    session.add(item)
    session.add(annotation)
    session.commit()
    return annotation
