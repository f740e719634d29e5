"""`feedback export ...`: build a curated dataset version, preview it, list the versions of a project.

``feedback export --project P --format F [filters] [--out DIR]`` saves a new version under
``FEEDBACK_EXPORT_DIR`` (and copies its files into ``DIR`` when given) and prints its manifest summary;
``--preview`` prints what would be kept and why and saves nothing; ``feedback export list --project P``
lists the versions. The options are those of the Export page: ``ExportOptions`` (format) and
``CurationOptions`` (filters).
"""

import argparse
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from feedback.errors import ExportError, FeedbackError
from feedback.export.names import DEDUP, FORMATS, FORMS, KTO_SOURCES, MARGINS, RANKING_PAIRS

if TYPE_CHECKING:
    from feedback.export.curation.curate import CurationOptions
    from feedback.export.options import ExportOptions


def _names(text: str) -> tuple[str, ...]:
    """``unsafe,wrong`` -> ("unsafe", "wrong")."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def options_from_args(args) -> "tuple[ExportOptions, CurationOptions]":
    """The export's format options and filters from the parsed command line."""
    from feedback.export.curation.curate import (
        CurationOptions,  # pandas and scikit-learn: only when exporting
    )
    from feedback.export.options import ExportOptions

    fmt = ExportOptions(
        format=args.format, form=args.form, min_annotations=args.min_annotations,
        exclude_flagged=args.exclude_flagged, ranking_pairs=args.ranking_pairs, margin=args.margin,
        margin_dimension=args.margin_dimension, kto_source=args.kto_source, kto_dimension=args.kto_dimension,
        kto_desirable_min=args.kto_desirable_min, kto_undesirable_max=args.kto_undesirable_max,
        sft_dimension=args.sft_dimension, sft_min_rating=args.sft_min_rating,
    )
    curation = CurationOptions(
        min_annotations=args.min_annotations, min_confidence=args.min_confidence,
        adjudicated_only=args.adjudicated_only, exclude_flags=_names(args.exclude_flags),
        flags_only_rejected=_names(args.flags_only_rejected), include_gold=args.include_gold,
        models=_names(args.models), batches=tuple(args.batch or ()), imported_from=args.imported_from,
        imported_to=args.imported_to, max_prompt_chars=args.max_prompt_chars,
        max_output_chars=args.max_output_chars, dedup=args.dedup, near_threshold=args.near_threshold,
        test_fraction=args.test_fraction, seed=args.seed,
    )
    curation.validate()
    return fmt, curation


def cmd_export(args, engine, export_dir: Path) -> int:
    if not args.project:
        raise FeedbackError("Say which project to export: --project NAME")
    from feedback.export.build import build_export
    from feedback.export.versions import save_version

    fmt, curation = options_from_args(args)
    out = Path(args.out) if args.out else None
    if out is not None and out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ExportError(f"--out {out} is not an empty folder: copying a version there would mix its files with "
                          "others; choose a new or empty folder")
    from sqlmodel import Session

    with Session(engine, expire_on_commit=False) as session:
        bundle = build_export(session=session, user=None, project=args.project, options=fmt, curation=curation,
                              files=not args.preview)
        if args.preview:
            for line in bundle.preview_lines():
                print(line)
            return 0
        info = save_version(session=session, user=None, bundle=bundle, export_dir=export_dir)
    print(f"Version {info.name} of project {info.project!r}: {info.path}")
    for line in bundle.preview_lines(rows=0):
        print(line)
    if out is not None:
        try:
            out.mkdir(parents=True, exist_ok=True)
            for path in sorted(info.path.iterdir()):
                shutil.copyfile(path, out / path.name)
        except OSError as e:
            raise ExportError(f"Version {info.name} is saved in {info.path}, but copying it to {out} failed: "
                              f"{e.strerror or e}") from e
        print(f"Copied to {out}")
    return 0


def cmd_list(args, engine, export_dir: Path) -> int:
    from sqlmodel import Session

    from feedback.export.versions import list_versions

    with Session(engine) as session:
        versions = list_versions(session=session, user=None, project=args.project, export_dir=export_dir)
    if not versions:
        print(f"Project {args.project!r} has no dataset version yet: `feedback export --project "
              f"{args.project} --format dpo` makes one.")
    for info in versions:
        print(info.line())
    return 0


def _run(command: Callable, engine_factory: Callable) -> Callable:
    return lambda args, settings: command(args, engine_factory(settings), Path(settings.export_dir))


def register(sub, engine_factory: Callable) -> None:
    """Add ``export`` (and ``export list``) to the ``feedback`` parser."""
    p = sub.add_parser(
        "export", help="make a curated, versioned fine-tuning dataset (or list the versions)",
        description="Make a dataset version: the rows of a format (dpo: TRL preference with an explicit prompt; "
        "rm: implicit prompt and margin; kto: prompt, completion, label; sft: the correction or the consensus "
        "winner; corrections: a correction against the output it corrects; openai-dpo and openai-sft: OpenAI "
        "fine-tuning JSONL; raw: one row per annotation) from the items that pass the filters, split into "
        "train and test by prompt, saved read-only under FEEDBACK_EXPORT_DIR with a manifest and a dataset "
        "card. The same settings on the same data give byte-identical data files. `feedback export list "
        "--project P` lists the versions.")
    p.add_argument("--project", help="project name")
    p.add_argument("--out", help="also copy the version's files into this folder (created if missing)")
    p.add_argument("--preview", action="store_true",
                   help="print what each filter removes, the rows per split, the class balance and a few rows; "
                   "save nothing")
    what = p.add_argument_group("format")
    what.add_argument("--format", choices=FORMATS, default="dpo", help="dataset format (default: dpo)")
    what.add_argument("--form", choices=FORMS, default="standard",
                      help="standard: text columns; conversational: lists of {role, content} messages "
                      "(not used by openai-dpo, openai-sft and raw)")
    what.add_argument("--ranking-pairs", choices=RANKING_PAIRS, default="all",
                      help="pairs from a ranked item: every pair, best against worst, or neighbours (default: all)")
    what.add_argument("--margin", choices=MARGINS, default="votes",
                      help="rm margin: the vote-share gap, the rating gap on --margin-dimension, or none")
    what.add_argument("--margin-dimension", default="helpfulness", help="rubric dimension of --margin ratings")
    what.add_argument("--kto-source", choices=KTO_SOURCES, default="preference",
                      help="kto labels from the preference votes or from ratings on --kto-dimension")
    what.add_argument("--kto-dimension", default="helpfulness", help="rubric dimension of --kto-source ratings")
    what.add_argument("--kto-desirable-min", type=float, default=4,
                      help="mean rating at or above which a completion is desirable (default: 4)")
    what.add_argument("--kto-undesirable-max", type=float, default=2,
                      help="mean rating at or below which a completion is undesirable (default: 2)")
    what.add_argument("--sft-dimension", default="helpfulness", help="rubric dimension of --sft-min-rating")
    what.add_argument("--sft-min-rating", type=float,
                      help="sft: keep a consensus winner only when its mean rating reaches this")
    keep = p.add_argument_group("filters (applied in this order before any format)")
    keep.add_argument("--min-annotations", type=int, default=1, help="items with fewer annotators are removed")
    keep.add_argument("--min-confidence", type=float, default=0.0,
                      help="minimum consensus: vote share, or Dawid-Skene posterior (0 to 1; adjudicated = 1)")
    keep.add_argument("--adjudicated-only", action="store_true", help="only items a reviewer decided")
    keep.add_argument("--exclude-flags", default="", metavar="FLAGS",
                      help="comma-separated flags (e.g. unsafe): items where a candidate has one are removed")
    keep.add_argument("--flags-only-rejected", default="", metavar="FLAGS",
                      help="comma-separated flags: a candidate with one may only be rejected")
    keep.add_argument("--include-gold", action="store_true", help="keep gold items (removed by default)")
    keep.add_argument("--exclude-flagged", action="store_true",
                      help="do not count the votes of annotators flagged by the quality checks")
    keep.add_argument("--models", default="", metavar="MODELS",
                      help="comma-separated models: keep items with a candidate from one of them")
    keep.add_argument("--batch", type=int, action="append", metavar="ID",
                      help="keep items of this import batch (repeat for several)")
    keep.add_argument("--imported-from", type=_day, metavar="YYYY-MM-DD", help="items imported on or after")
    keep.add_argument("--imported-to", type=_day, metavar="YYYY-MM-DD", help="items imported on or before")
    keep.add_argument("--max-prompt-chars", type=int, help="items with a longer prompt are removed")
    keep.add_argument("--max-output-chars", type=int, help="items with a longer candidate output are removed")
    keep.add_argument("--dedup", choices=DEDUP, default="none",
                      help="duplicate prompts: none (default: several items may share a prompt with different answers), "
                      "exact (after normalising case and white space), or near (also TF-IDF cosine >= "
                      "--near-threshold); the kept item is the one with most agreement")
    keep.add_argument("--near-threshold", type=float, default=0.9, help="cosine similarity of near duplicates")
    keep.add_argument("--test-fraction", type=float, default=0.0,
                      help="share of prompts in the test split (no prompt in both splits; default: 0)")
    keep.add_argument("--seed", type=int, default=0, help="seed of the train/test split (default: 0)")
    p.set_defaults(func=_run(cmd_export, engine_factory))

    actions = p.add_subparsers(dest="export_command", metavar="ACTION")
    listing = actions.add_parser("list", help="list a project's dataset versions",
                                 description="List a project's dataset versions, newest first: number, time, "
                                 "who, format, rows per split, folder.")
    listing.add_argument("--project", required=True, help="project name")
    listing.set_defaults(func=_run(cmd_list, engine_factory))
