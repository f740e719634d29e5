"""Parts of the Review page: the disputed items, everything said about one item side by side, and the
reviewer's decision forms. The decisions themselves are made by ``feedback.review.workflow``."""

import json
from typing import Any

import pandas as pd
import streamlit as st

from feedback.figures import EMPTY
from feedback.projects.schema import BOTH_BAD, TIE, LabelSchema, flag_title
from feedback.review.workflow import (
    ItemReview,
    ReviewQueue,
    adjudicate,
    decision_problems,
    describe_label,
    reopen,
    send_back,
)
from feedback.store.tables import Candidate, User
from feedback.ui.actions import apply
from feedback.ui.markdown import plain, safe_markdown
from feedback.ui.render import render_candidate, render_input
from feedback.ui.tables import figure_table

ITEM = "review.item_id"  # the item open on the Review page (set by the Agreement page too)
EXTRA_WORDS = {TIE: "tie", BOTH_BAD: "both bad"}


def queue_table(queue: ReviewQueue) -> pd.DataFrame:
    """The queue as rows a person reads: item, annotators, votes, consensus and how sure it is."""
    return pd.DataFrame([{
        "item": e.external_id, "annotators": e.n_annotators,
        "votes": ", ".join(f"{describe_label(k)}: {n}" for k, n in e.votes.items()),
        "consensus": describe_label(e.label), "confidence": e.confidence,
    } for e in queue.entries], columns=["item", "annotators", "votes", "consensus", "confidence"])


def _choice(key: str | None, models: dict[str, str]) -> str:
    if key is None:
        return EMPTY
    return EXTRA_WORDS.get(key, f"{key} ({models.get(key) or 'no model'})")


def annotations_table(review: ItemReview) -> pd.DataFrame:
    """One row per annotator: their choice (by candidate, never by screen side), what they saw on the left,
    scores, flags, rationale, whether they wrote a correction, time spent."""
    models = {c["key"]: c["model"] for c in review.candidates}
    rows = []
    for a in review.annotations:
        ranking = a["ranking"] or {}
        rows.append({
            "annotator": a["annotator"],
            "choice": _choice(a["preference"], models) if not ranking
            else " > ".join(sorted(ranking, key=ranking.get)),
            "left": (a["shown_order"] or [EMPTY])[0],
            "ratings": "; ".join(f"{k}: " + ", ".join(f"{d} {v}" for d, v in scores.items())
                                 for k, scores in (a["ratings"] or {}).items()),
            "flags": "; ".join(f"{k}: {', '.join(f)}" for k, f in (a["flags"] or {}).items()),
            "rationale": a["rationale"] or "",
            "correction": bool(a["correction"]),
            "seconds": a["time_spent_s"],
        })
    table = pd.DataFrame(rows, columns=["annotator", "choice", "left", "ratings", "flags", "rationale",
                                        "correction", "seconds"])
    table["seconds"] = pd.to_numeric(table["seconds"], errors="coerce")
    return table


def show_item(review: ItemReview) -> None:
    """The item, its answers side by side (with model names), and every annotation."""
    render_input(review.item)
    columns = st.columns(len(review.candidates))
    for candidate, column in zip(review.candidates, columns):
        with column:
            st.markdown(f"**{plain(candidate['key'])}** · {plain(candidate['model'] or 'no model')}")
            render_candidate(Candidate(item_id=review.item.id, **candidate))
    st.markdown("**What the annotators said**")
    figure_table(annotations_table(review), counts=["seconds"], column_config={
        "Left": st.column_config.Column("Shown left", help="the answer they saw on the left: a check on position bias"),
        "Seconds": st.column_config.Column("Time (s)")})
    for a in review.annotations:
        if a["correction"]:
            with st.expander(f"Correction by {plain(a['annotator'])}"):
                st.markdown(safe_markdown(a["correction"]))
    if review.suggestions:
        with st.expander(f"Automatic judges ({len(review.suggestions)})"):
            for s in review.suggestions:
                score = f", score {s['score']:g}" if s["score"] is not None else ""
                st.markdown(safe_markdown(f"**{s['agent']}**: {_choice(s['preference'], {})}{score}. "
                                          f"{s['rationale'] or ''}"))


FIELDS = {"preference": "The better answer", "ranking": "The ranking", "correction": "The final corrected answer",
          "rationale": "The rationale", "reason": "Why", "extra": "How many more", "answer": "The answer"}
PER_ANSWER = {"ranking": "Rank of {name}", "thumbs": "Thumbs for {name}", "flags": "Flags of {name}",
              "ratings": "Scores of {name}"}


def _subject(field: str, names: dict[str, str], schema: LabelSchema) -> str:
    """What a problem's field points at, in the page's words: ``ratings.a.clarity`` -> ``Clarity of a (v1)``."""
    head, _, rest = field.partition(".")
    key, _, part = rest.partition(".")
    if not rest or head not in PER_ANSWER:
        return FIELDS.get(head, head.replace("_", " ").capitalize())
    name = names.get(key, key)
    if head == "ratings" and part:
        dimension = schema.dimension(part)
        return f"{dimension.title if dimension else part.replace('_', ' ').capitalize()} of {name}"
    if head == "flags" and part:
        return f"The flag {flag_title(part)} of {name}"
    return PER_ANSWER[head].format(name=name)


def in_screen_words(problems: list[tuple[str, str]], names: dict[str, str], schema: LabelSchema) -> list[str]:
    """Each ``(field, reason)`` problem as a sentence naming what the page shows: an answer by its key and model
    (``names``), a rubric dimension by its title: ``ratings.a.clarity: required: a score from 1 to 5`` ->
    ``Clarity of a (v1) is required: a score from 1 to 5``."""
    sentences = []
    for field, reason in problems:
        subject = _subject(field, names, schema)
        if reason.startswith("required"):
            detail = reason[len("required"):].lstrip(" :")
            sentences.append(f"{subject} is required" + (f": {detail}" if detail else ""))
        else:
            sentences.append(f"{subject}: {reason}")
    return sentences


def _refused(top, problems: list[tuple[str, str]], names: dict[str, str], schema: LabelSchema) -> bool:
    """Show every problem at once at the top of the form (``top``) and as a toast; whether there was any."""
    if not problems:
        return False
    sentences = in_screen_words(problems, names, schema)
    top.error("\n".join(f"- {plain(sentence)}" for sentence in sentences), icon=":material/error:")
    st.toast(f"Not saved: {len(sentences)} problem{'' if len(sentences) == 1 else 's'} at the top of the form",
             icon=":material/error:")
    return True


def _answer_options(review: ItemReview, schema: LabelSchema) -> list[str]:
    return [c["key"] for c in review.candidates] + list(schema.preference_extra)


def _closing(action):
    """``action`` (a change), then close the item on the page so the queue's next one opens."""
    def run(session):
        result = action(session)
        st.session_state.pop(ITEM, None)
        return result

    return run


def decision_forms(user: User, review: ItemReview, schema: LabelSchema) -> None:
    """Set the final answer, ask for more annotators, or reopen; each needs a reason."""
    item = review.item
    base = f"review.{item.id}"
    final, more = st.columns(2)
    models = {c["key"]: c["model"] for c in review.candidates}
    names = {key: _choice(key, models) for key in models}
    keys = [c["key"] for c in review.candidates]
    with final.form(f"{base}.final"):
        st.markdown("**Set the final answer**")
        top = st.container()
        answer: dict[str, Any] = {}
        if len(review.candidates) == 2:
            answer["preference"] = st.radio("Better answer", _answer_options(review, schema), horizontal=True,
                                            format_func=lambda k: plain(_choice(k, models)), key=f"{base}.preference",
                                            index=None)
        else:
            ranks = list(range(1, len(review.candidates) + 1))
            answer["ranking"] = {c["key"]: st.selectbox(f"Rank of {plain(c['key'])}", ranks, index=n,
                                                        key=f"{base}.rank.{c['key']}")
                                 for n, c in enumerate(review.candidates)}
        if schema.correction:
            answer["correction"] = st.text_area("Final corrected answer (optional)", key=f"{base}.correction")
        reason = st.text_input("Why", key=f"{base}.final_reason")
        if st.form_submit_button("Save final answer", type="primary") and not _refused(
                top, decision_problems(schema, keys, reason=reason, answer=answer), names, schema):
            apply(_closing(lambda s: adjudicate(session=s, user=user, item_id=item.id, answer=answer, reason=reason)),
                  f"Final answer saved for {item.external_id}.")
    with more.form(f"{base}.more"):
        st.markdown("**Ask for more annotators**")
        top = st.container()
        extra = st.number_input("How many more", 1, 10, 1, key=f"{base}.extra")
        why = st.text_input("Why", key=f"{base}.more_reason")
        if st.form_submit_button("Send back") and not _refused(top, decision_problems(schema, [], reason=why),
                                                                 names, schema):
            apply(_closing(lambda s: send_back(session=s, user=user, item_id=item.id, extra=int(extra), reason=why)),
                  f"{item.external_id} goes back to the annotators for {int(extra)} more answer(s).")
    if review.standing is not None:
        with st.form(f"{base}.reopen"):
            st.markdown(f"**Final answer in force**: {plain(json.dumps(review.standing, ensure_ascii=False))}")
            top = st.container()
            why = st.text_input("Why reopen", key=f"{base}.reopen_reason")
            if st.form_submit_button("Reopen") and not _refused(top, decision_problems(schema, [], reason=why),
                                                                names, schema):
                apply(lambda s: reopen(session=s, user=user, item_id=item.id, reason=why),
                      f"{item.external_id} is open again.")


def decisions_table(review: ItemReview) -> None:
    if review.decisions:
        table = pd.DataFrame(review.decisions).drop(columns=["id"])
        table["answer"] = table["answer"].map(lambda a: json.dumps(a) if a else "")
        table["reviewer"] = table["reviewer"].fillna("(automatic)")
        figure_table(table.drop(columns=["automatic"]))
    else:
        st.caption("No decision on this item yet.")
