"""Widgets of the Export page: the settings (format and filters), the preview, the list of versions."""

import json
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from feedback.export.bundle import ExportBundle, describe_excluded
from feedback.export.choices import ExportChoices
from feedback.export.curation.curate import DEDUP, FILTER_HELP, CurationOptions
from feedback.export.options import FORMATS, KTO_SOURCES, MARGINS, ONE_FORM, ExportOptions
from feedback.export.rankings import RANKING_PAIRS
from feedback.export.rows import FORMS
from feedback.export.versions import VersionInfo
from feedback.figures import local_time, number
from feedback.ui.tables import figure_table, safe_table

FORMAT_HELP = {
    "dpo": "TRL preference pairs with an explicit prompt (DPO)",
    "rm": "preference pairs with the prompt inside each answer, optional margin (reward model)",
    "kto": "unpaired completions labelled desirable or not (KTO)",
    "sft": "the correction, or the consensus winner, as the target (SFT)",
    "corrections": "a human correction as chosen against the agent output it corrects",
    "openai-dpo": "OpenAI preference fine-tuning JSONL",
    "openai-sft": "OpenAI chat fine-tuning JSONL",
    "raw": "one row per annotation with every answer, for your own analysis",
}


def settings(choices: ExportChoices) -> tuple[ExportOptions, CurationOptions]:
    """The format and filter widgets; returns the options they say (``ExportError`` if one is out of range)."""
    left, right = st.columns(2)
    fmt = left.selectbox("Format", FORMATS, key="export.format", format_func=lambda f: f"{f}: {FORMAT_HELP[f]}")
    form = right.radio("Form", FORMS, horizontal=True, key="export.form", disabled=fmt in ONE_FORM,
                       help="standard: text columns; conversational: lists of {role, content} messages")
    extra = _format_options(fmt, choices)
    with st.expander("Filters", expanded=True):
        a, b, c = st.columns(3)
        least = a.number_input("Minimum annotations per item", 1, 100, 1, key="export.min_annotations",
                               help=FILTER_HELP["too_few_annotations"])
        confidence = b.slider("Minimum consensus", 0.0, 1.0, 0.0, 0.05, key="export.min_confidence",
                              help=FILTER_HELP["low_confidence"])
        dedup = c.selectbox("Duplicate prompts", DEDUP, index=DEDUP.index("none"), key="export.dedup",
                            help=FILTER_HELP["duplicate_near"])
        threshold = c.slider("Near-duplicate similarity", 0.5, 1.0, 0.9, 0.01, key="export.near_threshold",
                             disabled=dedup != "near", help="TF-IDF cosine at or above which prompts are duplicates")
        adjudicated = a.checkbox("Adjudicated items only", key="export.adjudicated_only",
                                 help=FILTER_HELP["not_adjudicated"])
        gold = a.checkbox("Keep gold items", key="export.include_gold", help=FILTER_HELP["gold"])
        careful = a.checkbox("Leave out the votes of flagged annotators", key="export.exclude_flagged",
                             help="annotators the quality checks flag (Agreement page, Annotators tab)")
        excluded_flags = b.multiselect("Remove items with these flags", choices.flags, key="export.exclude_flags",
                                       help=FILTER_HELP["flagged"])
        rejected_only = b.multiselect("These flags only as rejected", choices.flags, key="export.flags_only_rejected",
                                      help=FILTER_HELP["flagged_winner"])
        models = b.multiselect("Models", choices.models, key="export.models", help=FILTER_HELP["model"])
        batches = c.multiselect("Import batches", list(choices.batches), key="export.batches",
                                format_func=lambda b: choices.batches.get(b, str(b)), help=FILTER_HELP["batch"])
        dates = c.date_input("Imported between", value=(), key="export.dates", help=FILTER_HELP["import_date"])
        d, e, f, g = st.columns(4)
        max_prompt = d.number_input("Longest prompt (characters, 0 = any)", 0, 10_000_000, 0, key="export.max_prompt")
        max_output = e.number_input("Longest output (characters, 0 = any)", 0, 10_000_000, 0, key="export.max_output")
        test = f.slider("Test split", 0.0, 0.5, 0.0, 0.01, key="export.test_fraction",
                        help="share of prompts in the test split; no prompt is in both")
        seed = g.number_input("Split seed", 0, 2**31 - 1, 0, key="export.seed")
    start, end = (tuple(dates) + (None, None))[:2] if isinstance(dates, (tuple, list)) else (dates, None)
    options = ExportOptions(format=fmt, form=form if fmt not in ONE_FORM else "standard",
                            min_annotations=int(least), exclude_flagged=careful, **extra)
    curation = CurationOptions(
        min_annotations=int(least), min_confidence=float(confidence), adjudicated_only=adjudicated,
        exclude_flags=tuple(excluded_flags), flags_only_rejected=tuple(rejected_only), include_gold=gold,
        models=tuple(models), batches=tuple(int(b) for b in batches), imported_from=_day(start),
        imported_to=_day(end), max_prompt_chars=int(max_prompt) or None, max_output_chars=int(max_output) or None,
        dedup=dedup, near_threshold=float(threshold), test_fraction=float(test), seed=int(seed))
    curation.validate()
    return options, curation


def _day(value: Any) -> date | None:
    return value if isinstance(value, date) else None


def _format_options(fmt: str, choices: ExportChoices) -> dict[str, Any]:
    """The options only some formats read, shown for those formats."""
    dims = list(choices.dimensions) or ["helpfulness"]
    extra: dict[str, Any] = {}
    if fmt in ("dpo", "rm", "openai-dpo"):
        extra["ranking_pairs"] = st.radio("Pairs from a ranking", RANKING_PAIRS, horizontal=True,
                                          key="export.ranking_pairs",
                                          help="all: every pair in order; best_worst: first against last; "
                                          "adjacent: neighbours. Ties are dropped.")
    if fmt == "rm":
        a, b = st.columns(2)
        extra["margin"] = a.radio("Margin", MARGINS, horizontal=True, key="export.margin",
                                  help="votes: the vote-share gap; ratings: the rating gap on a dimension")
        if extra["margin"] == "ratings":
            extra["margin_dimension"] = b.selectbox("Margin dimension", dims, key="export.margin_dimension")
    if fmt == "kto":
        a, b, c, d = st.columns(4)
        extra["kto_source"] = a.radio("Labels from", KTO_SOURCES, key="export.kto_source")
        if extra["kto_source"] == "ratings":
            extra["kto_dimension"] = b.selectbox("Dimension", dims, key="export.kto_dimension")
            low, high = choices.dimensions.get(extra["kto_dimension"], (1, 5))
            extra["kto_desirable_min"] = c.number_input("Desirable at or above", float(low), float(high),
                                                        float(high - (high - low) // 4), 0.5, key="export.kto_hi")
            extra["kto_undesirable_max"] = d.number_input("Undesirable at or below", float(low), float(high),
                                                          float(low + (high - low) // 4), 0.5, key="export.kto_lo")
    if fmt in ("sft", "openai-sft"):
        a, b = st.columns(2)
        threshold = a.checkbox("Winners must clear a rating", key="export.sft_threshold",
                               help="corrections always qualify")
        if threshold:
            extra["sft_dimension"] = b.selectbox("Dimension", dims, key="export.sft_dimension")
            low, high = choices.dimensions.get(extra["sft_dimension"], (1, 5))
            extra["sft_min_rating"] = b.number_input("Minimum mean rating", float(low), float(high), float(high - 1),
                                                     0.5, key="export.sft_min")
    return extra


def preview(bundle: ExportBundle) -> None:
    """What the settings keep and why: filter counts, rows per split, class balance, a few rows."""
    curation = bundle.curation
    splits = bundle.split_counts()
    items = bundle.manifest["items"]
    cols = st.columns(3 + len(splits))
    cols[0].metric("Items", f"{items['total']:,}")
    cols[1].metric("Items kept", f"{len(curation.kept) if curation is not None else items['total']:,}",
                   help="items that pass the filters")
    cols[2].metric("Items with rows", f"{items['exported']:,}",
                   help="kept items the format could make rows from (the others are counted on the right)")
    for col, (split, n) in zip(cols[3:], splits.items()):
        col.metric(f"{split.capitalize()} rows", f"{n:,}")
    left, right = st.columns(2)
    if curation is not None:
        left.markdown("**Filters** (in the order applied)")
        with left:
            figure_table(pd.DataFrame([{"filter": name.replace("_", " "), "items removed": n,
                                        "rule": FILTER_HELP.get(name, "")} for name, n in curation.removed.items()]))
    right.markdown("**Left out while building rows**")
    right.write(describe_excluded(bundle.excluded) or "nothing")
    balance = bundle.manifest.get("class_balance")
    if balance:
        right.markdown("**Class balance**")
        with right:
            figure_table(pd.DataFrame([{"class": k.replace("_", " "), "value": _balance(v)} for k, v in balance.items()
                                       if k != "rule"]))
        if balance.get("rule"):
            right.caption(balance["rule"])
    st.markdown("**A few rows**")
    st.dataframe(safe_table(pd.DataFrame([{k: _short(v) for k, v in row.items()} for row in bundle.rows[:5]])),
                 hide_index=True, width="stretch")


def _balance(value: Any) -> str:
    """A class-balance figure in words: ``{'first': 32, 'second': 36}`` -> ``first 32, second 36``."""
    if isinstance(value, dict):
        return ", ".join(f"{str(k).replace('_', ' ')} {_balance(v)}" for k, v in value.items())
    return number(value) if isinstance(value, float) else str(value)


def _short(value: Any, limit: int = 300) -> Any:
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + "…"
    return value


def versions_table(versions: list[VersionInfo]) -> None:
    figure_table(pd.DataFrame([{
        "version": v.name, "made": local_time(v.created_at, st.context.timezone), "by": v.created_by,
        "format": v.format + (f" ({v.form})" if v.form and v.format not in ONE_FORM else ""), "rows": v.rows,
        "splits": ", ".join(f"{split} {n:,}" for split, n in v.splits.items()), "folder": str(v.path),
    } for v in versions]))
