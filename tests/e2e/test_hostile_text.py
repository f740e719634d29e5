"""Hostile text in every field of the data: no request leaves 127.0.0.1 on any page, for any role.

Agent outputs are written by the systems under evaluation, and a prompt-injected agent exfiltrates data through
image addresses. Items whose every text field (ids, prompts, conversations, outputs, model names, metadata,
annotator names, rationales, corrections, judges' names and rationales, guidelines, the project's name) carries a
corpus of image, link and HTML tricks are imported; an annotator, a reviewer and an admin open every page they
may use; every request the browser makes is recorded, and none may leave the machine.
"""


import pytest
from conftest import add_account, env_with_items, feedback_cli, serve_app
from playwright.sync_api import expect
from steps import PASSWORD, fill, settle

EVIL = "http://evil.example"
TRICKS = [
    f"![a]({EVIL}/plain.gif)",
    f"\\`![b]({EVIL}/escaped-backtick.gif)",
    f"``x`` ![c]({EVIL}/double-backticks.gif) ``y``",
    f"![d\ne]({EVIL}/break-in-alt.gif)",
    f"![f [g] h]({EVIL}/brackets-in-alt.gif)",
    f"![i][r]\n\n[r]: {EVIL}/reference.gif",
    f"![j](\n{EVIL}/break-before-address.gif)",
    f"![k](<{EVIL}/angle.gif>)",
    f"[![l]({EVIL}/in-link.gif)](https://ok.example)",
    f"<img src='{EVIL}/html.gif'>",
    f"<iframe src='{EVIL}/frame'></iframe><script>fetch('{EVIL}/script')</script>",
    f"<link rel=stylesheet href='{EVIL}/style.css'><video poster='{EVIL}/poster.gif'></video>",
    f"| t |\n|---|\n| ![m]({EVIL}/table.gif) |",
    f":material/home: :red[red] $x^2$ [n](javascript:fetch('{EVIL}/js'))",
]
CORPUS = "\n\n".join(TRICKS)
SHORT = " ".join(t.replace("\n", " ") for t in TRICKS[:9])  # for names and ids (one line)
ROLES = {"annotator": ["Rate", "My answers"],
         "reviewer": ["Rate", "My answers", "Agreement", "Review", "Progress", "Export"],
         "admin": ["Rate", "My answers", "Agreement", "Review", "Progress", "Export", "Data", "Projects", "Users"]}
ACCOUNTS = {"annotator": "ann-h", "reviewer": "rev-h", "admin": "adm-h"}
PROJECT = f"evil ![p]({EVIL}/project.gif)"


def hostile_items() -> list[dict]:
    items = []
    for n, trick in enumerate(TRICKS):
        text = f"{trick}\n\n{CORPUS}"
        answer = {"preference": "a", "ratings": {"a": {"helpfulness": 5}, "b": {"helpfulness": 1}},
                  "rationale": text, "correction": text}
        items.append({
            "id": f"h{n} {SHORT}"[:200],
            "messages": [{"role": "system", "content": text}, {"role": "user", "content": text}],
            "candidates": [{"id": "a", "model": f"m {SHORT}"[:200], "output": text},
                           {"id": "b", "model": "agent-v2",
                            "messages": [{"role": "assistant", "content": text},
                                         {"role": "tool", "content": text}]}],
            "metadata": {"topic": text, "note": SHORT},
            "annotations": [{"annotator": f"hostile {SHORT}"[:100], **answer},
                            {"annotator": "ann-h", **answer, "preference": "b"},
                            {"annotator": "other-h", **answer, "preference": "tie"}],
            "suggestions": [{"agent": f"judge {SHORT}"[:200], "preference": "a", "score": 0.5, "rationale": text}],
        })
    items.append({"id": "open", "prompt": CORPUS, "candidates": [{"output": CORPUS}, {"output": CORPUS}]})
    return items


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    env = env_with_items(tmp, hostile_items(), PROJECT)
    guidelines = tmp / "guidelines.md"
    guidelines.write_text(CORPUS, encoding="utf-8")
    feedback_cli(env, "project", "guidelines", PROJECT, "--file", str(guidelines))
    feedback_cli(env, "project", "settings", PROJECT, "--show-suggestions")
    feedback_cli(env, "users", "reset-password", "ann-h", "--password-stdin", stdin=f"{PASSWORD}\n")
    for role in ("reviewer", "admin"):
        add_account(env, ACCOUNTS[role], role)
    with serve_app(env) as url:
        yield url


@pytest.mark.parametrize("role", list(ROLES))
def test_no_request_leaves_the_machine_on_any_page(hostile_server, browser, role):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(20_000)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(hostile_server)
    fill(page.get_by_label("Name", exact=True), ACCOUNTS[role])
    fill(page.get_by_label("Password", exact=True), PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Rate", exact=True)).to_be_visible()
    for title in ROLES[role]:
        page.get_by_test_id("stSidebar").get_by_role("link", name=title, exact=True).click()
        expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
        settle(page)
        for tab in page.get_by_role("tab").all():  # every tab's content is drawn; open each all the same
            tab.click()
            settle(page)
        for expander in page.get_by_test_id("stExpander").locator("summary").all():
            if expander.is_visible():  # those in other tabs are drawn, hidden
                expander.click()
        page.wait_for_timeout(800)
        assert page.get_by_test_id("stException").all_inner_texts() == [], title
    images = page.locator("img").evaluate_all("els => els.map(e => e.src)")
    context.close()
    outside = [u for u in requests if not u.startswith(("http://127.0.0.1", "data:", "blob:"))]
    assert outside == []
    assert [src for src in images if "evil" in src] == []
    assert len(requests) > 20  # the pages were really loaded
