"""The reviewer's workflow: a queue of disputed items, everything said about one item side by side, and
decisions (a final answer, more annotators, reopen), each recorded with who, when and why.

Rules:
- The *consensus* of an item is its standing adjudication if it has one, else the project's
  ``consensus_method`` (``feedback.consensus.methods.final_consensus``). A *standing* adjudication is a 'final'
  decision that is the item's newest decision: a later 'reopen' or 'more_annotators' cancels it.
- The review queue holds the non-gold items with 2+ annotators' preferences whose consensus confidence is
  below ``Project.review_threshold`` (as whole percentages: ``feedback.consensus.methods.below_threshold``, so
  a 2-of-3 majority, 67%, is not below 0.67) or that have no consensus (a split), that are not adjudicated and not
  *waiting for annotators*: an item waits while its submitted annotations are fewer than the overlap it wants
  (``Project.overlap + Item.extra_overlap``) and it was sent back (``extra_overlap > 0``) or the project
  escalates automatically (then items below the threshold get one more annotator before review). Most
  disputed first: lowest confidence, then most annotations, then import order.
- Auto-escalation (``Project.auto_escalate``) is ``feedback.labeling.escalation``'s.
- Only reviewers and admins see the queue and decide (``PermissionDenied`` for annotators); a decision needs
  a signed-in reviewer and a reason.
"""

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import false
from sqlmodel import Session, select

from feedback.consensus.answers import (
    FINAL,
    MORE,
    REOPEN,
    adjudicated_label,
    item_consensus,
    preference_votes,
)
from feedback.consensus.methods import NON_CANDIDATE_CHOICES, below_threshold
from feedback.errors import InvalidAnswer, NotFound, PermissionDenied
from feedback.labeling.loaders import loaded_votes
from feedback.people.permissions import REVIEWER, require, require_project
from feedback.projects.answers import answer_problems
from feedback.projects.items import candidates_of
from feedback.projects.projects import project_schema
from feedback.projects.schema import LabelSchema
from feedback.review.judges import suggestions_for
from feedback.store.reads import fetch_columns
from feedback.store.tables import Adjudication, Annotation, Item, Project, User, utcnow
from feedback.store.transactions import fresh, writing

DECISIONS = (FINAL, MORE, REOPEN)
ANSWER_KEYS = ("preference", "ranking", "thumbs", "ratings", "flags", "correction", "rationale")
MAX_EXTRA = 10  # annotators a reviewer can ask for at once


# --- the review queue ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReviewEntry:
    """One disputed item: its consensus (``label`` None = split), how sure it is, and the votes per option."""

    item_id: int
    external_id: str
    n_annotators: int
    label: str | None
    confidence: float
    outcome: str
    votes: dict[str, int]
    wanted: int  # annotations the item wants: overlap + extra_overlap
    extra_overlap: int


@dataclass(frozen=True)
class ReviewQueue:
    """A page of the queue: ``entries`` (most disputed first), ``total`` items in the queue, the project's
    ``threshold`` and ``method``."""

    entries: list[ReviewEntry]
    total: int
    threshold: float
    method: str


def _reviewer(session: Session, user: User | None, project: Project, action: str) -> None:
    require(user, REVIEWER, action)
    require_project(session, user, project)


def _disputed(session: Session, project: Project, votes: pd.DataFrame) -> pd.DataFrame:
    """The queue as a frame, ordered; columns of ``item_consensus`` plus the item's fields (``votes``: the
    project's ``preference_votes``)."""
    consensus = item_consensus(session, project, votes=votes)
    columns = ["item_id", "external_id", "n_annotations", "extra_overlap", "position"]
    items = pd.DataFrame(fetch_columns(session, select(Item.id, Item.external_id, Item.n_annotations,
                                                       Item.extra_overlap, Item.position)
                                       .where(Item.project_id == project.id, Item.is_gold == false()), columns),
                         columns=columns)
    frame = consensus.merge(items, on="item_id", how="inner")
    wanted = project.overlap + frame["extra_overlap"]
    waiting = (frame["n_annotations"] < wanted) & ((frame["extra_overlap"] > 0) | project.auto_escalate)
    disputed = frame["label"].isna() | below_threshold(frame["confidence"].to_numpy(), project.review_threshold)
    keep = (frame["n_annotators"] >= 2) & disputed & ~frame["adjudicated"] & ~waiting
    frame = frame[keep].assign(wanted=wanted[keep])
    return frame.sort_values(["confidence", "n_annotators", "position", "item_id"],
                             ascending=[True, False, True, True], kind="mergesort")


def review_queue(*, session: Session, user: User | None, project: Project, limit: int = 50,
                 offset: int = 0) -> ReviewQueue:
    """The items a reviewer should look at (module docstring), most disputed first; reviewers and admins."""
    _reviewer(session, user, project, "see the review queue")
    project = fresh(session, Project, project.id)
    votes = loaded_votes(session, project.id)  # read once: the consensus and the page's vote counts
    if votes is None:
        votes = preference_votes(session, project.id)
    frame = _disputed(session, project, votes)
    page = frame.iloc[max(offset, 0):max(offset, 0) + max(limit, 0)]
    votes = votes[votes["item_id"].isin(page["item_id"]) & votes["preference"].notna()]
    counts = votes.groupby(["item_id", "preference"]).size()
    entries = [
        ReviewEntry(item_id=int(r.item_id), external_id=r.external_id, n_annotators=int(r.n_annotators),
                    label=None if pd.isna(r.label) else r.label, confidence=float(r.confidence),
                    outcome=r.outcome, votes=_vote_counts(counts, r.item_id), wanted=int(r.wanted),
                    extra_overlap=int(r.extra_overlap))
        for r in page.itertuples(index=False)
    ]
    return ReviewQueue(entries=entries, total=len(frame), threshold=project.review_threshold,
                       method=project.consensus_method)


def _vote_counts(counts: pd.Series, item_id: int) -> dict[str, int]:
    if item_id not in counts.index.get_level_values(0):
        return {}
    part = counts.loc[item_id]
    return {str(k): int(v) for k, v in sorted(part.items(), key=lambda kv: (-kv[1], str(kv[0])))}


# --- one item ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ItemReview:
    """Everything a reviewer needs to decide an item. ``annotations``: one dict per annotator (by name):
    ``annotation_id``, ``annotator``, ``preference`` (a candidate key, tie or both_bad), ``ranking``,
    ``thumbs``, ``ratings``, ``flags``, ``correction``, ``rationale``, ``time_spent_s``, ``shown_order``
    (the keys left to right as they saw them), ``revision``, ``created_at``, ``updated_at``.
    ``candidates``: ``key``, ``model``, ``version``, ``output``, ``messages``, in position order.
    ``consensus``: the item's row of ``item_consensus`` as a dict (None: no vote yet). ``decisions``: as
    ``decisions()``. ``standing``: the answer of the standing final decision, or None."""

    item: Item
    candidates: list[dict[str, Any]]
    annotations: list[dict[str, Any]]
    suggestions: list[dict[str, Any]]
    consensus: dict[str, Any] | None
    decisions: list[dict[str, Any]]
    standing: dict[str, Any] | None
    wanted: int
    waiting: bool = field(default=False)  # sent back and still waiting for its extra annotators


def _item_project(session: Session, item_id: int) -> tuple[Item, Project]:
    item = fresh(session, Item, item_id)
    if item is None:
        raise NotFound(f"No item with id {item_id}")
    return item, fresh(session, Project, item.project_id)


def item_review(*, session: Session, user: User | None, item_id: int) -> ItemReview:
    """Every annotation of an item side by side, with its candidates, the judges' suggestions, the consensus
    and the decisions so far; reviewers and admins."""
    require(user, REVIEWER, "review items")
    item, project = _item_project(session, item_id)
    require_project(session, user, project)
    rows = session.exec(select(Annotation, User.name).join(User, User.id == Annotation.user_id)
                        .where(Annotation.item_id == item.id, Annotation.status == "submitted")
                        .order_by(User.name)).all()
    annotations = [{"annotation_id": a.id, "annotator": name, "preference": a.preference, "ranking": a.ranking,
                    "thumbs": a.thumbs, "ratings": a.ratings, "flags": a.flags, "correction": a.correction,
                    "rationale": a.rationale, "time_spent_s": a.time_spent_s, "shown_order": a.shown_order,
                    "revision": a.revision, "created_at": a.created_at, "updated_at": a.updated_at}
                   for a, name in rows]
    candidates = [{"key": c.key, "model": c.model, "version": c.version, "output": c.output,
                   "messages": c.messages} for c in candidates_of(session, item.id)]
    consensus = item_consensus(session, project, item_id=item.id)  # majority: this item's votes only
    mine = consensus[consensus["item_id"] == item.id]
    history = _history(session, item.id)
    standing = history[-1]["answer"] if history and history[-1]["decision"] == FINAL else None
    wanted = project.overlap + item.extra_overlap
    return ItemReview(item=item, candidates=candidates, annotations=annotations,
                      suggestions=suggestions_for(session=session, user=user, item_id=item.id),
                      consensus=None if mine.empty else _plain(mine.iloc[0].to_dict()), decisions=history,
                      standing=standing, wanted=wanted,
                      waiting=item.extra_overlap > 0 and item.n_annotations < wanted)


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        if hasattr(value, "item"):
            value = value.item()
        out[key] = None if not isinstance(value, (str, dict, list)) and pd.isna(value) else value
    return out


# --- decisions -----------------------------------------------------------------------------------------

def _history(session: Session, item_id: int) -> list[dict[str, Any]]:
    rows = session.exec(
        select(Adjudication, User.name).join(User, User.id == Adjudication.reviewer_id, isouter=True)
        .where(Adjudication.item_id == item_id).order_by(Adjudication.created_at, Adjudication.id)
    ).all()
    return [{"id": a.id, "decision": a.decision, "answer": a.answer, "reason": a.reason,
             "reviewer": name, "automatic": a.reviewer_id is None, "created_at": a.created_at}
            for a, name in rows]


def decisions(*, session: Session, user: User | None, item_id: int) -> list[dict[str, Any]]:
    """The decisions on an item, oldest first: ``id``, ``decision``, ``answer``, ``reason``, ``reviewer`` (name;
    None when ``automatic``), ``automatic``, ``created_at``; reviewers and admins."""
    require(user, REVIEWER, "see review decisions")
    _, project = _item_project(session, item_id)
    require_project(session, user, project)
    return _history(session, item_id)


def _deciding(session: Session, user: User | None, item_id: int, action: str) -> tuple[User, Item, Project]:
    require(user, REVIEWER, action)
    if user is None:
        raise PermissionDenied(f"Only a signed-in reviewer may {action} (a decision records who made it)")
    item, project = _item_project(session, item_id)
    require_project(session, user, project)
    return user, item, project


def _refuse(problems: list[tuple[str, str]]) -> None:
    if problems:
        raise InvalidAnswer("; ".join(f"{f}: {r}" for f, r in problems))


def _record(session: Session, item: Item, user_id: int | None, decision: str, reason: str,
            answer: dict[str, Any] | None = None) -> Adjudication:
    record = Adjudication(item_id=item.id, reviewer_id=user_id, decision=decision, answer=answer, reason=reason,
                          created_at=utcnow())
    session.add(record)
    session.flush()
    return record


def _stored(answer: dict[str, Any]) -> dict[str, Any]:
    """A final answer as stored: empty parts dropped."""
    return {k: v for k, v in answer.items() if v not in (None, "", {}, [])}


def decision_problems(schema: LabelSchema, keys: list[str], *, reason: str | None,
                      answer: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    """Every problem of a reviewer's decision at once, as ``(field, reason)``: a missing reason, and for a final
    ``answer`` (of an item with candidates ``keys`` under ``schema``) each problem of the answer, as
    ``adjudicate``, ``send_back`` and ``reopen`` check them. Empty when the decision can be recorded."""
    why = [] if (reason or "").strip() else [("reason", "say why (every decision is recorded with its reason)")]
    if answer is None:
        return why
    if not isinstance(answer, dict):
        return [("answer", "must be an object (preference, ranking, ratings, flags, correction, ...)")] + why
    unknown = sorted(set(answer) - set(ANSWER_KEYS))
    if unknown:
        return [("answer", f"unknown fields {', '.join(unknown)} (known: {', '.join(ANSWER_KEYS)})")] + why
    values = _stored(answer)
    found = answer_problems(schema, keys, preference=values.get("preference"), ratings=values.get("ratings", {}),
                            flags=values.get("flags", {}), correction=values.get("correction"),
                            rationale=values.get("rationale"), ranking=values.get("ranking"),
                            thumbs=values.get("thumbs"))
    if not found and adjudicated_label(values) is None:
        what = "a ranking with one best answer" if len(keys) > 2 else "a preference"
        found.append(("preference" if len(keys) <= 2 else "ranking", f"a final answer needs {what}"))
    return found + why


def adjudicate(*, session: Session, user: User, item_id: int, answer: dict[str, Any],
               reason: str) -> Adjudication:
    """Set an item's final answer (``answer``: ``preference`` and/or ``ranking``, optionally ``ratings``,
    ``flags``, ``thumbs``, ``correction``, ``rationale``, checked against the project's questions). It
    overrides every consensus method until a reopen or a request for more annotators. Every problem of the
    decision is named at once (``decision_problems``)."""
    with writing(session):
        user, item, project = _deciding(session, user, item_id, "adjudicate items")
        keys = [c.key for c in candidates_of(session, item.id)]
        _refuse(decision_problems(project_schema(project), keys, reason=reason, answer=answer))
        return _record(session, item, user.id, FINAL, reason.strip(), _stored(answer))


def send_back(*, session: Session, user: User, item_id: int, reason: str, extra: int = 1) -> Adjudication:
    """Ask for ``extra`` more annotators on an item: its overlap grows by ``extra`` (so it is served again to
    annotators who have not done it) and any standing final answer is cancelled."""
    with writing(session):
        user, item, _ = _deciding(session, user, item_id, "send items back")
        wrong = isinstance(extra, bool) or not isinstance(extra, int) or not 1 <= extra <= MAX_EXTRA
        _refuse(decision_problems(LabelSchema(), [], reason=reason) + (
            [("extra", f"ask for 1 to {MAX_EXTRA} more annotators, not {extra!r}")] if wrong else []))
        reason = reason.strip()
        if item.is_gold:
            raise InvalidAnswer(f"Item {item.external_id} is gold: every annotator is served it already")
        item.extra_overlap += extra
        session.add(item)
        return _record(session, item, user.id, MORE, reason, {"extra": extra})


def reopen(*, session: Session, user: User, item_id: int, reason: str) -> Adjudication:
    """Cancel an item's standing final answer: its consensus is the project's method again (and, if it is
    disputed, it returns to the review queue)."""
    with writing(session):
        user, item, _ = _deciding(session, user, item_id, "reopen items")
        _refuse(decision_problems(LabelSchema(), [], reason=reason))
        reason = reason.strip()
        history = _history(session, item.id)
        if not history or history[-1]["decision"] != FINAL:
            raise InvalidAnswer(f"Item {item.external_id} has no final answer to reopen")
        return _record(session, item, user.id, REOPEN, reason)


def describe_label(label: str | None) -> str:
    """A consensus label in words, for pages: ``a``, ``tie``, ``both bad``, ``no consensus``."""
    if label is None:
        return "no consensus"
    return label.replace("_", " ") if label in NON_CANDIDATE_CHOICES else label

