"""Items that carry the tools their agent could call: checked on import, kept in Item.meta["tools"], exported
as TRL's ``tools`` column (conversational forms) and as OpenAI chat fine-tuning's top-level ``tools``."""

import json

import pytest
from sqlmodel import select

from feedback.errors import ImportRejected
from feedback.export.build import build_export, export_dataset
from feedback.export.options import ExportOptions
from feedback.intake.importer import import_file
from feedback.intake.parse import check_line
from feedback.store.tables import Item

WEATHER = {"type": "function", "function": {
    "name": "weather", "description": "Current weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
CLOCK = {"type": "function", "function": {"name": "clock", "parameters": {"type": "object", "properties": {}}}}
TOOL_ANSWER = [
    {"role": "assistant", "content": "", "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "weather", "arguments": '{"city": "Paris"}'}}]},
    {"role": "tool", "tool_call_id": "c1", "name": "weather", "content": "Sunny"},
    {"role": "assistant", "content": "It is sunny."},
]


def line(ext, tools=None, **extra):
    obj = {"id": ext, "prompt": f"Weather in Paris? ({ext})",
           "candidates": [{"id": "a", "messages": TOOL_ANSWER}, {"id": "b", "output": "No idea."}],
           "annotations": [{"annotator": "ann1", "preference": "a"}]}
    if tools is not None:
        obj["tools"] = tools
    return obj | extra


def import_lines(session, tmp_path, *lines):
    path = tmp_path / "items.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), "utf-8")
    return import_file(session=session, user=None, project="p", path=path)


def test_tools_are_kept_in_the_items_metadata(session, tmp_path):
    import_lines(session, tmp_path, line("with", [WEATHER, CLOCK], metadata={"team": "x"}), line("without"))
    items = {i.external_id: i for i in session.exec(select(Item)).all()}
    assert items["with"].meta == {"team": "x", "tools": [WEATHER, CLOCK]}
    assert "tools" not in items["without"].meta


def test_the_tools_are_part_of_the_items_content(session, tmp_path):
    first, _ = check_line(line("x", [WEATHER]), 1)
    second, _ = check_line(line("x", [CLOCK]), 1)
    bare, _ = check_line(line("x"), 1)
    assert len({first.content_hash, second.content_hash, bare.content_hash}) == 3
    empty, _ = check_line(line("x", []), 1)
    assert empty.content_hash == bare.content_hash and "tools" not in empty.meta


@pytest.mark.parametrize(("tools", "field", "reason"), [
    ("weather", "tools", "must be a list of tool objects, not text"),
    ([WEATHER, "clock"], "tools[1]", "must be a tool object"),
    ([{}], "tools[0]", "an empty object"),
    ([{"type": "function", "function": "weather"}], "tools[0].function", "must be an object"),
    ([{"type": "function", "function": {"description": "no name"}}], "tools[0].function.name", "must be text"),
    ([{"parameters": {}}], "tools[0]", "needs a function"),
])
def test_bad_tools_name_the_line_and_field(tools, field, reason):
    item, problems = check_line(line("x", tools), 7)
    assert item is None
    assert [(p.line, p.field) for p in problems] == [(7, field)]
    assert reason in problems[0].reason


def test_tools_given_twice_is_a_problem():
    _, problems = check_line(line("x", [WEATHER], metadata={"tools": [CLOCK]}), 3)
    assert [(p.line, p.field) for p in problems] == [(3, "metadata.tools")]


def test_a_bad_line_stops_the_import(session, tmp_path):
    with pytest.raises(ImportRejected, match="nothing was imported") as error:
        import_lines(session, tmp_path, line("ok", [WEATHER]), line("bad", [42]))
    assert [(p.line, p.field) for p in error.value.problems] == [(2, "tools[0]")]
    assert session.exec(select(Item)).all() == []


# --- export ----------------------------------------------------------------------------------------------------

def export(session, **options):
    return build_export(session=session, user=None, project="p", options=ExportOptions(**options))


@pytest.fixture
def imported(session, tmp_path):
    import_lines(session, tmp_path, line("with", [WEATHER, CLOCK]), line("without"))


@pytest.mark.parametrize("fmt", ["dpo", "rm", "kto", "sft"])
def test_conversational_rows_carry_a_tools_column(session, imported, fmt):
    rows = export(session, format=fmt, form="conversational").rows
    by_item = {r["item_id"]: r["tools"] for r in rows}
    assert json.loads(by_item["with"]) == [WEATHER, CLOCK]
    assert by_item["without"] == "[]"
    assert all("tools" not in r for r in export(session, format=fmt).rows)   # the standard form has none


def test_tools_column_loads_as_text_in_both_files(session, imported, tmp_path, monkeypatch):
    datasets = pytest.importorskip("datasets")
    monkeypatch.setattr(datasets.config, "HF_DATASETS_OFFLINE", True, raising=False)
    options = ExportOptions(format="dpo", form="conversational")
    export_dataset(session=session, user=None, project="p", options=options, out_dir=tmp_path / "out")
    for builder, ext in (("json", "jsonl"), ("parquet", "parquet")):
        ds = datasets.load_dataset(builder, data_files=str(tmp_path / "out" / f"{options.stem}.{ext}"),
                                   split="train", cache_dir=str(tmp_path / f"hf-{ext}"))
        assert ds.features["tools"] == datasets.Value("string")
        assert [json.loads(t) for t in ds["tools"]] == [[WEATHER, CLOCK], []]


def test_openai_sft_lines_carry_tools_where_the_item_has_them(session, imported):
    bundle = export(session, format="openai-sft")
    rows = {p["item_id"]: r for p, r in zip(bundle.manifest["row_provenance"], bundle.rows, strict=True)}
    assert rows["with"]["tools"] == [WEATHER, CLOCK]
    assert set(rows["without"]) == {"messages"}
    assert "tools" in bundle.manifest


def test_openai_dpo_lines_carry_tools_in_their_input(session, imported):
    bundle = export(session, format="openai-dpo")
    inputs = {p["item_id"]: r["input"] for p, r in zip(bundle.manifest["row_provenance"], bundle.rows, strict=True)}
    assert inputs["with"]["tools"] == [WEATHER, CLOCK]
    assert set(inputs["without"]) == {"messages"}


def test_tool_names_kept_as_free_metadata_are_not_tools(session, imported):
    """An older import may keep ``"tools": ["get_sales"]`` in its metadata: names, not schemas."""
    item = session.exec(select(Item).where(Item.external_id == "with")).one()
    item.meta = {"tools": ["get_sales"], "family": "tool"}
    session.add(item)
    session.commit()
    rows = {r["item_id"]: r for r in export(session, format="dpo", form="conversational").rows}
    assert rows["with"]["tools"] == "[]"
    assert json.loads(rows["with"]["metadata"]) == {"family": "tool", "tools": ["get_sales"]}
