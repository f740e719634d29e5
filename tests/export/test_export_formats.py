"""Every export format, end to end: a varied project exported to files, loaded with Hugging Face ``datasets``,
every loaded row checked against a schema written here (not the exporter's own checks), plus each format's rules.

The project has a plain prompt, a multi-turn conversation with a tool call and a tool result, an item with three
candidates, corrections, both-bad, a tie, a split, ratings, flags and hostile text (line separators, emoji,
quotes, very long text).
"""

import json
from datetime import UTC, datetime, timedelta

import pytest
from test_export import add_item as add_export_item

from feedback.errors import ExportError
from feedback.export.build import build_export, export_dataset
from feedback.export.bundle import MANIFEST
from feedback.export.options import FORMATS, ExportOptions
from feedback.people.users import add_users
from feedback.store.tables import Annotation

datasets = pytest.importorskip("datasets")

CONVERSATION = [
    {"role": "system", "content": "You answer travel questions."},
    {"role": "user", "content": "What's the weather in Paris?"},
    {"role": "assistant", "content": "", "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "weather", "arguments": '{"city": "Paris"}'}}]},
    {"role": "tool", "tool_call_id": "c1", "name": "weather", "content": "Sunny, 21 C"},
    {"role": "user", "content": "And should I take an umbrella?"},
]
TOOL_ANSWER = [
    {"role": "assistant", "content": "", "tool_calls": [
        {"id": "c2", "type": "function", "function": {"name": "forecast", "arguments": '{"city": "Paris"}'}}]},
    {"role": "tool", "tool_call_id": "c2", "name": "forecast", "content": "No rain expected"},
    {"role": "assistant", "content": "No umbrella needed."},
]
TOOLS_OF_CONV = [{"type": "function", "function": {"name": "weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}}}}, {"type": "function", "function": {
        "name": "forecast", "parameters": {"type": "object", "properties": {"days": {"type": "integer"}}}}}]
HOSTILE = ('Line\u2028separator, para\u2029graph, NEL\x85, emoji 👍🏽 🇫🇷 👨‍👩‍👧, quotes " \' \\ and '
           '<script>alert("x")</script>, CRLF\r\nend')
LONG = "long " + "abcdefghij🙂" * 20_000
T0 = datetime(2026, 1, 1, tzinfo=UTC)

# item: (prompt or messages, outputs, {annotator: answer fields})
ITEMS = {
    "plain": ("What is 2+2?", ["4", "5"], {
        "u1": {"preference": "a", "ratings": {"a": {"helpfulness": 5}, "b": {"helpfulness": 1}},
               "flags": {"b": ["factual_error"]}},
        "u2": {"preference": "a", "ratings": {"a": {"helpfulness": 4}, "b": {"helpfulness": 2}}},
        "u3": {"preference": "b", "ratings": {"a": {"helpfulness": 3}, "b": {"helpfulness": 3}}}}),
    "conv": (CONVERSATION, ["Yes, take one.", TOOL_ANSWER], {"u1": {"preference": "b"}, "u2": {"preference": "b"}}),
    "three": ("Pick a colour", ["A red", "B blue", "C green"], {
        "u1": {"preference": "b"}, "u2": {"preference": "b"}, "u3": {"preference": "c"}}),
    "fixed": ("Spell colour", ["color", "colour!"], {
        "u1": {"preference": "a", "correction": "colour", "updated_at": T0},
        "u2": {"preference": "a", "correction": "Colour.", "updated_at": T0 + timedelta(hours=1)}}),
    "both-bad": ("Say hi", ["Go away", "Whatever"], {"u1": {"preference": "both_bad"},
                                                      "u2": {"preference": "both_bad"}}),
    "tie": ("Say bye", ["Bye", "Goodbye"], {"u1": {"preference": "tie"}, "u2": {"preference": "tie"}}),
    "split": ("Say yes", ["Yes", "Yep"], {"u1": {"preference": "a"}, "u2": {"preference": "b"}}),
    "hostile": (HOSTILE, ["A: " + HOSTILE, "B: " + HOSTILE], {"u1": {"preference": "a", "rationale": HOSTILE,
                                                                     "correction": "C: " + HOSTILE}}),
    "long": (LONG, ["short", "!" + LONG], {"u1": {"preference": "b"}, "u2": {"preference": "b"}}),
}


def add_item(session, project, ext, source, outputs, position):
    """``source``: a prompt, or a conversation; the conversation item also carries tools."""
    messages = source if isinstance(source, list) else None
    meta = {"note": ext} | ({"tools": TOOLS_OF_CONV} if ext == "conv" else {})
    return add_export_item(session, project, ext, prompt=source, messages=messages, outputs=outputs,
                           position=position, meta=meta)


def populate(session, project, items=ITEMS):
    users = add_users(session, {"u1", "u2", "u3"})
    for position, (ext, (source, outputs, answers)) in enumerate(items.items()):
        item = add_item(session, project, ext, source, outputs, position)
        for name, fields in answers.items():
            fields = {"updated_at": T0, "created_at": T0} | fields
            session.add(Annotation(item_id=item.id, user_id=users[name].id, **fields))
    session.commit()


@pytest.fixture
def project(session, make_project):
    project = make_project("p")
    populate(session, project)
    return project


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(datasets.config, "HF_DATASETS_OFFLINE", True, raising=False)
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True, raising=False)


def export(session, fmt, form="standard", **options):
    return build_export(session=session, user=None, project="p", options=ExportOptions(format=fmt, form=form,
                                                                                     **options))


# --- the schema of each format, written independently of the exporter ---------------------------------------

TEXT, COUNT, SHARE, BOOL, LABEL, SECONDS, JSON, TOOLS = (
    "text", "count", "share", "bool", "label", "seconds", "json", "tools")
PAIR = {"item_id": TEXT, "num_annotators": COUNT, "majority_share": SHARE, "chosen_model": LABEL,
        "rejected_model": LABEL, "metadata": TEXT, "consensus": TEXT, "confidence": SHARE, "adjudicated": BOOL}
ONE = {"item_id": TEXT, "num_annotators": COUNT, "consensus": TEXT, "confidence": SHARE, "adjudicated": BOOL}
SCHEMAS = {  # format -> (training columns -> allowed roles, other columns -> kind)
    "dpo": ({"prompt": "any", "chosen": "answer", "rejected": "answer"}, PAIR),
    "rm": ({"chosen": "any", "rejected": "any"}, {"margin": SHARE} | PAIR),
    "kto": ({"prompt": "any", "completion": "answer"}, {"label": BOOL, "model": LABEL} | ONE),
    "sft": ({"prompt": "any", "completion": "answer"}, {"target": TEXT, "annotator": LABEL, "model": LABEL} | ONE),
    "corrections": ({"prompt": "any", "chosen": "answer", "rejected": "answer"},
                    {"item_id": TEXT, "annotator": TEXT, "rejected_model": LABEL, "num_annotators": COUNT}),
    "raw": ({}, {"item_id": TEXT, "annotator": TEXT, "preference": LABEL, "ranking": JSON, "thumbs": JSON,
                 "ratings": JSON, "flags": JSON, "correction": LABEL, "rationale": LABEL, "shown_order": JSON,
                 "time_spent_s": SECONDS, "source": TEXT, "revision": COUNT, "schema_version": COUNT,
                 "guidelines_version": COUNT, "gold": LABEL, "created_at": TEXT, "updated_at": TEXT}),
}
ANSWER_ROLES = {"assistant", "tool"}
ALL_ROLES = {"system", "user", "assistant", "tool"}
MESSAGES = datasets.List({"role": datasets.Value("string"), "content": datasets.Value("string")})
FEATURES = {TEXT: "string", LABEL: "string", JSON: "string", TOOLS: "string", COUNT: "int64", SHARE: "float64",
            SECONDS: "float64", BOOL: "bool"}


def schema(fmt, form):
    training, other = SCHEMAS[fmt]
    if fmt == "sft" and form == "conversational":
        training = {"messages": "any"}
    if form == "conversational" and fmt != "corrections":
        other = {"tools": TOOLS} | other
    return training, other


def check_text(value, where):
    assert isinstance(value, str), where
    assert value.strip(), f"{where}: empty text"


def check_messages(value, roles, where):
    assert isinstance(value, list) and value, f"{where}: not a non-empty message list"
    for msg in value:
        assert set(msg) == {"role", "content"}, where
        assert msg["role"] in (ALL_ROLES if roles == "any" else ANSWER_ROLES), where
        check_text(msg["content"], where)


def check_value(value, kind, where):
    assert value is not None, f"{where}: null"   # a null first block cannot be typed by datasets' JSON reader
    if kind in (TEXT, JSON, TOOLS):
        check_text(value, where)
        decoded = json.loads(value) if kind != TEXT else None
        if kind == TOOLS:
            assert isinstance(decoded, list) and all(isinstance(t, dict) and t for t in decoded), where
    elif kind == LABEL:
        assert isinstance(value, str), where
    elif kind == COUNT:
        assert type(value) is int and value >= 0, where
    elif kind == SHARE:
        assert type(value) is float and 0.0 <= value <= 1.0, where
    elif kind == SECONDS:
        assert type(value) is float and (value >= 0 or value == -1), where
    elif kind == BOOL:
        assert type(value) is bool, where


def check_row(row, fmt, form):
    training, other = schema(fmt, form)
    where = f"{fmt}/{form} row {row.get('item_id')}"
    assert set(row) == set(training) | set(other), where
    for column, roles in training.items():
        if form == "standard":
            check_text(row[column], f"{where} {column}")
        else:
            check_messages(row[column], roles, f"{where} {column}")
    for column, kind in other.items():
        check_value(row[column], kind, f"{where} {column}")
    if "chosen" in row:
        assert row["chosen"] != row["rejected"], where
    if "prompt" in row:   # an explicit prompt is not repeated in the answers
        for column in ("chosen", "rejected", "completion"):
            if column not in row:
                continue
            if form == "standard":
                assert not row[column].strip().startswith(row["prompt"].strip()), where
            else:
                assert row[column][: len(row["prompt"])] != row["prompt"], where


def check_features(ds, fmt, form):
    training, other = schema(fmt, form)
    for column in training:
        expected = datasets.Value("string") if form == "standard" else MESSAGES
        assert ds.features[column] == expected, (fmt, form, column)
    for column, kind in other.items():
        assert ds.features[column] == datasets.Value(FEATURES[kind]), (fmt, form, column, ds.features[column])


TABULAR = [(fmt, form) for fmt in SCHEMAS for form in ("standard", "conversational")
           if not (fmt == "raw" and form == "conversational")]


@pytest.mark.parametrize(("fmt", "form"), TABULAR)
def test_every_loaded_row_obeys_its_format(session, project, tmp_path, fmt, form):
    options = ExportOptions(format=fmt, form=form)
    result = export_dataset(session=session, user=None, project="p", options=options, out_dir=tmp_path / "out")
    bundle = export(session, fmt, form)
    assert sorted(p.name for p in result.files) == sorted([f"{options.stem}.jsonl", f"{options.stem}.parquet",
                                                           MANIFEST])
    for builder, ext in (("json", "jsonl"), ("parquet", "parquet")):
        ds = datasets.load_dataset(builder, data_files=str(tmp_path / "out" / f"{options.stem}.{ext}"),
                                   split="train", cache_dir=str(tmp_path / f"hf-{ext}"))
        check_features(ds, fmt, form)
        loaded = ds.to_list()
        assert loaded == bundle.rows, (fmt, form, builder)
        for row in loaded:
            check_row(row, fmt, form)
    manifest = json.loads((tmp_path / "out" / MANIFEST).read_text("utf-8"))
    assert manifest["rows"] == len(bundle.rows) == result.n_rows
    assert manifest["columns"] == ds.column_names   # the Parquet file's column order


@pytest.mark.parametrize("fmt", ["openai-dpo", "openai-sft"])
def test_openai_files_have_exactly_the_documented_shape(session, project, tmp_path, fmt):
    options = ExportOptions(format=fmt)
    export_dataset(session=session, user=None, project="p", options=options, out_dir=tmp_path / "out")
    path = tmp_path / "out" / f"{fmt}.jsonl"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted([f"{fmt}.jsonl", MANIFEST])
    lines = [json.loads(line) for line in path.read_text("utf-8").split("\n")[:-1]]
    ds = datasets.load_dataset("json", data_files=str(path), split="train", cache_dir=str(tmp_path / "hf"))
    # OpenAI reads the lines as they are; datasets pads the optional tools key (None where absent), so compare
    # the columns every line has
    if fmt == "openai-sft":
        assert ds.select_columns(["messages"]).to_list() == [{"messages": row["messages"]} for row in lines]
        assert sum("tools" in row for row in lines) == 1
    else:
        assert [r["input"]["messages"] for r in ds.to_list()] == [row["input"]["messages"] for row in lines]
        assert ds.select_columns(["preferred_output", "non_preferred_output"]).to_list() == [
            {k: row[k] for k in ("preferred_output", "non_preferred_output")} for row in lines]
        assert sum("tools" in row["input"] for row in lines) == 1
    chat = {"system", "user", "assistant"}
    for row in lines:
        if fmt == "openai-dpo":
            assert set(row) == {"input", "preferred_output", "non_preferred_output"}
            assert set(row["input"]) in ({"messages"}, {"messages", "tools"})
            assert row["input"].get("tools", TOOLS_OF_CONV) == TOOLS_OF_CONV
            check_messages_roles(row["input"]["messages"], chat)
            assert row["input"]["messages"][-1]["role"] == "user"
            for side in ("preferred_output", "non_preferred_output"):
                assert len(row[side]) == 1 and set(row[side][0]) == {"role", "content"}
                assert row[side][0]["role"] == "assistant"
                check_text(row[side][0]["content"], side)
            assert row["preferred_output"] != row["non_preferred_output"]
        else:
            assert set(row) in ({"messages"}, {"messages", "tools"})
            assert row.get("tools", TOOLS_OF_CONV) == TOOLS_OF_CONV
            check_messages_roles(row["messages"], chat)
            assert row["messages"][-1]["role"] == "assistant"
    manifest = json.loads((tmp_path / "out" / MANIFEST).read_text("utf-8"))
    assert len(manifest["row_provenance"]) == len(lines)


def check_messages_roles(messages, roles):
    assert messages
    for msg in messages:
        assert set(msg) == {"role", "content"} and msg["role"] in roles
        check_text(msg["content"], msg["role"])


# --- format semantics --------------------------------------------------------------------------------------------

def test_dpo_pairs_and_exclusions(session, project):
    bundle = export(session, "dpo")
    assert [(r["item_id"], r["chosen"], r["rejected"]) for r in bundle.rows[:4]] == [
        ("plain", "4", "5"), ("conv", bundle.rows[1]["chosen"], " Yes, take one."),
        ("three", "B blue", "A red"), ("three", "B blue", "C green")]
    assert [r["item_id"] for r in bundle.rows] == ["plain", "conv", "three", "three", "fixed", "hostile", "long"]
    assert {k: v for k, v in bundle.excluded.items() if v} == {"tie": 1, "both_bad": 1, "split": 1}
    conv = export(session, "dpo", "conversational").rows[1]
    assert json.loads(conv["tools"]) == TOOLS_OF_CONV
    assert conv["prompt"][2] == {"role": "assistant", "content": '[tool call] weather({"city": "Paris"})'}
    assert conv["prompt"][3] == {"role": "tool", "content": "Sunny, 21 C"}
    assert [m["role"] for m in conv["chosen"]] == ["assistant", "tool", "assistant"]


def test_rm_margin_is_the_vote_share_gap(session, project):
    rows = export(session, "rm").rows
    margins = {(r["item_id"], r["rejected_model"]): r["margin"] for r in rows}
    assert margins[("plain", "model-b")] == pytest.approx(1 / 3)     # 2 of 3 for a, 1 for b
    assert margins[("conv", "model-a")] == 1.0
    assert margins[("three", "model-a")] == pytest.approx(2 / 3)     # 2 for b, none for a
    assert margins[("three", "model-c")] == pytest.approx(1 / 3)     # 2 for b, 1 for c
    plain = rows[0]
    assert (plain["chosen"], plain["rejected"]) == ("What is 2+2?\n\n4", "What is 2+2?\n\n5")
    conv = export(session, "rm", "conversational").rows[1]
    assert conv["chosen"][:5] == conv["rejected"][:5] and len(conv["chosen"]) == 5 + 3


def test_kto_labels_and_class_balance(session, project):
    bundle = export(session, "kto")
    labels = [(r["item_id"], r["model"], r["label"]) for r in bundle.rows]
    assert labels[:2] == [("plain", "model-a", True), ("plain", "model-b", False)]
    assert ("three", "model-b", True) in labels and ("three", "model-c", False) in labels
    assert [label for item, _, label in labels if item == "both-bad"] == [False, False]
    assert not any(item in ("tie", "split") for item, _, _ in labels)
    balance = bundle.manifest["class_balance"]
    desirable = sum(1 for r in bundle.rows if r["label"])
    assert balance["desirable"] == desirable == 6
    assert balance["undesirable"] == len(bundle.rows) - desirable == 9
    assert balance["desirable_weight"] == pytest.approx(9 / 6)


def test_sft_target_is_the_newest_correction_else_the_winner(session, project):
    rows = {r["item_id"]: r for r in export(session, "sft").rows}
    assert set(rows) == {"plain", "conv", "three", "fixed", "hostile", "long"}
    assert (rows["fixed"]["completion"], rows["fixed"]["target"], rows["fixed"]["annotator"]) == (
        "Colour.", "correction", "u2")
    assert (rows["plain"]["completion"], rows["plain"]["target"], rows["plain"]["model"]) == ("4", "consensus",
                                                                                              "model-a")
    assert rows["three"]["completion"] == "B blue"
    conv = {r["item_id"]: r for r in export(session, "sft", "conversational").rows}
    assert conv["fixed"]["messages"] == [{"role": "user", "content": "Spell colour"},
                                         {"role": "assistant", "content": "Colour."}]
    openai = export(session, "openai-sft")
    answers = [row["messages"][-1]["content"] for row in openai.rows]
    assert "Colour." in answers and "4" in answers


def test_corrections_rows(session, project):
    bundle = export(session, "corrections")
    assert [(r["item_id"], r["annotator"], r["chosen"], r["rejected"]) for r in bundle.rows] == [
        ("fixed", "u1", "colour", "color"), ("fixed", "u2", "Colour.", "color"),
        ("hostile", "u1", "C: " + HOSTILE, "A: " + HOSTILE)]
    assert bundle.excluded["no_corrections"] == len(ITEMS) - 2


def test_raw_has_one_row_per_annotation(session, project):
    rows = export(session, "raw").rows
    assert len(rows) == sum(len(answers) for _, _, answers in ITEMS.values())
    plain_u1 = next(r for r in rows if r["item_id"] == "plain" and r["annotator"] == "u1")
    assert json.loads(plain_u1["ratings"]) == {"a": {"helpfulness": 5}, "b": {"helpfulness": 1}}
    assert json.loads(plain_u1["flags"]) == {"b": ["factual_error"]}
    assert next(r for r in rows if r["annotator"] == "u2" and r["item_id"] == "fixed")["correction"] == "Colour."


def test_openai_dpo_rows(session, project):
    bundle = export(session, "openai-dpo")
    first = bundle.rows[0]
    assert first == {"input": {"messages": [{"role": "user", "content": "What is 2+2?"}]},
                     "preferred_output": [{"role": "assistant", "content": "4"}],
                     "non_preferred_output": [{"role": "assistant", "content": "5"}]}
    conv = bundle.rows[1]["input"]["messages"]
    assert [m["role"] for m in conv] == ["system", "user", "assistant", "user"]
    assert conv[2]["content"] == '[tool call] weather({"city": "Paris"})\n\nTool (weather): Sunny, 21 C'
    assert [p["item_id"] for p in bundle.manifest["row_provenance"]] == [
        "plain", "conv", "three", "three", "fixed", "hostile", "long"]


def test_hostile_text_is_kept_whole_in_every_format(session, project):
    for fmt in FORMATS:
        jsonl = next(data for name, data in export(session, fmt).files.items() if name.endswith(".jsonl"))
        lines = jsonl.decode("utf-8").splitlines()      # splits on U+2028 too: they must be escaped
        assert all(json.loads(line) for line in lines), fmt
        assert "👍🏽".encode() in jsonl and b"\\u2028" in jsonl, fmt
        if fmt not in ("raw", "corrections", "sft", "openai-sft"):
            assert LONG.encode() in jsonl, fmt


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("form", ["standard", "conversational"])
def test_same_data_and_options_give_the_same_bytes(session, project, fmt, form):
    first, second = export(session, fmt, form), export(session, fmt, form)
    assert first.files == second.files
    assert first.zip_bytes() == second.zip_bytes()


# --- a bad stored row stops the export, whatever the format ----------------------------------------------------------

BROKEN_PROMPT = {"broken": ([{"role": "user", "content": "   "}], ["x", "y"],
                            {"u1": {"preference": "a", "correction": "z"}})}
BROKEN_ANSWER = {"broken": ("ok?", [[{"role": "assistant", "content": "hi"}, {"role": "assistant", "content": ""}], "y"],
                            {"u1": {"preference": "a", "correction": "z"}, "u2": {"preference": "a"}})}


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "raw"])
@pytest.mark.parametrize(("broken", "field"), [(BROKEN_PROMPT, "prompt message 1 content: empty text"),
                                               (BROKEN_ANSWER, "content: empty text")])
def test_a_bad_row_names_item_and_field_and_writes_nothing(session, make_project, tmp_path, fmt, broken, field):
    project = make_project("p")
    if fmt in ("sft", "openai-sft"):   # a correction would be the target: the broken answer must win the vote
        source, outputs, answers = broken["broken"]
        broken = {"broken": (source, outputs, {u: {"preference": "a"} for u in answers})}
    populate(session, project, {"fine": ITEMS["fixed"]} | broken)
    with pytest.raises(ExportError, match="Item 'broken', ") as error:
        export_dataset(session=session, user=None, project="p", options=ExportOptions(format=fmt),
                       out_dir=tmp_path / "out")
    assert field in str(error.value)
    assert not (tmp_path / "out").exists()


def test_columns_filled_only_in_late_rows_still_load(session, make_project, tmp_path):
    """datasets' JSON reader types each block of lines on its own: a column that is null (or a whole-second
    time) in the first blocks and filled (or fractional) later used to fail to load."""
    project = make_project("p")
    early = {f"e{n:03d}": (f"q{n}", ["x", "y"], {"u1": {"preference": "a"}}) for n in range(200)}
    late = {"late": ("q", ["x", "y"], {"u1": {"preference": "a", "correction": "z", "rationale": "why",
                                              "time_spent_s": 3.5, "shown_order": ["b", "a"], "schema_version": 2,
                                              "gold_correct": True, "ratings": {"a": {"helpfulness": 4}},
                                              "updated_at": T0 + timedelta(microseconds=5)}})}
    populate(session, project, early | late)
    for fmt in ("raw", "sft"):
        options = ExportOptions(format=fmt)
        export_dataset(session=session, user=None, project="p", options=options, out_dir=tmp_path / fmt)
        path = tmp_path / fmt / f"{options.stem}.jsonl"
        assert path.stat().st_size > 2 * (16 << 10)   # several of the reader's 16 kB blocks
        ds = datasets.load_dataset("json", data_files=str(path), split="train", chunksize=1024,
                                   cache_dir=str(tmp_path / f"hf-{fmt}"))
        assert ds.to_list() == export(session, fmt).rows
    last = ds.to_list()[-1]
    assert (last["item_id"], last["target"], last["confidence"]) == ("late", "correction", 1.0)
    raw = export(session, "raw").rows
    assert (raw[0]["time_spent_s"], raw[0]["correction"], raw[0]["ranking"], raw[0]["gold"]) == (-1.0, "", "null", "")
    assert (raw[-1]["time_spent_s"], raw[-1]["gold"], raw[-1]["updated_at"]) == (
        3.5, "correct", "2026-01-01T00:00:00.000005+00:00")


def test_the_same_correction_by_two_annotators_gives_one_row(session, make_project):
    project = make_project("fixes")
    item = add_export_item(session, project, "c1", prompt="Capital of France?", outputs=["Lyon.", "Marseille."])
    users = add_users(session, {"u1", "u2", "u3"})
    for name, fix in (("u1", "Paris."), ("u2", " Paris. "), ("u3", "It is Paris.")):
        session.add(Annotation(item_id=item.id, user_id=users[name].id, preference="a", correction=fix))
    session.commit()
    bundle = build_export(session=session, user=None, project="fixes", options=ExportOptions(format="corrections"))
    assert [r["chosen"] for r in bundle.rows] == ["Paris.", "It is Paris."]
    assert bundle.excluded["repeated_corrections"] == 1
