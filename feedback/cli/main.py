"""`feedback ...` commands: thin translators over the same functions the pages call.

Errors a user can fix (``FeedbackError``) print ``Error: ...`` on stderr and exit 1; usage errors exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from feedback.errors import FeedbackError, ImportRejected
from feedback.intake.formats.names import AUTO, FORMAT_HELP, FORMATS

if TYPE_CHECKING:
    from feedback.config import Settings

# The settings (pydantic), the database and the commands' libraries are imported inside the commands: `feedback
# --help` and a usage error load none of them (tests/cli/test_cli_startup.py).


def _engine(settings: Settings):
    from feedback.store.engine import create_schema, make_engine

    engine = make_engine(settings.database_url, pool_size=settings.pool_size)
    create_schema(engine, upgrade=settings.auto_upgrade)
    return engine


def cmd_import(args, settings: Settings) -> int:
    from sqlmodel import Session

    from feedback.intake.importer import import_file

    with Session(_engine(settings), expire_on_commit=False) as session:
        report = import_file(
            session=session, user=None, project=args.project, path=Path(args.file),
            skip_invalid=args.skip_invalid, overlap=settings.default_overlap, file_format=args.format,
        )
    for line in report.summary_lines():
        print(line)
    return 0


def cmd_agreement(args, settings: Settings) -> int:
    from sqlmodel import Session

    from feedback.agreement.report import agreement_report, format_report
    from feedback.figures import local_time, percent
    from feedback.projects.projects import get_project
    from feedback.review import stored
    from feedback.review.judges import judge_report
    from feedback.review.quality import annotator_quality
    from feedback.review.workflow import review_queue

    with Session(_engine(settings)) as session:
        project = get_project(session=session, name=args.project)
        if (args.resamples, args.seed, args.every_interval) == (stored.RESAMPLES, stored.SEED, False):
            figures = stored.current_figures(session=session, user=None, project=project, recompute=args.recompute)
            report = dict(figures.value["report"], annotator_quality=figures.value["quality"],
                          judges=figures.value["judges"])
            if figures.reused:
                print(f"Figures computed at {local_time(figures.computed_at)} and stored: no answer, decision or "
                      "setting has changed since (--recompute computes them anew).", file=sys.stderr)
        else:
            report = agreement_report(session=session, user=None, project=args.project, resamples=args.resamples,
                                      seed=args.seed, detail=True if args.every_interval else None)
            report["annotator_quality"] = annotator_quality(session=session, user=None, project=project)
            report["judges"] = judge_report(session=session, user=None, project=project)
        queue = review_queue(session=session, user=None, project=project, limit=0)
        report["review"] = {"threshold": queue.threshold, "consensus_method": queue.method,
                            "items_to_review": queue.total}
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False, default=str))
    else:
        print(format_report(report))
        flagged = [f"  {row['annotator']}: {'; '.join(row['flags'])}" for row in report["annotator_quality"]
                   if row["flagged"]]
        print("", "Flagged annotators:" if flagged else "No annotator is flagged.", *flagged, sep="\n")
        print(f"Items to review (consensus below {percent(queue.threshold)} or split): {queue.total}")
    return 0


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def cmd_demo(args, settings: Settings) -> int:
    from sqlmodel import Session

    from feedback.intake.demo import load_demo, reset_demo_accounts
    from feedback.people.accounts import count_active_admins

    with Session(_engine(settings), expire_on_commit=False) as session:
        message = load_demo(session=session, path=Path(args.file or settings.demo_data),
                            project=args.project or settings.demo_project, overlap=settings.default_overlap)
        accounts = reset_demo_accounts(session=session) if settings.demo_mode else []
        no_admin = not accounts and count_active_admins(session) == 0
    print(message)
    if accounts:
        print("\nDemo mode (FEEDBACK_DEMO_MODE=true): sign in with one of these accounts; "
              "the passwords change at every start.\n")
        print(f"  {'name':<10}{'role':<11}password")
        for name, role, password in accounts:
            print(f"  {name:<10}{role:<11}{password}")
    elif no_admin:
        print("No admin account yet: create one with `feedback users add NAME --role admin`.")
    return 0


def cmd_projects(args, settings: Settings) -> int:
    from sqlmodel import Session

    from feedback.projects.projects import list_projects

    with Session(_engine(settings)) as session:
        rows = list_projects(session=session)
    if not rows:
        print("No projects yet: `feedback import FILE --project NAME` creates one.")
    for project, n_items in rows:
        print(f"{project.name}\t{n_items} items\toverlap {project.overlap}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="feedback",
        description="Label agent outputs, measure annotator agreement, export fine-tuning datasets. "
        "The database is FEEDBACK_DATABASE_URL (default sqlite:///data/feedback.db).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("import", help="import agent outputs (JSONL or CSV, PandaLM, HH-RLHF) into a project",
                       description="Import items, candidates and existing annotations from a JSONL or CSV file, or "
                       "from PandaLM's or HH-RLHF's files as they are (gzip-compressed files too). "
                       "Every bad line is reported (line, field, reason) and nothing is written unless "
                       "--skip-invalid is given. Re-importing the same items is a no-op.")
    p.add_argument("file", help="a .jsonl, .csv or .json file (or any of them .gz)")
    p.add_argument("--project", required=True, help="project name (created if it does not exist)")
    p.add_argument("--skip-invalid", action="store_true", help="import the good lines and list the bad ones")
    p.add_argument("--format", choices=FORMATS, default=AUTO,
                   help="the file's format (default auto: " + FORMAT_HELP[AUTO] + "); items: our own JSONL or CSV; "
                   "pandalm: PandaLM's test set or a judge's verdicts on it; hh-rlhf: chosen/rejected dialogues")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("agreement", help="inter-annotator agreement of a project",
                       description="Per question, over units with 2+ annotations: percent agreement and the "
                       "agreement expected by chance, Cohen's kappa per annotator pair (weighted for ordinal "
                       "answers), Fleiss' kappa, Krippendorff's alpha at the question's level (rank-distance "
                       "for rankings), alpha without each annotator and each annotator's agreement with the "
                       "consensus of the others; each with a 95% bootstrap interval over items.")
    p.add_argument("--project", required=True, help="project name")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--resamples", type=_non_negative, default=1000,
                   help="bootstrap resamples for the 95%% intervals (default: 1000; 0: no intervals)")
    p.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default: 0)")
    p.add_argument("--every-interval", action="store_true",
                   help="also the intervals of every annotator pair's kappa, of alpha without each annotator and "
                   "of each annotator's agreement with the consensus (given anyway for up to 12 annotators; a team "
                   "of 40 has 780 pairs per question)")
    p.add_argument("--recompute", action="store_true",
                   help="compute the figures anew even when the ones stored count every answer and decision so "
                   "far (with the default resamples and seed, figures are stored and reused until then)")
    p.set_defaults(func=cmd_agreement)

    p = sub.add_parser("demo", help="load the demo data set into an empty database",
                       description="Load the demo data set into the demo project if the database has no items; "
                       "otherwise do nothing and say so. In demo mode (FEEDBACK_DEMO_MODE=true) also give the "
                       "demo accounts fresh random passwords and print them.")
    p.add_argument("--file", help="demo JSONL (default: FEEDBACK_DEMO_DATA)")
    p.add_argument("--project", help="project name (default: FEEDBACK_DEMO_PROJECT)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("projects", help="list projects", description="List projects with their item counts.")
    p.set_defaults(func=cmd_projects)
    for module in ("feedback.cli.export", "feedback.cli.users", "feedback.cli.projects", "feedback.cli.db"):
        _register(module, sub)
    return parser


def _register(module_name: str, sub) -> None:
    """Command groups that live in their own modules add themselves with ``register(sub, engine_factory)``."""
    import importlib

    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name != module_name:
            raise
        return
    module.register(sub, _engine)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from feedback.config import Settings

    try:
        settings = Settings()
        return args.func(args, settings)
    except ImportRejected as e:
        print(f"Error: {e}", file=sys.stderr)
        for problem in e.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except FeedbackError as e:
        print(f"Error: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `feedback agreement ... | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
