"""`feedback project ...` end to end against a SQLite file: what it prints, exit codes, errors without tracebacks."""

import json

import pytest
from sqlmodel import Session, select

from feedback.cli.main import main
from feedback.store.engine import make_engine
from feedback.store.tables import Annotation, Project, User

ITEM = {"id": "t-1", "prompt": "What is 2+2?", "candidates": [{"id": "a", "output": "4"}, {"id": "b", "output": "5"}],
        "annotations": [{"annotator": "ann1", "preference": "a", "ratings": {"a": {"helpfulness": 5}},
                         "flags": {"b": ["factual_error"]}}]}
SCHEMA = """\
preference_extra: [tie]
rubric:
  - name: helpfulness
    description: Does it answer the question?
    max: 7
    anchors: {1: useless, 7: perfect}
    required: true
flags: [factual_error]
"""


@pytest.fixture
def db(tmp_path, monkeypatch):
    """A SQLite file for the CLI, set through FEEDBACK_DATABASE_URL; run from tmp_path so no .env is read."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FEEDBACK_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    return url


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def stored(db, name="team") -> Project:
    with Session(make_engine(db)) as s:
        return s.exec(select(Project).where(Project.name == name)).one()


def imported(db, tmp_path, capsys, project="team"):
    """Import one item with ann1's answer (helpfulness 5, flag factual_error) into ``project``."""
    path = write(tmp_path, "items.jsonl", json.dumps(ITEM) + "\n")
    assert run(capsys, "import", path, "--project", project)[0] == 0


def test_create_with_a_schema_guidelines_and_restriction(db, tmp_path, capsys):
    schema = write(tmp_path, "schema.yaml", SCHEMA)
    rules = write(tmp_path, "rules.md", "# Rules\n\nPrefer correct answers.\n")
    code, out, err = run(capsys, "project", "create", "team", "--overlap", "2", "--schema", schema,
                         "--guidelines", rules, "--restricted")
    assert (code, err) == (0, "")
    assert out == "Created project 'team' (overlap 2, schema version 1, guidelines version 1, restricted)\n"
    code, out, _ = run(capsys, "project", "schema", "team", "--show")
    assert code == 0 and out.startswith("# project 'team', schema version 1\n")
    assert "max: 7" in out and "7: perfect" in out and "flags:\n- factual_error" in out


def test_create_twice_is_an_error_without_traceback(db, capsys):
    assert run(capsys, "project", "create", "team")[0] == 0
    code, out, err = run(capsys, "project", "create", "team")
    assert (code, out) == (1, "")
    assert err == "Error: A project named 'team' already exists\n"


@pytest.mark.parametrize("name, text, message", [
    ("s.yaml", "rubric:\n  - name: tone\n    max: 7\n    anchors: {9: x}\n",
     "Error: s.yaml: rubric[0].anchors: 9 is outside the scale 1-7"),
    ("s.yaml", "flgs: []\n", "Error: s.yaml: flgs: unknown field; did you mean 'flags'?"),
    ("s.yaml", "rubric: [\n  - a", "Error: s.yaml: not valid YAML (line 2, column 3)"),
    ("s.yaml", "", "Error: s.yaml: the file is empty"),
    ("s.toml", "flags = []", "Error: s.toml: a schema file ends in .yaml, .yml or .json"),
])
def test_a_bad_schema_file_is_refused_with_the_field(db, tmp_path, capsys, name, text, message):
    path = write(tmp_path, name, text)
    code, out, err = run(capsys, "project", "create", "team", "--schema", path)
    assert (code, out) == (1, "")
    assert err.startswith(message) and "Traceback" not in err
    assert run(capsys, "projects")[1].startswith("No projects yet")


def test_schema_before_and_after_annotations(db, tmp_path, capsys):
    assert run(capsys, "project", "create", "team")[0] == 0
    seven = write(tmp_path, "seven.yaml", SCHEMA.replace("flags: [factual_error]", "flags: [factual_error, rude]"))
    assert run(capsys, "project", "schema", "team", "--file", seven)[1] == \
        "Schema of 'team' replaced (version 1; there are no annotations yet)\n"
    imported(db, tmp_path, capsys)
    assert run(capsys, "project", "schema", "team", "--file", seven)[1] == "Schema of 'team' unchanged (version 1)\n"
    wider = write(tmp_path, "wider.yaml", SCHEMA.replace("max: 7", "max: 9"))
    assert run(capsys, "project", "schema", "team", "--file", wider)[1] == "Schema of 'team' is now version 2\n"
    with Session(make_engine(db)) as s:
        assert s.exec(select(Annotation.schema_version)).all() == [1]


def test_a_schema_change_that_orphans_answers_is_refused(db, tmp_path, capsys):
    imported(db, tmp_path, capsys)
    narrow = write(tmp_path, "narrow.json", json.dumps({"rubric": [{"name": "helpfulness", "max": 4}], "flags": []}))
    code, out, err = run(capsys, "project", "schema", "team", "--file", narrow)
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "Error: Schema not saved: it would orphan existing answers:",
        ("- rubric dimension 'helpfulness': 1 annotation has scores outside the new scale 1-4 "
        "(stored scores from 5 to 5); keep the scale wide enough"),
        "- flag 'factual_error' is used by 1 annotation; keep it, or migrate them first",
    ]
    assert stored(db).schema_version == 1


def test_migrate_renames_and_drops_in_stored_answers(db, tmp_path, capsys):
    imported(db, tmp_path, capsys)
    code, out, err = run(capsys, "project", "migrate", "team", "--rename-dimension", "helpfulness=usefulness",
                         "--drop-flag", "factual_error")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "Schema of 'team' is now version 2; 1 annotation rewritten",
        "  drop flag 'factual_error': 1 annotation",
        "  rename rubric dimension 'helpfulness' to 'usefulness': 1 annotation",
    ]
    with Session(make_engine(db)) as s:
        ann = s.exec(select(Annotation)).one()
        assert (ann.ratings, ann.flags, ann.schema_version) == ({"a": {"usefulness": 5}}, {}, 2)


@pytest.mark.parametrize("argv, message", [
    (["--rename-dimension", "helpfulness"], "Error: --rename-dimension: expected OLD=NEW, not 'helpfulness'\n"),
    (["--drop-flag", "nope"], ("Error: drop_flag: the project has no flag 'nope' (it has: unsafe, factual_error, "
                              "off_task)\n")),
    ([], "Error: Nothing to migrate: rename or drop a rubric dimension or a flag\n"),
])
def test_bad_migrations_print_an_error(db, tmp_path, capsys, argv, message):
    imported(db, tmp_path, capsys)
    code, out, err = run(capsys, "project", "migrate", "team", *argv)
    assert (code, out, err) == (1, "", message)
    assert stored(db).schema_version == 1


def test_guidelines_versions(db, tmp_path, capsys):
    assert run(capsys, "project", "create", "team")[0] == 0
    assert run(capsys, "project", "guidelines", "team", "--show")[1] == "Project 'team' has no guidelines yet\n"
    first = write(tmp_path, "g.md", "Prefer **correct** answers.\n")
    assert run(capsys, "project", "guidelines", "team", "--file", first)[1] == \
        "Guidelines of 'team' are now version 1\n"
    assert run(capsys, "project", "guidelines", "team", "--file", first)[1] == \
        "Guidelines of 'team' unchanged (version 1)\n"
    second = write(tmp_path, "g2.md", "Prefer **short**, correct answers.")
    assert run(capsys, "project", "guidelines", "team", "--file", second)[1] == \
        "Guidelines of 'team' are now version 2\n"
    assert run(capsys, "project", "guidelines", "team", "--show")[1] == \
        "# guidelines version 2\n\nPrefer **short**, correct answers.\n"
    code, _, err = run(capsys, "project", "guidelines", "team", "--file", str(tmp_path / "missing.md"))
    assert code == 1 and err.startswith("Error: ") and "missing.md: no such file" in err


def test_members_and_settings(db, tmp_path, capsys):
    assert run(capsys, "project", "create", "team")[0] == 0
    with Session(make_engine(db)) as s:
        s.add_all([User(name="maria"), User(name="dev")])
        s.commit()
    assert run(capsys, "project", "members", "team", "maria", "dev")[1] == \
        "Members of 'team': dev, maria; open to every annotator (members matter once it is restricted)\n"
    code, _, err = run(capsys, "project", "members", "team", "ghost")
    assert (code, err) == (1, "Error: members: unknown users: ghost (create their accounts first)\n")
    assert run(capsys, "project", "settings", "team", "--restricted", "--overlap", "2", "--gold-rate", "0.1",
               "--lease-minutes", "45")[1] == \
        ("team: overlap 2, gold rate 0.1, lease 45 minutes, restricted, schema version 1, guidelines version 0; "
         "consensus majority, review below 60%, quality threshold 50%, suggestions hidden\n")
    assert run(capsys, "project", "members", "team")[1] == \
        "Members of 'team': dev, maria; restricted: only these annotators may work on it\n"
    assert run(capsys, "project", "members", "team", "--clear")[1].startswith("Members of 'team': none")
    code, _, err = run(capsys, "project", "settings", "team", "--gold-rate", "2")
    assert (code, err) == (1, "Error: gold_rate: must be from 0 to 1 (a share of served items), not 2.0\n")
    assert stored(db).gold_rate == 0.1
    assert run(capsys, "project", "settings", "team", "--consensus", "dawid_skene", "--review-threshold", "0.8",
               "--auto-escalate", "--quality-threshold", "0.6", "--show-suggestions")[1].endswith(
        "consensus dawid_skene, review below 80% (escalating first), quality threshold 60%, suggestions shown\n")
    assert run(capsys, "project", "settings", "team", "--no-show-suggestions")[1].endswith("suggestions hidden\n")
    code, _, err = run(capsys, "project", "settings", "team", "--review-threshold", "1.5")
    assert code == 1 and err.startswith("Error: review_threshold")


def test_an_unknown_project_lists_the_known_ones(db, capsys):
    assert run(capsys, "project", "create", "team")[0] == 0
    code, out, err = run(capsys, "project", "settings", "tema")
    assert (code, out, err) == (1, "", "Error: No project named 'tema' (projects: team)\n")


def test_usage_errors_exit_2(db, capsys):
    with pytest.raises(SystemExit) as e:
        main(["project", "schema", "team"])  # needs --file or --show
    assert e.value.code == 2
