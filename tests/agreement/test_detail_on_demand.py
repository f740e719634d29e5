"""Large teams: the intervals no screen shows at once (every annotator pair's, alpha without each annotator,
each annotator's agreement with the consensus of the others) are computed when asked for; every other figure is the same whether they are or not, and asking for them
gives the figures the full report gives."""

import numpy as np
import pandas as pd
import pytest
from test_agreement_ranking import long_rankings, random_rankings

from feedback.agreement.alpha import code_answers, leave_one_out_stats, leave_one_out_totals
from feedback.agreement.summary import DETAIL_MAX_ANNOTATORS, question_agreement, ranking_agreement


def team_answers(annotators: int, items: int = 120, per_item: int = 3, seed: int = 5) -> pd.DataFrame:
    """Rubric-like answers: two units (answers) per item, each item rated by ``per_item`` of the team."""
    gen = np.random.default_rng(seed)
    rows = []
    for item in range(items):
        truth = gen.integers(1, 6, size=2)
        for who in gen.choice(annotators, size=per_item, replace=False):
            for key, value in zip("ab", truth):
                noisy = int(np.clip(value + gen.choice([-1, 0, 0, 1]), 1, 5))
                rows.append({"unit": f"{item}/{key}", "item": item, "annotator": f"ann{who:02d}", "value": noisy})
    return pd.DataFrame(rows)


def assert_same(a, b, path="figures"):
    """Equal, figures to 1e-6: the replicates are sums in float32, whose last bits depend on how many other
    columns are summed beside them."""
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), path
        for key in a:
            assert_same(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), path
        for n, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{n}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert abs(a - b) <= 1e-6, f"{path}: {a} != {b}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def without_detail_intervals(result: dict) -> dict:
    strip = {"kappa_ci", "kappa_linear_ci", "kappa_quadratic_ci", "alpha_without_ci", "alpha_change_ci",
             "consensus_agreement_ci", "consensus_kappa_ci"}
    out = {**result, "bootstrap": {k: v for k, v in result["bootstrap"].items()
                                   if k not in ("loo_intervals", "pair_intervals", "consensus_intervals")}}
    out["pairwise"] = [{k: v for k, v in p.items() if k not in strip} for p in result["pairwise"]]
    out["annotators"] = [{k: v for k, v in a.items() if k not in strip} for a in result["annotators"]]
    return out


@pytest.mark.parametrize("levels, weighted", [(["ordinal", "interval"], True), (["nominal"], False)])
def test_every_other_figure_is_the_same_with_or_without_the_detail_intervals(levels, weighted):
    df = team_answers(annotators=20)
    kwargs = {"levels": levels, "values": [1, 2, 3, 4, 5], "weighted": weighted, "resamples": 200, "seed": 3}
    full = question_agreement(df, **kwargs, detail=True)
    light = question_agreement(df, **kwargs, detail=False)
    assert full["bootstrap"]["pair_intervals"] and not light["bootstrap"]["pair_intervals"]
    assert all(p["kappa_ci"] is not None for p in full["pairwise"] if p["n_shared"] >= 5)
    assert all(p["kappa_ci"] is None for p in light["pairwise"])
    assert all(a["alpha_without_ci"] is None and a["consensus_kappa_ci"] is None for a in light["annotators"])
    assert any(a["alpha_without_ci"] is not None for a in full["annotators"])
    assert all(a["consensus_kappa_ci"] is not None for a in full["annotators"] if a["n_compared"] >= 20)
    assert_same(without_detail_intervals(light), without_detail_intervals(full))


def test_detail_is_automatic_up_to_a_team_size_and_asked_for_above_it():
    small = question_agreement(team_answers(annotators=DETAIL_MAX_ANNOTATORS), levels=["ordinal"],
                               values=[1, 2, 3, 4, 5], resamples=50)
    large = question_agreement(team_answers(annotators=DETAIL_MAX_ANNOTATORS + 1), levels=["ordinal"],
                               values=[1, 2, 3, 4, 5], resamples=50)
    assert small["bootstrap"]["pair_intervals"] and small["bootstrap"]["loo_intervals"]
    assert not large["bootstrap"]["pair_intervals"] and not large["bootstrap"]["loo_intervals"]
    assert small["bootstrap"]["consensus_intervals"] and not large["bootstrap"]["consensus_intervals"]
    assert all(a["consensus_kappa_ci"] is not None for a in small["annotators"] if a["n_compared"] >= 20)
    assert all(a["consensus_kappa_ci"] is None and a["consensus_kappa"] is not None for a in large["annotators"]
               if a["n_compared"] >= 20)


def test_a_ranking_question_without_detail_keeps_its_alpha_and_its_interval():
    rankings = long_rankings(random_rankings(5, units=40, annotators=4, ties=True))
    full = ranking_agreement(rankings, resamples=200, seed=3, detail=True)
    light = ranking_agreement(rankings, resamples=200, seed=3, detail=False)
    assert light["metrics"] == full["metrics"]
    assert [a["alpha_without"] for a in light["annotators"]] == [a["alpha_without"] for a in full["annotators"]]
    assert all(a["alpha_without_ci"] is None for a in light["annotators"])


@pytest.mark.parametrize("compact", [True, False])
def test_leave_one_out_totals_are_the_totals_of_the_per_unit_statistics(compact):
    df = team_answers(annotators=9, items=60, per_item=4)
    df.loc[df.index % 7 == 0, "value"] = 3  # some units left with one answer once an annotator is taken out
    df = df[df.index % 11 != 0]
    coded = code_answers(df, [1, 2, 3, 4, 5])
    expected = leave_one_out_stats(coded, compact=compact).sum(axis=0).reshape(len(coded.annotators), -1)
    np.testing.assert_allclose(leave_one_out_totals(coded, compact=compact), expected, rtol=0, atol=1e-9)


def test_questions_drawn_together_get_the_figures_each_gets_alone():
    """A report draws the bootstrap counts once for all questions over the same number of items."""
    from feedback.agreement.summary import question_steps, run_steps

    same_items = [team_answers(annotators=15, seed=s) for s in (1, 2)]
    fewer = team_answers(annotators=15, items=80, seed=3)
    specs = [(same_items[0], {"levels": ["ordinal", "interval"], "values": [1, 2, 3, 4, 5], "weighted": True}),
             (same_items[1], {"levels": ["nominal"]}),
             (fewer, {"levels": ["nominal"]}),
             (same_items[0], {"levels": ["nominal"], "resamples": 0})]
    alone = [question_agreement(df, **{"resamples": 150, "seed": 4, **kw}) for df, kw in specs]
    together = run_steps([question_steps(df, **{"resamples": 150, "seed": 4, **kw}) for df, kw in specs])
    assert_same(together, alone)
    assert alone[0]["metrics"]["percent_agreement"]["ci"] is not None and alone[3]["metrics"]["percent_agreement"][
        "ci"] is None


def test_the_annotator_table_leaves_out_interval_columns_it_was_not_asked_for():
    from feedback.agreement.report import annotators_table

    df = team_answers(annotators=DETAIL_MAX_ANNOTATORS + 3)
    light = question_agreement(df, levels=["ordinal"], values=[1, 2, 3, 4, 5], resamples=50)
    full = question_agreement(df, levels=["ordinal"], values=[1, 2, 3, 4, 5], resamples=50, detail=True)
    assert "kappa 95% CI" not in annotators_table(light) and "with consensus 95% CI" not in annotators_table(light)
    assert {"kappa 95% CI", "with consensus 95% CI"} <= set(annotators_table(full).columns)
    assert annotators_table(light)["kappa vs consensus"].tolist() == annotators_table(full)["kappa vs consensus"].tolist()
