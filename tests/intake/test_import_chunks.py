"""Imports written in short transactions: annotators keep submitting during a large import, and an import that
fails, or whose process is killed, leaves nothing visible and is removed by the next import.

The orderings are made with events (the import pauses between two of its transactions), never with timing."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading

import pytest
from sqlalchemy import text
from sqlmodel import Session, func, select

from feedback.errors import FeedbackError, ImportRejected, NotFound
from feedback.intake import importer, source
from feedback.intake.importer import import_file
from feedback.intake.write import ImportWriter
from feedback.labeling.annotate import Answer, submit_annotation
from feedback.labeling.queue import serve
from feedback.people.users import add_users, visible_projects
from feedback.projects.projects import find_project, get_project, list_batches, list_projects
from feedback.store.tables import Annotation, Candidate, ImportBatch, Item, Project, Suggestion, User

TABLES = (Project, ImportBatch, Item, Candidate, Annotation, Suggestion, User)


def item(n: int, **extra) -> dict:
    return {"id": f"t-{n}", "prompt": f"question {n}",
            "candidates": [{"id": "a", "output": f"yes {n}"}, {"id": "b", "output": f"no {n}"}], **extra}


def write(path, lines) -> object:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def rows(engine) -> dict[str, int]:
    """Rows of every table the importer writes, as stored (from a connection of its own)."""
    with engine.connect() as conn:
        return {t.__name__: conn.execute(select(func.count()).select_from(t)).scalar() for t in TABLES}


def visible(engine) -> dict[str, object]:
    """What people see of the projects: the lists, the picker, the look-up by name, the batches."""
    with Session(engine) as s:
        return {"projects": [(p.name, n) for p, n in list_projects(session=s)],
                "picker": [p.name for p in visible_projects(session=s, user=None)],
                "batches": {p.name: len(list_batches(session=s, project=p)) for p, _ in list_projects(session=s)}}


class PauseWhileReading:
    """Pauses the import run by ``thread`` while it reads its file (between two of its write transactions: it
    holds no lock then), once ``wanted(engine)`` is true, until ``resume`` is set; ``paused`` is set meanwhile."""

    def __init__(self, engine, wanted, monkeypatch):
        self.engine, self.wanted, self.thread = engine, wanted, None
        self.paused, self.resume = threading.Event(), threading.Event()
        original = source.check_line

        def check_line(*args, **kwargs):
            if threading.current_thread() is self.thread and not self.paused.is_set() and self.wanted(engine):
                self.paused.set()
                assert self.resume.wait(60)
            return original(*args, **kwargs)

        monkeypatch.setattr(source, "check_line", check_line)


def import_in_thread(engine, path, pause: PauseWhileReading, results: list, **kwargs) -> threading.Thread:
    def work():
        with Session(engine, expire_on_commit=False) as s:
            try:
                results.append(import_file(session=s, user=None, path=path, **kwargs))
            except BaseException as e:  # noqa: BLE001 - the test looks at it
                results.append(e)

    pause.thread = worker = threading.Thread(target=work)
    worker.start()
    return worker


@pytest.fixture
def team(file_engine, tmp_path):
    """Project "team" (20 items, overlap 3) and an annotator who works on it."""
    with Session(file_engine, expire_on_commit=False) as s:
        import_file(session=s, user=None, project="team", path=write(tmp_path / "team.jsonl", map(item, range(20))))
        annotator = add_users(s, {"maria"})["maria"]
        s.commit()
    return annotator


def candidates_written(engine) -> int:
    return rows(engine)["Candidate"]


def test_an_annotator_submits_while_a_large_import_is_still_writing(file_engine, tmp_path, team, monkeypatch):
    path = write(tmp_path / "big.jsonl", [item(n, annotations=[{"annotator": "ann1", "preference": "a"}])
                                          for n in range(100, 300)])
    before = candidates_written(file_engine)  # the team's 40
    pause = PauseWhileReading(file_engine, lambda e: before < candidates_written(e) < before + 400, monkeypatch)
    results: list = []
    worker = import_in_thread(file_engine, path, pause, results, project="incoming", chunk_size=10)
    assert pause.paused.wait(60), "the import never paused between two of its writes: it wrote in one transaction"
    with Session(file_engine, expire_on_commit=False) as s:
        served = serve(session=s, user=team, project=get_project(session=s, name="team"))
        annotation = submit_annotation(session=s, user=team, item_id=served.id, answer=Answer(preference="a"))
    assert annotation.id is not None and worker.is_alive()
    assert visible(file_engine) == {"projects": [("team", 20)], "picker": ["team"], "batches": {"team": 1}}
    with Session(file_engine) as s, pytest.raises(NotFound, match=r"\(projects: team\)"):
        get_project(session=s, name="incoming")
    pause.resume.set()
    worker.join(60)
    report = results[0]
    assert (report.items_added, report.annotations_added) == (200, 200)
    assert visible(file_engine) == {"projects": [("incoming", 200), ("team", 20)], "picker": ["incoming", "team"],
                                    "batches": {"incoming": 1, "team": 1}}
    with Session(file_engine) as s:
        positions = s.exec(select(Item.position).join(Project).where(Project.name == "incoming")
                           .order_by(Item.position)).all()
    assert positions == list(range(200))
    assert rows(file_engine)["Project"] == 2  # the staging project became "incoming"


def test_items_and_labels_added_to_an_existing_project_appear_only_at_the_last_step(file_engine, tmp_path, team,
                                                                                  monkeypatch):
    known = [item(n, annotations=[{"annotator": "ann1", "preference": "b"}],
                  suggestions=[{"agent": "judge", "preference": "a"}]) for n in range(20)]
    lines = known + [item(n) for n in range(20, 60)]
    before = rows(file_engine)
    pause = PauseWhileReading(
        file_engine, lambda e: before["Candidate"] < candidates_written(e) < before["Candidate"] + 80, monkeypatch)
    results: list = []
    worker = import_in_thread(file_engine, write(tmp_path / "more.jsonl", lines), pause, results, project="team",
                              chunk_size=7)
    assert pause.paused.wait(60)
    with Session(file_engine) as s:
        project = find_project(s, "team")
        assert s.exec(select(func.count(Item.id)).where(Item.project_id == project.id)).one() == 20
        assert s.exec(select(func.sum(Item.n_annotations)).where(Item.project_id == project.id)).one() == 0
    assert (rows(file_engine)["Annotation"], rows(file_engine)["Suggestion"]) == (0, 0)
    assert visible(file_engine)["batches"] == {"team": 1}
    pause.resume.set()
    worker.join(60)
    report = results[0]
    assert (report.items_added, report.items_existing, report.annotations_added, report.suggestions_added) == (
        40, 20, 20, 20)
    with Session(file_engine) as s:
        stored = s.exec(select(Item.external_id, Item.position, Item.n_annotations).join(Project)
                        .where(Project.name == "team").order_by(Item.position)).all()
    assert stored == [(f"t-{n}", n, 1 if n < 20 else 0) for n in range(60)]
    assert rows(file_engine)["Project"] == 1  # the staging project is gone
    assert visible(file_engine)["batches"] == {"team": 2}


def test_a_reimport_in_chunks_is_still_a_no_op_that_says_so(file_engine, tmp_path, team):
    before = rows(file_engine)
    with Session(file_engine) as s:
        report = import_file(session=s, user=None, project="team", path=tmp_path / "team.jsonl", chunk_size=3)
    assert (report.batch_id, report.items_added, report.items_existing) == (None, 0, 20)
    assert report.summary_lines() == ["team.jsonl: nothing new: 20 items already imported into project 'team'."]
    assert rows(file_engine) == before


def test_a_bad_line_after_several_chunks_rejects_the_file_and_nothing_stays(file_engine, tmp_path, team):
    before = rows(file_engine)
    lines = [item(n) for n in range(100, 140)] + [{"id": "bad", "prompt": "q", "candidates": []}]
    with Session(file_engine) as s, pytest.raises(ImportRejected) as rejected:
        import_file(session=s, user=None, project="incoming", path=write(tmp_path / "bad.jsonl", lines), chunk_size=4)
    assert [str(p) for p in rejected.value.problems] == [
        "line 41, field candidates: empty list; an item needs at least one candidate output"]
    assert rows(file_engine) == before


def test_a_failure_in_the_middle_removes_what_was_written(file_engine, tmp_path, team, monkeypatch):
    before = rows(file_engine)
    original, calls = ImportWriter.write_items, []

    def failing(self, conn, new):
        calls.append(len(new))
        if len(calls) == 3:
            raise OSError("disk full")
        original(self, conn, new)

    monkeypatch.setattr(ImportWriter, "write_items", failing)
    lines = [item(n, annotations=[{"annotator": f"new{n}", "preference": "a"}]) for n in range(100, 150)]
    with Session(file_engine) as s, pytest.raises(OSError, match="disk full"):
        import_file(session=s, user=None, project="incoming", path=write(tmp_path / "x.jsonl", lines), chunk_size=5)
    assert len(calls) == 3
    assert rows(file_engine) == before  # the users the import made are gone too


def test_a_batch_left_behind_stays_hidden_and_the_next_import_removes_it(file_engine, tmp_path, team, monkeypatch):
    before = rows(file_engine)
    monkeypatch.setattr(ImportWriter, "write_items", _fail_on_second_chunk(ImportWriter.write_items))
    monkeypatch.setattr(importer, "discard", _cannot_discard)  # as if the database went away meanwhile
    lines = [item(n, annotations=[{"annotator": "ann1", "preference": "a"}]) for n in range(100, 120)]
    with Session(file_engine) as s, pytest.raises(OSError):
        import_file(session=s, user=None, project="team", path=write(tmp_path / "x.jsonl", lines), chunk_size=5)
    assert rows(file_engine)["Item"] > before["Item"]
    assert visible(file_engine) == {"projects": [("team", 20)], "picker": ["team"], "batches": {"team": 1}}
    monkeypatch.undo()
    with Session(file_engine) as s:
        report = import_file(session=s, user=None, project="other", path=write(tmp_path / "y.jsonl", [item(1)]))
    assert report.items_added == 1
    assert rows(file_engine) == {**before, "Project": 2, "ImportBatch": 2, "Item": 21, "Candidate": 42}


def _fail_on_second_chunk(original):
    calls = []

    def write_items(self, conn, new):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        original(self, conn, new)
    return write_items


def _cannot_discard(*args, **kwargs):
    raise OSError("database gone")


KILLED = textwrap.dedent("""
    import sys, time
    from sqlmodel import Session
    from feedback.intake import importer
    from feedback.store.engine import make_engine

    engine = make_engine(sys.argv[1])
    original, written = importer._Import._write, []

    def write(self, new):
        original(self, new)
        written.append(len(new))
        if len(written) == 3:
            print("written", flush=True)
            time.sleep(600)

    importer._Import._write = write
    with Session(engine) as s:
        importer.import_file(session=s, user=None, project=sys.argv[3], path=sys.argv[2], chunk_size=4)
""")


@pytest.mark.parametrize("project", ["incoming", "team"])
def test_an_import_killed_with_sigkill_leaves_nothing_visible_and_the_next_import_removes_it(
        file_engine, tmp_path, team, project):
    before, seen = rows(file_engine), visible(file_engine)
    path = write(tmp_path / "killed.jsonl", [item(n, annotations=[{"annotator": f"u{n}", "preference": "a"}])
                                             for n in range(100, 140)])
    url = file_engine.url.render_as_string(hide_password=False)
    child = subprocess.Popen([sys.executable, "-c", KILLED, url, str(path), project], stdout=subprocess.PIPE,
                             text=True)
    try:
        assert child.stdout.readline() == "written\n"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert rows(file_engine)["Item"] == before["Item"] + 12  # three chunks of four, hidden
    assert visible(file_engine) == seen
    with Session(file_engine) as s:
        assert find_project(s, "incoming") is None
        assert s.exec(select(ImportBatch.state).order_by(ImportBatch.id)).all() == ["done", "loading"]
        report = import_file(session=s, user=None, project="other", path=write(tmp_path / "y.jsonl", [item(1)]))
    assert report.items_added == 1
    assert rows(file_engine) == {**before, "Project": before["Project"] + 1, "ImportBatch": 2, "Item": 21,
                                 "Candidate": 42}


def test_a_batch_of_a_running_import_is_not_taken_for_a_killed_one(file_engine, tmp_path, team, monkeypatch):
    """Two imports at once in one process: the second does not remove the first's batch."""
    before = rows(file_engine)["Candidate"]
    pause = PauseWhileReading(file_engine, lambda e: before < candidates_written(e), monkeypatch)
    results: list = []
    worker = import_in_thread(file_engine, write(tmp_path / "a.jsonl", [item(n) for n in range(100, 130)]), pause,
                              results, project="first", chunk_size=5)
    assert pause.paused.wait(60)
    with Session(file_engine) as s:
        second = import_file(session=s, user=None, project="second", path=write(tmp_path / "b.jsonl", [item(1)]))
    pause.resume.set()
    worker.join(60)
    assert (results[0].items_added, second.items_added) == (30, 1)
    assert [name for name, _ in visible(file_engine)["projects"]] == ["first", "second", "team"]


def test_two_imports_of_the_same_new_items_into_one_project_do_not_both_add_them(file_engine, tmp_path, team,
                                                                                 monkeypatch):
    """Both checked the project before either finished: the one that finishes second is refused, whole."""
    before = rows(file_engine)["Candidate"]
    lines = [item(n) for n in range(100, 110)]
    pause = PauseWhileReading(file_engine, lambda e: before < candidates_written(e), monkeypatch)
    results: list = []
    worker = import_in_thread(file_engine, write(tmp_path / "a.jsonl", lines), pause, results, project="team",
                              chunk_size=5)
    assert pause.paused.wait(60)
    with Session(file_engine) as s:
        first = import_file(session=s, user=None, project="team", path=write(tmp_path / "b.jsonl", lines))
    pause.resume.set()
    worker.join(60)
    assert first.items_added == 10
    assert isinstance(results[0], FeedbackError) and "import the file again" in str(results[0])
    with Session(file_engine) as s:
        assert s.exec(select(func.count(Item.id)).join(Project).where(Project.name == "team")).one() == 30
    assert rows(file_engine)["Project"] == 1
    with file_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM importbatch WHERE state != 'done'")).scalar() == 0


def team_items(engine) -> list[tuple[str, int]]:
    with Session(engine) as s:
        return list(s.exec(select(Item.external_id, Item.position).join(Project).where(Project.name == "team")
                           .order_by(Item.position)).all())


def test_a_large_batch_into_an_existing_project_moves_in_several_short_transactions(file_engine, tmp_path, team,
                                                                                   monkeypatch):
    from feedback.intake import batches

    moves = []
    original = batches._move
    monkeypatch.setattr(batches, "_move", lambda s, b, chunk: moves.append(chunk) or original(s, b, chunk=chunk))
    lines = [item(n, annotations=[{"annotator": "ann1", "preference": "a"}]) for n in range(100, 111)]
    lines.append(item(3, annotations=[{"annotator": "ann2", "preference": "b"}]))  # a label on a stored item
    with Session(file_engine) as s:
        report = import_file(session=s, user=None, project="team", path=write(tmp_path / "x.jsonl", lines),
                             chunk_size=4, publish_chunk=3)
    assert (report.items_added, report.items_existing, report.annotations_added) == (11, 1, 12)
    assert moves == [3, 3, 3, 3]  # 3 + 3 + 3 + 2 items, each move its own transaction
    assert team_items(file_engine) == [(f"t-{n}", n) for n in range(20)] + \
        [(f"t-{n}", 20 + n - 100) for n in range(100, 111)]
    assert visible(file_engine) == {"projects": [("team", 31)], "picker": ["team"], "batches": {"team": 2}}
    with Session(file_engine) as s:
        assert s.exec(select(ImportBatch.state, ImportBatch.target_project_id)).all() == [("done", None)] * 2
    assert rows(file_engine)["Project"] == 1  # the staging project is gone


def test_a_publish_interrupted_half_way_is_finished_by_the_next_import(file_engine, tmp_path, team, monkeypatch):
    from feedback.intake import batches

    original, calls = batches._move, []

    def dies_after_the_first_move(session, batch, chunk):
        calls.append(chunk)
        if len(calls) == 2:
            raise OSError("the server was stopped")
        return original(session, batch, chunk=chunk)

    monkeypatch.setattr(batches, "_move", dies_after_the_first_move)
    lines = [item(n) for n in range(100, 110)]
    with Session(file_engine) as s, pytest.raises(OSError):
        import_file(session=s, user=None, project="team", path=write(tmp_path / "x.jsonl", lines), publish_chunk=4)
    assert len(team_items(file_engine)) == 24  # past the point of no return: part of it is in, nothing is lost
    with Session(file_engine) as s:
        assert s.exec(select(ImportBatch.state).order_by(ImportBatch.id)).all() == ["done", "publishing"]
    monkeypatch.undo()
    with Session(file_engine) as s:  # another import (even into another project) finishes it first
        import_file(session=s, user=None, project="other", path=write(tmp_path / "y.jsonl", [item(1)]))
    assert team_items(file_engine)[20:] == [(f"t-{n}", 20 + n - 100) for n in range(100, 110)]
    with Session(file_engine) as s:
        assert s.exec(select(ImportBatch.state)).all() == ["done"] * 3
    assert rows(file_engine)["Project"] == 2


def test_a_large_batch_waits_while_another_is_being_published_into_the_same_project(file_engine, tmp_path, team):
    with Session(file_engine) as s:  # a publish in progress into "team", by a process that runs (pid 1)
        target, staging = find_project(s, "team"), Project(name="importing 1", restricted=True)
        s.add(staging)
        s.flush()
        s.add(ImportBatch(project_id=staging.id, filename="other.jsonl", sha256="", state="publishing",
                          target_project_id=target.id, position_offset=20, owner=f"{importer_host()} 1"))
        s.commit()
    before = rows(file_engine)
    lines = [item(n) for n in range(100, 110)]
    with Session(file_engine) as s, pytest.raises(FeedbackError, match="being added to project 'team' right now"):
        import_file(session=s, user=None, project="team", path=write(tmp_path / "x.jsonl", lines))
    assert rows(file_engine) == before


def test_a_large_batch_that_collides_with_items_imported_meanwhile_is_refused_whole(file_engine, tmp_path, team,
                                                                                   monkeypatch):
    from feedback.intake import batches

    original = batches._refuse_collisions

    def another_import_first(session, batch_id, target_id, name):
        session.add(Item(project_id=target_id, external_id="t-105", content_hash="other", position=99))
        session.flush()
        original(session, batch_id, target_id, name)

    monkeypatch.setattr(batches, "_refuse_collisions", another_import_first)
    before = rows(file_engine)
    with Session(file_engine) as s, pytest.raises(FeedbackError, match="nothing was imported"):
        import_file(session=s, user=None, project="team", path=write(tmp_path / "x.jsonl",
                                                                     [item(n) for n in range(100, 110)]),
                    publish_chunk=4)
    assert rows(file_engine) == before


def importer_host() -> str:
    from feedback.intake.batches import HOST

    return HOST
