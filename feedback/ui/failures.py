"""What the user sees when something fails under a page, with the traceback in the server log only:

- ``database_errors()``: app.py runs every page in it. A database that is locked, busy, unreachable or whose
  connection was lost (any DBAPI error, or no pooled connection in time) ends the page with one clear message;
  every use case is one transaction, so nothing was half-saved.
- ``item_errors(name)``: the Rate page draws one item in it. Whatever that item's drawing raises (bad data from an
  older version, a bug) replaces the item with a message naming it, and the page goes on: Skip stays available.

Streamlit's own control flow (``st.stop``, ``st.rerun``) is never caught, nor is a ``FeedbackError`` by
``database_errors`` (pages show those themselves).
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import streamlit as st
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from streamlit.runtime.scriptrunner import RerunException, StopException

from feedback.errors import FeedbackError
from feedback.ui.markdown import code, safe_markdown

log = logging.getLogger(__name__)

DATABASE_ERRORS = (DBAPIError, PoolTimeout)
CONTROL_FLOW = (StopException, RerunException)
DATABASE_MESSAGE = (
    "**The database did not answer**: it was busy, or the connection to it was lost, so this page could not "
    "finish. Nothing was half-saved: each action is saved whole or not at all. Please try again in a moment "
    "(reload the page, or repeat what you just did); if this keeps happening, tell your admin.")
SKIP_HINT = "Skip it to go on to the next item; it stays available to the other annotators."


@contextmanager
def database_errors() -> Iterator[None]:
    """Run a page; a database error in it is shown as ``DATABASE_MESSAGE`` and logged with its traceback."""
    try:
        yield
    except (*CONTROL_FLOW, FeedbackError):
        raise
    except DATABASE_ERRORS:
        log.exception("Database error while running a page")
        st.error(DATABASE_MESSAGE, icon=":material/database:")


@dataclass
class Drawing:
    """How drawing an item went: ``failed`` is set by ``item_errors`` when it could not be shown."""

    failed: bool = False


@contextmanager
def item_errors(name: str) -> Iterator[Drawing]:
    """Draw one item (named ``name``, its id as imported: untrusted text) in a slot of the page. An error in the
    drawing replaces the slot with a message naming the item and sets ``failed``; the page goes on. Database
    errors are not the item's fault: they go on up to ``database_errors``."""
    drawing = Drawing()
    slot = st.empty()
    try:
        with slot.container():
            yield drawing
    except (*CONTROL_FLOW, *DATABASE_ERRORS):
        raise
    except FeedbackError as e:
        drawing.failed = True
        slot.error(f"Item {code(name)} could not be shown: {safe_markdown(str(e))}\n\n{SKIP_HINT}")
    except Exception as e:  # logged with its traceback, and shown
        log.exception("Item %r could not be shown", name)
        drawing.failed = True
        slot.error(f"Item {code(name)} could not be shown: its data could not be drawn ({code(type(e).__name__)}; "
                   f"the details are in the server log). {SKIP_HINT}", icon=":material/error:")
