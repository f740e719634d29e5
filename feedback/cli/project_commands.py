"""`feedback project ...`: create projects, set their label schema, guidelines, members and settings.

Thin translators over ``feedback.projects``; the caller (``cli.main``) prints ``FeedbackError`` as ``Error: ...``.
"""

from pathlib import Path

from sqlmodel import Session

from feedback.errors import FeedbackError
from feedback.projects.guidelines import current_guidelines, set_guidelines
from feedback.projects.projects import (
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
    from feedback.figures import percent  # numpy: loaded only to print the settings

    print(f"{project.name}: overlap {project.overlap}, gold rate {project.gold_rate:g}, lease {project.lease_minutes} "
          f"minutes, {'restricted' if project.restricted else 'open'}, schema version {project.schema_version}, "
          f"guidelines version {project.guidelines_version}; consensus {project.consensus_method}, review below "
          f"{percent(project.review_threshold)}{' (escalating first)' if project.auto_escalate else ''}, quality "
          f"threshold {percent(project.quality_threshold)}, suggestions {'shown' if project.show_suggestions else 'hidden'}")
    return 0
