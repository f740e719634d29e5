"""Exports never hold empty text: a row that would need an agent's empty output (chosen, rejected, a KTO or SFT
completion, the output a correction fixes) is left out and counted as ``empty_output``, in every format."""

import json

import pytest
from test_export_rankings import FOUR, add_ranked

from feedback.export.build import build_export
from feedback.export.bundle import describe_excluded
from feedback.export.options import ExportOptions
from feedback.intake.importer import import_file

# item: (outputs of a and b, {annotator: answer}); every item's consensus is a.
ITEMS = {
    "chosen-empty": (["", "B1"], {"u1": {"preference": "a"}, "u2": {"preference": "a"}}),
    "rejected-empty": (["A2", " "], {"u1": {"preference": "a"}, "u2": {"preference": "a"}}),
    "fixed-empty": (["", "B3"], {"u1": {"preference": "a", "correction": "What it should have said"},
                                 "u2": {"preference": "a"}}),
    "fine": (["A4", "B4"], {"u1": {"preference": "a", "correction": "A4, better"}, "u2": {"preference": "a"}}),
}


@pytest.fixture
def project(session, tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_text("".join(json.dumps({
        "id": ext, "prompt": f"Question {ext}", "candidates": [{"output": o, "model": f"m{k}"} for k, o in
                                                                zip("ab", outputs)],
        "annotations": [{"annotator": name, **answer} for name, answer in answers.items()]}) + "\n"
        for ext, (outputs, answers) in ITEMS.items()), encoding="utf-8")
    report = import_file(session=session, user=None, project="p", path=path)
    assert (report.items_added, report.empty_outputs) == (4, 3)
    return "p"


def export(session, **options):
    return build_export(session=session, user=None, project="p", options=ExportOptions(**options))


def texts(value):
    """Every text of a row's training columns (messages' contents included)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from texts(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            if k not in ("item_id", "model", "chosen_model", "rejected_model", "annotator", "metadata", "consensus",
                         "target", "role", "tools"):
                yield from texts(v)


@pytest.mark.parametrize(("fmt", "form", "rows", "left_out"), [
    ("dpo", "standard", ["fine"], 3),            # a pair per item; each of the other three has an empty side
    ("dpo", "conversational", ["fine"], 3),
    ("rm", "standard", ["fine"], 3),
    ("openai-dpo", "standard", ["fine"], 3),
    ("kto", "standard", ["chosen-empty", "rejected-empty", "fixed-empty", "fine", "fine"], 3),  # per candidate
    ("sft", "standard", ["rejected-empty", "fixed-empty", "fine"], 1),  # a correction is a target; "" is not
    ("openai-sft", "standard", ["rejected-empty", "fixed-empty", "fine"], 1),
    ("corrections", "standard", ["fine"], 1),   # the fix of an empty output would need an empty rejected
])
def test_rows_that_would_need_an_empty_output_are_left_out_and_counted(session, project, fmt, form, rows,
                                                                        left_out):
    bundle = export(session, format=fmt, form=form)
    ids = [p["item_id"] for p in bundle.manifest["row_provenance"]] if fmt.startswith("openai") \
        else [r["item_id"] for r in bundle.rows]
    assert ids == rows
    assert bundle.excluded["empty_output"] == left_out
    assert json.loads(bundle.files["manifest.json"])["excluded"]["empty_output"] == left_out
    assert f"{left_out} with an empty output" in bundle.summary_lines()[1]
    for row in bundle.rows:
        assert all(text.strip() for text in texts(row)), row   # TRL never gets empty text


def test_the_chosen_empty_answer_gives_no_dpo_pair_even_against_a_good_rejected_one(session, project):
    bundle = export(session, format="dpo")
    assert [(r["chosen"], r["rejected"]) for r in bundle.rows] == [("A4", "B4")]
    assert describe_excluded(bundle.excluded) == "3 with an empty output"


def test_ranked_pairs_with_an_empty_answer_are_left_out(session, make_project):
    project = make_project("p")
    add_ranked(session, project, "four", FOUR, outputs={"c": ""})  # a > b > c > d; c returned nothing
    bundle = export(session, format="dpo")
    assert [(r["chosen"].strip(), r["rejected"]) for r in bundle.rows] == [
        ("answer A", "answer B"), ("answer A", "answer D"), ("answer B", "answer D")]
    assert (bundle.excluded["empty_output"], bundle.excluded["identical_outputs"]) == (3, 0)  # a-c, b-c, c-d
