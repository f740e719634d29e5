"""The text of a prompt or an output as curation measures and compares it. Pure.

- ``prompt_text``: a plain prompt as is; a conversation as one paragraph per message, ``role: content``
  (tool calls rendered as ``[tool call] NAME(ARGUMENTS)`` lines, content given as a list of parts reduced
  to its text parts), except that a conversation of a single user message is just that message's text, so
  the same question imported as a plain prompt or as one user message is the same prompt. Missing: ``""``.
- ``output_text``: a candidate's plain output, or its messages rendered the same way.
- ``normalise``: Unicode NFKC, case-folded, every run of white space one space, no space at either end.
- ``prompt_key``: ``normalise(prompt_text(...))``, the key of exact duplicates and of split groups.

Length limits count the characters (code points) of ``prompt_text`` / ``output_text``.
Unlike the exporters' renderers this never raises: malformed messages are rendered as far as they go.
"""

import json
import math
import unicodedata
from typing import Any


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value) == "<NA>"


def _content(value: Any) -> str:
    """Message content as text: a string, or the text parts of a list of content parts."""
    if _missing(value):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        parts = [p.get("text") if isinstance(p, dict) else p for p in value]
        return "\n".join(p for p in parts if isinstance(p, str))
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _call(call: Any) -> str:
    fn = call.get("function") if isinstance(call, dict) and isinstance(call.get("function"), dict) else call
    if not isinstance(fn, dict):
        return f"[tool call] {json.dumps(fn, ensure_ascii=False, sort_keys=True, default=str)}"
    args = fn.get("arguments")
    args = "" if _missing(args) else args if isinstance(args, str) else json.dumps(
        args, ensure_ascii=False, sort_keys=True, default=str)
    return f"[tool call] {fn.get('name') or 'tool'}({args})"


def _message(msg: Any) -> tuple[str, str]:
    if not isinstance(msg, dict):
        return "", _content(msg)
    calls = msg.get("tool_calls") or ([msg["function_call"]] if msg.get("function_call") else [])
    lines = [_content(msg.get("content")).strip()] + [_call(c) for c in calls if c]
    return str(msg.get("role") or ""), "\n".join(line for line in lines if line)


def render_messages(messages: list) -> str:
    """A list of messages as ``role: content`` paragraphs."""
    return "\n\n".join(f"{role}: {text}" if role else text for role, text in map(_message, messages))


def prompt_text(prompt: Any, messages: Any) -> str:
    """The item's prompt as text (rule in the module docstring)."""
    if isinstance(messages, list) and messages:
        if len(messages) == 1:
            role, text = _message(messages[0])
            if role == "user":
                return text
        return render_messages(messages)
    return "" if _missing(prompt) else str(prompt)


def output_text(output: Any, messages: Any) -> str:
    """A candidate's answer as text: its messages rendered when it has any, else its plain output."""
    if isinstance(messages, list) and messages:
        return render_messages(messages)
    return "" if _missing(output) else str(output)


def normalise(text: str) -> str:
    """NFKC, case-folded, white space collapsed to single spaces and trimmed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def prompt_key(prompt: Any, messages: Any) -> str:
    """The normalised prompt: equal keys are exact duplicates and share a split."""
    return normalise(prompt_text(prompt, messages))
