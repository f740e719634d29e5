"""Export benchmark: 100k items x 10 annotators (1M annotations) to a curated DPO version (Parquet + JSONL,
near-duplicate removal included), on a SQLite file. Prints the time of each step and the peak memory of the
process that exports; asserts nothing about time.

The prompts are ``bench_curation.prompts``: 30 to 200 words from a Zipf vocabulary with topic words, 5% near
copies of an earlier prompt (about 5% of the words replaced) and 2% exact copies in other case and spacing, so
deduplication has work to do. Each item has two candidates; its
ten annotators agree with the item's "true" answer with probability 0.8; 1% of the candidates are flagged
unsafe by one annotator.

Run: .venv/bin/python bench/bench_export.py [--items N] [--annotators K] [--format dpo] [--keep DIR]

``--db FILE --project NAME`` instead times ``feedback export --project NAME --format F`` as a user types it, on a
copy of an existing database (the file itself is never written): wall, user and system CPU time and peak memory of
the command, three runs (e.g. the team-shaped projects of ``bench_team.py``: 300k annotations, 1M annotations).
"""

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_curation import prompts
from bench_queue import bulk_database
from sqlmodel import Session

from feedback.store.engine import make_engine

_VOCABULARY = ("account billing refund password login error upload download invoice order shipping delivery address "
         "payment card subscription plan upgrade cancel email phone support ticket report data export import "
         "file folder share permission team member admin role settings language timezone notification alert "
         "mobile desktop browser sync backup restore delete archive search filter sort label project task "
         "deadline calendar meeting reminder chart dashboard api key token webhook integration slack")
WORDS = _VOCABULARY.split()


def prompt_text(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(12, 40))
    return f"How do I {' '.join(words)}?"


def build(path: Path, n_items: int, n_annotators: int, seed: int = 11) -> int:
    con, now = bulk_database(path, overlap=n_annotators, n_users=n_annotators)
    rng = random.Random(seed)
    texts = prompts(n_items, 1.15, 0.05, seed, 2_000_000)
    items, candidates, annotations = [], [], []
    for i, text in enumerate(texts):
        item_id = i + 1
        items.append((item_id, 1, f"t-{i}", text, "{}", f"h{i}", i, n_annotators, now))
        candidates += [(2 * i + 1, item_id, "a", "model-x", f"Answer A to {i}: " + prompt_text(rng), "{}", 0),
                       (2 * i + 2, item_id, "b", "model-y", f"Answer B to {i}: " + prompt_text(rng), "{}", 1)]
        truth = rng.choice("ab")
        unsafe = rng.random() < 0.01
        for user_id in range(1, n_annotators + 1):
            pick = truth if rng.random() < 0.8 else ("b" if truth == "a" else "a")
            flags = json.dumps({"b": ["unsafe"]}) if unsafe and user_id == 1 else "{}"
            annotations.append((item_id, user_id, pick, flags, now, now))
    con.executemany("INSERT INTO item (id, project_id, external_id, prompt, meta, content_hash, position, "
                    "n_annotations, priority, extra_overlap, is_gold, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?)", items)
    con.executemany("INSERT INTO candidate (id, item_id, key, model, output, meta, position) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)", candidates)
    con.executemany("INSERT INTO annotation (item_id, user_id, status, preference, ratings, flags, thumbs, source, "
                    "revision, created_at, updated_at) VALUES (?, ?, 'submitted', ?, '{}', ?, '{}', 'import', 1, ?, ?)",
                    annotations)
    con.commit()
    con.execute("ANALYZE")
    con.close()
    return len(annotations)


def export(db: Path, out: Path, fmt: str) -> None:
    """Runs in its own process so that its peak memory is the export's alone."""
    from feedback.export.build import build_export
    from feedback.export.versions import save_version

    engine = make_engine(f"sqlite:///{db}")
    started = time.perf_counter()
    with Session(engine, expire_on_commit=False) as session:
        options = _options(fmt)
        bundle = build_export(session=session, user=None, project="bench", **options)
        built = time.perf_counter()
        info = save_version(session=session, user=None, bundle=bundle, export_dir=out)
    done = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": bundle.n_rows, "build_s": built - started, "save_s": done - built,
                      "total_s": done - started, "peak_mb": peak_mb, "path": str(info.path),
                      "files": {n: len(b) for n, b in bundle.files.items()},
                      "steps": bundle.timings}))


def _options(fmt: str) -> dict:
    """The export's settings: the format, and the usual curation (at least 3 annotators, unsafe answers only as
    rejected, near duplicates removed, a seeded 5% test split)."""
    from feedback.export.curation.curate import CurationOptions
    from feedback.export.options import ExportOptions

    return {"options": ExportOptions(format=fmt),
            "curation": CurationOptions(min_annotations=3, flags_only_rejected=("unsafe",), dedup="near",
                                        near_threshold=0.9, test_fraction=0.05, seed=0)}


def command(db: Path, project: str, fmt: str, runs: int = 3) -> None:
    """``feedback export`` on a copy of ``db``, ``runs`` times: each run's wall, user and system time, peak memory."""
    import os
    import shutil

    where = Path(tempfile.mkdtemp(prefix="bench-export-cli-"))
    try:
        copy = where / "copy.db"
        shutil.copyfile(db, copy)
        env = {**os.environ, "FEEDBACK_DATABASE_URL": f"sqlite:///{copy}", "FEEDBACK_EXPORT_DIR": str(where / "out")}
        feedback = Path(sys.executable).parent / "feedback"
        for run in range(1, runs + 1):
            started = time.perf_counter()
            proc = subprocess.Popen([str(feedback), "export", "--project", project, "--format", fmt], env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            _pid, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - started
            out, err = proc.communicate()
            if os.waitstatus_to_exitcode(status):
                print(out.decode(), err.decode(), file=sys.stderr)
                sys.exit(1)
            print(f"feedback export --format {fmt} (run {run}): {wall:.2f} s wall, {usage.ru_utime:.2f} s user, "
                  f"{usage.ru_stime:.2f} s sys, peak {usage.ru_maxrss / 1024:,.0f} MB")
    finally:
        shutil.rmtree(where, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--annotators", type=int, default=10)
    parser.add_argument("--format", default="dpo")
    parser.add_argument("--keep", help="keep the database and the version in this folder")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help="time the command on a copy of this database instead")
    parser.add_argument("--project", default="team", help="the project of --db (default: team)")
    parser.add_argument("--runs", type=int, default=3, help="runs of the command with --db (default: 3)")
    args = parser.parse_args()
    if args.db:
        command(args.db, args.project, args.format, args.runs)
        return
    if args.child:
        export(Path(args.child[0]), Path(args.child[1]), args.format)
        return
    where = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-export-"))
    where.mkdir(parents=True, exist_ok=True)
    db = where / "bench.db"
    db.unlink(missing_ok=True)
    started = time.perf_counter()
    n = build(db, args.items, args.annotators)
    print(f"database: {args.items:,} items, {n:,} annotations in {time.perf_counter() - started:.1f} s")
    result = subprocess.run([sys.executable, __file__, "--format", args.format, "--child", str(db),
                             str(where / "exports")], capture_output=True, text=True, check=False)
    if result.returncode:
        print(result.stdout, result.stderr, file=sys.stderr)
        sys.exit(result.returncode)
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"export {args.format}: {figures['rows']:,} rows; build {figures['build_s']:.1f} s, "
          f"save version {figures['save_s']:.1f} s, total {figures['total_s']:.1f} s; "
          f"peak memory {figures['peak_mb']:,.0f} MB")
    for step, seconds in figures["steps"].items():
        print(f"  {step}: {seconds:.2f} s")
    for name, size in sorted(figures["files"].items()):
        print(f"  {name}: {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
