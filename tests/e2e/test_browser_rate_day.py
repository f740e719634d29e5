"""A day at work on the Rate page in a real browser (issue 13): nothing typed is lost, a draft survives a reload
and a sign-out, every question answers by keyboard whatever has focus, errors use the screen's letters, the next
item opens at the top, and the form fits a 1440x900 screen."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import serve_app
from playwright.sync_api import expect
from sqlalchemy import create_engine, text
from sqlmodel import Session
from steps import PASSWORD, fill, open_project, settle, sign_in

from feedback.intake.importer import import_file
from feedback.projects.guidelines import set_guidelines
from feedback.projects.projects import get_project
from feedback.projects.schema import LabelSchema, RubricDimension
from feedback.projects.schema_changes import set_schema
from feedback.store.engine import create_schema, make_engine

GUIDELINES = "# Rules of the day\n\n## Prefer the correct answer\n\nA short answer that is right beats a long one."
expect.set_options(timeout=15_000)  # a rerun on a machine shared with other test runs can take seconds
LONG = "\n\n".join(f"Step {n}: a long paragraph of the agent's reasoning about the billing settings." * 3
                   for n in range(40))


def _items(prefix: str, n: int, candidates: int = 2) -> list[dict]:
    return [{"id": f"{prefix}-{k}", "prompt": f"Question {k} of {prefix}: how do I change my e-mail?",
             "candidates": [{"id": key, "model": f"agent-{key}", "output": f"Answer {key.upper()}{k}: open Settings."}
                            for key in "abcd"[:candidates]]} for k in range(n)]


PROJECTS = {  # name -> (items, schema)
    "day": (_items("day", 60), LabelSchema(rubric=[RubricDimension(name=n) for n in ("clarity", "accuracy", "tone")])),
    "every": (_items("three", 6, candidates=3) + _items("two", 6),
              LabelSchema(thumbs=True, thumbs_required=True, flags=["unsafe", "off_task"],
                          rubric=[RubricDimension(name="clarity")])),
    "long": ([{"id": f"long-{k}", "prompt": f"Explain the billing settings ({k}).",
               "candidates": [{"id": "a", "messages": [{"role": "assistant", "content": LONG}]},
                              {"id": "b", "output": LONG}]} for k in range(3)], LabelSchema()),
}


@pytest.fixture(scope="module")
def day_server(tmp_path_factory):
    """Projects ``PROJECTS`` (overlap 5, guidelines with headings); yields (url, env, database url)."""
    tmp = tmp_path_factory.mktemp("rate-day")
    db_url = f"sqlite:///{tmp / 'feedback.db'}"
    env = {**os.environ, "FEEDBACK_DATABASE_URL": db_url, "FEEDBACK_EXPORT_DIR": str(tmp / "exports")}
    engine = make_engine(db_url)
    create_schema(engine)
    for name, (items, schema) in PROJECTS.items():
        data = tmp / f"{name}.jsonl"
        data.write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")
        with Session(engine, expire_on_commit=False) as s:
            import_file(session=s, user=None, project=name, path=data, overlap=5)
            project = set_schema(session=s, user=None, project=get_project(session=s, name=name), schema=schema)
            set_guidelines(session=s, user=None, project=project, text=GUIDELINES)
    engine.dispose()
    with serve_app(env) as url:
        yield url, env, db_url


def annotator(env: dict[str, str], name: str) -> str:
    subprocess.run([str(Path(sys.executable).parent / "feedback"), "users", "add", name, "--role", "annotator",
                    "--password-stdin"], input=f"{PASSWORD}\n", text=True, env=env, check=True, capture_output=True)
    return name


def start(day_server, new_page, name: str, project: str = "day", viewport=None):
    """A new annotator ``name`` signed in on ``project``'s Rate page; returns the page."""
    url, env, _ = day_server
    page = new_page()
    if viewport:
        page.set_viewport_size(viewport)
    sign_in(page, url, annotator(env, name))
    if project != "day":
        open_project(page, project)
        settle(page)
    expect(page.get_by_text(re.compile(r"^Item "))).to_be_visible()
    settle(page)
    return page


def item_on_screen(page) -> str:
    return re.match(r"Item (\S+)", page.get_by_text(re.compile(r"^Item ")).inner_text()).group(1)


def expect_chosen(page, label: str) -> None:
    """The choice ``label`` (e.g. "A is better") is the one highlighted."""
    expect(page.get_by_role("radio", name=label)).to_be_checked()
    choice = page.get_by_role("radiogroup", name="Which answer is better?")
    expect(choice.get_by_role("radio", checked=True)).to_have_count(1)
    # nor does the mark the keys put on a choice made by key stay on another (1, then a click on B)
    expect(page.locator("[data-fb-picked]").filter(has_not_text=label)).to_have_count(0)


def correction_box(page):
    return page.get_by_role("textbox", name="Corrected response")


def open_correction(page):
    page.get_by_text("Write the answer the agent should have given").click()
    expect(correction_box(page)).to_be_visible()


def test_typed_correction_survives_changing_the_choice_by_key_and_by_click(day_server, new_page):
    page = start(day_server, new_page, "ann-typed")
    page.locator("body").press("1")
    expect_chosen(page, "A is better")
    open_correction(page)
    expect(correction_box(page)).to_have_value(re.compile(r"^Answer [AB]\d+"))  # starts from the chosen answer
    fill(correction_box(page), "Open Settings > Account > E-mail, then confirm the link we send you.")
    settle(page)
    page.get_by_role("radio", name="B is better").click()
    expect_chosen(page, "B is better")
    settle(page)
    expect(correction_box(page)).to_have_value("Open Settings > Account > E-mail, then confirm the link we send you.")
    page.get_by_role("radio", name="A is better").click()
    settle(page)
    expect(correction_box(page)).to_have_value("Open Settings > Account > E-mail, then confirm the link we send you.")


def test_an_untouched_correction_follows_the_choice(day_server, new_page):
    page = start(day_server, new_page, "ann-follow")
    page.get_by_role("radio", name="A is better").click()
    settle(page)
    open_correction(page)
    expect(correction_box(page)).to_have_value(re.compile(r"^Answer [AB]\d+"))
    first = correction_box(page).input_value()
    page.get_by_role("radio", name="B is better").click()
    settle(page)
    expect(correction_box(page)).not_to_have_value(first)
    expect(correction_box(page)).to_have_value(re.compile(r"^Answer [AB]\d+"))


def options(page, label: str):
    """The options (radio inputs) of the radio question ``label``, e.g. "Clarity of A"."""
    return page.locator(f'[role="radiogroup"][aria-label="{label}"] input[type=radio]')


def why_box(page):
    return page.get_by_role("textbox", name="Why? (optional)")


def test_a_half_entered_answer_comes_back_after_a_reload_and_after_signing_out(day_server, new_page):
    url, _, db_url = day_server
    page = start(day_server, new_page, "ann-draft")
    item = item_on_screen(page)
    page.get_by_role("radio", name="B is better").click()
    settle(page)
    options(page, "Accuracy of A").nth(3).click(force=True)
    settle(page)
    open_correction(page)
    fill(correction_box(page), "Settings > Account > E-mail.")
    settle(page)
    fill(why_box(page), "B names the menu")
    settle(page)
    for again in ("reload", "sign out"):
        if again == "reload":
            page.reload()
        else:
            page.get_by_role("button", name="Sign out").click()
            expect(page.get_by_role("button", name="Sign in")).to_be_visible()
            sign_in(page, url, "ann-draft")
        expect(page.get_by_text(f"Item {item}")).to_be_visible()
        expect_chosen(page, "B is better")
        expect(options(page, "Accuracy of A").nth(3)).to_be_checked()
        expect(correction_box(page)).to_be_visible()  # open, with what was typed
        expect(correction_box(page)).to_have_value("Settings > Account > E-mail.")
        expect(why_box(page)).to_have_value("B names the menu")
        settle(page)
    assert len(stored(db_url, "SELECT draft.id FROM draft JOIN user ON user.id = draft.user_id "
                              "WHERE user.name = 'ann-draft'")) == 1
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text(f"Item {item}")).to_have_count(0)
    assert stored(db_url, "SELECT draft.id FROM draft JOIN user ON user.id = draft.user_id "
                          "WHERE user.name = 'ann-draft'") == []
    answer = stored(db_url, "SELECT correction, rationale, ratings FROM annotation JOIN user ON user.id = "
                            "annotation.user_id WHERE user.name = 'ann-draft'")
    assert answer[0][:2] == ("Settings > Account > E-mail.", "B names the menu")


def answer_of(db_url: str, name: str) -> dict:
    rows = stored(db_url, "SELECT item.external_id, preference, ranking, thumbs, ratings, flags, correction, rationale, "
                          "shown_order FROM annotation JOIN user ON user.id = annotation.user_id JOIN item ON "
                          "item.id = annotation.item_id WHERE user.name = :name", name=name)
    fields = ("item", "preference", "ranking", "thumbs", "ratings", "flags", "correction", "rationale", "shown_order")
    return [{k: json.loads(v) if k in ("ranking", "thumbs", "ratings", "flags", "shown_order") and v else v
             for k, v in zip(fields, row)} for row in rows]


def test_after_a_mouse_click_on_a_score_the_keys_still_work(day_server, new_page):
    _, _, db_url = day_server
    page = start(day_server, new_page, "ann-click")
    item = item_on_screen(page)
    page.get_by_role("radio", name="A is better").click()
    settle(page)
    options(page, "Clarity of B").nth(2).click(force=True)  # the mouse: focus is now in the radio buttons
    settle(page)
    page.keyboard.press("4")  # the clicked question is the current one: 4 replaces the 3, then Accuracy of B
    expect(options(page, "Clarity of B").nth(3)).to_be_checked()
    settle(page)
    page.keyboard.press("5")
    expect(options(page, "Accuracy of B").nth(4)).to_be_checked()
    settle(page)
    page.keyboard.press("Control+Enter")
    expect(page.get_by_text(f"Item {item}")).to_have_count(0)
    [saved] = answer_of(db_url, "ann-click")
    right = saved["shown_order"][1]
    assert saved["ratings"] == {right: {"clarity": 4, "accuracy": 5}}


TYPE_AHEAD = """(keys) => { for (const [key, ctrl] of keys)
  document.dispatchEvent(new KeyboardEvent("keydown", {key, ctrlKey: ctrl, bubbles: true, cancelable: true})); }"""


def test_a_fast_annotator_keys_a_choice_a_score_and_submit_without_waiting_and_nothing_is_lost(day_server, new_page):
    """1, 3 and Ctrl+Enter pressed within a millisecond (typed ahead, faster than a round trip), from the first
    item on: the first item's radio buttons are drawn a moment after the page (Streamlit loads their code then), and
    the clicks reach the server together, in one run whose callbacks run in no set order. The answer saved holds
    the choice and the score all the same."""
    _, _, db_url = day_server
    page = start(day_server, new_page, "ann-fast")
    seen = []
    for _ in range(8):
        seen.append(item_on_screen(page))
        page.evaluate(TYPE_AHEAD, [["1", False], ["3", False], ["Enter", True]])  # A is better, Clarity of A 3
        expect(page.get_by_text(f"Item {seen[-1]}")).to_have_count(0)
        expect(page.get_by_text(re.compile(r"^Item "))).to_be_visible()
        settle(page)
    expect(page.get_by_text("Not saved yet")).to_have_count(0)
    saved = {row["item"]: row for row in answer_of(db_url, "ann-fast")}
    assert sorted(saved) == sorted(seen)
    for row in saved.values():
        left = row["shown_order"][0]
        assert (row["preference"], row["ratings"].get(left)) == (left, {"clarity": 3}), row


DRAWN_LATE = """([button, ms]) => {  // the button out of reach until ms later, as while a run still draws it
  const cls = window.__feedbackKeys.data[button], box = document.querySelector("." + cls);
  box.classList.remove(cls);
  document.dispatchEvent(new KeyboardEvent("keydown", {key: "Enter", ctrlKey: true, bubbles: true, cancelable: true}));
  setTimeout(() => box.classList.add(cls), ms);
}"""


def test_ctrl_enter_pressed_before_the_button_is_drawn_submits_or_skips_once_it_is(day_server, new_page):
    """A new item's row of buttons shows a moment after its prompt, and a rerun (the choice's) can redraw the row:
    a Ctrl+Enter pressed then found no Submit (or Skip) button, did nothing, and the answer stayed unsaved (about
    one submit in 200 at full speed). It now waits for the button."""
    _, _, db_url = day_server
    page = start(day_server, new_page, "ann-late")
    item = item_on_screen(page)
    page.keyboard.press("1")
    settle(page)
    page.evaluate(DRAWN_LATE, ["submit", 400])
    expect(page.get_by_text(f"Item {item}")).to_have_count(0)
    assert [row["item"] for row in answer_of(db_url, "ann-late")] == [item]
    settle(page)
    skipped = item_on_screen(page)
    page.keyboard.press("s")
    expect(page.get_by_role("textbox", name="Why skip? (optional)")).to_be_focused()
    page.keyboard.type("drawn late")
    page.evaluate(DRAWN_LATE, ["skip", 400])
    expect(page.get_by_text(f"Item {skipped}")).to_have_count(0)
    assert stored(db_url, "SELECT reason FROM skip JOIN user ON user.id = skip.user_id JOIN item ON item.id = "
                          "skip.item_id WHERE user.name = 'ann-late' AND item.external_id = :item",
                  item=skipped) == [("drawn late",)]


def test_every_question_type_is_answered_skipped_undone_and_submitted_by_keyboard_alone(day_server, new_page):
    _, _, db_url = day_server
    page = start(day_server, new_page, "ann-keys", project="every")
    page.keyboard.press("?")
    expect(page.get_by_text("show or hide this list")).to_be_visible()
    page.keyboard.press("?")
    expect(page.get_by_text("show or hide this list")).not_to_be_visible()
    item = item_on_screen(page)
    assert item.startswith("three-")  # three answers: ranked
    keys = ["2", "1", "3",  # the ranks of A, B, C
            "1", "4", "1", "j",  # A: thumbs up, clarity 4, flag unsafe on, next
            "2", "3", "j",  # B: thumbs down, clarity 3, no flag
            "1", "5", "2"]  # C: thumbs up, clarity 5, flag off task
    for key in keys:
        page.keyboard.press(key)
        settle(page)
    expect(options(page, "Rank of C").nth(2)).to_be_checked()
    expect(options(page, "Clarity of C").nth(4)).to_be_checked()
    page.keyboard.press("c")
    expect(correction_box(page)).to_be_focused()
    page.keyboard.press("Control+a")
    page.keyboard.type("Press Settings, then E-mail.")
    page.keyboard.press("Escape")
    expect(correction_box(page)).not_to_be_focused()
    page.keyboard.press("r")
    expect(why_box(page)).to_be_focused()
    page.keyboard.type("B is short and right")
    page.keyboard.press("Control+Enter")  # from inside the box
    expect(page.get_by_text(f"Item {item}")).to_have_count(0)
    [saved] = answer_of(db_url, "ann-keys")
    a, b, c = saved["shown_order"]
    assert saved["item"] == item
    assert saved["ranking"] == {a: 2, b: 1, c: 3}
    assert saved["thumbs"] == {a: True, b: False, c: True}
    assert saved["ratings"] == {a: {"clarity": 4}, b: {"clarity": 3}, c: {"clarity": 5}}
    assert saved["flags"] == {a: ["unsafe"], c: ["off_task"]}
    assert (saved["correction"], saved["rationale"]) == ("Press Settings, then E-mail.", "B is short and right")

    settle(page)
    skipped = item_on_screen(page)
    page.keyboard.press("s")
    expect(page.get_by_role("textbox", name="Why skip? (optional)")).to_be_focused()
    page.keyboard.type("cannot tell")
    page.keyboard.press("Control+Enter")
    expect(page.get_by_text(f"Item {skipped}")).to_have_count(0)
    assert stored(db_url, "SELECT reason FROM skip JOIN user ON user.id = skip.user_id JOIN item ON item.id = "
                          "skip.item_id WHERE user.name = 'ann-keys' AND item.external_id = :item",
                  item=skipped) == [("cannot tell",)]
    settle(page)
    page.keyboard.press("u")  # undo the last skip: the item is back, on screen
    expect(page.get_by_text(f"Item {skipped}")).to_be_visible()
    assert stored(db_url, "SELECT skip.id FROM skip JOIN user ON user.id = skip.user_id "
                          "WHERE user.name = 'ann-keys'") == []
    expect(page.get_by_role("button", name=f"Undo skip of {skipped}")).to_have_count(0)


def test_u_brings_the_last_skip_back_when_the_queue_is_empty(day_server, new_page):
    page = start(day_server, new_page, "ann-empty", project="long")
    for _ in PROJECTS["long"][0]:  # skip every item, by keyboard
        item = item_on_screen(page)
        page.keyboard.press("s")
        expect(page.get_by_role("textbox", name="Why skip? (optional)")).to_be_focused()
        page.keyboard.press("Control+Enter")
        expect(page.get_by_text(f"Item {item}")).to_have_count(0)
        settle(page)
    expect(page.get_by_text("Your queue is empty")).to_be_visible()
    page.keyboard.press("u")
    expect(page.get_by_text(f"Item {item}")).to_be_visible()
    expect(page.get_by_text("Your queue is empty")).to_have_count(0)


def test_s_opens_the_skip_box_of_each_new_item_as_soon_as_it_shows(day_server, new_page):
    """The box a skip left open used to be closed by a click the page made after drawing the next item: an s
    pressed in between was undone by that click (or went to the box being replaced), and the box stayed shut."""
    page = start(day_server, new_page, "ann-skip-soon", project="day")
    reason = page.get_by_role("textbox", name="Why skip? (optional)")
    for _ in range(6):
        item = item_on_screen(page)
        page.keyboard.press("s")
        expect(reason).to_be_focused()
        page.keyboard.press("Control+Enter")
        expect(page.get_by_text(f"Item {item}")).to_have_count(0)
        expect(page.get_by_text(re.compile(r"^Item "))).to_be_visible()
    settle(page)
    item = item_on_screen(page)
    page.get_by_role("button", name="Skip this item").click()  # by mouse: the box is left open by the skip
    page.get_by_role("button", name="Skip", exact=True).click()
    expect(page.get_by_text(f"Item {item}")).to_have_count(0)
    settle(page)
    expect(reason).to_have_count(0)  # the next item starts with its box closed


def test_a_refused_answer_lists_every_problem_in_the_screens_letters_at_the_top_in_view(day_server, new_page):
    page = start(day_server, new_page, "ann-errors", project="every")
    item = item_on_screen(page)
    options(page, "Thumbs for B *").nth(0).click(force=True)
    settle(page)
    page.get_by_role("button", name="Submit").click()  # at the bottom of the page
    problems = page.locator(".st-key-rate-problems")
    expect(problems).to_contain_text("Not saved yet")
    expect(problems.get_by_role("listitem")).to_have_text([
        "Required: rank the answers (1 = best)", "Thumbs up or down for A is required",
        "Thumbs up or down for C is required"])
    expect(problems).to_be_in_viewport()
    expect(page.get_by_test_id("stToast")).to_contain_text("Not saved: 3 answers are missing or wrong")
    expect(page.get_by_text(f"Item {item}")).to_be_visible()  # still the same item, nothing lost


def test_the_next_item_opens_at_the_top_and_a_long_answer_at_its_start(day_server, new_page):
    page = start(day_server, new_page, "ann-top", project="long")
    expect(page.get_by_text("Step 0: a long paragraph").first).to_be_in_viewport()
    expect(page.get_by_text("Step 0: a long paragraph").nth(1)).to_be_in_viewport()
    item = item_on_screen(page)
    page.get_by_role("radio", name="Tie").click()
    settle(page)
    page.get_by_role("button", name="Submit").scroll_into_view_if_needed()
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text(f"Item {item}")).to_have_count(0)
    expect(page.get_by_text(re.compile(r"^Item long-"))).to_be_in_viewport()
    expect(page.get_by_text("Explain the billing settings")).to_be_in_viewport()
    expect(page.get_by_text("Step 0: a long paragraph").first).to_be_in_viewport()
    heading = page.locator(".st-key-rate-guidelines h1")  # in the narrow guidelines column
    assert float(heading.evaluate("h => parseFloat(getComputedStyle(h).fontSize)")) < 24  # not a page title


def test_on_a_1440_by_900_screen_the_prompt_both_answers_the_choice_and_submit_fit(day_server, new_page, shot):
    page = start(day_server, new_page, "ann-screen", viewport={"width": 1440, "height": 900})
    for part in (page.get_by_text(re.compile(r"^Question \d+ of day")), page.get_by_text(re.compile(r"^Answer A\d")),
                 page.get_by_text(re.compile(r"^Answer B\d")), page.get_by_role("radio", name="Both bad"),
                 page.get_by_role("button", name="Submit")):
        expect(part).to_be_in_viewport(ratio=1)
    assert page.evaluate("window.scrollY") == 0
    shot(page, "rate-1440x900")


CUT = """(button) => [...button.querySelectorAll('[data-testid="stMarkdownContainer"]')]
  .map((label) => label.scrollWidth > label.clientWidth)"""  # the label is cut with an ellipsis when too narrow


@pytest.mark.parametrize("width", [1280, 1440])
def test_the_submit_button_says_submit_in_full_beside_the_guidelines(day_server, new_page, width):
    page = start(day_server, new_page, f"ann-width-{width}", viewport={"width": width, "height": 800})
    assert page.get_by_role("button", name="Submit").evaluate(CUT) == [False]  # not "S..."


def stored(db_url: str, sql: str, **params) -> list[tuple]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(text(sql), params).all()
    engine.dispose()
    return rows
