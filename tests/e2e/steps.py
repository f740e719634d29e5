"""Steps the browser tests share."""

from playwright.sync_api import expect

PASSWORD = "e2e password 1"  # every account's password (made by the app_server fixture)


def sign_in(page, url: str, name: str, password: str = PASSWORD) -> None:
    """Sign ``name`` in through the sign-in form and wait for the Rate page."""
    page.goto(url)
    fill(page.get_by_label("Name", exact=True), name)
    fill(page.get_by_label("Password", exact=True), password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Rate", exact=True)).to_be_visible()


def open_project(page, name: str) -> None:
    """Choose project ``name`` in the sidebar."""
    page.get_by_test_id("stSidebar").get_by_role("combobox", name="Project").click()
    page.get_by_role("option", name=name, exact=True).click()
    expect(page.get_by_test_id("stSidebar").get_by_role("combobox", name="Project")).to_have_value(name)


def fill(locator, value: str) -> None:
    """Type into a Streamlit text box and leave it, so the value is committed before the next click (a
    form collects what its boxes hold; a box still being edited can lag behind)."""
    locator.fill(value)
    locator.press("Tab")


def settle(page) -> None:
    """Wait for the script run a click started to finish: a keyed widget (e.g. tabs) reruns the page, and what
    is typed into another widget before the rerun has redrawn it can be lost."""
    app = page.locator('[data-testid="stApp"]')
    try:
        expect(app).to_have_attribute("data-test-script-state", "running", timeout=1000)
    except AssertionError:
        pass  # the run was over before we looked
    expect(app).to_have_attribute("data-test-script-state", "notRunning")
