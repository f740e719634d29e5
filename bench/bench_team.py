"""Team-scale benchmark: the commands a team runs every day, end to end, on seeded team-shaped projects.

    .venv/bin/python bench/bench_team.py [--shape 40x300k|100x1m|small ...] [--keep DIR] [--skip-pages]

Each shape is a project as a team makes it: items with two answers (agent-v1, agent-v2), each answered by 3
annotators drawn from a pool (40 or 100), with a preference and three rubric scores (helpfulness,
correctness, safety) per answer, some flags and rationales. Shapes: ``40x300k`` (100k items, 300k
annotations, 40 annotators), ``100x1m`` (333,334 items, 1M annotations, 100 annotators), ``small`` (2k items,
for trying the script).

For each shape it writes the JSON Lines file, then times, as a user types them (a new process each, its peak
memory read from the kernel with ``wait4``): ``feedback --help``, ``feedback import``, ``feedback projects``,
``feedback agreement --json`` (computed, then again with the figures it stored), ``feedback export --format dpo``,
and the Agreement, Review, Progress and Export pages (Streamlit's AppTest, cold caches then a rerun with nothing
changed, then a rerun after one new annotation; the Agreement page computes its figures in the background, in a
child process, and starts from the stored ones, so for it the time until the new answer
is counted on the page is printed too). Floors, where one exists, are printed beside: for the import, parsing
the file and one ``executemany`` per table into the same schema; for loading, a bare ``SELECT`` of the
annotations.

Figures only: nothing here asserts a time.
"""

import argparse
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SHAPES = {"small": (2_000, 10), "40x300k": (100_000, 40), "100x1m": (333_334, 100)}  # items, annotator pool
PER_ITEM = 3
DIMENSIONS = ("helpfulness", "correctness", "safety")
WORDS = ("the", "agent", "calls", "a", "tool", "and", "reads", "files", "then", "answers", "with", "short",
         "summary", "of", "what", "changed", "why", "it", "matters", "for", "user", "who", "asked", "about",
         "billing", "settings", "retry", "timeout", "database", "query")


def prose(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def write_project(path: Path, items: int, pool: int, seed: int = 14) -> int:
    """The shape's JSON Lines file (deterministic for a seed); returns its number of annotations.

    Annotators differ in care: each agrees with the item's hidden better answer with a probability of 0.55 to
    0.95, so agreement figures are neither perfect nor noise."""
    rng = random.Random(seed)
    annotators = [f"annotator{k:03d}" for k in range(pool)]
    care = {name: 0.55 + 0.4 * rng.random() for name in annotators}
    n = 0
    with path.open("w", encoding="utf-8") as out:
        for i in range(items):
            better = rng.choice("ab")
            quality = {key: rng.randint(2, 5) for key in "ab"}
            labels = []
            for name in rng.sample(annotators, PER_ITEM):
                right = rng.random() < care[name]
                choice = better if right else rng.choice(["a", "b", "tie", "both_bad"])
                ratings = {key: {dim: min(5, max(1, quality[key] + rng.choice((-1, 0, 0, 0, 1))))
                                 for dim in DIMENSIONS} for key in "ab"}
                label = {"annotator": name, "preference": choice, "ratings": ratings}
                if rng.random() < 0.05:
                    label["flags"] = {rng.choice("ab"): ["factual_error"]}
                if rng.random() < 0.2:
                    label["rationale"] = prose(rng, 12)
                labels.append(label)
            n += len(labels)
            row = {"id": f"team-{i}", "prompt": prose(rng, 30), "metadata": {"topic": rng.choice(["code", "chat"])},
                   "candidates": [{"id": "a", "model": "agent-v1", "output": prose(rng, 60)},
                                  {"id": "b", "model": "agent-v2", "output": prose(rng, 60)}],
                   "annotations": labels}
            out.write(json.dumps(row) + "\n")
    return n


def run(label: str, args: list[str], env: dict, *, floor: float | None = None, out: Path | None = None) -> float:
    """Run ``args`` as a user would and print its wall time and peak memory (and the floor, if any)."""
    start = time.perf_counter()
    with open(out or os.devnull, "wb") as sink:
        proc = subprocess.Popen(args, env=env, stdout=sink, stderr=subprocess.PIPE, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    proc.returncode = os.waitstatus_to_exitcode(status)
    beside = f"   floor {floor:6.2f} s ({seconds / floor:4.1f}x)" if floor else ""
    state = "" if proc.returncode == 0 else f"   FAILED (exit {proc.returncode}): {err.strip()[-300:]}"
    print(f"  {label:<44} {seconds:7.2f} s  {usage.ru_maxrss / 1024:7.0f} MB{beside}{state}", flush=True)
    return seconds


def import_floor(path: Path, folder: Path) -> float:
    """Parse every line and insert items, candidates, annotators and annotations with one ``executemany`` per
    table into an empty database of the same schema: what any import must at least do."""
    db = folder / "floor.db"
    db.unlink(missing_ok=True)
    env = {**os.environ, "FEEDBACK_DATABASE_URL": f"sqlite:///{db}"}
    subprocess.run([BIN / "feedback", "db", "upgrade"], env=env, check=True, capture_output=True)
    now = "2026-01-01 00:00:00.000000"
    start = time.perf_counter()
    items, candidates, annotations, users = [], [], [], {}
    with path.open(encoding="utf-8") as lines:
        for n, line in enumerate(lines, start=1):
            row = json.loads(line)
            items.append((n, 1, row["id"], row["prompt"], json.dumps(row["metadata"]), str(n), n, 0, 0, 0, 0, now))
            for k, c in enumerate(row["candidates"]):
                candidates.append((n, c["id"], c["model"], c["output"], "{}", k))
            for a in row["annotations"]:
                user = users.setdefault(a["annotator"], len(users) + 1)
                annotations.append((n, user, "submitted", a["preference"], "{}", json.dumps(a["ratings"]),
                                    json.dumps(a.get("flags", {})), a.get("rationale"), "import", 1, now, now))
    con = sqlite3.connect(db)
    with con:
        con.execute("INSERT INTO project (id, name, description, overlap, questions, schema_version, guidelines_version, "
                    "restricted, gold_rate, lease_minutes, consensus_method, review_threshold, auto_escalate, "
                    "quality_threshold, show_suggestions, created_at) "
                    "VALUES (1, 'floor', '', 3, '{}', 1, 0, 0, 0, 30, 'majority', 0.6, 0, 0.5, 0, ?)", (now,))
        con.executemany("INSERT INTO user (id, name, role, active, created_at) VALUES (?, ?, 'annotator', 1, ?)",
                        [(uid, name, now) for name, uid in users.items()])
        con.executemany("INSERT INTO item (id, project_id, external_id, prompt, meta, content_hash, position, "
                        "priority, n_annotations, extra_overlap, is_gold, created_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", items)
        con.executemany("INSERT INTO candidate (item_id, key, model, output, meta, position) "
                        "VALUES (?, ?, ?, ?, ?, ?)", candidates)
        con.executemany("INSERT INTO annotation (item_id, user_id, status, preference, thumbs, ratings, flags, "
                        "rationale, source, revision, created_at, updated_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", annotations)
    con.close()
    return time.perf_counter() - start


def select_floor(db: Path) -> float:
    """A bare SELECT of every annotation's answer columns, rows fetched into Python."""
    start = time.perf_counter()
    con = sqlite3.connect(db)
    rows = con.execute("SELECT item_id, user_id, preference, ratings, flags FROM annotation").fetchall()
    con.close()
    assert rows
    return time.perf_counter() - start


PAGES = ("agreement", "review", "progress", "export")
PAGE_SCRIPT = r"""
import json, sys, time
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest
from feedback.people.sessions import start_session
from feedback.store.engine import make_engine
from feedback.store.tables import User
from feedback.ui.context import SESSION, USER_ID

page, project, db_url, root = sys.argv[1:5]
engine = make_engine(db_url)
with Session(engine, expire_on_commit=False) as s:
    user = s.exec(select(User).where(User.name == "bench-admin")).one()
    started = start_session(session=s, user=user)
at = AppTest.from_file(f"{root}/app.py", default_timeout=600)
at.session_state[SESSION], at.session_state[USER_ID] = started.session_id, user.id
at.query_params["project"] = project
at.switch_page(f"{root}/pages/{page}.py")
times = []
for _ in range(2):
    t = time.perf_counter(); at.run()
    while any("for the first time" in i.value for i in at.info):  # the first figures, computed in the background
        time.sleep(0.5)
        at.run()
    times.append(time.perf_counter() - t)
    if at.exception:
        raise SystemExit(f"{page}: {at.exception[0].message}")
with engine.begin() as con:  # one new annotation by an annotator who had not answered that item
    con.exec_driver_sql(
        "INSERT INTO annotation (item_id, user_id, status, preference, thumbs, ratings, flags, source, revision, "
        "created_at, updated_at) SELECT i.id, u.id, 'submitted', 'a', '{}', '{}', '{}', 'app', 1, "
        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM item i, user u WHERE u.name = 'bench-admin' "
        "AND i.id = (SELECT MIN(id) FROM item WHERE id NOT IN (SELECT item_id FROM annotation a2 WHERE "
        "a2.user_id = u.id))")
    con.exec_driver_sql("UPDATE item SET n_annotations = n_annotations + 1 WHERE id = (SELECT MAX(item_id) "
                        "FROM annotation WHERE user_id = (SELECT id FROM user WHERE name = 'bench-admin'))")
t = time.perf_counter(); at.run(); times.append(time.perf_counter() - t)
stale = lambda: any("do not count the newest" in c.value for c in at.caption) or any(
    "for the first time" in i.value for i in at.info)
t = time.perf_counter()  # figures computed in the background: when the new ones are on the page
while stale():
    time.sleep(0.5)
    at.run()
times.append(time.perf_counter() - t + times[-1])
print(json.dumps(times))
"""


def pages(env: dict, db: Path, folder: Path) -> None:
    """Each page in a new process: first run (cold caches), a rerun with nothing changed, a rerun after one
    new annotation. The new annotations are removed afterwards."""
    script = folder / "page_load.py"
    script.write_text(PAGE_SCRIPT)
    for page in PAGES:
        start = time.perf_counter()
        proc = subprocess.Popen([BIN / "python", script, page, "team", env["FEEDBACK_DATABASE_URL"], str(ROOT)], env=env,
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        out, err = proc.stdout.read().decode(), proc.stderr.read().decode(errors="replace")
        if os.waitstatus_to_exitcode(status) != 0:
            print(f"  page {page:<39} FAILED: {err.strip()[-400:]}")
            continue
        cold, warm, after, updated = json.loads(out.strip().splitlines()[-1])
        later = f" (counted in the figures after {updated:5.1f} s)" if updated > after + 0.01 else ""
        print(f"  page {page:<13} cold {cold:6.2f} s   unchanged {warm:6.2f} s   after one answer {after:6.2f} s"
              f"{later}  {usage.ru_maxrss / 1024:6.0f} MB  (process {time.perf_counter() - start:5.1f} s)", flush=True)
        con = sqlite3.connect(db)
        with con:
            con.execute("DELETE FROM annotation WHERE user_id = (SELECT id FROM user WHERE name = 'bench-admin')")
        con.close()


def shape(name: str, folder: Path, skip_pages: bool) -> None:
    items, pool = SHAPES[name]
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "team.jsonl"
    start = time.perf_counter()
    n = write_project(data, items, pool)
    print(f"\n{name}: {items:,} items, {n:,} annotations by {pool} annotators, "
          f"{data.stat().st_size / 1e6:.0f} MB of JSON Lines (written in {time.perf_counter() - start:.0f} s)")
    db = folder / "team.db"
    db.unlink(missing_ok=True)
    env = {**os.environ, "FEEDBACK_DATABASE_URL": f"sqlite:///{db}", "FEEDBACK_EXPORT_DIR": str(folder / "exports")}
    feedback = str(BIN / "feedback")
    subprocess.run([feedback, "db", "upgrade"], env=env, check=True, capture_output=True)
    run("feedback --help", [feedback, "--help"], env)
    floor = subprocess.run([BIN / "python", __file__, "--import-floor", str(data)], check=True, capture_output=True,
                           text=True, cwd=ROOT).stdout  # in its own process: its memory is not inherited
    run("feedback import", [feedback, "import", str(data), "--project", "team"], env, floor=float(floor))
    run("feedback projects", [feedback, "projects"], env)
    floor = select_floor(db)
    print(f"  {'(floor: SELECT of every annotation)':<44} {floor:7.2f} s")
    run("feedback agreement --json (computed)", [feedback, "agreement", "--project", "team", "--json", "--recompute"],
        env, out=folder / "agreement.json")
    run("feedback agreement (table, stored figures)", [feedback, "agreement", "--project", "team"], env)
    run("feedback export --format dpo", [feedback, "export", "--project", "team", "--format", "dpo"], env)
    if not skip_pages:
        subprocess.run([feedback, "users", "add", "bench-admin", "--role", "admin", "--password-stdin"], env=env,
                       check=True, capture_output=True, input=b"bench password 1\n")
        pages(env, db, folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", action="append", choices=list(SHAPES),
                        help="which shapes (default: 40x300k and 100x1m); repeat for several")
    parser.add_argument("--keep", type=Path, help="keep the files in this folder (default: a temporary one)")
    parser.add_argument("--skip-pages", action="store_true", help="only the commands")
    parser.add_argument("--import-floor", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.import_floor:
        print(import_floor(args.import_floor, args.import_floor.parent))
        return
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-team-"))
    print(f"files in {root}; {os.cpu_count()} cores")
    try:
        for name in args.shape or ["40x300k", "100x1m"]:
            shape(name, root / name, args.skip_pages)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
