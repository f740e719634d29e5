"""Rendering of prompts and answers into the two TRL forms, and the checks of one cell. Pure: no database.

Rendering (both forms): an assistant message that only calls tools (empty content) gets the calls as
its content, one line each, ``[tool call] NAME(ARGUMENTS)``; an assistant message with text and tool
calls gets the lines after its text. Nothing else is dropped: a message with no content and no tool
call is an error, not a silent omission. Only ``role`` and ``content`` are kept in the conversational
form (tool call ids and names are not columns TRL reads).

Standard form: a plain prompt is used as is and a plain output as is. A conversation is rendered as
text with one turn per paragraph, ``Label: content`` (labels ``System``, ``User``, ``Assistant``,
``Tool`` or ``Tool (NAME)`` when the tool message names its tool), and the prompt ends with
``\\n\\nAssistant:``; the completion then starts with a space and the answer, as in HH-RLHF, so
``prompt + chosen`` reads as one transcript. Later turns of a tool-using answer (tool results, further
assistant turns) follow as labelled paragraphs.

An answer that is empty (``feedback.projects.items.said_nothing``: an agent that returned nothing, imported as empty text) is never
rendered: every format leaves out the rows that would need it and counts them as ``empty_output``, since TRL
must not get empty text.
"""

import json
import math
from collections.abc import Iterable
from typing import Any

import pandas as pd

from feedback.errors import ExportError

ROLES = ("system", "user", "assistant", "tool")
COMPLETION_ROLES = ("assistant", "tool")
LABELS = {"system": "System", "user": "User", "assistant": "Assistant", "tool": "Tool"}


def missing(value: Any) -> bool:
    """None, NaN or pandas' NA (what a missing cell of a loader's frame holds)."""
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _bad(item: str, field: str, problem: str) -> ExportError:
    return ExportError(f"Item {item!r}, {field}: {problem}")


def tool_call_text(call: Any) -> str:
    """``[tool call] NAME(ARGUMENTS)`` for an OpenAI-style tool call (``{"function": {...}}``) or a bare one."""
    fn = call.get("function") if isinstance(call, dict) and isinstance(call.get("function"), dict) else call
    if not isinstance(fn, dict):
        return f"[tool call] {json.dumps(fn, ensure_ascii=False, sort_keys=True, default=str)}"
    args = fn.get("arguments")
    if missing(args):
        args = ""
    elif not isinstance(args, str):
        args = json.dumps(args, ensure_ascii=False, sort_keys=True, default=str)
    return f"[tool call] {fn.get('name') or 'tool'}({args})"


def _message(raw: Any, *, item: str, field: str) -> tuple[str, Any, str | None]:
    """(role, content, tool name) of one stored message, tool calls rendered into the content."""
    if not isinstance(raw, dict):
        raise _bad(item, field, f"a message must be an object, not {type(raw).__name__}")
    content = raw.get("content")
    calls = raw.get("tool_calls") or ([raw["function_call"]] if raw.get("function_call") else [])
    if calls and (missing(content) or isinstance(content, str)):
        lines = [tool_call_text(c) for c in calls]
        text = "" if missing(content) else content.strip()
        content = "\n".join(([text] if text else []) + lines)
    name = raw.get("name")
    return raw.get("role"), content, name if isinstance(name, str) and name.strip() else None


def _messages(raw: Any, *, item: str, field: str, roles: tuple[str, ...]) -> list[tuple[str, Any, str | None]]:
    if not isinstance(raw, list) or not raw:
        raise _bad(item, field, "empty message list")
    out = [_message(m, item=item, field=f"{field} message {n}") for n, m in enumerate(raw, 1)]
    for n, (role, content, _name) in enumerate(out, 1):
        _check_message({"role": role, "content": content}, item=item, field=f"{field} message {n}", roles=roles)
    return out


def _label(role: str, name: str | None) -> str:
    return f"Tool ({name})" if role == "tool" and name else LABELS[role]


def prompt_value(prompt: Any, messages: Any, *, form: str, item: str) -> Any:
    """The item's prompt in ``form``: its messages if it has any, else its plain prompt."""
    if isinstance(messages, list) and messages:
        turns = _messages(messages, item=item, field="prompt", roles=ROLES)
        if form == "conversational":
            return [{"role": r, "content": c} for r, c, _ in turns]
        return "\n\n".join([f"{_label(r, n)}: {c.strip()}" for r, c, n in turns] + ["Assistant:"])
    if form == "conversational":
        return [{"role": "user", "content": None if missing(prompt) else prompt}]
    return None if missing(prompt) else prompt


def completion_value(output: Any, messages: Any, *, form: str, item: str, field: str, after_label: bool) -> Any:
    """A candidate's answer in ``form``. ``after_label``: the standard prompt ends with ``Assistant:``."""
    if isinstance(messages, list) and messages:
        turns = _messages(messages, item=item, field=field, roles=COMPLETION_ROLES)
        if form == "conversational":
            return [{"role": r, "content": c} for r, c, _ in turns]
        parts = [c.strip() if k == 0 and r == "assistant" else f"{_label(r, n)}: {c.strip()}"
                 for k, (r, c, n) in enumerate(turns)]
        text = "\n\n".join(parts)
        if not after_label:
            return text
        return (" " if turns[0][0] == "assistant" else "\n\n") + text
    text = None if missing(output) else output
    if form == "conversational":
        return [{"role": "assistant", "content": text}]
    if after_label and isinstance(text, str):
        return " " + text.strip()
    return text


def _same(a: Any, b: Any) -> bool:
    """Equal once surrounding white space is ignored (a DPO pair that differs only in white space is noise)."""
    if isinstance(a, str) and isinstance(b, str):
        return a.strip() == b.strip()
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return all(x.get("role") == y.get("role") and _same(x.get("content"), y.get("content"))
                   for x, y in zip(a, b))
    return a == b


def _check_text(value: Any, *, item: str, field: str, allow_empty: bool = False) -> None:
    if missing(value):
        raise _bad(item, field, "missing (null)")
    if not isinstance(value, str):
        raise _bad(item, field, f"must be text, not {type(value).__name__}")
    if not allow_empty and not value.strip():
        raise _bad(item, field, "empty text")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise _bad(item, field, f"not valid Unicode text ({e.reason} at position {e.start})") from None


def _check_message(msg: Any, *, item: str, field: str, roles: Iterable[str] = ROLES) -> None:
    if not isinstance(msg, dict) or set(msg) != {"role", "content"}:
        raise _bad(item, field, "a message must be an object with exactly the keys role and content")
    roles = tuple(roles)
    if msg["role"] not in roles:
        raise _bad(item, field, f"role {msg['role']!r} is not one of {', '.join(roles)}")
    _check_text(msg["content"], item=item, field=f"{field} content")
