"""The rating widgets shared by the Rate and My answers pages: the answers side by side, the choice
(pairwise, or a ranking for 3+ answers), rubric scales with anchors, thumbs, flags, correction, rationale.

Every widget key starts with ``prefix.item_id`` so two items (or two pages) never share state.
"""

import re
import string

import streamlit as st

from feedback.labeling.annotate import Answer
from feedback.labeling.drafts import draft_fields, get_draft, save_draft
from feedback.labeling.skips import unskip
from feedback.projects.schema import BOTH_BAD, TIE, LabelSchema, flag_title
from feedback.store.tables import Candidate, User
from feedback.ui import context
from feedback.ui.render import candidate_text, render_candidate

LETTERS = string.ascii_uppercase
EXTRA_LABELS = {TIE: "Tie", BOTH_BAD: "Both bad"}
SHORTCUTS = "1234"  # A better, B better, tie, both bad: shown on the buttons; the keys act through feedback.ui.keys
SUBMIT_SHORTCUT = "ctrl+enter"


def letter(n: int) -> str:
    """The screen name of the ``n``-th answer shown (from 0): A to Z, then AA, AB... like spreadsheet columns.
    The importer takes at most 16 answers an item, but a database made by an older version may hold more."""
    name, n = "", n + 1
    while n:
        n, rest = divmod(n - 1, len(LETTERS))
        name = LETTERS[rest] + name
    return name


def screen_letters(shown: list[Candidate]) -> dict[str, str]:
    """Candidate key -> its letter on screen, for answers in the order ``shown``."""
    return {c.key: letter(n) for n, c in enumerate(shown)}


def _lettered(shown: list[Candidate]):
    """(letter, candidate, column) for each answer shown, side by side."""
    return [(letter(n), c, column) for n, (c, column) in enumerate(zip(shown, st.columns(len(shown))))]


def _required(label: str, required: bool) -> str:
    return f"{label} *" if required else label


def _answers(shown: list[Candidate]) -> None:
    for name, candidate, column in _lettered(shown):
        with column:
            st.markdown(f"**Answer {name}**")
            render_candidate(candidate)


def _choose(key: str, value: str) -> None:
    st.session_state[key] = value


def _pairwise(base: str, shown: list[Candidate], schema: LabelSchema, initial: Answer | None,
              keyboard: bool) -> str | None:
    key = f"{base}.preference"
    if key not in st.session_state:
        st.session_state[key] = initial.preference if initial else None
    options = [c.key for c in shown] + list(schema.preference_extra)
    labels = {key: f"{name} is better" for key, name in screen_letters(shown).items()} | EXTRA_LABELS
    st.markdown(_required("**Which answer is better?**", schema.preference_required))
    with st.container(key=f"{_blocks(base)}.choice", horizontal=True):  # each button as wide as its label: none cut short
        for n, option in enumerate(options):
            chosen = st.session_state[key] == option
            st.button(labels[option], key=f"{base}.choose.{option}", type="primary" if chosen else "secondary",
                      on_click=_choose, args=(key, option), width="content",
                      shortcut=SHORTCUTS[n] if keyboard and n < len(SHORTCUTS) else None,
                      icon=":material/check:" if chosen else ":material/check_box_outline_blank:")
    return st.session_state[key]


def _ranking(base: str, shown: list[Candidate], schema: LabelSchema, initial: Answer | None) -> dict | None:
    st.markdown(_required("**Rank the answers** (1 = best" + (", equal ranks for ties)" if schema.ranking_ties
                                                                else ")"), schema.ranking_required))
    ranks = list(range(1, len(shown) + 1))
    ranking = {}
    for name, candidate, column in _lettered(shown):
        start = (initial.ranking or {}).get(candidate.key) if initial else None
        value = column.radio(f"Rank of {name}", ranks, index=ranks.index(start) if start in ranks else None,
                             key=f"{base}.rank.{candidate.key}", horizontal=True)
        if value is not None:
            ranking[candidate.key] = int(value)
    return ranking or None


def _per_candidate(base: str, shown: list[Candidate], schema: LabelSchema, initial: Answer | None):
    ratings: dict[str, dict[str, int]] = {}
    flags: dict[str, list[str]] = {}
    thumbs: dict[str, bool] = {}
    for name, candidate, column in _lettered(shown):
        old_scores = (initial.ratings.get(candidate.key, {}) if initial else {})
        old_flags = (initial.flags.get(candidate.key, []) if initial else [])
        with column:
            if schema.thumbs:
                old = initial.thumbs.get(candidate.key) if initial else None
                value = st.radio(_required(f"Thumbs for {name}", schema.thumbs_required), ["up", "down"],
                                 index=None if old is None else (0 if old else 1), horizontal=True,
                                 format_func=lambda v: ":material/thumb_up: up" if v == "up" else
                                 ":material/thumb_down: down", key=f"{base}.{candidate.key}.thumbs")
                if value is not None:
                    thumbs[candidate.key] = value == "up"
            scores = {}
            for dim in schema.rubric:
                old = old_scores.get(dim.name)
                value = st.radio(
                    _required(f"{dim.title} of {name}", dim.required), dim.scale,
                    index=dim.scale.index(old) if old in dim.scale else None, horizontal=True,
                    key=f"{base}.{candidate.key}.{dim.name}", help=dim.description or None,
                    captions=[dim.anchors.get(v, "") for v in dim.scale] if dim.anchors else None,
                )
                if value is not None:
                    scores[dim.name] = int(value)
            ratings[candidate.key] = scores
            with st.container(key=f"{_blocks(base)}.{candidate.key}.flags", horizontal=True):
                flags[candidate.key] = [
                    flag for flag in schema.flags
                    if st.checkbox(f"{flag_title(flag)} ({name})", value=flag in old_flags,
                                   key=f"{base}.{candidate.key}.flag.{flag}")
                ]
    return ratings, flags, thumbs


def _blocks(base: str) -> str:
    """The key prefix of the form's containers: the same for every item (``rate``, not ``rate.<item>``), so the next
    item's containers replace the last one's instead of standing beside them until the run ends. Widgets keep
    their per-item keys."""
    return base.rpartition(".")[0]


def _correction(base: str, shown: list[Candidate], choice: str | None, initial: Answer | None) -> str:
    """The correction box, one per item whatever the choice: it starts from the chosen answer and follows the
    choice while untouched; once the annotator has typed in it, no click replaces what they typed."""
    key, seed_key = f"{base}.correction", f"{base}.correction.seed"
    chosen = next((c for c in shown if c.key == choice), shown[0] if len(shown) == 1 else None)
    seed = candidate_text(chosen) if chosen else ""
    if key not in st.session_state:
        st.session_state[key] = (initial.correction if initial and initial.correction else None) or seed
    elif st.session_state[key] == st.session_state.get(seed_key, ""):
        st.session_state[key] = seed  # still the pre-filled text: follow the choice
    st.session_state[seed_key] = seed
    text = st.text_area("Corrected response", height=200, key=key,
                        help="Starts from the chosen answer; left unchanged, no correction is stored.")
    return "" if text == seed else text


def _texts(base: str, shown: list[Candidate], schema: LabelSchema, choice: str | None,
           initial: Answer | None, left, right) -> tuple[str | None, str | None]:
    """The correction (in ``left``) and the rationale (in ``right``)."""
    correction = rationale = None
    if schema.correction:
        with left, st.expander(_required("Write the answer the agent should have given", schema.correction_required)
                         + ("" if schema.correction_required else " (optional)"),
                         expanded=bool(initial and initial.correction), key=f"{_blocks(base)}.correction_box"):
            correction = _correction(base, shown, choice, initial)
    if schema.rationale:
        rationale = right.text_input(
            _required("Why?", schema.rationale_required) + ("" if schema.rationale_required else " (optional)"),
            value=(initial.rationale or "") if initial else "", key=f"{base}.rationale")
    return correction or None, rationale or None


def rating_form(item_id: int, shown: list[Candidate], schema: LabelSchema, *, prefix: str = "rate",
                initial: Answer | None = None, keyboard: bool = False,
                submit_label: str = "Submit") -> tuple[Answer, bool]:
    """Draw the widgets for one item (candidates in the order shown); return the answer and whether
    the Submit button was pressed. ``initial`` pre-fills an earlier answer (editing)."""
    base = f"{prefix}.{item_id}"
    _answers(shown)
    preference = ranking = None
    if len(shown) == 2:
        preference = _pairwise(base, shown, schema, initial, keyboard)
    elif len(shown) > 2:
        ranking = _ranking(base, shown, schema, initial)
    ratings, flags, thumbs = _per_candidate(base, shown, schema, initial)
    choice = preference or (min(ranking, key=ranking.get) if ranking else None)
    left, right, last = st.columns([2.8, 2.4, 1.8], vertical_alignment="bottom")  # one row: fits a laptop's screen
    correction, rationale = _texts(base, shown, schema, choice, initial, left, right)
    submitted = last.button(submit_label, type="primary", key=f"{base}.submit", icon=":material/send:",
                          shortcut=SUBMIT_SHORTCUT if keyboard else None)
    answer = Answer(preference=preference, ranking=ranking, ratings=ratings, flags=flags, thumbs=thumbs,
                    correction=correction, rationale=rationale, shown_order=[c.key for c in shown])
    return answer, submitted


def keyboard_help(schema: LabelSchema, n_candidates: int) -> str:
    """The shortcuts of an item with ``n_candidates`` answers under ``schema``, as shown on the Rate page."""
    keys = []
    if n_candidates == 2:
        labels = [f"{letter(i)} is better" for i in range(2)] + [EXTRA_LABELS[x].lower()
                                                                   for x in schema.preference_extra]
        keys = [f"**{key}** {label}" for key, label in zip(SHORTCUTS, labels)]
    return "Keyboard: " + " · ".join(keys + ["**Ctrl+Enter** submit"])


def skip_popover(item_id: int, *, prefix: str = "rate", default_reason: str | None = None) -> tuple[str | None, bool]:
    """The "Skip this item" popover: the reason typed (else ``default_reason``) and whether Skip was pressed."""
    with st.popover("Skip this item", icon=":material/skip_next:", key=f"{prefix}.skip_box"):
        reason = st.text_input("Why skip? (optional)", key=f"{prefix}.{item_id}.skip_reason",
                               placeholder=default_reason or "")
        skipped = st.button("Skip", key=f"{prefix}.{item_id}.skip")
    return reason.strip() or default_reason, skipped


def restored_draft(user: User, item_id: int) -> Answer | None:
    """``user``'s draft of the item, read once per item and browser tab (the widgets hold it afterwards)."""
    key = f"rate.draft.{item_id}"
    if key not in st.session_state:
        with context.session() as s:
            draft = get_draft(session=s, user=user, item_id=item_id)
        st.session_state[key] = draft
        st.session_state[f"{key}.saved"] = draft_fields(draft) if draft else {}
    return st.session_state[key]


def forget_draft(item_id: int) -> None:
    """Forget this tab's copy of the item's draft once the item is submitted or skipped (the database's is gone):
    an item that comes back (undo skip) starts from what the database holds, and a long day does not pile up
    one copy per item."""
    for key in (f"rate.draft.{item_id}", f"rate.draft.{item_id}.saved"):
        st.session_state.pop(key, None)


def keep_draft(user: User, item_id: int, answer: Answer) -> None:
    """Save what the form holds as ``user``'s draft when it changed since the last save (one small write)."""
    key, fields = f"rate.draft.{item_id}.saved", draft_fields(answer)
    if st.session_state.get(key) != fields:
        with context.session() as s:
            save_draft(session=s, user=user, item_id=item_id, answer=answer)
        st.session_state[key] = fields


def _named(field: str, reason: str, letters: dict[str, str], schema: LabelSchema) -> str:
    """One problem of an answer in the screen's words: candidates by their letter, dimensions by their title."""
    head, _, rest = field.partition(".")
    key, _, dimension = rest.partition(".")
    who = letters.get(key, key)
    required = reason.startswith("required: ")
    detail = reason.removeprefix("required: ")
    if missing := re.search(r"missing: (.+)$", detail):
        named = ", ".join(letters.get(k.strip(), k.strip()) for k in missing[1].split(","))
        detail = detail[:missing.start(1)] + named
    if not key:
        return f"Required: {detail}" if required else f"{field.capitalize()}: {detail}"
    dim = schema.dimension(dimension) if head == "ratings" and dimension else None
    name = {"ratings": f"{dim.title if dim else dimension or 'Scores'} of {who}",
            "thumbs": f"Thumbs up or down for {who}", "ranking": f"Rank of {who}",
            "flags": f"Flags of {who}"}.get(head, f"{head.capitalize()} of {who}")
    if required:
        return f"{name} is required" + ("" if head == "thumbs" else f" ({detail})")
    return f"{name}: {detail}"


def problem_lines(problems: list[tuple[str, str]], shown: list[Candidate], schema: LabelSchema) -> list[str]:
    """Every problem of a refused answer in the screen's words, in the order of the screen (A's before B's)."""
    letters = screen_letters(shown)
    order = {key: n for n, key in enumerate(letters)}
    ordered = sorted(problems, key=lambda p: order.get(p[0].partition(".")[2].partition(".")[0], -1))
    return [_named(field, reason, letters, schema) for field, reason in ordered]


LAST_SKIP = "rate.last_skip"  # (project id, item id, external id) of this tab's last skip, until it is undone
UNDO_SKIP = "rate.undo_skip"  # the Undo button's key (the keyboard's u presses it)


def undo_last_skip(user: User, project_id: int) -> None:
    """The "Undo skip" button of this tab's last skip in the project: pressed, the item comes back into the
    annotator's queue and on screen (the item shown now goes back to the pool)."""
    slot = st.empty()  # always drawn: a button that comes and goes would move every element after it
    last = st.session_state.get(LAST_SKIP)
    if last is None or last[0] != project_id:
        return
    _, item_id, external_id = last
    if slot.button(f"Undo skip of {external_id}", key=UNDO_SKIP, icon=":material/undo:", type="tertiary",
                 help="Gives the item you skipped last back to you (key: u)"):
        with context.session() as s:
            unskip(session=s, user=user, item_id=item_id)
        st.session_state.pop(LAST_SKIP, None)
        st.session_state["rate.item_id"] = item_id
        st.session_state["rate.flash"] = f"{external_id} is back"
        st.rerun()
