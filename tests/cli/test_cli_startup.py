"""`feedback --help` and the parsing of every command start without the heavy libraries of the commands that need
them (pandas, scikit-learn, pyarrow, numpy, the database's SQLAlchemy, SQLModel and Alembic): those load inside
the command that runs. Checked in a fresh interpreter,
as a user starts it."""

import json
import subprocess
import sys

import pytest

HEAVY = ("pandas", "sklearn", "pyarrow", "scipy", "streamlit", "numpy", "sqlalchemy", "sqlmodel", "alembic")
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
