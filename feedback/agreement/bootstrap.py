"""Vectorised bootstrap over items for statistics that are sums of per-unit contributions.

Every agreement coefficient here is a function of a few totals, and every total is a sum over units of a
per-unit contribution (a unit's coincidences, its Fleiss counts, a pair's confusion cell, ...). A bootstrap
replicate draws the *items* (clusters of units: an item's candidates stay together) with replacement, so its
totals are ``counts @ contributions`` where ``counts`` says how often each item was drawn. Nothing is
copied: a replicate costs one row of draws and one matrix product, done in chunks of replicates.

For tables of counts (a pair of annotators' confusion matrix), the bootstrap total is exactly a multinomial
draw over the distinct per-item patterns of cells (one cell per item when items hold one unit), so those
replicates come from ``Generator.multinomial`` directly.
"""

import numpy as np

CHUNK_CELLS = 2_000_000  # draws per chunk of replicates (8 bytes each, twice: 16 MB arrays stay below glibc's 32 MB
# mmap threshold and are reused; at 4M every chunk was a fresh mapping, 25% slower with its page faults)


def distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values of an integer array (``np.unique(values)``) through a sort: numpy 2.4's
    hash-table unique, which ``np.unique`` uses when asked for the values alone, took ten times as long on
    600k integer keys (0.40 s against 0.03 s), a fifth of the agreement report at 300k annotations."""
    ordered = np.sort(np.asarray(values).ravel())
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))] if len(ordered) else ordered


def cluster_sums(contrib: np.ndarray, cluster: np.ndarray, n_clusters: int) -> np.ndarray:
    """Per-cluster totals of per-unit contributions (rows of ``contrib`` summed by ``cluster``)."""
    if len(cluster) == n_clusters and np.array_equal(cluster, np.arange(n_clusters)):
        return contrib
    out = np.zeros((n_clusters, contrib.shape[1]), dtype=contrib.dtype)
    np.add.at(out, cluster, contrib)
    return out


def resample_sums(contrib: np.ndarray, *, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """(resamples x q) totals of ``contrib`` (clusters x q) over clusters drawn with replacement.

    Each replicate draws as many clusters as there are, uniformly with replacement.
    """
    n, q = contrib.shape
    out = np.zeros((resamples, q))
    if n == 0 or resamples == 0:
        return out
    chunk = max(1, min(resamples, CHUNK_CELLS // n))
    weights_dtype = np.float32 if contrib.dtype == np.float32 else np.float64
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        draws = rng.integers(0, n, size=(size, n))
        draws += (np.arange(size) * n)[:, None]
        counts = np.bincount(draws.ravel(), minlength=size * n).reshape(size, n).astype(weights_dtype)
        out[start:start + size] = counts @ contrib
    return out


def table_replicates(group: np.ndarray, cell: np.ndarray, cluster: np.ndarray, *, n_groups: int,
                     n_cells: int, resamples: int, rng: np.random.Generator,
                     one_per_cluster: bool | None = None) -> np.ndarray:
    """(resamples x n_groups x n_cells) bootstrap count tables, one per group (e.g. annotator pair).

    Rows are (group, cell, cluster) observations. Each group's clusters are resampled with replacement,
    independently of the other groups. When no cluster holds two observations of one group the table is
    multinomial(n, observed shares); otherwise the multinomial runs over the distinct per-cluster patterns.
    ``one_per_cluster`` says so when the caller knows (else it is checked).
    """
    out = np.zeros((resamples, n_groups, n_cells), dtype=np.int64)
    if not len(group) or resamples == 0:
        return out
    tables = np.bincount(group * n_cells + cell, minlength=n_groups * n_cells).reshape(n_groups, n_cells)
    n = tables.sum(axis=1)
    if one_per_cluster is None:
        keys = group.astype(np.int64) * (int(cluster.max()) + 1) + cluster
        one_per_cluster = len(distinct(keys)) == len(keys)
    if one_per_cluster:  # one observation per (group, cluster): plain multinomial
        shares = tables / np.maximum(n, 1)[:, None]
        shares[n == 0, 0] = 1.0
        return rng.multinomial(n, shares, size=(resamples, n_groups))
    # Each group's distinct per-cluster patterns (counts per cell) and how often each occurs, for every group
    # in one sort: patterns in the order ``np.unique(axis=0)`` gives (numeric, cell by cell), so each group's
    # draws are those a loop over the groups made (one ``np.unique`` per group took 30 ms: 7 s at 40 x 6).
    width = int(cluster.max()) + 1
    keys, row = np.unique(group.astype(np.int64) * width + cluster, return_inverse=True)
    per_cluster = np.bincount(row * n_cells + cell, minlength=len(keys) * n_cells).reshape(len(keys), n_cells)
    owner = keys // width
    order = np.lexsort((*per_cluster.T[::-1], owner))  # the last key sorts first
    per_cluster, owner = per_cluster[order], owner[order]
    new = np.ones(len(owner), dtype=bool)
    new[1:] = (owner[1:] != owner[:-1]) | np.any(per_cluster[1:] != per_cluster[:-1], axis=1)
    starts = np.flatnonzero(new)
    freq = np.diff(np.append(starts, len(owner)))
    patterns, pattern_owner = per_cluster[starts], owner[starts]
    bounds = np.searchsorted(pattern_owner, np.arange(n_groups + 1))
    # Counts multiplied as floats, exactly (far below 2**53), for BLAS: an integer product is 4 times slower
    patterns = patterns.astype(np.float64)
    for g in np.flatnonzero(n):
        f = freq[bounds[g]: bounds[g + 1]]
        draws = rng.multinomial(f.sum(), f / f.sum(), size=resamples)
        out[:, g] = np.rint(draws.astype(np.float64) @ patterns[bounds[g]: bounds[g + 1]])
    return out


def percentile_ci(replicates: np.ndarray, point: float, *, confidence: float = 0.95) -> list | None:
    """[low, high] percentile interval of the finite replicates (None if the point estimate is undefined or
    fewer than half the replicates are defined). Works along the first axis of ``replicates``."""
    reps = np.asarray(replicates, dtype=float)
    finite = reps[np.isfinite(reps)]
    if not np.isfinite(point) or len(finite) < max(2, len(reps) / 2):
        return None
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return [float(low), float(high)]
