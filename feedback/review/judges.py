"""Automatic judges beside humans: an LLM-as-judge's or a reward model's verdicts, imported as suggestions.

Suggestions come in with an import (the ``"suggestions"`` of an item, see the README's import format) and are
stored in ``Suggestion``, one per item and agent. They are hidden from annotators (so they do not anchor on
them) unless the project's ``show_suggestions`` is on; reviewers and admins always see them.

``judge_report`` says how far each judge can be trusted, on pairwise preferences: its verdict is compared with
the human consensus of the item, which is the reviewer's adjudicated preference when there is one (the newest
'final' decision, when it is the item's newest decision: see ``feedback.consensus.answers``), else the
majority of the annotators' preferences (``consensus.methods.majority_preference``: more than half of the votes) on items with ``min_annotators`` or more
annotators. Items with a split vote have no consensus and are left out. Preferences are coded by candidate
position (first, second, ...) plus tie and both bad, so Cohen's kappa compares like with like across items.
``human_baseline`` is, for the same items, the annotators' own agreement with the other annotators
(leave-self-out, ``quality.others_majority``): a judge near it agrees with people about as well as they agree
with each other.
"""

import math
import warnings
from typing import Any

import pandas as pd
from sqlmodel import Session, select

from feedback.consensus.answers import adjudicated_labels
from feedback.consensus.methods import majority_preference
from feedback.errors import NotFound
from feedback.labeling.loaders import FIGURE_COLUMNS, annotations_frame, candidate_keys
from feedback.people.permissions import REVIEWER, at_least, require, require_project
from feedback.projects.schema import BOTH_BAD, TIE
from feedback.review.quality import json_safe, others_majority
from feedback.store.tables import Item, Project, Suggestion, User

SUGGESTION_KEYS = ["agent", "preference", "ranking", "ratings", "flags", "score", "rationale"]
JUDGE_COLUMNS = ["agent", "items_judged", "with_preference", "items_with_consensus", "agreement", "kappa",
                 "human_baseline", "mean_score_right", "mean_score_wrong"]


def human_consensus(votes: pd.DataFrame, *, adjudicated: dict[int, str] | None = None,
                    min_annotators: int = 2) -> pd.Series:
    """The human consensus preference per item (``item_id`` -> option): adjudications first, else majority."""
    majority = majority_preference(votes)
    majority = majority[(majority["n_annotators"] >= min_annotators) & majority["winner"].notna()]
    consensus = dict(zip(majority["item_id"], majority["winner"]))
    consensus.update(adjudicated or {})
    return pd.Series(consensus, dtype=object)


def judge_table(suggestions: pd.DataFrame, votes: pd.DataFrame, positions: dict[tuple[int, str], int], *,
                adjudicated: dict[int, str] | None = None, min_annotators: int = 2) -> pd.DataFrame:
    """Each judge against the human consensus (pure; columns ``JUDGE_COLUMNS``, one row per agent).

    ``suggestions``: ``item_id``, ``agent``, ``preference``, ``score``. ``votes``: the annotators' ``item_id``,
    ``annotator``, ``preference``. ``positions``: (item_id, candidate key) -> position, to code preferences.
    """
    if suggestions.empty:
        return pd.DataFrame(columns=JUDGE_COLUMNS)
    human = human_consensus(votes, adjudicated=adjudicated, min_annotators=min_annotators)
    people = others_majority(votes)
    people = people[people["agrees"].notna()]
    rows = []
    for agent, part in suggestions.groupby("agent", sort=True):
        judged = part[part["preference"].notna()]
        both = judged[judged["item_id"].isin(human.index)]
        truth = both["item_id"].map(human)
        right = (both["preference"].to_numpy() == truth.to_numpy())
        scores = pd.to_numeric(both["score"], errors="coerce")
        baseline = people.loc[people["item_id"].isin(both["item_id"]), "agrees"]
        rows.append({
            "agent": agent, "items_judged": len(part), "with_preference": len(judged),
            "items_with_consensus": len(both), "agreement": right.mean() if len(both) else math.nan,
            "kappa": _kappa([_code(i, p, positions) for i, p in zip(both["item_id"], both["preference"])],
                            [_code(i, p, positions) for i, p in zip(both["item_id"], truth)]),
            "human_baseline": baseline.astype(bool).mean() if len(baseline) else math.nan,
            "mean_score_right": scores[right].mean(), "mean_score_wrong": scores[~right].mean(),
        })
    return pd.DataFrame(rows, columns=JUDGE_COLUMNS)


def _code(item_id: int, preference: str, positions: dict[tuple[int, str], int]) -> str:
    if preference in (TIE, BOTH_BAD):
        return preference
    return f"candidate {positions.get((item_id, preference), preference)}"


def _kappa(judge: list[str], human: list[str]) -> float:
    """Cohen's kappa; NaN when undefined (fewer than 2 items, or one label only: chance agreement is 1)."""
    if len(judge) < 2 or len(set(judge) | set(human)) < 2:
        return math.nan
    # imported here: scikit-learn (with scipy) takes a second to import, and most projects have no judge
    from sklearn.metrics import cohen_kappa_score

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(cohen_kappa_score(judge, human))


def judge_report(*, session: Session, user: User | None, project: Project,
                 min_annotators: int = 2) -> list[dict[str, Any]]:
    """Per automatic judge of ``project`` (reviewers and admins), JSON-safe rows sorted by agent:
    ``agent``, ``items_judged`` (its suggestions), ``with_preference``, ``items_with_consensus`` (of those, the
    items with a human consensus), ``agreement`` (share equal to the consensus), ``kappa`` (Cohen's, judge vs
    consensus), ``human_baseline``, ``mean_score_right`` / ``mean_score_wrong`` (None without scores)."""
    require(user, REVIEWER, "see how automatic judges agree with people")
    require_project(session, user, project)
    rows = session.exec(
        select(Suggestion.item_id, Suggestion.agent, Suggestion.preference, Suggestion.score)
        .join(Item, Item.id == Suggestion.item_id).where(Item.project_id == project.id)
        .order_by(Suggestion.agent, Suggestion.item_id)
    ).all()
    suggestions = pd.DataFrame([tuple(r) for r in rows], columns=["item_id", "agent", "preference", "score"])
    if suggestions.empty:  # no judge: nothing to compare (and no need to read every vote and candidate)
        positions, votes = {}, pd.DataFrame(columns=["item_id", "annotator", "preference"])
    else:
        votes = annotations_frame(session, project.id, FIGURE_COLUMNS)[["item_id", "annotator", "preference"]]
        cands = candidate_keys(session, project.id)
        positions = {(i, k): n + 1 for i, k, n in zip(cands["item_id"], cands["key"],
                                                       cands.groupby("item_id").cumcount())}
    table = judge_table(suggestions, votes, positions, adjudicated=adjudicated_labels(session, project.id),
                        min_annotators=min_annotators)
    return [{k: json_safe(v) for k, v in row.items()} for row in table.to_dict("records")]


def suggestions_for(*, session: Session, user: User | None, item_id: int) -> list[dict[str, Any]]:
    """The automatic judges' suggestions on an item, by agent: dicts with ``SUGGESTION_KEYS``.

    Reviewers and admins always get them; annotators only when the item's project shows suggestions
    (``Project.show_suggestions``), else an empty list (hidden, not an error, so the Rate page may always ask).
    """
    item = session.get(Item, item_id)
    if item is None:
        raise NotFound(f"No item with id {item_id}")
    project = session.get(Project, item.project_id)
    require_project(session, user, project)
    if not at_least(user, REVIEWER) and not project.show_suggestions:
        return []
    found = session.exec(select(Suggestion).where(Suggestion.item_id == item_id).order_by(Suggestion.agent)).all()
    return [{key: getattr(s, key) for key in SUGGESTION_KEYS} for s in found]


def describe_suggestion(suggestion: dict[str, Any], letters: dict[str, str]) -> str:
    """One suggestion in words, naming candidates by their screen letters (``letters``: key -> "A", ...).

    The text comes from outside (agent names, rationales): render it as inert Markdown, never as HTML.
    """
    def name(key: str) -> str:
        return letters.get(key, key)

    parts = []
    preference = suggestion.get("preference")
    if preference == TIE:
        parts.append("a tie")
    elif preference == BOTH_BAD:
        parts.append("both are bad")
    elif preference:
        parts.append(f"{name(preference)} is better")
    if suggestion.get("ranking"):
        order = sorted(suggestion["ranking"], key=lambda k: (suggestion["ranking"][k], name(k)))
        parts.append("ranking " + ", ".join(name(k) for k in order))
    for key, scores in sorted((suggestion.get("ratings") or {}).items(), key=lambda kv: name(kv[0])):
        parts.append(f"{name(key)}: " + ", ".join(f"{dim} {score}" for dim, score in scores.items()))
    for key, flags in sorted((suggestion.get("flags") or {}).items(), key=lambda kv: name(kv[0])):
        parts.append(f"{name(key)} flagged " + ", ".join(flags))
    if suggestion.get("score") is not None:
        parts.append(f"score {suggestion['score']:g}")
    text = f"{suggestion['agent']}: " + ("; ".join(parts) or "no verdict")
    if suggestion.get("rationale"):
        text += f"\n\n{suggestion['rationale']}"
    return text
