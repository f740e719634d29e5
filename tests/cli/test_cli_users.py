"""`feedback users ...` and the demo accounts of `feedback demo`: what they print, exit codes (0, 1, 2)."""

import io
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, select

from feedback.cli.main import main
from feedback.errors import SignInFailed
from feedback.people.accounts import authenticate
from feedback.store.engine import make_engine
from feedback.store.tables import User

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo.jsonl"


@pytest.fixture
def db(tmp_path, monkeypatch):
    """A SQLite file for the CLI, set through FEEDBACK_DATABASE_URL; run from tmp_path so no .env is read."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FEEDBACK_DATABASE_URL", url)
    monkeypatch.delenv("FEEDBACK_DEMO_MODE", raising=False)
    monkeypatch.chdir(tmp_path)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def run(monkeypatch, *argv: str, stdin: str = "") -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(list(argv))


def signs_in(engine, name: str, password: str) -> User | None:
    with Session(engine, expire_on_commit=False) as s:
        try:
            return authenticate(session=s, name=name, password=password)
        except SignInFailed:
            return None


def test_add_with_password_stdin_then_sign_in(db, monkeypatch, capsys):
    assert run(monkeypatch, "users", "add", "root", "--role", "admin", "--password-stdin",
               stdin="s3cret password\n") == 0
    assert capsys.readouterr().out == "Created root (admin).\n"
    assert signs_in(db, "root", "s3cret password").role == "admin"
    with Session(db) as s:
        stored = s.exec(select(User.password_hash)).one()
    assert stored.startswith("$argon2id$") and "s3cret" not in stored


def test_list_shows_role_state_and_password(db, monkeypatch, capsys):
    assert run(monkeypatch, "users", "list") == 0
    assert "feedback users add NAME --role admin" in capsys.readouterr().out
    run(monkeypatch, "users", "add", "root", "--role", "admin", "--password-stdin", stdin="password one\n")
    run(monkeypatch, "users", "add", "maria", "--role", "annotator", "--password-stdin", stdin="password two\n")
    signs_in(db, "maria", "password two")
    capsys.readouterr()
    assert run(monkeypatch, "users", "list") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("maria\tannotator\tactive\tpassword set\tlast login 2")
    assert lines[1] == "root\tadmin\tactive\tpassword set\tlast login never"
    assert not any("password one" in line or "password two" in line for line in lines)


def test_set_role_reset_password_deactivate(db, monkeypatch, capsys):
    run(monkeypatch, "users", "add", "root", "--role", "admin", "--password-stdin", stdin="password one\n")
    run(monkeypatch, "users", "add", "maria", "--role", "annotator", "--password-stdin", stdin="password two\n")
    assert run(monkeypatch, "users", "set-role", "maria", "reviewer") == 0
    assert run(monkeypatch, "users", "reset-password", "maria", "--password-stdin", stdin="a new password\n") == 0
    assert signs_in(db, "maria", "password two") is None
    assert signs_in(db, "maria", "a new password").role == "reviewer"
    assert run(monkeypatch, "users", "deactivate", "maria") == 0
    assert signs_in(db, "maria", "a new password") is None
    assert run(monkeypatch, "users", "activate", "maria") == 0
    assert signs_in(db, "maria", "a new password") is not None
    assert capsys.readouterr().out.splitlines() == [
        "Created root (admin).", "Created maria (annotator).", "maria is now reviewer.",
        "New password set for maria.",
        "maria is deactivated: signed out at their next click, and cannot sign in.", "maria is active again."]


@pytest.mark.parametrize("argv, stdin, message", [
    (["users", "add", "maria", "--role", "annotator", "--password-stdin"], "short\n",
     "Error: A password needs at least 8 characters"),
    (["users", "add", "maria", "--role", "annotator", "--password-stdin"], "", "at least 8 characters"),
    (["users", "add", "root", "--role", "admin", "--password-stdin"], "password again\n",
     "Error: A user named 'root' already exists"),
    (["users", "set-role", "ghost", "admin"], "", "Error: No user named 'ghost'"),
    (["users", "reset-password", "ghost", "--password-stdin"], "long enough\n", "Error: No user named 'ghost'"),
    (["users", "set-role", "root", "annotator"], "", "Error: root is the last active admin and cannot be demoted"),
    (["users", "deactivate", "root"], "", "root is the last active admin and cannot be deactivated"),
])
def test_errors_exit_1_with_a_message(db, monkeypatch, capsys, argv, stdin, message):
    run(monkeypatch, "users", "add", "root", "--role", "admin", "--password-stdin", stdin="password one\n")
    capsys.readouterr()
    assert run(monkeypatch, *argv, stdin=stdin) == 1
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""
    assert "short" not in captured.err and "long enough" not in captured.err


def test_without_a_terminal_or_password_stdin_add_refuses(db, monkeypatch, capsys):
    assert run(monkeypatch, "users", "add", "maria", "--role", "admin") == 1  # stdin is not a TTY here
    assert "pipe it in with --password-stdin" in capsys.readouterr().err
    assert signs_in(db, "maria", "") is None


def test_the_prompt_asks_twice_and_refuses_a_mismatch(db, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", type("Tty", (io.StringIO,), {"isatty": lambda self: True})())
    answers = iter(["first password", "other password", "good password", "good password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["users", "add", "maria", "--role", "annotator"]) == 1
    assert "The two passwords differ" in capsys.readouterr().err
    assert main(["users", "add", "maria", "--role", "annotator"]) == 0
    assert signs_in(db, "maria", "good password") is not None


@pytest.mark.parametrize("argv", [
    ["users"], ["users", "add", "maria"], ["users", "add", "maria", "--role", "owner"],
    ["users", "set-role", "maria", "boss"], ["users", "frobnicate"], ["users", "add", "x", "--role", "admin", "pw"],
])
def test_usage_errors_exit_2(db, argv, capsys):
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert "usage: feedback" in capsys.readouterr().err


def test_help_of_each_subcommand():
    out = subprocess.run([sys.executable, "-m", "feedback.cli.main", "users", "--help"], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    for action in ("add", "list", "set-role", "reset-password", "deactivate"):
        assert action in out


def test_demo_mode_prints_fresh_credentials_that_work(db, monkeypatch, capsys):
    monkeypatch.setenv("FEEDBACK_DEMO_MODE", "true")
    assert main(["demo", "--file", str(DEMO)]) == 0
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if line.startswith("  ") and "password" not in line]
    assert [(name, role) for name, role, _ in rows] == [
        ("admin", "admin"), ("reviewer", "reviewer"), ("maria", "annotator"), ("dev", "annotator"),
        ("sam", "annotator")]
    for name, role, password in rows:
        assert signs_in(db, name, password).role == role
    assert main(["demo", "--file", str(DEMO)]) == 0  # a restart: the data stays, the passwords change
    again = {line.split()[0]: line.split()[2] for line in capsys.readouterr().out.splitlines()
             if line.startswith("  ") and "password" not in line}
    assert all(again[name] != password for name, _, password in rows)
    assert signs_in(db, "admin", rows[0][2]) is None


def test_outside_demo_mode_there_is_no_account_with_a_password(db, monkeypatch, capsys):
    assert main(["demo", "--file", str(DEMO)]) == 0
    out = capsys.readouterr().out
    assert "feedback users add NAME --role admin" in out and "password" not in out.lower().replace("users", "")
    with Session(db) as s:
        assert s.exec(select(User).where(User.password_hash.is_not(None))).first() is None
        assert s.exec(select(User).where(User.role != "annotator")).first() is None
