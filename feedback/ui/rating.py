"""The rating widgets of the Rate page: the answers side by side, the choice, rubric, flags,
correction and rationale."""

import streamlit as st

from feedback.annotate import Answer
from feedback.models import Candidate
from feedback.schema import BOTH_BAD, TIE, LabelSchema, flag_title
from feedback.ui.render import candidate_text, render_candidate

LETTERS = "ABCDEFGH"
EXTRA_LABELS = {TIE: "Tie", BOTH_BAD: "Both bad"}


def _answers(shown: list[Candidate]) -> None:
    for letter, candidate, column in zip(LETTERS, shown, st.columns(len(shown))):
        with column:
            st.markdown(f"**Answer {letter}**")
            render_candidate(candidate)


def _choice(item_id: int, shown: list[Candidate], schema: LabelSchema) -> str | None:
    if len(shown) < 2:
        return None
    options = [c.key for c in shown] + schema.preference_extra
    labels = {c.key: f"{LETTERS[i]} is better" for i, c in enumerate(shown)} | EXTRA_LABELS
    return st.radio(
        "Which answer is better?", options, index=None, horizontal=True, key=f"rate.{item_id}.preference",
        format_func=lambda key: labels.get(key, key),
    )


def _rubric_and_flags(item_id: int, shown: list[Candidate], schema: LabelSchema) -> tuple[dict, dict]:
    ratings: dict[str, dict[str, int]] = {}
    flags: dict[str, list[str]] = {}
    for letter, candidate, column in zip(LETTERS, shown, st.columns(len(shown))):
        with column:
            scores = {}
            for dim in schema.rubric:
                value = st.radio(
                    f"{dim.title} of {letter}", dim.scale, index=None, horizontal=True,
                    key=f"rate.{item_id}.{candidate.key}.{dim.name}", help=dim.description or None,
                )
                if value is not None:
                    scores[dim.name] = int(value)
            ratings[candidate.key] = scores
            flags[candidate.key] = [
                flag for flag in schema.flags
                if st.checkbox(f"{flag_title(flag)} ({letter})", key=f"rate.{item_id}.{candidate.key}.flag.{flag}")
            ]
    return ratings, flags


def rating_form(item_id: int, shown: list[Candidate], schema: LabelSchema) -> tuple[Answer, bool]:
    """Draw the widgets for one item (candidates in the order shown); return the answer and whether
    the annotator pressed Submit."""
    _answers(shown)
    preference = _choice(item_id, shown, schema)
    ratings, flags = _rubric_and_flags(item_id, shown, schema)
    correction = None
    if schema.correction:
        chosen = next((c for c in shown if c.key == preference), shown[0] if len(shown) == 1 else None)
        with st.expander("Write the answer the agent should have given (optional)", expanded=False):
            correction = st.text_area(
                "Corrected response", value=candidate_text(chosen) if chosen else "", height=200,
                key=f"rate.{item_id}.correction.{preference}",
                help="Starts from the chosen answer; left unchanged, no correction is stored.",
            )
    rationale = None
    if schema.rationale:
        rationale = st.text_input("Why? (optional)", key=f"rate.{item_id}.rationale")
    submitted = st.button("Submit", type="primary", key=f"rate.{item_id}.submit", icon=":material/send:")
    answer = Answer(preference=preference, ratings=ratings, flags=flags, correction=correction or None,
                    rationale=rationale or None, shown_order=[c.key for c in shown])
    return answer, submitted
