"""Coded answers and Krippendorff's alpha from coincidence totals, vectorised over bootstrap replicates and over
left-out annotators.

``code_answers`` turns long answers (unit, annotator, value[, item]) into integer codes over the pairable
units (2+ answers). Each unit's contribution to the coincidence matrix, n_uc (n_ud - [c == d]) / (m_u - 1),
is stored as the upper triangle of a symmetric k x k matrix, so every total (all units, a bootstrap
replicate, all units without one annotator) is a sum of rows, and alpha follows from the total alone.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from feedback.agreement.metrics import Level, _distance


@dataclass
class Coded:
    """Answers of one question on its pairable units, as integer codes into ``domain``."""

    unit: np.ndarray  # per answer: unit index, sorted by unit then annotator
    annotator: np.ndarray  # per answer: annotator index
    code: np.ndarray  # per answer: index into domain
    counts: np.ndarray  # units x k: answers per value
    cluster: np.ndarray  # per unit: item index (the bootstrap resamples items)
    annotators: list
    units: list
    domain: list

    @property
    def k(self) -> int:
        return len(self.domain)

    @property
    def m(self) -> np.ndarray:
        return self.counts.sum(axis=1)

    @property
    def n_items(self) -> int:
        return int(self.cluster.max()) + 1 if len(self.cluster) else 0

    def codes_matrix(self) -> np.ndarray:
        """annotators x units codes, -1 where an annotator did not answer."""
        out = np.full((len(self.annotators), len(self.units)), -1, dtype=np.int64)
        out[self.annotator, self.unit] = self.code
        return out


def renumbered(codes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Codes in [0, n) renumbered 0, 1, ... in their sorted order over the values present, and those values
    (``np.unique(codes, return_inverse=True)`` reversed, in linear time: no sort)."""
    present = np.bincount(codes, minlength=n) > 0
    return (np.cumsum(present) - 1)[codes], np.flatnonzero(present)


def first_rows(codes: np.ndarray, n: int) -> np.ndarray:
    """For each code in [0, n): the index of its first row in ``codes`` (0 for a code that does not occur)."""
    first = np.zeros(n, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
    return first


def sorted_codes(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """The column's values numbered in their sorted order, and the values (as ``pd.factorize(sort=True)``).

    A categorical column whose categories are in sorted order (``pd.factorize(sort=True)``'s uniques, as the
    report builds them) is numbered through its integer codes: the same numbers, without hashing or sorting a
    name per answer (1.8M rubric answers' names took a second)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes, present = renumbered(column.cat.codes.to_numpy().astype(np.int64), len(column.cat.categories))
        return codes, column.cat.categories[present]
    codes, uniques = pd.factorize(column, sort=True)
    return codes.astype(np.int64), pd.Index(uniques)


def _plain_codes(column: pd.Series) -> np.ndarray:
    """One value per row that is equal where the column's values are equal (a categorical's integer codes)."""
    return column.cat.codes.to_numpy() if isinstance(column.dtype, pd.CategoricalDtype) else column.to_numpy()


def code_answers(df: pd.DataFrame, values: Sequence | None = None) -> Coded:
    """Code long answers (columns unit, annotator, value and optionally item) over units with 2+ answers.

    Later rows win over earlier ones for the same (unit, annotator). ``values`` is the full ordered value
    domain (ValueError for an answer outside it); else the sorted observed values. Units and annotators are
    numbered in the sorted order of their values (``sorted_codes``: categorical columns through their codes).
    """
    item = "item" if "item" in df else "unit"
    unit_all, unit_names = sorted_codes(df["unit"])
    annotator_all, annotator_names = sorted_codes(df["annotator"])
    key = unit_all * max(len(annotator_names), 1) + annotator_all
    rows = np.argsort(key, kind="stable")  # by unit then annotator; a pair's rows in the order given
    last = np.ones(len(rows), dtype=bool)  # the last row of each (unit, annotator) wins
    last[:-1] = key[rows[1:]] != key[rows[:-1]]
    rows = rows[last]
    rows = rows[df["value"].notna().to_numpy()[rows]]
    units_of = unit_all[rows]
    rows = rows[np.bincount(units_of, minlength=len(unit_names))[units_of] >= 2]  # pairable units only
    u_idx, present_units = renumbered(unit_all[rows], len(unit_names))
    a_idx, present_annotators = renumbered(annotator_all[rows], len(annotator_names))
    units, annotators = unit_names[present_units], annotator_names[present_annotators]
    answers = df["value"].iloc[rows]
    if values is None:
        code, domain = pd.factorize(answers, sort=True)
        domain = domain.tolist()
    else:
        domain = list(values)
        code = pd.Index(domain).get_indexer(answers)
        if (code < 0).any():
            outside = sorted(set(answers[code < 0].tolist()))[:10]
            raise ValueError(f"values outside the value domain: {outside}")
    code = np.asarray(code, dtype=np.int64)
    k, n_units = len(domain), len(units)
    counts = np.bincount(u_idx * k + code, minlength=n_units * k).reshape(n_units, k) if k else \
        np.zeros((n_units, 0), dtype=np.int64)
    first = np.flatnonzero(np.diff(u_idx, prepend=-1))  # each unit's first answer
    cluster = pd.factorize(_plain_codes(df[item])[rows][first])[0] if n_units else np.zeros(0, dtype=np.int64)
    return Coded(u_idx, a_idx, code, counts, cluster, annotators.tolist(), units.tolist(), domain)


def unit_coincidences(counts: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Per unit: upper triangle (k(k+1)/2 columns) of its coincidences; zero for units with fewer than 2."""
    k = counts.shape[1]
    iu, ju = np.triu_indices(k)
    scale = np.where(m >= 2, 1.0 / np.maximum(m - 1, 1), 0.0)
    return counts[:, iu] * (counts[:, ju] - (iu == ju)) * scale[:, None]


def unit_stats(counts: np.ndarray, m: np.ndarray, *, compact: bool) -> np.ndarray:
    """Per unit coincidence statistics: the upper triangle of its coincidences, or when ``compact`` (enough for
    the nominal metric, and linear in k) its agreeing coincidences sum_c o_cc then its counts n_uc."""
    if not compact:
        return unit_coincidences(counts, m)
    pairable = m >= 2
    scale = np.where(pairable, 1.0 / np.maximum(m - 1, 1), 0.0)
    return np.column_stack([(counts * (counts - 1)).sum(axis=1) * scale, counts * pairable[:, None]])


def nominal_parts(stats: np.ndarray, k: int, *, compact: bool) -> tuple[np.ndarray, np.ndarray]:
    """(sum_c o_cc, marginals n_c) from totals of ``unit_stats`` (..., width)."""
    if compact:
        return stats[..., 0], stats[..., 1:]
    o = coincidence_from_triangle(stats, k)
    return np.trace(o, axis1=-2, axis2=-1), o.sum(axis=-1)


def nominal_figures(agree: np.ndarray, n_c: np.ndarray) -> dict[str, np.ndarray]:
    """Observed agreement, agreement expected by chance and nominal alpha from sum_c o_cc and n_c."""
    n = n_c.sum(axis=-1)
    same = (n_c**2).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        observed = np.where(n > 0, agree / n, np.nan)
        expected = np.where(n >= 2, (same - n) / (n * (n - 1)), np.nan)
        alpha = np.where((n >= 2) & (n * n - same > 0), 1.0 - (n - 1) * (n - agree) / (n * n - same), np.nan)
    return {"observed": observed, "expected": expected, "alpha": alpha}


def coincidence_from_triangle(tri: np.ndarray, k: int) -> np.ndarray:
    """(..., k, k) symmetric coincidence matrices from their upper triangles (..., k(k+1)/2)."""
    iu, ju = np.triu_indices(k)
    out = np.zeros(tri.shape[:-1] + (k, k))
    out[..., iu, ju] = tri
    out[..., ju, iu] = tri
    return out


def alpha_from_coincidence(o: np.ndarray, level: Level, domain: Sequence) -> np.ndarray:
    """Krippendorff's alpha of every coincidence matrix in ``o`` (..., k, k); NaN where undefined."""
    n_c = o.sum(axis=-1)
    n = n_c.sum(axis=-1)
    if level == "ordinal":  # the distances depend on each matrix's own marginals
        mid = np.cumsum(n_c, axis=-1) - n_c / 2.0
        delta = (mid[..., :, None] - mid[..., None, :]) ** 2
    elif level == "nominal":  # any labels, numeric or not
        delta = 1.0 - np.eye(len(domain))
    else:
        delta = _distance(level, np.asarray(domain, dtype=float), np.zeros(len(domain)))
    expected = np.einsum("...c,...cd,...d->...", n_c, delta, n_c)
    observed = (o * delta).sum(axis=(-2, -1))
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = 1.0 - (n - 1) * observed / expected
    return np.where((n >= 2) & (expected > 1e-12 * np.maximum(n, 1) ** 2), alpha, np.nan)


def leave_one_out_stats(coded: Coded, *, compact: bool, dtype=np.float64) -> np.ndarray:
    """units x (annotators * width): each unit's ``unit_stats`` without each annotator in turn.

    Without annotator j a unit loses j's answer; a unit left with one answer drops out.
    """
    k, n_ann = coded.k, len(coded.annotators)
    m = coded.m
    base = unit_stats(coded.counts, m, compact=compact).astype(dtype)
    t = base.shape[1]
    out = np.repeat(base, n_ann, axis=1) if n_ann else np.zeros((len(m), 0), dtype=dtype)
    out = out.reshape(len(m), t, n_ann).transpose(0, 2, 1).copy()  # units x annotators x t
    for j in range(n_ann):
        rows = coded.annotator == j
        units, codes = coded.unit[rows], coded.code[rows]
        counts = coded.counts[units].copy()
        counts[np.arange(len(units)), codes] -= 1
        out[units, j] = unit_stats(counts, m[units] - 1, compact=compact)
    return out.reshape(len(m), n_ann * t) if k else out.reshape(len(m), 0)


def leave_one_out_totals(coded: Coded, *, compact: bool) -> np.ndarray:
    """(annotators x width): the totals over units of ``leave_one_out_stats``, without building its units x
    (annotators * width) matrix (a gigabyte at 40 annotators and 200k units): the point figures need only
    these. Each answer changes its own unit's statistics, so the totals without annotator j are the totals
    plus the change each of j's answers makes when it is taken out."""
    n_ann = len(coded.annotators)
    base = unit_stats(coded.counts, coded.m, compact=compact)
    out = np.tile(base.sum(axis=0), (n_ann, 1))
    if not len(coded.unit):
        return out
    counts = coded.counts[coded.unit]
    counts[np.arange(len(coded.unit)), coded.code] -= 1
    # a column at a time: the whole answers x statistics matrix of changes was 600 MB at 2M answers
    for column, new in enumerate(_stat_columns(counts, coded.m[coded.unit] - 1, compact=compact)):
        change = new - base[coded.unit, column]
        out[:, column] += np.bincount(coded.annotator, weights=change, minlength=n_ann)
    return out


def _stat_columns(counts: np.ndarray, m: np.ndarray, *, compact: bool) -> Iterator[np.ndarray]:
    """The columns of ``unit_stats(counts, m)``, one at a time, computed as it computes them (the same values)."""
    k = counts.shape[1]
    pairable = m >= 2
    scale = np.where(pairable, 1.0 / np.maximum(m - 1, 1), 0.0)
    if compact:
        yield (counts * (counts - 1)).sum(axis=1) * scale
        for c in range(k):
            yield counts[:, c] * pairable
        return
    for i, j in zip(*np.triu_indices(k)):
        yield counts[:, i] * (counts[:, j] - (i == j)) * scale
