"""Real-browser fixtures: `streamlit run` on a free loopback port, Debian's Chromium driven by Playwright."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from steps import PASSWORD  # every account has it

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
ACCOUNTS = {"alex": "admin", "admin-in-browser": "admin", "ann": "annotator"}
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("streamlit did not become healthy in time")


def e2e_items() -> list[dict]:
    """Four items: two already labelled by three annotators (so agreement has numbers), two open."""
    items = []
    for n in range(4):
        item = {
            "id": f"e2e-{n}",
            "prompt": f"How do I reset my password on account {n}?",
            "candidates": [
                {"id": "a", "model": "agent-v1", "output": f"Open Settings > Security > Reset password ({n})."},
                {"id": "b", "model": "agent-v2",
                 "output": f"I cannot help with that <script>alert({n})</script> ![x](https://tracker.example/{n}.gif)"},
            ],
        }
        if n < 2:
            item["annotations"] = [
                {"annotator": name, "preference": pref, "ratings": {"a": {"helpfulness": 5}, "b": {"helpfulness": 2}}}
                for name, pref in [("maria", "a"), ("dev", "a"), ("sam", "b" if n else "a")]
            ]
        items.append(item)
    return items


def env_with_items(tmp: Path, items: list[dict], project: str) -> dict[str, str]:
    """The environment of an app on a fresh SQLite file in ``tmp`` holding ``items`` in ``project`` (imported
    with the CLI, as a user would)."""
    env = {**os.environ, "FEEDBACK_DATABASE_URL": f"sqlite:///{tmp / 'feedback.db'}",
           "FEEDBACK_EXPORT_DIR": str(tmp / "exports")}
    data = tmp / "items.jsonl"
    data.write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")
    feedback_cli(env, "import", str(data), "--project", project)
    return env


def feedback_cli(env: dict[str, str], *args: str, stdin: str | None = None) -> None:
    """``feedback args...`` with ``env``; it must succeed."""
    subprocess.run([str(Path(sys.executable).parent / "feedback"), *args], input=stdin, text=True, env=env,
                   check=True, capture_output=True)


def add_account(env: dict[str, str], name: str, role: str) -> None:
    feedback_cli(env, "users", "add", name, "--role", role, "--password-stdin", stdin=f"{PASSWORD}\n")


@pytest.fixture(scope="session")
def app_env(tmp_path_factory) -> dict[str, str]:
    """A fresh SQLite file holding ``e2e_items()`` and ``ACCOUNTS``: the environment that points the app at it."""
    env = env_with_items(tmp_path_factory.mktemp("e2e"), e2e_items(), "support")
    for name, role in ACCOUNTS.items():
        add_account(env, name, role)
    return env


@pytest.fixture(scope="session")
def app_server(app_env):
    """A running app on ``app_env``'s data; yields (url, database_url)."""
    with serve_app(app_env) as url:
        yield url, app_env["FEEDBACK_DATABASE_URL"]


@contextmanager
def serve_app(env: dict[str, str]) -> Iterator[str]:
    """``streamlit run server.py`` as `make run` starts it (no outbound traffic), on a free loopback port, until
    the block ends; yields its address once it is healthy."""
    bin_dir = Path(sys.executable).parent
    port = _free_port()
    proc = subprocess.Popen(
        [str(bin_dir / "streamlit"), "run", "server.py", "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
         "--browser.serverAddress", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (scripts/install-chromium.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """Opens pages, each in its own browser context (its own cookies: another person); every request of
    every page must stay on this machine."""
    contexts, outside = [], []

    def open_page():
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1", "data:", "blob:"))
                else outside.append(r.url))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert outside == [], f"the page sent requests off this machine: {outside}"


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def shot():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.wait_for_timeout(800)  # let the data grids draw their canvas
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
