"""The project chosen in the sidebar stays chosen: across a page switch made by a button ("Review this item"),
a reload, and a bookmarked address that names it (``?project=...``), signed in or not yet."""

import json
import os
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import expect
from steps import PASSWORD, fill, open_project, settle, sign_in

PROJECTS = ("kept-a", "kept-b", "kept-c")  # the sidebar opens the first one: the test chooses another


def _import(env: dict[str, str], tmp_path: Path) -> None:
    """Three projects; in each, one item split 2-2 (on the Agreement page's disputed list)."""
    for name in PROJECTS:
        data = tmp_path / f"{name}.jsonl"
        data.write_text(json.dumps({
            "id": f"{name}-1", "prompt": f"Which plan fits a team of five? ({name})",
            "candidates": [{"id": "a", "output": "Team plan."}, {"id": "b", "output": "Solo plan."}],
            "annotations": [{"annotator": f"{name}-{who}", "preference": pref}
                            for who, pref in (("p", "a"), ("q", "a"), ("r", "b"), ("s", "b"))]}) + "\n")
        subprocess.run([str(Path(sys.executable).parent / "feedback"), "import", str(data), "--project", name],
                       env=env, check=True, capture_output=True)


def project_of(page) -> str:
    return page.get_by_test_id("stSidebar").get_by_role("combobox", name="Project").input_value()


def test_the_chosen_project_survives_a_switch_a_reload_and_a_bookmark(app_server, app_env, new_page, tmp_path):
    url, _ = app_server
    _import({**os.environ, **app_env}, tmp_path)
    page = new_page()
    sign_in(page, url, "alex")
    open_project(page, "kept-b")
    page.get_by_role("link", name="Agreement").click()
    page.get_by_role("tab", name="Disputed items").click()
    page.get_by_role("button", name="Review this item").click()  # st.switch_page
    expect(page.get_by_role("heading", name="Item kept-b-1")).to_be_visible()
    settle(page)
    assert project_of(page) == "kept-b"

    page.get_by_role("link", name="Export").click()
    settle(page)
    page.reload()
    expect(page.get_by_role("heading", name="Export", exact=True)).to_be_visible()
    settle(page)
    assert project_of(page) == "kept-b"
    assert page.url.endswith("/export?project=kept-b")

    other = new_page()  # another browser, not signed in, opens a bookmark
    other.goto(f"{url}/progress?project=kept-c")
    fill(other.get_by_label("Name", exact=True), "alex")
    fill(other.get_by_label("Password", exact=True), PASSWORD)
    other.get_by_role("button", name="Sign in").click()
    expect(other.get_by_role("heading", name="Progress", exact=True)).to_be_visible()
    settle(other)
    assert project_of(other) == "kept-c"
