"""Submit annotations, page back through your own, and edit them (every edit is a revision; nothing is lost).

Rules:
- One annotation per annotator and item. A submission needs the annotator's lease on the item (see
  ``feedback.labeling.queue``) or a free place: it is refused when the item's submitted annotations plus other
  annotators' active leases already reach the item's overlap (``Project.overlap + Item.extra_overlap``), and
  never goes past it. When the project escalates automatically, a submission that completes a disputed
  item's overlap asks for one more annotator (``feedback.labeling.escalation.maybe_escalate``).
- Every annotation names the schema and guidelines versions it answered, and on gold items whether it
  matched the known answer (``gold_correct``).
- ``Item.n_annotations`` counts the submitted annotations of every item, gold ones included: it is a
  count, and the queue does not use it for gold items (they are served to everyone, see ``feedback.labeling.queue``).
- Only the author edits an annotation (admins too may only edit their own). Each edit stores an
  ``AnnotationRevision`` (the revision it made, who, when, the answer before and after).
- Submitting deletes the annotator's draft of the item (``feedback.labeling.drafts``).
"""

from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import delete
from sqlmodel import Session, select

from feedback.errors import InvalidAnswer, NotFound, PermissionDenied
from feedback.labeling.escalation import maybe_escalate
from feedback.labeling.queue import others_leases
from feedback.people.permissions import REVIEWER, at_least, require_project
from feedback.projects.answers import answer_problems
from feedback.projects.gold import gold_verdict
from feedback.projects.items import candidates_of
from feedback.projects.projects import project_schema
from feedback.store.tables import (
    Annotation,
    AnnotationRevision,
    Candidate,
    Draft,
    Item,
    Lease,
    Project,
    User,
    utcnow,
)
from feedback.store.transactions import fresh, writing

ANSWER_FIELDS = ("preference", "ranking", "thumbs", "ratings", "flags", "correction", "rationale")


class Answer(BaseModel):
    """What an annotator submits for one item. Candidates are named by key, never by screen side."""

    preference: str | None = None
    ranking: dict[str, int] | None = None
    thumbs: dict[str, bool] = Field(default_factory=dict)
    ratings: dict[str, dict[str, int]] = Field(default_factory=dict)
    flags: dict[str, list[str]] = Field(default_factory=dict)
    correction: str | None = None
    rationale: str | None = None
    shown_order: list[str] | None = None
    time_spent_s: float | None = Field(default=None, ge=0)


class AnswerProblems(InvalidAnswer):
    """An answer refused for every one of its ``problems``, each ``(field, reason)`` with candidates named by key
    (``ratings.a.clarity``): an interface names them as its screen shows them."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(f"{field}: {reason}" for field, reason in problems))
        self.problems = list(problems)


def _clean_text(value: str | None) -> str | None:
    return value if value and value.strip() else None


def _top(ranking: dict[str, int] | None) -> str | None:
    if not ranking:
        return None
    best = min(ranking.values())
    keys = [k for k, r in ranking.items() if r == best]
    return keys[0] if len(keys) == 1 else None


def _checked(session: Session, project: Project, item: Item, answer: Answer) -> dict[str, Any]:
    """The answer's stored values, validated against the project's current questions.

    A correction identical to the chosen candidate's output (the pre-filled text left unchanged) is not
    a correction and is stored as none. Empty ratings, flags and rankings are dropped.
    """
    candidates: list[Candidate] = candidates_of(session, item.id)
    keys = [c.key for c in candidates]
    values: dict[str, Any] = {
        "preference": answer.preference, "ranking": answer.ranking or None, "thumbs": dict(answer.thumbs),
        "ratings": {k: v for k, v in answer.ratings.items() if v},
        "flags": {k: sorted(set(v)) for k, v in answer.flags.items() if v},
        "correction": _clean_text(answer.correction), "rationale": _clean_text(answer.rationale),
    }
    chosen_key = values["preference"] or _top(values["ranking"])
    chosen = next((c for c in candidates if c.key == chosen_key), None)
    if chosen is not None and values["correction"] is not None \
            and values["correction"].strip() == (chosen.output or "").strip():
        values["correction"] = None
    problems = answer_problems(project_schema(project), keys, check_required=True, **values)
    if answer.shown_order is not None and sorted(answer.shown_order) != sorted(keys):
        problems.append(("shown_order", "must list each candidate once"))
    if problems:
        raise AnswerProblems(problems)
    return values


def _versions(project: Project) -> dict[str, int | None]:
    return {"schema_version": project.schema_version, "guidelines_version": project.guidelines_version or None}


def item_for_answer(session: Session, user: User | None, item_id: int) -> tuple[User, Item, Project]:
    """The signed-in ``user``, the item and its project, when ``user`` may answer in that project."""
    if user is None:
        raise PermissionDenied("Only a signed-in annotator can answer")
    item = fresh(session, Item, item_id)
    if item is None:
        raise NotFound(f"No item with id {item_id}")
    project = fresh(session, Project, item.project_id)
    require_project(session, user, project)
    return user, item, project


def submit_annotation(*, session: Session, user: User, item_id: int, answer: Answer) -> Annotation:
    """Record ``user``'s answer on an item, once, within the project's overlap; releases their lease."""
    with writing(session):
        user, item, project = item_for_answer(session, user, item_id)
        mine = select(Annotation.id).where(Annotation.item_id == item.id, Annotation.user_id == user.id)
        if session.exec(mine).first() is not None:
            raise InvalidAnswer(f"{user.name} has already annotated item {item.external_id}")
        values = _checked(session, project, item, answer)
        now = utcnow()
        if not item.is_gold:
            _check_room(session, user, item, project, now)
        annotation = Annotation(
            item_id=item.id, user_id=user.id, **values, shown_order=answer.shown_order,
            time_spent_s=answer.time_spent_s, source="app", created_at=now, updated_at=now, **_versions(project),
            gold_correct=gold_verdict(item.gold_answer, preference=values["preference"], ranking=values["ranking"])
            if item.is_gold else None,
        )
        item.n_annotations += 1
        session.add(item)
        session.add(annotation)
        session.exec(delete(Lease).where(Lease.item_id == item.id, Lease.user_id == user.id)
                     .execution_options(synchronize_session=False))
        session.exec(delete(Draft).where(Draft.item_id == item.id, Draft.user_id == user.id)  # the draft is done
                     .execution_options(synchronize_session=False))
        session.flush()
        if project.auto_escalate:
            maybe_escalate(session, project, item)
    return annotation


def _check_room(session: Session, user: User, item: Item, project: Project, now) -> None:
    """Refuse a submission that would pass the item's overlap (the project's plus the annotators a reviewer
    asked for), or take a place others hold with their leases."""
    wanted = project.overlap + item.extra_overlap
    if item.n_annotations >= wanted:
        raise InvalidAnswer(f"Item {item.external_id} already has its {wanted} annotations")
    leased = session.exec(select(Lease.id).where(Lease.item_id == item.id, Lease.user_id == user.id,
                                                 Lease.expires_at > now)).first()
    if leased is None and item.n_annotations + others_leases(
            session, item_id=item.id, user_id=user.id, now=now) >= wanted:
        raise InvalidAnswer(f"Item {item.external_id} is being answered by other annotators and will have its "
                            f"{wanted} annotations; take the next item")


def answer_json(annotation: Annotation) -> dict[str, Any]:
    """The answer part of an annotation, as stored in its revisions."""
    data = {name: getattr(annotation, name) for name in ANSWER_FIELDS}
    data.update(schema_version=annotation.schema_version, guidelines_version=annotation.guidelines_version)
    return data


def edit_annotation(*, session: Session, user: User, annotation_id: int, answer: Answer) -> Annotation:
    """Change ``user``'s own answer (validated like a submission); the change is kept as a new revision.

    An edit that changes nothing makes no revision.
    """
    with writing(session):
        annotation = fresh(session, Annotation, annotation_id)
        if annotation is None:
            raise NotFound(f"No annotation with id {annotation_id}")
        if user is None or annotation.user_id != user.id:
            raise PermissionDenied("You can only edit your own annotations")
        user, item, project = item_for_answer(session, user, annotation.item_id)
        values = _checked(session, project, item, answer) | _versions(project)
        old = answer_json(annotation)
        if old == values:
            return annotation
        now = utcnow()
        for name, value in values.items():
            setattr(annotation, name, value)
        if answer.shown_order is not None:
            annotation.shown_order = answer.shown_order
        if item.is_gold:
            annotation.gold_correct = gold_verdict(item.gold_answer, preference=annotation.preference,
                                                   ranking=annotation.ranking)
        annotation.revision += 1
        annotation.updated_at = now
        session.add(AnnotationRevision(annotation_id=annotation.id, revision=annotation.revision, user_id=user.id,
                                       old=old, new=answer_json(annotation), created_at=now))
        session.add(annotation)
        session.flush()
    return annotation


def _project_of(session: Session, annotation: Annotation) -> Project:
    return session.get(Project, session.get(Item, annotation.item_id).project_id)


def my_annotations(*, session: Session, user: User, project: Project, offset: int = 0,
                   limit: int = 50) -> list[tuple[Annotation, Item]]:
    """``user``'s own annotations in the project with their items, newest first."""
    if user is None:
        raise PermissionDenied("Only a signed-in annotator has answers")
    require_project(session, user, project)
    rows = session.exec(
        select(Annotation, Item).join(Item, Item.id == Annotation.item_id)
        .where(Annotation.user_id == user.id, Item.project_id == project.id)
        .order_by(Annotation.created_at.desc(), Annotation.id.desc())
        .offset(max(offset, 0)).limit(max(limit, 0))
    ).all()
    return [(annotation, item) for annotation, item in rows]


def get_my_annotation(*, session: Session, user: User, annotation_id: int) -> Annotation:
    """One of ``user``'s own annotations."""
    annotation = session.get(Annotation, annotation_id)
    if annotation is None:
        raise NotFound(f"No annotation with id {annotation_id}")
    if user is None or annotation.user_id != user.id:
        raise PermissionDenied("You can only open your own annotations")
    require_project(session, user, _project_of(session, annotation))
    return annotation


def annotation_history(*, session: Session, user: User, annotation_id: int) -> list[AnnotationRevision]:
    """The edits of an annotation, oldest first: for its author, and reviewers and admins."""
    annotation = session.get(Annotation, annotation_id)
    if annotation is None:
        raise NotFound(f"No annotation with id {annotation_id}")
    own = user is not None and annotation.user_id == user.id
    if not own and not at_least(user, REVIEWER):
        raise PermissionDenied("Only reviewers and admins may see the history of other people's answers")
    require_project(session, user, _project_of(session, annotation))
    return list(session.exec(select(AnnotationRevision).where(AnnotationRevision.annotation_id == annotation_id)
                             .order_by(AnnotationRevision.revision)).all())
