"""The parts of the My answers page: an annotator's answers as they saw them (A/B in their screen's order, with the
model), a prompt snippet and local times; their skipped items, each with *Un-skip*."""

from functools import partial
from itertools import pairwise

import pandas as pd
import streamlit as st

from feedback.figures import EMPTY, local_time, snippet
from feedback.labeling.annotate import ANSWER_FIELDS
from feedback.labeling.queue import display_order
from feedback.projects.schema import BOTH_BAD, TIE
from feedback.store.tables import Annotation, AnnotationRevision, Candidate, Item, Skip
from feedback.ui.markdown import code, plain
from feedback.ui.rating import letter
from feedback.ui.tables import safe_table

EXTRAS = {TIE: "Tie", BOTH_BAD: "Both bad"}


def screen_order(annotation: Annotation, user_id: int, item_id: int, candidates: list[Candidate]) -> list[Candidate]:
    """The candidates left to right as the annotator saw them: the order stored with the answer, else the Rate
    page's order for them (``display_order``)."""
    by_key = {c.key: c for c in candidates}
    keys = annotation.shown_order if sorted(annotation.shown_order or []) == sorted(by_key) else None
    return [by_key[k] for k in keys or display_order(user_id, item_id, list(by_key))]


def _named(candidate: Candidate, name: str) -> str:
    return f"{name} ({candidate.model})" if candidate.model else name


def choice_as_seen(preference: str | None, ranking: dict[str, int] | None, shown: list[Candidate]) -> str:
    """A choice in the words of the annotator's screen: ``A (agent-v1) is better``, ``Tie``, ``B > A = C``."""
    names = {c.key: (letter(n), c) for n, c in enumerate(shown)}
    if preference in EXTRAS:
        return EXTRAS[preference]
    if preference in names:
        name, candidate = names[preference]
        return f"{_named(candidate, name)} is better"
    if ranking:
        ranked = sorted((rank, names[k][0]) for k, rank in ranking.items() if k in names)
        text = ranked[0][1] if ranked else ""
        for (before, _), (rank, name) in pairwise(ranked):
            text += f" {'=' if rank == before else '>'} {name}"
        return text or EMPTY
    return EMPTY


def prompt_of(item: Item) -> str:
    """The item's prompt, or the last user message of its conversation."""
    if item.prompt:
        return item.prompt
    said = [m.get("content", "") for m in item.messages or [] if m.get("role") == "user"]
    return str(said[-1]) if said else ""


def answers_table(rows: list[tuple[Annotation, Item]], candidates: dict[int, list[Candidate]], user_id: int,
                  zone: str | None) -> pd.DataFrame:
    """One row per answer as its author saw it; times in ``zone``."""
    table = []
    for ann, item in rows:
        shown = screen_order(ann, user_id, item.id, candidates[item.id])
        table.append({"Item": item.external_id, "Prompt": snippet(prompt_of(item), 60),
                      "Your choice": choice_as_seen(ann.preference, ann.ranking, shown),
                      "Answers shown": " · ".join(_named(c, letter(n)) for n, c in enumerate(shown)),
                      "Answered": local_time(ann.created_at, zone), "Revision": ann.revision,
                      "Edited": local_time(ann.updated_at, zone) if ann.revision > 1 else EMPTY})
    return pd.DataFrame(table, columns=["Item", "Prompt", "Your choice", "Answers shown", "Answered", "Revision",
                                        "Edited"])


def revisions_table(revisions: list[AnnotationRevision], shown: list[Candidate], zone: str | None) -> pd.DataFrame:
    """The edits of an answer: when, the choice before and after as the annotator saw it, and what else changed."""
    def changed(old: dict, new: dict) -> str:
        return ", ".join(k for k in ANSWER_FIELDS if k not in ("preference", "ranking") and old.get(k) != new.get(k))

    return pd.DataFrame([{"Revision": r.revision, "When": local_time(r.created_at, zone),
                          "Choice before": choice_as_seen(r.old.get("preference"), r.old.get("ranking"), shown),
                          "Choice after": choice_as_seen(r.new.get("preference"), r.new.get("ranking"), shown),
                          "Also changed": changed(r.old, r.new) or EMPTY} for r in revisions],
                        columns=["Revision", "When", "Choice before", "Choice after", "Also changed"])


def _open(table_key: str, ids: list[int], state_key: str) -> None:
    selection = st.session_state[table_key].selection
    rows = list(selection.rows) or [int(cell[0]) for cell in selection.cells]
    st.session_state[state_key] = ids[rows[0]] if rows else None


def answers_picker(table: pd.DataFrame, ids: list[int], *, key: str, state_key: str) -> None:
    """The answers table; a click on a row (its box, or any of its cells) opens that answer (its id in
    ``st.session_state[state_key]``)."""
    st.dataframe(safe_table(table), hide_index=True, width="stretch", key=key,
                 selection_mode=["single-row", "single-cell"],
                 on_select=partial(_open, key, ids, state_key), placeholder=EMPTY)


def skipped_list(skips: list[tuple[Skip, Item]], total: int, zone: str | None, *, prefix: str) -> int | None:
    """The skipped items, each with an *Un-skip* button; the id of the item whose button was pressed."""
    st.subheader(f"Skipped ({total})")
    if not skips:
        st.caption("You have not skipped anything in this project.")
        return None
    st.caption("An item you un-skip comes back into your queue on the Rate page (if it still needs answers).")
    pressed = None
    for skip, item in skips:
        text, button = st.columns([5, 1], vertical_alignment="center")
        reason = f" · {plain(skip.reason)}" if skip.reason else ""
        text.markdown(f"{code(item.external_id)} {plain(snippet(prompt_of(item), 70))}  \n"
                      f":gray[skipped {local_time(skip.created_at, zone)}{reason}]")
        if button.button("Un-skip", key=f"{prefix}.unskip.{item.id}", icon=":material/undo:"):
            pressed = item.id
    if total > len(skips):
        st.caption(f"The {len(skips)} newest of {total} are listed.")
    return pressed
