"""The rating widgets shared by the Rate and My answers pages: the answers side by side, the choice
(pairwise, or a ranking for 3+ answers), rubric scales with anchors, thumbs, flags, correction, rationale.

Every widget key starts with ``prefix.item_id`` so two items (or two pages) never share state.
"""

import re
import string
from collections.abc import Callable

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
SHORTCUTS = "1234"  # A better, B better, tie, both bad: shown on the choice; the keys act through feedback.ui.keys
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


def _pairwise(base: str, shown: list[Candidate], schema: LabelSchema, initial: Answer | None,
              keyboard: bool) -> None:
    """The choice, one widget (a segmented control): its value travels with every message of the browser, so a
    choice typed just before Submit is never lost. Buttons that stored the choice from their callbacks lost it
    now and then when the next click came before the choice's run had drawn the page."""
    options = [c.key for c in shown] + list(schema.preference_extra)
    labels = {key: f"{name} is better" for key, name in screen_letters(shown).items()} | EXTRA_LABELS
    keys = {option: SHORTCUTS[n] for n, option in enumerate(options) if keyboard and n < len(SHORTCUTS)}
    start = initial.preference if initial and initial.preference in options else None
    with st.container(key=f"{_blocks(base)}.choice"):  # the same container for every item: see _blocks
        st.segmented_control(
            _required("Which answer is better?", schema.preference_required), options, default=start,
            required=True, key=f"{base}.preference",
            format_func=lambda o: labels[o] + (f" :gray[{keys[o]}]" if o in keys else ""))


def _ranking(base: str, shown: list[Candidate], schema: LabelSchema, initial: Answer | None) -> None:
    st.markdown(_required("**Rank the answers** (1 = best" + (", equal ranks for ties)" if schema.ranking_ties
                                                                else ")"), schema.ranking_required))
    ranks = list(range(1, len(shown) + 1))
    for name, candidate, column in _lettered(shown):
        start = (initial.ranking or {}).get(candidate.key) if initial else None
        column.radio(f"Rank of {name}", ranks, index=ranks.index(start) if start in ranks else None,
                     key=f"{base}.rank.{candidate.key}", horizontal=True)


def _per_candidate(base: str, shown: list[Candidate], schema: LabelSchema, initial: Answer | None) -> None:
    for name, candidate, column in _lettered(shown):
        old_scores = (initial.ratings.get(candidate.key, {}) if initial else {})
        old_flags = (initial.flags.get(candidate.key, []) if initial else [])
        with column:
            if schema.thumbs:
                old = initial.thumbs.get(candidate.key) if initial else None
                st.radio(_required(f"Thumbs for {name}", schema.thumbs_required), ["up", "down"],
                         index=None if old is None else (0 if old else 1), horizontal=True,
                         format_func=lambda v: ":material/thumb_up: up" if v == "up" else
                         ":material/thumb_down: down", key=f"{base}.{candidate.key}.thumbs")
            for dim in schema.rubric:
                old = old_scores.get(dim.name)
                st.radio(
                    _required(f"{dim.title} of {name}", dim.required), dim.scale,
                    index=dim.scale.index(old) if old in dim.scale else None, horizontal=True,
                    key=f"{base}.{candidate.key}.{dim.name}", help=dim.description or None,
                    captions=[dim.anchors.get(v, "") for v in dim.scale] if dim.anchors else None,
                )
            with st.container(key=f"{_blocks(base)}.{candidate.key}.flags", horizontal=True):
                for flag in schema.flags:
                    st.checkbox(f"{flag_title(flag)} ({name})", value=flag in old_flags,
                                key=f"{base}.{candidate.key}.flag.{flag}")


def answer_in_state(base: str, shown: list[Candidate], schema: LabelSchema) -> Answer:
    """The answer the form's widgets (keys starting with ``base``) hold now, for the answers in the order
    ``shown``: read from the session state, so that a button's callback sees it before the page is drawn again."""
    state, keys = st.session_state, [c.key for c in shown]
    ranking = {k: int(v) for k in keys if (v := state.get(f"{base}.rank.{k}")) is not None} if len(shown) > 2 else {}
    correction = None
    if schema.correction:  # the pre-filled text left unchanged is no correction
        text = state.get(f"{base}.correction") or ""
        correction = None if text == state.get(f"{base}.correction.seed", "") else text
    return Answer(
        preference=state.get(f"{base}.preference") if len(shown) == 2 else None,
        ranking=ranking or None,
        ratings={k: {d.name: int(v) for d in schema.rubric if (v := state.get(f"{base}.{k}.{d.name}")) is not None}
                 for k in keys},
        flags={k: [f for f in schema.flags if state.get(f"{base}.{k}.flag.{f}")] for k in keys},
        thumbs={k: v == "up" for k in keys if schema.thumbs and (v := state.get(f"{base}.{k}.thumbs")) is not None},
        correction=correction or None,
        rationale=(state.get(f"{base}.rationale") or None) if schema.rationale else None,
        shown_order=keys)


def _blocks(base: str) -> str:
    """The key prefix of the form's containers: the same for every item (``rate``, not ``rate.<item>``), so the next
    item's containers replace the last one's instead of standing beside them until the run ends. Widgets keep
    their per-item keys."""
    return base.rpartition(".")[0]


def _seed_key(base: str) -> str:
    """Where the text the correction box started from is kept (the chosen answer's, which may be long)."""
    return f"{base}.correction.seed"


def _correction(base: str, shown: list[Candidate], choice: str | None, initial: Answer | None) -> None:
    """The correction box, one per item whatever the choice: it starts from the chosen answer and follows the
    choice while untouched; once the annotator has typed in it, no click replaces what they typed."""
    key, seed_key = f"{base}.correction", _seed_key(base)
    chosen = next((c for c in shown if c.key == choice), shown[0] if len(shown) == 1 else None)
    seed = candidate_text(chosen) if chosen else ""
    if key not in st.session_state:
        st.session_state[key] = (initial.correction if initial and initial.correction else None) or seed
    elif st.session_state[key] == st.session_state.get(seed_key, ""):
        st.session_state[key] = seed  # still the pre-filled text: follow the choice
    st.session_state[seed_key] = seed
    st.text_area("Corrected response", height=200, key=key,
                 help="Starts from the chosen answer; left unchanged, no correction is stored.")


def _texts(base: str, shown: list[Candidate], schema: LabelSchema, choice: str | None,
           initial: Answer | None, left, right) -> None:
    """The correction (in ``left``) and the rationale (in ``right``)."""
    if schema.correction:
        with left, st.expander(_required("Write the answer the agent should have given", schema.correction_required)
                         + ("" if schema.correction_required else " (optional)"),
                         expanded=bool(initial and initial.correction), key=f"{_blocks(base)}.correction_box"):
            _correction(base, shown, choice, initial)
    if schema.rationale:
        right.text_input(
            _required("Why?", schema.rationale_required) + ("" if schema.rationale_required else " (optional)"),
            value=(initial.rationale or "") if initial else "", key=f"{base}.rationale")


def rating_form(item_id: int, shown: list[Candidate], schema: LabelSchema, *, prefix: str = "rate",
                initial: Answer | None = None, keyboard: bool = False, submit_label: str = "Submit",
                on_submit: Callable[[Callable[[], Answer]], None] | None = None) -> tuple[Answer, bool]:
    """Draw the widgets for one item (candidates in the order shown); return the answer and whether
    the Submit button was pressed. ``initial`` pre-fills an earlier answer (editing). ``on_submit``: called when
    Submit is pressed, before the next run (Streamlit's ``on_click``), with a function that reads the answer.
    Read it in the script, not in the callback: a choice clicked just before Submit (1 then Ctrl+Enter) may reach
    the server in the same run, and Streamlit runs the callbacks of one run in no set order."""
    base = f"{prefix}.{item_id}"
    _answers(shown)
    if len(shown) == 2:
        _pairwise(base, shown, schema, initial, keyboard)
    elif len(shown) > 2:
        _ranking(base, shown, schema, initial)
    _per_candidate(base, shown, schema, initial)
    held = answer_in_state(base, shown, schema)
    choice = held.preference or (min(held.ranking, key=held.ranking.get) if held.ranking else None)
    left, right, last = st.columns([2.6, 2.2, 2.2], vertical_alignment="bottom")  # one row; Submit uncut at 1280 px
    _texts(base, shown, schema, choice, initial, left, right)
    submitted = last.button(
        submit_label, type="primary", key=f"{base}.submit", icon=":material/send:",
        shortcut=SUBMIT_SHORTCUT if keyboard else None,
        on_click=(lambda: on_submit(lambda: answer_in_state(base, shown, schema))) if on_submit else None)
    return answer_in_state(base, shown, schema), submitted


def keyboard_help(schema: LabelSchema, n_candidates: int) -> str:
    """The shortcuts of an item with ``n_candidates`` answers under ``schema``, as shown on the Rate page."""
    keys = []
    if n_candidates == 2:
        labels = [f"{letter(i)} is better" for i in range(2)] + [EXTRA_LABELS[x].lower()
                                                                   for x in schema.preference_extra]
        keys = [f"**{key}** {label}" for key, label in zip(SHORTCUTS, labels)]
    return "Keyboard: " + " · ".join(keys + ["**Ctrl+Enter** submit"])


def skip_popover(item_id: int, *, prefix: str = "rate", default_reason: str | None = None,
                 on_skip: Callable[[Callable[[], str | None]], None] | None = None) -> tuple[str | None, bool]:
    """The "Skip this item" popover: the reason typed (else ``default_reason``) and whether Skip was pressed.
    ``on_skip``: called when Skip is pressed, before the next run (Streamlit's ``on_click``), with a function
    that reads the reason (see ``rating_form``'s ``on_submit``)."""
    key = f"{prefix}.{item_id}.skip_reason"

    def reason_given() -> str | None:
        return (st.session_state.get(key) or "").strip() or default_reason

    # One popover per item: the next item's starts closed even when this one was left open by a skip
    with st.popover("Skip this item", icon=":material/skip_next:", key=f"{prefix}.{item_id}.skip_box"):
        st.text_input("Why skip? (optional)", key=key, placeholder=default_reason or "")
        skipped = st.button("Skip", key=f"{prefix}.{item_id}.skip",
                            on_click=(lambda: on_skip(reason_given)) if on_skip else None)
    return reason_given(), skipped


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
    one copy per item (nor one copy of an answer's text for the correction box: Streamlit reads every key of
    the session for each radio button and text box it draws, so a run would slow down item by item)."""
    for key in (f"rate.draft.{item_id}", f"rate.draft.{item_id}.saved", _seed_key(f"rate.{item_id}")):
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


ITEM = "rate.item_id"  # the Rate page's item on screen (served again until it is answered or skipped)
STARTED = "rate.started"  # when it came on screen (time.monotonic)
FLASH = "rate.flash"  # what the Rate page's next run says in a toast
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
        st.session_state[ITEM] = item_id
        st.session_state[FLASH] = f"{external_id} is back"
        st.rerun()
