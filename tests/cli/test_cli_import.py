"""`feedback import`: exit codes (0 done, 1 bad input, 2 usage) and what it prints."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from feedback.cli.main import main

GOOD = {"id": "t-1", "prompt": "What is 2+2?", "candidates": [{"id": "a", "output": "4"}, {"id": "b", "output": "5"}],
        "annotations": [{"annotator": "ann1", "preference": "a"}]}


@pytest.fixture
def db(tmp_path, monkeypatch):
    """A SQLite file for the CLI, set through FEEDBACK_DATABASE_URL; run from tmp_path so no .env is read."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FEEDBACK_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    return url


def write(tmp_path, *lines, name="items.jsonl"):
    path = tmp_path / name
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines),
                    encoding="utf-8")
    return path


def test_import_prints_what_was_imported_and_a_rerun_says_nothing_new(db, tmp_path, capsys):
    path = write(tmp_path, GOOD, {**GOOD, "id": "t-2", "prompt": "Capital of France?"})
    assert main(["import", str(path), "--project", "demo"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "Imported items.jsonl into project 'demo' (import batch 1): 2 new items, 2 new annotations.",
        ("Created 1 annotator account for the annotators named in the file: ann1 (no password yet: they cannot sign "
         "in until an admin sets one).")]

    assert main(["import", str(path), "--project", "demo"]) == 0
    assert "items.jsonl: nothing new: 2 items already imported into project 'demo'" in capsys.readouterr().out

    assert main(["projects"]) == 0
    assert "demo\t2 items" in capsys.readouterr().out


def test_bad_lines_exit_1_with_each_problem_on_stderr(db, tmp_path, capsys):
    path = write(tmp_path, GOOD, '{"id": "t-2", "promt": "q", "candidates": [{"output": 7}]}', "not json")
    assert main(["import", str(path), "--project", "demo"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "Error: 2 of 3 lines are invalid; nothing was imported",
        "  line 2, field promt: unknown field; did you mean 'prompt'?",
        "  line 2: needs a 'prompt' (text) or 'messages' (a conversation)",
        "  line 2, field candidates[0].output: must be text, not a number",
        "  line 3: not valid JSON (Expecting value at column 1)",
    ]
    assert main(["projects"]) == 0  # the rejected import created no project
    assert "No projects yet" in capsys.readouterr().out


def test_skip_invalid_imports_the_rest_and_lists_what_was_skipped(db, tmp_path, capsys):
    path = write(tmp_path, GOOD, "not json")
    assert main(["import", str(path), "--project", "demo", "--skip-invalid"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Imported items.jsonl into project 'demo' (import batch 1): 1 new item, 1 new annotation.",
        ("Created 1 annotator account for the annotators named in the file: ann1 (no password yet: they cannot sign "
         "in until an admin sets one)."),
        "Skipped 1 of 2 lines as invalid:",
        "  line 2: not valid JSON (Expecting value at column 1)",
    ]


def test_csv_file(db, tmp_path, capsys):
    path = tmp_path / "pairs.csv"
    path.write_text("id,prompt,output_a,output_b\nc1,Say hi,Hi,Hello\n", encoding="utf-8")
    assert main(["import", str(path), "--project", "demo"]) == 0
    assert "1 new item" in capsys.readouterr().out


@pytest.mark.parametrize(("content", "message"), [
    (None, "Error: Cannot read "),
    ("", "Error: items.jsonl is empty: there is nothing to import"),
])
def test_missing_or_empty_file_exits_1(db, tmp_path, capsys, content, message):
    path = tmp_path / "items.jsonl"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert main(["import", str(path), "--project", "demo"]) == 1
    assert capsys.readouterr().err.startswith(message)


@pytest.mark.parametrize("argv", [["import"], ["import", "items.jsonl"], ["import", "x.jsonl", "--project"],
                                  ["import", "x.jsonl", "--project", "p", "--bogus"]])
def test_usage_errors_exit_2(db, capsys, argv):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    assert "usage: feedback" in capsys.readouterr().err


def test_the_installed_command(tmp_path):
    path = write(tmp_path, GOOD)
    command = Path(sys.executable).with_name("feedback")
    env = {**os.environ, "FEEDBACK_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    done = subprocess.run([str(command), "import", str(path), "--project", "demo"], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120, check=False)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("Imported items.jsonl into project 'demo' (import batch 1): 1 new item")
    bad = write(tmp_path, "{oops", name="bad.jsonl")
    done = subprocess.run([str(command), "import", str(bad), "--project", "demo"], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120, check=False)
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == "Error: 1 of 1 lines are invalid; nothing was imported"
