"""A fresh server's first visitor opens a page's address directly: they get the sign-in, and nothing of any project.

With a ``pages/`` folder, Streamlit runs that first request's page script on its own, without app.py and its
sign-in (reproduced with Streamlit 1.67); every page therefore starts with the guard (feedback.ui.guard), and
this test opens every page of ``pages/`` on a server started for it alone.
"""

from pathlib import Path

import pytest
from conftest import serve_app
from playwright.sync_api import expect
from steps import fill

from feedback.ui.guard import WHO

PAGES = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "pages").glob("*.py"))
# What the e2e data holds (tests/e2e/conftest.py): none of it may reach a visitor who has not signed in.
# The heading each address shows once an admin has signed in there.
HEADINGS = {"rate": "Rate", "history": "My answers", "agreement": "Agreement", "review": "Review",
            "progress": "Progress", "export": "Export", "data": "Data", "projects": "Projects", "users": "Users"}
PROJECT_DATA = ["support", "reset my password on account", "agent-v1", "agent-v2", "e2e-", "maria", "tracker"]


def test_every_page_is_checked():
    assert set(PAGES) == set(HEADINGS)
    assert WHO  # the guard module is importable without a running app


@pytest.mark.parametrize("name", PAGES)
def test_the_first_visitor_of_a_fresh_server_gets_the_sign_in_and_no_data_then_the_page(app_env, new_page, shot, name):
    with serve_app(app_env) as url:
        page = new_page()
        page.goto(f"{url}/{name}")
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        expect(page.get_by_label("Password", exact=True)).to_be_visible()
        page.wait_for_timeout(500)  # anything the page would draw after the form
        shot(page, f"first-visit-{name}")
        text = page.locator("body").inner_text()
        assert [d for d in PROJECT_DATA if d in text] == []
        expect(page.get_by_test_id("stException")).to_have_count(0)
        expect(page.get_by_test_id("stSidebar")).to_have_count(0)

        fill(page.get_by_label("Name", exact=True), "alex")
        fill(page.get_by_label("Password", exact=True), "e2e password 1")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name=HEADINGS[name], exact=True)).to_be_visible()
        expect(page.get_by_test_id("stSidebar").get_by_role("combobox", name="Project")).to_be_visible()
        page.wait_for_timeout(500)
        assert page.get_by_test_id("stException").all_inner_texts() == []
