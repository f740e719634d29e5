"""Bootstrap intervals over items: they hold the point estimate, repeat with the seed, narrow with more
items, and resample whole items when an item holds several units (item x candidate)."""

import numpy as np
import pytest
from test_agreement import long_frame
from test_agreement_summary import agreeing_matrix

from feedback.agreement.bootstrap import cluster_patterns, percentile_ci, resample_sums, table_replicates
from feedback.agreement.summary import question_agreement

SCALE = [1, 2, 3, 4, 5]
FULL = {"levels": ["ordinal", "interval", "nominal"], "values": SCALE, "weighted": True}


def run(matrix, **kwargs):
    return question_agreement(long_frame(matrix), **FULL, **kwargs)


def intervals(result):
    """Every (point, interval) pair of a result."""
    out = [(m["value"], m["ci"]) for m in result["metrics"].values()]
    for pair in result["pairwise"]:
        out += [(pair[k], pair[f"{k}_ci"]) for k in ("kappa", "kappa_linear", "kappa_quadratic")]
    for row in result["annotators"]:
        out += [(row["alpha_without"], row["alpha_without_ci"]), (row["alpha_change"], row["alpha_change_ci"]),
                (row["consensus_agreement"], row["consensus_agreement_ci"])]
    return out


def test_every_figure_has_an_interval_containing_it():
    result = run(agreeing_matrix(0, shape=(5, 300)), resamples=400, seed=1)
    pairs = intervals(result)
    assert len(pairs) > 20
    for point, ci in pairs:
        assert ci is not None and ci[0] <= point + 1e-9 and point - 1e-9 <= ci[1]


def test_same_seed_same_intervals_other_seed_other_intervals():
    matrix = agreeing_matrix(1, shape=(4, 150))
    first, again, other = (run(matrix, resamples=200, seed=s) for s in (7, 7, 8))
    assert first == again
    assert first["metrics"]["alpha_ordinal"]["ci"] != other["metrics"]["alpha_ordinal"]["ci"]
    assert first["metrics"]["alpha_ordinal"]["value"] == other["metrics"]["alpha_ordinal"]["value"]


def test_intervals_narrow_with_more_items():
    def width(units):
        ci = run(agreeing_matrix(2, shape=(4, units)), resamples=300)["metrics"]["alpha_ordinal"]["ci"]
        return ci[1] - ci[0]

    small, large = width(100), width(1600)
    assert large < small / 2.5  # about 1 / sqrt(16) = 1/4 of the width


def test_no_resamples_no_intervals():
    result = run(agreeing_matrix(3, shape=(4, 50)), resamples=0)
    assert all(ci is None for _, ci in intervals(result))
    assert result["metrics"]["alpha_ordinal"]["value"] is not None


def test_units_of_one_item_are_resampled_together():
    # Two candidates per item, rated by 4 annotators; the second candidate's ratings copy the first's, so
    # each item carries two identical units: resampling items (not units) gives wider intervals.
    matrix = agreeing_matrix(4, shape=(4, 200), share=0.5)
    df = long_frame(np.concatenate([matrix, matrix], axis=1))
    df["item"] = df["unit"].map(lambda u: f"i{int(u[1:]) % 200}")
    by_item = question_agreement(df, **FULL, resamples=400)
    by_unit = question_agreement(df.drop(columns="item"), **FULL, resamples=400)
    assert by_item["n_items"] == by_item["n_units"] // 2 and by_unit["n_items"] == by_unit["n_units"]
    assert by_item["krippendorff_alpha"] == pytest.approx(by_unit["krippendorff_alpha"])
    w_item, w_unit = (np.diff(r["metrics"]["alpha_ordinal"]["ci"])[0] for r in (by_item, by_unit))
    assert w_item > 1.1 * w_unit  # about sqrt(2) wider in theory
    assert by_item["pairwise"][0]["n_items"] == by_item["pairwise"][0]["n_shared"] // 2


def test_resample_sums_matches_explicit_resampling():
    rng = np.random.default_rng(0)
    contrib = rng.random((30, 3))
    sums = resample_sums(contrib, resamples=5, rng=np.random.default_rng(11))
    draws = np.random.default_rng(11).integers(0, 30, size=(5, 30))
    np.testing.assert_allclose(sums, contrib[draws].sum(axis=1))


def test_table_replicates_keep_each_group_total():
    group = np.array([0, 0, 0, 1, 1])
    cell = np.array([0, 1, 1, 2, 3])
    reps = table_replicates(group, cell, np.arange(5), n_groups=2, n_cells=4, resamples=50,
                            rng=np.random.default_rng(0))
    assert reps.shape == (50, 2, 4)
    assert (reps.sum(axis=2) == [3, 2]).all()
    assert (reps[:, 0, 2:] == 0).all() and (reps[:, 1, :2] == 0).all()
    clustered = table_replicates(group, cell, np.array([0, 0, 1, 2, 2]), n_groups=2, n_cells=4, resamples=50,
                                 rng=np.random.default_rng(0))
    assert set(np.unique(clustered[:, 1, 2])) <= {0, 1, 2} and (clustered[:, 1, 2] == clustered[:, 1, 3]).all()


def test_percentile_ci_edge_cases():
    assert percentile_ci(np.arange(101.0), 50.0) == pytest.approx([2.5, 97.5])
    assert percentile_ci(np.arange(10.0), float("nan")) is None
    assert percentile_ci(np.full(10, np.nan), 1.0) is None


@pytest.mark.parametrize("seed, n_cells, per_cluster", [(0, 25, 2), (1, 4, 6), (2, 9, 3), (3, 400, 2)])
def test_cluster_patterns_packed_equal_the_sorted_matrix(seed, n_cells, per_cluster):
    """Patterns packed into one integer each give the same patterns, groups, counts and order as sorting the
    (group, cluster) x cells matrix column by column (and so the same draws)."""
    gen = np.random.default_rng(seed)
    n = 3000
    group = gen.integers(0, 7, n)
    cluster = gen.integers(0, n // per_cluster, n)
    cell = np.minimum(gen.geometric(0.3, n) - 1, n_cells - 1)  # skewed: some patterns repeat often
    packed = cluster_patterns(group, cell, cluster, n_groups=7, n_cells=n_cells)
    matrix = cluster_patterns(group, cell, cluster, n_groups=7, n_cells=n_cells, packed=False)
    for a, b in zip(packed, matrix):
        np.testing.assert_array_equal(a, b)
    assert packed[2].sum() == len(np.unique(group * (cluster.max() + 1) + cluster))
