"""Intervals of pairwise kappas and of agreement with the others when a question has many values (whole rankings
of 4 candidates): drawn through the tables' margins, they equal a plain bootstrap of the pairs' answers."""

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from test_agreement_ranking import long_rankings, random_rankings

from feedback.agreement.pairs import MAX_CELLS, margin_replicates
from feedback.agreement.summary import ranking_agreement


def test_a_ranking_question_with_4_candidates_has_an_interval_for_every_pair_and_annotator():
    result = ranking_agreement(long_rankings(random_rankings(5, units=40, annotators=4, ties=True)), resamples=200,
                               seed=3)
    assert result["metrics"]["alpha_rank"]["n_candidates"] == 4
    assert result["pairwise"] and all(p["kappa_ci"] is not None for p in result["pairwise"])
    for pair in result["pairwise"]:
        assert pair["kappa_ci"][0] <= pair["kappa"] <= pair["kappa_ci"][1]
    compared = [a for a in result["annotators"] if a["n_compared"] >= 2]
    assert compared and all(a["consensus_agreement_ci"] is not None and a["consensus_kappa_ci"] is not None
                            for a in compared)
    again = ranking_agreement(long_rankings(random_rankings(5, units=40, annotators=4, ties=True)), resamples=200,
                              seed=3)
    assert again["pairwise"] == result["pairwise"]  # the same seed gives the same intervals


@pytest.mark.parametrize("weighting, weights", [("kappa", None), ("kappa_linear", "linear")])
def test_margin_replicates_equal_kappas_of_the_resampled_answers(weighting, weights):
    gen = np.random.default_rng(7)
    k, n_items = 30, 25  # 900 cells: more than MAX_CELLS
    assert k * k > MAX_CELLS
    a = gen.integers(0, 6, n_items)
    b = np.where(gen.random(n_items) < 0.6, a, gen.integers(0, 6, n_items))
    group, cell, cluster = np.zeros(n_items, int), a * k + b, np.arange(n_items)
    reps = margin_replicates(group, cell, cluster, n_groups=1, k=k, weightings=[weighting], resamples=50,
                             rng=np.random.default_rng(1))
    draws = np.random.default_rng(1).integers(0, n_items, size=(50, n_items))  # resample_sums' draws
    for r, drawn in enumerate(draws):
        expected = cohen_kappa_score(a[drawn], b[drawn], labels=list(range(k)), weights=weights)
        assert reps[weighting][r, 0] == pytest.approx(expected, abs=1e-9)
        assert reps["share"][r, 0] == pytest.approx(np.mean(a[drawn] == b[drawn]))
