"""What building an export gives: ``ExportBundle`` (in memory) and ``ExportResult`` (written to a folder), and
what was left out, in words (``describe_excluded``; ``nothing_to_export`` when no row is left).
"""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feedback.export.curation.curate import Curation
from feedback.export.files import zip_files
from feedback.export.formats import KTO_REASONS
from feedback.export.manifest import PAIR_FORMATS
from feedback.export.options import ExportOptions
from feedback.export.rows import REASONS
from feedback.export.targets import CORRECTION_REASONS, SFT_REASONS
from feedback.figures import number

MANIFEST = "manifest.json"
ALL_REASONS = tuple(dict.fromkeys(REASONS + KTO_REASONS + SFT_REASONS + CORRECTION_REASONS
                                  + ("no_margin_ratings", "flagged_annotator")))
REASON_WORDS = {reason: reason.replace("_", " ") for reason in ALL_REASONS} | {
    "tied_ranks": "tied ranked pairs", "ranked_middle": "middle-ranked candidates",
    "no_ratings": "without ratings", "between_thresholds": "rated between the thresholds",
    "below_min_rating": "rated below the minimum", "no_margin_ratings": "pairs without ratings for a margin",
    "empty_output": "with an empty output",
}


@dataclass(frozen=True)
class ExportBundle:
    """An export in memory: the rows, the files (name -> bytes, manifest included) and what was left out."""

    project: str
    options: ExportOptions
    rows: list[dict[str, Any]]
    excluded: dict[str, int]
    manifest: dict[str, Any]
    files: dict[str, bytes] = field(repr=False)
    curation: Curation | None = None
    splits: dict[str, int] = field(default_factory=dict)  # rows per split (train first)
    timings: dict[str, float] = field(default_factory=dict, repr=False)  # seconds per stage (bench)

    @property
    def n_rows(self) -> int:
        return len(self.rows)

    def split_counts(self) -> dict[str, int]:
        """Rows per split: ``{"train": n}``, with ``"test"`` when the test split has rows."""
        return dict(self.splits) or {"train": self.n_rows}

    def preview_lines(self, rows: int = 3) -> list[str]:
        """What the settings keep and why, for the CLI: filters, rows per split, left out, balance, a few rows."""
        items = self.manifest["items"]
        lines = [f"{self.n_rows:,} row{'' if self.n_rows == 1 else 's'} ({self.options.label}) from "
                 f"{items['exported']:,} of the "
                 f"{items['total']:,} items of project {self.project!r}: "
                 + ", ".join(f"{n:,} {split}" for split, n in self.split_counts().items())]
        if self.curation is not None:
            lines += [f"Filters: {line}" if n == 0 else f"  {line}"
                      for n, line in enumerate(self.curation.summary_lines())]
            if self.manifest.get("splits", {}).get("test_fraction") and "test" not in self.split_counts():
                lines.append("No test split: too few distinct prompts are left to hold any out")
        lines.append(f"Left out while building rows: {describe_excluded(self.excluded) or 'nothing'}")
        lines += [f"Votes not counted (flagged by quality checks): {', '.join(names)}"
                  for names in self.manifest.get("annotators_left_out", {}).values() if names]
        balance = self.manifest.get("class_balance")
        if balance:
            shown = {k: v for k, v in balance.items() if k not in ("rule", "by_split")}
            lines.append("Class balance: " + "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in shown.items()))
        agreement = self.manifest.get("agreement")
        if agreement:
            lines.append(agreement_line(agreement))
        for name, entry in sorted(self.manifest.get("files", {}).items()):
            lines.append(f"  {name} ({entry['bytes']:,} bytes, sha256 {entry['sha256'][:16]}...)")
        for row in self.rows[:rows]:
            lines.append("  " + _shorten(json.dumps(row, ensure_ascii=False, sort_keys=True), 300))
        return lines

    def summary_lines(self) -> list[str]:
        """What the bundle holds, for the page."""
        return [
            f"{self.n_rows} row{'' if self.n_rows == 1 else 's'} ({self.options.label}) from project {self.project!r}: "
            + ", ".join(sorted(self.files)),
            f"Left out: {describe_excluded(self.excluded) or 'nothing'}",
        ] + [f"Votes not counted (flagged by quality checks): {', '.join(names)}"
             for names in self.manifest.get("annotators_left_out", {}).values() if names]

    def zip_bytes(self) -> bytes:
        """All files in one zip (for a browser download); the same bundle always gives the same bytes."""
        return zip_files(self.files)


@dataclass(frozen=True)
class ExportResult:
    """A written export: where its files are, how many rows, what was left out."""

    project: str
    options: ExportOptions
    out_dir: Path
    files: list[Path]
    n_rows: int
    excluded: dict[str, int]

    def summary_lines(self) -> list[str]:
        lines = [(f"Exported {self.n_rows} rows ({self.options.label}) "
                  f"from project {self.project!r} to {self.out_dir}")]
        lines += [f"  {path.name} ({path.stat().st_size:,} bytes)" for path in self.files]
        lines.append(f"Left out: {describe_excluded(self.excluded) or 'nothing'}")
        return lines


NO_PAIRS = "no item with two or more preferences"


def agreement_figure(agreement: dict[str, Any], key: str) -> str:
    """One agreement figure of a manifest, written the one way (``feedback.figures``); an undefined one says why
    when it is for want of items with two or more preferences."""
    value = number(agreement.get(key))
    if agreement.get(key) is None and key != "mean_consensus_confidence" \
            and not agreement.get("items_with_2_plus_preferences"):
        return f"{value} ({NO_PAIRS})"
    return value


def agreement_line(agreement: dict[str, Any]) -> str:
    """The agreement of the included items in one line, for the preview."""
    return (f"Agreement of the included items: percent {agreement_figure(agreement, 'percent_agreement')}, alpha "
            f"{agreement_figure(agreement, 'krippendorff_alpha_nominal')}, mean confidence "
            f"{agreement_figure(agreement, 'mean_consensus_confidence')}")


def describe_excluded(excluded: dict[str, int]) -> str:
    """``"12 split, 3 tie"``: the non-zero reasons, in ``REASONS`` order."""
    return ", ".join(f"{excluded[r]} {REASON_WORDS[r]}" for r in ALL_REASONS if excluded.get(r))


def nothing_to_export(project: str, n_items: int, excluded: dict[str, int], options: ExportOptions,
                       cur: Curation | None = None) -> str:
    """Why no row is left, for the ``ExportError`` of ``build_export``: no items, the filters, or the reasons."""
    head = f"Nothing to export from project {project!r}"
    if n_items == 0:
        return f"{head}: it has no items yet"
    if cur is not None and not cur.kept:
        removed = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in cur.removed.items() if n)
        return f"{head}: the filters removed every item ({removed})"
    detail = describe_excluded(excluded)
    if options.format not in PAIR_FORMATS:
        if options.format == "kto" and options.kto_source == "ratings":
            what = (f"no candidate's mean {options.kto_dimension!r} rating is at least {options.kto_desirable_min} "
                    f"or at most {options.kto_undesirable_max}")
        elif options.format in ("sft", "openai-sft") and options.sft_min_rating is not None:
            what = (f"no item with a correction or a clear consensus rated at least {options.sft_min_rating} on "
                    f"{options.sft_dimension!r}")
        else:
            what = {"raw": "no submitted annotation", "corrections": "no usable correction",
                    "kto": "no item with a clear or both-bad consensus or a strict ranking",
                    }.get(options.format, "no item with a correction, a clear consensus or a single top rank")
        return f"{head} as {options.format}: {what}" + (f"; {detail}" if detail else "")
    if excluded.get("no_margin_ratings"):
        return (f"{head}: no pair has {options.margin_dimension!r} ratings of both answers for a ratings margin; "
                f"{detail}")
    if n_items == excluded["no_annotations"]:
        return f"{head}: none of its {n_items} items has a preference or ranking annotation yet"
    undecided = {"tie", "both_bad", "split", "no_annotations", "tied_ranks"}
    if all(r in undecided for r in REASONS if excluded[r]):
        why = "no item has a clear majority preference or a strict consensus ranking"
    elif all(r in undecided | {"too_few_annotations"} for r in REASONS if excluded[r]):
        why = (f"no item has a clear majority preference or a strict consensus ranking with at least "
               f"{options.min_annotations} annotations")
    else:
        why = "no item gives a pair of different answers with a clear majority preference or ranking"
    return f"{head}: {why}; {detail}"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
