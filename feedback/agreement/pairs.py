"""Cohen's kappa for every annotator pair, and each annotator against the consensus of the others,
vectorised (no loop over pairs), with bootstrap intervals over the items each pair shares.

A pair's confusion table counts, over the units both answered, how often a gave value c while b gave d.
Kappa is computed from the table for every weighting at once: unweighted, linear |c - d| / (k - 1) and
quadratic ((c - d) / (k - 1))^2, over the positions of the question's full scale (unused points included).

Intervals: each group's (pair's, annotator's) items are resampled with replacement. Small tables (up to
``MAX_CELLS`` cells) are drawn whole (``table_replicates``); larger ones (whole rankings of 4 candidates have up
to 75 values) through the sums a kappa needs, per item: answers, agreements, weighted disagreement and the two
margins (``margin_replicates``), so every figure has its interval whatever the number of values.

Consensus of the others: on each unit an annotator answered, the value most of the *other* annotators gave.
A tie among the others' most common values has no consensus and the unit is left out for that annotator.
"""

import numpy as np

from feedback.agreement.alpha import Coded
from feedback.agreement.bootstrap import (
    cluster_sums,
    distinct,
    percentile_ci,
    resample_sums,
    table_replicates,
)
from feedback.agreement.metrics import _weight_matrix

WEIGHTINGS = {"kappa": None, "kappa_linear": "linear", "kappa_quadratic": "quadratic"}
CHUNK_CELLS = 8_000_000
MAX_CELLS = 400  # pair tables larger than 20 x 20 values are resampled through their margins (margin_replicates)


def kappa_from_tables(tables: np.ndarray, weights=None) -> np.ndarray:
    """Cohen's kappa of every (..., k, k) count table; NaN with fewer than 2 units or no expected disagreement."""
    k = tables.shape[-1]
    n = tables.sum(axis=(-2, -1))
    w = _weight_matrix(k, weights)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = tables / n[..., None, None]
        expected = np.einsum("...c,cd,...d->...", p.sum(axis=-1), w, p.sum(axis=-2))
        kappa = 1.0 - (p * w).sum(axis=(-2, -1)) / expected
    return np.where((n >= 2) & (expected > 1e-12), kappa, np.nan)


def margin_replicates(group: np.ndarray, cell: np.ndarray, cluster: np.ndarray, *, n_groups: int, k: int,
                      weightings: list[str], resamples: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """(resamples x n_groups) bootstrap replicates of each group's agreement share (``"share"``) and kappa per
    weighting, without drawing whole k x k tables: a kappa depends on its table only through the number of
    answers, the weighted disagreement and the two margins, and each is a sum over the group's items (clusters),
    resampled with replacement as ``resample_sums`` does, each group on its own."""
    first, second = cell // k, cell % k
    weights = [_weight_matrix(k, WEIGHTINGS[name]) for name in weightings]
    out = {name: np.full((resamples, n_groups), np.nan) for name in ["share", *weightings]}
    eye = np.eye(k)
    for g in distinct(group):
        rows = group == g
        _, local = np.unique(cluster[rows], return_inverse=True)
        a, b = first[rows], second[rows]
        contrib = np.column_stack([np.ones(len(a)), (a == b).astype(float), *[w[a, b] for w in weights],
                                   eye[a], eye[b]])
        reps = resample_sums(cluster_sums(contrib, local, int(local.max()) + 1), resamples=resamples, rng=rng)
        n, agree, w_count = reps[:, 0], reps[:, 1], len(weights)
        margin_a, margin_b = reps[:, 2 + w_count: 2 + w_count + k], reps[:, 2 + w_count + k:]
        with np.errstate(divide="ignore", invalid="ignore"):
            out["share"][:, g] = agree / n
            for j, (name, w) in enumerate(zip(weightings, weights)):
                expected = np.einsum("rc,cd,rd->r", margin_a, w, margin_b) / n**2
                kappa = 1.0 - reps[:, 2 + j] / n / expected
                out[name][:, g] = np.where((n >= 2) & (expected > 1e-12), kappa, np.nan)
    return out


def within_unit_pairs(coded: Coded) -> tuple[np.ndarray, np.ndarray]:
    """Indices (left, right) into the answers of every two answers of one unit, left's annotator first."""
    m = np.bincount(coded.unit, minlength=len(coded.units))
    start = np.cumsum(m) - m
    offset = np.arange(len(coded.unit)) - start[coded.unit]
    reps = m[coded.unit] - 1 - offset  # partners after this answer in its unit
    left = np.repeat(np.arange(len(coded.unit)), reps)
    right = left + 1 + np.arange(len(left)) - np.repeat(np.cumsum(reps) - reps, reps)
    return left, right


def _tables_with_ci(group, cell, cluster, *, n_groups, k, weightings, resamples, rng, confidence,
                    one_per_cluster=None):
    """Point tables and, per weighting, point kappas and intervals for every group."""
    tables = np.bincount(group * k * k + cell, minlength=n_groups * k * k).reshape(n_groups, k, k)
    points = {name: kappa_from_tables(tables, WEIGHTINGS[name]) for name in weightings}
    cis = {name: [None] * n_groups for name in weightings}
    if resamples and n_groups and 0 < k * k <= MAX_CELLS:
        step = max(1, CHUNK_CELLS // (resamples * k * k))
        for lo in range(0, n_groups, step):
            keep = (group >= lo) & (group < lo + step)
            size = min(step, n_groups - lo)
            reps = table_replicates(group[keep] - lo, cell[keep], cluster[keep], n_groups=size, n_cells=k * k,
                                    resamples=resamples, rng=rng, one_per_cluster=one_per_cluster)
            reps = reps.reshape(resamples, size, k, k)
            for name in weightings:
                kappas = kappa_from_tables(reps, WEIGHTINGS[name])
                for g in range(size):
                    cis[name][lo + g] = percentile_ci(kappas[:, g], points[name][lo + g], confidence=confidence)
    elif resamples and n_groups and k * k > MAX_CELLS:
        reps = margin_replicates(group, cell, cluster, n_groups=n_groups, k=k, weightings=list(weightings),
                                 resamples=resamples, rng=rng)
        for name in weightings:
            cis[name] = [percentile_ci(reps[name][:, g], points[name][g], confidence=confidence)
                         for g in range(n_groups)]
    return tables, points, cis


def pairwise_kappas(coded: Coded, *, weighted: bool, resamples: int, rng: np.random.Generator,
                    confidence: float = 0.95) -> list[dict]:
    """One record per annotator pair sharing 2+ units: annotator_a, annotator_b, n_shared, n_items,
    kappa [, kappa_linear, kappa_quadratic] (when ``weighted``), each with a ``*_ci`` interval."""
    n_ann, k = len(coded.annotators), coded.k
    left, right = within_unit_pairs(coded)
    pair = coded.annotator[left] * n_ann + coded.annotator[right]
    shared = np.bincount(pair, minlength=n_ann * n_ann)
    ids = np.flatnonzero(shared >= 2)
    lookup = np.full(n_ann * n_ann, -1)
    lookup[ids] = np.arange(len(ids))
    group = lookup[pair]
    keep = group >= 0
    cluster = coded.cluster[coded.unit[left]]
    cell = coded.code[left] * k + coded.code[right]
    names = list(WEIGHTINGS) if weighted else ["kappa"]
    simple = coded.n_items == len(coded.units)  # one unit per item: a pair meets an item at most once
    _, points, cis = _tables_with_ci(group[keep], cell[keep], cluster[keep], n_groups=len(ids), k=k,
                                     weightings=names, resamples=resamples, rng=rng, confidence=confidence,
                                     one_per_cluster=simple or None)
    items = np.bincount(group[keep], minlength=len(ids)) if len(ids) else np.zeros(0, int)
    if len(ids) and not simple:  # several units per item: count items
        key = distinct(group[keep].astype(np.int64) * (coded.n_items + 1) + cluster[keep])
        items = np.bincount(key // (coded.n_items + 1), minlength=len(ids))
    rows = []
    for g, pid in enumerate(ids):
        row = {"annotator_a": coded.annotators[pid // n_ann], "annotator_b": coded.annotators[pid % n_ann],
               "n_shared": int(shared[pid]), "n_items": int(items[g])}
        for name in names:
            row[name] = float(points[name][g])
            row[f"{name}_ci"] = cis[name][g]
        if not np.isfinite(row["kappa"]):
            row["reason"] = "both gave one same answer on every shared unit: no disagreement expected by chance"
        rows.append(row)
    return rows


def consensus_of_others(coded: Coded) -> tuple[np.ndarray, np.ndarray]:
    """Per answer: the others' consensus code (-1 where they tie) and whether one exists."""
    if not len(coded.unit):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    others = coded.counts[coded.unit].copy()
    others[np.arange(len(coded.unit)), coded.code] -= 1
    top = others.max(axis=1)
    unique = (others == top[:, None]).sum(axis=1) == 1
    consensus = np.where(unique & (top > 0), others.argmax(axis=1), -1)
    return consensus, consensus >= 0


def consensus_agreement(coded: Coded, *, resamples: int, rng: np.random.Generator,
                        confidence: float = 0.95) -> list[dict]:
    """Per annotator: share of their answers equal to the others' consensus and Cohen's kappa against it,
    with intervals (units where the others tie are left out; ``n_compared`` counts the rest)."""
    k, n_ann = coded.k, len(coded.annotators)
    consensus, has = consensus_of_others(coded)
    group = coded.annotator[has]
    cell = coded.code[has] * k + consensus[has]
    cluster = coded.cluster[coded.unit[has]]
    tables, points, _ = _tables_with_ci(group, cell, cluster, n_groups=n_ann, k=k, weightings=["kappa"],
                                        resamples=0, rng=rng, confidence=confidence)
    n = tables.sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.trace(tables, axis1=1, axis2=2) / n
    share_ci = [None] * n_ann
    kappa_ci = [None] * n_ann
    if resamples and len(group) and k * k <= MAX_CELLS:
        reps = table_replicates(group, cell, cluster, n_groups=n_ann, n_cells=k * k, resamples=resamples, rng=rng,
                                one_per_cluster=coded.n_items == len(coded.units) or None)
        reps = reps.reshape(resamples, n_ann, k, k)
        with np.errstate(divide="ignore", invalid="ignore"):
            rep_share = np.trace(reps, axis1=2, axis2=3) / reps.sum(axis=(2, 3))
        rep_kappa = kappa_from_tables(reps)
        share_ci = [percentile_ci(rep_share[:, j], share[j], confidence=confidence) for j in range(n_ann)]
        kappa_ci = [percentile_ci(rep_kappa[:, j], points["kappa"][j], confidence=confidence) for j in range(n_ann)]
    elif resamples and len(group):
        reps = margin_replicates(group, cell, cluster, n_groups=n_ann, k=k, weightings=["kappa"],
                                 resamples=resamples, rng=rng)
        share_ci = [percentile_ci(reps["share"][:, j], share[j], confidence=confidence) for j in range(n_ann)]
        kappa_ci = [percentile_ci(reps["kappa"][:, j], points["kappa"][j], confidence=confidence) for j in range(n_ann)]
    answered = np.bincount(coded.annotator, minlength=n_ann)
    return [{"annotator": coded.annotators[j], "n_answers": int(answered[j]), "n_compared": int(n[j]),
             "consensus_agreement": float(share[j]), "consensus_agreement_ci": share_ci[j],
             "consensus_kappa": float(points["kappa"][j]), "consensus_kappa_ci": kappa_ci[j]}
            for j in range(n_ann)]
