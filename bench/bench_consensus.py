"""Consensus benchmark: majority vote and Dawid-Skene on synthetic preferences. Prints times and accuracy;
asserts nothing about time.

Data: ``--items`` items (default 100,000) x ``--annotators`` annotators (default 10), each answer present
with probability ``--density`` (default 0.8: 20% missing), four options (a, b, tie, both_bad). Three good
annotators (right 90%, 80%, 70% of the time, else a random option) and the rest answer at random.

Run: .venv/bin/python bench/bench_consensus.py [--items N] [--annotators J] [--density D] [--repeat R]
"""

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from feedback.consensus.dawid_skene import dawid_skene
from feedback.consensus.methods import final_consensus

OPTIONS = np.array(["a", "b", "tie", "both_bad"], dtype=object)


def synthetic(n_items: int, n_annotators: int, density: float, seed: int = 7):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, len(OPTIONS), n_items)
    items = np.repeat(np.arange(n_items), n_annotators)
    annotators = np.tile(np.arange(n_annotators), n_items)
    keep = rng.random(len(items)) < density
    items, annotators = items[keep], annotators[keep]
    accuracy = np.full(n_annotators, 0.0)
    accuracy[:3] = (0.9, 0.8, 0.7)[:n_annotators]
    right = rng.random(len(items)) < accuracy[annotators]
    labels = np.where(right, truth[items], rng.integers(0, len(OPTIONS), len(items)))
    return truth, items, annotators, labels


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--annotators", type=int, default=10)
    parser.add_argument("--density", type=float, default=0.8)
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (the median is printed)")
    args = parser.parse_args()

    truth, items, annotators, labels = synthetic(args.items, args.annotators, args.density)
    print(f"{args.items:,} items x {args.annotators} annotators, {len(items):,} answers "
          f"({1 - args.density:.0%} missing), {len(OPTIONS)} options")
    votes = pd.DataFrame({"item_id": items, "annotator": annotators, "preference": OPTIONS[labels]})
    expected = OPTIONS[truth]

    seconds, fit = timed(lambda: dawid_skene(items, annotators, labels, n_items=args.items,
                                             n_classes=len(OPTIONS)), args.repeat)
    print(f"dawid_skene (arrays)            {seconds:7.3f} s  {fit.n_iter} rounds, converged: {fit.converged}, "
          f"right {np.mean(fit.posterior.argmax(axis=1) == truth):.1%}")
    for method in ("majority", "dawid_skene"):
        seconds, frame = timed(lambda m=method: final_consensus(votes, method=m), args.repeat)
        right = np.mean(frame["label"].to_numpy(dtype=object) == expected)
        undecided = frame["label"].isna().mean()
        print(f"final_consensus({method + ')':13s}  {seconds:7.3f} s  right {right:.1%}, "
              f"no consensus {undecided:.1%}")


if __name__ == "__main__":
    main()
