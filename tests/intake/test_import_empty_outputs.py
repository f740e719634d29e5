"""An agent that returned nothing is a real outcome to judge: empty candidate outputs import (JSONL and CSV), are
stored as empty text and counted in the summary; and the summary names the annotator accounts an import created."""

import json

import pytest
from sqlmodel import select

from feedback.errors import ImportRejected
from feedback.intake.importer import import_file
from feedback.people.users import add_users
from feedback.store.tables import Annotation, Candidate, Item, User

ACCOUNTS_NOTE = "(no password yet: they cannot sign in until an admin sets one)."


def write(tmp_path, *lines, name="items.jsonl"):
    path = tmp_path / name
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines),
                    encoding="utf-8")
    return path


def run(session, path, project="p", **kwargs):
    return import_file(session=session, user=None, project=project, path=path, **kwargs)


def stored(session, external_id):
    item = session.exec(select(Item).where(Item.external_id == external_id)).one()
    return [(c.key, c.output, c.messages) for c in
            session.exec(select(Candidate).where(Candidate.item_id == item.id).order_by(Candidate.position))]


def test_empty_outputs_in_jsonl_import_as_empty_text_with_their_labels_and_are_counted(session, tmp_path):
    path = write(tmp_path,
                 {"id": "blank", "prompt": "Say hi", "candidates": [{"output": ""}, {"output": "Hi"}],
                  "annotations": [{"annotator": "ann1", "preference": "b"}, {"annotator": "ann2", "preference": "b"}]},
                 {"id": "spaces", "prompt": "Say bye", "candidates": [{"output": "Bye"}, {"output": " \n\t"}]},
                 {"id": "silent", "prompt": "Call me", "candidates": [
                     {"messages": [{"role": "assistant", "content": "  "}]}, {"output": "Calling"}]},
                 {"id": "fine", "prompt": "2+2?", "candidates": [{"output": "4"}, {"output": "5"}]})
    report = run(session, path)
    assert (report.items_added, report.annotations_added, report.empty_outputs, report.problems) == (4, 2, 3, [])
    assert stored(session, "blank") == [("a", "", None), ("b", "Hi", None)]
    assert stored(session, "spaces") == [("a", "Bye", None), ("b", "", None)]  # white space is nothing: empty text
    assert stored(session, "silent") == [("a", None, [{"role": "assistant", "content": ""}]), ("b", "Calling", None)]
    assert len(session.exec(select(Annotation)).all()) == 2
    assert report.summary_lines()[1] == ("3 candidate outputs are empty (the agent returned nothing): shown as "
                                         "(no output), and left out of exported rows that would need their text.")

    again = run(session, path)  # idempotent: the same empty outputs are the same content
    assert (again.batch_id, again.items_added, again.items_existing, again.empty_outputs) == (None, 0, 4, 0)


def test_empty_output_cells_in_csv_import(session, tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text("id,prompt,output_a,output_b\nc1,Say hi,,Hello\nc2,Say bye,Bye,  \nc3,Both,,\n", encoding="utf-8")
    report = run(session, path)
    assert (report.items_added, report.empty_outputs, report.problems) == (3, 4, [])
    assert stored(session, "c1") == [("a", "", None), ("b", "Hello", None)]
    assert stored(session, "c2") == [("a", "Bye", None), ("b", "", None)]
    assert "4 candidate outputs are empty" in report.summary_lines()[1]


@pytest.mark.parametrize(("candidate", "problem"), [
    ({"output": None}, "line 1, field candidates[1]: needs an 'output' (text) or 'messages' (the agent's turns)"),
    ({"model": "m"}, "line 1, field candidates[1]: needs an 'output' (text) or 'messages' (the agent's turns)"),
    ({"output": 0}, "line 1, field candidates[1].output: must be text, not a number"),
    ({"messages": []}, "line 1, field candidates[1].messages: empty list; give at least one message"),
    ({"messages": [{"role": "assistant"}]}, "line 1, field candidates[1].messages[0].content: missing content"),
    ({"messages": [{"role": "tool", "content": ""}]}, "line 1, field candidates[1].messages[0].content: empty text"),
    ({"messages": [{"role": "assistant", "content": "Let me look"}, {"role": "assistant", "content": ""}]},
     "line 1, field candidates[1].messages[1].content: empty text"),
])
def test_a_missing_or_malformed_output_is_still_refused(session, tmp_path, candidate, problem):
    path = write(tmp_path, {"id": "x", "prompt": "q", "candidates": [{"output": "fine"}, candidate]})
    with pytest.raises(ImportRejected) as e:
        run(session, path)
    assert [str(p) for p in e.value.problems] == [problem]


def test_the_summary_names_the_annotator_accounts_it_created_and_only_those(session, tmp_path):
    add_users(session, {"known"})
    session.commit()
    path = write(tmp_path, {"id": "t-1", "prompt": "q", "candidates": [{"output": "x"}, {"output": "y"}],
                            "annotations": [{"annotator": name, "preference": "a"} for name in ("zoe", "known", "al")]})
    report = run(session, path)
    assert report.accounts_created == ["al", "zoe"]
    assert report.summary_lines() == [
        f"Imported items.jsonl into project 'p' (import batch {report.batch_id}): 1 new item, 3 new annotations.",
        f"Created 2 annotator accounts for the annotators named in the file: al, zoe {ACCOUNTS_NOTE}"]
    assert {u.name: (u.role, u.password_hash) for u in session.exec(select(User))} == {
        "known": ("annotator", None), "al": ("annotator", None), "zoe": ("annotator", None)}

    # labels on the stored item by a new annotator: that account is named; the known ones are not again
    later = write(tmp_path, {"id": "t-1", "prompt": "q", "candidates": [{"output": "x"}, {"output": "y"}],
                             "annotations": [{"annotator": "al", "preference": "a"}, {"annotator": "bo", "preference": "b"}]},
                  name="more.jsonl")
    more = run(session, later)
    assert (more.annotations_added, more.accounts_created) == (1, ["bo"])
    assert f"Created 1 annotator account for the annotators named in the file: bo {ACCOUNTS_NOTE}" in more.summary_lines()


def test_a_long_list_of_created_accounts_names_the_first_20_and_counts_the_rest(session, tmp_path):
    names = [f"ann{n:02d}" for n in range(25)]
    path = write(tmp_path, *({"id": f"t-{n}", "prompt": f"q{n}", "candidates": [{"output": "x"}, {"output": "y"}],
                              "annotations": [{"annotator": name, "preference": "a"}]} for n, name in enumerate(names)))
    report = run(session, path, chunk_size=7)  # accounts made across several write transactions
    assert report.accounts_created == names
    line = next(x for x in report.summary_lines() if x.startswith("Created"))
    assert line == (f"Created 25 annotator accounts for the annotators named in the file: {', '.join(names[:20])} "
                    f"and 5 more {ACCOUNTS_NOTE}")
