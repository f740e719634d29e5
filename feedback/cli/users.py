"""`feedback users ...`: accounts from the command line, as the local operator (``actor=None``).

The parser; the commands are in ``feedback.cli.user_commands``, imported when one runs.
"""

from collections.abc import Callable

from feedback.people.names import MIN_PASSWORD, ROLES


def _run(command: str, engine_factory: Callable) -> Callable:
    def run(args, settings) -> int:
        from feedback.cli import user_commands

        return getattr(user_commands, command)(args, engine_factory(settings))
    return run


def register(sub, engine_factory: Callable) -> None:
    """Add the ``users`` command group to the ``feedback`` parser."""
    group = sub.add_parser(
        "users", help="accounts: add, list, set roles, reset passwords, deactivate",
        description="Manage accounts and roles (annotator < reviewer < admin). Create the first admin with "
        "`feedback users add NAME --role admin`. Passwords are prompted for, or read from stdin.")
    actions = group.add_subparsers(dest="users_command", required=True, metavar="ACTION")

    def action(name: str, command: str, help_text: str, description: str, *, named: bool = True):
        p = actions.add_parser(name, help=help_text, description=description)
        if named:
            p.add_argument("name", help="the user's name")
        p.set_defaults(func=_run(command, engine_factory))
        return p

    p = action("add", "cmd_add", "create an account", "Create an account with a role and a password "
               f"(at least {MIN_PASSWORD} characters). A user known only from imported labels gets the "
               "account.")
    p.add_argument("--role", required=True, choices=ROLES, help="annotator, reviewer or admin")
    p.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    action("list", "cmd_list", "list accounts", "List every user: role, active or not, whether a password is set, "
           "last sign-in.", named=False)
    p = action("set-role", "cmd_set_role", "change a user's role",
               "Change a user's role. The last active admin cannot be demoted.")
    p.add_argument("role", choices=ROLES, help="annotator, reviewer or admin")
    p = action("reset-password", "cmd_reset_password", "set a new password",
               "Set a new password for a user; the old one stops working at once.")
    p.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    action("deactivate", "cmd_deactivate", "stop an account from signing in",
           "Deactivate an account: it cannot sign in, and a signed-in session ends at its next click. Its labels "
           "are kept. The last active admin cannot be deactivated.")
    action("activate", "cmd_activate", "let a deactivated account sign in again",
           "Reactivate a deactivated account.")
