"""Every agreement figure of one question, with bootstrap intervals, as JSON-safe data.

A *metric record* is ``{"value", "ci", "n_items", "n_annotators"}`` plus ``"reason"`` when the value is
undefined (``value`` and ``ci`` are then None, never NaN). Intervals are percentile intervals of the
statistic over bootstrap replicates that resample the question's *items* with replacement (a rating's
units, item x candidate, stay together with their item); one seeded ``numpy`` Generator drives them.
"""

import os
from collections.abc import Generator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from feedback.agreement.alpha import (
    Coded,
    alpha_from_coincidence,
    code_answers,
    coincidence_from_triangle,
    leave_one_out_stats,
    leave_one_out_totals,
    nominal_figures,
    nominal_parts,
    unit_stats,
)
from feedback.agreement.bootstrap import cluster_sums, distinct, percentile_ci, resample_sums
from feedback.agreement.pairs import consensus_agreement, pairwise_kappas
from feedback.agreement.ranking import (
    code_rankings,
    leave_one_out_rank_stats,
    rank_alpha_from_stats,
    unit_rank_stats,
)

LOO_MAX_COLUMNS = 1200  # leave-one-out intervals cost one column per annotator and statistic
# Up to this many annotators, every pair's and every leave-one-out interval comes with the report; above it
# (a team of 40 has 780 pairs: two thirds of the report's time) they are computed when asked for
# (``detail=True``), as no screen shows them all at once. Each family of intervals draws from its own stream
# of the seed, so leaving one out changes none of the others, and asking for it gives the figures it gave.
DETAIL_MAX_ANNOTATORS = 12
WORKERS = min(2, os.cpu_count() or 1)  # threads of run_steps (more gained little and cost memory)
NO_UNITS = "no unit has 2 or more answers"
NO_CHANCE = "every answer is the same, so no disagreement is expected by chance (0 / 0)"


def _record(value: float, reps: np.ndarray | None, *, n_items: int, n_annotators: int, confidence: float,
            reason: str = NO_CHANCE) -> dict:
    value = float(value)
    out = {"value": value if np.isfinite(value) else None,
           "ci": percentile_ci(reps, value, confidence=confidence) if reps is not None else None,
           "n_items": int(n_items), "n_annotators": int(n_annotators)}
    if out["value"] is None:
        out["reason"] = reason if n_items else NO_UNITS
    return out


def _fleiss_columns(coded: Coded) -> tuple[np.ndarray, int]:
    """Per unit: [used, used * P_u, used * n_uc], used = the unit has the modal number of ratings."""
    m = coded.m
    sizes, freq = np.unique(m, return_counts=True)
    raters = int(sizes[len(freq) - 1 - np.argmax(freq[::-1])]) if len(sizes) else 0
    used = (m == raters).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_unit = np.where(used > 0, ((coded.counts**2).sum(axis=1) - raters) / (raters * (raters - 1)), 0.0)
    return np.column_stack([used, used * p_unit, coded.counts * used[:, None]]), raters


def _fleiss_from(totals: np.ndarray) -> np.ndarray:
    used, p_sum, cats = totals[..., 0], totals[..., 1], totals[..., 2:]
    with np.errstate(divide="ignore", invalid="ignore"):
        p_bar = p_sum / used
        p_cat = cats / cats.sum(axis=-1, keepdims=True)
        chance = (p_cat**2).sum(axis=-1)
        kappa = (p_bar - chance) / (1 - chance)
    return np.where((used > 0) & (chance < 1 - 1e-12), kappa, np.nan)


def question_agreement(df: pd.DataFrame, **options) -> dict:
    """All figures of one question from long answers (unit, annotator, value[, item]) over units with 2+ answers
    (the options of ``question_steps``)."""
    return run_steps([question_steps(df, **options)])[0]


class Started:
    """A question's steps (``question_steps``) run up to their draws: its long answers are coded and let go,
    so the questions of a report wait for their draws without every question's answers in memory at once."""

    def __init__(self, steps: Generator):
        self.steps, self.request, self.result = steps, None, None
        try:
            self.request = next(steps)
        except StopIteration as done:
            self.result = done.value

    def finish(self, sent: tuple) -> dict:
        """Send the steps (their replicates, what their side work returned) and keep the figures."""
        try:
            self.steps.send(sent)
        except StopIteration as done:
            self.result = done.value
        return self.result


def run_steps(steps: list) -> list[dict]:
    """The results of ``question_steps`` generators (or ``Started`` ones). Questions whose bootstrap resamples
    the same number of items from the same seed get the same draws (each question's stream starts from its
    seed), so they are drawn once for all of them, their statistics side by side: a report of 8 questions over
    the same 100k items draws 10^8 item counts once instead of 8 times, with the same figures.

    The draws of each group, then each question's remaining figures, run on ``WORKERS`` threads: numpy's
    random draws and array work release the GIL (at 300k annotations the draws and figures took 6.7 s, not 8.3),
    and every question and group draws from its own seeded stream, so the figures do not depend on the
    order the threads finish in."""
    started = [step if isinstance(step, Started) else Started(step) for step in steps]
    groups: dict[tuple, list[Started]] = {}
    width: dict[int, int] = {}
    for step in started:
        if step.request is not None:
            (handed,), seed, resamples, _ = step.request
            width[id(step)] = handed.shape[1]
            groups.setdefault((handed.shape[0], seed, resamples), []).append(step)
    handed = None  # the loop's last matrix: only the requests hold them

    def draw(seed: int, resamples: int, members: list[Started]) -> np.ndarray:
        together = np.concatenate([step.request[0][0] for step in members], axis=1)
        for step in members:  # handed over: each question's own copy goes (130 MB at 1M annotations)
            step.request[0].clear()
        return resample_sums(together, resamples=resamples, rng=np.random.default_rng(seed).spawn(4)[0])

    # one BLAS thread per worker: the workers are the parallelism, and OpenBLAS's own threads, spinning while
    # two workers multiply at once, doubled the CPU time of the draws (9.7 s -> 30.8 s at 300k annotations)
    with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(max_workers=WORKERS) as pool:
        drawn = {pool.submit(draw, seed, resamples, members): members
                 for (_, seed, resamples), members in groups.items()}
        # each question's figures that need none of the shared draws (per annotator and per pair, from their
        # own streams) run beside them: at 300k annotations the draws kept one core busy while these waited
        side = {id(step): pool.submit(step.request[3]) for step in started if step.request is not None}
        finishing = []
        for future in as_completed(drawn):
            reps, start = future.result(), 0
            for step in drawn[future]:
                step.request = None
                finishing.append(pool.submit(lambda step, reps, done: step.finish((reps, done.result())), step,
                                             reps[:, start: start + width[id(step)]], side[id(step)]))
                start += width[id(step)]
        for future in finishing:
            future.result()
    return [step.result for step in started]


def question_steps(df: pd.DataFrame, *, levels: Sequence[str], values: Sequence | None = None,
                   weighted: bool = False, rankings: tuple | None = None, resamples: int = 1000,
                   seed: int = 0, confidence: float = 0.95, detail: bool | None = None) -> Generator:
    """``question_agreement`` as a generator for ``run_steps``: it yields ([per-item statistics to resample],
    seed, resamples, side work) when it has replicates to draw, is sent their totals and what the side work
    (a callable needing none of them) returned, and returns the figures.

    ``levels``: Krippendorff levels to report, the first being the question's own (used for the
    leave-one-annotator-out alpha); ``values``: the full ordered scale; ``weighted``: add linearly and
    quadratically weighted Cohen's kappas; ``rankings`` (from ``ranking_agreement``): the coded rankings,
    whose rank-distance alpha then becomes the question's own alpha. ``detail``: also the intervals of every
    annotator pair's kappas, of alpha without each annotator and of each annotator's agreement with the
    consensus of the others (a multinomial draw per annotator and pattern of answers: at 1M annotations by 100
    annotators, 15 of the report's 45 CPU seconds) (None: when there are at most
    ``DETAIL_MAX_ANNOTATORS`` annotators).
    """
    coded = code_answers(df, values)
    del df  # steps wait side by side for their draws: keep only what is coded
    _, pairs_rng, cons_rng, rank_rng = np.random.default_rng(seed).spawn(4)
    n_ann, n_items, k = len(coded.annotators), coded.n_items, coded.k
    detail = n_ann <= DETAIL_MAX_ANNOTATORS if detail is None else detail
    size = {"n_items": n_items, "n_annotators": n_ann, "confidence": confidence}
    compact = all(level == "nominal" for level in levels)  # nominal needs no full coincidence matrix
    base = unit_stats(coded.counts, coded.m, compact=compact)
    t = base.shape[1]
    fleiss_cols, raters = _fleiss_columns(coded)
    with_loo = detail and rankings is None and n_ann * t <= LOO_MAX_COLUMNS
    parts = [base, fleiss_cols] + ([leave_one_out_stats(coded, compact=compact)] if with_loo else [])
    contrib = np.concatenate(parts, axis=1)
    totals = contrib.sum(axis=0)
    fleiss_units = fleiss_cols[:, 0] > 0
    sums = None
    if resamples and len(coded.units):
        sums = cluster_sums((contrib if with_loo else contrib[:, : t + k + 2]).astype(np.float32), coded.cluster,
                            n_items)
    del parts, contrib, base, fleiss_cols  # steps wait side by side: keep only what is needed after the draws

    def per_annotator_and_pair() -> tuple:  # no shared draw needed: run beside them (from streams of their own)
        boot = resamples if detail else 0
        return (consensus_agreement(coded, resamples=boot, rng=cons_rng, confidence=confidence),
                pairwise_kappas(coded, weighted=weighted, resamples=boot, rng=pairs_rng, confidence=confidence),
                None if with_loo or rankings is not None else leave_one_out_totals(coded, compact=compact))

    if sums is not None:  # handed over in a list that run_steps empties: suspended here, this frame keeps none
        handed, sums = [sums], None
        reps, (annotator_rows, pairwise, loo_totals) = yield handed, seed, resamples, per_annotator_and_pair
    else:
        reps, (annotator_rows, pairwise, loo_totals) = None, per_annotator_and_pair()

    def alpha_of(stats: np.ndarray, level: str) -> np.ndarray:
        if level == "nominal":
            return nominal_figures(*nominal_parts(stats, k, compact=compact))["alpha"]
        return alpha_from_coincidence(coincidence_from_triangle(stats, k), level, coded.domain)

    point = nominal_figures(*nominal_parts(totals[:t], k, compact=compact))
    boot_fig = nominal_figures(*nominal_parts(reps[:, :t], k, compact=compact)) if reps is not None else {}
    metrics = {"percent_agreement": _record(point["observed"], boot_fig.get("observed"), **size),
               "expected_agreement": _record(point["expected"], boot_fig.get("expected"), **size)}
    alphas = {}
    for level in levels:
        alphas[level] = float(alpha_of(totals[:t], level))
        metrics[f"alpha_{level}"] = _record(alphas[level], None if reps is None else alpha_of(reps[:, :t], level),
                                            **size)
    fleiss_size = {"n_items": len(distinct(coded.cluster[fleiss_units])),
                   "n_annotators": len(distinct(coded.annotator[fleiss_units[coded.unit]])),
                   "confidence": confidence}
    fleiss_kappa = float(_fleiss_from(totals[t: t + k + 2]))
    metrics["fleiss_kappa"] = _record(fleiss_kappa, None if reps is None else _fleiss_from(reps[:, t: t + k + 2]),
                                      **fleiss_size)
    primary = levels[0]
    if rankings is not None:
        primary = "rank"
        rank = _rank_part(*rankings, resamples=resamples, rng=rank_rng, confidence=confidence, detail=detail)
        metrics["alpha_rank"] = rank["metric"]
        alphas["rank"] = rank["alpha"]
        _add_loo(annotator_rows, rank["alpha"], rank["loo"], rank["loo_reps"], rank["alpha_reps"], confidence)
    else:
        loo = alpha_of(totals[t + k + 2:].reshape(n_ann, t) if with_loo else loo_totals, primary)
        loo_reps = alpha_reps = None
        if reps is not None and with_loo:
            loo_reps = dict(zip(coded.annotators, alpha_of(reps[:, t + k + 2:].reshape(resamples, n_ann, t),
                                                            primary).T))
            alpha_reps = alpha_of(reps[:, :t], primary)
        loo = dict(zip(coded.annotators, loo))
        _add_loo(annotator_rows, alphas[primary], loo, loo_reps, alpha_reps, confidence)
    n_fleiss = int(fleiss_units.sum())
    return _json_safe({
        "n_units": len(coded.units), "n_items": n_items, "n_annotators": n_ann, "n_answers": len(coded.unit),
        "levels": list(levels), "alpha_level": primary,
        "percent_agreement": metrics["percent_agreement"]["value"],
        "expected_agreement": metrics["expected_agreement"]["value"],
        "krippendorff_alpha": metrics[f"alpha_{primary}"]["value"],
        "metrics": metrics,
        "fleiss": {"kappa": metrics["fleiss_kappa"]["value"], "ci": metrics["fleiss_kappa"]["ci"],
                   "n_units": n_fleiss, "n_raters": raters if n_fleiss else 0,
                   "applies": bool(n_fleiss) and n_fleiss == len(coded.units), "note": _fleiss_note(coded, raters)},
        "pairwise": pairwise,
        "annotators": annotator_rows,
        "bootstrap": {"resamples": int(resamples), "seed": seed, "confidence": confidence, "resampled": "items",
                      "interval": "percentile", "loo_intervals": bool(with_loo or (detail and rankings is not None)),
                      "pair_intervals": bool(detail), "consensus_intervals": bool(detail)},
    })


def _json_safe(value):
    """NaN and infinities become None, numpy scalars Python ones, recursively."""
    if isinstance(value, dict):
        return {key: _json_safe(v) for key, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _fleiss_note(coded: Coded, raters: int) -> str:
    if not len(coded.units):
        return f"does not apply: {NO_UNITS}"
    used = int((coded.m == raters).sum())
    if used == len(coded.units):
        return f"applies: every unit has {raters} ratings"
    return (f"applies only to units with the same number of ratings: computed on the {used} of "
            f"{len(coded.units)} units with {raters} ratings (the most common number)")


def _add_loo(rows: list[dict], alpha: float, loo: dict, loo_reps: dict | None, alpha_reps, confidence: float) -> None:
    """Add alpha without each annotator, and how much they move it (alpha - alpha without them)."""
    for row in rows:
        without = float(loo.get(row["annotator"], np.nan))
        change = alpha - without
        row["alpha_without"] = without if np.isfinite(without) else None
        row["alpha_change"] = change if np.isfinite(change) else None
        row["alpha_without_ci"] = row["alpha_change_ci"] = None
        if loo_reps is not None and row["annotator"] in loo_reps:
            without_reps = loo_reps[row["annotator"]]
            row["alpha_without_ci"] = percentile_ci(without_reps, without, confidence=confidence)
            row["alpha_change_ci"] = percentile_ci(alpha_reps - without_reps, change, confidence=confidence)


def ranking_agreement(rankings: pd.DataFrame, **options) -> dict:
    """All figures of a ranking question (the options of ``ranking_steps``)."""
    return run_steps([ranking_steps(rankings, **options)])[0]


def ranking_steps(rankings: pd.DataFrame, *, resamples: int = 1000, seed: int = 0,
                  confidence: float = 0.95, detail: bool | None = None) -> Generator:
    """All figures of a ranking question from long rows (unit, annotator, position, rank[, item]).

    Its own alpha is the rank-distance alpha (``agreement_ranking``); the nominal figures (percent
    agreement, kappas, nominal alpha) treat each whole ranking as one category. Both use the items with the
    most common number of candidates.
    """
    coded, vectors, _ = code_rankings(rankings)
    whole = pd.DataFrame({
        "unit": np.asarray(coded.units, dtype=object)[coded.unit],
        "annotator": np.asarray(coded.annotators, dtype=object)[coded.annotator],
        "value": _ranking_keys(vectors),
    })
    if "item" in rankings:
        items = rankings.drop_duplicates("unit").set_index("unit")["item"]
        whole["item"] = whole["unit"].map(items)
    return question_steps(whole, levels=["nominal"], rankings=(coded, vectors), resamples=resamples, seed=seed,
                          confidence=confidence, detail=detail)


def _ranking_keys(vectors: np.ndarray) -> np.ndarray:
    """One integer per whole ranking (average ranks are multiples of 1/2 between 1 and C)."""
    doubled = np.rint(vectors * 2).astype(np.int64)
    base = 2 * vectors.shape[1] + 1
    return doubled @ (base ** np.arange(vectors.shape[1], dtype=np.int64)) if vectors.shape[1] <= 12 else \
        np.unique(vectors, axis=0, return_inverse=True)[1].ravel()


def _rank_part(coded: Coded, vectors: np.ndarray, *, resamples: int, rng, confidence: float,
               detail: bool = True) -> dict:
    n_ann, c = len(coded.annotators), 3 + vectors.shape[1]
    stats = np.concatenate([unit_rank_stats(coded, vectors), leave_one_out_rank_stats(coded, vectors)], axis=1)
    totals = stats.sum(axis=0)
    if not detail:  # the alpha's replicates only: the same draws, without a column per annotator
        stats = stats[:, :c]
    alpha = float(rank_alpha_from_stats(totals[:c]))
    loo = dict(zip(coded.annotators, rank_alpha_from_stats(totals[c:].reshape(n_ann, c))))
    reps = alpha_reps = loo_reps = None
    if resamples and len(coded.units):
        reps = resample_sums(cluster_sums(stats, coded.cluster, coded.n_items), resamples=resamples, rng=rng)
        alpha_reps = rank_alpha_from_stats(reps[:, :c])
        if detail:
            loo_reps = dict(zip(coded.annotators,
                                rank_alpha_from_stats(reps[:, c:].reshape(resamples, n_ann, c)).T))
    metric = _record(alpha, alpha_reps, n_items=coded.n_items, n_annotators=n_ann, confidence=confidence)
    metric["n_candidates"] = int(vectors.shape[1])
    return {"metric": metric, "alpha": alpha, "loo": loo, "loo_reps": loo_reps, "alpha_reps": alpha_reps}
