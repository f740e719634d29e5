"""The rules that keep the code easy to change: one-way imports, settings and commands documented."""

import re
import subprocess
import sys
from pathlib import Path

from feedback.cli import build_parser
from feedback.config import setting_docs

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_domain_modules_do_not_import_streamlit():
    modules = sorted(
        "feedback." + p.stem for p in (ROOT / "feedback").glob("*.py") if p.stem != "__init__"
    )
    code = f"import sys\nfor m in {modules!r}: __import__(m)\nprint('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"


def test_pages_build_no_queries():
    for page in [ROOT / "app.py", *(ROOT / "app_pages").glob("*.py")]:
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"\bselect\(|session\.exec\(|\.execute\(", text), page.name
        assert "unsafe_allow_html" not in text, page.name


def test_no_legacy_pages_folder():
    """Streamlit runs a ``pages/`` folder's scripts on their own, without app.py and its sign-in, for the
    first request a fresh server gets to a page URL; the screens live in ``app_pages/`` instead."""
    assert not (ROOT / "pages").exists()


def test_every_setting_is_documented_in_the_readme():
    for variable, help_text in setting_docs().items():
        assert help_text, f"{variable} has no help text"
        assert variable in README, f"{variable} is not documented in README.md"


def test_every_cli_command_has_help_and_docs():
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    for name, sub in commands.items():
        assert sub.description, f"`feedback {name}` has no description"
        assert f"feedback {name}" in README, f"`feedback {name}` is not documented in README.md"


def test_readme_starts_with_the_two_commands():
    first_code = re.search(r"```(?:bash|sh)?\n(.*?)```", README, re.DOTALL).group(1)
    assert first_code.split() == ["make", "run"] or first_code.strip().splitlines()[:2] == ["make run", "make test"]
