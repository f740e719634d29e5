"""DPO export: which items give rows, how prompts and answers are rendered, row checks, files, determinism."""

import hashlib
import io
import json
import zipfile

import pyarrow.parquet as pq
import pytest

from feedback.errors import ExportError, NotFound
from feedback.export.build import build_export, export_dataset
from feedback.export.files import arrow_schema
from feedback.export.options import ExportOptions
from feedback.export.rows import COLUMNS, REASONS, validate_rows
from feedback.people.users import add_users
from feedback.store.tables import Annotation, Candidate, Item

STANDARD = ExportOptions(form="standard")
CONVERSATIONAL = ExportOptions(form="conversational")

CONVERSATION = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello!"},
    {"role": "user", "content": "Capital of France?"},
]
TOOL_ANSWER = [
    {"role": "assistant", "content": "", "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "search", "arguments": '{"q": "weather"}'}}]},
    {"role": "tool", "tool_call_id": "c1", "name": "search", "content": "Sunny, 21 C"},
    {"role": "assistant", "content": "It is sunny."},
]


def add_item(session, project, ext, *, prompt="q", messages=None, outputs=("first answer", "second answer"),
             position=0, meta=None):
    """An item whose candidates a, b, c... have the given outputs (text, or a list of messages)."""
    item = Item(project_id=project.id, external_id=ext, prompt=None if messages else prompt, messages=messages,
                meta=meta or {}, content_hash=f"h-{ext}", position=position)
    session.add(item)
    session.flush()
    for pos, (key, value) in enumerate(zip("abcdefgh", outputs)):
        session.add(Candidate(item_id=item.id, key=key, model=f"model-{key}", position=pos,
                              output=value if isinstance(value, str) else None,
                              messages=value if isinstance(value, list) else None))
    session.commit()
    return item


def vote(session, item, *preferences):
    """Annotators u1, u2, ... answer the item with these preferences."""
    users = add_users(session, {f"u{n}" for n in range(1, len(preferences) + 1)})
    for n, preference in enumerate(preferences, 1):
        session.add(Annotation(item_id=item.id, user_id=users[f"u{n}"].id, preference=preference))
    session.commit()


def export(session, options=STANDARD, project="p"):
    return build_export(session=session, user=None, project=project, options=options)


@pytest.fixture
def project(make_project):
    return make_project("p")


# --- rows ---------------------------------------------------------------------------------------

def test_prompt_item_in_both_forms(session, project):
    item = add_item(session, project, "q1", prompt="What is 2+2?", outputs=["4", "5"], meta={"topic": "math"})
    vote(session, item, "a", "b", "a")

    (row,) = export(session, STANDARD).rows
    assert row == {
        "prompt": "What is 2+2?", "chosen": "4", "rejected": "5", "item_id": "q1", "num_annotators": 3,
        "majority_share": pytest.approx(2 / 3), "chosen_model": "model-a", "rejected_model": "model-b",
        "metadata": '{"topic": "math"}', "consensus": "majority", "confidence": pytest.approx(2 / 3),
        "adjudicated": False,
    }
    (row,) = export(session, CONVERSATIONAL).rows
    assert row["prompt"] == [{"role": "user", "content": "What is 2+2?"}]
    assert row["chosen"] == [{"role": "assistant", "content": "4"}]
    assert row["rejected"] == [{"role": "assistant", "content": "5"}]


def test_conversation_item_prompt_rendering(session, project):
    item = add_item(session, project, "c1", messages=CONVERSATION, outputs=["Paris.", "Lyon."])
    vote(session, item, "a")

    (row,) = export(session, STANDARD).rows
    assert row["prompt"] == "System: Be brief.\n\nUser: Hi\n\nAssistant: Hello!\n\nUser: Capital of France?\n\nAssistant:"
    assert (row["chosen"], row["rejected"]) == (" Paris.", " Lyon.")   # prompt + chosen reads as one transcript
    (row,) = export(session, CONVERSATIONAL).rows
    assert row["prompt"] == CONVERSATION
    assert row["chosen"] == [{"role": "assistant", "content": "Paris."}]


def test_tool_using_candidate(session, project):
    item = add_item(session, project, "t1", prompt="Weather in Paris?", outputs=[TOOL_ANSWER, "I don't know."])
    vote(session, item, "a", "a")

    (row,) = export(session, STANDARD).rows
    assert row["chosen"] == ('[tool call] search({"q": "weather"})\n\nTool (search): Sunny, 21 C\n\n'
                             "Assistant: It is sunny.")
    assert row["rejected"] == "I don't know."
    (row,) = export(session, CONVERSATIONAL).rows
    assert row["chosen"] == [
        {"role": "assistant", "content": '[tool call] search({"q": "weather"})'},
        {"role": "tool", "content": "Sunny, 21 C"},
        {"role": "assistant", "content": "It is sunny."},
    ]


def test_tool_answer_after_a_conversation_continues_the_assistant_turn(session, project):
    item = add_item(session, project, "t2", messages=CONVERSATION, outputs=["Paris.", TOOL_ANSWER])
    vote(session, item, "b")
    (row,) = export(session, STANDARD).rows
    assert row["chosen"].startswith(' [tool call] search({"q": "weather"})\n\nTool (search): ')
    assert row["prompt"].endswith("\n\nAssistant:")


def test_three_candidates_give_one_row_per_loser_in_position_order(session, project):
    later = add_item(session, project, "z-later", position=5, outputs=["x", "y"])
    item = add_item(session, project, "three", position=1, outputs=["A", "B", "C"])
    vote(session, item, "b", "b", "c")
    vote(session, later, "a")

    rows = export(session).rows
    assert [(r["item_id"], r["chosen"], r["rejected"]) for r in rows] == [
        ("three", "B", "A"), ("three", "B", "C"), ("z-later", "x", "y"),
    ]
    assert [r["rejected_model"] for r in rows[:2]] == ["model-a", "model-c"]


def test_exclusions_are_counted_by_reason(session, make_project):
    project = make_project("p")
    cases = {
        "clear": ["a", "a", "b"], "tie": ["tie", "tie", "a"], "both-bad": ["both_bad", "both_bad"],
        "split": ["a", "b"], "few": ["a"], "none": [],
    }
    for n, (ext, prefs) in enumerate(cases.items()):
        vote(session, add_item(session, project, ext, position=n), *prefs)
    vote(session, add_item(session, project, "same", position=10, outputs=["Same answer", "Same answer\n"]), "a", "a")
    vote(session, add_item(session, project, "single", position=11, outputs=["alone"]), "a", "a")

    bundle = export(session, ExportOptions(min_annotations=2))
    assert [r["item_id"] for r in bundle.rows] == ["clear"]
    expected = {"no_annotations": 1, "single_candidate": 1, "too_few_annotations": 1, "tie": 1, "both_bad": 1,
                "split": 1, "identical_outputs": 1, "empty_output": 0, "tied_ranks": 0}
    assert bundle.excluded == expected
    assert bundle.manifest["excluded"] == expected
    assert bundle.manifest["items"] == {"total": 8, "exported": 1}
    assert bundle.manifest["annotators"] == ["u1", "u2", "u3"]


def test_identical_pair_among_three_candidates_drops_only_that_pair(session, project):
    vote(session, add_item(session, project, "i", outputs=["good", "bad", "good"]), "a")
    bundle = export(session)
    assert [(r["chosen"], r["rejected"]) for r in bundle.rows] == [("good", "bad")]
    assert bundle.excluded["identical_outputs"] == 1


def test_nothing_to_export_says_why(session, project):
    for n in range(3):
        vote(session, add_item(session, project, f"s{n}", position=n), "a", "b")
    vote(session, add_item(session, project, "t", position=9), "tie")
    with pytest.raises(ExportError, match=r"no item has a clear majority preference or a strict consensus ranking; 1 tie, 3 split"):
        export(session)


def test_nothing_to_export_without_annotations_or_items(session, make_project):
    empty = make_project("empty")
    with pytest.raises(ExportError, match="no items"):
        export(session, project="empty")
    add_item(session, empty, "x")
    with pytest.raises(ExportError, match="none of its 1 items has a preference or ranking annotation"):
        export(session, project="empty")
    with pytest.raises(NotFound, match="nope"):
        export(session, project="nope")


def test_bad_options_are_export_errors():
    with pytest.raises(ExportError, match="min_annotations"):
        ExportOptions(min_annotations=0)
    with pytest.raises(ExportError, match="form"):
        ExportOptions(form="chat")
    with pytest.raises(ExportError, match="format"):
        ExportOptions(format="alpaca")


# --- row checks ----------------------------------------------------------------------------------

def good_row(**changes):
    row = {"prompt": [{"role": "user", "content": "q"}], "chosen": [{"role": "assistant", "content": "yes"}],
           "rejected": [{"role": "assistant", "content": "no"}], "item_id": "bad-7", "num_annotators": 3,
           "majority_share": 1.0, "chosen_model": "m1", "rejected_model": "m2", "metadata": "{}",
           "consensus": "majority", "confidence": 1.0, "adjudicated": False}
    return row | changes


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"chosen": [{"role": "assistant", "content": None}]}, "chosen message 1 content"),
        ({"chosen": [{"role": "assistant", "content": "   "}]}, "chosen message 1 content"),
        ({"rejected": []}, "rejected"),
        ({"prompt": [{"role": "robot", "content": "q"}]}, "prompt message 1"),
        ({"chosen": [{"role": "user", "content": "yes"}]}, "chosen message 1"),
        ({"prompt": "q"}, "prompt"),                                      # a mix of forms
        ({"rejected": [{"role": "assistant", "content": "yes"}]}, "chosen"),  # same as chosen
        ({"chosen": [{"role": "assistant", "content": "yes", "tool_calls": []}]}, "chosen message 1"),
        ({"num_annotators": None}, "num_annotators"),
        ({"majority_share": 0.5}, "majority_share"),
        ({"majority_share": 0.4, "consensus": "dawid_skene", "confidence": 1.5}, "confidence"),
        ({"majority_share": -0.1, "adjudicated": True}, "majority_share"),
        ({"consensus": "vibes"}, "consensus"),
        ({"adjudicated": 1}, "adjudicated"),
    ],
)
def test_validator_names_the_item_and_field(changes, field):
    validate_rows([good_row()], form="conversational")
    with pytest.raises(ExportError) as error:
        validate_rows([good_row(), good_row(**changes)], form="conversational")
    assert "'bad-7'" in str(error.value)
    assert field in str(error.value)


@pytest.mark.parametrize("changes", [{"prompt": ""}, {"chosen": None}, {"rejected": ["no"]}, {"chosen": "no"}])
def test_validator_standard_form(changes):
    row = good_row(prompt="q", chosen="yes", rejected="no")
    validate_rows([row], form="standard")
    with pytest.raises(ExportError, match="'bad-7'"):
        validate_rows([row | changes], form="standard")


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ([{"role": "assistant", "content": "hi"}, {"role": "assistant", "content": ""}],
         "chosen message 2 content: empty text"),  # one empty turn of several is broken (a lone one: empty_output)
        ([{"role": "user", "content": "hi"}], "chosen message 1: role 'user'"),
        ([{"role": "assistant", "content": "broken \ud800 text"}], "not valid Unicode"),
        ([{"role": "assistant", "content": ["part"]}], "must be text, not list"),
    ],
)
@pytest.mark.parametrize("options", [STANDARD, CONVERSATIONAL])
def test_bad_stored_answer_stops_the_export(session, project, tmp_path, answer, problem, options):
    vote(session, add_item(session, project, "ok", position=0), "a")
    vote(session, add_item(session, project, "broken-1", position=1, outputs=[answer, "fine"]), "a")
    with pytest.raises(ExportError, match="Item 'broken-1', ") as error:
        export_dataset(session=session, user=None, project="p", options=options, out_dir=tmp_path / "out")
    assert problem in str(error.value)
    assert not (tmp_path / "out").exists()   # nothing written, not even the good row


def test_majority_for_an_unknown_candidate_is_an_error(session, project):
    vote(session, add_item(session, project, "ghost"), "z")
    with pytest.raises(ExportError, match="Item 'ghost', preference: the majority choice 'z'"):
        export(session)


def test_missing_prompt_is_an_error(session, project):
    vote(session, add_item(session, project, "no-prompt", prompt=None), "a")
    with pytest.raises(ExportError, match="Item 'no-prompt', prompt"):
        export(session)
    with pytest.raises(ExportError, match="Item 'no-prompt', prompt message 1 content: missing"):
        export(session, CONVERSATIONAL)


# --- files -------------------------------------------------------------------------------------

def populate(session, project):
    vote(session, add_item(session, project, "q1", prompt="What is 2+2?", outputs=["4", "5"],
                           meta={"source": "math", "n": 2}), "a", "a", "b")
    vote(session, add_item(session, project, "c1", messages=CONVERSATION, outputs=["Paris.", "Lyon."],
                           position=1), "a")
    vote(session, add_item(session, project, "t1", prompt="Weather?", outputs=[TOOL_ANSWER, "No idea."],
                           position=2), "a", "a")
    vote(session, add_item(session, project, "s1", position=3), "a", "b")


@pytest.mark.parametrize("options", [STANDARD, CONVERSATIONAL])
def test_same_data_gives_the_same_bytes(session, project, tmp_path, options):
    populate(session, project)
    first, second = export(session, options), export(session, options)
    assert first.files == second.files
    assert first.zip_bytes() == second.zip_bytes()
    assert sorted(first.files) == sorted([f"{options.stem}.jsonl", f"{options.stem}.parquet", "manifest.json"])

    a = export_dataset(session=session, user=None, project="p", options=options, out_dir=tmp_path / "a")
    b = export_dataset(session=session, user=None, project="p", options=options, out_dir=tmp_path / "b")
    for path_a, path_b in zip(a.files, b.files, strict=True):
        assert path_a.read_bytes() == path_b.read_bytes() == first.files[path_a.name]
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(first.files)  # no temp files left over

    manifest = json.loads(first.files["manifest.json"])
    for name, info in manifest["files"].items():
        assert info["sha256"] == hashlib.sha256(first.files[name]).hexdigest()
    assert manifest["rows"] == 3 and manifest["project"] == "p"
    assert manifest["options"] == {"format": "dpo", "form": options.form, "min_annotations": 1,
                                   "exclude_flagged": False, "ranking_pairs": "all", "margin": "votes",
                                   "margin_dimension": "helpfulness", "kto_source": "preference",
                                   "kto_dimension": "helpfulness", "kto_desirable_min": 4, "kto_undesirable_max": 2,
                                   "sft_dimension": "helpfulness", "sft_min_rating": None}
    assert manifest["excluded"]["split"] == 1
    assert set(manifest) == {"manifest_version", "project", "options", "columns", "rows", "items", "excluded",
                             "annotators", "annotators_left_out", "majority_rule", "consensus", "files", "ranking",
                             "splits", "agreement", "import_batches", "items_without_batch", "guidelines_versions",
                             "schema_versions", "class_balance",
                             } | ({"tools"} if options.form == "conversational" else set())   # no time stamp
    assert manifest["consensus"]["method"] == "majority" and manifest["consensus"]["adjudicated_rows"] == 0
    with zipfile.ZipFile(io.BytesIO(first.zip_bytes())) as archive:
        assert {i.filename: archive.read(i) for i in archive.infolist()} == first.files

    lines = first.files[f"{options.stem}.jsonl"].decode("utf-8").split("\n")
    assert lines[-1] == "" and all(line and "\r" not in line for line in lines[:-1])
    assert [json.loads(line) for line in lines[:-1]] == first.rows
    assert summary_has(a.summary_lines(), "Exported 3 rows", "1 split")


def summary_has(lines, *parts):
    text = "\n".join(lines)
    return all(part in text for part in parts)


@pytest.mark.parametrize("options", [STANDARD, CONVERSATIONAL])
def test_files_load_with_hugging_face_datasets(session, project, tmp_path, monkeypatch, options):
    datasets = pytest.importorskip("datasets")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(datasets.config, "HF_DATASETS_OFFLINE", True, raising=False)
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True, raising=False)
    populate(session, project)
    result = export_dataset(session=session, user=None, project="p", options=options, out_dir=tmp_path / "out")
    rows = export(session, options).rows

    if options.form == "standard":
        training = datasets.Value("string")
    else:
        training = datasets.List({"role": datasets.Value("string"), "content": datasets.Value("string")})
    for builder, ext in (("json", "jsonl"), ("parquet", "parquet")):
        path = str(tmp_path / "out" / f"{options.stem}.{ext}")
        ds = datasets.load_dataset(builder, data_files=path, split="train", cache_dir=str(tmp_path / f"hf-{ext}"))
        tools = ["tools"] if options.form == "conversational" else []
        assert sorted(ds.column_names) == sorted(list(COLUMNS) + tools)
        for column in ("prompt", "chosen", "rejected"):
            assert ds.features[column] == training, (builder, column)
        assert ds.features["num_annotators"] == datasets.Value("int64")
        assert ds.features["majority_share"] == datasets.Value("float64")
        assert ds.features["metadata"] == datasets.Value("string")
        assert ds.to_list() == rows
    assert result.n_rows == len(rows) == 3


def test_parquet_has_the_explicit_schema_and_no_pandas_metadata(session, project):
    populate(session, project)
    for options in (STANDARD, CONVERSATIONAL):
        table = pq.read_table(io.BytesIO(export(session, options).files[f"{options.stem}.parquet"]))
        assert table.schema.remove_metadata() == arrow_schema(options.form)
        assert b"pandas" not in (table.schema.metadata or {})


HOSTILE = [
    '<script>alert("x")</script><b>bold</b> &amp; </textarea>',
    "emoji 👍🏽 🇫🇷 👨‍👩‍👧 and RTL \u202eשלום\u202c, zero-width \u200b, line sep \u2028 para \u2029 NEL \x85 done",
    'quotes " \' \\ backslash, tab\t, CRLF\r\nnext, NUL \x00 byte, {"json": [1, 2]}',
    "long " + "abcdefghij🙂" * 20_000,
]


@pytest.mark.parametrize("options", [STANDARD, CONVERSATIONAL])
def test_hostile_text_survives_the_round_trip(session, project, options):
    for n, text in enumerate(HOSTILE):
        item = add_item(session, project, f"h{n} <é>", prompt=text, outputs=[text + " A", "B " + text],
                        position=n, meta={"note": text})
        vote(session, item, "a")
    bundle = export(session, options)
    assert len(bundle.rows) == len(HOSTILE)
    jsonl = bundle.files[f"{options.stem}.jsonl"]
    assert "👍🏽".encode() in jsonl                         # written as UTF-8, not \\u escapes
    assert [json.loads(line) for line in jsonl.decode("utf-8").splitlines()] == bundle.rows
    table = pq.read_table(io.BytesIO(bundle.files[f"{options.stem}.parquet"]))
    assert table.to_pylist() == bundle.rows
    prompts = [r["prompt"] if options.form == "standard" else r["prompt"][0]["content"] for r in bundle.rows]
    assert prompts == HOSTILE
    assert [json.loads(r["metadata"])["note"] for r in bundle.rows] == HOSTILE
    assert bundle.rows[0]["item_id"] == "h0 <é>"


def test_export_dataset_reports_an_unwritable_folder(session, project, tmp_path):
    populate(session, project)
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ExportError, match="Cannot write the export"):
        export_dataset(session=session, user=None, project="p", options=STANDARD, out_dir=blocker / "out")


def test_every_reason_has_words_in_the_summary():
    from feedback.export.bundle import describe_excluded

    text = describe_excluded(dict.fromkeys(REASONS, 1))
    assert text == ("1 no annotations, 1 single candidate, 1 too few annotations, 1 tie, 1 both bad, 1 split, "
                    "1 identical outputs, 1 with an empty output, 1 tied ranked pairs")


# --- the project's consensus: adjudication and Dawid-Skene ------------------------------------------------------

def test_a_reviewers_final_answer_overrides_the_majority(session, project, make_user):
    from feedback.review.workflow import adjudicate, reopen

    reviewer = make_user("rev", role="reviewer")
    clear = add_item(session, project, "clear", outputs=["A", "B"])
    split = add_item(session, project, "split", outputs=["A", "B"], position=1)
    tied = add_item(session, project, "tied", outputs=["A", "B"], position=2)
    vote(session, clear, "a", "a", "b")
    vote(session, split, "a", "b")
    vote(session, tied, "a", "a")
    adjudicate(session=session, user=reviewer, item_id=clear.id, answer={"preference": "b"}, reason="B is right")
    adjudicate(session=session, user=reviewer, item_id=split.id, answer={"preference": "a"}, reason="A is right")
    adjudicate(session=session, user=reviewer, item_id=tied.id, answer={"preference": "tie"}, reason="same")

    bundle = export(session)
    assert [(r["item_id"], r["chosen"], r["adjudicated"], r["confidence"], r["consensus"]) for r in bundle.rows] == [
        ("clear", "B", True, 1.0, "majority"), ("split", "A", True, 1.0, "majority")]
    assert [r["majority_share"] for r in bundle.rows] == [pytest.approx(1 / 3), pytest.approx(1 / 2)]
    assert bundle.excluded["tie"] == 1 and bundle.excluded["split"] == 0
    assert bundle.manifest["consensus"]["adjudicated_rows"] == 2
    assert pq.read_table(io.BytesIO(bundle.files["dpo_standard.parquet"])).column("adjudicated").to_pylist() == [
        True, True]

    reopen(session=session, user=reviewer, item_id=clear.id, reason="new guidelines")
    rows = {r["item_id"]: r for r in export(session).rows}
    assert (rows["clear"]["chosen"], rows["clear"]["adjudicated"]) == ("A", False)   # the majority again


def test_dawid_skene_consensus_is_a_project_setting(session, project):
    from feedback.projects.projects import update_project_settings

    # r1-r3 agree on items 0-19; x1 and x2 answer in patterns unrelated to the truth. On "target" r1 says a
    # and both careless annotators say b.
    users = add_users(session, {"r1", "r2", "r3", "x1", "x2"})
    for i in range(20):
        item = add_item(session, project, f"t{i:02d}", outputs=[f"A{i}", f"B{i}"], position=i)
        truth = "ab"[i % 2]
        said = {"r1": truth, "r2": truth, "r3": truth, "x1": "ab"[(i // 2) % 2], "x2": "ab"[((i + 1) // 2) % 2]}
        session.add_all([Annotation(item_id=item.id, user_id=users[u].id, preference=p) for u, p in said.items()])
    target = add_item(session, project, "target", outputs=["right", "wrong"], position=99)
    session.add_all([Annotation(item_id=target.id, user_id=users[u].id, preference=p)
                     for u, p in {"r1": "a", "x1": "b", "x2": "b"}.items()])
    session.commit()

    majority = {r["item_id"]: r for r in export(session).rows}
    assert majority["target"]["chosen"] == "wrong" and majority["target"]["consensus"] == "majority"

    update_project_settings(session=session, user=None, project=project, consensus_method="dawid_skene")
    bundle = export(session)
    rows = {r["item_id"]: r for r in bundle.rows}
    assert rows["target"]["chosen"] == "right"
    assert rows["target"]["consensus"] == "dawid_skene" and not rows["target"]["adjudicated"]
    assert rows["target"]["confidence"] > 0.9 and rows["target"]["majority_share"] == pytest.approx(1 / 3)
    assert all(rows[f"t{i:02d}"]["chosen"] == ("A" if i % 2 == 0 else "B") + str(i) for i in range(20))
    assert bundle.manifest["consensus"]["method"] == "dawid_skene"
    assert export(session).files == bundle.files   # still the same bytes for the same data


def test_the_votes_of_flagged_annotators_can_be_left_out(session, project):
    for n in range(6):
        vote(session, add_item(session, project, f"i{n}", position=n), "a", "a", "b")  # u3 always disagrees
    vote(session, add_item(session, project, "close", position=9), "a", "b", "b")
    counted = {r["item_id"]: r for r in export(session).rows}
    assert counted["close"]["chosen"] == "second answer" and counted["i0"]["num_annotators"] == 3
    left_out = export(session, ExportOptions(exclude_flagged=True))
    rows = {r["item_id"]: r for r in left_out.rows}
    assert "close" not in rows  # without u3 it is 1-1
    assert rows["i0"]["num_annotators"] == 2 and rows["i0"]["majority_share"] == 1.0
    assert left_out.manifest["annotators_left_out"] == {"flagged by quality checks": ["u3"]}
    assert left_out.manifest["annotators"] == ["u1", "u2"]
