"""`feedback project ...`: create projects, set their label schema, guidelines, members and settings.

Thin translators over ``feedback.projects``; the caller (``cli.main``) prints ``FeedbackError`` as ``Error: ...``.
"""

from pathlib import Path

from sqlmodel import Session

from feedback.errors import FeedbackError
from feedback.figures import percent
from feedback.projects.guidelines import current_guidelines, set_guidelines
from feedback.projects.projects import (
    CONSENSUS_METHODS,
    create_project,
    get_project,
    list_members,
    project_schema,
    set_members,
    update_project_settings,
)
from feedback.projects.schema import load_schema_file, schema_to_yaml
from feedback.projects.schema_changes import migrate_answers, set_schema


def _session(args, settings) -> Session:
    return Session(args.engine_factory(settings), expire_on_commit=False)


def _read_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FeedbackError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise FeedbackError(f"{path}: not valid UTF-8; save the file as UTF-8") from None


def cmd_create(args, settings) -> int:
    schema = load_schema_file(args.schema) if args.schema else None
    guidelines = _read_text(args.guidelines) if args.guidelines else None
    overlap = args.overlap if args.overlap is not None else settings.default_overlap
    with _session(args, settings) as s:
        project = create_project(session=s, user=None, name=args.name, overlap=overlap, schema=schema,
                                 guidelines=guidelines, restricted=args.restricted)
    extra = f", guidelines version {project.guidelines_version}" if project.guidelines_version else ""
    print(f"Created project {project.name!r} (overlap {project.overlap}, schema version "
          f"{project.schema_version}{extra}{', restricted' if project.restricted else ''})")
    return 0


def cmd_schema(args, settings) -> int:
    with _session(args, settings) as s:
        project = get_project(session=s, name=args.name)
        if args.show:
            print(f"# project {project.name!r}, schema version {project.schema_version}")
            print(schema_to_yaml(project_schema(project)), end="")
            return 0
        schema = load_schema_file(args.file)
        before = project.schema_version
        if project_schema(project) == schema:
            print(f"Schema of {project.name!r} unchanged (version {before})")
            return 0
        project = set_schema(session=s, user=None, project=project, schema=schema)
    if project.schema_version == before:
        print(f"Schema of {project.name!r} replaced (version {before}; there are no annotations yet)")
    else:
        print(f"Schema of {project.name!r} is now version {project.schema_version}")
    return 0


def _pairs(values: list[str], option: str) -> dict[str, str]:
    pairs = {}
    for value in values or []:
        old, sep, new = value.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise FeedbackError(f"{option}: expected OLD=NEW, not {value!r}")
        pairs[old.strip()] = new.strip()
    return pairs


def cmd_migrate(args, settings) -> int:
    with _session(args, settings) as s:
        project = get_project(session=s, name=args.name)
        report = migrate_answers(
            session=s, user=None, project=project,
            rename_dimension=_pairs(args.rename_dimension, "--rename-dimension"),
            drop_dimension=args.drop_dimension, rename_flag=_pairs(args.rename_flag, "--rename-flag"),
            drop_flag=args.drop_flag)
    for line in report.summary_lines():
        print(line)
    return 0


def cmd_guidelines(args, settings) -> int:
    with _session(args, settings) as s:
        project = get_project(session=s, name=args.name)
        if args.show:
            current = current_guidelines(session=s, project=project)
            print(f"# guidelines version {current.version}\n\n{current.text}" if current
                  else f"Project {project.name!r} has no guidelines yet")
            return 0
        before = project.guidelines_version
        version = set_guidelines(session=s, user=None, project=project, text=_read_text(args.file))
    if version == before:
        print(f"Guidelines of {project.name!r} unchanged (version {version})")
    else:
        print(f"Guidelines of {project.name!r} are now version {version}")
    return 0


def cmd_members(args, settings) -> int:
    with _session(args, settings) as s:
        project = get_project(session=s, name=args.name)
        if args.users or args.clear:
            members = set_members(session=s, user=None, project=project, names=args.users)
        else:
            members = list_members(session=s, user=None, project=project)
    names = ", ".join(m.name for m in members) or "none"
    state = "restricted: only these annotators may work on it" if project.restricted else \
        "open to every annotator (members matter once it is restricted)"
    print(f"Members of {project.name!r}: {names}; {state}")
    return 0


def cmd_settings(args, settings) -> int:
    with _session(args, settings) as s:
        project = get_project(session=s, name=args.name)
        changes = {"overlap": args.overlap, "gold_rate": args.gold_rate, "lease_minutes": args.lease_minutes,
                   "restricted": args.restricted, "consensus_method": args.consensus,
                   "review_threshold": args.review_threshold, "auto_escalate": args.auto_escalate,
                   "quality_threshold": args.quality_threshold, "show_suggestions": args.show_suggestions}
        if any(v is not None for v in changes.values()):
            project = update_project_settings(session=s, user=None, project=project, **changes)
    print(f"{project.name}: overlap {project.overlap}, gold rate {project.gold_rate:g}, lease {project.lease_minutes} "
          f"minutes, {'restricted' if project.restricted else 'open'}, schema version {project.schema_version}, "
          f"guidelines version {project.guidelines_version}; consensus {project.consensus_method}, review below "
          f"{percent(project.review_threshold)}{' (escalating first)' if project.auto_escalate else ''}, quality "
          f"threshold {percent(project.quality_threshold)}, suggestions {'shown' if project.show_suggestions else 'hidden'}")
    return 0


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
    p.set_defaults(func=cmd_create)

    p = cmds.add_parser("schema", help="set or show a project's label schema",
                        description="Set the label schema from a YAML/JSON file (a new version; refused, with the "
                        "reasons, when it would orphan existing answers) or print the current one as YAML.")
    p.add_argument("name", help="project name")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--file", metavar="FILE", help="the new schema, .yaml/.yml/.json")
    how.add_argument("--show", action="store_true", help="print the current schema as YAML")
    p.set_defaults(func=cmd_schema)

    p = cmds.add_parser("migrate", help="rename or drop rubric dimensions and flags in every answer",
                        description="Rewrite stored answers and the schema together (a new schema version): "
                        "rename or drop rubric dimensions and flags. Dropped scores and flags are deleted.")
    p.add_argument("name", help="project name")
    p.add_argument("--rename-dimension", action="append", metavar="OLD=NEW", help="rename a rubric dimension")
    p.add_argument("--drop-dimension", action="append", metavar="NAME", help="drop a rubric dimension")
    p.add_argument("--rename-flag", action="append", metavar="OLD=NEW", help="rename a flag")
    p.add_argument("--drop-flag", action="append", metavar="NAME", help="drop a flag")
    p.set_defaults(func=cmd_migrate)

    p = cmds.add_parser("guidelines", help="set or show a project's guidelines",
                        description="Save a Markdown file as the project's next guidelines version (the same text "
                        "makes no new version), or print the current guidelines.")
    p.add_argument("name", help="project name")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--file", metavar="FILE.md", help="the guidelines, Markdown")
    how.add_argument("--show", action="store_true", help="print the current guidelines")
    p.set_defaults(func=cmd_guidelines)

    p = cmds.add_parser("members", help="set or list a project's annotators",
                        description="Make USERs the annotators of a project (who a restricted project is open "
                        "to); with no USER, list them. Every USER must already exist.")
    p.add_argument("name", help="project name")
    p.add_argument("users", nargs="*", metavar="USER", help="user names (replace the current members)")
    p.add_argument("--clear", action="store_true", help="remove every member")
    p.set_defaults(func=cmd_members)

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
    p.set_defaults(func=cmd_settings)
