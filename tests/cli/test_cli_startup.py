"""`feedback --help` and the parsing of every command start without the heavy libraries of the commands that need
them (pandas, scikit-learn, pyarrow, numpy, the database's SQLAlchemy, SQLModel and Alembic, the settings'
pydantic): those load inside the command that runs. Commands that only read the database load no analysis library
nor Alembic. Checked in a fresh interpreter, as a user starts it."""

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("pandas", "sklearn", "pyarrow", "scipy", "streamlit", "numpy", "sqlalchemy", "sqlmodel", "alembic", "pydantic")
PROBE = """
import json, sys
from feedback.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(m for m in HEAVY if m in sys.modules)), file=sys.stderr)
""".replace("HEAVY", repr(HEAVY))


def loaded(*argv: str) -> list[str]:
    """The heavy modules a fresh interpreter has loaded after ``feedback argv...`` (the last line on stderr)."""
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, timeout=120,
                          check=False)  # --help exits 0, a usage error 2: the probe prints either way
    return json.loads(done.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize("argv", [["--help"], ["export", "--help"], ["project", "--help"], ["users", "--help"],
                                  ["export", "list", "--help"], ["db", "--help"], ["import", "--help"],
                                  ["agreement", "--help"], ["users", "add", "--help"], ["no-such-command"]])
def test_help_loads_none_of_the_heavy_libraries(argv):
    assert loaded(*argv) == []


LIGHT = tuple(m for m in HEAVY if m not in ("sqlalchemy", "sqlmodel", "pydantic"))


def run_light(url: str, *argv: str) -> list[str]:
    """The heavy modules (but the database's own) a fresh interpreter loaded to run ``feedback argv...``."""
    probe = PROBE.replace(repr(HEAVY), repr(LIGHT))
    done = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True, timeout=120,
                          check=False, env={**os.environ, "FEEDBACK_DATABASE_URL": url})
    return json.loads(done.stderr.strip().splitlines()[-1])


def test_light_commands_on_an_up_to_date_database_load_no_analysis_library_nor_alembic(tmp_path):
    """`feedback projects`, `users list` and `project settings` read the database: SQLModel, but no pandas, numpy,
    scikit-learn, pyarrow, Streamlit, nor Alembic (the schema revision is checked with one read)."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    assert "alembic" in run_light(url, "projects")  # an empty database gets its tables: Alembic stamps it
    for argv in (["projects"], ["users", "list"], ["project", "settings", "nothing"], ["db", "--help"]):
        assert run_light(url, *argv) == [], argv
