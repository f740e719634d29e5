"""Rendering of agent inputs and outputs. Agent text is untrusted: it is shown as Markdown with
HTML escaped (Streamlit's default), never with ``unsafe_allow_html``."""

import json
import re

import streamlit as st

from feedback.store.tables import Candidate, Item

AVATARS = {"user": ":material/person:", "assistant": ":material/smart_toy:", "system": ":material/settings:",
           "tool": ":material/build:"}


_CODE = re.compile(r"(```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)|`[^`\n]+`)", re.DOTALL)
_IMAGE = re.compile(r"!\[([^\]\n]*)\]\(([^)\n]*)\)")


def _inert(prose: str) -> str:
    prose = prose.replace("$", "\\$")  # money, not LaTeX
    return _IMAGE.sub(lambda m: f"[image: {m.group(1) or 'no description'}] `{m.group(2).strip()}`", prose)


def safe_markdown(text: str) -> str:
    """Agent text made inert for ``st.markdown``: ``$`` stays a dollar sign (no LaTeX) and images become
    text naming their address (no request leaves the annotator's browser for a tracking pixel). Code spans
    and fences are left exactly as written. Raw HTML is escaped by Streamlit itself."""
    parts = _CODE.split(text)
    return "".join(part if i % 2 else _inert(part) for i, part in enumerate(parts))


def _tool_text(content: str) -> None:
    try:
        st.code(json.dumps(json.loads(content), indent=2, ensure_ascii=False), language="json")
    except (ValueError, TypeError):
        st.code(content, language=None)


def render_messages(messages: list[dict]) -> None:
    """A conversation as chat bubbles; tool results as formatted code."""
    for message in messages:
        role = str(message.get("role", "user"))
        with st.chat_message(role, avatar=AVATARS.get(role)):
            if role == "tool":
                st.caption("tool result")
                _tool_text(str(message.get("content", "")))
            else:
                if role == "system":
                    st.caption("system prompt")
                st.markdown(safe_markdown(str(message.get("content", ""))))


def render_input(item: Item) -> None:
    """The agent's input: the prompt, or the conversation so far."""
    if item.messages:
        render_messages(item.messages)
    else:
        render_messages([{"role": "user", "content": item.prompt or ""}])


def _size(candidate: Candidate) -> int:
    if candidate.messages:
        return sum(len(str(m.get("content", ""))) + 200 for m in candidate.messages)
    return len(candidate.output or "") + 60 * (candidate.output or "").count("\n")


def render_candidate(candidate: Candidate, *, height: int = 480, long: int = 1500) -> None:
    """One agent output in a box; long outputs scroll inside it."""
    with st.container(height=height if _size(candidate) > long else "content", border=True):
        if candidate.messages:
            render_messages(candidate.messages)
        else:
            st.markdown(safe_markdown(candidate.output or ""))


def candidate_text(candidate: Candidate) -> str:
    """Plain text of an output, used to pre-fill a correction."""
    if candidate.output is not None:
        return candidate.output
    finals = [m.get("content", "") for m in candidate.messages or [] if m.get("role") == "assistant"]
    return finals[-1] if finals else ""
