"""Running one change from a page: a refusal is shown where it happened, a success survives the rerun."""

from collections.abc import Callable
from typing import Any

import streamlit as st
from sqlmodel import Session

from feedback.errors import FeedbackError
from feedback.ui import context
from feedback.ui.markdown import safe_markdown

FLASH = "app.flash"


def apply(change: Callable[[Session], Any], done: str | Callable[[Any], str]) -> None:
    """Run ``change(session)``; on success rerun, showing ``done`` (text, or a function of the result)
    once at the top of the next run (``show_flash``); on a ``FeedbackError`` show why, here."""
    try:
        with context.session() as s:
            result = change(s)
    except FeedbackError as e:
        st.error(safe_markdown(str(e)))
    else:
        st.session_state[FLASH] = done(result) if callable(done) else done
        st.rerun()


def flash(message: str) -> None:
    """Show ``message`` once on the next run (for callbacks, which run before the page)."""
    st.session_state[FLASH] = message


def show_flash() -> None:
    if message := st.session_state.pop(FLASH, None):
        st.success(safe_markdown(message))
