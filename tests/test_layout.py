"""The rules that keep the code easy to change: one-way imports, no cycles, settings and commands documented."""

import re
import subprocess
import sys
from pathlib import Path

import grimp
from importlinter.cli import lint_imports

from feedback.cli.main import build_parser
from feedback.config import setting_docs

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def domain_modules() -> list[str]:
    """Every module of ``feedback`` outside ``feedback/ui/`` (and not a ``__main__``)."""
    found = []
    for path in (ROOT / "feedback").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[1] == "ui" or parts[-1] == "__main__":
            continue
        found.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return sorted(found)


def test_domain_modules_do_not_import_streamlit():
    modules = domain_modules()
    assert "feedback.export.curation.curate" in modules and "feedback.store.tables" in modules
    code = f"import sys\nfor m in {modules!r}: __import__(m)\nprint('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"


def test_pages_build_no_queries():
    for page in [ROOT / "app.py", *(ROOT / "pages").glob("*.py")]:
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"\bselect\(|session\.exec\(|\.execute\(", text), page.name
        assert "unsafe_allow_html" not in text, page.name


def test_layers_hold():
    """The contracts in pyproject.toml: each package imports only the layers below it (docs/architecture.md),
    and nothing outside feedback/ui imports streamlit."""
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


def import_cycles(graph) -> list[tuple[str, str]]:
    """Pairs (a, b) where a imports b directly and b leads back to a: module-level import cycles, imports inside
    functions included (they are still a dependency)."""
    return sorted((a, b) for a in graph.modules for b in graph.find_modules_directly_imported_by(a)
                  if graph.chain_exists(importer=b, imported=a))


def test_no_import_cycles():
    graph = grimp.build_graph("feedback", exclude_type_checking_imports=True)
    assert import_cycles(graph) == []
    graph.add_import(importer="feedback.store.tables", imported="feedback.export.build")  # the check can fail
    assert ("feedback.store.tables", "feedback.export.build") in import_cycles(graph)


def test_every_package_says_what_it_holds():
    for init in (ROOT / "feedback").rglob("__init__.py"):
        text = init.read_text(encoding="utf-8")
        assert text.startswith('"""') and len(text.split('"""')[1].split()) >= 12, init


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
