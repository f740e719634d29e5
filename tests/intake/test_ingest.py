"""Importing JSONL / CSV files: happy paths, every kind of bad line, skip_invalid, idempotent re-imports."""

import hashlib
import json
import random
import threading
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from feedback.errors import FeedbackError, ImportRejected
from feedback.intake import importer as ingest
from feedback.intake import write as ingest_write
from feedback.intake.importer import import_file
from feedback.intake.records import Problem
from feedback.people.users import add_users
from feedback.projects.projects import create_project
from feedback.projects.schema import LabelSchema
from feedback.store.tables import Annotation, Candidate, ImportBatch, Item, Project, Suggestion, User
from feedback.store.transactions import begin_write


def item(ext="t-1", prompt="What is 2+2?", outputs=("4", "5"), **extra):
    """One JSONL item with candidates a, b... (models agent-a, agent-b...)."""
    line = {"id": ext, "prompt": prompt,
            "candidates": [{"id": key, "model": f"agent-{key}", "output": text} for key, text in zip("abc", outputs)]}
    if ext is None:
        del line["id"]
    line.update(extra)
    return line


def ann(annotator="ann1", **answer):
    return {"annotator": annotator, **(answer or {"preference": "a"})}


def write(tmp_path, *lines, name="items.jsonl"):
    """Write lines (dicts as JSON, str as is, bytes as raw bytes) one per line; return the path."""
    path = tmp_path / name
    raw = b"".join((line if isinstance(line, bytes) else
                    (line if isinstance(line, str) else json.dumps(line)).encode("utf-8")) + b"\n" for line in lines)
    path.write_bytes(raw)
    return path


def run(session, path, project="p", **kwargs):
    return import_file(session=session, user=kwargs.pop("user", None), project=project, path=path, **kwargs)


def count(session, model):
    return session.exec(select(func.count()).select_from(model)).one()


def counts(session):
    return {m.__name__: count(session, m) for m in (Project, User, ImportBatch, Item, Candidate, Annotation)}


NOTHING = {"Project": 0, "User": 0, "ImportBatch": 0, "Item": 0, "Candidate": 0, "Annotation": 0}


# --- happy paths -----------------------------------------------------------------------------------------


def test_prompt_items_with_annotations_are_stored_with_their_batch(session, tmp_path):
    path = write(tmp_path,
                 item("t-1", annotations=[ann("ann1", preference="a", ratings={"a": {"helpfulness": 4}},
                                              flags={"b": ["factual_error"]}, rationale="b is wrong"),
                                          ann("ann2", preference="tie")]),
                 "",
                 item("t-2", prompt="Capital of France?", outputs=("Paris", "Lyon")))
    report = run(session, path, overlap=2)

    assert (report.project, report.n_lines, report.items_added, report.items_existing) == ("p", 2, 2, 0)
    assert (report.annotations_added, report.annotations_existing, report.problems) == (2, 0, [])
    project = session.exec(select(Project)).one()
    assert project.overlap == 2
    items = session.exec(select(Item).order_by(Item.position)).all()
    assert [(i.external_id, i.prompt, i.messages, i.position, i.batch_id) for i in items] == [
        ("t-1", "What is 2+2?", None, 0, report.batch_id), ("t-2", "Capital of France?", None, 1, report.batch_id)]
    cands = session.exec(select(Candidate).where(Candidate.item_id == items[1].id).order_by(Candidate.position)).all()
    assert [(c.key, c.model, c.version, c.output, c.position) for c in cands] == [
        ("a", "agent-a", None, "Paris", 0), ("b", "agent-b", None, "Lyon", 1)]
    anns = session.exec(select(Annotation, User.name).join(User).order_by(User.name)).all()
    first, second = anns[0][0], anns[1][0]
    assert [name for _, name in anns] == ["ann1", "ann2"]
    assert (first.preference, first.ratings, first.flags, first.rationale, first.correction) == (
        "a", {"a": {"helpfulness": 4}}, {"b": ["factual_error"]}, "b is wrong", None)
    assert (second.preference, second.ratings, second.flags) == ("tie", {}, {})
    for a in (first, second):
        assert (a.source, a.status, a.shown_order, a.batch_id, a.item_id) == (
            "import", "submitted", None, report.batch_id, items[0].id)
    batch = session.get(ImportBatch, report.batch_id)
    assert (batch.filename, batch.sha256, batch.n_lines, batch.n_items_added, batch.n_annotations_added,
            batch.n_invalid, batch.created_by) == (
        "items.jsonl", hashlib.sha256(path.read_bytes()).hexdigest(), 2, 2, 2, 0, None)
    assert report.summary_lines() == [
        f"Imported items.jsonl into project 'p' (import batch {report.batch_id}): 2 new items, 2 new annotations.",
        ("Created 2 annotator accounts for the annotators named in the file: ann1, ann2 (no password yet: they cannot "
         "sign in until an admin sets one).")]


def test_conversation_items_keep_their_messages(session, tmp_path):
    conversation = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
                    {"role": "assistant", "content": "Hello!"}, {"role": "user", "content": "Capital of France?"}]
    line = item(prompt=None, outputs=("Paris.", "Lyon."))
    del line["prompt"]
    line["messages"] = conversation
    run(session, write(tmp_path, line))
    stored = session.exec(select(Item)).one()
    assert (stored.prompt, stored.messages) == (None, conversation)


def test_tool_using_candidates_keep_their_messages(session, tmp_path):
    turns = [
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "search", "arguments": "{\"q\": \"weather\"}"}}]},
        {"role": "tool", "tool_call_id": "c1", "name": "search", "content": "Sunny, 21 C"},
        {"role": "assistant", "content": "It is sunny."},
    ]
    line = {"id": "w", "prompt": "Weather in Paris?", "candidates": [
        {"id": "tools", "model": "agent-v2", "version": "2.1", "messages": turns, "metadata": {"steps": 2}},
        {"id": "plain", "model": "agent-v1", "output": "I cannot know."}]}
    run(session, write(tmp_path, line))
    cands = session.exec(select(Candidate).order_by(Candidate.position)).all()
    assert [(c.key, c.model, c.version, c.output, c.meta) for c in cands] == [
        ("tools", "agent-v2", "2.1", None, {"steps": 2}), ("plain", "agent-v1", None, "I cannot know.", {})]
    stored = cands[0].messages
    assert stored[0] == {"role": "assistant", "content": "", "tool_calls": turns[0]["tool_calls"]}  # null -> ""
    assert stored[1:] == turns[1:]


def test_single_candidate_short_forms_are_keyed_by_that_candidate(session, tmp_path):
    line = {"id": "s", "prompt": "Write a haiku", "candidates": [{"id": "only", "output": "Old pond..."}],
            "annotations": [{"annotator": "ann1", "ratings": {"helpfulness": 4, "safety": 5}, "flags": ["off_task"]}]}
    run(session, write(tmp_path, line))
    stored = session.exec(select(Annotation)).one()
    assert stored.ratings == {"only": {"helpfulness": 4, "safety": 5}}
    assert stored.flags == {"only": ["off_task"]}
    assert stored.preference is None


def test_candidate_ids_and_models_default_by_position(session, tmp_path):
    line = {"id": "d", "prompt": "q", "candidates": [{"output": "x"}, {"output": "y"}, {"output": "z", "model": "m"}]}
    run(session, write(tmp_path, line))
    assert session.exec(select(Candidate.key, Candidate.model).order_by(Candidate.position)).all() == [
        ("a", ""), ("b", ""), ("c", "m")]


def test_metadata_is_kept_and_not_part_of_the_content_hash(session, tmp_path):
    meta = {"task": "math", "tags": ["easy"], "score": 0.5, "nested": {"k": None}}
    run(session, write(tmp_path, item("m", metadata=meta)))
    stored = session.exec(select(Item)).one()
    assert stored.meta == meta
    again = run(session, write(tmp_path, item("m", metadata={"task": "changed"}), name="again.jsonl"))
    assert (again.items_existing, again.items_added, again.problems) == (1, 0, [])
    assert session.exec(select(Item)).one().meta == meta  # existing items are left alone


def test_content_hash_is_sha256_of_canonical_json_of_input_and_candidates(session, tmp_path):
    run(session, write(tmp_path, {"prompt": "q", "candidates": [{"output": "x", "model": "m", "version": "1"}]}))
    canonical = json.dumps({"prompt": "q", "candidates": [{"id": "a", "model": "m", "version": "1", "output": "x"}]},
                           sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    stored = session.exec(select(Item)).one()
    assert stored.content_hash == digest
    assert stored.external_id == "h-" + digest[:16]


def test_numeric_item_ids_are_kept_as_text(session, tmp_path):
    run(session, write(tmp_path, item(17)))
    assert session.exec(select(Item.external_id)).one() == "17"


def test_csv_with_optional_columns_and_multiline_fields(session, tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text('id,prompt,output_a,output_b,model_a,model_b\n'
                    'c-1,"Say hi","Hi","Hello,\nworld",v1,v2\n'
                    '\n'
                    ',Second prompt,yes,no,,\n', encoding="utf-8")
    report = run(session, path)
    assert (report.items_added, report.n_lines) == (2, 2)
    items = session.exec(select(Item).order_by(Item.position)).all()
    assert items[0].external_id == "c-1" and items[1].external_id.startswith("h-")
    assert session.exec(select(Candidate.key, Candidate.model, Candidate.output).where(
        Candidate.item_id == items[0].id).order_by(Candidate.position)).all() == [
        ("a", "v1", "Hi"), ("b", "v2", "Hello,\nworld")]


def test_csv_priority_and_gold_preference_columns(session, tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text('id,prompt,output_a,output_b,priority,gold_preference\n'
                    'g-1,Known,right,wrong,5,a\n'
                    'g-2,Plain,x,y,,\n', encoding="utf-8")
    run(session, path)
    items = {i.external_id: i for i in session.exec(select(Item)).all()}
    assert (items["g-1"].priority, items["g-1"].is_gold, items["g-1"].gold_answer) == (5, True, {"preference": "a"})
    assert (items["g-2"].priority, items["g-2"].is_gold) == (0, False)


def test_csv_bad_priority_and_gold_name_their_columns(session, tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text('prompt,output_a,output_b,priority,gold_preference\n'
                    'One,x,y,high,\n'
                    'Two,x,y,1,c\n', encoding="utf-8")
    with pytest.raises(ImportRejected) as e:
        run(session, path)
    fields = [(p.line, p.field) for p in e.value.problems]
    assert fields == [(2, "priority"), (3, "gold_preference")], e.value.problems
    assert counts(session) == NOTHING


def test_csv_bad_rows_report_physical_line_numbers_and_column_names(session, tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text('prompt,output_a,output_b\n'
                    '"multi\nline\nprompt",a,b\n'
                    ' ,a,b\n'
                    'too,many,fields,here\n', encoding="utf-8")
    with pytest.raises(ImportRejected) as e:
        run(session, path)
    assert str(e.value) == "2 of 3 lines are invalid; nothing was imported"
    assert [str(p) for p in e.value.problems] == [
        "line 5, field prompt: empty text",
        "line 6: has 4 fields but the header has 3",
    ]
    assert counts(session) == NOTHING


def test_csv_header_problems_name_the_columns(session, tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text("promt,output_a,model_c\nq,a,m\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as e:
        run(session, path, skip_invalid=True)  # a bad header rejects the file even when skipping lines
    problems = [str(p) for p in e.value.problems]
    assert "line 1: unknown column 'promt'; did you mean 'prompt'?" in problems
    assert any("missing column 'prompt'" in p for p in problems)
    assert any("missing column 'output_b'" in p for p in problems)
    assert "line 1: column 'model_c' has no matching 'output_c'" in problems
    assert counts(session) == NOTHING


def test_uploads_are_recognised_by_content(session):
    csv_bytes = "\ufeffprompt,output_a,output_b\nq,x,y\n".encode()  # with the BOM Excel writes
    report = import_file(session=session, user=None, project="p", path=None, data=csv_bytes, filename="export")
    assert report.items_added == 1
    jsonl = json.dumps(item("j")).encode()
    report = import_file(session=session, user=None, project="p", path=None, data=jsonl, filename="blob.txt")
    assert report.items_added == 1
    batches = session.exec(select(ImportBatch.filename).order_by(ImportBatch.id)).all()
    assert batches == ["export", "blob.txt"]


def test_acting_user_is_recorded_and_existing_project_keeps_its_settings(session, tmp_path, make_user):
    admin = make_user("admin", role="admin")
    create_project(session=session, name="p", overlap=5)
    report = run(session, write(tmp_path, item()), user=admin, overlap=1)
    assert session.get(ImportBatch, report.batch_id).created_by == admin.id
    assert session.exec(select(Project)).one().overlap == 5


def test_positions_continue_and_ids_do_not_clash_across_projects(session, tmp_path):
    run(session, write(tmp_path, item("a1"), item("a2", prompt="other")), project="one")
    run(session, write(tmp_path, item("b1"), name="b.jsonl"), project="two")
    report = run(session, write(tmp_path, item("a3", prompt="third"), name="c.jsonl"), project="one")
    rows = session.exec(select(Item.external_id, Item.position, Project.name).join(Project).order_by(Item.id)).all()
    assert rows == [("a1", 0, "one"), ("a2", 1, "one"), ("b1", 0, "two"), ("a3", 2, "one")]
    third = session.exec(select(Item).where(Item.external_id == "a3")).one()
    assert session.exec(select(Candidate.output).where(Candidate.item_id == third.id)).all() == ["4", "5"]
    assert third.batch_id == report.batch_id


def test_batches_larger_than_one_chunk(session, tmp_path, monkeypatch):
    monkeypatch.setattr(ingest, "CHUNK", 3)
    monkeypatch.setattr(ingest_write, "INSERT_CHUNK", 4)
    lines = [item(f"t-{n}", prompt=f"q{n}", annotations=[ann("ann1"), ann(f"u{n % 5}")]) for n in range(40)]
    report = run(session, write(tmp_path, *lines), chunk_size=7)
    assert (report.items_added, report.annotations_added) == (40, 80)
    assert counts(session)["Candidate"] == 80
    rows = session.exec(select(Item.external_id, Item.position, func.count(Candidate.id)).join(Candidate)
                        .group_by(Item.id).order_by(Item.position)).all()
    assert rows == [(f"t-{n}", n, 2) for n in range(40)]
    again = run(session, write(tmp_path, *lines))
    assert (again.batch_id, again.items_existing, again.annotations_existing) == (None, 40, 80)


def test_hostile_text_is_stored_verbatim(session, tmp_path):
    texts = [
        "<script>alert('x')</script><img src=x onerror=alert(1)>",
        "emoji 👩🏽‍💻🚀 and RTL \u202eevil\u202c and zero\u200bwidth",
        "line\u2028separator\u2029and\ttab\x01control",
        "x" * 2_000_000,
        "'; DROP TABLE item; --",
        "```python\nprint('markdown')\n```",
    ]
    lines = [item(f"h{n}", prompt=text, outputs=(text, "plain")) for n, text in enumerate(texts)]
    path = tmp_path / "hostile.jsonl"
    path.write_text("\n".join(json.dumps(line, ensure_ascii=n % 2 == 0) for n, line in enumerate(lines)) + "\n",
                    encoding="utf-8")
    report = run(session, path)
    assert report.items_added == len(texts)
    for n, text in enumerate(texts):
        stored = session.exec(select(Item).where(Item.external_id == f"h{n}")).one()
        assert stored.prompt == text
        assert session.exec(select(Candidate.output).where(Candidate.item_id == stored.id,
                                                           Candidate.key == "a")).one() == text


# --- bad lines -------------------------------------------------------------------------------------------

BAD_LINES = [
    ('{"id": "x", "prompt": "q" "candidates": []}', "line 3: not valid JSON (Expecting ',' delimiter at column 27)"),
    ('{"id": "x", "prompt": NaN}', "line 3: not valid JSON (NaN is not allowed in JSON)"),
    ('["q", "a", "b"]', "line 3: not a JSON object (got a list); a file of items has one JSON object per line (JSONL)"),
    ('"just text"', "line 3: not a JSON object (got text)"),
    (item("x", promt="typo"), "line 3, field promt: unknown field; did you mean 'prompt'?"),
    (item("x", candidate=[]), "line 3, field candidate: unknown field; did you mean 'candidates'?"),
    (item("x", messages=[{"role": "user", "content": "hi"}]), "line 3: has both 'prompt' and 'messages'; give exactly one"),
    ({"id": "x", "candidates": [{"output": "a"}]}, "line 3: needs a 'prompt' (text) or 'messages' (a conversation)"),
    (item("x", prompt="  \n\t"), "line 3, field prompt: empty text"),
    (item("x", prompt=42), "line 3, field prompt: must be text, not a number"),
    ({"id": "x", "messages": [], "candidates": [{"output": "a"}]},
     "line 3, field messages: empty list; give at least one message"),
    ({"id": "x", "messages": "hi", "candidates": [{"output": "a"}]},
     "line 3, field messages: must be a list of {role, content} messages, not text"),
    ({"id": "x", "messages": ["hi"], "candidates": [{"output": "a"}]},
     "line 3, field messages[0]: must be an object with role and content, not text"),
    ({"id": "x", "messages": [{"role": "robot", "content": "hi"}], "candidates": [{"output": "a"}]},
     "line 3, field messages[0].role: 'robot' is not one of 'system', 'user', 'assistant', 'tool'"),
    ({"id": "x", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": ""}],
      "candidates": [{"output": "a"}]}, "line 3, field messages[1].content: empty text"),
    ({"id": "x", "messages": [{"role": "user"}], "candidates": [{"output": "a"}]},
     "line 3, field messages[0].content: missing content"),
    ({"id": "x", "messages": [{"role": "user", "content": "hi", "contnet": "x"}], "candidates": [{"output": "a"}]},
     "line 3, field messages[0].contnet: unknown field; did you mean 'content'?"),
    ({"id": "x", "prompt": "q"}, "line 3, field candidates: missing; an item needs at least one candidate output"),
    ({"id": "x", "prompt": "q", "candidates": []},
     "line 3, field candidates: empty list; an item needs at least one candidate output"),
    ({"id": "x", "prompt": "q", "candidates": {"a": "x"}},
     "line 3, field candidates: must be a list of candidates, not an object"),
    ({"id": "x", "prompt": "q", "candidates": [{"output": "a"}, {"model": "m"}]},
     "line 3, field candidates[1]: needs an 'output' (text) or 'messages' (the agent's turns)"),
    ({"id": "x", "prompt": "q", "candidates": [{"output": "a", "messages": [{"role": "assistant", "content": "a"}]}]},
     "line 3, field candidates[0]: has both 'output' and 'messages'; give exactly one"),
    ({"id": "x", "prompt": "q", "candidates": [{"output": "fine"}, {"messages": [
        {"role": "assistant", "content": "hi"}, {"role": "assistant", "content": " "}]}]},
     "line 3, field candidates[1].messages[1].content: empty text"),  # only a lone empty answer is "no output"
    ({"id": "x", "prompt": "q", "candidates": [{"output": "fine"}, {"output": None}]},
     "line 3, field candidates[1]: needs an 'output' (text) or 'messages' (the agent's turns)"),
    ({"id": "x", "prompt": "q", "candidates": [{"messages": [{"role": "assistant", "content": None}]}]},
     "line 3, field candidates[0].messages[0].content: missing content"),
    (item("x", outputs=("fine", 7)), "line 3, field candidates[1].output: must be text, not a number"),
    (item("x", outputs=("fine", ["a"])), "line 3, field candidates[1].output: must be text, not a list"),
    ({"id": "x", "prompt": "q", "candidates": [{"id": "a", "output": "1"}, {"id": "a", "output": "2"}]},
     "line 3, field candidates[1].id: duplicate candidate id 'a' (also candidates[0])"),
    ({"id": "x", "prompt": "q", "candidates": [{"id": "tie", "output": "1"}]},
     "line 3, field candidates[0].id: 'tie' is reserved for preferences; use another candidate id"),
    ({"id": "x", "prompt": "q", "candidates": [{"outptu": "1"}]},
     ["line 3, field candidates[0].outptu: unknown field; did you mean 'output'?",
      "line 3, field candidates[0]: needs an 'output' (text) or 'messages' (the agent's turns)"]),
    ({"id": "x", "prompt": "q", "candidates": [{"messages": [{"role": "user", "content": "hi"}]}]},
     "line 3, field candidates[0].messages[0].role: 'user' is not one of 'assistant', 'tool'"),
    (item("x", metadata=["a"]), "line 3, field metadata: must be an object, not a list"),
    (item("x", annotations={"annotator": "ann1"}), "line 3, field annotations: must be a list of annotations, not an object"),
    (item("x", annotations=[{"preference": "a"}]), "line 3, field annotations[0].annotator: missing annotator name"),
    (item("x", annotations=[ann("  ")]), "line 3, field annotations[0].annotator: empty text"),
    (item("x", annotations=[ann("ann1"), ann("ann1", preference="b")]),
     "line 3, field annotations[1].annotator: 'ann1' already annotated this item (annotations[0])"),
    (item("x", annotations=[ann(preference="c")]),
     "line 3, field annotations[0].preference: 'c' is not one of 'a', 'b', 'tie', 'both_bad'"),
    (item("x", annotations=[ann(ratings={"a": {"helpfulness": 9}})]),
     "line 3, field annotations[0].ratings.a.helpfulness: 9 is not a whole number from 1 to 5"),
    (item("x", annotations=[ann(ratings={"a": {"fun": 3}})]),
     ("line 3, field annotations[0].ratings.a.fun: unknown rubric dimension "
      "(the project has: helpfulness, correctness, safety)")),
    (item("x", annotations=[ann(ratings={"z": {"helpfulness": 3}})]),
     "line 3, field annotations[0].ratings.z: no candidate with id 'z'"),
    (item("x", annotations=[ann(flags={"b": ["rude"]})]),
     "line 3, field annotations[0].flags.b: unknown flag 'rude' (the project has: unsafe, factual_error, off_task)"),
    (item("x", annotations=[ann(preferance="a")]),
     ["line 3, field annotations[0].preferance: unknown field; did you mean 'preference'?",
      ("line 3, field annotations[0]: answers nothing; give a preference, a ranking, thumbs, ratings, flags, a correction "
     "or a rationale")]),
    (item("x", annotations=[{"annotator": "ann1", "ratings": {}, "flags": {"a": []}, "rationale": " "}]),
     ("line 3, field annotations[0]: answers nothing; give a preference, a ranking, thumbs, ratings, flags, a correction "
     "or a rationale")),
    ('{"id": "x", "prompt": "q", "candidates": [{"output": "a\\u0000b"}]}',
     "line 3, field candidates[0].output: the text contains a NUL character (\\u0000), which databases cannot store"),
    ('{"id": "x", "prompt": "q\\ud800", "candidates": [{"output": "a"}]}',
     "line 3, field prompt: the text contains an unpaired surrogate (\\ud800), which is not valid Unicode"),
    (item("x", metadata={"deep": json.loads("[" * 70 + "]" * 70)}), "line 3: nested more than 64 levels deep"),
    (item(""), "line 3, field id: empty text"),
    (item({"a": 1}), "line 3, field id: must be text, not an object"),
    (item("x" * 201), "line 3, field id: longer than 200 characters"),
    (item("t-1", prompt="other"), "line 3, field id: duplicate item id 't-1' (first on line 1)"),
    (item("t-9", prompt="first"), "line 3: same prompt and candidates as line 1"),
    (b'{"id": "x", "prompt": "caf\xe9", "candidates": [{"output": "a"}]}',
     "line 3: not valid UTF-8 (byte 0xe9 at column 27); save the file as UTF-8"),
]


def _case_id(expected):
    return (expected if isinstance(expected, str) else expected[0]).split(": ", 1)[1][:60]


@pytest.mark.parametrize(("bad", "expected"), BAD_LINES, ids=[_case_id(e) for _, e in BAD_LINES])
def test_each_kind_of_bad_line_is_reported_with_line_and_field_and_nothing_is_written(session, tmp_path, bad,
                                                                                       expected):
    path = write(tmp_path, item("t-1", prompt="first"), "   ", bad, item("t-2", prompt="fine"))
    with pytest.raises(ImportRejected) as e:
        run(session, path)
    assert str(e.value) == "1 of 3 lines are invalid; nothing was imported"
    assert [str(p) for p in e.value.problems] == ([expected] if isinstance(expected, str) else expected)
    assert all(p.line == 3 for p in e.value.problems)
    assert counts(session) == NOTHING


def test_every_problem_of_every_line_is_listed_in_line_order(session, tmp_path):
    path = write(tmp_path, {"id": "a", "promt": "q", "candidates": [{"output": 7}]}, item("ok"),
                 item("b", annotations=[ann(preference="zzz"), {"preference": "a"}]))
    with pytest.raises(ImportRejected) as e:
        run(session, path)
    assert str(e.value) == "2 of 3 lines are invalid; nothing was imported"
    assert [str(p) for p in e.value.problems] == [
        "line 1, field promt: unknown field; did you mean 'prompt'?",
        "line 1: needs a 'prompt' (text) or 'messages' (a conversation)",
        "line 1, field candidates[0].output: must be text, not a number",
        "line 3, field annotations[1].annotator: missing annotator name",
    ]  # line 3's preference is checked against the project only once the line's structure is sound
    assert e.value.problems[0] == Problem(1, "promt", "unknown field; did you mean 'prompt'?")


def test_answers_are_checked_against_the_projects_own_questions(session, tmp_path):
    create_project(session=session, name="strict", schema=LabelSchema(correction=False, flags=["rude"]))
    path = write(tmp_path, item(annotations=[ann(correction="better", flags={"a": ["rude"]})]),
                 item("t-2", prompt="q2", annotations=[ann(flags={"a": ["unsafe"]})]))
    with pytest.raises(ImportRejected) as e:
        run(session, path, project="strict")
    assert [str(p) for p in e.value.problems] == [
        "line 1, field annotations[0].correction: this project does not ask for a correction",
        "line 2, field annotations[0].flags.a: unknown flag 'unsafe' (the project has: rude)",
    ]


@pytest.mark.parametrize("content", [b"", b"\n  \n\r\n"])
def test_an_empty_file_is_rejected(session, tmp_path, content):
    path = tmp_path / "empty.jsonl"
    path.write_bytes(content)
    with pytest.raises(ImportRejected, match="empty.jsonl is empty: there is nothing to import"):
        run(session, path, skip_invalid=True)
    assert counts(session) == NOTHING


def test_a_csv_that_is_not_utf8_is_rejected_saying_where(session, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("prompt,output_a,output_b\nok,a,b\ncafé,a,b\n".encode("latin-1"))
    with pytest.raises(ImportRejected) as e:
        run(session, path, skip_invalid=True)
    assert [str(p) for p in e.value.problems] == [
        "line 3: not valid UTF-8 (byte 0xe9 at column 4); save the file as UTF-8"]


def test_a_missing_file_is_a_clear_error(session, tmp_path):
    with pytest.raises(FeedbackError, match="Cannot read .*nope.jsonl: No such file or directory"):
        run(session, tmp_path / "nope.jsonl")


def test_fuzzed_lines_never_raise_anything_but_feedback_errors(session, tmp_path):
    """Random damage to valid lines: every outcome is an import or a reported problem, never a traceback."""
    rng = random.Random(20240601)
    base = json.dumps(item("f", annotations=[ann(ratings={"a": {"helpfulness": 3}}, flags={"b": ["unsafe"]})],
                           metadata={"k": [1, {"x": "y"}]}))
    junk = [None, True, 0, -1, 1e308, "", " ", "\u0000", [], {}, [[]], {"": None}, "a" * 300, [{"role": None}]]
    lines = []
    for n in range(400):
        how = n % 4
        if how == 0:  # truncate or splice characters
            cut = rng.randrange(len(base))
            lines.append(base[:cut] + rng.choice(["", "}", "\"", "\\", "\\u12", "]", ",", "\\ud800", "\\u0000"]) + base[cut + 1:])
        elif how == 1:  # replace a random value somewhere in the structure
            obj = json.loads(base)
            node, parent, key = obj, None, None
            for _ in range(rng.randint(1, 4)):
                keys = list(node) if isinstance(node, dict) else list(range(len(node)))
                if not keys:
                    break
                parent, key = node, rng.choice(keys)
                if not isinstance(node[key], (dict, list)) or rng.random() < 0.3:
                    break
                node = node[key]
            if parent is not None:
                parent[key] = rng.choice(junk)
            lines.append(json.dumps(obj))
        elif how == 2:  # random bytes
            lines.append(bytes(rng.randrange(256) for _ in range(rng.randint(1, 40))).replace(b"\n", b" "))
        else:  # a random JSON value
            lines.append(json.dumps(rng.choice(junk)))
    for n, line in enumerate(lines):
        path = write(tmp_path, line, name=f"fuzz{n}.jsonl")
        for skip in (False, True):
            try:
                messages = run(session, path, project=f"fuzz{n}", skip_invalid=skip).summary_lines()
            except ImportRejected as e:
                messages = [str(e), *map(str, e.problems)]
            for message in messages:  # printable on any terminal, whatever the line held
                assert message.encode("utf-8").isascii() or message.isprintable()
    with pytest.raises(ImportRejected) as e:  # and all of them together
        run(session, write(tmp_path, *lines, name="all.jsonl"), project="all")
    assert len({p.line for p in e.value.problems}) >= 390


# --- skip_invalid ----------------------------------------------------------------------------------------


def test_skip_invalid_imports_the_good_lines_and_lists_the_bad_ones(session, tmp_path):
    path = write(tmp_path, item("t-1"), "{oops", item("t-2", prompt="q2", outputs=("x", 7)), item("t-3", prompt="q3"))
    report = run(session, path, skip_invalid=True)
    assert (report.n_lines, report.items_added, report.n_invalid) == (4, 2, 2)
    assert session.exec(select(Item.external_id).order_by(Item.position)).all() == ["t-1", "t-3"]
    assert session.get(ImportBatch, report.batch_id).n_invalid == 2
    assert report.summary_lines()[1:] == [
        "Skipped 2 of 4 lines as invalid:",
        "  line 2: not valid JSON (Expecting property name enclosed in double quotes at column 2)",
        "  line 3, field candidates[1].output: must be text, not a number",
    ]


def test_skip_invalid_with_only_bad_lines_writes_nothing(session, tmp_path):
    report = run(session, write(tmp_path, "{oops", "[]"), skip_invalid=True)
    assert (report.batch_id, report.items_added, report.n_invalid) == (None, 0, 2)
    assert report.summary_lines()[0] == "Nothing imported from items.jsonl into project 'p'."
    assert counts(session) == NOTHING


# --- re-imports ------------------------------------------------------------------------------------------


def test_importing_the_same_file_twice_is_a_no_op_that_says_so(session, tmp_path):
    path = write(tmp_path, item("t-1", annotations=[ann()]), item(None, prompt="no id"))
    first = run(session, path)
    before = counts(session)
    second = run(session, path)
    assert (second.batch_id, second.items_added, second.items_existing) == (None, 0, 2)
    assert (second.annotations_added, second.annotations_existing) == (0, 1)
    assert second.summary_lines() == [
        "items.jsonl: nothing new: 2 items already imported into project 'p' (1 annotation already present)."]
    assert counts(session) == before
    assert before["ImportBatch"] == 1 and first.batch_id is not None


def test_reimport_adds_only_new_items_and_continues_positions(session, tmp_path):
    run(session, write(tmp_path, item("t-1"), item("t-2", prompt="q2")))
    report = run(session, write(tmp_path, item("t-2", prompt="q2"), item("t-3", prompt="q3"), name="more.jsonl"))
    assert (report.items_added, report.items_existing) == (1, 1)
    assert session.exec(select(Item.external_id, Item.position).order_by(Item.position)).all() == [
        ("t-1", 0), ("t-2", 1), ("t-3", 2)]
    assert report.summary_lines()[1] == "Already imported, left unchanged: 1 item, 0 annotations."


def test_item_without_id_matches_stored_content(session, tmp_path):
    run(session, write(tmp_path, item("t-1")))
    report = run(session, write(tmp_path, item(None), name="noid.jsonl"))
    assert (report.items_added, report.items_existing, report.problems) == (0, 1, [])


def test_new_annotations_on_existing_items_are_added(session, tmp_path):
    first = run(session, write(tmp_path, item("t-1", annotations=[ann("ann1", preference="a")])))
    report = run(session, write(tmp_path, item("t-1", annotations=[
        ann("ann1", preference="b"), ann("ann2", preference="tie"), ann("ann3", preference="b")]), name="more.jsonl"))
    assert (report.items_added, report.items_existing) == (0, 1)
    assert (report.annotations_added, report.annotations_existing) == (2, 1)
    rows = session.exec(select(User.name, Annotation.preference, Annotation.batch_id).join(User)
                        .order_by(User.name)).all()
    assert rows == [("ann1", "a", first.batch_id), ("ann2", "tie", report.batch_id), ("ann3", "b", report.batch_id)]
    batch = session.get(ImportBatch, report.batch_id)
    assert (batch.n_items_added, batch.n_items_existing, batch.n_annotations_added) == (0, 1, 2)


def test_same_id_with_different_content_is_rejected(session, tmp_path):
    run(session, write(tmp_path, item("t-17")))
    path = write(tmp_path, item("t-5", prompt="new"), item("t-17", outputs=("4", "changed")), name="changed.jsonl")
    with pytest.raises(ImportRejected) as e:
        run(session, path)
    assert [str(p) for p in e.value.problems] == [
        "line 2, field id: id 't-17' was already imported with different content"]
    assert count(session, Item) == 1 and count(session, ImportBatch) == 1
    report = run(session, path, skip_invalid=True)
    assert (report.items_added, report.n_invalid) == (1, 1)


def test_new_id_with_the_content_of_a_stored_item_is_rejected(session, tmp_path):
    run(session, write(tmp_path, item("t-1")))
    with pytest.raises(ImportRejected) as e:
        run(session, write(tmp_path, item("copy"), name="copy.jsonl"))
    assert [str(p) for p in e.value.problems] == [
        "line 1, field id: same prompt and candidates as item 't-1', already in the project"]


def test_rejection_leaves_the_session_usable(session, tmp_path):
    with pytest.raises(ImportRejected):
        run(session, write(tmp_path, "{oops"))
    assert not session.in_transaction()
    assert run(session, write(tmp_path, item(), name="ok.jsonl")).items_added == 1


# --- odds and ends ---------------------------------------------------------------------------------------


def test_windows_line_endings_and_a_missing_final_newline(session, tmp_path):
    path = tmp_path / "crlf.jsonl"
    path.write_bytes(b"\r\n".join(json.dumps(item(f"t-{n}", prompt=f"q{n}")).encode() for n in range(3)))
    assert run(session, path).items_added == 3


def test_no_file_and_no_bytes_is_a_clear_error(session):
    with pytest.raises(FeedbackError, match="Give a file to import"):
        import_file(session=session, user=None, project="p", path=None)


def test_the_demo_data_set_imports_cleanly(session):
    demo = Path(__file__).resolve().parents[2] / "data" / "demo.jsonl"
    if not demo.exists():
        pytest.skip("no demo data set in this checkout")
    report = run(session, demo, project="demo")
    assert report.problems == [] and report.items_added > 0


def test_an_import_waits_for_a_concurrent_writer_and_both_succeed(file_engine, tmp_path):
    """The import's BEGIN IMMEDIATE queues behind another write transaction instead of failing."""
    path = write(tmp_path, *[item(f"t-{n}", prompt=f"q{n}", annotations=[ann(f"u{n}")]) for n in range(50)])
    with Session(file_engine) as other:
        begin_write(other)
        add_users(other, {"early"})
        results = []
        worker = threading.Thread(target=lambda: results.append(_import_in_new_session(file_engine, path)))
        worker.start()
        worker.join(0.5)
        assert worker.is_alive()  # blocked on the write lock
        other.commit()
    worker.join(30)
    assert results and results[0].items_added == 50
    with Session(file_engine) as check:
        assert count(check, Item) == 50 and count(check, User) == 51


def _import_in_new_session(engine, path):
    with Session(engine) as session:
        return run(session, path)


@pytest.mark.parametrize("text", ['[\n  {"id": "a", "prompt": "q", "candidates": [{"output": "x"}]}\n]\n',
                                  '{\n  "id": "a",\n  "prompt": "q"\n}\n'])
def test_a_json_document_instead_of_jsonl_is_one_clear_problem(session, tmp_path, text):
    path = tmp_path / "items.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ImportRejected) as e:
        run(session, path, skip_invalid=True)
    assert str(e.value) == "items.json is not JSON Lines; nothing was imported"
    [problem] = [str(p) for p in e.value.problems]
    assert problem.startswith("line 1: this looks like one JSON document; write one JSON object per line (JSONL)")
    if text.startswith("["):  # a JSON array is read when it holds another tool's records: say which
        assert problem.endswith(", or give a JSON array of PandaLM comparisons (idx, cmp_key, instruction, input, "
                                "response1, response2, annotator1-3) or judges' verdicts (idx, gpt_result or "
                                "pandalm_result)")


def test_a_byte_order_mark_and_a_blank_preference_are_accepted(session, tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbf", item("t-1", annotations=[ann(preference="", ratings={"a": {"safety": 5}})]))
    report = run(session, path)
    assert (report.items_added, report.annotations_added) == (1, 1)
    assert session.exec(select(Annotation.preference, Annotation.ratings)).one() == (None, {"a": {"safety": 5}})


def test_bulk_rows_read_back_like_orm_rows(session, tmp_path):
    """The bulk writer covers every column but the id (the database gives it) and stores values the way the ORM
    does (SQL NULL for no messages, UTC times)."""
    for model, columns in ((Item, ingest_write.ITEM_COLUMNS), (Candidate, ingest_write.CANDIDATE_COLUMNS),
                           (Annotation, ingest_write.ANNOTATION_COLUMNS)):
        assert sorted(["id", *columns]) == sorted(model.__table__.c.keys()), model.__name__
    run(session, write(tmp_path, item("t-1", annotations=[ann()])))
    orm = Candidate(item_id=session.exec(select(Item.id)).one(), key="z", output="by the ORM")
    session.add(orm)
    session.commit()
    raw = session.connection().exec_driver_sql("SELECT key, messages, meta FROM candidate ORDER BY id").all()
    assert [tuple(r) for r in raw] == [("a", None, "{}"), ("b", None, "{}"), ("z", None, "{}")]
    stored = session.exec(select(Item)).one()
    assert stored.created_at.tzinfo is not None
    annotation = session.exec(select(Annotation)).one()
    assert annotation.created_at == annotation.updated_at == stored.created_at


# --- priority and gold ----------------------------------------------------------------------------------


def test_priority_and_gold_are_stored_and_used_by_the_queue(session, tmp_path, make_user):
    from feedback.labeling.queue import serve

    path = write(tmp_path, item("low"), item("high", prompt="urgent", priority=5),
                 item("known", prompt="gold", gold={"preference": "b"},
                      annotations=[ann("maria", preference="b"), ann("alex", preference="a")]))
    run(session, path)
    stored = {i.external_id: i for i in session.exec(select(Item)).all()}
    assert {k: (i.priority, i.is_gold, i.gold_answer) for k, i in stored.items()} == {
        "low": (0, False, None), "high": (5, False, None), "known": (0, True, {"preference": "b"})}
    verdicts = dict(session.exec(select(User.name, Annotation.gold_correct).join(Annotation)).all())
    assert verdicts == {"maria": True, "alex": False}
    project = session.exec(select(Project)).one()
    assert serve(session=session, user=make_user("sam"), project=project).external_id == "high"


def test_annotations_added_later_to_a_gold_item_get_their_verdict(session, tmp_path):
    run(session, write(tmp_path, item("known", gold={"preference": "a"})))
    run(session, write(tmp_path, item("known", gold={"preference": "a"}, annotations=[ann("sam", preference="a")]),
                       name="more.jsonl"))
    assert session.exec(select(Annotation.gold_correct)).one() is True


def test_a_ranking_gold_answer_on_a_ranked_item(session, tmp_path):
    path = write(tmp_path, item("three", outputs=("x", "y", "z"), gold={"ranking": {"a": 2, "b": 1, "c": 3}}))
    run(session, path)
    assert session.exec(select(Item.gold_answer)).one() == {"ranking": {"a": 2, "b": 1, "c": 3}}


GOLD_SHAPE = 'line 2, field gold: must be the known answer, e.g. {"preference": "a"} or {"ranking": {"a": 1, ...}}, '


@pytest.mark.parametrize(("extra", "expected"), [
    ({"priority": "high"}, "line 2, field priority: must be a whole number (higher is served first), not text"),
    ({"priority": True}, "line 2, field priority: must be a whole number (higher is served first), not a boolean"),
    ({"priority": 1.5}, "line 2, field priority: must be a whole number (higher is served first), not 1.5"),
    ({"priority": 10**12}, "line 2, field priority: 1000000000000 is outside -1,000,000,000 to 1,000,000,000"),
    ({"gold": "a"}, GOLD_SHAPE + "not text"),
    ({"gold": {}}, GOLD_SHAPE + "not an empty object"),
    ({"gold": {"preference": "c"}}, "line 2, field gold.preference: 'c' is not one of 'a', 'b', 'tie', 'both_bad'"),
    ({"gold": {"answer": "a"}}, "line 2, field gold.answer: unknown field (known fields: preference, ranking)"),
    ({"gold": {"ranking": {"a": 1, "b": 2}}},
     "line 2, field gold.ranking: only items with 3 or more candidates are ranked; this one has 2"),
])
def test_bad_priority_and_gold_are_reported_with_line_and_field(session, tmp_path, extra, expected):
    path = write(tmp_path, item("fine"), item("bad", prompt="other", **extra))
    with pytest.raises(ImportRejected) as e:
        run(session, path)
    assert [str(p) for p in e.value.problems] == [expected]
    assert counts(session) == NOTHING


def test_a_reimport_leaves_priority_and_gold_of_stored_items_alone(session, tmp_path):
    run(session, write(tmp_path, item("t-1", priority=3)))
    report = run(session, write(tmp_path, item("t-1", priority=9, gold={"preference": "a"}), name="again.jsonl"))
    assert (report.items_added, report.items_existing) == (0, 1)
    stored = session.exec(select(Item)).one()
    assert (stored.priority, stored.is_gold, stored.gold_answer) == (3, False, None)


# --- suggestions (automatic judges' verdicts) -----------------------------------------------------------


def sug(agent="gpt-judge", **verdict):
    return {"agent": agent, **(verdict or {"preference": "a"})}


def suggestions(session):
    return session.exec(select(Suggestion.agent, Item.external_id, Suggestion.preference, Suggestion.score,
                               Suggestion.rationale, Suggestion.ratings, Suggestion.flags, Suggestion.batch_id)
                        .join(Item).order_by(Item.external_id, Suggestion.agent)).all()


def test_suggestions_are_stored_with_agent_score_and_batch(session, tmp_path):
    path = write(tmp_path,
                 item("t-1", suggestions=[
                     sug("gpt-judge", preference="a", score=0.82, rationale="A answers it",
                         ratings={"a": {"helpfulness": 5}}, flags={"b": ["factual_error", "factual_error"]}),
                     sug("reward-model", preference="b", score=-1)]),
                 item("t-2", prompt="q2", suggestions=[sug("gpt-judge", preference="tie", rationale="")]))
    report = run(session, path)
    assert (report.items_added, report.annotations_added, report.suggestions_added) == (2, 0, 3)
    assert suggestions(session) == [
        ("gpt-judge", "t-1", "a", 0.82, "A answers it", {"a": {"helpfulness": 5}}, {"b": ["factual_error"]},
         report.batch_id),
        ("reward-model", "t-1", "b", -1.0, None, {}, {}, report.batch_id),
        ("gpt-judge", "t-2", "tie", None, None, {}, {}, report.batch_id)]
    assert count(session, Annotation) == 0 and count(session, User) == 0  # agents are not annotators
    assert report.summary_lines() == [(f"Imported items.jsonl into project 'p' (import batch {report.batch_id}): "
                                      "2 new items, 0 new annotations, 3 new suggestions.")]


def test_new_suggestions_on_a_stored_item_are_added_and_a_known_agent_is_a_no_op(session, tmp_path):
    first = run(session, write(tmp_path, item("t-1", suggestions=[sug("gpt-judge", preference="a")])))
    again = run(session, write(tmp_path, item("t-1", suggestions=[sug("gpt-judge", preference="b")]), name="again.jsonl"))
    assert (again.batch_id, again.suggestions_added, again.suggestions_existing) == (None, 0, 1)
    assert again.summary_lines() == [
        "again.jsonl: nothing new: 1 items already imported into project 'p' (1 suggestion already present)."]
    more = run(session, write(tmp_path, item("t-1", suggestions=[sug("gpt-judge", preference="b"),
                                                                 sug("rm", preference="b", score=0.1)]),
                              name="more.jsonl"))
    assert (more.items_existing, more.suggestions_added, more.suggestions_existing) == (1, 1, 1)
    assert more.summary_lines() == [
        (f"Imported more.jsonl into project 'p' (import batch {more.batch_id}): 0 new items, 0 new annotations, "
        "1 new suggestion."),
        "Already imported, left unchanged: 1 item, 0 annotations, 1 suggestion."]
    assert [(agent, pref, batch) for agent, _, pref, _, _, _, _, batch in suggestions(session)] == [
        ("gpt-judge", "a", first.batch_id), ("rm", "b", more.batch_id)]


def test_suggestions_on_a_single_candidate_item_accept_the_short_forms(session, tmp_path):
    run(session, write(tmp_path, item("one", outputs=("only",), suggestions=[
        sug("safety-judge", ratings={"helpfulness": 2}, flags=["unsafe"], score=0.97)])))
    assert session.exec(select(Suggestion.ratings, Suggestion.flags)).one() == (
        {"a": {"helpfulness": 2}}, {"a": ["unsafe"]})


def test_a_ranking_suggestion_on_a_ranked_item(session, tmp_path):
    run(session, write(tmp_path, item("three", outputs=("x", "y", "z"),
                                      suggestions=[sug("ranker", ranking={"a": 2, "b": 1, "c": 3})])))
    assert session.exec(select(Suggestion.ranking, Suggestion.preference)).one() == ({"a": 2, "b": 1, "c": 3}, None)


def test_suggestion_rows_cover_every_column():
    assert sorted(["id", *ingest_write.SUGGESTION_COLUMNS]) == sorted(Suggestion.__table__.c.keys())


BAD_SUGGESTIONS = [
    ([{"preference": "a"}], "suggestions[0].agent: missing agent name (the automatic judge, e.g. 'gpt-judge')"),
    ([sug("j"), sug("j", preference="b")], "suggestions[1].agent: 'j' already judged this item (suggestions[0])"),
    ([sug(agent=" ")], "suggestions[0].agent: empty text"),
    ([sug(preference="c")], "suggestions[0].preference: 'c' is not one of 'a', 'b', 'tie', 'both_bad'"),
    ([sug(preference="a", score="high")], "suggestions[0].score: must be a number, not text"),
    ([sug(preference="a", score=True)], "suggestions[0].score: must be a number, not a boolean"),
    ([sug(preference="a", scores=0.9)], "suggestions[0].scores: unknown field; did you mean 'score'?"),
    ([sug(score=0.5, preference="")],
     "suggestions[0]: answers nothing; give a preference, ranking, ratings, flags or a rationale"),
    ([sug(ranking={"a": 1, "b": 2})],
     "suggestions[0].ranking: only items with 3 or more candidates are ranked; this one has 2"),
    ([sug(flags={"b": ["rude"]})], "suggestions[0].flags.b: unknown flag 'rude' (the project has: "),
    ([sug(ratings={"c": {"helpfulness": 3}})], "suggestions[0].ratings.c: no candidate with id 'c'"),
    ("gpt-judge", "suggestions: must be a list of suggestions, not text"),
    (["gpt-judge"], "suggestions[0]: must be an object with an agent and its verdict, not text"),
]


@pytest.mark.parametrize(("bad", "expected"), BAD_SUGGESTIONS, ids=[e.split(": ", 1)[1][:50] for _, e in BAD_SUGGESTIONS])
def test_bad_suggestions_are_reported_with_line_and_field_and_nothing_is_written(session, tmp_path, bad, expected):
    path = write(tmp_path, item("fine", suggestions=[sug()]), item("bad", prompt="other", suggestions=bad))
    with pytest.raises(ImportRejected) as e:
        run(session, path)
    assert len(e.value.problems) == 1
    assert str(e.value.problems[0]).startswith(f"line 2, field {expected}")
    assert counts(session) == NOTHING and count(session, Suggestion) == 0


def test_skip_invalid_keeps_the_items_with_good_suggestions(session, tmp_path):
    path = write(tmp_path, item("fine", suggestions=[sug()]), item("bad", prompt="other", suggestions=[sug(preference="z")]))
    report = run(session, path, skip_invalid=True)
    assert (report.items_added, report.suggestions_added, report.n_invalid) == (1, 1, 1)
    assert [row[1] for row in suggestions(session)] == ["fine"]


# --- rankings, thumbs, screen order and time of imported annotations ------------------------------------

def test_imported_annotations_keep_rankings_screen_order_and_time(session, tmp_path):
    three = {"id": "r-1", "prompt": "Which?", "candidates": [{"id": k, "output": f"answer {k}"} for k in "xyz"],
             "annotations": [{"annotator": "ann", "ranking": {"x": 2, "y": 1, "z": 3},
                              "shown_order": ["z", "x", "y"], "time_spent_s": 41.5}]}
    two = {"id": "p-1", "prompt": "Which?", "candidates": [{"id": "a", "output": "one"}, {"id": "b", "output": "two"}],
           "annotations": [{"annotator": "ann", "preference": "b", "shown_order": ["b", "a"]}]}
    run(session, write(tmp_path, three, two))
    stored = {a.item_id: a for a in session.exec(select(Annotation)).all()}
    items = {i.external_id: i.id for i in session.exec(select(Item)).all()}
    ranked = stored[items["r-1"]]
    assert (ranked.ranking, ranked.shown_order, ranked.time_spent_s) == ({"x": 2, "y": 1, "z": 3}, ["z", "x", "y"], 41.5)
    assert stored[items["p-1"]].shown_order == ["b", "a"] and stored[items["p-1"]].time_spent_s is None


def test_bad_rankings_screen_orders_and_times_are_reported_by_field(session, tmp_path):
    three = {"id": "r-1", "prompt": "Which?", "candidates": [{"id": k, "output": f"answer {k}"} for k in "xyz"]}
    lines = [
        three | {"annotations": [{"annotator": "a1", "ranking": {"x": 1, "y": 1, "z": 2}}]},
        three | {"id": "r-2", "prompt": "Other?",
                 "annotations": [{"annotator": "a1", "ranking": {"x": 1, "y": 2, "z": 3}, "shown_order": ["x", "x", "y"]}]},
        three | {"id": "r-3", "prompt": "Third?",
                 "annotations": [{"annotator": "a1", "ranking": {"x": 1, "y": 2, "z": 3}, "time_spent_s": -3}]},
        three | {"id": "r-4", "prompt": "Fourth?", "annotations": [{"annotator": "a1", "thumbs": {"x": True}}]},
    ]
    with pytest.raises(ImportRejected) as e:
        run(session, write(tmp_path, *lines))
    fields = [(p.line, p.field) for p in e.value.problems]
    assert fields == [(1, "annotations[0].ranking"), (2, "annotations[0].shown_order"),
                      (3, "annotations[0].time_spent_s"), (4, "annotations[0].thumbs")], e.value.problems
    assert counts(session) == NOTHING
