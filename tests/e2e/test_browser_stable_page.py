"""A click does not make the browser draw the whole page anew: the elements keep their places from one run to the
next, so the Rate page never shows two forms at once (there were two, for a moment, at the first click after
signing in: the part that sets the sign-in cookie came and went before the page and moved everything after it)."""


import pytest
from conftest import add_account, e2e_items, env_with_items, serve_app
from steps import settle, sign_in


@pytest.fixture(scope="module")
def one_project(tmp_path_factory):
    """A server whose only project is 'support' (``e2e_items``), with annotator 'steady': signing in lands on it."""
    env = env_with_items(tmp_path_factory.mktemp("stable"), e2e_items(), "support")
    add_account(env, "steady", "annotator")
    with serve_app(env) as url:
        yield url


def test_the_first_clicks_after_signing_in_redraw_no_second_form(one_project, new_page):
    most = 1
    for _ in range(3):  # each sign-in had about one chance in three to show it
        page = new_page()
        sign_in(page, one_project, "steady")
        settle(page)
        page.wait_for_timeout(800)
        for key in ("1", "2"):
            page.locator("body").press(key)
            for _ in range(30):  # the whole run and the redraw after it, as a person would see them
                most = max(most, page.get_by_label("Why? (optional)").count())
                page.wait_for_timeout(50)
            settle(page)
    assert most == 1
