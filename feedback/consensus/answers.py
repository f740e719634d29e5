"""What an item's answer is: the votes of a project's annotators and its reviewers' final decisions, loaded
from the database and fed to the pure methods of ``feedback.consensus.methods``. Loaders: callers check
permissions.

Rule: the *consensus* of an item is its standing adjudication if it has one, else the project's
``consensus_method``. A *standing* adjudication is a 'final' decision that is the item's newest decision: a
later 'reopen' or 'more_annotators' cancels it.
"""

from typing import Any

import pandas as pd
from sqlmodel import Session, select

from feedback.consensus.methods import final_consensus
from feedback.store.reads import fetch_columns
from feedback.store.tables import Adjudication, Annotation, Candidate, Item, Project

FINAL, MORE, REOPEN = "final", "more_annotators", "reopen"  # the decisions a reviewer records


def preference_votes(session: Session, project_id: int, *, item_id: int | None = None) -> pd.DataFrame:
    """``item_id``, ``annotator`` (user id), ``preference`` of every submitted annotation of the project (of
    one item of it, when ``item_id`` is given)."""
    columns = ["item_id", "annotator", "preference"]
    query = (select(Annotation.item_id, Annotation.user_id, Annotation.preference)
             .join(Item, Item.id == Annotation.item_id)
             .where(Item.project_id == project_id, Annotation.status == "submitted"))
    if item_id is not None:
        query = query.where(Annotation.item_id == item_id)
    return pd.DataFrame(fetch_columns(session, query.order_by(Annotation.item_id, Annotation.user_id), columns),
                        columns=columns)


def _candidate_positions(session: Session, project_id: int) -> pd.DataFrame:
    rows = session.exec(select(Candidate.item_id, Candidate.key, Candidate.position)
                        .join(Item, Item.id == Candidate.item_id).where(Item.project_id == project_id)).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=["item_id", "key", "position"])


def standing_adjudications(session: Session, project_id: int) -> dict[int, dict[str, Any]]:
    """Item id -> the answer of its standing final decision (its newest decision, when that is 'final')."""
    rows = session.exec(
        select(Adjudication.item_id, Adjudication.decision, Adjudication.answer)
        .join(Item, Item.id == Adjudication.item_id).where(Item.project_id == project_id)
        .order_by(Adjudication.created_at, Adjudication.id)
    ).all()
    newest = {item_id: (decision, answer) for item_id, decision, answer in rows}
    return {item_id: answer or {} for item_id, (decision, answer) in newest.items() if decision == FINAL}


def adjudicated_label(answer: dict[str, Any]) -> str | None:
    """The preference an adjudicated answer settles: its preference, else the unique top of its ranking."""
    if answer.get("preference"):
        return answer["preference"]
    ranking = answer.get("ranking") or {}
    if ranking:
        best = min(ranking.values())
        top = [k for k, r in ranking.items() if r == best]
        return top[0] if len(top) == 1 else None
    return None


def adjudicated_labels(session: Session, project_id: int) -> dict[int, str]:
    """Item id -> the preference its standing final decision settles (items whose decision settles none, e.g.
    a ranking with a shared top, are left out)."""
    return {i: label for i, answer in standing_adjudications(session, project_id).items()
            if (label := adjudicated_label(answer)) is not None}


def item_consensus(session: Session, project: Project, method: str | None = None, *,
                   leave_out: set[int] | frozenset[int] = frozenset(),
                   votes: pd.DataFrame | None = None, item_id: int | None = None) -> pd.DataFrame:
    """The consensus preference of every item of ``project`` that has a vote or a standing adjudication.

    ``method``: ``"majority"`` or ``"dawid_skene"``; None uses the project's ``consensus_method``. An
    adjudicated final answer overrides the method. Columns ``feedback.consensus.methods.CONSENSUS_COLUMNS``:
    ``item_id``, ``label`` (candidate key, ``tie``, ``both_bad`` or None), ``confidence``, ``method``,
    ``adjudicated``, ``n_annotators``, ``share``, ``outcome``. ``leave_out``: user ids whose votes are not
    counted (e.g. annotators flagged by the quality checks). ``votes``: the ``preference_votes`` frame when
    the caller has already loaded the annotations. ``item_id``: only that item is wanted (the majority of an
    item needs only its votes; Dawid-Skene learns from every item, and then every item is returned). A loader:
    the caller checks permissions.
    """
    method = method or project.consensus_method or "majority"
    if votes is None:
        votes = preference_votes(session, project.id, item_id=item_id if method == "majority" else None)
    if leave_out:
        votes = votes[~votes["annotator"].isin(leave_out)]
    decided = adjudicated_labels(session, project.id)
    candidates = _candidate_positions(session, project.id) if method == "dawid_skene" else None
    return final_consensus(votes, method=method, candidates=candidates, adjudicated=decided)
