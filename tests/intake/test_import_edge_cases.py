"""Inputs that once crashed the import parser with a traceback (issue 12): each now gives a problem naming its
line and field, through ``feedback import`` and ``import_file``, and ``--skip-invalid`` keeps the good lines.
Also the candidate limit: an item the ranking question cannot order is refused at import."""

import json

import pytest
from sqlmodel import func, select

from feedback.cli.main import main
from feedback.errors import ImportRejected
from feedback.intake.importer import import_file
from feedback.projects.answers import answer_problems
from feedback.projects.schema import MAX_CANDIDATES, LabelSchema
from feedback.store.tables import Annotation, Item

GOOD = {"id": "good-1", "prompt": "What is 2+2?", "candidates": [{"id": "a", "output": "4"}, {"id": "b", "output": "5"}],
        "annotations": [{"annotator": "ann1", "preference": "a", "shown_order": ["b", "a"]}]}
GOOD_2 = {**GOOD, "id": "good-2", "prompt": "Capital of France?"}


def with_candidate_id(cand_id):
    """An item whose first candidate's id is ``cand_id``, with an annotation that gives a shown_order."""
    return {"id": "bad", "prompt": "q", "candidates": [{"id": cand_id, "output": "x"}, {"id": "b", "output": "y"}],
            "annotations": [{"annotator": "u", "preference": "b", "shown_order": ["b", "a"]}]}


def with_shown_order(shown, ids=("a", "b")):
    return {"id": "bad", "prompt": "q", "candidates": [{"id": k, "output": f"out {k}"} for k in ids],
            "annotations": [{"annotator": "u", "preference": "b", "shown_order": shown}]}


CRASHES = {  # input -> (field, words of the reason); each raised TypeError in labels.shown_order before
    "number candidate id": (with_candidate_id(5), [("candidates[0].id", "must be text, not a number")]),
    "object candidate id": (with_candidate_id({"k": 1}), [("candidates[0].id", "must be text, not an object")]),
    "list candidate id": (with_candidate_id(["a"]), [("candidates[0].id", "must be text, not a list")]),
    "list in shown_order": (with_shown_order([[], "b"], ids=("[]", "b")),
                            [("annotations[0].shown_order", "each candidate id once")]),
    "object in shown_order": (with_shown_order([{"a": 1}, "b"], ids=("{'a': 1}", "b")),
                              [("annotations[0].shown_order", "each candidate id once")]),
}


def write(tmp_path, *lines, name="items.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture
def cli_db(tmp_path, monkeypatch):
    monkeypatch.setenv("FEEDBACK_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.chdir(tmp_path)  # no stray .env file is read


@pytest.mark.parametrize("name", CRASHES)
def test_the_cli_names_the_line_and_field_instead_of_a_traceback(cli_db, tmp_path, capsys, name):
    bad, expected = CRASHES[name]
    assert main(["import", str(write(tmp_path, GOOD, bad)), "--project", "P"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "Error: 1 of 2 lines are invalid; nothing was imported"
    for field, words in expected:
        assert any(line.startswith(f"  line 2, field {field}: ") and words in line for line in err[1:]), err


@pytest.mark.parametrize("name", CRASHES)
def test_skip_invalid_imports_the_good_lines_around_it(cli_db, tmp_path, capsys, name):
    bad, [(field, _), *_] = CRASHES[name]
    path = write(tmp_path, GOOD, bad, GOOD_2)
    assert main(["import", str(path), "--project", "P", "--skip-invalid"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Imported items.jsonl into project 'P' (import batch 1): 2 new items, 2 new annotations."
    assert out[1].startswith("Created 1 annotator account for the annotators named in the file: ann1 ")
    assert out[2] == "Skipped 1 of 3 lines as invalid:"
    assert any(line.startswith(f"  line 2, field {field}: ") for line in out[3:])


@pytest.mark.parametrize("name", CRASHES)
def test_import_file_rejects_with_problems_naming_line_and_field(session, tmp_path, name):
    bad, expected = CRASHES[name]
    with pytest.raises(ImportRejected) as caught:
        import_file(session=session, user=None, project="P", path=write(tmp_path, GOOD, bad))
    found = {(p.line, p.field) for p in caught.value.problems}
    assert {(2, field) for field, _ in expected} <= found
    report = import_file(session=session, user=None, project="P", path=write(tmp_path, bad, GOOD_2, GOOD),
                         skip_invalid=True)
    assert (report.items_added, report.annotations_added, report.n_invalid) == (2, 2, 1)
    assert session.exec(select(func.count()).select_from(Item)).one() == 2
    assert sorted(session.exec(select(Annotation.shown_order)).all()) == [["b", "a"], ["b", "a"]]


@pytest.mark.parametrize(("ids", "shown"), [
    (("1", "2"), [1, 2]), (("a", "b"), ["a", "a"]), (("a", "b"), ["a"]), (("a", "b"), ["a", "b", "c"]),
    (("a", "b"), "ab"), (("True", "b"), [True, "b"]), (("a", "b"), [1.5, "a"]),
])
def test_a_shown_order_that_is_not_each_candidate_id_once_as_text_is_a_problem(session, tmp_path, ids, shown):
    path = write(tmp_path, with_shown_order(shown, ids))
    with pytest.raises(ImportRejected) as caught:
        import_file(session=session, user=None, project="P", path=path)
    assert [(p.line, p.field) for p in caught.value.problems] == [(1, "annotations[0].shown_order")]


def many(n):
    return {"id": f"n{n}", "prompt": f"rank {n}", "candidates": [{"output": f"answer {k}"} for k in range(n)]}


def test_items_with_more_candidates_than_can_be_ranked_are_refused(session, tmp_path):
    path = write(tmp_path, many(MAX_CANDIDATES), many(MAX_CANDIDATES + 1))
    with pytest.raises(ImportRejected) as caught:
        import_file(session=session, user=None, project="P", path=path)
    [problem] = caught.value.problems
    assert (problem.line, problem.field) == (2, "candidates")
    assert str(problem) == (f"line 2, field candidates: {MAX_CANDIDATES + 1} candidates; an item can have at most "
                            f"{MAX_CANDIDATES} (the most the ranking question can order)")
    report = import_file(session=session, user=None, project="P", path=path, skip_invalid=True)
    assert (report.items_added, report.n_invalid) == (1, 1)  # 16 candidates are fine


def test_a_csv_header_with_more_output_columns_than_the_limit_is_refused(session, tmp_path):
    keys = [chr(ord("a") + k) for k in range(MAX_CANDIDATES + 1)]
    path = tmp_path / "wide.csv"
    path.write_text("prompt," + ",".join(f"output_{k}" for k in keys) + "\nq," + ",".join(keys) + "\n")
    with pytest.raises(ImportRejected) as caught:
        import_file(session=session, user=None, project="P", path=path, skip_invalid=True)
    [problem] = caught.value.problems
    assert (problem.line, problem.field) == (1, f"output_{keys[-1]}")
    assert f"at most {MAX_CANDIDATES} candidates" in problem.reason


def test_the_answer_check_reads_the_same_limit():
    keys = [f"c{k}" for k in range(MAX_CANDIDATES + 1)]
    ranking = {k: n for n, k in enumerate(keys, 1)}
    assert answer_problems(LabelSchema(), keys, preference=None, ratings={}, flags={}, ranking=ranking) == [
        ("ranking", f"at most {MAX_CANDIDATES} candidates can be ranked; this item has {MAX_CANDIDATES + 1}")]
    assert answer_problems(LabelSchema(), keys[:-1], preference=None, ratings={}, flags={},
                           ranking={k: ranking[k] for k in keys[:-1]}) == []
