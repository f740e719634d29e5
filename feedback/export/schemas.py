"""Columns, Parquet schemas and row checks of the export formats beyond DPO. Pure: no database.

Each tabular format declares its columns as ``(name, kind)``; the kind says what a value must be and
which Arrow type it is written as. ``validate_format_rows`` checks every row against its format before
anything is written: a bad row is an ``ExportError`` naming the item and field.

Kinds: ``prompt`` / ``completion`` / ``dialogue`` (text in the standard form; in the conversational form a
non-empty list of ``{role, content}`` messages: any role for a prompt or a whole dialogue, assistant and tool
for a completion), ``text`` (non-empty text), ``label`` (text, may be empty), ``json`` (JSON text),
``count`` (integer >= 0), ``share`` (float from 0 to 1), ``seconds`` (float >= 0, or -1 for not recorded),
``bool``, ``method`` (``majority``, ``dawid_skene``, ``mean_rank`` or ``mean_rating``), ``tools`` (the JSON
text of a list of tool objects, ``[]`` for an item without tools).

No kind admits null: Hugging Face ``datasets`` types each block of JSONL lines on its own, so a column whose
first block is all null and a later block is not fails to load. Formats say what stands for "not given".
"""

import json
import math
from typing import Any

import pyarrow as pa

from feedback.errors import ExportError
from feedback.export.rows import (
    COMPLETION_ROLES,
    CONSENSUS_METHODS,
    FORMS,
    ROLES,
    _bad,
    _check_message,
    _check_text,
    _same,
)

_MESSAGES = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))
_ARROW = {"text": pa.string(), "label": pa.string(), "json": pa.string(), "tools": pa.string(), "method": pa.string(),
          "count": pa.int64(), "share": pa.float64(), "seconds": pa.float64(), "bool": pa.bool_()}
_ROLES = {"prompt": ROLES, "dialogue": ROLES, "completion": COMPLETION_ROLES}

_PROVENANCE = [("item_id", "text"), ("num_annotators", "count"), ("consensus", "method"),
               ("confidence", "share"), ("adjudicated", "bool")]
_PAIR_PROVENANCE = [("item_id", "text"), ("num_annotators", "count"), ("majority_share", "share"),
                    ("chosen_model", "label"), ("rejected_model", "label"), ("metadata", "text"),
                    ("consensus", "method"), ("confidence", "share"), ("adjudicated", "bool")]

# format -> form -> columns. "raw" has one form (its columns do not depend on it).
COLUMNS: dict[str, dict[str, list[tuple[str, str]]]] = {
    "dpo": {form: [("prompt", "prompt"), ("chosen", "completion"), ("rejected", "completion")] + _PAIR_PROVENANCE
            for form in FORMS},
    "rm": {form: [("chosen", "dialogue"), ("rejected", "dialogue"), ("margin", "share")] + _PAIR_PROVENANCE
           for form in FORMS},
    "kto": {form: [("prompt", "prompt"), ("completion", "completion"), ("label", "bool"), ("model", "label")]
            + _PROVENANCE for form in FORMS},
    "sft": {"standard": [("prompt", "prompt"), ("completion", "completion")],
            "conversational": [("messages", "dialogue")]},
    "corrections": {form: [("prompt", "prompt"), ("chosen", "completion"), ("rejected", "completion"),
                           ("item_id", "text"), ("annotator", "text"), ("rejected_model", "label"),
                           ("num_annotators", "count")] for form in FORMS},
    "raw": {form: [("item_id", "text"), ("annotator", "text"), ("preference", "label"), ("ranking", "json"),
                   ("thumbs", "json"), ("ratings", "json"), ("flags", "json"), ("correction", "label"),
                   ("rationale", "label"), ("shown_order", "json"), ("time_spent_s", "seconds"),
                   ("source", "text"), ("revision", "count"), ("schema_version", "count"),
                   ("guidelines_version", "count"), ("gold", "label"), ("created_at", "text"),
                   ("updated_at", "text")] for form in FORMS},
}
for _form in FORMS:
    COLUMNS["sft"][_form] = COLUMNS["sft"][_form] + [("target", "text"), ("annotator", "label"),
                                                     ("model", "label")] + _PROVENANCE
PAIRED = {"dpo", "rm", "corrections"}  # chosen must differ from rejected
TOOLS = ("dpo", "rm", "kto", "sft")  # formats whose conversational form has a ``tools`` column


def columns(fmt: str, form: str, *, margin: bool = True) -> list[tuple[str, str]]:
    """``(name, kind)`` of every column of ``fmt`` in ``form``: training columns, ``tools`` (the conversational
    form of ``TOOLS``), then provenance. ``margin``: whether ``rm`` has its margin column."""
    cols = [c for c in COLUMNS[fmt][form] if margin or c[0] != "margin"]
    if form == "conversational" and fmt in TOOLS:
        last = max(n for n, (_, kind) in enumerate(cols) if kind in _ROLES)
        cols = cols[:last + 1] + [("tools", "tools")] + cols[last + 1:]
    return cols


def column_names(fmt: str, form: str, *, margin: bool = True) -> list[str]:
    return [name for name, _ in columns(fmt, form, margin=margin)]


def arrow_schema(fmt: str, form: str, *, margin: bool = True) -> pa.Schema:
    """The Parquet schema of ``fmt`` in ``form``: training columns first, then provenance."""
    return pa.schema([(name, (_MESSAGES if form == "conversational" else pa.string()) if kind in _ROLES
                       else _ARROW[kind]) for name, kind in columns(fmt, form, margin=margin)])


def _check_training(value: Any, *, kind: str, form: str, item: str, field: str) -> None:
    if form == "standard":
        if isinstance(value, list):
            raise _bad(item, field, "a message list in a standard-form export (every row must use one form)")
        _check_text(value, item=item, field=field)
        return
    if not isinstance(value, list):
        raise _bad(item, field, "text in a conversational export (every row must use one form)")
    if not value:
        raise _bad(item, field, "empty message list")
    for k, msg in enumerate(value, 1):
        _check_message(msg, item=item, field=f"{field} message {k}", roles=_ROLES[kind])


def _check_value(value: Any, *, kind: str, item: str, field: str) -> None:
    if kind in ("text", "json"):
        _check_text(value, item=item, field=field)
        if kind == "json":
            try:
                json.loads(value)
            except ValueError:
                raise _bad(item, field, "not valid JSON text") from None
    elif kind == "tools":
        _check_text(value, item=item, field=field)
        try:
            tools = json.loads(value)
        except ValueError:
            raise _bad(item, field, "not valid JSON text") from None
        if not isinstance(tools, list) or not all(isinstance(t, dict) and t for t in tools):
            raise _bad(item, field, "must be the JSON text of a list of tool objects")
    elif kind == "label":
        _check_text(value, item=item, field=field, allow_empty=True)
    elif kind == "method":
        if value not in CONSENSUS_METHODS:
            raise _bad(item, field, f"must be one of {', '.join(CONSENSUS_METHODS)}, not {value!r}")
    elif kind == "count":
        if type(value) is not int or value < 0:
            raise _bad(item, field, f"must be a non-negative integer, not {value!r}")
    elif kind == "share":
        if type(value) is not float or not 0.0 <= value <= 1.0:
            raise _bad(item, field, f"must be a float from 0 to 1, not {value!r}")
    elif kind == "seconds":
        if type(value) is not float or not (value >= 0.0 or value == -1.0) or math.isinf(value):
            raise _bad(item, field, f"must be a number of seconds (or -1: not recorded), not {value!r}")
    elif kind == "bool":
        if type(value) is not bool:
            raise _bad(item, field, f"must be true or false, not {value!r}")
    else:
        raise ExportError(f"Unknown column kind {kind!r} of {field}")


def _texts_ok(values: list[Any], *, empty: bool) -> bool:
    """All text (non-blank unless ``empty``) and valid Unicode: one encode of the joined column, not one per cell."""
    if not all(type(v) is str for v in values) or (not empty and not all(v.strip() for v in values)):
        return False
    try:
        "".join(values).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _column_ok(values: list[Any], kind: str) -> bool:
    """Whether a whole column passes ``_check_value``'s rules, checked column-wise (fast, no per-cell calls).
    False only means "look cell by cell", where the first bad cell is named."""
    if kind in ("text", "json", "tools", "label"):
        if not _texts_ok(values, empty=kind == "label"):
            return False
        if kind in ("json", "tools"):   # one parse of the column as a JSON array; a cell like "1, 2" adds items
            try:
                parsed = json.loads("[" + ",".join(values) + "]")
            except ValueError:
                return False
            if len(parsed) != len(values):
                return False
            if kind == "tools":
                return all(isinstance(v, list) and all(isinstance(t, dict) and t for t in v) for v in parsed)
        return True
    if kind == "method":
        return set(values) <= set(CONSENSUS_METHODS)
    if kind == "count":
        return all(type(v) is int and v >= 0 for v in values)
    if kind == "share":
        return all(type(v) is float and 0.0 <= v <= 1.0 for v in values)
    if kind == "seconds":
        return all(type(v) is float and (0.0 <= v < math.inf or v == -1.0) for v in values)
    if kind == "bool":
        return all(type(v) is bool for v in values)
    return False


def validate_format_rows(rows: list[dict[str, Any]], *, fmt: str, form: str, margin: bool = True,
                         training_checked: bool = False) -> None:
    """Check every row of a tabular format (``columns``); ``ExportError`` names the first bad item and field.

    Value columns are checked column-wise first; only a column that fails is checked cell by cell (to name the
    first bad item). Training columns and chosen != rejected are checked row by row, unless ``training_checked``
    says the caller has already checked them by the same rules (``feedback.export.rows.validate_rows``: DPO)."""
    if form not in FORMS:
        raise ExportError(f"Unknown form {form!r} (choose {' or '.join(FORMS)})")
    cols = columns(fmt, form, margin=margin)
    names = {name for name, _ in cols}
    shaped = all(isinstance(row, dict) and row.keys() == names for row in rows)
    slow = {name for name, kind in cols if kind not in _ROLES
            and not (shaped and _column_ok([row[name] for row in rows], kind))}
    training = [] if training_checked else [(name, kind) for name, kind in cols if kind in _ROLES]
    paired = fmt in PAIRED and not training_checked
    if shaped and not slow and not training and not paired:
        return
    for n, row in enumerate(rows, 1):
        item = str(row.get("item_id")) if isinstance(row, dict) else f"row {n}"
        if not shaped and (not isinstance(row, dict) or set(row) != names):
            raise _bad(item, "columns", f"a row must have exactly the columns {', '.join(n for n, _ in cols)}")
        for name, kind in cols:
            if kind in _ROLES:
                if not training_checked:
                    _check_training(row[name], kind=kind, form=form, item=item, field=name)
            elif name in slow:
                _check_value(row[name], kind=kind, item=item, field=name)
        if paired and _same(row["chosen"], row["rejected"]):
            raise _bad(item, "chosen", "the same as rejected")


def _check_openai_messages(messages: Any, *, item: str, field: str, roles: tuple[str, ...]) -> None:
    if not isinstance(messages, list) or not messages:
        raise _bad(item, field, "empty message list")
    for k, msg in enumerate(messages, 1):
        _check_message(msg, item=item, field=f"{field} message {k}", roles=roles)


def _check_tools_list(holder: dict[str, Any], *, item: str) -> None:
    if "tools" in holder and (not isinstance(holder["tools"], list) or not holder["tools"]
                              or not all(isinstance(t, dict) and t for t in holder["tools"])):
        raise _bad(item, "tools", "must be a non-empty list of tool objects")


def validate_openai_rows(rows: list[dict[str, Any]], *, fmt: str, items: list[str]) -> None:
    """OpenAI rows: ``openai-dpo`` ``{input: {messages[, tools]}, preferred_output, non_preferred_output}`` (each output
    one assistant message, the two different); ``openai-sft`` ``{messages}`` ending with an assistant message,
    plus ``tools`` (a non-empty list of tool objects) where the item has tools.
    ``items``: the item id of each row (OpenAI rows carry no provenance), for the error message."""
    for row, item in zip(rows, items, strict=True):
        if fmt == "openai-dpo":
            if not isinstance(row, dict) or set(row) != {"input", "preferred_output", "non_preferred_output"} \
                    or not isinstance(row["input"], dict) or set(row["input"]) - {"tools"} != {"messages"}:
                raise _bad(item, "columns", "a row must be {input: {messages[, tools]}, preferred_output, "
                                            "non_preferred_output}")
            _check_tools_list(row["input"], item=item)
            _check_openai_messages(row["input"]["messages"], item=item, field="input",
                                   roles=("system", "user", "assistant"))
            for field in ("preferred_output", "non_preferred_output"):
                out = row[field]
                if not isinstance(out, list) or len(out) != 1:
                    raise _bad(item, field, "must be a list of exactly one assistant message")
                _check_openai_messages(out, item=item, field=field, roles=("assistant",))
            if _same(row["preferred_output"], row["non_preferred_output"]):
                raise _bad(item, "preferred_output", "the same as non_preferred_output")
        else:
            if not isinstance(row, dict) or set(row) - {"tools"} != {"messages"}:
                raise _bad(item, "columns", "a row must be {messages} or {messages, tools}")
            _check_tools_list(row, item=item)
            _check_openai_messages(row["messages"], item=item, field="messages", roles=("system", "user", "assistant"))
            if row["messages"][-1]["role"] != "assistant":
                raise _bad(item, "messages", "the last message must be the assistant's target")
