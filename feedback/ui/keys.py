"""The Rate page's keyboard: one listener on the whole document, so that the keys work whatever has focus.

Streamlit's own button shortcuts stop as soon as a radio button or a box has focus. This component (no markup;
its script runs in the page, as ``feedback.ui.session_cookie``'s does) listens to every key press and clicks or
focuses the page's widgets, found by the ``st-key-...`` class Streamlit gives each keyed widget. The questions
are walked one at a time: the current one is outlined, a digit answers it (and moves on to the next), arrows or
j / k move between them. In a text box only Ctrl+Enter (submit, or skip in the skip box) and Esc (leave the box)
act; a click in a question makes it the current one. The script also brings a new item's page to its top, and an answer's problems into view.

Trusted code of ours; the data sent to it is widget keys and labels we make, never text from data.
"""

import re
from functools import cache

import streamlit as st

from feedback.projects.schema import LabelSchema
from feedback.store.tables import Candidate
from feedback.ui.rating import UNDO_SKIP, letter

KEYMAP = "rate.keymap"  # the expander that lists every key


def css_class(key: str) -> str:
    """The class Streamlit gives the element of the widget or container with ``key``."""
    return "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


def questions(base: str, shown: list[Candidate], schema: LabelSchema) -> list[dict]:
    """The form's questions in the order the keys walk them: the choice (or the ranks), then each answer's thumbs,
    scores and flags. Each: its label, its kind (how a digit answers it), its outline and its options' elements."""
    found, prefix = [], base.rpartition(".")[0]  # the containers' keys are the same for every item
    if len(shown) == 2:
        found.append({"label": "Which answer is better", "kind": "segments", "box": css_class(f"{prefix}.choice")})
    elif len(shown) > 2:
        found += [{"label": f"Rank of {letter(n)}", "kind": "radio", "box": css_class(f"{base}.rank.{c.key}")}
                  for n, c in enumerate(shown)]
    for n, c in enumerate(shown):
        if schema.thumbs:
            found.append({"label": f"Thumbs for {letter(n)}", "kind": "radio",
                          "box": css_class(f"{base}.{c.key}.thumbs")})
        found += [{"label": f"{d.title} of {letter(n)}", "kind": "radio", "box": css_class(f"{base}.{c.key}.{d.name}")}
                  for d in schema.rubric]
        if schema.flags:
            found.append({"label": f"Flags of {letter(n)}", "kind": "checks", "box": css_class(f"{prefix}.{c.key}.flags"),
                          "options": [css_class(f"{base}.{c.key}.flag.{f}") for f in schema.flags]})
    return found


def keymap(schema: LabelSchema, n_candidates: int) -> str:
    """Every key of the Rate page, as Markdown."""
    if n_candidates == 2:
        first = "**1** A is better · **2** B is better" + "".join(
            f" · **{n}** {x.replace('_', ' ')}" for n, x in enumerate(schema.preference_extra, start=3))
    else:
        first = "**1**, **2**, ... the rank of the outlined answer"
    lines = [
        f"- The outlined question: {first}; a score: its number"
        + ("; thumbs: **1** up, **2** down" if schema.thumbs else "")
        + ("; flags: **1**, **2**, ... turn the n-th flag on or off" if schema.flags else ""),
        "- **↓** or **j**: next question · **↑** or **k**: previous question (a digit also moves on)",
    ]
    if schema.correction:
        lines.append("- **c**: write the corrected answer")
    if schema.rationale:
        lines.append("- **r**: write why")
    lines += ["- **s**: skip (type a reason if you like, then **Ctrl+Enter**) · **u**: undo the last skip",
              "- **Ctrl+Enter**: submit, also from inside a text box · **Esc**: leave a text box",
              "- **?**: show or hide this list"]
    return "\n".join(lines)


_JS = r"""
const state = () => (window.__feedbackKeys =
  window.__feedbackKeys || { item: null, active: 0, answered: -1e9, queue: null });
const find = (cls, root = document) => (cls ? root.querySelector("." + cls) : null);
// The page is drawn: while a run draws the next item, the keys' data and some controls are still the last item's
const drawn = () => document.querySelector('[data-testid="stApp"]')?.getAttribute("data-test-script-state") !== "running";
const TEXT = new Set(["text", "password", "search", "email", "number", "url", "tel"]);

function typing(el) {  // a picker left closed after a choice (the sidebar's project) is not being typed in
  if (!el || !el.tagName) return false;
  if (el.getAttribute("role") === "combobox") return el.getAttribute("aria-expanded") === "true";
  return el.tagName === "TEXTAREA" || el.isContentEditable || (el.tagName === "INPUT" && TEXT.has(el.type));
}

function mark() {
  const s = state(), qs = s.data.questions;
  document.querySelectorAll("[data-fb-active]").forEach((el) => el.removeAttribute("data-fb-active"));
  const q = qs[s.active];
  const box = q && find(q.box);
  if (box) box.setAttribute("data-fb-active", q.label);
}

function move(step) {
  const s = state(), n = s.data.questions.length;
  if (!n) return;
  s.active = Math.max(0, Math.min(n - 1, s.active + step));
  mark();
  const box = find(s.data.questions[s.active].box);
  if (box) box.scrollIntoView({ block: "nearest" });
}

function soon(check, tries = 80) {  // check()'s value once it has one (tried every 25 ms, 2 s at most), else null
  return new Promise((resolve) => {
    const go = (n) => { const v = check(); if (v || n <= 0) resolve(v || null); else setTimeout(() => go(n - 1), 25); };
    go(tries);
  });
}

function inOrder(action) {  // keys act one after the other, each once the one before is done
  const s = state();
  s.queue = (s.queue || Promise.resolve()).then(action).catch((err) => console.error(err));
}

async function answer(digit) {
  const s = state(), q = s.data.questions[s.active], item = s.data.item;
  if (!q) return;
  s.answered = performance.now();
  if (q.kind === "radio") {
    // A page's first radio buttons (and choice) are drawn a moment after their question (Streamlit loads their
    // code then): a digit typed ahead waits for them instead of being lost.
    const inputs = await soon(() => {
      const all = find(q.box) && find(q.box).querySelectorAll("input[type=radio]");
      return all && all.length ? all : null;
    });
    if (!inputs || s.data.item !== item || digit > inputs.length) return;
    (inputs[digit - 1].closest("label") || inputs[digit - 1]).click();
    move(1);
  } else if (q.kind === "segments") {
    const buttons = await soon(() => {
      const all = find(q.box) && find(q.box).querySelectorAll("button");
      return all && all.length ? all : null;
    });
    if (!buttons || s.data.item !== item || digit > buttons.length) return;
    buttons.forEach((b) => b.removeAttribute("data-fb-picked"));
    buttons[digit - 1].setAttribute("data-fb-picked", "");  // seen at once; the rerun then makes it the chosen one
    buttons[digit - 1].click();
    move(1);
  } else if (q.kind === "checks") {
    const target = find(q.options[digit - 1]);
    const box = target && target.querySelector("input[type=checkbox]");
    if (box) box.click();
  }
}

function nextFrame() {  // after the next frame: a score clicked just before has reached Streamlit's widget state
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

function focusSoon(cls, selector, tries = 40) {  // once it is drawn and shown
  const el = find(cls);
  const input = el && el.querySelector(selector);
  if (input) input.focus();
  if (document.activeElement !== input && tries > 0) setTimeout(() => focusSoon(cls, selector, tries - 1), 25);
}

function openAndFocus(boxCls, fieldCls, selector) {
  const box = find(boxCls);
  const details = box && (box.matches("details") ? box : box.querySelector("details"));
  if (details && !details.open) details.querySelector("summary").click();
  focusSoon(fieldCls, selector);
}

async function openSkip() {  // the box of the item on screen, once this run has drawn it
  const d = await soon(() => { const now = state().data; return drawn() && find(now.skip_box) ? now : null; }, 160);
  if (!d) return;
  if (!find(d.skip_reason)) await press(d.skip_box, d.item);  // already open: a click would close it
  focusSoon(d.skip_reason, "input");
}

async function press(cls, item = state().data.item) {
  // The button once it is drawn: a run may still be drawing it (a new item's row of buttons shows a moment after
  // its prompt, and a rerun can redraw the row), and a key pressed then used to be lost. Not once its item is gone.
  const button = await soon(() => {
    if (state().data.item !== item) return "gone";
    const box = find(cls);
    return box && box.querySelector("button");
  }, 160);
  if (button && button !== "gone") button.click();
}

function onKey(e) {
  const s = state(), d = s.data;
  if (!d || !s.root || !s.root.isConnected) return;  // not on the Rate page any more
  const el = document.activeElement, inText = typing(el);
  let act;
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
    const skipping = el && el.closest && find(d.skip_reason) && find(d.skip_reason).contains(el);
    if (inText) el.blur();  // the box keeps what was typed before the click
    act = async () => {
      if (performance.now() - s.answered < 250) await nextFrame();
      await press(skipping ? d.skip : d.submit, d.item);
    };
  } else if (e.key === "Escape") {
    if (inText) { el.blur(); e.preventDefault(); e.stopPropagation(); }
    return;
  } else if (inText || e.ctrlKey || e.metaKey || e.altKey) return;
  else if (/^[1-9]$/.test(e.key)) act = () => answer(Number(e.key));
  else if (e.key === "ArrowDown" || e.key === "j") act = () => move(1);
  else if (e.key === "ArrowUp" || e.key === "k") act = () => move(-1);
  else if (e.key === "c" && d.correction) act = () => openAndFocus(d.correction_box, d.correction, "textarea");
  else if (e.key === "r" && d.rationale) act = () => focusSoon(d.rationale, "input");
  else if (e.key === "s") act = openSkip;
  else if (e.key === "u" && find(d.undo)) act = () => press(d.undo);
  else if (e.key === "?") {
    act = () => {
      const summary = find(d.keymap) && find(d.keymap).querySelector("summary");
      if (summary) { summary.click(); summary.scrollIntoView({ block: "nearest" }); }
    };
  } else return;
  e.preventDefault(); e.stopPropagation();
  inOrder(act);
}

function onPoint(e) {  // a click in a question makes it the current one: the keys go on from there
  const s = state(), d = s.data;
  // A choice picked by key shows at once (and until the next item, as a choice's run does not redraw this
  // component); a click may pick another: only Streamlit's own highlight then
  document.querySelectorAll("[data-fb-picked]").forEach((el) => el.removeAttribute("data-fb-picked"));
  if (!d || !s.root || !s.root.isConnected || !e.target.closest) return;
  const n = d.questions.findIndex((q) => { const box = find(q.box); return box && box.contains(e.target); });
  if (n >= 0) { s.active = n; mark(); }
}

function toTop() {
  window.scrollTo(0, 0);
  document.querySelectorAll('[data-testid="stMain"], [data-testid="stAppViewContainer"], [data-testid="stAppScrollToBottomContainer"]')
    .forEach((el) => { el.scrollTop = 0; });
}

export default function (component) {
  const s = state();
  s.data = component.data;
  s.root = component.parentElement;
  if (!s.installed) {
    document.addEventListener("keydown", onKey, true);
    document.addEventListener("pointerdown", onPoint, true);
    s.installed = true;
  }
  const fresh = s.item !== s.data.item;
  if (fresh) { s.item = s.data.item; s.active = 0; }
  s.active = Math.min(s.active, Math.max(s.data.questions.length - 1, 0));
  requestAnimationFrame(() => {
    document.querySelectorAll("[data-fb-picked]").forEach((el) => el.removeAttribute("data-fb-picked"));
    mark();
    if (fresh) toTop();
    if (s.data.scroll_to) {
      const target = find(s.data.scroll_to);
      if (target) target.scrollIntoView({ block: "start" });
    }
  });
}
"""

_CSS = """
[data-testid="stMainBlockContainer"] { padding-top: 3rem; }
[data-testid="stMainBlockContainer"] [data-testid="stHeading"] h1 { padding-top: 0; }
[data-fb-active] { outline: 2px solid rgba(255, 75, 75, 0.75); outline-offset: 3px; border-radius: 0.5rem; }
button[data-fb-picked] { border-color: rgb(255, 75, 75); background: rgba(255, 75, 75, 0.1); color: rgb(255, 75, 75); }
.st-key-rate-guidelines [data-testid="stMarkdownContainer"] h1 { font-size: 1.3rem; }
.st-key-rate-guidelines [data-testid="stMarkdownContainer"] h2 { font-size: 1.15rem; }
.st-key-rate-guidelines [data-testid="stMarkdownContainer"] h3,
.st-key-rate-guidelines [data-testid="stMarkdownContainer"] h4,
.st-key-rate-guidelines [data-testid="stMarkdownContainer"] h5,
.st-key-rate-guidelines [data-testid="stMarkdownContainer"] h6 { font-size: 1rem; }
"""


@cache
def _component():
    return st.components.v2.component("feedback_rate_keys", js=_JS, css=_CSS, isolate_styles=False)


def keyboard(*, item_id: int | None, shown: list[Candidate] = (), schema: LabelSchema | None = None,
             prefix: str = "rate", scroll_to: str | None = None) -> None:
    """The keyboard of the Rate page for the item on screen (``item_id`` None: no item, an empty queue, where
    only **u** acts); ``scroll_to``: the key of a container to bring into view (once per call that names it)."""
    base = f"{prefix}.{item_id}"
    # The same data on every run of an item (a choice, a score), so that the browser skips the component then; a
    # new number only with a place to scroll to, which must act on each run that names it
    run = st.session_state[f"{prefix}.keys.run"] = st.session_state.get(f"{prefix}.keys.run", 0) + bool(scroll_to)
    item = item_id is not None
    data = {
        "item": item_id, "run": run, "questions": questions(base, list(shown), schema) if item else [],
        "submit": css_class(f"{base}.submit") if item else None,
        "skip_box": css_class(f"{base}.skip_box") if item else None,
        "skip_reason": css_class(f"{base}.skip_reason") if item else None,
        "skip": css_class(f"{base}.skip") if item else None,
        "correction_box": css_class(f"{prefix}.correction_box"),
        "correction": css_class(f"{base}.correction") if item and schema.correction else None,
        "rationale": css_class(f"{base}.rationale") if item and schema.rationale else None,
        "keymap": css_class(KEYMAP), "undo": css_class(UNDO_SKIP),
        "scroll_to": css_class(scroll_to) if scroll_to else None,
    }
    _component()(data=data, key=f"{prefix}.keys")
