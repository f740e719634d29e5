"""Queue benchmark: serve() and submit_annotation() on a SQLite file with 100k items (2 candidates each),
300k annotations and 100 annotators, overlap 5, 1% of the items at a higher priority and 100 gold items at
a 5% gold rate. Prints latencies; asserts nothing about time.

Annotations: the first 40% of the items are full (5 each), the next 50% have 2, the last 10% none, each
by distinct random annotators (as if the queue had served them in order).

Concurrency: 50 annotator threads serve and submit, each reading an item for a random 0..2 s (``--think 1``)
before submitting, as people do; then the same with no reading time at all, which measures capacity (SQLite
has one writer: every request then queues behind the others, so latency there is 50 x the service time).

Run: .venv/bin/python bench/bench_queue.py [--items N] [--threads T] [--rounds R] [--think S]
"""

import argparse
import json
import random
import sqlite3
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session, select

from feedback.labeling.annotate import Answer, submit_annotation
from feedback.labeling.queue import progress, release, serve
from feedback.projects.projects import add_project
from feedback.store.engine import create_schema, make_engine
from feedback.store.tables import Project, User

OVERLAP = 5


def bulk_database(path: Path, *, overlap: int, n_users: int, gold_rate: float = 0.0) -> tuple[sqlite3.Connection, str]:
    """A new database at ``path`` with project "bench" (id 1) and annotators ann1..annN (ids 1..N), opened
    with sqlite3 for fast bulk inserts; returns the connection and the time stamp text to insert."""
    engine = make_engine(f"sqlite:///{path}")
    create_schema(engine)
    with Session(engine) as s:
        add_project(s, name="bench", overlap=overlap)
        s.commit()
        s.get(Project, 1).gold_rate = gold_rate
        s.commit()
    engine.dispose()
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    con.executemany("INSERT INTO user (id, name, role, active, created_at) VALUES (?, ?, 'annotator', 1, ?)",
                    [(u, f"ann{u}", now) for u in range(1, n_users + 1)])
    return con, now


def build(path: Path, n_items: int, n_users: int, seed: int = 7) -> tuple[int, int]:
    """Fill the database with executemany; returns (items, annotations)."""
    con, now = bulk_database(path, overlap=OVERLAP, n_users=n_users, gold_rate=0.05)
    rng = random.Random(seed)
    full, two = int(n_items * 0.4), int(n_items * 0.5)
    counts = [OVERLAP] * full + [2] * two + [0] * (n_items - full - two)
    n_gold = 100
    items, candidates, annotations = [], [], []
    for i in range(n_items + n_gold):
        item_id, gold = i + 1, i >= n_items
        n = 0 if gold else counts[i]
        priority = 1 if i < n_items // 100 else 0
        items.append((item_id, 1, f"t-{i}", f"Question {i}?", None, "{}", f"h{i}", i, priority, n, gold,
                      json.dumps({"preference": "a"}) if gold else None, now))
        candidates += [(2 * i + 1, item_id, "a", "m1", f"answer a {i}", "{}", 0),
                       (2 * i + 2, item_id, "b", "m2", f"answer b {i}", "{}", 1)]
        for user_id in rng.sample(range(1, n_users + 1), n):
            annotations.append((item_id, user_id, rng.choice("ab"), now, now))
    con.executemany("INSERT INTO item (id, project_id, external_id, prompt, messages, meta, content_hash, "
                    "position, priority, n_annotations, extra_overlap, is_gold, gold_answer, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)", items)
    con.executemany("INSERT INTO candidate (id, item_id, key, model, output, meta, position) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)", candidates)
    con.executemany("INSERT INTO annotation (item_id, user_id, status, preference, ratings, flags, thumbs, "
                    "source, revision, created_at, updated_at) "
                    "VALUES (?, ?, 'submitted', ?, '{}', '{}', '{}', 'import', 1, ?, ?)", annotations)
    con.commit()
    con.execute("ANALYZE")
    con.close()
    return n_items + n_gold, len(annotations)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def figures(name: str, values: list[float]) -> str:
    return (f"{name:<34} n={len(values):>5}  p50 {pct(values, .5):6.2f} ms  p95 {pct(values, .95):6.2f} ms  "
            f"p99 {pct(values, .99):6.2f} ms  mean {statistics.fmean(values) * 1000:6.2f} ms")


def serial(engine, users: list[User], project: Project, calls: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    fresh_serve, renew, prog = [], [], []
    with Session(engine, expire_on_commit=False) as s:
        for _ in range(calls):
            user = rng.choice(users)
            t0 = time.perf_counter()
            item = serve(session=s, user=user, project=project)
            t1 = time.perf_counter()
            serve(session=s, user=user, project=project, item_id=item.id)
            t2 = time.perf_counter()
            progress(session=s, user=user, project=project)
            t3 = time.perf_counter()
            s.commit()
            release(session=s, user=user, item_id=item.id)
            fresh_serve.append(t1 - t0)
            renew.append(t2 - t1)
            prog.append(t3 - t2)
    print(figures("serve, next item (1 thread)", fresh_serve))
    print(figures("serve, renew current (1 thread)", renew))
    print(figures("progress (1 thread)", prog))


def concurrent(engine, users: list[User], project: Project, threads: int, rounds: int, think: float) -> None:
    """``threads`` annotators each serve + submit ``rounds`` times, reading each item for a random time
    (uniform in 0 .. 2 * ``think`` seconds) between the two; ``think=0`` measures the capacity."""
    serves: list[float] = []
    submits: list[float] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(user: User) -> None:
        mine_serve, mine_submit = [], []
        rng = random.Random(user.id)
        try:
            if think:
                time.sleep(rng.uniform(0, 2 * think))  # annotators do not all arrive in the same millisecond
            with Session(engine, expire_on_commit=False) as s:
                for _ in range(rounds):
                    t0 = time.perf_counter()
                    item = serve(session=s, user=user, project=project)
                    mine_serve.append(time.perf_counter() - t0)
                    if item is None:
                        break
                    if think:
                        time.sleep(rng.uniform(0, 2 * think))
                    t1 = time.perf_counter()
                    submit_annotation(session=s, user=user, item_id=item.id, answer=Answer(preference="a"))
                    mine_submit.append(time.perf_counter() - t1)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)
        with lock:
            serves.extend(mine_serve)
            submits.extend(mine_submit)

    pool = [threading.Thread(target=work, args=(u,)) for u in users[:threads]]
    start = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - start
    label = f"{threads} threads, read {think:g} s" if think else f"{threads} threads, no reading"
    print(figures(f"serve ({label})", serves))
    print(figures(f"submit ({label})", submits))
    print(f"{label}: {len(submits)} serve+submit in {elapsed:.2f} s = {len(submits) / elapsed:,.0f}/s; "
          f"errors: {len(errors)}{' ' + repr(errors[0]) if errors else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=30, help="serve+submit per thread")
    parser.add_argument("--think", type=float, default=1.0,
                        help="mean seconds an annotator reads an item before submitting (uniform 0..2x)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        n_items, n_annotations = build(path, args.items, args.users)
        print(f"built {n_items:,} items, {2 * n_items:,} candidates, {n_annotations:,} annotations, "
              f"{args.users} annotators in {time.perf_counter() - t0:.1f} s")
        engine = make_engine(f"sqlite:///{path}", pool_size=args.threads + 5)
        with Session(engine, expire_on_commit=False) as s:
            users = list(s.exec(select(User).order_by(User.id)).all())
            project = s.get(Project, 1)
        serial(engine, users, project, args.calls)
        concurrent(engine, users, project, args.threads, args.rounds, args.think)
        concurrent(engine, users, project, args.threads, args.rounds, 0.0)
        engine.dispose()


if __name__ == "__main__":
    main()
