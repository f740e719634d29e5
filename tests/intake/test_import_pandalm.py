"""PandaLM's files import as they are: its test set (a JSON array of comparisons labelled by three annotators) and
its two automatic judges' verdicts on it, attached to the same items as suggestions.

The records below copy the shapes of PandaLM's data/testset-v1.json, gpt-3.5-turbo-testset-v1.json and
pandalm-7b-testset-v1.json (github WeOpenML/PandaLM): a boolean response, an empty one, a blank instruction with an
input, a "garbage" GPT verdict.
"""

import json

import pytest
from sqlmodel import select

from feedback.errors import ImportRejected
from feedback.intake.importer import import_file
from feedback.store.tables import Annotation, Candidate, Item, Suggestion, User

COMPARISONS = [
    {"idx": 0, "motivation_app": "Grammarly", "cmp_key": "bloom-7b_llama-7b",
     "instruction": "Rewrite the sentence to be concise.", "input": "If you have any questions, please let me know.",
     "response1": "Any questions? Let me know.", "response2": "Questions: tell me.",
     "annotator1": 1, "annotator2": 1, "annotator3": 2},
    {"idx": 157, "motivation_app": "Wikipedia", "cmp_key": "cerebras-gpt-6.7B_pythia-6.9b",
     "instruction": "Is the statement true?", "input": "",
     "response1": True, "response2": "True.", "annotator1": 0, "annotator2": 0, "annotator3": 0},
    {"idx": 466, "motivation_app": "Reddit", "cmp_key": "opt-7b_llama-7b", "instruction": " ", "input": "Truthfulness",
     "response1": "", "response2": "You have been given the gift of truthfulness.",
     "annotator1": 2, "annotator2": 2, "annotator3": 2},
]
GPT = [{"idx": 0, "gpt_result": "1", "gpt_reason": "Response 1 is concise.", "gpt_reference": "Questions? Ask."},
       {"idx": 157, "gpt_result": "garbage", "gpt_reason": "", "gpt_reference": ""},
       {"idx": 466, "gpt_result": "Tie", "gpt_reason": "Both are fine.", "gpt_reference": "Honesty."}]
PANDALM = [{"idx": 0, "pandalm_result": 2, "pandalm_reason": "Shorter.", "pandalm_reference": "Ask me."},
           {"idx": 157, "pandalm_result": 0, "pandalm_reason": "Same.", "pandalm_reference": "True."},
           {"idx": 466, "pandalm_result": 1, "pandalm_reason": "", "pandalm_reference": ""}]


def write(tmp_path, records, name):
    path = tmp_path / name
    path.write_text(json.dumps(records, indent=2), encoding="utf-8")  # pretty-printed, as PandaLM ships them
    return path


def run(session, path, **kwargs):
    return import_file(session=session, user=None, project="pandalm", path=path, **kwargs)


@pytest.fixture
def testset(session, tmp_path):
    return run(session, write(tmp_path, COMPARISONS, "testset-v1.json"))


def test_the_test_set_imports_as_it_is(session, testset):
    assert (testset.items_added, testset.annotations_added, testset.empty_outputs) == (3, 9, 1)
    items = {i.external_id: i for i in session.exec(select(Item)).all()}
    assert sorted(items) == ["pandalm-0", "pandalm-157", "pandalm-466"]
    assert items["pandalm-0"].prompt == ("Rewrite the sentence to be concise.\n\n"
                                         "If you have any questions, please let me know.")
    assert items["pandalm-157"].prompt == "Is the statement true?"  # an empty input adds nothing
    assert items["pandalm-466"].prompt == "Truthfulness"  # a blank instruction is left out
    assert items["pandalm-0"].meta == {"motivation_app": "Grammarly"}
    cands = {(c.item_id, c.key): c for c in session.exec(select(Candidate)).all()}
    first = items["pandalm-0"].id
    assert (cands[first, "a"].model, cands[first, "b"].model) == ("bloom-7b", "llama-7b")
    assert cands[items["pandalm-157"].id, "a"].output == "true"
    assert cands[items["pandalm-157"].id, "b"].model == "pythia-6.9b"
    votes = {(a.item_id, name, a.preference) for a, name in
             session.exec(select(Annotation, User.name).join(User, User.id == Annotation.user_id)).all()}
    assert (first, "pandalm-annotator1", "a") in votes and (first, "pandalm-annotator3", "b") in votes
    assert (items["pandalm-157"].id, "pandalm-annotator2", "tie") in votes


def test_the_boolean_response_is_reported_where_it_is(testset):
    lines = testset.summary_lines()
    assert "1 value imported in another form than written:" in lines
    assert "  line 2, field response1: a JSON boolean (true), imported as the text 'true'" in lines
    assert any("1 candidate output is empty" in line for line in lines)


def test_the_judges_verdicts_attach_to_the_imported_items(session, tmp_path, testset):
    path = write(tmp_path, GPT, "gpt-3.5-turbo-testset-v1.json")
    with pytest.raises(ImportRejected) as e:
        run(session, path)  # the garbage verdict rejects the file unless it is skipped
    assert [str(p) for p in e.value.problems] == [
        ("line 2, field gpt_result: 'garbage' is not a verdict: 1 (response1 is better), 2 (response2 is better) "
        "or 0 / \"Tie\" (idx 157)")]
    assert session.exec(select(Suggestion)).all() == []

    report = run(session, path, skip_invalid=True)
    assert (report.items_added, report.suggestions_added, report.n_invalid) == (0, 2, 1)
    report = run(session, write(tmp_path, PANDALM, "pandalm-7b-testset-v1.json"))
    assert report.suggestions_added == 3
    stored = {(s.agent, s.item_id): s for s in session.exec(select(Suggestion)).all()}
    ids = {i.external_id: i.id for i in session.exec(select(Item)).all()}
    assert stored["gpt-3.5-turbo", ids["pandalm-0"]].preference == "a"
    assert stored["gpt-3.5-turbo", ids["pandalm-0"]].rationale == "Response 1 is concise."
    assert stored["gpt-3.5-turbo", ids["pandalm-466"]].preference == "tie"
    assert ("gpt-3.5-turbo", ids["pandalm-157"]) not in stored
    assert [stored["pandalm-7b", ids[i]].preference for i in ("pandalm-0", "pandalm-157", "pandalm-466")] == [
        "b", "tie", "a"]
    assert stored["pandalm-7b", ids["pandalm-466"]].rationale is None

    again = run(session, write(tmp_path, PANDALM, "pandalm-7b-testset-v1.json"))
    assert again.batch_id is None and again.suggestions_existing == 3
    assert again.summary_lines() == [
        "pandalm-7b-testset-v1.json: nothing new: its 3 suggestions are already in project 'pandalm'."]


def test_verdicts_before_the_test_set_name_what_is_missing(session, tmp_path):
    with pytest.raises(ImportRejected) as e:
        run(session, write(tmp_path, PANDALM[:1], "pandalm-7b-testset-v1.json"))
    assert [str(p) for p in e.value.problems] == [
        "line 1, field idx: no item 'pandalm-0' in this project to add these labels to; import the items first"]


def test_bad_records_name_their_record_and_field(session, tmp_path):
    bad = [{**COMPARISONS[0], "annotator2": 3},
           {**COMPARISONS[1], "response2": ["a", "list"]},
           {**COMPARISONS[2], "instruction": " ", "input": ""},
           {**COMPARISONS[0], "idx": 9, "extra": 1}]
    with pytest.raises(ImportRejected) as e:
        run(session, write(tmp_path, bad, "testset.json"))
    assert [str(p) for p in e.value.problems] == [
        ("line 1, field annotator2: 3 is not a label: 0 (tie), 1 (response1 is better) or 2 (response2 is better) "
        "(idx 0)"),
        "line 2, field response2: must be text, not a list",
        "line 3, field instruction: empty text",
        ("line 4, field extra: unknown field (known fields: idx, motivation_app, cmp_key, instruction, input, "
        "response1, response2, annotator1, annotator2, annotator3) (idx 9)")]
    assert session.exec(select(Item)).all() == []


def test_model_names_that_cannot_be_told_apart_are_left_out_with_a_note(session, tmp_path):
    record = {**COMPARISONS[0], "cmp_key": "my_model_other"}
    report = run(session, write(tmp_path, [record], "testset.json"))
    assert "  line 1, field cmp_key: 'my_model_other' is not two model names joined by one underscore: imported " \
           "without model names (the key is kept in the item's metadata)" in report.summary_lines()
    assert {c.model for c in session.exec(select(Candidate)).all()} == {""}
    assert session.exec(select(Item)).one().meta["cmp_key"] == "my_model_other"


def test_format_is_told_by_content_and_can_be_given(session, tmp_path):
    path = write(tmp_path, COMPARISONS, "download")  # no suffix: the JSON array's records say what it is
    assert run(session, path).items_added == 3
    with pytest.raises(ImportRejected) as e:
        run(session, path, file_format="items")
    assert str(e.value) == "download is not JSON Lines; nothing was imported"
    lines = tmp_path / "testset.jsonl"  # PandaLM records one per line are read too
    lines.write_text("\n".join(json.dumps(r) for r in COMPARISONS) + "\n", encoding="utf-8")
    assert run(session, lines, file_format="pandalm").items_existing == 3


def test_a_json_array_of_something_else_says_what_was_expected(session, tmp_path):
    with pytest.raises(ImportRejected) as e:
        run(session, write(tmp_path, [{"question": "q", "answer": "a"}], "data.json"))
    [problem] = e.value.problems
    assert "PandaLM comparisons (idx, cmp_key, instruction, input, response1, response2, annotator1-3)" in str(problem)
    with pytest.raises(ImportRejected) as e:
        run(session, write(tmp_path, [{"question": "q"}], "data.json"), file_format="pandalm")
    assert [str(p) for p in e.value.problems] == [
        ("line 1, field question: unknown field (known fields: idx, motivation_app, cmp_key, instruction, input, "
        "response1, response2, annotator1, annotator2, annotator3)"),
        "line 1, field idx: missing (the comparison's number)"]


def test_our_own_lines_can_add_suggestions_to_stored_items(session, tmp_path, testset):
    path = tmp_path / "judged.jsonl"
    path.write_text(json.dumps({"id": "pandalm-0", "suggestions": [{"agent": "rm", "preference": "b", "score": 0.7}]})
                    + "\n" + json.dumps({"id": "pandalm-157", "suggestions": [{"agent": "rm", "preference": "c"}]})
                    + "\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as e:
        run(session, path)
    assert [str(p) for p in e.value.problems] == [
        "line 2, field suggestions[0].preference: 'c' is not one of 'a', 'b', 'tie', 'both_bad'"]
    assert run(session, path, skip_invalid=True).suggestions_added == 1
    assert session.exec(select(Suggestion.agent, Suggestion.score)).all() == [("rm", 0.7)]
