"""`feedback users ...`: accounts from the command line, as the local operator (``actor=None``).

Passwords are read from a prompt (twice, without echo) or, with ``--password-stdin``, from the first
line of standard input; never from an argument, where they would end up in the shell history.
"""

import getpass
import sys
from collections.abc import Callable

from sqlmodel import Session

from feedback.errors import FeedbackError
from feedback.people import accounts
from feedback.people.permissions import ROLES


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


def _run(command: Callable, engine_factory: Callable) -> Callable:
    return lambda args, settings: command(args, engine_factory(settings))


def register(sub, engine_factory: Callable) -> None:
    """Add the ``users`` command group to the ``feedback`` parser."""
    group = sub.add_parser(
        "users", help="accounts: add, list, set roles, reset passwords, deactivate",
        description="Manage accounts and roles (annotator < reviewer < admin). Create the first admin with "
        "`feedback users add NAME --role admin`. Passwords are prompted for, or read from stdin.")
    actions = group.add_subparsers(dest="users_command", required=True, metavar="ACTION")

    def action(name: str, command: Callable, help_text: str, description: str, *, named: bool = True):
        p = actions.add_parser(name, help=help_text, description=description)
        if named:
            p.add_argument("name", help="the user's name")
        p.set_defaults(func=_run(command, engine_factory))
        return p

    p = action("add", cmd_add, "create an account", "Create an account with a role and a password "
               f"(at least {accounts.MIN_PASSWORD} characters). A user known only from imported labels gets the "
               "account.")
    p.add_argument("--role", required=True, choices=ROLES, help="annotator, reviewer or admin")
    p.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    action("list", cmd_list, "list accounts", "List every user: role, active or not, whether a password is set, "
           "last sign-in.", named=False)
    p = action("set-role", cmd_set_role, "change a user's role",
               "Change a user's role. The last active admin cannot be demoted.")
    p.add_argument("role", choices=ROLES, help="annotator, reviewer or admin")
    p = action("reset-password", cmd_reset_password, "set a new password",
               "Set a new password for a user; the old one stops working at once.")
    p.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    action("deactivate", cmd_deactivate, "stop an account from signing in",
           "Deactivate an account: it cannot sign in, and a signed-in session ends at its next click. Its labels "
           "are kept. The last active admin cannot be deactivated.")
    action("activate", cmd_activate, "let a deactivated account sign in again",
           "Reactivate a deactivated account.")
