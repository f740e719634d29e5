"""Krippendorff's alpha for rankings, with a rank distance.

Each annotator's ranking of an item is a vector of ranks by candidate (in the item's candidate order, never
by screen side), ties given their average rank (dense ranks 1, 1, 2 become 1.5, 1.5, 3). The distance between
two rankings x and y of the same item is the squared rank difference summed over the candidates,
delta(x, y) = sum_c (x_c - y_c)^2 (Spearman's distance: for rankings without ties of C candidates,
1 - 6 delta / (C (C^2 - 1)) is Spearman's rho). Alpha = 1 - (n - 1) D_o / D_e as for any metric
(Krippendorff 2011): D_o sums delta over the pairs of rankings within each item, each pair weighted
1 / (m_u - 1), and D_e sums it over all pairs of pairable rankings. Only rankings of the same length can be
compared: alpha uses the items with the most common number of candidates (ties go to the larger number).

Because the squared distance expands into sums, an item contributes only m_u, sum ||x||^2, sum x and its
within-item disagreement, so totals, bootstrap replicates and leave-one-annotator-out values are sums.
"""

import numpy as np
import pandas as pd

from feedback.agreement.alpha import Coded


def average_ranks(df: pd.DataFrame) -> pd.Series:
    """Average rank of each row within its (unit, annotator) group of ``rank`` values (1 = best)."""
    return df.groupby(["unit", "annotator"])["rank"].rank(method="average")


def code_rankings(df: pd.DataFrame) -> tuple[Coded, np.ndarray, int]:
    """From long rows (unit, annotator, position, rank[, item]): (coded answers with one dummy code, the
    answers x C average-rank vectors, C), over units with the modal candidate count and 2+ rankings."""
    data = df.assign(rank=average_ranks(df)) if len(df) else df
    width = data.groupby("unit")["position"].max() + 1 if len(data) else pd.Series(dtype=int)
    sizes = width.value_counts()
    n_cands = int(sizes[sizes == sizes.max()].index.max()) if len(sizes) else 0
    data = data[data["unit"].map(width) == n_cands]
    answers = data.drop_duplicates(["unit", "annotator"])
    answers = answers[answers.groupby("unit")["unit"].transform("size") >= 2]
    u_idx, units = pd.factorize(answers["unit"], sort=True)
    a_idx, annotators = pd.factorize(answers["annotator"], sort=True)
    order = np.lexsort((a_idx, u_idx))
    u_idx, a_idx = u_idx[order], a_idx[order]
    item = "item" if "item" in answers else "unit"
    key = pd.MultiIndex.from_arrays([answers["unit"].to_numpy()[order], answers["annotator"].to_numpy()[order]])
    vectors = np.full((len(key), n_cands), np.nan)
    lookup = pd.Series(np.arange(len(key)), index=key)
    sel = pd.MultiIndex.from_arrays([data["unit"], data["annotator"]])
    rows = lookup.reindex(sel).to_numpy()
    ok = ~np.isnan(rows)
    vectors[rows[ok].astype(int), data["position"].to_numpy()[ok].astype(int)] = data["rank"].to_numpy()[ok]
    vectors = np.where(np.isnan(vectors), (n_cands + 1) / 2.0, vectors)  # an unranked candidate: middle
    counts = np.bincount(u_idx, minlength=len(units)).reshape(-1, 1)
    first = np.zeros(len(units), dtype=np.int64)
    first[u_idx[::-1]] = np.arange(len(u_idx))[::-1]
    cluster = pd.factorize(answers[item].to_numpy()[order][first])[0] if len(units) else np.zeros(0, int)
    coded = Coded(u_idx, a_idx, np.zeros(len(u_idx), dtype=np.int64), counts, cluster,
                  annotators.tolist(), units.tolist(), [0])
    return coded, vectors, n_cands


def unit_rank_stats(coded: Coded, vectors: np.ndarray, drop: np.ndarray | None = None) -> np.ndarray:
    """Per unit: [m, within-unit disagreement, sum ||x||^2, sum x (C columns)], leaving out the answers
    where ``drop`` is true; a unit left with fewer than 2 rankings contributes zeros."""
    keep = np.ones(len(coded.unit), bool) if drop is None else ~drop
    n_units, c = len(coded.units), vectors.shape[1]
    unit = coded.unit[keep]
    m = np.bincount(unit, minlength=n_units).astype(float)
    s2 = np.bincount(unit, weights=(vectors[keep] ** 2).sum(axis=1), minlength=n_units)
    s1 = np.stack([np.bincount(unit, weights=vectors[keep, j], minlength=n_units) for j in range(c)], axis=1) \
        if c else np.zeros((n_units, 0))
    pairable = m >= 2
    d = np.where(pairable, (2 * m * s2 - 2 * (s1**2).sum(axis=1)) / np.maximum(m - 1, 1), 0.0)
    out = np.column_stack([m, d, s2, s1])
    out[~pairable] = 0.0
    return out


def rank_alpha_from_stats(stats: np.ndarray) -> np.ndarray:
    """Rank-distance alpha from totals [n, D_o sum, sum ||x||^2, sum x] (..., 3 + C); NaN where undefined."""
    n, observed, s2, s1 = stats[..., 0], stats[..., 1], stats[..., 2], stats[..., 3:]
    expected = 2 * n * s2 - 2 * (s1**2).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = 1.0 - (n - 1) * observed / expected
    return np.where((n >= 2) & (expected > 1e-9), alpha, np.nan)


def rank_alpha(df: pd.DataFrame) -> float:
    """Rank-distance alpha of long rankings (unit, annotator, position, rank); NaN when undefined."""
    coded, vectors, _ = code_rankings(df)
    return float(rank_alpha_from_stats(unit_rank_stats(coded, vectors).sum(axis=0)))


def leave_one_out_rank_stats(coded: Coded, vectors: np.ndarray) -> np.ndarray:
    """units x (annotators * (3 + C)): each unit's rank statistics without each annotator in turn."""
    blocks = [unit_rank_stats(coded, vectors, drop=coded.annotator == j) for j in range(len(coded.annotators))]
    return np.concatenate(blocks, axis=1) if blocks else np.zeros((len(coded.units), 0))
