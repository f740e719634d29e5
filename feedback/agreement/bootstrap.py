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
GEMM_CELLS = 12_000_000  # replicate counts multiplied at once (48 MB as float32)


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

    Each replicate draws as many clusters as there are, uniformly with replacement. The draws come a chunk of
    ``CHUNK_CELLS`` at a time; their counts are multiplied by ``contrib`` ``GEMM_CELLS`` at a time: a product
    of a few rows reads the whole of ``contrib`` for each (at 333k items and 98 statistics, 6 replicates per
    chunk: 22 GB read for 1000 replicates, which took 6.0 s against 3.2 s with 36 rows at a time, draws
    included; the totals are the same to the bit).
    """
    n, q = contrib.shape
    out = np.zeros((resamples, q))
    if n == 0 or resamples == 0:
        return out
    chunk = max(1, min(resamples, CHUNK_CELLS // n))
    rows = min(resamples, max(chunk, GEMM_CELLS // n // chunk * chunk))
    counts = np.empty((rows, n), dtype=np.float32 if contrib.dtype == np.float32 else np.float64)
    for first in range(0, resamples, rows):
        last = min(resamples, first + rows)
        for start in range(first, last, chunk):
            size = min(chunk, last - start)
            draws = rng.integers(0, n, size=(size, n))
            for row, drawn in enumerate(draws, start=start - first):  # one replicate's counts at a time stay in
                counts[row] = np.bincount(drawn, minlength=n)  # cache: 1.2 s per 1000 at 333k items, not 1.9 s
        out[first:last] = counts[: last - first] @ contrib
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
    patterns, pattern_owner, freq = cluster_patterns(group, cell, cluster, n_groups=n_groups, n_cells=n_cells)
    bounds = np.searchsorted(pattern_owner, np.arange(n_groups + 1))
    # Counts multiplied as floats, exactly (far below 2**53), for BLAS: an integer product is 4 times slower
    patterns = patterns.astype(np.float64)
    for g in np.flatnonzero(n):
        f = freq[bounds[g]: bounds[g + 1]]
        draws = rng.multinomial(f.sum(), f / f.sum(), size=resamples)
        out[:, g] = np.rint(draws.astype(np.float64) @ patterns[bounds[g]: bounds[g + 1]])
    return out


def cluster_patterns(group: np.ndarray, cell: np.ndarray, cluster: np.ndarray, *, n_groups: int,
                     n_cells: int, packed: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each group's distinct per-cluster patterns (counts per cell), their group, and how often each occurs,
    for every group in one sort: by group, then patterns in the order ``np.unique(axis=0)`` gives (numeric,
    cell by cell), so each group's draws are those a loop over the groups made (one ``np.unique`` per group
    took 30 ms: 7 s at 40 x 6).

    ``packed`` (when the codes fit in 62 bits): each (group, cluster) pattern is one integer, its group then its
    counts as the digits of a number in base (most observations of a group in a cluster + 1), which sorts as
    the patterns do; else a matrix of (group, cluster) x cells is sorted column by column. At 1M annotations the
    matrix was 1.3M x 25 integers (266 MB, twice) and its sort of 26 keys the slowest step of the report."""
    width = int(cluster.max()) + 1
    keys, row = np.unique(group.astype(np.int64) * width + cluster, return_inverse=True)
    row = row.ravel()
    owner = keys // width
    base = int(np.bincount(row).max()) + 1
    if packed and n_groups * float(base) ** n_cells < 2.0**62:
        power = base ** np.arange(n_cells - 1, -1, -1, dtype=np.int64)
        span = int(base) ** n_cells
        code = owner * span
        np.add.at(code, row, power[cell])
        distinct_codes, freq = np.unique(code, return_counts=True)
        pattern_owner, rest = np.divmod(distinct_codes, span)
        return (rest[:, None] // power) % base, pattern_owner, freq
    per_cluster = np.bincount(row * n_cells + cell, minlength=len(keys) * n_cells).reshape(len(keys), n_cells)
    order = np.lexsort((*per_cluster.T[::-1], owner))  # the last key sorts first
    per_cluster, owner = per_cluster[order], owner[order]
    new = np.ones(len(owner), dtype=bool)
    new[1:] = (owner[1:] != owner[:-1]) | np.any(per_cluster[1:] != per_cluster[:-1], axis=1)
    starts = np.flatnonzero(new)
    return per_cluster[starts], owner[starts], np.diff(np.append(starts, len(owner)))


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
