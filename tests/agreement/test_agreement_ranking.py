"""Rank-distance alpha: a hand-worked example, the definition computed pair by pair on random rankings with
ties and missing rankings, leave-one-annotator-out values, and the ranking question's figures."""

import itertools

import numpy as np
import pandas as pd
import pytest

from feedback.agreement.ranking import rank_alpha
from feedback.agreement.summary import ranking_agreement


def long_rankings(rankings: dict) -> pd.DataFrame:
    """{(unit, annotator): ranks by candidate position} -> long rows."""
    rows = [(u, a, pos, r) for (u, a), ranks in rankings.items() for pos, r in enumerate(ranks)]
    return pd.DataFrame(rows, columns=["unit", "annotator", "position", "rank"])


HAND = {
    ("i1", "A"): (1, 2, 3), ("i1", "B"): (1, 2, 3),
    ("i2", "A"): (1, 2, 3), ("i2", "B"): (1, 3, 2),
    ("i3", "A"): (3, 2, 1), ("i3", "B"): (3, 1, 2),
}


def test_rank_alpha_hand_worked():
    # Squared rank distances within items: i1 0, i2 (0+1+1) = 2, i3 (0+1+1) = 2. With 2 rankings per item
    # each ordered pair is weighted 1 / (2 - 1): D_o sum = 2*0 + 2*2 + 2*2 = 8, n = 6 rankings.
    # All ordered pairs of the 6 rankings (123, 123, 123, 132, 321, 312): unordered distances sum to
    # 3*2 + 3*8 + 3*6 + 6 + 8 + 2 = 64, ordered 128. alpha = 1 - (n - 1) * 8 / 128 = 1 - 40/128 = 0.6875.
    assert rank_alpha(long_rankings(HAND)) == pytest.approx(0.6875)


def definitional_alpha(rankings: dict) -> float:
    """Krippendorff's alpha pair by pair: 1 - (n - 1) sum_u sum_{i != j} d / (m_u - 1) / sum_{i != j} d."""
    by_unit = {}
    for (unit, _), ranks in rankings.items():
        by_unit.setdefault(unit, []).append(np.asarray(ranks, float))
    by_unit = {u: v for u, v in by_unit.items() if len(v) >= 2}
    values = [v for vs in by_unit.values() for v in vs]
    observed = sum(((x - y) ** 2).sum() / (len(vs) - 1)
                   for vs in by_unit.values() for x, y in itertools.permutations(vs, 2))
    expected = sum(((x - y) ** 2).sum() for x, y in itertools.permutations(values, 2))
    return 1 - (len(values) - 1) * observed / expected


def average(ranks):
    return pd.Series(ranks).rank(method="average").tolist()


def random_rankings(seed, units=25, annotators=4, candidates=4, ties=True):
    rng = np.random.default_rng(seed)
    out = {}
    for u in range(units):
        truth = rng.permutation(candidates)
        for a in range(annotators):
            if rng.random() < 0.3:
                continue  # missing
            noisy = truth + rng.normal(0, 1.5, candidates)
            ranks = np.argsort(np.argsort(noisy)) + 1
            if ties and rng.random() < 0.3:
                ranks = np.minimum(ranks, candidates - 1)  # the last two share a rank (dense)
            out[(f"u{u}", f"a{a}")] = tuple(int(r) for r in ranks)
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rank_alpha_matches_the_definition_with_ties_and_missing(seed):
    rankings = random_rankings(seed)
    averaged = {key: average(ranks) for key, ranks in rankings.items()}  # ties: average ranks
    assert rank_alpha(long_rankings(rankings)) == pytest.approx(definitional_alpha(averaged), abs=1e-12)


def test_rank_alpha_uses_items_with_the_most_common_number_of_candidates():
    rankings = dict(HAND)
    rankings.update({("i4", "A"): (1, 2, 3, 4), ("i4", "B"): (4, 3, 2, 1)})
    assert rank_alpha(long_rankings(rankings)) == pytest.approx(0.6875)


def test_ranking_question_figures_and_leave_one_out():
    rankings = random_rankings(5, units=40, annotators=4, ties=False)
    result = ranking_agreement(long_rankings(rankings), resamples=200, seed=3)
    assert result["alpha_level"] == "rank" and result["metrics"]["alpha_rank"]["n_candidates"] == 4
    assert result["krippendorff_alpha"] == pytest.approx(definitional_alpha(rankings))
    ci = result["metrics"]["alpha_rank"]["ci"]
    assert ci[0] <= result["krippendorff_alpha"] <= ci[1]
    for row in result["annotators"]:
        without = {key: r for key, r in rankings.items() if key[1] != row["annotator"]}
        assert row["alpha_without"] == pytest.approx(definitional_alpha(without), abs=1e-12)
        assert row["alpha_without_ci"] is not None
    # identical whole rankings: percent agreement over rankings as categories
    assert 0 <= result["percent_agreement"] <= 1 and result["metrics"]["alpha_nominal"]["value"] is not None
