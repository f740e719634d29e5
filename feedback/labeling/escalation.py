"""Automatic escalation (``Project.auto_escalate``): one more annotator for an item whose vote came out split.

Rule: when a submission completes an item's overlap and the item's majority share is below the review
threshold (or its vote is split), and no one has asked for more annotators on it before, its
``extra_overlap`` grows by 1 and a 'more_annotators' decision is recorded with no reviewer (``reviewer_id``
None: decided automatically) and the reason. It uses the majority share, not Dawid-Skene, so that a
submission stays fast (Dawid-Skene fits the whole project).
"""

import pandas as pd
from sqlmodel import Session, select

from feedback.consensus.answers import MORE
from feedback.consensus.methods import below_threshold, majority_preference
from feedback.figures import percent
from feedback.store.tables import Adjudication, Annotation, Item, Project, utcnow


def maybe_escalate(session: Session, project: Project, item: Item) -> Adjudication | None:
    """If ``project.auto_escalate`` is on and ``item`` (whose new annotation is flushed) has just reached its
    overlap with a majority share below the review threshold or a split vote, and no one asked for more
    annotators on it before: one more annotator, recorded as an automatic decision. A helper: no commit."""
    if not project.auto_escalate or item.is_gold or item.n_annotations != project.overlap + item.extra_overlap:
        return None
    asked = session.exec(select(Adjudication.id).where(Adjudication.item_id == item.id,
                                                       Adjudication.decision == MORE)).first()
    if asked is not None:
        return None
    prefs = session.exec(select(Annotation.user_id, Annotation.preference)
                         .where(Annotation.item_id == item.id, Annotation.status == "submitted")).all()
    votes = pd.DataFrame([(item.id, u, p) for u, p in prefs], columns=["item_id", "annotator", "preference"])
    majority = majority_preference(votes)
    if majority.empty or majority["n_annotators"].iloc[0] < 2:
        return None
    row = majority.iloc[0]
    if row["outcome"] != "split" and not below_threshold(row["share"], project.review_threshold):
        return None
    item.extra_overlap += 1
    session.add(item)
    why = "a split vote" if row["outcome"] == "split" else f"a majority share of {percent(row['share'])}"
    record = Adjudication(item_id=item.id, reviewer_id=None, decision=MORE, answer={"extra": 1}, created_at=utcnow(),
                          reason=f"automatic: {why} below the review threshold {percent(project.review_threshold)} "
                                 f"after {int(row['n_annotators'])} annotators")
    session.add(record)
    session.flush()
    return record
