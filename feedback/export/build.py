"""Fine-tuning datasets from a project's annotations: build them in memory, write them to a folder.

Formats (``FORMATS``): ``dpo`` (``feedback.export.rows``), ``rm``, ``kto`` and ``openai-dpo``
(``feedback.export.formats``), ``sft``, ``openai-sft`` and ``corrections`` (``feedback.export.targets``), ``raw``
(``feedback.export.raw``); pairs from rankings: ``feedback.export.rankings``; the tools column:
``feedback.export.tools``; options: ``feedback.export.options``; columns and row checks:
``feedback.export.schemas``; what a build gives (``ExportBundle``, ``ExportResult``): ``feedback.export.bundle``;
the files' bytes (JSONL, Parquet, zip): ``feedback.export.files``. OpenAI formats are JSONL only, their provenance in the manifest (``row_provenance``,
one entry per line); the others JSONL and Parquet with provenance columns. No cell of any file is null.

Format ``dpo``: TRL's preference format with an explicit prompt (``prompt``, ``chosen``, ``rejected``),
in the standard (text) or conversational (lists of ``{role, content}``) form, as JSONL and Parquet,
with a ``manifest.json`` that says what went in and by which rules. The same data and options always give the
same bytes: no timestamps, fixed key order, an explicit Parquet schema, a zip with a fixed date.

The chosen answer is the item's consensus as the project sets it (``Project.consensus_method``: majority, or
Dawid-Skene), and a reviewer's adjudicated final answer wins over both: ``feedback.consensus.answers.item_consensus``.
Items with no preference vote that were ranked take their consensus ranking instead (``ranking_pairs``).

``build_export`` runs in stages: frames (loaders) -> consensus (preferences, rankings) -> rows (per format)
-> checks (every row against its format) -> files and manifest.
"""

import gc
import hashlib
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlmodel import Session

from feedback.consensus.answers import item_consensus, standing_adjudications
from feedback.errors import ExportError
from feedback.export.bundle import MANIFEST, ExportBundle, ExportResult, nothing_to_export
from feedback.export.curated import (
    check_choices,
    curation_consensus,
    file_names,
    observed_flags,
    restrict,
    split_rows,
)
from feedback.export.curation.curate import FILTER_HELP, Curation, CurationOptions, class_balance, curate
from feedback.export.files import encode_files, write_atomic
from feedback.export.formats import kto_balance, kto_rows, openai_dpo_rows, pair_rows, rm_rows
from feedback.export.frames import export_frames
from feedback.export.manifest import PAIR_FORMATS, RANKED_FORMATS, RULES, rules
from feedback.export.options import ExportInputs, ExportOptions
from feedback.export.provenance import included_agreement, sources
from feedback.export.rankings import consensus_rankings, ranking_frame
from feedback.export.raw import raw_rows
from feedback.export.rows import validate_rows
from feedback.export.schemas import TOOLS, column_names, validate_format_rows, validate_openai_rows
from feedback.export.schemas import arrow_schema as format_schema
from feedback.export.targets import correction_rows, openai_sft_rows, sft_rows
from feedback.export.tools import add_openai_tools, add_tools_column, item_tools
from feedback.people import permissions
from feedback.projects.projects import get_project, list_batches, project_schema
from feedback.review.quality import flagged_annotators
from feedback.store.tables import User

OPENAI = ("openai-dpo", "openai-sft")
MANIFEST_VERSION = 3  # 3: rankings, no null cells, every option and rule; 2: consensus, confidence, adjudicated


def build_export(*, session: Session, user: User | None, project: str, options: ExportOptions,
                 curation: CurationOptions | None = None, files: bool = True) -> ExportBundle:
    """Build the dataset of ``project`` in memory. ``user`` is the acting user (None: local operator).

    ``curation``: the filters and the train/test split (``feedback.export.curation.curate``), applied to the items before any
    row is built; None applies none (every item, one split). ``files``: False builds the rows, checks and
    manifest without encoding the files (a preview). Raises ``NotFound`` for an unknown project and
    ``ExportError`` for an option the project cannot serve (a rubric dimension it lacks), when no item gives a
    row (saying why) or when a row would be malformed (naming the item and field). Reviewers and admins may
    build (preview); saving a version (``feedback.export.versions``) and writing files need an admin.
    """
    permissions.require(user, permissions.REVIEWER, "build dataset exports")
    with collector_paused():
        return _build(session, user, project, options, curation, files)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while an export is built. It scans every live container each
    time enough new ones have been made, and an export makes millions (rows of the driver, records, rows): a
    quarter of the time of loading and of building rows (300k annotations: 3.2 -> 2.3 s). The export makes
    no reference cycles of its own; reference counting frees its garbage as before, and the collector resumes
    (if it was on) when the export is built or fails."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _build(session: Session, user: User | None, project: str, options: ExportOptions,
           curation: CurationOptions | None, files: bool) -> ExportBundle:
    clock, timings = time.perf_counter(), {}

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = round(now - clock, 3)
        clock = now

    proj = get_project(session=session, name=project)
    options.validate()
    if curation is not None:
        curation.validate()
    # frames
    items, candidates, annotations = export_frames(session, proj.id, options, curation)
    scales = {d.name: (d.min, d.max) for d in project_schema(proj).rubric}
    options.check_against_schema(scales)
    left_out = sorted(flagged_annotators(session=session, user=user, project=proj)) \
        if options.exclude_flagged else []
    left_out_ids = set(annotations.loc[annotations["annotator"].isin(left_out), "user_id"]) if left_out else set()
    kept = annotations[~annotations["user_id"].isin(left_out_ids)] if left_out_ids else annotations
    lap("load")
    # consensus
    votes = kept[["item_id", "user_id", "preference"]].rename(columns={"user_id": "annotator"}) \
        .sort_values(["item_id", "annotator"], kind="mergesort").reset_index(drop=True)  # as preference_votes
    consensus = item_consensus(session, proj, votes=votes)
    rankings, ranked = _rankings(session, proj.id, options, candidates, consensus, left_out_ids)
    data = ExportInputs(items=items, candidates=candidates, consensus=consensus, annotations=kept, ranked=ranked,
                        scales=scales)
    lap("consensus")
    seen: list[Any] = []

    def decided() -> Any:
        """The consensus curation and the class balance read (made once, when first needed)."""
        if not seen:
            seen.append(curation_consensus(consensus, ranked, kept))
        return seen[0]

    # curation
    batch_files = {b.id: b.filename for b in list_batches(session=session, project=proj)}
    cur = None
    if curation is not None:
        check_choices(curation, flags=set(project_schema(proj).flags) | observed_flags(kept),
                      models={str(m) for m in candidates["model"].dropna()}, batches=set(batch_files))
        cur = curate(items, candidates, kept, decided(), curation)
        data = restrict(data, cur.kept)
        lap("curation")
    # rows
    rows, provenance, excluded = _format_rows(session, proj, options, data, left_out_ids)
    if options.format == "raw" and cur is not None:
        keep = set(data.items["external_id"].astype(str))
        rows = [r for r in rows if r["item_id"] in keep]
    if not rows:
        raise ExportError(nothing_to_export(proj.name, len(items), excluded, options, cur))
    described = provenance if options.format in OPENAI else rows
    row_items = [str(p["item_id"]) for p in described]
    _add_tools(rows, options, data, row_items)
    lap("rows")
    # checks
    _check(rows, options, provenance)
    lap("checks")
    # splits, files and manifest
    split_of = {}
    if cur is not None:
        ext_of = dict(zip(items["item_id"].tolist(), map(str, items["external_id"].tolist())))
        split_of = {ext_of[i]: split for i, split in cur.splits.items()}
    parts = split_rows(rows, row_items, split_of)
    extensions = ("jsonl",) if options.format in OPENAI else ("jsonl", "parquet")
    names = file_names(options.stem, parts, extensions)
    blobs = encode_files(parts, names, form=options.form, schema=None if options.format in OPENAI else _schema(options)) \
        if files else {}
    lap("files")
    exported = _exported(items, row_items)
    splits = {split: len(part) for split, part in parts.items() if split == "train" or part}
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "project": proj.name,
        "options": asdict(options),
        "columns": _columns(options),
        "rows": len(rows),
        "items": {"total": len(items), "exported": len(exported)},
        "excluded": excluded,
        "annotators": _annotators(options, rows, kept, rankings, exported),
        "annotators_left_out": {"flagged by quality checks": left_out} if options.exclude_flagged else {},
        "consensus": {"method": proj.consensus_method, "rule": RULES.get(proj.consensus_method, ""),
                      "adjudication": "a reviewer's final answer overrides the method",
                      "adjudicated_rows": sum(1 for r in described if r.get("adjudicated"))},
        "splits": {"rows": splits, "files": {split: sorted(n for (s, _e), n in names.items() if s == split)
                                             for split in splits}},
        "agreement": included_agreement(kept, consensus, exported),
        "files": {name: {"bytes": len(blob), "sha256": hashlib.sha256(blob).hexdigest()}
                  for name, blob in sorted(blobs.items())},
    } | sources(items, kept, exported, batch_files) \
        | rules(options, scales)
    if (proj.consensus_method or "majority") == "majority":
        manifest["majority_rule"] = RULES["majority"]
    if cur is not None:
        manifest["curation"] = _curation_entry(cur, curation)
        manifest["splits"] |= {"test_fraction": curation.test_fraction, "seed": curation.seed,
                               "grouped_by": "normalised prompt (case and white space ignored), and prompts "
                                             "with TF-IDF cosine >= near_threshold joined: no prompt is in both "
                                             "splits",
                               "items": cur.split_counts()}
    if options.format == "kto":
        manifest["class_balance"] = kto_balance(rows)
    elif options.format in PAIR_FORMATS:
        balance = class_balance(decided(), candidates, exported)
        manifest["class_balance"] = {k: v for k, v in balance.items() if k != "by_split"}
    if options.format in OPENAI:
        by_split = {"train": [], "test": []}
        for entry, item in zip(provenance, row_items, strict=True):
            by_split[split_of.get(item, "train")].append(entry)
        manifest["row_provenance"] = {split: entries for split, entries in by_split.items() if entries} \
            if by_split["test"] else by_split["train"]
    if files:
        blobs[MANIFEST] = (json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")
    lap("manifest")
    return ExportBundle(project=proj.name, options=options, rows=rows, excluded=excluded, manifest=manifest,
                        files=blobs, curation=cur, splits=splits, timings=timings)


def _curation_entry(cur: Curation, options: CurationOptions) -> dict[str, Any]:
    """The manifest's account of the filters: settings, items removed per filter with its rule, duplicates."""
    return {"options": options.to_dict(), "items_considered": cur.total, "items_kept": len(cur.kept),
            "removed": cur.removed, "rules": {name: FILTER_HELP[name] for name in cur.removed},
            "duplicates": [list(pair) for pair in cur.duplicates],
            "duplicate_rule": "the kept item of duplicates has the highest consensus confidence, then the most "
                              "annotators, then the earliest import position"}


def _rankings(session, project_id, options, candidates, consensus, left_out_ids):
    """The counted rankings (long frame) and the consensus ranking of each item with no preference vote."""
    if options.format not in RANKED_FORMATS or (options.format == "kto" and options.kto_source == "ratings"):
        return None, {}
    rankings = ranking_frame(session, project_id, leave_out=left_out_ids)
    voted = set(consensus.loc[consensus["n_annotators"] > 0, "item_id"])
    adjudicated = standing_adjudications(session, project_id)
    unvoted = (set(rankings["item_id"]) | set(adjudicated)) - voted
    return rankings, consensus_rankings(rankings, candidates, items=unvoted, adjudicated=adjudicated)


def _add_tools(rows, options, data, item_ids) -> None:
    if options.format in OPENAI:
        add_openai_tools(rows, item_tools(data.items), item_ids)
    elif options.format in TOOLS and options.form == "conversational":
        add_tools_column(rows, item_tools(data.items), item_ids)


def _check(rows, options, provenance) -> None:
    """Every row against its format; ``ExportError`` names the first bad item and field."""
    fmt, form = options.format, options.form
    if fmt in OPENAI:
        validate_openai_rows(rows, fmt=fmt, items=[p["item_id"] for p in provenance])
        return
    if fmt == "dpo":   # DPO's own, stricter checks (majority share above one half, confidence above 0)
        validate_rows(rows, form=form, extra=("tools",) if "tools" in column_names(fmt, form) else ())
    validate_format_rows(rows, fmt=fmt, form=form, margin=options.margin != "none", training_checked=fmt == "dpo")


def _schema(options: ExportOptions) -> pa.Schema:
    return format_schema(options.format, options.form, margin=options.margin != "none")


def _annotators(options, rows, kept, rankings, exported) -> list[str]:
    """Names of the annotators whose counted answers went into the exported items."""
    if options.format in ("raw", "corrections"):
        return sorted({r["annotator"] for r in rows})
    on_items = kept[kept["item_id"].isin(exported)]
    if options.format == "kto" and options.kto_source == "ratings":
        used = on_items["ratings"].map(lambda r: isinstance(r, dict) and any(
            isinstance(s, dict) and options.kto_dimension in s for s in r.values()))
        return sorted(_names(on_items.loc[used, "annotator"]))
    names = _names(on_items.loc[on_items["preference"].notna(), "annotator"])
    if rankings is not None and len(rankings):
        ranker_ids = set(rankings.loc[rankings["item_id"].isin(exported), "user_id"])
        names |= _names(on_items.loc[on_items["user_id"].isin(ranker_ids), "annotator"])
    return sorted(names)


def _names(annotators) -> set[str]:
    """The distinct names of a column of annotator names (each name once: a million rows hold a hundred)."""
    return {str(name) for name in annotators.unique()}


def _exported(items, row_items: list[str]) -> set[int]:
    """The ids of the items that gave rows (``row_items``: the external id of each row)."""
    wanted = set(row_items)
    return {i for i, ext in zip(items["item_id"].tolist(), items["external_id"].tolist()) if str(ext) in wanted}


def export_dataset(*, session: Session, user: User | None, project: str, options: ExportOptions,
                   out_dir: Path) -> ExportResult:
    """Build the dataset and write its files into ``out_dir`` (created if missing), each atomically.

    The manifest is written last, so a manifest on disk means its data files are complete.
    """
    permissions.require(user, permissions.ADMIN, "export datasets")
    bundle = build_export(session=session, user=user, project=project, options=options)
    out_dir = Path(out_dir)
    names = [name for name in bundle.files if name != MANIFEST] + [MANIFEST]
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = [write_atomic(out_dir / name, bundle.files[name]) for name in names]
    except OSError as e:
        raise ExportError(f"Cannot write the export to {out_dir}: {e.strerror or e}") from e
    return ExportResult(project=bundle.project, options=options, out_dir=out_dir, files=paths,
                        n_rows=bundle.n_rows, excluded=bundle.excluded)


def _columns(options: ExportOptions) -> list[str]:
    if options.format == "openai-dpo":
        return ["input (messages, and tools for items that have tools)", "preferred_output", "non_preferred_output"]
    if options.format == "openai-sft":
        return ["messages", "tools (only on the lines of items that have tools)"]
    return column_names(options.format, options.form, margin=options.margin != "none")


def _format_rows(session, proj, options, data, left_out_ids):
    """(rows, provenance of OpenAI rows or None, exclusions) of ``options.format``."""
    fmt = options.format
    method = proj.consensus_method or "majority"
    if fmt == "dpo":
        rows, _keys, excluded = pair_rows(data, options, form=options.form)
        return rows, None, excluded
    if fmt == "rm":
        return _with_none(rm_rows(data, options))
    if fmt == "kto":
        return _with_none(kto_rows(data, options))
    if fmt == "sft":
        return _with_none(sft_rows(data, options, method=method))
    if fmt == "corrections":
        return _with_none(correction_rows(data, options))
    if fmt == "openai-dpo":
        return openai_dpo_rows(data, options)
    if fmt == "openai-sft":
        return openai_sft_rows(data, options, method=method)
    return _with_none(raw_rows(session, proj.id, leave_out=set(left_out_ids)))


def _with_none(pair: tuple[list, dict]) -> tuple[list, None, dict]:
    return pair[0], None, pair[1]
