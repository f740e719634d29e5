"""A reviewer finds the careless annotator and the disputed items, decides one, and the export uses it."""

import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

from playwright.sync_api import expect
from steps import fill, open_project
from steps import sign_in as _sign_in

GOOD = ["kim", "lee", "max"]


def _items() -> list[dict]:
    """12 items whose right answer is a: three careful annotators and one who always picks b; on r-10 and
    r-11 one careful annotator slips, so those two are split 2-2."""
    items = []
    for n in range(12):
        votes = {name: "a" for name in GOOD} | {"careless": "b"}
        if n >= 10:
            votes["lee"] = "b"
        items.append({
            "id": f"r-{n}", "prompt": f"Refund question {n}: can I get my money back?",
            "candidates": [{"id": "a", "model": "agent-v2", "output": f"Yes: Billing > Refunds ({n})."},
                           {"id": "b", "model": "agent-v1", "output": f"No refunds, ever ({n})."}],
            "annotations": [{"annotator": who, "preference": pref} for who, pref in votes.items()],
        })
    return items


def _import(db_url: str, tmp_path: Path) -> None:
    data = tmp_path / "review.jsonl"
    data.write_text("".join(json.dumps(i) + "\n" for i in _items()), encoding="utf-8")
    env = dict(os.environ, FEEDBACK_DATABASE_URL=db_url)
    subprocess.run([str(Path(sys.executable).parent / "feedback"), "import", str(data), "--project", "refunds"],
                   env=env, check=True, capture_output=True)


def test_a_reviewer_finds_the_careless_annotator_decides_a_split_item_and_the_export_uses_it(
        app_server, page, shot, tmp_path):
    url, db_url = app_server
    _import(db_url, tmp_path)
    _sign_in(page, url, "alex")
    open_project(page, "refunds")

    page.get_by_role("link", name="Agreement").click()
    expect(page.get_by_test_id("stMetric").filter(has_text="Flagged annotators")).to_contain_text("1")
    page.get_by_role("tab", name="Annotators").click()
    expect(page.get_by_text("careless is flagged: agreement 0% < 50%")).to_be_visible()
    shot(page, "agreement-annotators")

    page.get_by_role("tab", name="Disputed items").click()
    expect(page.get_by_text("most disputed first: 2")).to_be_visible()
    page.get_by_role("button", name="Review this item").click()
    expect(page.get_by_role("heading", name="Review", exact=True)).to_be_visible()
    item = page.get_by_role("heading", name=re.compile(r"^Item r-1[01]$")).inner_text().split()[-1]
    page.get_by_test_id("stRadio").get_by_text("a (agent-v2)", exact=True).click()  # not the table's cell
    fill(page.get_by_label("Why", exact=True).first, "a answers the refund question; b is wrong")
    page.get_by_role("button", name="Save final answer").click()
    expect(page.get_by_text(f"Final answer saved for {item}.")).to_be_visible()
    shot(page, "review")

    page.get_by_role("link", name="Export").click()
    page.get_by_role("button", name="Create version").click()
    expect(page.get_by_text(re.compile(r"Created v\d+:"))).to_be_visible()
    page.get_by_role("button", name=re.compile(r"Prepare v\d+ for download")).click()
    with page.expect_download() as download_info:
        page.get_by_role("button", name=re.compile(r"Download v\d+ \(zip\)")).click()
    archive = tmp_path / "export.zip"
    download_info.value.save_as(archive)
    with zipfile.ZipFile(io.BytesIO(archive.read_bytes())) as z:
        jsonl = next(n for n in z.namelist() if n.endswith(".jsonl"))
        rows = {r["item_id"]: r for r in map(json.loads, z.read(jsonl).decode().splitlines())}
    assert rows[item]["adjudicated"] is True and rows[item]["chosen"].startswith("Yes: Billing > Refunds")
    split = ({"r-10", "r-11"} - {item}).pop()
    assert split not in rows  # still split, not decided: no row
    assert len(rows) == 11 and all(not rows[f"r-{n}"]["adjudicated"] for n in range(10))
