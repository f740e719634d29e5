"""Import stall benchmark: how long annotators wait behind a large import.

A SQLite file holds project "team" (5,000 items, overlap 3) and 20 annotators. One annotator process serves
and submits an item of "team" every ``--interval`` seconds (50 ms) while this process imports a JSONL of
``--items`` items (2 candidates each, 20% with 3 annotations: ``bench_import.write_items``) into a new project
("incoming", or "team" itself with ``--existing``). Prints the import's wall time, the submits' waits during
the import (p50, p95, worst, errors), and the importer's write transactions: how many, the longest, and the
last one (the step that makes the batch visible). Asserts nothing about time.

Run: .venv/bin/python bench/bench_import_stall.py [--items N] [--interval S] [--existing]
"""

import argparse
import multiprocessing as mp
import tempfile
import time
from pathlib import Path

from bench_import import write_items
from sqlalchemy import event
from sqlmodel import Session, select

from feedback.intake.importer import import_file
from feedback.labeling.annotate import Answer, submit_annotation
from feedback.labeling.queue import serve
from feedback.people.users import add_users
from feedback.store.engine import WRITE_OPTION, create_schema, make_engine
from feedback.store.tables import Project, User

TEAM_ITEMS = 5_000
N_ANNOTATORS = 20


def prepare(tmp: Path) -> str:
    """A database with project "team" and annotators ann1..ann20; returns its URL."""
    url = f"sqlite:///{tmp / 'stall.db'}"
    engine = make_engine(url)
    create_schema(engine)
    team = tmp / "team.jsonl"
    write_items(team, TEAM_ITEMS, seed=11)
    lines = team.read_text(encoding="utf-8").splitlines(keepends=True)
    team.write_text("".join(line.replace('{"id": "t-', '{"id": "team-', 1) for line in lines), encoding="utf-8")
    with Session(engine, expire_on_commit=False) as s:
        import_file(session=s, user=None, project="team", path=team)
        add_users(s, {f"ann{k}" for k in range(1, N_ANNOTATORS + 1)})
        s.commit()
    engine.dispose()
    return url


def annotate(url: str, interval: float, ready, stop, results) -> None:
    """Serve and submit every ``interval`` s until ``stop``; sends [(start, serve_s, submit_s, error)]."""
    engine = make_engine(url, pool_size=2)
    rows = []
    with Session(engine, expire_on_commit=False) as s:
        project = s.exec(select(Project).where(Project.name == "team")).one()
        users = list(s.exec(select(User).where(User.name.like("ann%")).order_by(User.id)).all())
        s.commit()
        turn = 0
        while not stop.is_set():
            user = users[turn % len(users)]
            turn += 1
            start = time.monotonic()
            error = ""
            serve_s = submit_s = 0.0
            try:
                item = serve(session=s, user=user, project=project)
                s.commit()
                serve_s = time.monotonic() - start
                if item is not None:
                    t1 = time.monotonic()
                    submit_annotation(session=s, user=user, item_id=item.id, answer=Answer(preference="a"))
                    submit_s = time.monotonic() - t1
            except Exception as e:  # noqa: BLE001 - counted and printed
                s.rollback()
                error = f"{type(e).__name__}: {e}"[:200]
            rows.append((start, serve_s, submit_s, error))
            if len(rows) == 5:
                ready.set()
            time.sleep(interval)
    engine.dispose()
    results.send(rows)


def watch_writes(engine) -> list[tuple[float, float]]:
    """(start, seconds) of every write transaction on ``engine``, from BEGIN IMMEDIATE done to COMMIT done."""
    spans: list[tuple[float, float]] = []

    @event.listens_for(engine, "begin")
    def _begin(conn):  # runs after the engine's own listener has sent BEGIN IMMEDIATE
        if conn.get_execution_options().get(WRITE_OPTION):
            conn.info["bench_began"] = time.monotonic()

    def _end(conn):
        began = conn.info.pop("bench_began", None)
        if began is not None:
            spans.append((began, time.monotonic() - began))

    event.listen(engine, "commit", _end)
    event.listen(engine, "rollback", _end)
    return spans


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200_000, help="items in the imported file (default 200000)")
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between submits (default 0.05)")
    parser.add_argument("--existing", action="store_true", help="import into the annotators' own project")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-stall-") as tmp_name:
        tmp = Path(tmp_name)
        data = tmp / "items.jsonl"
        start = time.perf_counter()
        size = write_items(data, args.items)
        url = prepare(tmp)
        print(f"generated {args.items} items ({size / 1e6:.0f} MB) and the team project in "
              f"{time.perf_counter() - start:.0f} s")
        ctx = mp.get_context("spawn")
        ready, stop = ctx.Event(), ctx.Event()
        receive, send = ctx.Pipe(duplex=False)
        annotator = ctx.Process(target=annotate, args=(url, args.interval, ready, stop, send))
        annotator.start()
        ready.wait(120)
        engine = make_engine(url)
        spans = watch_writes(engine)
        began = time.monotonic()
        with Session(engine, expire_on_commit=False) as s:
            report = import_file(session=s, user=None, project="team" if args.existing else "incoming", path=data)
        ended = time.monotonic()
        time.sleep(1)
        stop.set()
        rows = receive.recv()
        annotator.join()
        engine.dispose()
    during = [r for r in rows if r[0] + r[1] + r[2] >= began and r[0] <= ended]
    submits = [r[2] for r in during if not r[3]]
    serves = [r[1] for r in during if not r[3]]
    errors = [r[3] for r in during if r[3]]
    print(f"import: {ended - began:.1f} s wall ({report.summary_lines()[0]})")
    print(f"during the import: {len(during)} serve+submit by an annotator every {args.interval * 1000:.0f} ms; "
          f"submit p50 {pct(submits, .5):.0f} ms, p95 {pct(submits, .95):.0f} ms, worst {pct(submits, 1):.0f} ms; "
          f"serve p95 {pct(serves, .95):.0f} ms, worst {pct(serves, 1):.0f} ms; errors: {len(errors)}"
          f"{' (' + errors[0] + ')' if errors else ''}")
    mine = [s for s in spans if began <= s[0] <= ended]
    if mine:
        longest = sorted((s[1] for s in mine), reverse=True)[:5]
        print(f"importer's write transactions: {len(mine)}; longest {', '.join(f'{t * 1000:.0f}' for t in longest)} "
              f"ms; last (makes the batch visible) {mine[-1][1] * 1000:.0f} ms; floor: none over about 1000 ms")


if __name__ == "__main__":
    main()
