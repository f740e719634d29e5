"""Time Rate page reruns in Streamlit's AppTest on a large project and print the figures.

    .venv/bin/python bench/bench_rate_page.py [--items 100000] [--runs 50]

Builds a SQLite file with the importer (N items, two candidates each, every item with three imported
annotations from 100 annotators: 300k annotations for 100k items; overlap 4, so every item is still
open to a fourth annotator), signs an annotator in, then times: the first run, plain reruns, a choice click
(one rerun) and a full submit (rerun that saves and serves the next item).
"""

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from sqlmodel import Session

ROOT = Path(__file__).resolve().parents[1]


def build(db_url: str, items: int, folder: Path) -> int:
    from feedback.intake.importer import import_file
    from feedback.people.accounts import create_user
    from feedback.store.engine import create_schema, make_engine

    data = folder / "items.jsonl"
    with data.open("w", encoding="utf-8") as f:
        for n in range(items):
            row = {"id": f"b-{n}", "prompt": f"Customer question {n}: how do I change the billing e-mail? " * 3,
                   "candidates": [{"id": "a", "model": "v1", "output": f"Go to Settings > Billing ({n}). " * 8},
                                  {"id": "b", "model": "v2", "output": f"Contact support about {n}. " * 6}]}
            row["annotations"] = [{"annotator": f"ann{(3 * n + k) % 100}", "preference": "ab"[(n + k) % 2],
                                   "ratings": {"a": {"helpfulness": 1 + (n + k) % 5}}} for k in range(3)]
            f.write(json.dumps(row) + "\n")
    engine = make_engine(db_url)
    create_schema(engine)
    with Session(engine, expire_on_commit=False) as s:
        import_file(session=s, user=None, project="bench", path=data, overlap=4)
    with Session(engine, expire_on_commit=False) as s:
        user = create_user(session=s, actor=None, name="timer", role="annotator", password="bench-password")
    engine.dispose()
    return user


def signed_in(at, db_url: str, user) -> None:
    """``at`` signed in as ``user`` without the form: a session in the database, as signing in starts one."""
    from feedback.people.sessions import start_session
    from feedback.store.engine import make_engine
    from feedback.ui.context import SESSION, USER_ID

    engine = make_engine(db_url)
    with Session(engine, expire_on_commit=False) as s:
        started = start_session(session=s, user=user)
    engine.dispose()
    at.session_state[SESSION], at.session_state[USER_ID] = started.session_id, user.id


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 2 else max(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-rate-"))
    db_url = f"sqlite:///{folder / 'bench.db'}"
    os.environ["FEEDBACK_DATABASE_URL"] = db_url
    start = time.perf_counter()
    user = build(db_url, args.items, folder)
    print(f"built {args.items:,} items in {time.perf_counter() - start:.1f} s ({folder})")

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    signed_in(at, db_url, user)
    t = time.perf_counter()
    at.run()
    print(f"first run (cold caches)      {1000 * (time.perf_counter() - t):8.1f} ms")
    assert not at.exception, at.exception
    reruns, clicks, submits = [], [], []
    for _ in range(args.runs):
        t = time.perf_counter()
        at.run()
        reruns.append(1000 * (time.perf_counter() - t))
        item = at.session_state["rate.item_id"]
        choose = at.segmented_control(key=f"rate.{item}.preference")
        t = time.perf_counter()
        choose.set_value("a").run()
        clicks.append(1000 * (time.perf_counter() - t))
        submit = next(b for b in at.button if b.key == f"rate.{item}.submit")
        t = time.perf_counter()
        submit.click().run()
        submits.append(1000 * (time.perf_counter() - t))
        assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    for name, values in (("rerun", reruns), ("choice click + rerun", clicks), ("submit + next item", submits)):
        print(f"{name:<28} p50 {statistics.median(values):7.1f} ms   p95 {pct(values, 95):7.1f} ms")


if __name__ == "__main__":
    main()
