"""`feedback export`: files written and a summary on success; `Error: ...` and exit 1 when there is nothing to export."""

import json

import pytest
from sqlmodel import Session

from feedback.cli.main import main
from feedback.people.users import add_users
from feedback.projects.projects import add_project, find_project
from feedback.store.engine import create_schema, make_engine
from feedback.store.tables import Annotation, Candidate, Item


@pytest.fixture
def database(tmp_path, monkeypatch):
    """A SQLite file that the CLI opens through FEEDBACK_DATABASE_URL, with project "p" and no items."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FEEDBACK_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)   # no stray .env file is read
    engine = make_engine(url)
    create_schema(engine)
    with Session(engine, expire_on_commit=False) as session:
        add_project(session, name="p")
        session.commit()
    yield engine
    engine.dispose()


def add_voted_item(engine, ext, outputs, preferences, position=0):
    with Session(engine, expire_on_commit=False) as session:
        project = find_project(session, "p")
        item = Item(project_id=project.id, external_id=ext, prompt=f"prompt {ext}", content_hash=f"h-{ext}",
                    position=position)
        session.add(item)
        session.flush()
        for pos, (key, text) in enumerate(zip("ab", outputs)):
            session.add(Candidate(item_id=item.id, key=key, model=f"m-{key}", output=text, position=pos))
        users = add_users(session, {f"u{n}" for n in range(len(preferences))})
        for n, preference in enumerate(preferences):
            session.add(Annotation(item_id=item.id, user_id=users[f"u{n}"].id, preference=preference))
        session.commit()


@pytest.mark.parametrize("form", ["standard", "conversational"])
def test_export_writes_files_and_a_summary(database, tmp_path, capsys, form):
    add_voted_item(database, "i1", ["good", "bad"], ["a", "a", "b"])
    add_voted_item(database, "i2", ["x", "y"], ["a", "b"], position=1)
    out = tmp_path / "exports" / "v1"

    code = main(["export", "--project", "p", "--form", form, "--out", str(out)])

    stdout = capsys.readouterr().out
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == sorted([f"dpo_{form}.jsonl", f"dpo_{form}.parquet",
                                                            "manifest.json", "README.md"])
    (row,) = [json.loads(line) for line in (out / f"dpo_{form}.jsonl").read_text("utf-8").splitlines()]
    assert row["item_id"] == "i1"
    assert f"1 row (dpo, {form} form) from 1 of the 2 items" in stdout
    assert "1 split" in stdout
    assert json.loads((out / "manifest.json").read_text("utf-8"))["rows"] == 1


def test_min_annotations_option(database, tmp_path, capsys):
    add_voted_item(database, "i1", ["good", "bad"], ["a", "a", "b"])
    add_voted_item(database, "i2", ["x", "y"], ["a"], position=1)
    assert main(["export", "--project", "p", "--min-annotations", "2", "--out", str(tmp_path / "o")]) == 0
    assert "too few annotations: 1 removed" in capsys.readouterr().out


def test_unknown_project_is_an_error(database, tmp_path, capsys):
    code = main(["export", "--project", "nope", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("Error: ") and "nope" in err
    assert not (tmp_path / "o").exists()


def test_nothing_to_export_is_an_error(database, tmp_path, capsys):
    add_voted_item(database, "i1", ["x", "y"], ["a", "b"])
    add_voted_item(database, "i2", ["x", "y"], ["tie"], position=1)
    code = main(["export", "--project", "p", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("Error: Nothing to export from project 'p': no item has a clear majority preference")
    assert "1 tie, 1 split" in err
    assert not (tmp_path / "o").exists()


def test_bad_min_annotations_is_an_error(database, tmp_path, capsys):
    assert main(["export", "--project", "p", "--min-annotations", "0", "--out", str(tmp_path / "o")]) == 1
    assert capsys.readouterr().err.startswith("Error: min_annotations must be")


def test_exclude_flagged_is_offered_and_documented():
    from feedback.cli.main import build_parser

    args = build_parser().parse_args(["export", "--project", "p", "--format", "dpo", "--out", "x", "--exclude-flagged"])
    assert args.exclude_flagged is True
