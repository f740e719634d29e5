"""Rankings to pairs: the consensus ranking of an item with 3+ candidates and the preference pairs it gives.

An item takes this path when it has **no preference vote** (from the annotators counted) and at least one
ranking: an item with preference votes keeps the preference path (its consensus winner against each other
candidate), whatever rankings it also has.

- **Consensus ranking**: each candidate's mean rank over the annotators who ranked the item (1 = best); a
  ranking that leaves out one of the item's candidates is not counted. Candidates with equal mean rank are
  tied and share a *level*; levels run best first, and candidates within a level keep their position order.
  A reviewer's standing final decision that gives a full ranking replaces the mean ranking (``adjudicated``).
- **Pairs** (``ranking_pairs``): ``all`` (every pair of candidates on different levels, the better as chosen),
  ``best_worst`` (every candidate of the top level against every candidate of the bottom level) or
  ``adjacent`` (every candidate of a level against every candidate of the next level). A pair of tied
  candidates gives no row and is counted as ``tied_ranks`` (``all`` and ``adjacent``: the pairs within each
  level; ``best_worst``: one per item whose candidates are all tied).
- **Per pair**: ``share`` = the fraction of the ranking annotators who put chosen strictly above rejected;
  the vote margin = that fraction minus the fraction who put rejected above chosen, floored at 0.
- **KTO** (unpaired): the top level is desirable, the bottom level undesirable, the levels between are left out
  (counted ``ranked_middle``, per candidate); an item whose candidates are all tied gives no row (``tie``).
- **SFT**: the target is the single candidate of the top level; a shared top level gives no target (``tie``).
"""

from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import pandas as pd
from sqlmodel import Session, select

from feedback.export.names import RANKING_PAIRS
from feedback.store.tables import Annotation, Item

METHOD = "mean_rank"  # the ``consensus`` column of rows that come from rankings


@dataclass(frozen=True)
class RankedItem:
    """The consensus ranking of one item: ``levels`` (candidate keys, best level first; keys on one level are
    tied), ``n_annotators`` (rankings counted), ``above`` ((x, y) -> annotators who ranked x strictly above y)
    and ``adjudicated`` (a reviewer's ranking gave the levels)."""

    levels: tuple[tuple[str, ...], ...]
    n_annotators: int
    above: dict[tuple[str, str], int]
    adjudicated: bool = False

    def share(self, chosen: str, rejected: str) -> float:
        return self.above.get((chosen, rejected), 0) / self.n_annotators if self.n_annotators else 0.0

    def vote_margin(self, chosen: str, rejected: str) -> float:
        return max(0.0, self.share(chosen, rejected) - self.share(rejected, chosen))


def ranking_frame(session: Session, project_id: int, *, leave_out: set[int] | frozenset[int] = frozenset(),
                  ) -> pd.DataFrame:
    """Submitted rankings of the project, long: one row per (item_id, user_id, key, rank). ``leave_out``: user
    ids whose rankings are not counted."""
    found = session.exec(
        select(Annotation.item_id, Annotation.user_id, Annotation.ranking)
        .join(Item, Item.id == Annotation.item_id)
        .where(Item.project_id == project_id, Annotation.status == "submitted", Annotation.ranking.is_not(None))
    ).all()
    rows = [(item_id, user_id, str(key), rank) for item_id, user_id, ranking in found
            if user_id not in leave_out and isinstance(ranking, dict)
            for key, rank in ranking.items()]
    return pd.DataFrame(rows, columns=["item_id", "user_id", "key", "rank"])


def _levels(means: dict[str, float], order: dict[str, int]) -> tuple[tuple[str, ...], ...]:
    """Keys grouped by equal mean rank (rounded to 9 places, so 5/3 computed two ways is one value)."""
    by_mean: dict[float, list[str]] = {}
    for key, mean in means.items():
        by_mean.setdefault(round(float(mean), 9), []).append(key)
    return tuple(tuple(sorted(keys, key=lambda k: (order.get(k, 0), k))) for _, keys in sorted(by_mean.items()))


def consensus_rankings(rankings: pd.DataFrame, candidates: pd.DataFrame, *, items: set[Any],
                       adjudicated: dict[Any, dict[str, Any]] | None = None) -> dict[Any, RankedItem]:
    """The consensus ranking of each of ``items`` that has a complete ranking (or an adjudicated one).

    ``rankings``: ``ranking_frame``; ``candidates``: the loaders' candidates frame; ``adjudicated``: item id ->
    the answer of its standing final decision (``feedback.consensus.answers.standing_adjudications``). Vectorised: the
    rankings are compared pairwise by a self-merge, not a loop over annotations.
    """
    cands = candidates[candidates["item_id"].isin(items)]
    keys = {item_id: set(group) for item_id, group in cands.groupby("item_id")["key"]}
    order = dict(zip(zip(cands["item_id"], cands["key"]), cands["position"]))
    long = rankings[rankings["item_id"].isin(items)]
    if len(long):   # only rankings that rank exactly the item's candidates are counted
        known = long.merge(cands[["item_id", "key"]], on=["item_id", "key"], how="left", indicator=True)
        per = known.assign(ok=known["_merge"] == "both").groupby(["item_id", "user_id"])["ok"].agg(["all", "size"])
        wanted = per.index.get_level_values("item_id").map(cands.groupby("item_id").size())
        complete = per[per["all"] & (per["size"] == wanted)].reset_index()[["item_id", "user_id"]]
        long = long.merge(complete, on=["item_id", "user_id"], how="inner")
    out: dict[Any, RankedItem] = {}
    if len(long):
        pairs = long.merge(long, on=["item_id", "user_id"], suffixes=("_x", "_y"))
        pairs = pairs[pairs["rank_x"] < pairs["rank_y"]]
        above_all = pairs.groupby(["item_id", "key_x", "key_y"]).size()
        above: dict[Any, dict[tuple[str, str], int]] = {}
        for (item_id, x, y), n in above_all.items():
            above.setdefault(item_id, {})[(x, y)] = int(n)
        means = long.groupby(["item_id", "key"])["rank"].mean()
        counts = long.groupby("item_id")["user_id"].nunique()
        by_item: dict[Any, dict[str, float]] = {}
        for (item_id, key), mean in means.items():
            by_item.setdefault(item_id, {})[key] = mean
        for item_id, item_means in by_item.items():
            positions = {k: order[(item_id, k)] for k in item_means}
            out[item_id] = RankedItem(levels=_levels(item_means, positions), n_annotators=int(counts[item_id]),
                                      above=above.get(item_id, {}))
    for item_id, answer in (adjudicated or {}).items():
        ranking = answer.get("ranking") if isinstance(answer, dict) else None
        if item_id not in items or not isinstance(ranking, dict) or set(ranking) != keys.get(item_id, set()):
            continue
        positions = {k: order[(item_id, k)] for k in ranking}
        counted = out.get(item_id)
        out[item_id] = RankedItem(levels=_levels({k: float(r) for k, r in ranking.items()}, positions),
                                  n_annotators=counted.n_annotators if counted else 0,
                                  above=counted.above if counted else {}, adjudicated=True)
    return out


def ranking_pairs(ranked: RankedItem, mode: str) -> tuple[list[tuple[str, str]], int]:
    """(chosen, rejected) pairs of one ranked item under ``mode`` (``RANKING_PAIRS``), and the tied pairs left out."""
    levels = ranked.levels
    within = sum(len(level) * (len(level) - 1) // 2 for level in levels)
    if mode == "all":
        pairs = [(x, y) for i, better in enumerate(levels) for worse in levels[i + 1:] for x in better for y in worse]
        return pairs, within
    if mode == "adjacent":
        pairs = [(x, y) for better, worse in pairwise(levels) for x in better for y in worse]
        return pairs, within
    if mode == "best_worst":
        if len(levels) < 2:
            return [], 1
        return [(x, y) for x in levels[0] for y in levels[-1]], 0
    raise ValueError(f"unknown ranking_pairs {mode!r} (choose {', '.join(RANKING_PAIRS)})")
