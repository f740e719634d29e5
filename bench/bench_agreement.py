"""Time the agreement metrics on a large random question and print the figures.

    .venv/bin/python bench/bench_agreement.py [--units 100000] [--annotators 10] [--missing 0.3] [--resamples 1000]

Targets (issue 4): one question over 1M annotations (100k items x 10 annotators, with missing values):
point estimates of all metrics under 2 s; all metrics with 1,000-resample bootstrap intervals under 10 s.
"""

import argparse
import time

import numpy as np
import pandas as pd

from feedback.agreement.metrics import fleiss_kappa, krippendorff_alpha, pairwise_cohen, percent_agreement
from feedback.agreement.summary import question_agreement, ranking_agreement


def timed(label: str, fn, repeat: int = 3):
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    shown = f"{value:.4f}" if isinstance(value, float) else ""
    print(f"{label:<58} {best * 1000:9.1f} ms  {shown}")
    return value


def random_rankings(rng, units: int, annotators: int, missing: float, candidates: int = 4) -> pd.DataFrame:
    truth = np.argsort(rng.random((units, candidates)), axis=1)
    noisy = truth[None] + rng.normal(0, 1.0, size=(annotators, units, candidates))
    ranks = np.argsort(np.argsort(noisy, axis=2), axis=2) + 1
    answered = rng.random((annotators, units)) >= missing
    a, u = np.nonzero(answered)
    return pd.DataFrame({"unit": np.repeat(u, candidates), "annotator": np.repeat(a, candidates),
                         "position": np.tile(np.arange(candidates), len(u)), "rank": ranks[a, u].ravel()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--annotators", type=int, default=10)
    parser.add_argument("--missing", type=float, default=0.3)
    parser.add_argument("--resamples", type=int, default=1000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    truth = rng.integers(1, 6, size=args.units)
    matrix = np.where(rng.random((args.annotators, args.units)) < 0.5, truth,
                      rng.integers(1, 6, size=(args.annotators, args.units))).astype(float)
    matrix[rng.random(matrix.shape) < args.missing] = np.nan
    n = int(np.isfinite(matrix).sum())
    print(f"{args.units:,} units x {args.annotators} annotators, {n:,} answers ({args.missing:.0%} missing), "
          "scale 1-5")
    scale = [1, 2, 3, 4, 5]
    print("\nSingle metrics on the reliability matrix (feedback.agreement.metrics):")
    for level in ("nominal", "ordinal", "interval"):
        timed(f"  krippendorff_alpha {level}",
              lambda level=level: krippendorff_alpha(matrix, level=level, values=scale))
    timed("  percent_agreement", lambda: percent_agreement(matrix))
    timed("  fleiss_kappa", lambda: fleiss_kappa(matrix)["kappa"])
    names = [f"ann{i}" for i in range(args.annotators)]
    timed("  pairwise_cohen quadratic (all pairs, loop)",
          lambda: pairwise_cohen(matrix, names, labels=scale, weights="quadratic"), repeat=1)

    rows, cols = np.nonzero(np.isfinite(matrix))
    long = pd.DataFrame({"unit": cols, "annotator": rows, "value": matrix[rows, cols]})
    print("\nOne rating question, every metric (feedback.agreement_summary.question_agreement): percent and")
    print("expected agreement, alpha ordinal + interval + nominal, Fleiss, Cohen unweighted/linear/quadratic")
    print("for all pairs, leave-one-annotator-out alpha, agreement and kappa with the consensus of the others:")
    full = {"levels": ["ordinal", "interval", "nominal"], "values": scale, "weighted": True}
    point = timed("  point estimates (resamples=0)", lambda: question_agreement(long, resamples=0, **full), repeat=2)
    print(f"    alpha ordinal {point['krippendorff_alpha']:.4f}, percent agreement "
          f"{point['percent_agreement']:.4f}, Fleiss {point['fleiss']['kappa']:.4f}")
    boot = timed(f"  with {args.resamples}-resample bootstrap intervals",
                 lambda: question_agreement(long, resamples=args.resamples, seed=0, **full), repeat=1)
    ci = boot["metrics"]["alpha_ordinal"]["ci"]
    print(f"    alpha ordinal 95% CI [{ci[0]:.4f}, {ci[1]:.4f}]")

    ranks = random_rankings(rng, args.units, args.annotators, args.missing)
    print(f"\nOne ranking question, 4 candidates, {len(ranks) // 4:,} rankings (rank-distance alpha + nominal):")
    rank = timed("  point estimates (resamples=0)", lambda: ranking_agreement(ranks, resamples=0), repeat=1)
    print(f"    rank-distance alpha {rank['krippendorff_alpha']:.4f}")
    timed(f"  with {args.resamples}-resample bootstrap intervals",
          lambda: ranking_agreement(ranks, resamples=args.resamples), repeat=1)


if __name__ == "__main__":
    main()
