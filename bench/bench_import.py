"""Import benchmark: a deterministic JSONL of N items (2 candidates each, 20% with 3 annotations) imported
into a fresh SQLite file, then imported again (a no-op). Prints items/s, seconds and peak memory.

With ``--csv`` the same items (without annotations) are written as CSV (prompt, output_a, output_b, ...):
17,000 items make a file of about 50 MB. Peak memory is the process's maximum RSS, and with ``--trace`` also
the peak of Python's allocations during the first import (``tracemalloc``; slower).

Run: .venv/bin/python bench/bench_import.py [--items N] [--csv] [--trace]
"""

import argparse
import csv
import json
import random
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

from sqlmodel import Session

from feedback.intake.importer import import_file
from feedback.store.engine import create_schema, make_engine

WORDS = (
    "the", "agent", "tool", "call", "returns", "a", "list", "of", "files", "in", "repository", "then",
    "reads", "config", "and", "answers", "with", "short", "summary", "what", "changed", "why", "it",
    "matters", "how", "to", "test", "error", "retry", "timeout", "user", "asked", "for", "python",
    "code", "function", "class", "database", "query", "result", "step", "plan", "check", "done",
)


def text(rng: random.Random, low: int, high: int) -> str:
    """Prose of about ``low``..``high`` characters."""
    target = rng.randint(low, high)
    words, size = [], 0
    while size < target:
        word = rng.choice(WORDS)
        words.append(word)
        size += len(word) + 1
    return " ".join(words).capitalize() + "."


def write_items(path: Path, n: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    annotators = [f"ann{k}" for k in range(1, 21)]
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            item = {
                "id": f"t-{i}",
                "prompt": text(rng, 200, 800),
                "candidates": [
                    {"id": "a", "model": "agent-v1", "version": "1.0", "output": text(rng, 300, 2000)},
                    {"id": "b", "model": "agent-v2", "version": "2.0", "output": text(rng, 300, 2000)},
                ],
                "metadata": {"task": rng.choice(["code", "search", "chat"]), "seed": i},
            }
            if i % 5 == 0:
                item["annotations"] = [
                    {"annotator": name, "preference": rng.choice(["a", "b", "tie"]),
                     "ratings": {key: {"helpfulness": rng.randint(1, 5)} for key in "ab"},
                     **({"flags": {"b": ["factual_error"]}} if rng.random() < 0.1 else {}),
                     **({"rationale": text(rng, 40, 200)} if rng.random() < 0.3 else {})}
                    for name in rng.sample(annotators, 3)
                ]
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
    return path.stat().st_size


def write_csv(path: Path, n: int, seed: int = 7) -> int:
    """The items of ``write_items`` (without their annotations) as CSV."""
    jsonl = path.with_suffix(".jsonl")
    write_items(jsonl, n, seed)
    with jsonl.open(encoding="utf-8") as lines, path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "prompt", "output_a", "model_a", "output_b", "model_b"])
        for line in lines:
            item = json.loads(line)
            a, b = item["candidates"]
            writer.writerow([item["id"], item["prompt"], a["output"], a["model"], b["output"], b["model"]])
    jsonl.unlink()
    return path.stat().st_size


def timed_import(engine, path: Path) -> tuple[float, object]:
    start = time.perf_counter()
    with Session(engine, expire_on_commit=False) as session:
        report = import_file(session=session, user=None, project="bench", path=path)
    return time.perf_counter() - start, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000, help="items in the file (default 100000)")
    parser.add_argument("--csv", action="store_true", help="a CSV file (no annotations) instead of JSONL")
    parser.add_argument("--trace", action="store_true", help="also measure Python's peak allocations (slower)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        data = Path(tmp) / ("items.csv" if args.csv else "items.jsonl")
        start = time.perf_counter()
        size = (write_csv if args.csv else write_items)(data, args.items)
        print(f"generated {args.items} items, {size / 1e6:.1f} MB in {time.perf_counter() - start:.1f} s")
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        create_schema(engine)
        if args.trace:
            tracemalloc.start()
        seconds, report = timed_import(engine, data)
        if args.trace:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            print(f"peak Python allocations during the import: {peak / 1e6:.0f} MB "
                  f"({peak / size:.1f} x the file)")
        print(f"import:    {seconds:6.2f} s  {report.items_added / seconds:9.0f} items/s  "
              f"({report.items_added} items, {report.annotations_added} annotations)")
        seconds, report = timed_import(engine, data)
        print(f"re-import: {seconds:6.2f} s  {report.items_existing / seconds:9.0f} items/s  "
              f"({report.summary_lines()[0]})")
        engine.dispose()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
        print(f"peak memory (max RSS): {peak:.0f} MB")


if __name__ == "__main__":
    main()
