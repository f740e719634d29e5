"""`feedback project ...`: create projects, set their label schema, guidelines, members and settings.

The parser; the commands are in ``feedback.cli.project_commands``, imported when one runs (``feedback --help``
loads no database library).
"""

from collections.abc import Callable

from feedback.projects.names import CONSENSUS_METHODS


def _later(name: str) -> Callable:
    def run(args, settings) -> int:
        from feedback.cli import project_commands

        return getattr(project_commands, name)(args, settings)
    return run


def register(sub, engine_factory) -> None:
    """Add the ``project`` command group to the ``feedback`` parser."""
    group = sub.add_parser("project", help="create projects; set their schema, guidelines, members, settings",
                           description="Create a project and manage its label schema (versioned), its guidelines "
                           "(versioned Markdown), its annotators and its settings.")
    group.set_defaults(engine_factory=engine_factory)
    cmds = group.add_subparsers(dest="project_command", required=True, metavar="SUBCOMMAND")

    p = cmds.add_parser("create", help="create an empty project",
                        description="Create an empty project, optionally with a label schema (YAML or JSON), "
                        "guidelines (Markdown) and restricted to named annotators.")
    p.add_argument("name", help="project name")
    p.add_argument("--overlap", type=int, help="annotations wanted per item (default: FEEDBACK_DEFAULT_OVERLAP)")
    p.add_argument("--schema", metavar="FILE", help="label schema, .yaml/.yml/.json (default: the standard one)")
    p.add_argument("--guidelines", metavar="FILE.md", help="annotation guidelines in Markdown")
    p.add_argument("--restricted", action="store_true", help="open only to its members (`feedback project members`)")
    p.set_defaults(func=_later("cmd_create"))

    p = cmds.add_parser("schema", help="set or show a project's label schema",
                        description="Set the label schema from a YAML/JSON file (a new version; refused, with the "
                        "reasons, when it would orphan existing answers) or print the current one as YAML.")
    p.add_argument("name", help="project name")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--file", metavar="FILE", help="the new schema, .yaml/.yml/.json")
    how.add_argument("--show", action="store_true", help="print the current schema as YAML")
    p.set_defaults(func=_later("cmd_schema"))

    p = cmds.add_parser("migrate", help="rename or drop rubric dimensions and flags in every answer",
                        description="Rewrite stored answers and the schema together (a new schema version): "
                        "rename or drop rubric dimensions and flags. Dropped scores and flags are deleted.")
    p.add_argument("name", help="project name")
    p.add_argument("--rename-dimension", action="append", metavar="OLD=NEW", help="rename a rubric dimension")
    p.add_argument("--drop-dimension", action="append", metavar="NAME", help="drop a rubric dimension")
    p.add_argument("--rename-flag", action="append", metavar="OLD=NEW", help="rename a flag")
    p.add_argument("--drop-flag", action="append", metavar="NAME", help="drop a flag")
    p.set_defaults(func=_later("cmd_migrate"))

    p = cmds.add_parser("guidelines", help="set or show a project's guidelines",
                        description="Save a Markdown file as the project's next guidelines version (the same text "
                        "makes no new version), or print the current guidelines.")
    p.add_argument("name", help="project name")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--file", metavar="FILE.md", help="the guidelines, Markdown")
    how.add_argument("--show", action="store_true", help="print the current guidelines")
    p.set_defaults(func=_later("cmd_guidelines"))

    p = cmds.add_parser("members", help="set or list a project's annotators",
                        description="Make USERs the annotators of a project (who a restricted project is open "
                        "to); with no USER, list them. Every USER must already exist.")
    p.add_argument("name", help="project name")
    p.add_argument("users", nargs="*", metavar="USER", help="user names (replace the current members)")
    p.add_argument("--clear", action="store_true", help="remove every member")
    p.set_defaults(func=_later("cmd_members"))

    p = cmds.add_parser("settings", help="change or show a project's settings",
                        description="Change the overlap, gold rate, lease time and restriction of a project; "
                        "with no option, print them.")
    p.add_argument("name", help="project name")
    p.add_argument("--overlap", type=int, metavar="N", help="annotations wanted per item")
    p.add_argument("--gold-rate", type=float, metavar="R", help="share of served items that are gold (0 to 1)")
    p.add_argument("--lease-minutes", type=int, metavar="M", help="how long a served item stays reserved")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--restricted", dest="restricted", action="store_const", const=True,
                       help="open only to the project's members")
    which.add_argument("--open", dest="restricted", action="store_const", const=False,
                       help="open to every annotator")
    p.add_argument("--consensus", choices=CONSENSUS_METHODS, help="what exports use (a final answer wins)")
    p.add_argument("--review-threshold", type=float, metavar="R",
                   help="items whose consensus confidence is below it go to review (0 to 1)")
    p.add_argument("--quality-threshold", type=float, metavar="R",
                   help="annotators whose agreement is below it are flagged (0 to 1)")
    for name, help_on in (("auto-escalate", "give items below the review threshold one more annotator first"),
                          ("show-suggestions", "show the automatic judges' verdicts to annotators")):
        flag = p.add_mutually_exclusive_group()
        dest = name.replace("-", "_")
        flag.add_argument(f"--{name}", dest=dest, action="store_const", const=True, help=help_on)
        flag.add_argument(f"--no-{name}", dest=dest, action="store_const", const=False, help="the opposite")
    p.set_defaults(func=_later("cmd_settings"))
