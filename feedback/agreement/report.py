"""The agreement report of a project: loads its annotations and feeds the pure metrics of ``agreement``.

Questions and how they are coded:
- ``preference``: nominal over the answers (each candidate, tie, both bad); units are items.
- ``preference (ordinal)``: items with exactly two candidates, coded by candidate identity (never by the
  side an annotator saw): first candidate better = 1, tie = 2, second better = 3; both bad is left out.
- each rubric dimension: ordinal over the full scale; units are item x candidate.
- each flag: nominal yes / no; units are item x candidate, over every annotation of the item.
- ``thumbs`` (when the project asks for it): nominal up / down; units are item x candidate.
- ``ranking``: items with 3 or more candidates; rank-distance alpha (``agreement_ranking``) and nominal
  figures over whole rankings.

Every figure comes with a bootstrap interval over items (``resamples``, ``seed``): see ``agreement_summary``.
"""

import math
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Text, cast, func, or_
from sqlmodel import Session, select

from feedback.agreement import metrics
from feedback.agreement.long_answers import (
    Names,
    flag_units,
    flags_long,
    preference_long,
    rankings_long,
    ratings_long,
    thumbs_long,
)
from feedback.agreement.summary import Started, question_steps, ranking_steps, run_steps
from feedback.figures import EMPTY, empty, interval, number, title
from feedback.labeling.loaders import FIGURE_COLUMNS, annotations_frame, candidate_keys, decoded
from feedback.people import permissions
from feedback.projects.projects import get_project, project_schema
from feedback.projects.schema import flag_title
from feedback.store.reads import fetch_frame
from feedback.store.tables import Annotation, Item, User


def _rankings_and_thumbs(session: Session, project_id: int) -> pd.DataFrame:
    """annotation_id, ranking and thumbs of the project's submitted annotations (not in ``annotations_frame``)."""
    empty = ("{}", "null")  # only the annotations that rank or give thumbs: most give neither (1 s at 300k)
    stmt = (select(Annotation.id, Annotation.ranking, Annotation.thumbs)
            .join(Item, Item.id == Annotation.item_id)
            .where(Item.project_id == project_id, Annotation.status == "submitted",
                   or_(func.coalesce(cast(Annotation.ranking, Text), "null").not_in(empty),
                       func.coalesce(cast(Annotation.thumbs, Text), "{}").not_in(empty))))
    return fetch_frame(session, stmt, ["annotation_id", "ranking", "thumbs"], _decode_rankings_and_thumbs)


def _decode_rankings_and_thumbs(columns: dict) -> dict:
    columns["ranking"] = decoded(columns["ranking"], None)
    columns["thumbs"] = decoded(columns["thumbs"], {})
    return columns


def _finite(value: Any) -> Any:
    """JSON-safe: NaN and infinities become None, recursively."""
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if hasattr(value, "item"):  # numpy scalar
        return _finite(value.item())
    return value


NOTES = {
    "choice": "units are items; nominal over each candidate, tie and both bad",
    "choice (ordinal)": "items with two candidates, by candidate identity (never by screen side): first candidate "
                        "better (1) > tie (2) > second better (3); both bad is not on this scale and is left out",
    "rating": "units are item x candidate; ordinal over the full scale, interval beside it",
    "flag": "units are item x candidate; nominal yes / no over every annotation of the item",
    "thumbs": "units are item x candidate; nominal up / down",
    "ranking": "items with the most common number of candidates (3 or more); rank-distance alpha (squared rank "
               "differences, ties at their average rank) and nominal figures over whole rankings",
}


def _question(name: str, kind: str, df: pd.DataFrame, *, levels: list[str], values: list | None = None,
              weighted: bool = False, note: str | None = None, labels: dict | None = None, **boot: Any) -> tuple:
    """A question's description and the steps computing its figures (``run_steps``)."""
    about = {"question": name, "kind": kind, "level": levels[0], "scale": values, "note": note or NOTES[kind],
             "distribution": distribution(df, values=values, labels=labels)}
    return about, Started(question_steps(df, levels=levels, values=values, weighted=weighted, **boot))


PREFERENCE_LABELS = {0: "first candidate", 1: "second candidate", 2: "third candidate", 1000: "tie",
                     1001: "both bad"}
ORDINAL_LABELS = {1: "first better", 2: "tie", 3: "second better"}


def distribution(df: pd.DataFrame, *, values: list | None = None, labels: dict | None = None) -> list[dict]:
    """How often each answer was given (every answer, not only those in units with 2+), in scale order;
    every point of a scale is listed, unused ones with 0."""
    counts = df["value"].value_counts() if len(df) else pd.Series(dtype=int)
    order = list(values) if values is not None else sorted(counts.index.tolist(), key=lambda v: (str(type(v)), v))
    order += [v for v in sorted(counts.index.tolist(), key=str) if v not in order]
    labels = labels or {}
    return [{"answer": str(labels.get(v, v)), "count": int(counts.get(v, 0))} for v in order]


def _planned(ann: pd.DataFrame, cands: pd.DataFrame, extra: pd.DataFrame, schema, boot: dict,
             only: str | None) -> list[tuple[dict, Started]]:
    """Each question's description and its figures' steps, started: its long answers are coded and let go
    (only what is coded waits for the draws, not every question's answers at once)."""
    wanted = (lambda name: name == only) if only else (lambda name: True)
    questions = []  # (description, steps computing the figures)
    names = Names.of(ann)
    if wanted("preference") or wanted("preference (ordinal)"):
        nominal, ordinal = preference_long(ann, cands, names)
        if wanted("preference"):
            questions.append(_question("preference", "choice", nominal, levels=["nominal"], labels=PREFERENCE_LABELS,
                                       **boot))
        if wanted("preference (ordinal)"):
            questions.append(_question("preference (ordinal)", "choice", ordinal, levels=["ordinal"],
                                       values=[1, 2, 3], weighted=True, note=NOTES["choice (ordinal)"],
                                       labels=ORDINAL_LABELS, **boot))
    if wanted("ranking"):
        rankings = rankings_long(ann, cands, extra)
        if len(rankings) or (cands.groupby("item_id").size() >= 3).any():
            questions.append(({"question": "ranking", "kind": "ranking", "level": "rank", "scale": None,
                               "note": NOTES["ranking"]}, Started(ranking_steps(rankings, **boot))))
    dims = [dim for dim in schema.rubric if wanted(dim.name)]
    ratings = ratings_long(ann, names, [dim.name for dim in dims]) if dims else {}
    for dim in dims:
        questions.append(_question(dim.name, "rating", ratings.pop(dim.name), levels=["ordinal", "interval"],
                                   values=dim.scale, weighted=True, **boot))
    if schema.thumbs and wanted("thumbs"):
        questions.append(_question("thumbs", "thumbs", thumbs_long(ann, extra), levels=["nominal"], values=[0, 1],
                                   labels={0: "down", 1: "up"}, **boot))
    flags = [flag for flag in schema.flags if wanted(f"flag: {flag_title(flag)}")]
    units = flag_units(ann, cands, names) if flags else None
    for flag in flags:
        questions.append(_question(f"flag: {flag_title(flag)}", "flag", flags_long(units, names, flag),
                                   levels=["nominal"], values=[0, 1], labels={0: "not flagged", 1: "flagged"},
                                   **boot))
    return questions


def agreement_report(*, session: Session, user: User | None, project: str, resamples: int = 1000,
                     seed: int = 0, detail: bool | None = None, only: str | None = None) -> dict:
    """Every question's agreement figures with bootstrap intervals over items (``resamples`` replicates,
    ``seed``), plus the preference disagreements, as JSON-safe data (reviewers and admins).

    ``detail``: intervals of every annotator pair and of alpha without each annotator too (None: for teams of
    up to ``DETAIL_MAX_ANNOTATORS``; see ``question_steps``). ``only``: just the question of that name."""
    permissions.require(user, permissions.REVIEWER, "read agreement figures")
    proj = get_project(session=session, name=project)
    schema = project_schema(proj)
    ann = annotations_frame(session, proj.id, FIGURE_COLUMNS)
    cands = candidate_keys(session, proj.id)
    extra = _rankings_and_thumbs(session, proj.id)
    boot = {"resamples": resamples, "seed": seed, "detail": detail}
    questions = _planned(ann, cands, extra, schema, boot, only)
    with ThreadPoolExecutor(max_workers=1) as aside:  # the disagreements (pandas, on this thread) meanwhile: the
        running = aside.submit(run_steps, [steps for _, steps in questions])  # draws release the GIL
        disagreements = [] if only else _preference_disagreements(ann)
        figures = running.result()
    questions = [{**about, **result} for (about, _), result in zip(questions, figures)]
    return _finite({
        "project": proj.name,
        "bootstrap": {"resamples": resamples, "seed": seed, "confidence": 0.95, "resampled": "items",
                      "every_interval": "auto" if detail is None else bool(detail)},
        "overlap": proj.overlap,
        "n_items_annotated": int(ann["item_id"].nunique()),
        "n_annotations": len(ann),
        "annotators": sorted(ann["annotator"].unique().tolist()),
        "questions": questions,
        "disagreements": disagreements,
    })


def _preference_disagreements(ann: pd.DataFrame) -> list[dict]:
    """Items whose annotators chose differently (``metrics.disagreements``), by external id. Items and annotators
    go in as categoricals over their sorted names (the same groups and order as the names, without a name per
    vote: 200 MB less at 1M annotations, while the draws run beside it)."""
    voted = ann["preference"].notna().to_numpy()
    if not voted.any():
        return []
    names = Names.of(ann.loc[voted])
    table = metrics.disagreements(pd.DataFrame({"unit": names.item, "annotator": names.annotator,
                                                "value": ann.loc[voted, "preference"].to_numpy()}))
    if len(table):
        table["unit"] = table["unit"].astype(object)
    return table.to_dict(orient="records")


def _interval(ci: list | None) -> str:
    return interval(*ci) if ci else EMPTY


def questions_table(report: dict) -> pd.DataFrame:
    """One row per question: the headline figures and their 95% intervals (for the page and the CLI)."""
    rows = []
    for q in report["questions"]:
        fleiss = q.get("fleiss") or {}
        metrics = q.get("metrics") or {}
        alpha = metrics.get(f"alpha_{q.get('alpha_level', q['level'])}") or {}
        rows.append({
            "question": q["question"], "level": q.get("alpha_level", q["level"]), "units": q.get("n_units", 0),
            "items": q.get("n_items", 0), "annotators": q.get("n_annotators", 0),
            "% agreement": q.get("percent_agreement"),
            "% agreement 95% CI": _interval((metrics.get("percent_agreement") or {}).get("ci")),
            "expected by chance": q.get("expected_agreement"),
            "Fleiss' kappa": fleiss.get("kappa"), "Krippendorff's alpha": q.get("krippendorff_alpha"),
            "alpha 95% CI": _interval(alpha.get("ci")),
        })
    return pd.DataFrame(rows)


def annotators_table(question: dict) -> pd.DataFrame:
    """One row per annotator of a question: alpha without them, how much they move it, agreement with the
    consensus of the others."""
    people = question.get("annotators") or []
    rows = [{
        "annotator": a["annotator"], "answers": a["n_answers"], "alpha without": a.get("alpha_without"),
        "moves alpha by": a.get("alpha_change"), "with consensus": a.get("consensus_agreement"),
        "with consensus 95% CI": _interval(a.get("consensus_agreement_ci")), "compared": a["n_compared"],
        "kappa vs consensus": a.get("consensus_kappa"), "kappa 95% CI": _interval(a.get("consensus_kappa_ci")),
    } for a in people]
    table = pd.DataFrame(rows)
    if not (question.get("bootstrap") or {}).get("consensus_intervals", True):  # a large team's: on request
        table = table.drop(columns=["with consensus 95% CI", "kappa 95% CI"], errors="ignore")
    return table


PAIR_LABELS = {"annotator_a": "annotator", "annotator_b": "with", "n_shared": "shared units", "n_items": "items",
               "kappa": "Cohen's kappa", "kappa_ci": "kappa 95% CI", "kappa_linear": "linear kappa",
               "kappa_linear_ci": "linear kappa 95% CI", "kappa_quadratic": "quadratic kappa",
               "kappa_quadratic_ci": "quadratic kappa 95% CI", "reason": "why not"}


def pairs_table(question: dict) -> pd.DataFrame:
    """Cohen's kappa of every annotator pair of a question, with its intervals, under words (page and CLI)."""
    pairs = question.get("pairwise") or []
    shown = [c for c in PAIR_LABELS  # intervals left out of a large team's report are not columns of blanks
             if any(c in p for p in pairs) and (not c.endswith("_ci") or any(p.get(c) is not None for p in pairs))]
    table = pd.DataFrame(pairs, columns=shown)
    for column in [c for c in table if c.endswith("_ci")]:
        table[column] = table[column].map(_interval)
    if "reason" in table:
        table["reason"] = table["reason"].fillna("")
    return table.rename(columns=PAIR_LABELS)


def _cell(value: Any) -> str:
    if empty(value):
        return EMPTY
    if isinstance(value, float | np.floating):
        return number(value)
    return str(value)


def _text_table(table: pd.DataFrame) -> str:
    """A table as plain text, written the one way of ``feedback.figures`` (headers as words, ``DECIMALS``
    decimals, empty figures as ``EMPTY``)."""
    return table.rename(columns=title).map(_cell).to_string(index=False)


def format_report(report: dict) -> str:
    """The report as plain text."""
    boot = report.get("bootstrap") or {}
    lines = [(f"Project {report['project']}: {report['n_annotations']} annotations on "
              f"{report['n_items_annotated']} items by {len(report['annotators'])} annotators"),
             f"95% intervals: {boot.get('resamples', 0)} bootstrap resamples of items, seed {boot.get('seed')}", ""]
    table = questions_table(report)
    lines.append(_text_table(table))
    for q in report["questions"]:
        if not q.get("n_units"):
            continue
        lines += ["", f"{q['question']} ({q['note']})", f"  Fleiss' kappa: {q['fleiss']['note']}"]
        pairs = pairs_table(q)
        if len(pairs):
            asked = "" if q.get("bootstrap", {}).get("pair_intervals", True) else \
                (" (their intervals, and those of alpha without each annotator and of each annotator's agreement "
                 "with the consensus: --every-interval)")
            lines += [f"  Cohen's kappa per annotator pair{asked}:", _text_table(pairs)]
        people = annotators_table(q)
        if len(people):
            lines += ["  Per annotator (alpha without them; agreement with the consensus of the others):",
                      _text_table(people)]
    lines += ["", f"Items where annotators disagree on the preference: {len(report['disagreements'])}"]
    return "\n".join(lines)
