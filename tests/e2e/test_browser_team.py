"""An admin sets up a team project in the browser; three annotators work through it with the keyboard."""

import json
import re
from collections import Counter

from playwright.sync_api import expect
from sqlalchemy import create_engine, text
from steps import PASSWORD, fill, open_project, settle
from steps import sign_in as _sign_in

TEAM = ["ann-1", "ann-2", "ann-3"]
SCHEMA = """\
preference_required: true
preference_extra: [tie]
rubric:
  - name: clarity
    label: Clarity
    description: How easy the answer is to follow
    min: 1
    max: 7
    anchors: {1: confusing, 7: crystal clear}
flags: [unsafe]
correction: false
rationale: true
"""
ITEMS = [{"id": f"team-{n}", "prompt": f"Team question {n}: how do I export my invoices?",
          "candidates": [{"id": "a", "model": "agent-v1", "output": f"Billing > Invoices > Export ({n})."},
                         {"id": "b", "model": "agent-v2", "output": f"Invoices cannot be exported ({n})."}]}
         for n in range(3)]


def _flash(page, message: str) -> None:
    expect(page.get_by_text(message)).to_be_visible()
    settle(page)  # the run that shows it may still be drawing the form: type into the new one, not the old


def _add_users(page) -> None:
    page.get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Add user")).to_be_enabled()
    for name in TEAM:
        fill(page.get_by_label("Name", exact=True), name)
        fill(page.get_by_label("Password", exact=True), PASSWORD)
        fill(page.get_by_label("Password again", exact=True), PASSWORD)
        page.get_by_role("button", name="Add user").click()
        _flash(page, f"Added {name} (annotator).")


def _set_up_project(page) -> None:
    page.get_by_role("link", name="Projects").click()
    page.get_by_text("New project").click()
    fill(page.get_by_label("Name", exact=True), "team")
    fill(page.get_by_label("Overlap: annotators per item").first, "2")
    page.get_by_text("Restricted: only the annotators you name may work on it").click()
    page.get_by_role("button", name="Create project").click()
    _flash(page, "Created project 'team'")

    page.get_by_role("tab", name="Questions").click()
    page.get_by_text("Edit as YAML").click()
    fill(page.get_by_label("Schema (YAML or JSON)"), SCHEMA)
    page.get_by_role("button", name="Save YAML").click()
    _flash(page, "Questions saved: schema version 1.")

    page.get_by_role("tab", name="Guidelines").click()
    fill(page.get_by_label("Guidelines (Markdown)"), "Prefer the answer that **does the task**.")
    page.get_by_role("button", name="Save guidelines").click()
    _flash(page, "Guidelines saved: version 1.")

    page.get_by_role("tab", name="Annotators").click()
    settle(page)  # a pick made while a rerun redraws the form can be lost
    for name in TEAM:
        page.get_by_label("Annotators").last.click()
        page.keyboard.type(name)
        expect(page.get_by_role("option", name=name, exact=True)).to_be_visible()  # Enter before it picks nothing
        page.keyboard.press("Enter")
        page.keyboard.press("Escape")
        expect(page.get_by_role("button", name=f"Remove {name}")).to_be_visible()
    page.get_by_role("button", name="Save annotators").click()
    _flash(page, "Annotators: ann-1, ann-2, ann-3.")

    page.get_by_role("link", name="Data").click()
    upload = page.locator('input[type="file"]')
    upload.set_input_files(files=[{"name": "team.jsonl", "mimeType": "application/json",
                                   "buffer": "".join(json.dumps(i) + "\n" for i in ITEMS).encode()}])
    expect(page.get_by_text("team.jsonl")).to_be_visible()
    page.get_by_role("button", name="Import", exact=True).click()
    _flash(page, "3 new items")


def _open_team(page) -> None:
    open_project(page, "team")
    expect(page.get_by_text(re.compile(r"^team: "))).to_be_visible()


def _on_screen(page) -> str | None:
    """The item on the annotator's screen, or None when their queue is empty."""
    shown = page.get_by_text(re.compile(r"^(Item team-\d|Your queue is empty)")).first
    expect(shown).to_be_visible()
    found = re.match(r"Item (team-\d)", shown.inner_text())
    return found.group(1) if found else None


def _rate_by_keyboard(page, item: str) -> None:
    page.get_by_role("heading", name="Rate", exact=True).click()  # the keys go to the page, not a widget
    page.keyboard.press("1")
    expect(page.get_by_role("radio", name="A is better")).to_be_checked()
    page.keyboard.press("Control+Enter")
    expect(page.get_by_text(f"Item {item}")).to_have_count(0)


def test_an_admin_sets_up_a_team_that_works_through_the_queue_by_keyboard(app_server, new_page, shot):
    url, db_url = app_server
    admin = new_page()
    _sign_in(admin, url, "alex")
    _add_users(admin)
    _set_up_project(admin)

    pages = {}
    for name in TEAM:
        pages[name] = new_page()
        _sign_in(pages[name], url, name)
        _open_team(pages[name])
    first = pages["ann-1"]
    expect(first.get_by_text("Clarity of A")).to_be_visible()
    expect(first.get_by_text("crystal clear").first).to_be_visible()
    expect(first.get_by_text("Prefer the answer that")).to_be_visible()
    shot(first, "team-rate")

    seen = {name: [] for name in TEAM}
    working = list(TEAM)
    for _ in range(5):  # rounds: each annotator rates the item on their screen, in turn
        for name in list(working):
            item = _on_screen(pages[name])
            if item is None:
                working.remove(name)
                continue
            _rate_by_keyboard(pages[name], item)
            seen[name].append(item)
        if not working:
            break
    assert not working, "a queue never emptied"

    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT u.name, i.external_id, a.preference, a.shown_order, a.schema_version, a.guidelines_version, "
            "a.time_spent_s FROM annotation a JOIN user u ON u.id = a.user_id JOIN item i ON i.id = a.item_id "
            "JOIN project p ON p.id = i.project_id WHERE p.name = 'team'")).all()
        leases = conn.execute(text("SELECT count(*) FROM lease JOIN item ON item.id = lease.item_id "
                                   "JOIN project ON project.id = item.project_id WHERE project.name = 'team'")).scalar()
    engine.dispose()
    assert Counter(r[1] for r in rows) == {f"team-{n}": 2 for n in range(3)}  # the overlap, exactly
    for name in TEAM:
        mine = [r[1] for r in rows if r[0] == name]
        assert sorted(mine) == sorted(seen[name]) and len(set(mine)) == len(mine)  # never the same item twice
    assert all(len(seen[name]) == 2 for name in TEAM)
    for _, _, preference, shown, schema_version, guidelines_version, spent in rows:
        assert preference == json.loads(shown)[0]  # key 1: the answer shown on the left
        assert (schema_version, guidelines_version) == (1, 1) and spent is not None
    assert leases == 0
