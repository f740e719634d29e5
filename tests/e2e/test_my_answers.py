"""My answers in a real browser: a click on a row opens that answer's editor; a skipped item is listed and
Un-skip gives it back to the annotator's queue."""

import json
import re
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import expect
from steps import PASSWORD, open_project, settle, sign_in

BIN = Path(sys.executable).parent


def _feedback(env: dict[str, str], *args: str, stdin: str | None = None) -> None:
    subprocess.run([str(BIN / "feedback"), *args], input=stdin, text=True, env=env, check=True, capture_output=True)


def _project(env: dict[str, str], tmp_path) -> None:
    """Project 'my-answers' with three items, for this file's annotator alone."""
    data = tmp_path / "mine.jsonl"
    data.write_text("\n".join(json.dumps({
        "id": f"mine-{n}", "prompt": f"Where is the invoice number {n}?",
        "candidates": [{"id": "a", "model": "agent-v1", "output": f"On the top right ({n})."},
                       {"id": "b", "model": "agent-v2", "output": f"I do not know ({n})."}]}) for n in range(3)) + "\n")
    _feedback(env, "import", str(data), "--project", "my-answers")
    _feedback(env, "users", "add", "mya", "--role", "annotator", "--password-stdin", stdin=f"{PASSWORD}\n")


def _item_on_screen(page) -> str:
    settle(page)
    caption = page.get_by_text(re.compile(r"^Item mine-"))
    expect(caption).to_be_visible()
    return re.match(r"Item (\S+)", caption.inner_text()).group(1)


def test_a_row_opens_on_click_and_a_skip_can_be_undone(app_env, app_server, page, shot, tmp_path):
    url, _ = app_server
    _project(app_env, tmp_path)
    sign_in(page, url, "mya")
    open_project(page, "my-answers")
    settle(page)
    answered = _item_on_screen(page)
    page.get_by_role("radio", name="A is better").click()
    settle(page)
    expect(page.get_by_role("radio", name="A is better")).to_be_checked()
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text(f"Item {answered}")).to_have_count(0)
    skipped = _item_on_screen(page)
    assert skipped != answered
    page.get_by_role("button", name="Skip this item").click()
    page.get_by_role("button", name="Skip", exact=True).click()
    expect(page.get_by_text(f"Item {skipped}")).to_have_count(0)

    page.get_by_test_id("stSidebar").get_by_role("link", name="My answers").click()
    expect(page.get_by_role("heading", name="My answers", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Skipped (1)")).to_be_visible()
    grid = page.get_by_test_id("stDataFrame")
    expect(grid).to_be_visible()
    settle(page)
    page.wait_for_timeout(500)  # the grid draws its canvas
    box = grid.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + 35 + 17)  # the middle of the first row, under the header
    expect(page.get_by_role("heading", name=f"Item {answered} · revision 1")).to_be_visible()
    expect(page.get_by_role("button", name="Save changes")).to_be_visible()
    shot(page, "my_answers")

    page.get_by_role("button", name="Un-skip").click()
    expect(page.get_by_role("heading", name="Skipped (0)")).to_be_visible()
    page.get_by_test_id("stSidebar").get_by_role("link", name="Rate").click()
    held = _item_on_screen(page)  # the item served after the skip stays until answered
    page.get_by_role("radio", name="Tie").click()
    settle(page)
    expect(page.get_by_role("radio", name="Tie")).to_be_checked()
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text(f"Item {held}")).to_have_count(0)
    assert _item_on_screen(page) == skipped
