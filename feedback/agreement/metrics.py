"""Inter-annotator agreement metrics: pure, vectorised numpy/pandas functions (no database, no UI).

Data layout: a *reliability matrix* has one row per annotator and one column per unit, holding numeric
codes with NaN where an annotator did not answer a unit (``reliability_matrix`` builds it from a long
DataFrame). A unit is *pairable* when it holds 2+ values; only pairable units carry agreement information.

Rules, shared by the functions below:

- ``percent_agreement`` is the observed agreement of Krippendorff's alpha under the nominal metric,
  1 - D_o = sum_c o_cc / n over the coincidence matrix: every pairable value is compared with the other
  m_u - 1 values of its unit, each pair weighted 1 / (m_u - 1), so every pairable value counts once.
  When every unit has the same number of values this is the plain share of agreeing pairs.
- Fleiss' kappa needs a constant number of raters per unit: it uses only the units whose number of ratings
  equals the most common number of ratings among pairable units (ties go to the larger number) and
  reports how many units that is.
- NaN, never an exception, when a coefficient is undefined: no pairable unit / fewer than 2 pairable
  values (alpha, percent agreement), fewer than 2 shared units (Cohen), no usable unit (Fleiss), and when
  the expected disagreement is 0, i.e. all values are identical (alpha, kappas): chance-corrected
  agreement is 0 / 0 there; ``percent_agreement`` still reports 1.0 in that case. Only invalid input
  raises (ValueError): a value outside a given ``values`` / ``labels`` / ``categories`` domain, an unknown
  level or weighting.
"""

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

Level = Literal["nominal", "ordinal", "interval", "ratio"]
Weights = Literal["linear", "quadratic"] | None


def reliability_matrix(
    df: pd.DataFrame, *, unit: str = "unit", annotator: str = "annotator", value: str = "value"
) -> tuple[np.ndarray, list, list]:
    """Annotators x units float matrix (NaN = missing) from long data, one row per unit x annotator answer.

    Labels are sorted when they are mutually comparable (else in order of appearance); if an annotator
    answered a unit twice, the last row wins. Returns ``(matrix, annotator_labels, unit_labels)``.
    """
    data = df[[unit, annotator, value]].drop_duplicates(subset=[unit, annotator], keep="last")
    a_idx, a_labels = _factorize(data[annotator])
    u_idx, u_labels = _factorize(data[unit])
    matrix = np.full((len(a_labels), len(u_labels)), np.nan)
    matrix[a_idx, u_idx] = pd.to_numeric(data[value]).to_numpy(dtype=float, na_value=np.nan)
    return matrix, list(a_labels), list(u_labels)


def _factorize(column: pd.Series) -> tuple[np.ndarray, list]:
    try:
        codes, uniques = pd.factorize(column, sort=True)
    except TypeError:  # labels of mixed, incomparable types
        codes, uniques = pd.factorize(column, sort=False)
    return codes, uniques.tolist()


def _domain(matrix: np.ndarray, values: Sequence | None) -> np.ndarray:
    """The value domain: ``values`` in the given order, else the sorted observed values."""
    if values is not None:
        return np.asarray(values, dtype=float)
    return np.unique(matrix[~np.isnan(matrix)])


def _codes(x: np.ndarray, domain: np.ndarray) -> np.ndarray:
    """Index of each value of ``x`` in ``domain``; ValueError on a value outside it."""
    if not len(x):
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(domain, kind="stable")
    codes = order[np.searchsorted(domain[order], x).clip(0, len(domain) - 1)] if len(domain) else None
    if codes is None or np.any(domain[codes] != x):
        outside = x if codes is None else x[domain[codes] != x]
        raise ValueError(f"values outside the value domain: {np.unique(outside)[:10].tolist()}")
    return codes


def coincidence_matrix(matrix: np.ndarray, domain: np.ndarray) -> np.ndarray:
    """Krippendorff's value x value coincidence matrix o_ck over the pairable units of ``matrix``.

    o_ck = sum_u n_uc (n_uk - [c == k]) / (m_u - 1), built from the sparse (unit, value, count) triples:
    every unit contributes (distinct values in it)^2 cells, so the work is linear in the data.
    """
    k = len(domain)
    present = ~np.isnan(matrix)
    m = present.sum(axis=0)
    pairable = m >= 2
    unit, rater = np.nonzero(present[:, pairable].T)  # sorted by unit
    if not len(unit):
        return np.zeros((k, k))
    codes = _codes(matrix[:, pairable][rater, unit], domain)
    keys, counts = np.unique(unit.astype(np.int64) * k + codes, return_counts=True)
    u, c = np.divmod(keys, k)
    per_unit = np.bincount(u)  # distinct values per unit
    start = np.cumsum(per_unit) - per_unit
    reps = per_unit[u]
    left = np.repeat(np.arange(len(u)), reps)
    right = start[u[left]] + np.arange(len(left)) - np.repeat(np.cumsum(reps) - reps, reps)
    weight = counts[left] * (counts[right] - (left == right)) / (m[pairable][u[left]] - 1)
    return np.bincount(c[left] * k + c[right], weights=weight, minlength=k * k).reshape(k, k)


def percent_agreement(matrix: np.ndarray) -> float:
    """Observed agreement 1 - D_o (nominal) over pairable units; NaN if there is none (see module doc).

    Each pairable value scores the share of the other values of its unit that equal it; the result is
    the mean over all pairable values.
    """
    matrix = np.asarray(matrix, dtype=float)
    o = coincidence_matrix(matrix, _domain(matrix, None))
    n = o.sum()
    return float(np.trace(o) / n) if n > 0 else float("nan")


def _distance(level: Level, domain: np.ndarray, marginals: np.ndarray) -> np.ndarray:
    """Krippendorff's squared difference function delta^2_ck over the domain (2011 definitions)."""
    if level == "nominal":
        return 1.0 - np.eye(len(domain))
    if level == "ordinal":  # (sum_{g=c..k} n_g - (n_c + n_k) / 2)^2 = (mid-rank_k - mid-rank_c)^2
        mid = np.cumsum(marginals) - marginals / 2.0
        return np.subtract.outer(mid, mid) ** 2
    if level == "interval":
        return np.subtract.outer(domain, domain) ** 2
    if level == "ratio":
        total = np.add.outer(domain, domain)
        diff = np.subtract.outer(domain, domain)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(total == 0, 0.0, (diff / np.where(total == 0, 1.0, total)) ** 2)
    raise ValueError(f"unknown level of measurement: {level!r}")


def krippendorff_alpha(
    matrix: np.ndarray, *, level: Level = "nominal", values: Sequence | None = None
) -> float:
    """Krippendorff's alpha = 1 - D_o / D_e with missing data, via the coincidence matrix.

    ``values`` is the full ordered value domain (else the observed values, sorted); the ordinal metric
    uses the marginal frequencies n_g (Krippendorff 2011). NaN with fewer than 2 pairable values or when
    the expected disagreement is 0 (all pairable values identical).
    """
    matrix = np.asarray(matrix, dtype=float)
    domain = _domain(matrix, values)
    o = coincidence_matrix(matrix, domain)
    n_c = o.sum(axis=1)
    n = n_c.sum()
    if n < 2:
        return float("nan")
    delta = _distance(level, domain, n_c)
    expected = float(n_c @ delta @ n_c)
    if expected <= 0:
        return float("nan")
    return float(1.0 - (n - 1) * float((o * delta).sum()) / expected)


def _weight_matrix(k: int, weights: Weights) -> np.ndarray:
    """Disagreement weights over label positions: 0/1, |i-j|/(k-1) or ((i-j)/(k-1))^2."""
    if weights is None:
        return 1.0 - np.eye(k)
    dist = np.abs(np.subtract.outer(np.arange(k), np.arange(k))) / max(k - 1, 1)
    if weights == "linear":
        return dist
    if weights == "quadratic":
        return dist**2
    raise ValueError(f"unknown weights: {weights!r}")


def cohen_kappa(
    a: Sequence, b: Sequence, *, labels: Sequence | None = None, weights: Weights = None
) -> float:
    """Cohen's kappa (optionally linearly / quadratically weighted) of two aligned 1-D label arrays.

    Positions where either is missing are dropped. ``labels`` is the full scale in order: weights are
    computed over its positions, unused scale points included (else over the sorted observed labels).
    NaN with fewer than 2 shared units or when the expected disagreement is 0.
    """
    a, b = pd.Series(np.asarray(a)), pd.Series(np.asarray(b))
    keep = (a.notna() & b.notna()).to_numpy()
    a, b = a[keep], b[keep]
    if len(a) < 2:
        return float("nan")
    scale = pd.Index(np.unique(np.concatenate([a.to_numpy(), b.to_numpy()])) if labels is None else labels)
    ia, ib = scale.get_indexer(a), scale.get_indexer(b)
    if (ia < 0).any() or (ib < 0).any():
        raise ValueError("labels outside the given scale")
    k = len(scale)
    observed = np.bincount(ia * k + ib, minlength=k * k).reshape(k, k) / len(a)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    w = _weight_matrix(k, weights)
    expected_disagreement = float((w * expected).sum())
    if expected_disagreement <= 0:
        return float("nan")
    return float(1.0 - (w * observed).sum() / expected_disagreement)


def pairwise_cohen(
    matrix: np.ndarray, annotators: Sequence, *, labels: Sequence | None = None, weights: Weights = None
) -> pd.DataFrame:
    """Cohen's kappa for every annotator pair sharing 2+ units (columns annotator_a, annotator_b,
    n_shared, kappa)."""
    matrix = np.asarray(matrix, dtype=float)
    present = ~np.isnan(matrix)
    rows = []
    for i in range(len(matrix)):
        for j in range(i + 1, len(matrix)):
            shared = present[i] & present[j]
            n = int(shared.sum())
            if n >= 2:
                kappa = cohen_kappa(matrix[i, shared], matrix[j, shared], labels=labels, weights=weights)
                rows.append((annotators[i], annotators[j], n, kappa))
    return pd.DataFrame(rows, columns=["annotator_a", "annotator_b", "n_shared", "kappa"])


def fleiss_kappa(matrix: np.ndarray, *, categories: Sequence | None = None) -> dict:
    """Fleiss' kappa over the units rated by the modal number of raters (see module doc).

    Returns ``{"kappa", "n_units", "n_raters"}``: n_units is the number of units used and n_raters the
    number of ratings each of them has; kappa is NaN with no usable unit or when all ratings are equal.
    """
    matrix = np.asarray(matrix, dtype=float)
    m = (~np.isnan(matrix)).sum(axis=0)
    sizes, freq = np.unique(m[m >= 2], return_counts=True)
    if not len(sizes):
        return {"kappa": float("nan"), "n_units": 0, "n_raters": 0}
    raters = int(sizes[len(freq) - 1 - np.argmax(freq[::-1])])  # most common; ties -> larger
    used = matrix[:, m == raters]
    domain = _domain(used, categories)
    unit, rater = np.nonzero(~np.isnan(used.T))
    k = len(domain)
    counts = np.bincount(unit * k + _codes(used.T[unit, rater], domain), minlength=used.shape[1] * k)
    counts = counts.reshape(used.shape[1], k).astype(float)
    p_unit = ((counts**2).sum(axis=1) - raters) / (raters * (raters - 1))
    p_cat = counts.sum(axis=0) / counts.sum()
    chance = float((p_cat**2).sum())
    kappa = float((p_unit.mean() - chance) / (1 - chance)) if chance < 1 else float("nan")
    return {"kappa": kappa, "n_units": int(used.shape[1]), "n_raters": raters}


def _pairable(df: pd.DataFrame) -> pd.DataFrame:
    """Rows with an answer, of the units with 2+ answers."""
    answered = df.drop_duplicates(subset=["unit", "annotator"], keep="last").dropna(subset=["value"])
    return answered[answered.groupby("unit")["value"].transform("size") >= 2]


def question_summary(df: pd.DataFrame, *, level: Level, values: Sequence | None = None) -> dict:
    """Agreement figures of one question in long format (unit, annotator, value), over units with 2+ answers.

    Keys: n_units, n_annotators, percent_agreement, krippendorff_alpha (at ``level``), fleiss (dict of
    ``fleiss_kappa``), pairwise (records of ``pairwise_cohen``, unweighted, plus ``kappa_quadratic`` over
    the full scale ``values`` when level is ordinal or interval).
    """
    data = _pairable(df)
    matrix, annotators, units = reliability_matrix(data)
    pairs = pairwise_cohen(matrix, annotators, labels=values)
    if level in ("ordinal", "interval"):
        quadratic = pairwise_cohen(matrix, annotators, labels=values, weights="quadratic")
        pairs["kappa_quadratic"] = quadratic["kappa"].to_numpy()
    return {
        "n_units": len(units),
        "n_annotators": len(annotators),
        "percent_agreement": percent_agreement(matrix),
        "krippendorff_alpha": krippendorff_alpha(matrix, level=level, values=values),
        "fleiss": fleiss_kappa(matrix, categories=values),
        "pairwise": pairs.to_dict(orient="records"),
    }


def disagreements(df: pd.DataFrame) -> pd.DataFrame:
    """Units with 2+ answers that are not all equal, most split first.

    Columns: unit, n_answers, n_values (distinct answers), majority_share (share of the most common
    answer), counts (dict answer -> count, most common first). Sorted by majority_share ascending, then
    n_values and n_answers descending, then unit. Values may be of any hashable type (e.g. strings).
    """
    columns = ["unit", "n_answers", "n_values", "majority_share", "counts"]
    data = _pairable(df)
    if data.empty:
        return pd.DataFrame(columns=columns)
    table = data.groupby(["unit", "value"]).size().unstack(fill_value=0)  # crosstab: 10x slower at 300k
    n_values = (table > 0).sum(axis=1)
    table = table[n_values >= 2]
    n_answers = table.sum(axis=1)
    out = pd.DataFrame({
        "unit": table.index,
        "n_answers": n_answers.to_numpy(),
        "n_values": n_values[n_values >= 2].to_numpy(),
        "majority_share": (table.max(axis=1) / n_answers).to_numpy(),
        "counts": _counts(table),
    })
    out = out.sort_values(["majority_share", "n_values", "n_answers", "unit"],
                          ascending=[True, False, False, True], kind="stable")
    return out.reset_index(drop=True)[columns]


def _counts(table: pd.DataFrame) -> list[dict]:
    """Per row of a unit x answer count table: {answer: count} of the answers given, most common first."""
    labels = table.columns.tolist()
    counts = table.to_numpy()
    order = np.argsort(-counts, axis=1, kind="stable")
    return [{labels[j]: int(row[j]) for j in idx if row[j] > 0} for row, idx in zip(counts, order)]
