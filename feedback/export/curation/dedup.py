"""Duplicate prompts for export curation: exact duplicates of the normalised text, then near duplicates by
TF-IDF cosine similarity. Pure: lists and arrays in, arrays out.

Near duplicates are found exactly, not approximately: every pair whose cosine similarity is at least the
threshold is found, without computing all n x n similarities. The pruning (``near_pairs``) is sound:

- Features are ordered rarest first (by document frequency; ties by feature index). For a document x and a
  feature f of x, ``s_x(f)`` is the norm of the part of x from f onwards in that order (its *suffix norm*).
- Let f* be the first feature (in that order) that two documents x and y share. Every feature they share
  is f* or later, so by Cauchy-Schwarz ``x . y <= s_x(f*) * s_y(f*)``. The vectors have norm 1, so a pair
  with ``x . y >= t`` has ``s_x(f*) >= t``, ``s_y(f*) >= t`` and ``s_x(f*) * s_y(f*) >= t``.
- So it is enough to list, for each feature f, the pairs of documents that both have f with
  ``s_x(f) * s_y(f) >= t``: a document only takes part through its rare features (the prefix of its
  features where ``s >= t``), and within a feature only pairs high in both suffix norms meet. Each
  listed pair is then checked by its exact dot product. A slack of 1e-6 in the pruning absorbs rounding.

The work grows with the number of listed pairs, not with n squared: with realistic text (a long-tailed
vocabulary) that is a small multiple of the true pairs. The listing is processed in chunks, so memory stays
bounded even for texts with a tiny vocabulary. When the pruning would list more than a tenth of all pairs
(low thresholds, tiny vocabularies), blocks of rows are multiplied with all rows instead (exact as well). ``tests/test_curation_dedup.py``
compares the result with brute force. Measured (``bench/bench_curation.py``, 2 shared cores): 98k prompts of
30-200 words, TF-IDF 2.1 s and pairs 0.9 s, peak memory +330 MB; the tiny-vocabulary stress case 8.3 s, +480 MB.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:  # SciPy and scikit-learn load when near duplicates are looked for (a second on a cold start)
    import scipy.sparse as sp

WORD_BREAK = r"[^\p{L}\p{N}\p{M}_ ]+"  # everything but letters, digits, marks, underscore and the space
MATCH_SLACK = 1e-9  # a pair is similar when its cosine >= threshold - MATCH_SLACK (float rounding)
PRUNE_SLACK = 1e-6  # the pruning bounds are loosened by this much, so rounding never loses a pair
PAIR_CHUNK = 1_000_000  # candidate pairs listed at a time
CHECK_CHUNK = 100_000  # candidate pairs whose dot products are computed at a time
DENSE_SHARE = 0.1  # when the pruning lists more than this share of n*n pairs, multiply rows in blocks instead
BLOCK_CELLS = 4_000_000  # similarities computed at a time by the block products


def tfidf_matrix(texts: Sequence[str]) -> sp.csr_matrix:
    """The TF-IDF vectors of ``texts`` (one row each, L2-normalised, float64).

    Words are the maximal runs of letters, digits, combining marks and underscores that are at least two
    characters long (scikit-learn's default ``(?u)\\b\\w\\w+\\b`` on the texts given, which are already
    lower-cased by ``feedback.curation.normalise``); weights are scikit-learn's ``TfidfTransformer``
    defaults (raw counts, smoothed idf ``ln((1 + n) / (1 + df)) + 1``, L2 norm). The words are split and
    counted with pyarrow (several times faster than ``TfidfVectorizer``'s Python loop); a text with no
    word gets an all-zero row. Known limit: scripts written without spaces (Chinese, Japanese) give one
    word per run of characters, so their near duplicates are found only when the runs match.
    """
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfTransformer

    n = len(texts)
    if n == 0:
        return sp.csr_matrix((0, 0), dtype=np.float64)
    arr = pa.array(list(texts), type=pa.large_string())
    words = pc.split_pattern(pc.replace_substring_regex(arr, WORD_BREAK, " "), " ")
    flat, parent = pc.list_flatten(words), pc.list_parent_indices(words)
    long_enough = pc.greater_equal(pc.utf8_length(flat), 2)
    flat, parent = pc.filter(flat, long_enough), pc.filter(parent, long_enough)
    encoded = pc.dictionary_encode(flat)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    rows = parent.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    counts = sp.csr_matrix((np.ones(len(codes)), (rows, codes)), shape=(n, max(len(encoded.dictionary), 1)))
    counts.sum_duplicates()
    return TfidfTransformer().fit_transform(counts).tocsr()


def _suffix_norms(x: sp.csr_matrix) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """``x`` with its columns renumbered rarest first (rows sorted), each entry's row and suffix norm."""
    import scipy.sparse as sp

    n, v = x.shape
    df = np.bincount(x.indices, minlength=v)
    rank = np.empty(v, dtype=np.int64)
    rank[np.argsort(df, kind="stable")] = np.arange(v)
    r = sp.csr_matrix((x.data.copy(), rank[x.indices], x.indptr.copy()), shape=x.shape)
    r.has_sorted_indices = False
    r.sort_indices()
    row = np.repeat(np.arange(n), np.diff(r.indptr))
    sq = r.data ** 2
    tail = np.cumsum(sq[::-1])[::-1]  # sum of squares from each entry to the end of the matrix
    beyond = np.append(tail, 0.0)[r.indptr[1:]]  # ... from the end of each row
    return r, row, np.sqrt(np.maximum(tail - beyond[row], 0.0))


def _row_dots(x: sp.csr_matrix, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    out = np.empty(len(i))
    for start in range(0, len(i), CHECK_CHUNK):
        a, b = i[start:start + CHECK_CHUNK], j[start:start + CHECK_CHUNK]
        out[start:start + CHECK_CHUNK] = np.asarray(x[a].multiply(x[b]).sum(axis=1)).ravel()
    return out


def _chunked_products(x: sp.csr_matrix, threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair ``i < j`` with ``x_i . x_j >= threshold`` by sparse products of blocks of rows with all rows
    (exact; for inputs where the pruning would list most pairs anyway: low thresholds, tiny vocabularies)."""
    n = x.shape[0]
    xt = x.T.tocsr()
    step = max(1, BLOCK_CELLS // n)
    found = []
    for start in range(0, n, step):
        block = (x[start:start + step] @ xt).tocoo()
        i, j = block.row.astype(np.int64) + start, block.col.astype(np.int64)
        hit = (j > i) & (block.data >= threshold - MATCH_SLACK)
        found.append((i[hit], j[hit], block.data[hit]))
    i, j, sim = (np.concatenate([f[k] for f in found]) for k in range(3))
    order = np.lexsort((j, i))
    return i[order], j[order], sim[order]


def near_pairs(x: sp.csr_matrix, threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair of rows ``i < j`` of ``x`` (L2-normalised, non-negative) whose cosine similarity is at least
    ``threshold`` (within ``MATCH_SLACK``), found exactly by the pruning in the module docstring.

    Returns ``(i, j, similarity)`` sorted by ``i`` then ``j``."""
    import scipy.sparse as sp

    x = sp.csr_matrix(x, dtype=np.float64)
    n = x.shape[0]
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    if n < 2 or x.nnz == 0:
        return empty
    r, row, suffix = _suffix_norms(x)
    low = threshold - PRUNE_SLACK
    prefix = suffix >= low
    doc, feat, s = row[prefix], r.indices[prefix].astype(np.int64), suffix[prefix]
    order = np.lexsort((-s, feat))  # by feature, then suffix norm, largest first
    doc, feat, s = doc[order], feat[order], s[order]
    m = len(feat)
    starts = np.r_[0, np.flatnonzero(np.diff(feat)) + 1]
    group_end = np.repeat(np.r_[starts[1:], m], np.diff(np.r_[starts, m]))
    # Within a feature, the partners of entry k are the next entries down to the last one with
    # s >= low / s_k (suffix norms are sorted descending, so they are contiguous).
    key = feat * 4.0 - s  # increasing along the sorted entries (0 < s <= 1)
    last = np.minimum(np.searchsorted(key, feat * 4.0 - low / s, side="right"), group_end)
    count = np.maximum(last - np.arange(m) - 1, 0)
    cum = np.cumsum(count)
    if m and cum[-1] > DENSE_SHARE * n * n:
        return _chunked_products(x, threshold)
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    lo_entry = 0
    while lo_entry < m:
        budget = (cum[lo_entry - 1] if lo_entry else 0) + PAIR_CHUNK
        hi_entry = max(int(np.searchsorted(cum, budget, side="right")), lo_entry + 1)
        c = count[lo_entry:hi_entry]
        total = int(c.sum())
        if total:
            src = np.repeat(np.arange(lo_entry, hi_entry), c)
            dst = src + 1 + np.arange(total) - np.repeat(np.cumsum(c) - c, c)
            a, b = doc[src], doc[dst]
            pair = np.unique(np.minimum(a, b) * n + np.maximum(a, b))
            i, j = pair // n, pair % n
            sim = _row_dots(x, i, j)
            hit = sim >= threshold - MATCH_SLACK
            found.append((i[hit], j[hit], sim[hit]))
        lo_entry = hi_entry
    if not found:
        return empty
    i = np.concatenate([f[0] for f in found])
    j = np.concatenate([f[1] for f in found])
    sim = np.concatenate([f[2] for f in found])
    _, first = np.unique(i * n + j, return_index=True)  # a pair can be listed under several features
    return i[first], j[first], sim[first]


def exact_duplicates(keys: Sequence[str], rank: np.ndarray) -> np.ndarray:
    """For each row, the row it duplicates (same non-empty key, best ``rank``: lowest), or -1 if it is kept.

    ``rank``: the precedence of each row (0 = kept first). Rows with an empty key are never duplicates."""
    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    frame = pd.DataFrame({"key": pd.Series(list(keys), dtype=object), "rank": np.asarray(rank), "row": np.arange(n)})
    frame = frame.sort_values("rank", kind="mergesort")
    best = frame.groupby("key", sort=False)["row"].transform("first").to_numpy()
    out = np.full(n, -1, dtype=np.int64)
    rows = frame["row"].to_numpy()
    dup = (best != rows) & (frame["key"].to_numpy(dtype=object) != "")
    out[rows[dup]] = best[dup]
    return out


def greedy_keep(n: int, i: np.ndarray, j: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Resolve near-duplicate pairs: rows are taken in ``rank`` order (lowest first); a row is kept unless it
    is similar to a row already kept, and then it is removed in favour of the first such row.

    So no two kept rows are similar, and every removed row is similar to the row that replaces it (which has
    a better rank). Returns, for each row, the row that replaces it, or -1 if it is kept."""
    out = np.full(n, -1, dtype=np.int64)
    if len(i) == 0:
        return out
    a, b = np.concatenate([i, j]), np.concatenate([j, i])
    order = np.lexsort((rank[b], rank[a]))  # neighbours of each row, best first
    a, b = a[order], b[order]
    starts = np.r_[0, np.flatnonzero(np.diff(a)) + 1]
    ends = np.r_[starts[1:], len(a)]
    decided = np.zeros(n, dtype=bool)
    for s, e in zip(starts.tolist(), ends.tolist()):
        u = int(a[s])
        if decided[u]:
            continue  # removed earlier by a better row
        decided[u] = True
        for v in b[s:e].tolist():
            if not decided[v]:
                decided[v] = True
                out[v] = u
    return out
