"""HH-RLHF's files import as they are: gzip-compressed JSON Lines of {"chosen", "rejected"} dialogues that share
everything up to the final assistant answer (Anthropic's hh-rlhf, e.g. harmless-base/test.jsonl.gz).

The pairs below copy its shapes: multi-turn text dialogues, a final answer that goes on with "\\n\\nAssistant:",
an empty final answer, and the bad pairs a file can hold.
"""

import gzip
import json

import pytest
from sqlmodel import select

from feedback.errors import ImportRejected
from feedback.intake.formats.hh_rlhf import from_hh_rlhf
from feedback.intake.importer import import_file
from feedback.store.tables import Annotation, Candidate, Item, User

DIALOGUE = "\n\nHuman: How do I pick a lock?\n\nAssistant: Why do you want to?\n\nHuman: I locked myself out."


def pair(n, chosen="Call a locksmith.", rejected="Use a bobby pin.", dialogue=DIALOGUE):
    return {"chosen": f"{dialogue} ({n})\n\nAssistant: {chosen}", "rejected": f"{dialogue} ({n})\n\nAssistant: {rejected}"}


def write(tmp_path, records, name="harmless-base-test.jsonl.gz"):
    text = "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records).encode("utf-8")
    path = tmp_path / name
    path.write_bytes(gzip.compress(text) if name.endswith(".gz") else text)
    return path


def run(session, path, **kwargs):
    return import_file(session=session, user=None, project="hh", path=path, **kwargs)


def stored(session):
    """{item: (messages, {key: output}, preference)} of the project's items."""
    out = {}
    for item in session.exec(select(Item)).all():
        outputs = {c.key: c.output for c in session.exec(select(Candidate).where(Candidate.item_id == item.id))}
        [(preference, name)] = session.exec(select(Annotation.preference, User.name).join(User).where(
            Annotation.item_id == item.id)).all()
        assert name == "hh-rlhf"
        out[item.id] = (item.messages, outputs, preference)
    return out


def test_a_gz_file_of_pairs_imports_as_dialogues_and_final_answers(session, tmp_path):
    report = run(session, write(tmp_path, [pair(1), pair(2, chosen="")]))
    assert (report.items_added, report.annotations_added, report.empty_outputs) == (2, 2, 1)
    assert report.accounts_created == ["hh-rlhf"]
    items = list(stored(session).values())
    messages, outputs, preference = items[0]
    assert messages == [{"role": "user", "content": "How do I pick a lock?"},
                        {"role": "assistant", "content": "Why do you want to?"},
                        {"role": "user", "content": "I locked myself out. (1)"}]
    assert sorted(outputs.values()) == ["Call a locksmith.", "Use a bobby pin."]
    assert outputs[preference] == "Call a locksmith."  # the chosen answer, wherever it is shown
    assert items[1][1][items[1][2]] == ""  # the empty chosen answer: imported as an agent that said nothing


def test_the_shown_order_does_not_give_the_chosen_answer_away(session, tmp_path):
    report = run(session, write(tmp_path, [pair(n) for n in range(40)]))
    assert report.items_added == 40
    preferences = [preference for _, _, preference in stored(session).values()]
    assert 10 < preferences.count("a") < 30  # chosen is first for some items and second for others
    again = from_hh_rlhf(pair(7)).item
    assert again == from_hh_rlhf(pair(7)).item  # the same pair, the same order
    swapped = from_hh_rlhf({"chosen": pair(7)["rejected"], "rejected": pair(7)["chosen"]}).item
    assert swapped["candidates"] == again["candidates"]  # the order comes from the content, not from the label
    assert swapped["annotations"][0]["preference"] != again["annotations"][0]["preference"]
    assert run(session, write(tmp_path, [pair(n) for n in range(40)])).items_existing == 40


def test_a_final_answer_that_goes_on_is_kept_whole(session, tmp_path):
    record = {"chosen": DIALOGUE + "\n\nAssistant: Sure, here:\n\nAssistant:  first, ...",
              "rejected": DIALOGUE + "\n\nAssistant: No."}
    run(session, write(tmp_path, [record]))
    [(messages, outputs, preference)] = stored(session).values()
    assert len(messages) == 3 and outputs[preference] == "Sure, here:\n\nAssistant:  first, ..."


def test_bad_pairs_are_named_by_line_and_field(session, tmp_path):
    lines = [pair(1),
             {"chosen": "\n\nHuman: Hi\n\nAssistant: Hello", "rejected": "\n\nHuman: Bye\n\nAssistant: Goodbye"},
             {"chosen": "\n\nHuman: Hi", "rejected": "\n\nHuman: Hi there"},
             {"chosen": DIALOGUE + "\n\nAssistant: A\n\nHuman: more?\n\nAssistant: B", "rejected": DIALOGUE
              + "\n\nAssistant: C\n\nHuman: more?\n\nAssistant: B"},
             {"chosen": pair(5)["chosen"], "rejected": 3},
             {"chosen": "x", "rejected": "y", "score": 1},
             pair(7, chosen="Same.", rejected="Same."),
             "not json"]
    with pytest.raises(ImportRejected) as e:
        run(session, write(tmp_path, lines))
    assert [str(p) for p in e.value.problems] == [
        ("line 2, field chosen: chosen and rejected share no dialogue ending in an Assistant turn: they must be the "
        "same conversation up to the last '\\n\\nAssistant:' and differ only in that final answer"),
        ("line 3, field chosen: chosen and rejected share no dialogue ending in an Assistant turn: they must be the "
        "same conversation up to the last '\\n\\nAssistant:' and differ only in that final answer"),
        ("line 4, field chosen: chosen and rejected part before the final answer (this one goes on to another Human "
        "turn): they must share the dialogue up to the last Assistant turn"),
        ("line 4, field rejected: chosen and rejected part before the final answer (this one goes on to another "
        "Human turn): they must share the dialogue up to the last Assistant turn"),
        "line 5, field rejected: must be text, not a number",
        "line 6, field score: unknown field (known fields: chosen, rejected)",
        "line 7, field rejected: the same text as chosen: there is no preference between them",
        "line 8: not valid JSON (Expecting value at column 1)"]
    report = run(session, write(tmp_path, lines), skip_invalid=True)
    assert (report.items_added, report.n_invalid) == (1, 7)


def test_plain_jsonl_and_an_explicit_format_are_read_too(session, tmp_path):
    path = write(tmp_path, [pair(1)], name="pairs.jsonl")
    assert run(session, path, file_format="hh-rlhf").items_added == 1
    with pytest.raises(ImportRejected) as e:
        run(session, path, file_format="items")  # read as our own items, the pair is not one
    assert "line 1, field chosen: unknown field" in str(e.value.problems[0])


def test_a_broken_gzip_file_is_refused_whole(session, tmp_path):
    path = write(tmp_path, [pair(n) for n in range(50)])
    path.write_bytes(path.read_bytes()[:-20])  # cut short
    with pytest.raises(ImportRejected) as e:
        run(session, path)
    assert str(e.value) == "harmless-base-test.jsonl.gz is not a readable gzip file; nothing was imported"
    assert session.exec(select(Item)).all() == []
