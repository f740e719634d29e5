"""Time the Rate page in a real browser (Debian's Chromium through Playwright) and print the figures beside the targets.

    .venv/bin/python bench/bench_rate_browser.py [--items 2000 | --demo] [--submits 30] [--root .]

Builds a SQLite file with the importer (N items of two answers each under the default questions, three imported
annotations on every item, overlap 4: 100000 items make the 300k annotations of issue 13), starts the app as
`make run` does on a free loopback port, signs an annotator in, then for each of ``--submits`` items: presses 1 and
times the key press to the choice's highlight, then presses Ctrl+Enter and times the key press to the next item's
prompt being on screen. Times are taken inside the page (``performance.now()`` at the key's keydown, then every
animation frame until the condition holds), so Playwright's own round trips are not counted.

``--demo`` times the demo project instead (``data/demo.jsonl`` loaded as ``make run`` loads it: long tool-using
conversations, guidelines, a rubric with anchors, ranking items with 3 or 4 answers, which are ranked by keys 1, 2...
with no timing).

It also counts the Ctrl+Enter that saved nothing (the item still on screen 10 s later; the next round answers it
again), and with 40 submits or more prints the median of the first and of the last quarter: a long session must
not slow down item by item.

``--root`` serves the app from another copy of the project (e.g. a tree before a change), built with that copy's
code, to compare before and after.
"""

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench password 1"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1"]
TARGETS = {"submit to next prompt, median": 300, "submit to next prompt, p95": 600, "key to highlight, median": 100}

# In the page: the time of every keydown, and a watcher that notes when a condition first holds.
_INSTALL = "() => { window.__bench = {t0: null, t1: null}; " \
           "window.addEventListener('keydown', () => { window.__bench.t0 = performance.now(); }, true); }"
_WATCH = """(check) => {
  const b = window.__bench; b.t1 = null;
  const holds = new Function(check);
  const tick = () => { if (holds()) b.t1 = performance.now(); else requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
}"""
_HIGHLIGHT = """return [...document.querySelectorAll('button[role="radio"][aria-checked="true"], button[data-fb-picked], '
  + 'button[kind="primary"], [data-fb-picked] button')]  // the choice as a segmented control, or (before) buttons
  .some((b) => b.innerText.includes('A is better'));"""
_NEXT_PROMPT = """const previous = %s;
const caption = [...document.querySelectorAll('[data-testid="stCaptionContainer"]')]
  .find((e) => e.innerText.startsWith('Item '));
if (!caption || caption.closest('[data-stale="true"]')) return false;
const id = caption.innerText.split(' ')[1];
if (id === previous) return false;
const words = window.__prompts ? window.__prompts[id] : 'question ' + id.split('-')[1] + ':';
return [...document.querySelectorAll('[data-testid="stChatMessage"]')]
  .some((m) => !m.closest('[data-stale="true"]') && m.innerText.includes(words));"""


def build(db_url: str, items: int, folder: Path) -> None:
    """The bench project and the annotator 'timer' (run with the served copy's code on the path)."""
    from sqlmodel import Session

    from feedback.intake.importer import import_file
    from feedback.people.accounts import create_user
    from feedback.store.engine import create_schema, make_engine

    data = folder / "items.jsonl"
    with data.open("w", encoding="utf-8") as f:
        for n in range(items):
            row = {"id": f"b-{n}", "prompt": f"Customer question {n}: how do I change the billing e-mail?",
                   "candidates": [{"id": "a", "model": "v1", "output": f"Go to Settings > Billing ({n}). " * 4},
                                  {"id": "b", "model": "v2", "output": f"Contact support about {n}. " * 3}],
                   "annotations": [{"annotator": f"ann{(3 * n + k) % 100}", "preference": "ab"[(n + k) % 2]}
                                   for k in range(3)]}
            f.write(json.dumps(row) + "\n")
    engine = make_engine(db_url)
    create_schema(engine)
    with Session(engine, expire_on_commit=False) as s:
        import_file(session=s, user=None, project="bench", path=data, overlap=4)
        create_user(session=s, actor=None, name="timer", role="annotator", password=PASSWORD)
    engine.dispose()


def build_demo(db_url: str) -> None:
    """The demo project as ``make run`` loads it, and the annotator 'timer'."""
    from sqlmodel import Session

    from feedback.intake.demo import load_demo
    from feedback.people.accounts import create_user
    from feedback.store.engine import create_schema, make_engine

    engine = make_engine(db_url)
    create_schema(engine)
    with Session(engine, expire_on_commit=False) as s:
        load_demo(session=s, path=Path("data", "demo.jsonl").resolve(), project="demo")  # the served copy's
        create_user(session=s, actor=None, name="timer", role="annotator", password=PASSWORD)
    engine.dispose()


def prompt_words(db_url: str) -> dict[str, str]:
    """External id -> a few plain words of the item's last user message (or prompt), as the page shows them."""
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    with engine.connect() as c:
        rows = c.execute(text("SELECT external_id, prompt, messages FROM item")).all()
    engine.dispose()
    words = {}
    for external_id, prompt, messages in rows:
        said = [m.get("content") for m in json.loads(messages or "null") or [] if m.get("role") == "user"]
        found = re.search(r"[A-Za-z0-9][A-Za-z0-9 ]{10,30}[A-Za-z0-9]", str((said or [prompt])[-1] or ""))
        if found:
            words[external_id] = found[0]
    return words


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(root: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    bin_dir = Path(sys.executable).parent
    proc = subprocess.Popen(
        [str(bin_dir / "streamlit"), "run", "server.py", "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
         "--browser.serverAddress", "127.0.0.1"],
        cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the app did not start")


def timed(page, check: str, press: str, timeout: int = 30_000) -> float:
    """Milliseconds from the keydown of ``press`` to the first frame where ``check`` holds."""
    page.evaluate(_WATCH, check)
    page.keyboard.press(press)
    page.wait_for_function("window.__bench.t1 !== null", timeout=timeout)
    return page.evaluate("window.__bench.t1 - window.__bench.t0")


def settle(page) -> None:
    page.wait_for_function("document.querySelector('[data-testid=\"stApp\"]')"
                           ".getAttribute('data-test-script-state') === 'notRunning'", timeout=30_000)


_RANKS = "return document.querySelectorAll('[class*=\"st-key-rate-\"][class*=\"-rank-\"]').length;"


def measure(url: str, submits: int, prompts: dict[str, str] | None) -> tuple[list[float], list[float], int]:
    """Key to highlight and Ctrl+Enter to next prompt (ms), and how many Ctrl+Enter saved nothing."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(url)
        page.get_by_label("Name", exact=True).fill("timer")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_label("Password", exact=True).press("Enter")
        page.get_by_text(re.compile(r"^Item ")).first.wait_for()
        page.evaluate(_INSTALL)
        if prompts:
            page.evaluate("(prompts) => { window.__prompts = prompts; }", prompts)
        highlight, nxt, lost = [], [], 0
        for _ in range(submits + 1):  # the first round warms up
            settle(page)
            page.evaluate("document.activeElement && document.activeElement.blur()")  # focus nowhere in particular
            item = page.evaluate("[...document.querySelectorAll('[data-testid=\"stCaptionContainer\"]')]"
                                 ".find((e) => e.innerText.startsWith('Item ')).innerText.split(' ')[1]")
            if ranks := page.evaluate(f"() => {{ {_RANKS} }}"):  # a ranking item: rank A first, B second...
                for n in range(1, ranks + 1):
                    page.keyboard.press(str(n))
                    settle(page)
            else:
                highlight.append(timed(page, _HIGHLIGHT, "1"))
            settle(page)
            try:
                nxt.append(timed(page, _NEXT_PROMPT % json.dumps(item), "Control+Enter", timeout=10_000))
            except PlaywrightTimeout:  # the submit was lost: count it, and the next round answers the item again
                lost += 1
        browser.close()
    return highlight[1:], nxt[1:], lost


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[94] if len(values) > 2 else max(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--demo", action="store_true", help="time the demo project instead")
    parser.add_argument("--submits", type=int, default=30)
    parser.add_argument("--root", type=Path, default=ROOT, help="the copy of the project to serve")
    parser.add_argument("--build", help=argparse.SUPPRESS)  # internal: build this database and exit
    args = parser.parse_args()
    if args.build:
        if args.demo:
            build_demo(args.build)
        else:
            build(args.build, args.items, Path(args.build.removeprefix("sqlite:///")).parent)
        return
    folder = Path(tempfile.mkdtemp(prefix="bench-rate-browser-"))
    db_url = f"sqlite:///{folder / 'bench.db'}"
    env = {**os.environ, "FEEDBACK_DATABASE_URL": db_url, "FEEDBACK_EXPORT_DIR": str(folder / "exports"),
           "PYTHONPATH": str(args.root.resolve())}
    start = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--build", db_url, "--items", str(args.items)]
                   + (["--demo"] if args.demo else []), env=env, check=True, cwd=args.root)
    print("built the demo project" if args.demo else f"built {args.items} items ({3 * args.items} annotations)",
          f"in {time.perf_counter() - start:.1f} s")
    prompts = prompt_words(db_url) if args.demo else None
    proc, url = serve(args.root.resolve(), env)
    try:
        highlight, nxt, lost = measure(url, args.submits, prompts)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    figures = {"submit to next prompt, median": statistics.median(nxt), "submit to next prompt, p95": p95(nxt),
               "key to highlight, median": statistics.median(highlight)}
    print(f"{args.submits} submits, served from {args.root.resolve()}")
    for name, value in figures.items():
        verdict = "ok" if value < TARGETS[name] else "over"
        print(f"  {name:32} {value:7.0f} ms   target < {TARGETS[name]} ms  {verdict}")
    print(f"  key to highlight, p95           {p95(highlight):7.0f} ms")
    if len(nxt) >= 40:  # a long session must not slow down item by item
        quarter = len(nxt) // 4
        print(f"  submit to next prompt, median of the first and last {quarter}: "
              f"{statistics.median(nxt[:quarter]):.0f} ms, {statistics.median(nxt[-quarter:]):.0f} ms")
    print(f"  Ctrl+Enter that saved nothing   {lost:7d}        target 0  {'ok' if lost == 0 else 'over'}")


if __name__ == "__main__":
    main()
