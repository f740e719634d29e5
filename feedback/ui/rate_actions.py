"""The Rate page's Submit and Skip in one script run.

A click only records what to do: the button's callback, which Streamlit runs before the page's next run. That
run does it, after the page's sign-in check (a session ended meanwhile saves nothing) and before it serves an
item, then draws the next item. It reads the answer from the widgets then, after every callback of the run: a
choice clicked just before Submit is in it even when both clicks reach the server together.

Saving in the run of the click and then asking for another run (``st.rerun``) drew the old item once more and
cost a second run between Ctrl+Enter and the next prompt.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import streamlit as st

from feedback.errors import FeedbackError
from feedback.labeling.annotate import Answer, AnswerProblems, submit_annotation
from feedback.labeling.drafts import drop_draft
from feedback.labeling.queue import skip
from feedback.store.tables import Project, User
from feedback.ui import context
from feedback.ui.rating import FLASH, ITEM, LAST_SKIP, STARTED, forget_draft

_PENDING = "rate.pending"


@dataclass(frozen=True)
class _Request:
    item_id: int
    external_id: str
    answer_of: Callable[[], Answer] | None = None  # Submit; else Skip
    reason_of: Callable[[], str | None] | None = None


@dataclass
class Refusal:
    """Why the click on the item ``item_id`` saved nothing: ``problems`` of the answer (field, reason), with
    candidates named by key, or an ``error`` in words."""

    item_id: int
    problems: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None


def request_submit(item_id: int, external_id: str, answer_of: Callable[[], Answer]) -> None:
    """The Submit button's callback: save the answer ``answer_of`` reads in this run's script."""
    st.session_state[_PENDING] = _Request(item_id, external_id, answer_of=answer_of)


def request_skip(item_id: int, external_id: str, reason_of: Callable[[], str | None]) -> None:
    """The Skip button's callback: skip the item, for the reason ``reason_of`` reads, in this run's script."""
    st.session_state[_PENDING] = _Request(item_id, external_id, reason_of=reason_of)


def do_requested(user: User, project: Project) -> Refusal | None:
    """Save the answer or the skip asked for by the click that started this run, if any. Done: the item leaves
    the screen and the next run's toast says so. Refused: the item stays, and the refusal says why."""
    request = st.session_state.pop(_PENDING, None)
    if request is None or request.item_id != st.session_state.get(ITEM):
        return None  # nothing asked, or a click on an item no longer on screen (a double click)
    try:
        with context.session() as s:
            if request.answer_of is not None:
                answer = request.answer_of()
                answer.time_spent_s = round(time.monotonic() - st.session_state.get(STARTED, time.monotonic()), 1)
                submit_annotation(session=s, user=user, item_id=request.item_id, answer=answer)  # drops the draft
            else:
                skip(session=s, user=user, item_id=request.item_id, reason=request.reason_of())
                drop_draft(session=s, user=user, item_id=request.item_id)
                st.session_state[LAST_SKIP] = (project.id, request.item_id, request.external_id)
    except AnswerProblems as e:
        return Refusal(request.item_id, problems=e.problems)
    except FeedbackError as e:
        return Refusal(request.item_id, error=str(e))
    st.session_state.pop(ITEM, None)
    forget_draft(request.item_id)
    done = "Skipped" if request.answer_of is None else "Saved your answer on"
    st.session_state[FLASH] = f"{done} {request.external_id}"
    return None
