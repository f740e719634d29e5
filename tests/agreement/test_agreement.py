"""Agreement metrics against published worked examples and reference implementations.

References (used only here, never by ``feedback.agreement.metrics``): krippendorff, statsmodels, scikit-learn.
"""


import krippendorff
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from feedback.agreement.metrics import (
    cohen_kappa,
    disagreements,
    fleiss_kappa,
    krippendorff_alpha,
    pairwise_cohen,
    percent_agreement,
    question_summary,
    reliability_matrix,
)

NA = np.nan
LEVELS = ["nominal", "ordinal", "interval", "ratio"]

# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for Communication,
# University of Pennsylvania, departmental paper 43. Section C ("Nominal data, any number of observers,
# missing values" and the following sections on ordinal, interval and ratio metrics): 4 observers x 12 units,
# values 1-5. Published: nominal alpha = 0.743, ordinal = 0.815, interval = 0.849, ratio = 0.797.
KRIPPENDORFF_C = np.array([
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NA, NA, NA],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NA, 3],
    [NA, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NA],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NA],
])
KRIPPENDORFF_C_ALPHA = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}

# Krippendorff (2011), section A ("Binary or dichotomous data, two observers, no missing data"): 10 units,
# published alpha = 0.095.
KRIPPENDORFF_A = np.array([
    [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
    [1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
], dtype=float)

# Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. Psychological Bulletin 76(5),
# as worked on Wikipedia, "Fleiss' kappa" (Worked example): 10 subjects, 14 raters, 5 categories; the
# table gives how many raters put each subject in each category. Published: P-bar = 0.378, P_e = 0.213,
# kappa = 0.210.
FLEISS_COUNTS = np.array([
    (0, 0, 0, 0, 14), (0, 2, 6, 4, 2), (0, 0, 3, 5, 6), (0, 3, 9, 2, 0), (2, 2, 8, 1, 1),
    (7, 7, 0, 0, 0), (3, 2, 6, 3, 0), (2, 5, 3, 2, 2), (6, 5, 2, 1, 0), (0, 2, 2, 3, 7),
])


def raters_from_counts(counts: np.ndarray) -> np.ndarray:
    """A raters x subjects matrix whose column j holds category c (1-based) counts[j, c-1] times."""
    categories = np.arange(1, counts.shape[1] + 1)
    return np.stack([np.repeat(categories, row) for row in counts], axis=1).astype(float)


def random_matrix(seed: int, shape=(6, 80), *, low=1, high=5, missing=0.3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    matrix = rng.integers(low, high + 1, size=shape).astype(float)
    matrix[rng.random(shape) < missing] = np.nan
    return matrix


def long_frame(matrix: np.ndarray) -> pd.DataFrame:
    rater, unit = np.nonzero(~np.isnan(matrix))
    return pd.DataFrame({"unit": [f"u{u:03d}" for u in unit], "annotator": [f"r{r}" for r in rater],
                         "value": matrix[rater, unit]})


# --- Krippendorff's alpha ------------------------------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
def test_alpha_krippendorff_2011_section_c(level):
    published = KRIPPENDORFF_C_ALPHA[level]
    assert krippendorff_alpha(KRIPPENDORFF_C, level=level) == pytest.approx(published, abs=5e-4)


@pytest.mark.parametrize("level", LEVELS)
def test_alpha_section_c_with_full_domain_matches_reference(level):
    ours = krippendorff_alpha(KRIPPENDORFF_C, level=level, values=[1, 2, 3, 4, 5])
    ref = krippendorff.alpha(reliability_data=KRIPPENDORFF_C, level_of_measurement=level,
                             value_domain=[1, 2, 3, 4, 5])
    assert ours == pytest.approx(ref, abs=1e-9)


def test_alpha_krippendorff_2011_section_a_binary():
    assert krippendorff_alpha(KRIPPENDORFF_A, level="nominal") == pytest.approx(0.095, abs=5e-4)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("level", LEVELS)
def test_alpha_matches_krippendorff_package_on_random_data(seed, level):
    matrix = random_matrix(seed, missing=0.2 + 0.1 * seed)
    domain = [1, 2, 3, 4, 5]
    ref = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level, value_domain=domain)
    assert krippendorff_alpha(matrix, level=level, values=domain) == pytest.approx(ref, abs=1e-9)


def test_alpha_ordinal_unchanged_by_unused_scale_points():
    # n_g = 0 for an unused point: it adds nothing to the ordinal distances (Krippendorff 2011).
    matrix = random_matrix(5, low=1, high=3)
    assert krippendorff_alpha(matrix, level="ordinal", values=[1, 2, 3, 4, 5]) == pytest.approx(
        krippendorff_alpha(matrix, level="ordinal"), abs=1e-12)


def test_alpha_rejects_values_outside_domain():
    with pytest.raises(ValueError):
        krippendorff_alpha(KRIPPENDORFF_C, level="ordinal", values=[1, 2, 3])


def test_alpha_unknown_level():
    with pytest.raises(ValueError):
        krippendorff_alpha(KRIPPENDORFF_C, level="cardinal")


def test_alpha_of_independent_answers_is_near_zero():
    """Speed is measured by bench/bench_agreement.py; here only the value on large random data."""
    matrix = random_matrix(42, shape=(10, 100_000))
    alpha = krippendorff_alpha(matrix, level="ordinal", values=[1, 2, 3, 4, 5])
    assert abs(alpha) < 0.02  # independent random answers: no agreement beyond chance


# --- percent agreement ---------------------------------------------------------------------------------


def test_percent_agreement_hand_checked():
    # unit 1: 1,1,1 -> each value agrees with 2/2 others: 3 points; unit 2: 1,1,2 -> 1/2 + 1/2 + 0 = 1;
    # unit 3: 1,2 -> 0; unit 4: a single value, not pairable. 4 points over 3 + 3 + 2 = 8 pairable values.
    matrix = np.array([
        [1, 1, 1, 3],
        [1, 1, 2, NA],
        [1, 2, NA, NA],
    ])
    assert percent_agreement(matrix) == pytest.approx(0.5)


def test_percent_agreement_is_share_of_agreeing_pairs_with_constant_raters():
    # Krippendorff (2011) section A: the observers agree on 6 of the 10 units (units 2, 4, 5, 7, 8, 10);
    # in the paper's coincidence matrix o_00 + o_11 = 10 + 2 of n = 20 pairable values, 1 - D_o = 0.6.
    assert percent_agreement(KRIPPENDORFF_A) == pytest.approx(0.6)


# --- Cohen's kappa -------------------------------------------------------------------------------------


def test_cohen_kappa_wikipedia_example():
    # Wikipedia, "Cohen's kappa", simple worked example: 50 grant proposals read by A and B;
    # Yes/Yes 20, Yes/No 5, No/Yes 10, No/No 15: p_o = 0.7, p_e = 0.5, kappa = 0.4.
    a = np.array([1] * 20 + [1] * 5 + [0] * 10 + [0] * 15)
    b = np.array([1] * 20 + [0] * 5 + [1] * 10 + [0] * 15)
    assert cohen_kappa(a, b) == pytest.approx(0.4)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_kappa_matches_sklearn(seed, weights):
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 6, 200)
    b = np.clip(a + rng.integers(-1, 2, 200), 1, 5)
    labels = [1, 2, 3, 4, 5]
    ours = cohen_kappa(a, b, labels=labels, weights=weights)
    assert ours == pytest.approx(cohen_kappa_score(a, b, weights=weights, labels=labels), abs=1e-12)
    observed_only = cohen_kappa_score(a, b, weights=weights)
    assert cohen_kappa(a, b, weights=weights) == pytest.approx(observed_only, abs=1e-12)


@pytest.mark.parametrize("weights", ["linear", "quadratic"])
def test_weighted_kappa_uses_full_scale_when_a_point_is_never_used(weights):
    rng = np.random.default_rng(7)
    scale_without_3 = np.array([1, 2, 4, 5])
    a = rng.choice(scale_without_3, 120)
    b = np.where(rng.random(120) < 0.6, a, rng.choice(scale_without_3, 120))
    full = cohen_kappa(a, b, labels=[1, 2, 3, 4, 5], weights=weights)
    observed_only = cohen_kappa(a, b, weights=weights)
    assert full == pytest.approx(cohen_kappa_score(a, b, weights=weights, labels=[1, 2, 3, 4, 5]), abs=1e-12)
    assert observed_only == pytest.approx(cohen_kappa_score(a, b, weights=weights), abs=1e-12)
    assert abs(full - observed_only) > 1e-3


def test_cohen_kappa_drops_missing_and_needs_two_shared_units():
    a = np.array([1, 2, NA, 1, 2])
    b = np.array([1, 2, 1, NA, 1])
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score([1, 2, 2], [1, 2, 1]))
    assert np.isnan(cohen_kappa([1, NA], [1, 2]))
    assert np.isnan(cohen_kappa([], []))


def test_pairwise_cohen_rows_and_shared_counts():
    matrix = np.array([
        [1, 2, 1, 2, NA],
        [1, 2, 2, 2, 1],
        [NA, NA, NA, 1, 1],
    ])
    table = pairwise_cohen(matrix, ["x", "y", "z"])
    assert list(table.columns) == ["annotator_a", "annotator_b", "n_shared", "kappa"]
    assert table[["annotator_a", "annotator_b", "n_shared"]].values.tolist() == [["x", "y", 4], ["y", "z", 2]]
    assert table["kappa"].iloc[0] == pytest.approx(cohen_kappa_score([1, 2, 1, 2], [1, 2, 2, 2]))


# --- Fleiss' kappa -------------------------------------------------------------------------------------


def test_fleiss_kappa_wikipedia_example():
    result = fleiss_kappa(raters_from_counts(FLEISS_COUNTS))
    assert result["kappa"] == pytest.approx(0.210, abs=5e-4)
    assert (result["n_units"], result["n_raters"]) == (10, 14)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fleiss_kappa_matches_statsmodels_on_complete_data(seed):
    matrix = random_matrix(seed, shape=(7, 60), low=0, high=3, missing=0.0)
    matrix[:, :20] = matrix[0, :20]  # some agreement
    table, _ = aggregate_raters(matrix.T)
    result = fleiss_kappa(matrix)
    assert result["kappa"] == pytest.approx(sm_fleiss_kappa(table, method="fleiss"), abs=1e-12)
    assert (result["n_units"], result["n_raters"]) == (60, 7)


def test_fleiss_kappa_uses_units_with_the_modal_number_of_ratings():
    complete = random_matrix(3, shape=(4, 30), missing=0.0)
    matrix = np.concatenate([complete, random_matrix(4, shape=(4, 12), missing=0.0)], axis=1)
    matrix[3, 30:] = np.nan  # 12 units with 3 ratings
    matrix[1:, 40:] = np.nan  # ... of which 2 with 1 rating (not pairable)
    result = fleiss_kappa(matrix, categories=[1, 2, 3, 4, 5])
    table, _ = aggregate_raters(complete.T, n_cat=None)
    assert result == {"kappa": pytest.approx(sm_fleiss_kappa(table)), "n_units": 30, "n_raters": 4}


# --- reliability matrix, summary, disagreements --------------------------------------------------------


def test_reliability_matrix_layout():
    df = pd.DataFrame({"item": ["b", "a", "a", "b"], "who": ["y", "x", "y", "y"], "score": [3, 1, 2, 4]})
    matrix, annotators, units = reliability_matrix(df, unit="item", annotator="who", value="score")
    assert annotators == ["x", "y"] and units == ["a", "b"]
    np.testing.assert_array_equal(matrix, [[1, NA], [2, 4]])  # duplicate (b, y): last answer wins


def test_reliability_matrix_roundtrip():
    matrix = random_matrix(9, shape=(5, 40), missing=0.4)
    matrix = matrix[:, (~np.isnan(matrix)).any(axis=0)]
    rebuilt, _, _ = reliability_matrix(long_frame(matrix))
    np.testing.assert_array_equal(rebuilt, matrix)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_question_summary(level):
    matrix = random_matrix(11, shape=(5, 50))
    df = long_frame(matrix)
    summary = question_summary(df, level=level, values=[1, 2, 3, 4, 5])
    pairable = (~np.isnan(matrix)).sum(axis=0) >= 2
    assert summary["n_units"] == int(pairable.sum()) and summary["n_annotators"] == 5
    assert summary["percent_agreement"] == pytest.approx(percent_agreement(matrix))
    assert summary["krippendorff_alpha"] == pytest.approx(krippendorff.alpha(
        reliability_data=matrix, level_of_measurement=level, value_domain=[1, 2, 3, 4, 5]), abs=1e-9)
    assert set(summary["fleiss"]) == {"kappa", "n_units", "n_raters"}
    assert len(summary["pairwise"]) == 10
    assert ("kappa_quadratic" in summary["pairwise"][0]) == (level != "nominal")


def test_disagreements_most_split_first():
    df = pd.DataFrame({
        "unit": ["agree"] * 3 + ["split3"] * 3 + ["split2of3"] * 3 + ["half"] * 2 + ["single"],
        "annotator": ["x", "y", "z"] * 3 + ["x", "y", "x"],
        "value": ["a", "a", "a", "a", "b", "tie", "a", "b", "b", "a", "tie", "b"],
    })
    table = disagreements(df)
    assert table["unit"].tolist() == ["split3", "half", "split2of3"]
    assert table["counts"].tolist() == [{"a": 1, "b": 1, "tie": 1}, {"a": 1, "tie": 1}, {"b": 2, "a": 1}]
    assert table["n_answers"].tolist() == [3, 2, 3]
    assert table["majority_share"].tolist() == pytest.approx([1 / 3, 1 / 2, 2 / 3])


# --- edge cases ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
def test_all_identical_answers(level):
    # No variation: expected disagreement is 0, alpha and the kappas are 0/0 -> NaN; raw agreement is 1.
    matrix = np.full((3, 6), 2.0)
    matrix[0, 0] = np.nan
    assert np.isnan(krippendorff_alpha(matrix, level=level))
    assert np.isnan(krippendorff_alpha(matrix, level=level, values=[1, 2, 3]))
    assert percent_agreement(matrix) == 1.0
    assert np.isnan(fleiss_kappa(matrix)["kappa"])
    assert np.isnan(cohen_kappa(matrix[1], matrix[2]))
    assert disagreements(long_frame(matrix)).empty


def test_single_annotator():
    matrix = np.array([[1.0, 2.0, 3.0]])
    assert np.isnan(krippendorff_alpha(matrix))
    assert np.isnan(percent_agreement(matrix))
    assert fleiss_kappa(matrix) == {"kappa": pytest.approx(np.nan, nan_ok=True), "n_units": 0, "n_raters": 0}
    assert pairwise_cohen(matrix, ["x"]).empty
    summary = question_summary(long_frame(matrix), level="ordinal", values=[1, 2, 3])
    assert summary["n_units"] == 0 and summary["pairwise"] == []
    assert np.isnan(summary["krippendorff_alpha"])


def test_empty_input():
    df = pd.DataFrame({"unit": [], "annotator": [], "value": []})
    matrix, annotators, units = reliability_matrix(df)
    assert matrix.shape == (0, 0) and annotators == [] and units == []
    assert np.isnan(krippendorff_alpha(matrix, level="interval"))
    assert np.isnan(percent_agreement(matrix))
    assert fleiss_kappa(matrix)["n_units"] == 0
    summary = question_summary(df, level="nominal")
    assert summary["n_units"] == 0 and summary["n_annotators"] == 0 and summary["pairwise"] == []
    assert np.isnan(summary["percent_agreement"]) and np.isnan(summary["fleiss"]["kappa"])
    assert disagreements(df).empty


def test_weighted_cohen_kappa_worked_by_hand_from_cohens_1968_definition():
    """Cohen (1968), "Weighted kappa", Psychological Bulletin 70: kappa_w = 1 - sum(w o) / sum(w e), with
    disagreement weights w_ij = |i-j|/(k-1) (linear) or its square (quadratic) and e_ij = r_i c_j / n.

    Two raters, 10 items, 3 ordered categories; rows rater A, columns rater B:
        [[3, 1, 0],      row totals 4, 4, 2; column totals 3, 4, 3
         [0, 3, 1],
         [0, 0, 2]]
    Unweighted: p_o = 8/10, p_e = (4*3 + 4*4 + 2*3)/100 = 0.34, kappa = 0.46/0.66 = 23/33.
    Linear: observed 2 cells x 0.5 = 1.0; expected 0.5 x (1.6+1.2+1.2+0.8) + 1 x (1.2+0.6) = 4.2;
    kappa = 1 - 1/4.2 = 16/21. Quadratic: observed 2 x 0.25 = 0.5; expected 0.25 x 4.8 + 1.8 = 3.0;
    kappa = 1 - 0.5/3 = 5/6.
    """
    table = [[3, 1, 0], [0, 3, 1], [0, 0, 2]]
    a, b = [], []
    for i, row in enumerate(table):
        for j, n in enumerate(row):
            a += [i + 1] * n
            b += [j + 1] * n
    a, b = np.array(a, dtype=float), np.array(b, dtype=float)
    assert cohen_kappa(a, b, labels=[1, 2, 3]) == pytest.approx(23 / 33)
    assert cohen_kappa(a, b, labels=[1, 2, 3], weights="linear") == pytest.approx(16 / 21)
    assert cohen_kappa(a, b, labels=[1, 2, 3], weights="quadratic") == pytest.approx(5 / 6)
