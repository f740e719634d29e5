"""The tools an item's agent could call, as export columns. Pure.

An imported item may carry ``tools``: a list of function/tool JSON schemas, OpenAI style
(``{"type": "function", "function": {"name", "description", "parameters"}}``); the importer keeps them in
``Item.meta["tools"]`` (``feedback.intake.parse``).

- **TRL** (the conversational form of ``dpo``, ``rm``, ``kto`` and ``sft``): a ``tools`` column on every row,
  the JSON text of the item's tool list (keys sorted), ``"[]"`` for an item without tools. TRL's trainers
  read the column per row and pass it to the chat template; they ``json.loads`` a text value (TRL's preferred
  form since huggingface/trl#5118) and use a list as is. Text, not a nested list, because Arrow and Parquet
  give every row of a nested column one struct type: tool schemas with different parameters would be padded
  with ``None`` keys, which corrupts them. The empty list, not null, because a JSONL column null in its
  first blocks cannot be loaded by ``datasets``, and chat templates treat an empty list as no tools.
  The standard (text) form has no chat template to give tools to, so it has no ``tools`` column.
- **OpenAI chat fine-tuning** (``openai-sft``): a top-level ``tools`` list on the lines of items that have
  tools, as OpenAI's chat format takes it; **OpenAI preference fine-tuning** (``openai-dpo``): ``input.tools``,
  as its input takes it. Lines of items without tools have no ``tools`` key.
"""

import json
from typing import Any

import pandas as pd


def item_tools(items: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """External item id -> its tools (items with a non-empty list of tool objects only).

    A ``tools`` metadata entry that is not a list of objects (e.g. ``["get_sales"]``, tool names an older
    import kept as free metadata) is metadata, not tool schemas: it stays in the ``metadata`` column and gives
    no tools column value (the importer refuses a malformed ``tools`` field, so none can be stored from it)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for ext, meta in zip(items["external_id"], items["meta"]):
        tools = meta.get("tools") if isinstance(meta, dict) else None
        if isinstance(tools, list) and tools and all(isinstance(t, dict) and t for t in tools):
            out[str(ext)] = tools
    return out


def tools_text(tools: list[dict[str, Any]] | None) -> str:
    """The JSON text of a tool list (keys sorted, UTF-8 not escaped), ``"[]"`` for none."""
    return json.dumps(tools or [], ensure_ascii=False, sort_keys=True)


def add_tools_column(rows: list[dict[str, Any]], tools: dict[str, list[dict[str, Any]]],
                     item_ids: list[str] | None = None) -> None:
    """Give every row its item's ``tools`` text (``item_ids``: each row's item, when rows carry none)."""
    texts = {ext: tools_text(value) for ext, value in tools.items()}
    for row, ext in zip(rows, item_ids or [r["item_id"] for r in rows], strict=True):
        row["tools"] = texts.get(ext, "[]")


def add_openai_tools(rows: list[dict[str, Any]], tools: dict[str, list[dict[str, Any]]], item_ids: list[str]) -> None:
    """Give the OpenAI rows of items that have tools their ``tools`` list: top level in a chat row
    (``openai-sft``), in ``input`` in a preference row (``openai-dpo``)."""
    for row, ext in zip(rows, item_ids, strict=True):
        if ext in tools:
            row.get("input", row)["tools"] = tools[ext]
