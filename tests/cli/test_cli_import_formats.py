"""`feedback import` reads PandaLM's and HH-RLHF's files as they are, told from their content or by --format."""

import gzip
import json

import pytest

from feedback.cli.main import main


@pytest.fixture
def db(tmp_path, monkeypatch):
    """A SQLite file for the CLI, set through FEEDBACK_DATABASE_URL; run from tmp_path so no .env is read."""
    monkeypatch.setenv("FEEDBACK_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.chdir(tmp_path)


COMPARISON = {"idx": 3, "motivation_app": "IMDB", "cmp_key": "llama-7b_opt-7b", "instruction": "Summarize.",
              "input": "A long review.", "response1": "Good film.", "response2": False,
              "annotator1": 1, "annotator2": 1, "annotator3": 0}


def test_pandalm_files_and_their_judges_import_from_the_command_line(db, tmp_path, capsys):
    testset, judge = tmp_path / "testset-v1.json", tmp_path / "gpt-3.5-turbo-testset-v1.json"
    testset.write_text(json.dumps([COMPARISON]), encoding="utf-8")
    judge.write_text(json.dumps([{"idx": 3, "gpt_result": "garbage", "gpt_reason": "", "gpt_reference": ""}]),
                     encoding="utf-8")
    assert main(["import", str(testset), "--project", "pandalm"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Imported testset-v1.json into project 'pandalm' (import batch 1): 1 new item, 3 new annotations."
    assert "  line 1, field response2: a JSON boolean (false), imported as the text 'false'" in out

    assert main(["import", str(judge), "--project", "pandalm"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "Error: 1 of 1 lines are invalid; nothing was imported",
        ("  line 1, field gpt_result: 'garbage' is not a verdict: 1 (response1 is better), 2 (response2 is better) "
        "or 0 / \"Tie\" (idx 3)")]

    assert main(["import", str(testset), "--project", "pandalm", "--format", "hh-rlhf"]) == 1
    assert "line 1, field idx: unknown field" in capsys.readouterr().err


def test_hh_rlhf_gz_imports_from_the_command_line(db, tmp_path, capsys):
    path = tmp_path / "test.jsonl.gz"
    pair = {"chosen": "\n\nHuman: Hi\n\nAssistant: Hello!", "rejected": "\n\nHuman: Hi\n\nAssistant: Go away."}
    path.write_bytes(gzip.compress((json.dumps(pair) + "\n").encode("utf-8")))
    assert main(["import", str(path), "--project", "hh", "--format", "hh-rlhf"]) == 0
    assert capsys.readouterr().out.startswith(
        "Imported test.jsonl.gz into project 'hh' (import batch 1): 1 new item, 1 new annotation.")


def test_an_unknown_format_is_a_usage_error(db, tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["import", str(tmp_path / "x.json"), "--project", "p", "--format", "alpaca"])
    assert e.value.code == 2
    assert "invalid choice: 'alpaca'" in capsys.readouterr().err
