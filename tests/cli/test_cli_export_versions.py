"""`feedback export` makes versions with filters and splits, `--preview` saves nothing, `export list` lists them."""

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
    """Project "p": 12 items with distinct prompts, 3 voters each (2-1 for a), one item flagged unsafe on a,
    one gold item, two items whose prompts differ only in case and spaces."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FEEDBACK_DATABASE_URL", url)
    monkeypatch.setenv("FEEDBACK_EXPORT_DIR", str(tmp_path / "store"))
    monkeypatch.chdir(tmp_path)
    engine = make_engine(url)
    create_schema(engine)
    with Session(engine, expire_on_commit=False) as session:
        add_project(session, name="p")
        session.commit()
        project = find_project(session, "p")
        users = add_users(session, {"u1", "u2", "u3"})
        prompts = [f"Question number {n} about topic {n * 7}" for n in range(10)]
        prompts += ["question NUMBER 3 about   topic 21", "A gold question"]
        for n, prompt in enumerate(prompts):
            item = Item(project_id=project.id, external_id=f"i{n}", prompt=prompt, content_hash=f"h{n}", position=n,
                        is_gold=n == 11)
            session.add(item)
            session.flush()
            for pos, key in enumerate("ab"):
                session.add(Candidate(item_id=item.id, key=key, model=f"m-{key}", position=pos,
                                      output=f"answer {key} {n}"))
            for name, pref in zip(("u1", "u2", "u3"), ("a", "a", "b")):
                flags = {"a": ["unsafe"]} if n == 5 and name == "u3" else {}
                session.add(Annotation(item_id=item.id, user_id=users[name].id, preference=pref, flags=flags))
        session.commit()
    yield tmp_path
    engine.dispose()


def test_export_makes_a_version_and_copies_it(database, capsys):
    out = database / "copy"
    code = main(["export", "--project", "p", "--format", "dpo", "--flags-only-rejected", "unsafe", "--dedup", "exact",
                 "--test-fraction", "0.3", "--seed", "1", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "Version v1 of project 'p'" in printed
    assert "flagged winner: 1 removed" in printed and "gold: 1 removed" in printed
    assert "duplicate exact: 1 removed" in printed
    version = next((database / "store").glob("p-*/p-*-v1"))
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in version.iterdir())
    manifest = json.loads((version / "manifest.json").read_text())
    rows = manifest["splits"]["rows"]
    assert rows["train"] + rows["test"] == 9 and rows["test"] > 0
    train = [json.loads(x) for x in (version / "dpo_standard-train.jsonl").read_text().splitlines()]
    test = [json.loads(x) for x in (version / "dpo_standard-test.jsonl").read_text().splitlines()]
    assert not {r["prompt"] for r in train} & {r["prompt"] for r in test}
    assert "i5" not in {r["item_id"] for r in train + test}
    assert manifest["curation"]["removed"]["flagged_winner"] == 1
    assert manifest["curation"]["duplicates"] == [["i10", "i3"]]
    assert manifest["agreement"]["items"] == 9
    card = (version / "README.md").read_text()
    assert "- test split: 0.3 of the prompts (seed 1), grouped by normalised prompt and near duplicates" in card
    assert "Filter settings: flags_only_rejected=['unsafe'], dedup=exact, test_fraction=0.3, seed=1 (by" in card
    assert "Items removed by the filters, in the order applied: gold 1, flagged winner 1, duplicate exact 1" in card
    assert "Made from the command line by " in card


def test_the_same_settings_give_the_same_data_files(database, capsys):
    for _ in range(2):
        assert main(["export", "--project", "p", "--dedup", "near", "--test-fraction", "0.25"]) == 0
    first, second = (next((database / "store").glob(f"p-*/p-*-v{n}")) for n in (1, 2))
    for path in first.iterdir():
        if path.name.endswith((".jsonl", ".parquet")):
            assert path.read_bytes() == (second / path.name).read_bytes()
    capsys.readouterr()
    assert main(["export", "list", "--project", "p"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listed] == ["v2", "v1"]


def test_preview_saves_nothing(database, capsys):
    assert main(["export", "--project", "p", "--preview", "--exclude-flags", "unsafe", "--dedup", "exact"]) == 0
    printed = capsys.readouterr().out
    assert "9 rows (dpo, standard form) from 9 of the 12 items" in printed
    assert "gold: 1 removed" in printed and "flagged: 1 removed" in printed and "duplicate exact: 1" in printed
    assert not (database / "store").exists() or not list((database / "store").glob("*/*-v*"))


def test_filters_that_remove_everything_say_so(database, capsys):
    assert main(["export", "--project", "p", "--preview", "--min-confidence", "0.9"]) == 1
    err = capsys.readouterr().err  # every vote is 2-1
    assert "the filters removed every item (1 gold, 11 low confidence)" in err


def test_bad_filter_values_are_errors(database, capsys):
    assert main(["export", "--project", "p", "--test-fraction", "1.5"]) == 1
    assert "test_fraction" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["export", "--project", "p", "--imported-from", "yesterday"])
    assert usage.value.code == 2 and "not a date (YYYY-MM-DD): 'yesterday'" in capsys.readouterr().err
    assert main(["export", "list", "--project", "nope"]) == 1
    assert "nope" in capsys.readouterr().err


def test_unknown_filter_values_are_refused(database, capsys):
    assert main(["export", "--project", "p", "--exclude-flags", "usafe"]) == 1
    assert "exclude_flags: the project has no 'usafe' (it has: " in capsys.readouterr().err
    assert main(["export", "--project", "p", "--models", "m-a,m-z"]) == 1
    assert "models: the project has no 'm-z' (it has: m-a, m-b)" in capsys.readouterr().err
    assert main(["export", "--project", "p", "--batch", "99"]) == 1
    assert "batches: the project has no 99" in capsys.readouterr().err


def test_out_must_be_a_new_or_empty_folder(database, capsys):
    out = database / "busy"
    out.mkdir()
    (out / "old.jsonl").write_text("{}\n")
    assert main(["export", "--project", "p", "--out", str(out)]) == 1
    assert "is not an empty folder" in capsys.readouterr().err
    assert not (database / "store").exists()  # refused before anything was saved
