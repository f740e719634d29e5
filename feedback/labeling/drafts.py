"""Drafts: an annotator's half-entered answer on an item, kept on the server so that a reload, a sign-out or a
closed tab loses nothing; restored when the item is served to them again.

Rules:
- One draft per annotator and item (``Draft``), only ever read or written by its annotator, on a project they may
  use. A draft is not checked against the questions: it is whatever the form held, even incomplete.
- Submitting the answer deletes the draft in the same transaction (``feedback.labeling.annotate``); skipping the
  item deletes it with ``drop_draft``. An empty answer keeps no draft.
"""

from sqlalchemy import delete
from sqlmodel import Session, select

from feedback.labeling.annotate import Answer, item_for_answer
from feedback.store.tables import Draft, User, utcnow
from feedback.store.transactions import writing

DRAFT_FIELDS = {"preference", "ranking", "thumbs", "ratings", "flags", "correction", "rationale"}


def _filled(value):
    """``value`` without its empty parts (per-candidate scores or flags not given yet); None when all empty."""
    if isinstance(value, dict):
        value = {k: v for k, v in ((k, _filled(v)) for k, v in value.items()) if v is not None}
    return None if value in ({}, [], "", None) else value


def draft_fields(answer: Answer) -> dict:
    """What a draft keeps of ``answer``: the fields the annotator filled in (equal for equal drafts)."""
    data = answer.model_dump(include=DRAFT_FIELDS)
    return {name: value for name, value in ((n, _filled(v)) for n, v in data.items()) if value is not None}


def save_draft(*, session: Session, user: User, item_id: int, answer: Answer) -> Draft | None:
    """Keep ``answer`` as ``user``'s draft on the item (one small write); an empty answer drops the draft."""
    fields = draft_fields(answer)
    with writing(session):
        user, item, _ = item_for_answer(session, user, item_id)
        draft = session.exec(select(Draft).where(Draft.user_id == user.id, Draft.item_id == item.id)).first()
        if not fields:
            if draft is not None:
                session.delete(draft)
            return None
        if draft is None:
            draft = Draft(user_id=user.id, item_id=item.id)
        draft.answer, draft.updated_at = fields, utcnow()
        session.add(draft)
        session.flush()
    return draft


def get_draft(*, session: Session, user: User, item_id: int) -> Answer | None:
    """``user``'s draft on the item, None when they have none."""
    user, item, _ = item_for_answer(session, user, item_id)
    stored = session.exec(select(Draft.answer).where(Draft.user_id == user.id, Draft.item_id == item.id)).first()
    return None if stored is None else Answer.model_validate(stored)


def drop_draft(*, session: Session, user: User, item_id: int) -> bool:
    """Delete ``user``'s draft on the item (after a skip); whether there was one."""
    with writing(session):
        user, item, _ = item_for_answer(session, user, item_id)
        result = session.exec(delete(Draft).where(Draft.user_id == user.id, Draft.item_id == item.id)
                              .execution_options(synchronize_session=False))
    return bool(result.rowcount)
