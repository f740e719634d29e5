"""Curation benchmark: every export filter, exact and near-duplicate prompts, the grouped split, on synthetic
items.

Data: ``--items`` items (default 100,000), each a prompt of 30 to 200 words drawn from a Zipf vocabulary
(exponent ``--zipf``, default 1.15, with a long tail up to ``--vocab`` word types, default 2 million, as in
natural text; ``--vocab 20000`` is a stress case where most prompts share their rarest words) with 15%
of words from one of 200 topic vocabularies; ``--dups`` (default 5%) of the prompts are copies of an earlier
one with about 5% of the words replaced (near duplicates), and 2% are exact copies with other case and
spacing. Two candidates per item from four models, consensus from 1 to 5 annotators, a few flags, gold items,
five import batches over five days.

Run: .venv/bin/python bench/bench_curation.py [--items N] [--zipf A] [--dups D] [--threshold T] [--vocab V]
"""

import argparse
import resource
import time
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd

from feedback.export.curation.curate import CurationOptions, curate, precedence
from feedback.export.curation.dedup import exact_duplicates, greedy_keep, near_pairs, tfidf_matrix
from feedback.export.curation.filters import consensus_frame, failures
from feedback.export.curation.split import assign_splits
from feedback.export.curation.text import prompt_key

MODELS = np.array(["gpt-a", "gpt-b", "llama", "mistral"], dtype=object)


def prompts(n: int, zipf: float, dups: float, seed: int, vocab: int) -> list[str]:
    rng = np.random.default_rng(seed)
    lens = rng.integers(30, 201, n)
    total = int(lens.sum())
    general = np.minimum(rng.zipf(zipf, total), vocab) - 1
    topic = np.repeat(rng.integers(0, 200, n), lens)
    topical = vocab + topic * 3000 + np.minimum(rng.zipf(1.3, total), 3000) - 1
    words = np.where(rng.random(total) < 0.15, topical, general)
    ids, inverse = np.unique(words, return_inverse=True)
    names = np.array([np.base_repr(int(i), 36).lower() for i in ids], dtype=object)
    tokens = names[inverse]
    ends = np.cumsum(lens)
    texts = [" ".join(tokens[e - k:e]) for e, k in zip(ends.tolist(), lens.tolist())]
    for k in np.flatnonzero(rng.random(n) < dups)[1:].tolist():
        copy = texts[int(rng.integers(0, k))].split()
        for pos in rng.integers(0, len(copy), max(1, len(copy) // 20)).tolist():
            copy[pos] = np.base_repr(int(rng.zipf(zipf)), 36).lower()
        texts[k] = " ".join(copy)
    for k in np.flatnonzero(rng.random(n) < 0.02)[1:].tolist():
        texts[k] = "  " + texts[int(rng.integers(0, k))].upper() + " "
    return texts


def frames(n: int, zipf: float, dups: float, vocab: int, seed: int = 11):
    rng = np.random.default_rng(seed)
    ids = np.arange(1, n + 1)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    items = pd.DataFrame({
        "item_id": ids, "external_id": [f"item-{i}" for i in ids], "prompt": prompts(n, zipf, dups, seed, vocab),
        "messages": [None] * n, "meta": [{}] * n, "batch_id": rng.integers(1, 6, n), "position": np.arange(n),
        "is_gold": rng.random(n) < 0.02,
        "created_at": [start + timedelta(days=int(d)) for d in rng.integers(0, 5, n)],
    })
    out_len = rng.integers(20, 3000, 2 * n)
    candidates = pd.DataFrame({
        "item_id": np.repeat(ids, 2), "key": np.tile(np.array(["a", "b"], dtype=object), n),
        "model": MODELS[rng.integers(0, len(MODELS), 2 * n)], "version": None,
        "output": ["x" * k for k in out_len.tolist()], "messages": [None] * (2 * n), "position": np.tile([0, 1], n),
    })
    flagged = rng.random(n) < 0.03
    annotations = pd.DataFrame({
        "item_id": ids, "flags": [{"a": ["unsafe"]} if f else {} for f in flagged.tolist()],
    })
    n_ann = rng.integers(1, 6, n)
    consensus = pd.DataFrame({
        "item_id": ids, "label": np.where(rng.random(n) < 0.5, "a", "b").astype(object),
        "confidence": np.round(rng.uniform(0.34, 1.0, n), 2), "method": "majority",
        "adjudicated": rng.random(n) < 0.05, "n_annotators": n_ann, "share": rng.uniform(0.34, 1.0, n),
        "outcome": "clear",
    })
    return items, candidates, annotations, consensus


BASE = {"mb": 0.0}  # the peak once the synthetic data exists; later peaks are shown as growth over it


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report(label: str, seconds: float, extra: str = "") -> None:
    grown = f"+{peak_mb() - BASE['mb']:5.0f} MB" if BASE["mb"] else "        "
    print(f"{label:<34} {seconds:8.3f} s   peak {peak_mb():6.0f} MB {grown}   {extra}")


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--zipf", type=float, default=1.15)
    parser.add_argument("--dups", type=float, default=0.05)
    parser.add_argument("--threshold", type=float, default=0.9)
    parser.add_argument("--vocab", type=int, default=2_000_000, help="cap on general word types (stress: 20000)")
    args = parser.parse_args()

    seconds, (items, cands, anns, cons) = timed(lambda: frames(args.items, args.zipf, args.dups, args.vocab))
    report(f"synthetic data ({args.items:,} items)", seconds)
    BASE["mb"] = peak_mb()
    cons_frame = consensus_frame(cons)
    single = {
        "gold": {}, "batch": {"batches": (1, 2, 3)},
        "import_date": {"imported_from": date(2026, 1, 2), "imported_to": date(2026, 1, 4)},
        "model": {"models": ("llama",)}, "too_few_annotations": {"min_annotations": 2},
        "not_adjudicated": {"adjudicated_only": True}, "low_confidence": {"min_confidence": 0.6},
        "flagged": {"exclude_flags": ("unsafe",)}, "flagged_winner": {"flags_only_rejected": ("unsafe",)},
        "prompt_too_long": {"max_prompt_chars": 1000}, "output_too_long": {"max_output_chars": 2500},
    }
    base = {"include_gold": True, "min_annotations": 0}
    none_seconds, _ = timed(lambda: failures(items, cands, anns, cons_frame, CurationOptions(**base)))
    report("filters, all off (base)", none_seconds)
    for name, opts in single.items():
        options = CurationOptions(**{**base, **opts}) if name != "gold" else CurationOptions(min_annotations=0)
        seconds, fails = timed(lambda options=options: failures(items, cands, anns, cons_frame, options))
        report(f"filter {name}", seconds, f"fails {int(fails[name].sum()):,}")

    seconds, keys = timed(lambda: [prompt_key(p, m) for p, m in zip(items["prompt"], items["messages"])])
    report("prompt keys (normalise)", seconds)
    seconds, order = timed(lambda: precedence(items, cons)["item_id"])
    report("precedence (kept-item order)", seconds)
    rank = pd.Series(np.arange(len(order)), index=order.to_numpy()).reindex(items["item_id"]).to_numpy()
    seconds, dup = timed(lambda: exact_duplicates(keys, rank))
    report("exact dedup", seconds, f"removed {int((dup >= 0).sum()):,}")
    rest = np.flatnonzero(dup < 0)
    texts = [keys[r] for r in rest.tolist()]
    seconds, x = timed(lambda: tfidf_matrix(texts))
    report("near dedup: TF-IDF", seconds, f"{x.shape[0]:,} x {x.shape[1]:,}, {x.nnz:,} non-zeros")
    seconds, (i, j, _) = timed(lambda: near_pairs(x, args.threshold))
    report(f"near dedup: pairs >= {args.threshold}", seconds, f"{len(i):,} pairs")
    seconds, near = timed(lambda: greedy_keep(len(rest), i, j, rank[rest]))
    report("near dedup: keep rule", seconds, f"removed {int((near >= 0).sum()):,}")
    seconds, splits = timed(lambda: assign_splits(keys, test_fraction=0.1, seed=0))
    report("split (10% test, grouped)", seconds, f"test rows {splits.count('test'):,}")

    options = CurationOptions(min_annotations=2, min_confidence=0.5, exclude_flags=("unsafe",),
                              max_prompt_chars=2000, max_output_chars=2900, dedup="near",
                              near_threshold=args.threshold, test_fraction=0.1)
    seconds, result = timed(lambda: curate(items, cands, anns, cons, options))
    report("curate, everything on", seconds, f"kept {len(result.kept):,} of {result.total:,}")
    for line in result.summary_lines():
        print("   ", line)


if __name__ == "__main__":
    main()
