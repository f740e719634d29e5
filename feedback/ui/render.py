"""Rendering of agent inputs and outputs. Agent text is untrusted: it is shown through
``feedback.ui.markdown.safe_markdown`` (nothing to fetch or run), never with ``unsafe_allow_html``.

An output that is empty (the agent returned nothing) is shown as ``NO_OUTPUT`` in the app's own muted caption
style, with a tooltip, so that it cannot be taken for an agent that wrote those words."""

import json

import streamlit as st

from feedback.projects.items import said_nothing
from feedback.store.tables import Candidate, Item
from feedback.ui.markdown import safe_markdown

NO_OUTPUT = "*(no output)*"
NO_OUTPUT_HELP = "The agent returned nothing: its output is empty. Judge it as it is."
AVATARS = {"user": ":material/person:", "assistant": ":material/smart_toy:", "system": ":material/settings:",
           "tool": ":material/build:"}


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
    """One agent output in a box; long outputs scroll inside it; an empty one is ``NO_OUTPUT``."""
    with st.container(height=height if _size(candidate) > long else "content", border=True, autoscroll=False):
        if said_nothing(candidate.output, candidate.messages):
            st.caption(NO_OUTPUT, help=NO_OUTPUT_HELP)
        elif candidate.messages:
            render_messages(candidate.messages)
        else:
            st.markdown(safe_markdown(candidate.output or ""))


def candidate_text(candidate: Candidate) -> str:
    """Plain text of an output, used to pre-fill a correction: empty text for an empty output (never
    ``NO_OUTPUT``, which is the page's words, not the agent's)."""
    if candidate.output is not None:
        return candidate.output
    finals = [m.get("content", "") for m in candidate.messages or [] if m.get("role") == "assistant"]
    return finals[-1] if finals else ""
