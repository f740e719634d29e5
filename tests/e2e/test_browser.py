"""A person in a real browser: signs in, rates two items, reads agreement, downloads a DPO export; roles."""

import io
import json
import re
import zipfile

from playwright.sync_api import expect
from sqlalchemy import create_engine, text
from steps import fill, open_project, settle
from steps import sign_in as _sign_in


def _rate_one(page, *, keyboard: bool) -> str:
    """Rate the item on screen: A is better, with a rationale; by keyboard shortcuts or by mouse."""
    settle(page)  # the run that brings the item may still be replacing the last one's buttons
    caption = page.get_by_text(re.compile(r"^Item e2e-"))
    expect(caption).to_be_visible()
    item = re.match(r"Item (\S+)", caption.inner_text()).group(1)
    if keyboard:
        page.locator("body").press("1")
    else:
        page.get_by_role("radio", name="A is better").click()
    expect(page.get_by_role("radio", name="A is better")).to_be_checked()
    page.get_by_label("Why? (optional)").fill("A answers the question; B refuses.")
    page.get_by_label("Why? (optional)").press("Enter")
    settle(page)  # the rationale's rerun: a shortcut pressed during it can be lost (a loaded CI run)
    if keyboard:
        page.get_by_role("heading", name="Rate", exact=True).click()
        page.keyboard.press("Control+Enter")
    else:
        page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text(f"Item {item}")).to_have_count(0)
    return item


def test_a_page_address_without_signing_in_shows_the_sign_in(app_server, page):
    """Runs first: a fresh server's first request goes straight to a page's address."""
    url, _ = app_server
    page.goto(f"{url}/agreement")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.get_by_role("heading", name="Agreement", exact=True)).to_have_count(0)


def test_a_wrong_password_is_refused(app_server, page):
    url, _ = app_server
    page.goto(url)
    fill(page.get_by_label("Name", exact=True), "alex")
    fill(page.get_by_label("Password", exact=True), "not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Wrong name or password")).to_be_visible()
    expect(page.get_by_role("heading", name="Rate", exact=True)).to_have_count(0)


def test_an_annotator_sees_no_admin_pages_and_an_admin_does(app_server, page):
    url, _ = app_server
    _sign_in(page, url, "ann")
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_role("link", name="Rate")).to_be_visible()
    for name in ("Data", "Agreement", "Users"):
        expect(sidebar.get_by_role("link", name=name)).to_have_count(0)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    _sign_in(page, url, "admin-in-browser")
    for name in ("Data", "Agreement", "Users"):
        expect(sidebar.get_by_role("link", name=name)).to_be_visible()


def test_rate_two_items_see_agreement_download_export(app_server, page, shot, tmp_path):
    url, db_url = app_server
    _sign_in(page, url, "alex")
    open_project(page, "support")  # other test files add projects that may come first
    settle(page)
    shot(page, "rate")
    # agent output is shown as text, never run as HTML
    expect(page.get_by_text("<script>alert(", exact=False).first).to_be_visible()
    rated = [_rate_one(page, keyboard=True), _rate_one(page, keyboard=False)]
    assert len(set(rated)) == 2

    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT item.external_id, annotation.preference, annotation.rationale, annotation.shown_order "
            "FROM annotation JOIN user ON user.id = annotation.user_id JOIN item ON item.id = annotation.item_id "
            "WHERE user.name = 'alex' ORDER BY annotation.id")).all()
    engine.dispose()
    assert [r[0] for r in rows] == rated
    for external_id, preference, rationale, shown in rows:
        assert rationale == "A answers the question; B refuses."
        assert preference == json.loads(shown)[0]  # "A" is whatever was shown on the left

    page.get_by_role("link", name="Agreement").click()
    expect(page.get_by_role("heading", name="Agreement", exact=True)).to_be_visible()
    expect(page.get_by_role("tab", name="Questions")).to_be_visible()
    # 6 imported annotations + the 2 just made; the table itself is drawn on a canvas
    expect(page.get_by_test_id("stMetricValue").first).to_have_text("8")
    shot(page, "agreement")

    page.get_by_role("link", name="Export").click()
    expect(page.get_by_role("heading", name="Export", exact=True)).to_be_visible()
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_text("A few rows")).to_be_visible()
    page.get_by_role("button", name="Create version").click()
    expect(page.get_by_text(re.compile(r"Created v\d+:"))).to_be_visible()
    page.get_by_role("button", name=re.compile(r"Prepare v\d+ for download")).click()
    with page.expect_download() as download_info:
        page.get_by_role("button", name=re.compile(r"Download v\d+ \(zip\)")).click()
    shot(page, "export")
    archive = tmp_path / "export.zip"
    download_info.value.save_as(archive)
    with zipfile.ZipFile(io.BytesIO(archive.read_bytes())) as z:
        names = z.namelist()
        jsonl = next(n for n in names if n.endswith(".jsonl"))
        rows = [json.loads(line) for line in z.read(jsonl).decode().splitlines()]
        assert any(n.endswith("/README.md") for n in names) and any(n.endswith("/manifest.json") for n in names)
    assert {r["item_id"] for r in rows} >= {"e2e-0", "e2e-1"}
    for row in rows:
        assert row["prompt"] and row["chosen"] and row["rejected"] and row["chosen"] != row["rejected"]


def test_upload_reports_bad_lines_then_imports_a_good_file(app_server, page):
    url, db_url = app_server
    _sign_in(page, url, "admin-in-browser")
    page.get_by_role("link", name="Data").click()
    good = json.dumps({"id": "up-1", "prompt": "Uploaded question?",
                       "candidates": [{"output": "One"}, {"output": "Two"}]})
    bad = json.dumps({"id": "up-2", "promt": "typo", "candidates": []})
    upload = page.locator('input[type="file"]')
    upload.set_input_files(files=[{"name": "batch.jsonl", "mimeType": "application/json",
                                   "buffer": f"{good}\n{bad}\n".encode()}])
    expect(page.get_by_text("batch.jsonl")).to_be_visible()
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_text("1 of 2 lines are invalid; nothing was imported")).to_be_visible()
    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM item WHERE external_id LIKE 'up-%'")).scalar() == 0
    upload.set_input_files(files=[{"name": "batch-fixed.jsonl", "mimeType": "application/json",
                                   "buffer": f"{good}\n".encode()}])
    expect(page.get_by_text("batch-fixed.jsonl")).to_be_visible()  # uploaded before the form is sent
    fill(page.get_by_label("Project", exact=True).last, "uploads")  # a new project, opened after the import
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_text("1 new item")).to_be_visible()
    expect(page.get_by_test_id("stSidebar").get_by_role("combobox", name="Project")).to_have_value("uploads")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM item i JOIN project p ON p.id = i.project_id "
                                 "WHERE i.external_id = 'up-1' AND p.name = 'uploads'")).scalar() == 1
    engine.dispose()
