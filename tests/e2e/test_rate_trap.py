"""An item the Rate page cannot show (stored by an older version) does not trap the annotator in a real browser:
they see which item it is, skip it, and get the next one."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import e2e_items, serve_app
from playwright.sync_api import expect
from sqlalchemy import create_engine
from sqlmodel import Session, select
from steps import PASSWORD, settle, sign_in

from feedback.store.tables import Candidate, Item, Project, Skip

BROKEN = "legacy-7"


@pytest.fixture(scope="module")
def trap_server(tmp_path_factory):
    """Project 'support' (``e2e_items``), annotator 'ann', and item legacy-7 served first: its conversation holds
    a message that is not an object, so drawing it raises."""
    tmp = tmp_path_factory.mktemp("trap")
    db_url = f"sqlite:///{tmp / 'feedback.db'}"
    env = {**os.environ, "FEEDBACK_DATABASE_URL": db_url, "FEEDBACK_EXPORT_DIR": str(tmp / "exports")}
    feedback = str(Path(sys.executable).parent / "feedback")
    data = tmp / "items.jsonl"
    data.write_text("".join(json.dumps(i) + "\n" for i in e2e_items()), encoding="utf-8")
    subprocess.run([feedback, "import", str(data), "--project", "support"], env=env, check=True, capture_output=True)
    subprocess.run([feedback, "users", "add", "ann", "--role", "annotator", "--password-stdin"], input=f"{PASSWORD}\n",
                   text=True, env=env, check=True, capture_output=True)
    engine = create_engine(db_url)
    with Session(engine) as s:
        project = s.exec(select(Project)).one()
        item = Item(project_id=project.id, external_id=BROKEN, content_hash="legacy", priority=1,
                    messages=[{"role": "user", "content": "Reset my password"}, "a message that is not an object"])
        s.add(item)
        s.flush()
        s.add_all([Candidate(item_id=item.id, key="a", output="one", position=0),
                   Candidate(item_id=item.id, key="b", output="two", position=1)])
        s.commit()
    with serve_app(env) as url:
        yield url, engine
    engine.dispose()


def test_an_item_that_cannot_be_shown_is_named_and_skipped_to_the_next(trap_server, page, shot):
    url, engine = trap_server
    sign_in(page, url, "ann")
    alert = page.get_by_test_id("stAlert").filter(has_text="could not be shown")
    expect(alert).to_contain_text(f"Item {BROKEN} could not be shown")
    expect(alert).to_contain_text("Skip it to go on to the next item")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    shot(page, "rate-item-not-shown")
    page.get_by_role("button", name="Skip this item").click()
    page.get_by_role("button", name="Skip", exact=True).click()
    settle(page)
    expect(page.get_by_text(re.compile(r"^Item e2e-"))).to_be_visible()  # the next item, shown as usual
    expect(alert).to_have_count(0)
    expect(page.get_by_role("radio", name="A is better")).to_be_visible()
    with Session(engine) as s:
        skips = [(s.get(Item, k.item_id).external_id, k.reason) for k in s.exec(select(Skip)).all()]
    assert skips == [(BROKEN, "could not be shown")]
