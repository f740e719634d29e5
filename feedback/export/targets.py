"""Rows whose answer is a target to imitate: ``sft``, ``openai-sft``, and ``corrections`` (a human correction
against the agent output it corrects). Pure: no database.

- **Target of an item** (``sft``, ``openai-sft``): the *newest* correction among the item's annotations
  (latest ``updated_at``, then highest annotation id), written as one assistant message; an item without a
  correction takes its consensus winner when the outcome is clear and it has at least ``min_annotations``
  preference votes, or, for a ranked item with no preference vote, the single candidate of its consensus
  ranking's top level (a shared top gives no target: ``tie``; see ``feedback.export.rankings``). With
  ``sft_min_rating`` set, a consensus winner qualifies only when its mean rating on ``sft_dimension`` (over
  the annotators who rated it) is at least ``sft_min_rating``; a winner below it (``below_min_rating``) or
  without a rating on the dimension (``no_ratings``) gives no row and is counted. Corrections always qualify.
  A winner whose output is empty (an agent that returned nothing) gives no row (``empty_output``).
  Correction rows need no votes; their ``confidence`` is 1.0 (the rule takes a human correction as given, as
  it takes a reviewer's adjudication; never null, see ``feedback.export.schemas``), ``target`` is
  ``correction`` and ``annotator`` names its author.
- **Corrections**: one row per annotation with a correction: ``chosen`` the correction, ``rejected`` the
  candidate that annotator chose (their preference; on a single-candidate item, that candidate). A correction
  with no chosen candidate (tie, both bad, no preference on a multi-candidate item) or the same as the output
  it corrects (ignoring surrounding white space) gives no row and is counted; so does a correction the same as
  an earlier annotator's of the same output (``repeated_corrections``: one row per distinct fix), and so does a
  correction of an empty output (``empty_output``: the row's rejected text would be empty).
"""

from typing import Any

import pandas as pd

from feedback.export.formats import openai_answer, openai_prompt
from feedback.export.options import ExportInputs, ExportOptions
from feedback.export.ratings import rating_summary
from feedback.export.rows import (
    _bad,
    _same,
    completion_value,
    count_reasons,
    group_candidates,
    missing,
    prompt_value,
    route,
)
from feedback.projects.items import said_nothing
from feedback.store.reads import records

SFT_REASONS = ("no_annotations", "too_few_annotations", "tie", "both_bad", "split", "empty_output",
               "below_min_rating", "no_ratings")
CORRECTION_REASONS = ("no_corrections", "no_corrected_candidate", "identical_outputs", "empty_output",
                      "repeated_corrections")


def _corrections(annotations: pd.DataFrame) -> pd.DataFrame:
    """Annotations with a non-empty correction, oldest first."""
    text = annotations["correction"]
    has = text.map(lambda t: isinstance(t, str) and bool(t.strip()))
    return annotations[has].sort_values(["updated_at", "annotation_id"], kind="mergesort")


def _targets(data: ExportInputs, options: ExportOptions):
    """(item record, target source, candidate or None, correction record or None) per item that has a target,
    and what was left out per reason (``SFT_REASONS``)."""
    newest = {row["item_id"]: row for row in records(_corrections(data.annotations))}
    groups = group_candidates(data.candidates)
    decided, on_ranking, reason = route(data.items, data.candidates, data.consensus, data.ranked,
                                        min_annotations=options.min_annotations, min_candidates=1)
    corrected = decided["item_id"].isin(newest.keys()).to_numpy()
    reason = pd.Series(reason).where(~corrected, "").to_numpy()
    excluded = count_reasons(reason, SFT_REASONS)
    floor = options.sft_min_rating
    ratings = rating_summary(data.annotations, options.sft_dimension) if floor is not None else {}
    out = []
    for item, ranking in zip(records(decided[reason == ""]), on_ranking[reason == ""]):
        if item["item_id"] in newest:
            out.append((item, "correction", None, newest[item["item_id"]]))
            continue
        group = groups.get(item["item_id"], [])
        if ranking:
            ranked = data.ranked[item["item_id"]]
            if len(ranked.levels[0]) > 1:
                excluded["tie"] += 1
                continue
            winner_key = ranked.levels[0][0]
            item = item | {"n_annotators": ranked.n_annotators, "method": "mean_rank",
                           "confidence": 1.0 if ranked.adjudicated else _top_share(ranked),
                           "adjudicated": ranked.adjudicated}
        else:
            winner_key = item["label"]
        winner = next((c for c in group if c["key"] == winner_key), None)
        if winner is None:
            raise _bad(str(item["external_id"]), "preference",
                       f"the consensus choice {winner_key!r} is not one of its candidates")
        if said_nothing(winner["output"], winner["messages"]):
            excluded["empty_output"] += 1
            continue
        if floor is not None:
            rated = ratings.get((item["item_id"], str(winner_key)))
            if rated is None:
                excluded["no_ratings"] += 1
                continue
            if rated["mean"] < floor:
                excluded["below_min_rating"] += 1
                continue
        out.append((item, "consensus", winner, None))
    return out, excluded


def _top_share(ranked: Any) -> float:
    """The share of ranking annotators who put the top candidate above every other, averaged over the others."""
    top = ranked.levels[0][0]
    others = [k for level in ranked.levels[1:] for k in level]
    return float(sum(ranked.share(top, o) for o in others) / len(others))


def _provenance(item: dict[str, Any], source: str, cand: Any, fix: Any) -> dict[str, Any]:
    corrected = source == "correction"
    n = 0 if missing(item["n_annotators"]) else int(item["n_annotators"])
    method = item["method"] if not missing(item["method"]) else "majority"
    return {"target": source, "annotator": str(fix["annotator"]) if corrected else "",
            "model": "" if corrected or missing(cand["model"]) else str(cand["model"]),
            "item_id": str(item["external_id"]), "num_annotators": n, "consensus": str(method),
            "confidence": 1.0 if corrected else float(item["confidence"]),
            "adjudicated": False if corrected else bool(item["adjudicated"])}


def sft_rows(data: ExportInputs, options: ExportOptions, *, method: str):
    """SFT rows: ``{prompt, completion}`` (standard) or ``{messages}`` (conversational), plus provenance."""
    form = options.form
    targets, excluded = _targets(data, options)
    rows = []
    for item, source, cand, fix in targets:
        ext = str(item["external_id"])
        after_label = form == "standard" and isinstance(item["messages"], list) and bool(item["messages"])
        output, messages = (fix["correction"], None) if fix is not None else (cand["output"], cand["messages"])
        completion = completion_value(output, messages, form=form, item=ext, field="completion",
                                      after_label=after_label)
        prompt = prompt_value(item["prompt"], item["messages"], form=form, item=ext)
        head = {"prompt": prompt, "completion": completion} if form == "standard" \
            else {"messages": (prompt or []) + (completion or [])}
        rows.append(head | _provenance(item | {"method": item["method"] if not missing(item["method"]) else method},
                                       source, cand, fix))
    return rows, excluded


def openai_sft_rows(data: ExportInputs, options: ExportOptions, *, method: str):
    """OpenAI chat rows ``{messages}`` (the target last), their provenance, and exclusion counts."""
    targets, excluded = _targets(data, options)
    rows, provenance = [], []
    for item, source, cand, fix in targets:
        ext = str(item["external_id"])
        output, messages = (fix["correction"], None) if fix is not None else (cand["output"], cand["messages"])
        answer = openai_answer(output, messages, item=ext, field="messages (target)")
        rows.append({"messages": openai_prompt(item["prompt"], item["messages"], item=ext) + answer})
        provenance.append(_provenance(item | {"method": item["method"] if not missing(item["method"]) else method},
                                      source, cand, fix))
    return rows, provenance, excluded


def correction_rows(data: ExportInputs, options: ExportOptions):
    """Corrections as preferences: ``chosen`` the correction, ``rejected`` the output it corrects."""
    items, candidates, annotations, form = data.items, data.candidates, data.annotations, options.form
    groups = group_candidates(candidates)
    votes = annotations[annotations["preference"].notna()].groupby("item_id").size()
    fixes = _corrections(annotations)
    excluded = dict.fromkeys(CORRECTION_REASONS, 0)
    by_item: dict[Any, list] = {}
    for fix in records(fixes.sort_values(["annotator", "annotation_id"], kind="mergesort")):
        by_item.setdefault(fix["item_id"], []).append(fix)
    rows = []
    for item in records(items.sort_values(["position", "item_id"], kind="mergesort")):
        ext = str(item["external_id"])
        if item["item_id"] not in by_item:
            excluded["no_corrections"] += 1
            continue
        group = groups.get(item["item_id"], [])
        after_label = form == "standard" and isinstance(item["messages"], list) and bool(item["messages"])
        prompt = prompt_value(item["prompt"], item["messages"], form=form, item=ext)
        made: list[tuple[Any, Any]] = []
        for fix in by_item[item["item_id"]]:
            cand = next((c for c in group if c["key"] == fix["preference"]), None)
            if cand is None and len(group) == 1:
                cand = group[0]
            if cand is None:
                excluded["no_corrected_candidate"] += 1
                continue
            if said_nothing(cand["output"], cand["messages"]):
                excluded["empty_output"] += 1
                continue
            chosen = completion_value(fix["correction"], None, form=form, item=ext, field="chosen",
                                      after_label=after_label)
            rejected = completion_value(cand["output"], cand["messages"], form=form, item=ext,
                                        field=f"rejected (candidate {cand['key']!r})", after_label=after_label)
            if _same(chosen, rejected):
                excluded["identical_outputs"] += 1
                continue
            if any(_same(chosen, c) and _same(rejected, r) for c, r in made):  # a second annotator, same fix
                excluded["repeated_corrections"] += 1
                continue
            made.append((chosen, rejected))
            rows.append({"prompt": prompt, "chosen": chosen, "rejected": rejected, "item_id": ext,
                         "annotator": str(fix["annotator"]),
                         "rejected_model": "" if missing(cand["model"]) else str(cand["model"]),
                         "num_annotators": int(votes.get(item["item_id"], 0))})
    return rows, excluded
