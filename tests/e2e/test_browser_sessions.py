"""Sessions in a real browser: a reload, a bookmarked address and a second tab stay signed in on the page asked
for; the cookie is out of the page's scripts' reach; signing out, and an admin's password reset from another
browser, end the session for good (a reload does not bring it back)."""

import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect
from steps import PASSWORD, fill, settle

COOKIE = "feedback_session"


def add_account(env: dict[str, str], name: str, role: str) -> None:
    subprocess.run([str(Path(sys.executable).parent / "feedback"), "users", "add", name, "--role", role,
                    "--password-stdin"], input=f"{PASSWORD}\n", text=True, env=env, check=True, capture_output=True)


def sign_in_at(page, url: str, name: str, heading: str) -> None:
    """Open ``url`` (a page's address, before signing in), sign in there, and land on that page."""
    page.goto(url)
    fill(page.get_by_label("Name", exact=True), name)
    fill(page.get_by_label("Password", exact=True), PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_contain_text(f"Signed in as {name}")


def has_cookie(page) -> bool:
    return any(c["name"] == COOKIE for c in page.context.cookies())


def wait_for_cookie(page, present: bool = True) -> None:
    for _ in range(50):
        if has_cookie(page) == present:
            return
        page.wait_for_timeout(100)
    pytest.fail(f"the sign-in cookie was {'never set' if present else 'not deleted'}")


def signed_in_on(page, heading: str, name: str) -> None:
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_contain_text(f"Signed in as {name}")


def test_a_reload_a_bookmark_and_a_second_tab_stay_signed_in_where_asked(app_server, app_env, new_page):
    url, _ = app_server
    add_account(app_env, "rev-tabs", "reviewer")
    page = new_page()
    sign_in_at(page, f"{url}/agreement", "rev-tabs", "Agreement")
    wait_for_cookie(page)
    cookie = next(c for c in page.context.cookies() if c["name"] == COOKIE)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert COOKIE not in page.evaluate("document.cookie")  # the page's scripts cannot read it

    page.reload()
    signed_in_on(page, "Agreement", "rev-tabs")
    page.goto(f"{url}/progress")  # a bookmarked address
    signed_in_on(page, "Progress", "rev-tabs")
    second = page.context.new_page()  # a second tab of the same browser
    second.goto(f"{url}/review")
    signed_in_on(second, "Review", "rev-tabs")

    other = new_page()  # another browser: no cookie, no session
    other.goto(f"{url}/review")
    expect(other.get_by_role("button", name="Sign in")).to_be_visible()
    expect(other.get_by_test_id("stSidebar")).to_have_count(0)


def test_signing_out_ends_the_session_in_every_tab_and_a_reload_does_not_bring_it_back(app_server, app_env,
                                                                                       new_page):
    url, _ = app_server
    add_account(app_env, "ann-out", "annotator")
    page = new_page()
    sign_in_at(page, f"{url}/history", "ann-out", "My answers")
    wait_for_cookie(page)
    second = page.context.new_page()
    second.goto(url)
    signed_in_on(second, "Rate", "ann-out")

    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    wait_for_cookie(page, present=False)
    page.reload()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    second.get_by_test_id("stSidebar").get_by_role("link", name="My answers").click()  # their next click
    expect(second.get_by_role("button", name="Sign in")).to_be_visible()
    expect(second.get_by_text("Signed out.")).to_be_visible()


def test_an_admins_password_reset_signs_the_other_browser_out_at_its_next_click(app_server, app_env, new_page):
    url, _ = app_server
    add_account(app_env, "ann-reset", "annotator")
    victim = new_page()
    sign_in_at(victim, url, "ann-reset", "Rate")
    wait_for_cookie(victim)

    admin = new_page()
    sign_in_at(admin, f"{url}/users", "alex", "Users")
    settle(admin)
    admin.get_by_role("tab", name="Reset a password").click()
    settle(admin)
    form = admin.get_by_test_id("stForm").filter(has=admin.get_by_role("button", name="Reset password"))
    form.get_by_role("combobox").click()
    admin.get_by_role("option", name="ann-reset", exact=True).click()
    fill(form.get_by_label("New password", exact=True), "a completely new password")
    fill(form.get_by_label("New password again", exact=True), "a completely new password")
    form.get_by_role("button", name="Reset password").click()
    expect(admin.get_by_text("New password set for ann-reset")).to_be_visible()

    victim.get_by_test_id("stSidebar").get_by_role("link", name="My answers").click()  # their next click
    expect(victim.get_by_role("button", name="Sign in")).to_be_visible()
    expect(victim.get_by_text("an admin reset this account's password")).to_be_visible()
    victim.reload()  # the cookie's session is over: the reload stays signed out
    expect(victim.get_by_role("button", name="Sign in")).to_be_visible()
    expect(victim.get_by_test_id("stSidebar")).to_have_count(0)
