"""Time the agreement metrics on a large random reliability matrix and print the figures.

    .venv/bin/python bench/bench_agreement.py [--units 100000] [--annotators 10] [--missing 0.3]
"""

import argparse
import time

import numpy as np
import pandas as pd

from feedback.agreement import (
    fleiss_kappa,
    krippendorff_alpha,
    pairwise_cohen,
    percent_agreement,
    question_summary,
)


def timed(label: str, fn, repeat: int = 3):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    shown = value if isinstance(value, float) else ""
    print(f"{label:<40} {best * 1000:9.1f} ms  {shown}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--annotators", type=int, default=10)
    parser.add_argument("--missing", type=float, default=0.3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    matrix = rng.integers(1, 6, size=(args.annotators, args.units)).astype(float)
    matrix[rng.random(matrix.shape) < args.missing] = np.nan
    n = int(np.isfinite(matrix).sum())
    print(f"{args.units:,} units x {args.annotators} annotators, {n:,} answers ({args.missing:.0%} missing)")
    for level in ("nominal", "ordinal", "interval"):
        timed(f"krippendorff_alpha {level}",
              lambda level=level: krippendorff_alpha(matrix, level=level, values=[1, 2, 3, 4, 5]))
    timed("percent_agreement", lambda: percent_agreement(matrix))
    timed("fleiss_kappa", lambda: fleiss_kappa(matrix)["kappa"])
    names = [f"ann{i}" for i in range(args.annotators)]
    timed("pairwise_cohen quadratic (all pairs)", lambda: pairwise_cohen(matrix, names, labels=[1, 2, 3, 4, 5],
                                                                          weights="quadratic"), repeat=1)
    rows, cols = np.nonzero(np.isfinite(matrix))
    long = pd.DataFrame({"unit": cols, "annotator": rows, "value": matrix[rows, cols]})
    timed("question_summary ordinal (from long df)", lambda: question_summary(long, level="ordinal",
                                                                               values=[1, 2, 3, 4, 5]), repeat=1)


if __name__ == "__main__":
    main()
