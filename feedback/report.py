"""The agreement report of a project: loads its annotations and feeds the pure metrics of ``agreement``.

Questions and how they are coded:
- ``preference``: nominal over the answers (each candidate, tie, both bad); units are items.
- ``preference (ordinal)``: items with exactly two candidates, coded by candidate identity (never by the
  side an annotator saw): first candidate better = 1, tie = 2, second better = 3; both bad is left out.
- each rubric dimension: ordinal over the full scale; units are item x candidate.
- each flag: nominal yes / no; units are item x candidate, over every annotation of the item.
"""

import math
from typing import Any

import pandas as pd
from sqlmodel import Session

from feedback import agreement, permissions
from feedback.labels import annotations_frame, candidates_frame
from feedback.models import User
from feedback.projects import get_project, project_schema
from feedback.schema import BOTH_BAD, TIE, flag_title


def _preference_long(ann: pd.DataFrame, cands: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    votes = ann.loc[ann["preference"].notna(), ["item_id", "external_id", "annotator", "preference"]]
    position = cands.set_index(["item_id", "key"])["position"]
    extra = {TIE: 1000, BOTH_BAD: 1001}
    pos = [position.get((i, p), extra.get(p, 2000)) for i, p in zip(votes["item_id"], votes["preference"])]
    nominal = pd.DataFrame({"unit": votes["external_id"], "annotator": votes["annotator"], "value": pos})
    n_cands = cands.groupby("item_id").size()
    two = votes["item_id"].map(n_cands).eq(2).to_numpy()
    ordinal = nominal[two].copy()
    ordinal["value"] = ordinal["value"].map({0: 1, 1000: 2, 1: 3})
    return nominal, ordinal.dropna(subset=["value"])


def _ratings_long(ann: pd.DataFrame) -> pd.DataFrame:
    rows = [
        (f"{ext}/{key}", who, dim, score)
        for ext, who, ratings in zip(ann["external_id"], ann["annotator"], ann["ratings"])
        for key, scores in (ratings or {}).items()
        for dim, score in scores.items()
    ]
    return pd.DataFrame(rows, columns=["unit", "annotator", "dimension", "value"])


def _flags_long(ann: pd.DataFrame, cands: pd.DataFrame, flag: str) -> pd.DataFrame:
    merged = ann[["item_id", "external_id", "annotator", "flags"]].merge(cands[["item_id", "key"]], on="item_id")
    value = [int(flag in ((f or {}).get(k) or [])) for f, k in zip(merged["flags"], merged["key"])]
    return pd.DataFrame({"unit": merged["external_id"] + "/" + merged["key"], "annotator": merged["annotator"],
                         "value": value})


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


def _question(name: str, kind: str, level: str, df: pd.DataFrame, values: list | None = None) -> dict:
    summary = agreement.question_summary(df, level=level, values=values) if len(df) else {"n_units": 0}
    return {"question": name, "kind": kind, "level": level, **summary}


def agreement_report(*, session: Session, user: User | None, project: str) -> dict:
    """Every question's agreement figures, plus the preference disagreements, as JSON-safe data (reviewers)."""
    permissions.require(user, permissions.REVIEWER, "read agreement figures")
    proj = get_project(session=session, name=project)
    schema = project_schema(proj)
    ann = annotations_frame(session, proj.id)
    cands = candidates_frame(session, proj.id)
    nominal, ordinal = _preference_long(ann, cands)
    questions = [
        _question("preference", "choice", "nominal", nominal),
        _question("preference (ordinal)", "choice", "ordinal", ordinal, [1, 2, 3]),
    ]
    ratings = _ratings_long(ann)
    for dim in schema.rubric:
        part = ratings.loc[ratings["dimension"] == dim.name, ["unit", "annotator", "value"]]
        questions.append(_question(dim.name, "rating", "ordinal", part, dim.scale))
    for flag in schema.flags:
        questions.append(_question(f"flag: {flag_title(flag)}", "flag", "nominal", _flags_long(ann, cands, flag)))
    return _finite({
        "project": proj.name,
        "overlap": proj.overlap,
        "n_items_annotated": int(ann["item_id"].nunique()),
        "n_annotations": len(ann),
        "annotators": sorted(ann["annotator"].unique().tolist()),
        "questions": questions,
        "disagreements": _preference_disagreements(ann),
    })


def _preference_disagreements(ann: pd.DataFrame) -> list[dict]:
    votes = ann.loc[ann["preference"].notna()]
    table = agreement.disagreements(
        pd.DataFrame({"unit": votes["external_id"], "annotator": votes["annotator"], "value": votes["preference"]})
    ) if len(votes) else pd.DataFrame()
    return table.to_dict(orient="records")


def questions_table(report: dict) -> pd.DataFrame:
    """One row per question: the headline figures (for the page and the CLI)."""
    rows = []
    for q in report["questions"]:
        fleiss = q.get("fleiss") or {}
        rows.append({
            "question": q["question"], "level": q["level"], "units": q.get("n_units", 0),
            "annotators": q.get("n_annotators", 0), "% agreement": q.get("percent_agreement"),
            "Fleiss' kappa": fleiss.get("kappa"), "Krippendorff's alpha": q.get("krippendorff_alpha"),
        })
    return pd.DataFrame(rows)


def format_report(report: dict) -> str:
    """The report as plain text."""
    lines = [(f"Project {report['project']}: {report['n_annotations']} annotations on "
              f"{report['n_items_annotated']} items by {len(report['annotators'])} annotators"), ""]
    table = questions_table(report)
    lines.append(table.to_string(index=False, float_format=lambda v: f"{v:.3f}", na_rep="n/a"))
    for q in report["questions"]:
        pairs = q.get("pairwise") or []
        if pairs:
            lines += ["", f"Cohen's kappa per annotator pair, {q['question']}:"]
            lines.append(pd.DataFrame(pairs).to_string(index=False, float_format=lambda v: f"{v:.3f}", na_rep="n/a"))
    lines += ["", f"Items where annotators disagree on the preference: {len(report['disagreements'])}"]
    return "\n".join(lines)
