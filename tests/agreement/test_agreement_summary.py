"""Every figure of ``question_agreement`` against published worked examples and reference implementations
(krippendorff, statsmodels, scikit-learn) on random data with missing values."""

import json

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa
from test_agreement import (
    FLEISS_COUNTS,
    KRIPPENDORFF_A,
    KRIPPENDORFF_C,
    KRIPPENDORFF_C_ALPHA,
    LEVELS,
    long_frame,
    raters_from_counts,
)

from feedback.agreement.metrics import percent_agreement
from feedback.agreement.summary import question_agreement

NA = np.nan
SCALE = [1, 2, 3, 4, 5]


def summary(matrix, **kwargs):
    kwargs.setdefault("resamples", 0)
    return question_agreement(long_frame(matrix), **kwargs)


def agreeing_matrix(seed, shape=(6, 120), missing=0.3, share=0.6):
    """Random 1-5 answers where each answer copies the unit's true value with probability ``share``."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 6, shape[1])
    matrix = np.where(rng.random(shape) < share, truth, rng.integers(1, 6, shape)).astype(float)
    matrix[rng.random(shape) < missing] = np.nan
    return matrix


def test_krippendorff_2011_section_c_all_levels():
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: published alphas.
    result = summary(KRIPPENDORFF_C, levels=LEVELS)
    for level in LEVELS:
        assert result["metrics"][f"alpha_{level}"]["value"] == pytest.approx(KRIPPENDORFF_C_ALPHA[level], abs=5e-4)
    assert result["krippendorff_alpha"] == result["metrics"]["alpha_nominal"]["value"]
    # 11 of the 12 units are pairable (unit 12 has one value), 4 observers
    assert (result["n_units"], result["n_annotators"]) == (11, 4)


def test_krippendorff_2011_section_a_binary():
    # Krippendorff (2011) section A: alpha = 0.095; the observers agree on 6 of 10 units.
    result = summary(KRIPPENDORFF_A, levels=["nominal"])
    assert result["krippendorff_alpha"] == pytest.approx(0.095, abs=5e-4)
    assert result["percent_agreement"] == pytest.approx(0.6)
    # expected agreement sum_c n_c (n_c - 1) / (n (n - 1)) with n_0 = 14, n_1 = 6 of n = 20: (182 + 30) / 380
    assert result["expected_agreement"] == pytest.approx(212 / 380)


def test_fleiss_1971_wikipedia_example():
    # Fleiss (1971) as worked on Wikipedia "Fleiss' kappa": P-bar = 0.378, kappa = 0.210.
    result = summary(raters_from_counts(FLEISS_COUNTS), levels=["nominal"])
    assert result["fleiss"]["kappa"] == pytest.approx(0.210, abs=5e-4)
    assert result["fleiss"]["applies"] and result["fleiss"]["n_raters"] == 14
    assert result["percent_agreement"] == pytest.approx(0.378, abs=5e-4)  # = P-bar with 14 ratings everywhere


def test_cohen_wikipedia_example_per_pair():
    # Wikipedia "Cohen's kappa": 50 proposals, Yes/Yes 20, Yes/No 5, No/Yes 10, No/No 15 -> kappa 0.4.
    a = [1] * 25 + [0] * 25
    b = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15
    pair = summary(np.array([a, b], dtype=float), levels=["nominal"])["pairwise"]
    assert len(pair) == 1 and pair[0]["kappa"] == pytest.approx(0.4) and pair[0]["n_shared"] == 50


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_alphas_percent_and_fleiss_match_references_on_random_data_with_missing(seed):
    matrix = agreeing_matrix(seed, missing=0.2 + 0.1 * seed)
    result = summary(matrix, levels=LEVELS, values=SCALE)
    for level in LEVELS:
        ref = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level, value_domain=SCALE)
        assert result["metrics"][f"alpha_{level}"]["value"] == pytest.approx(ref, abs=1e-9)
    assert result["percent_agreement"] == pytest.approx(percent_agreement(matrix))
    m = (~np.isnan(matrix)).sum(axis=0)
    used = matrix[:, m == result["fleiss"]["n_raters"]]
    table, _ = aggregate_raters(np.array([col[~np.isnan(col)] for col in used.T]), n_cat=None)
    assert result["fleiss"]["kappa"] == pytest.approx(sm_fleiss_kappa(table, method="fleiss"), abs=1e-9)
    assert result["fleiss"]["n_units"] == used.shape[1] and not result["fleiss"]["applies"]


@pytest.mark.parametrize("seed", [0, 1])
def test_pairwise_kappas_match_sklearn_over_the_full_scale(seed):
    matrix = agreeing_matrix(seed, shape=(4, 150), missing=0.3)
    matrix[matrix == 3] = 4  # scale point 3 never used: weights must still span 1-5
    pairs = summary(matrix, levels=["ordinal"], values=SCALE, weighted=True)["pairwise"]
    assert len(pairs) == 6
    names = {f"r{i}": i for i in range(4)}
    for pair in pairs:
        a, b = matrix[names[pair["annotator_a"]]], matrix[names[pair["annotator_b"]]]
        shared = ~np.isnan(a) & ~np.isnan(b)
        assert pair["n_shared"] == shared.sum()
        for key, weights in (("kappa", None), ("kappa_linear", "linear"), ("kappa_quadratic", "quadratic")):
            ref = cohen_kappa_score(a[shared], b[shared], weights=weights, labels=SCALE)
            assert pair[key] == pytest.approx(ref, abs=1e-12)


def test_nominal_questions_report_unweighted_kappa_only():
    pair = summary(agreeing_matrix(3, shape=(2, 40)), levels=["nominal"])["pairwise"][0]
    assert "kappa" in pair and "kappa_quadratic" not in pair


@pytest.mark.parametrize("level", ["nominal", "ordinal"])
def test_leave_one_annotator_out_alpha_equals_alpha_without_that_row(level):
    matrix = agreeing_matrix(4, shape=(5, 100))
    matrix[2] = np.where(np.isnan(matrix[2]), np.nan, 6 - matrix[2])  # r2 reverses the scale
    result = summary(matrix, levels=[level], values=SCALE)
    for row in result["annotators"]:
        j = int(row["annotator"][1:])
        ref = krippendorff.alpha(reliability_data=np.delete(matrix, j, axis=0), level_of_measurement=level,
                                 value_domain=SCALE)
        assert row["alpha_without"] == pytest.approx(ref, abs=1e-9)
        assert row["alpha_change"] == pytest.approx(result["krippendorff_alpha"] - ref, abs=1e-9)
    worst = min(result["annotators"], key=lambda r: r["alpha_change"])
    assert worst["annotator"] == "r2"  # the bad annotator pulls alpha down the most


def test_agreement_with_consensus_of_the_others_hand_checked():
    matrix = np.array([
        [1, 1, 2, 1],  # x
        [1, 2, 2, 2],  # y
        [1, 2, 1, NA],  # z
    ])
    names = {"r0": "x", "r1": "y", "r2": "z"}
    rows = {names[r["annotator"]]: r for r in summary(matrix, levels=["nominal"])["annotators"]}
    # x: unit 1 others (1, 1) -> 1 agree; unit 2 others (2, 2) -> 2 disagree; unit 3 others (2, 1) tie, left out;
    # unit 4 other (2) -> disagree: 1 of 3.
    assert (rows["x"]["n_compared"], rows["x"]["consensus_agreement"]) == (3, pytest.approx(1 / 3))
    # y: unit 1 (1, 1) agree; unit 2 (1, 2) tie; unit 3 (2, 1) tie; unit 4 (1) disagree: 1 of 2.
    assert (rows["y"]["n_compared"], rows["y"]["consensus_agreement"]) == (2, pytest.approx(1 / 2))
    # z: unit 1 agree; unit 2 (1, 2) tie; unit 3 (2, 2) disagree: 1 of 2.
    assert (rows["z"]["n_compared"], rows["z"]["consensus_agreement"]) == (2, pytest.approx(1 / 2))
    # kappa against the consensus over the compared units: y's answers (1, 2) vs consensus (1, 1)
    assert rows["y"]["consensus_kappa"] == pytest.approx(cohen_kappa_score([1, 2], [1, 1]))


def test_undefined_figures_are_none_with_a_reason_and_json_is_strict():
    matrix = np.full((3, 5), 2.0)
    result = summary(matrix, levels=["ordinal", "interval"], values=[1, 2, 3], weighted=True, resamples=50)
    json.dumps(result, allow_nan=False)
    assert result["percent_agreement"] == 1.0
    alpha = result["metrics"]["alpha_ordinal"]
    assert alpha["value"] is None and alpha["ci"] is None and "same" in alpha["reason"]
    assert result["pairwise"][0]["kappa"] is None and result["pairwise"][0]["reason"]
    empty = summary(np.zeros((0, 0)), levels=["nominal"])
    assert empty["n_units"] == 0 and empty["metrics"]["alpha_nominal"]["reason"] == "no unit has 2 or more answers"
    assert empty["fleiss"]["kappa"] is None and empty["fleiss"]["note"].startswith("does not apply")
