"""`feedback users ...`: accounts from the command line, as the local operator (``actor=None``).

Passwords are read from a prompt (twice, without echo) or, with ``--password-stdin``, from the first
line of standard input; never from an argument, where they would end up in the shell history.
"""

import getpass
import sys

from sqlmodel import Session

from feedback.errors import FeedbackError
from feedback.people import accounts


def read_password(from_stdin: bool) -> str:
    """The new password: the first line of stdin, or typed twice at a terminal prompt."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise FeedbackError("No terminal to type a password in: pipe it in with --password-stdin")
    first = getpass.getpass("Password: ")
    accounts.check_password(first)
    if getpass.getpass("Password again: ") != first:
        raise FeedbackError("The two passwords differ; nothing was changed")
    return first


def _session(engine) -> Session:
    return Session(engine, expire_on_commit=False)


def cmd_add(args, engine) -> int:
    password = read_password(args.password_stdin)
    with _session(engine) as session:
        user = accounts.create_user(session=session, actor=None, name=args.name, role=args.role, password=password)
    print(f"Created {user.name} ({user.role}).")
    return 0


def cmd_list(args, engine) -> int:
    with _session(engine) as session:
        users = accounts.list_users(session=session, actor=None)
    if not users:
        print("No users yet: `feedback users add NAME --role admin` creates the first admin.")
    for u in users:
        login = u.last_login_at.strftime("%Y-%m-%d %H:%M") if u.last_login_at else "never"
        state = "active" if u.active else "deactivated"
        password = "password set" if u.password_hash else "no password"
        print(f"{u.name}\t{u.role}\t{state}\t{password}\tlast login {login}")
    return 0


def cmd_set_role(args, engine) -> int:
    with _session(engine) as session:
        user = accounts.set_role(session=session, actor=None, name=args.name, role=args.role)
    print(f"{user.name} is now {user.role}.")
    return 0


def cmd_reset_password(args, engine) -> int:
    password = read_password(args.password_stdin)
    with _session(engine) as session:
        user = accounts.reset_password(session=session, actor=None, name=args.name, password=password)
    print(f"New password set for {user.name}.")
    return 0


def cmd_deactivate(args, engine) -> int:
    with _session(engine) as session:
        user = accounts.set_active(session=session, actor=None, name=args.name, active=False)
    print(f"{user.name} is deactivated: signed out at their next click, and cannot sign in.")
    return 0


def cmd_activate(args, engine) -> int:
    with _session(engine) as session:
        user = accounts.set_active(session=session, actor=None, name=args.name, active=True)
    print(f"{user.name} is active again.")
    return 0
