"""Rows of the reward-modelling (``rm``), unpaired (``kto``) and OpenAI preference (``openai-dpo``) formats.

Pure: no database. Rendering of prompts and answers is ``feedback.export.rows``'s; the checks are
``feedback.export.schemas``'; pairs from rankings are ``feedback.export.rankings``'.

- ``rm``: the DPO rows (preference and ranking pairs) with the prompt folded into both answers (TRL's implicit
  prompt). Standard form: a conversation item's transcript already ends with ``Assistant:`` and the answer
  follows it; a plain prompt and its answer are joined by a blank line. Conversational form: the prompt
  messages followed by the answer messages. The ``margin`` column (option ``margin``):

  - ``votes``: the share of the item's preference votes for chosen minus the share for rejected, floored at 0
    (a reviewer or Dawid-Skene can choose the answer with fewer votes); for a ranking pair, the share of the
    ranking annotators who put chosen above rejected minus the share who put rejected above chosen, floored
    at 0.
  - ``ratings``: (mean rating of chosen - mean rating of rejected) on ``margin_dimension`` divided by the width
    of its scale (max - min), so in [0, 1], floored at 0 (the annotators can rate the chosen answer lower).
    A pair where either answer has no rating on the dimension gives no row and is counted as
    ``no_margin_ratings``: mixing vote margins into a rating margin would give the column two meanings.
  - ``none``: no margin column.
- ``kto``, from ``kto_source``:

  - ``preference``: one row per candidate of each decided item: the consensus winner ``label`` true, every
    other candidate false; when *both bad* wins, every candidate false. Ties and splits give no rows. Ranked
    items (no preference vote): the top level true, the bottom level false, the levels between left out
    (``ranked_middle``, counted per candidate; see ``feedback.export.rankings``).
  - ``ratings``: one row per candidate whose mean rating on ``kto_dimension`` (over the annotators who rated
    it; at least ``min_annotations`` of them) is >= ``kto_desirable_min`` (true) or <= ``kto_undesirable_max``
    (false); candidates in between (``between_thresholds``), unrated (``no_ratings``) or rated by too few
    (``too_few_annotations``) are left out and counted per candidate. ``confidence`` is the share of its raters
    on the label's side of the threshold; ``consensus`` is ``mean_rating``.

  Either way, a completion the same as one already kept for the item is left out (``identical_outputs``), and
  so is an empty one, an agent that returned nothing (``empty_output``, counted per candidate).
  The manifest reports the class balance and the ``desirable_weight`` that balances it.
- ``openai-dpo``: the DPO rows as ``{"input": {"messages"}, "preferred_output", "non_preferred_output"}``.
  OpenAI takes only system, user and assistant messages and one assistant message per output, so a tool
  result is written into the assistant turn it belongs to as a ``Tool (NAME): ...`` paragraph and a
  tool-using answer becomes one assistant message (its standard-form text).
"""

from typing import Any

import pandas as pd

from feedback.export.options import ExportInputs, ExportOptions
from feedback.export.ratings import rating_summary
from feedback.export.rows import (
    ROLES,
    _bad,
    _messages,
    _same,
    build_rows,
    completion_value,
    count_reasons,
    group_candidates,
    missing,
    prompt_value,
    route,
)
from feedback.projects.items import said_nothing
from feedback.store.reads import records

KTO_REASONS = ("no_annotations", "single_candidate", "too_few_annotations", "tie", "split", "identical_outputs",
               "empty_output", "ranked_middle", "no_ratings", "between_thresholds")


def _has_messages(messages: Any) -> bool:
    return isinstance(messages, list) and bool(messages)


def vote_shares(annotations: pd.DataFrame) -> dict[tuple[str, str], int]:
    """(external item id, preference) -> number of annotators who gave it."""
    given = annotations[annotations["preference"].notna()]
    return {(str(k[0]), str(k[1])): int(v) for k, v in given.groupby(["external_id", "preference"]).size().items()}


def pair_rows(data: ExportInputs, options: ExportOptions, *, form: str) -> tuple[list, list, dict[str, int]]:
    """The DPO rows of ``data`` in ``form``, one ``{"chosen", "rejected", "vote_margin"}`` entry per row, and
    the exclusion counts (preference and ranking pairs; ``feedback.export_rows.build_rows``). Not checked here:
    ``build_export`` checks the finished rows of every format once."""
    keys: list[dict[str, Any]] = []
    rows, excluded = build_rows(data.items, data.candidates, data.consensus, form=form,
                                min_annotations=options.min_annotations, pair_keys=keys, ranked=data.ranked,
                                ranking_pairs=options.ranking_pairs, check=False)
    return rows, keys, excluded


def rm_rows(data: ExportInputs, options: ExportOptions) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Reward-modelling rows (implicit prompt, ``margin`` unless ``options.margin`` is "none") and the DPO
    exclusion counts (plus ``no_margin_ratings`` with ratings margins)."""
    form = options.form
    pairs, keys, excluded = pair_rows(data, options, form=form)
    plain = {str(e): not _has_messages(m) for e, m in zip(data.items["external_id"], data.items["messages"])}
    internal = dict(zip(data.items["external_id"].astype(str), data.items["item_id"]))
    counts = vote_shares(data.annotations) if options.margin == "votes" else {}
    ratings, width = {}, 1.0
    if options.margin == "ratings":
        ratings = rating_summary(data.annotations, options.margin_dimension)
        low, high = data.scales[options.margin_dimension]
        width = float(high - low)
        excluded["no_margin_ratings"] = 0
    rows = []
    for pair, key in zip(pairs, keys, strict=True):
        row = dict(pair)
        prompt = row.pop("prompt")
        ext = row["item_id"]
        for side in ("chosen", "rejected"):
            if form == "conversational":
                row[side] = prompt + row[side]
            else:
                row[side] = prompt + ("\n\n" if plain[ext] else "") + row[side]
        if options.margin == "votes":
            if key["vote_margin"] is not None:
                row["margin"] = float(key["vote_margin"])
            else:
                gap = (counts.get((ext, key["chosen"]), 0) - counts.get((ext, key["rejected"]), 0))
                row["margin"] = float(max(0.0, gap / row["num_annotators"]))
        elif options.margin == "ratings":
            chosen = ratings.get((internal[ext], key["chosen"]))
            rejected = ratings.get((internal[ext], key["rejected"]))
            if chosen is None or rejected is None:
                excluded["no_margin_ratings"] += 1
                continue
            row["margin"] = float(min(1.0, max(0.0, (chosen["mean"] - rejected["mean"]) / width)))
        rows.append(row)
    return rows, excluded


def openai_dpo_rows(data: ExportInputs, options: ExportOptions,
                    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, int]]:
    """OpenAI preference rows, the provenance of each row (for the manifest) and the DPO exclusion counts."""
    pairs, keys, excluded = pair_rows(data, options, form="conversational")
    by_ext = {str(r["external_id"]): r for r in records(data.items)}
    ext_of = dict(zip(data.items["item_id"], data.items["external_id"].astype(str)))
    cands = {(ext_of[i], str(k)): c for i, k, c in zip(data.candidates["item_id"], data.candidates["key"],
                                                       records(data.candidates))}
    rows, provenance = [], []
    for pair, key in zip(pairs, keys, strict=True):
        ext = pair["item_id"]
        item = by_ext[ext]
        chosen, rejected = cands[(ext, key["chosen"])], cands[(ext, key["rejected"])]
        preferred = openai_answer(chosen["output"], chosen["messages"], item=ext, field="preferred_output")
        other = openai_answer(rejected["output"], rejected["messages"], item=ext, field="non_preferred_output")
        if _same(preferred, other):   # different as messages, the same once rendered as one text
            excluded["identical_outputs"] += 1
            continue
        rows.append({"input": {"messages": openai_prompt(item["prompt"], item["messages"], item=ext)},
                     "preferred_output": preferred, "non_preferred_output": other})
        provenance.append({k: v for k, v in pair.items() if k not in ("prompt", "chosen", "rejected")})
    return rows, provenance, excluded


def _kto_row(item: dict, prompt: Any, completion: Any, cand: dict, label: bool, *, n: int, method: str,
             confidence: float, adjudicated: bool) -> dict[str, Any]:
    return {"prompt": prompt, "completion": completion, "label": label,
            "model": "" if missing(cand["model"]) else str(cand["model"]), "item_id": str(item["external_id"]),
            "num_annotators": n, "consensus": method, "confidence": confidence, "adjudicated": adjudicated}


def _labelled(item: dict, group: list[dict], labels: list[tuple[dict, bool, dict]], rows: list, *, form: str,
              excluded: dict[str, int]) -> None:
    """Append the KTO rows of ``labels`` ((candidate, label, provenance) in order), skipping empty and repeated
    answers."""
    ext = str(item["external_id"])
    after_label = form == "standard" and _has_messages(item["messages"])
    prompt = prompt_value(item["prompt"], item["messages"], form=form, item=ext)
    kept: list[Any] = []
    for cand, label, how in labels:
        if said_nothing(cand["output"], cand["messages"]):
            excluded["empty_output"] += 1
            continue
        completion = completion_value(cand["output"], cand["messages"], form=form, item=ext,
                                      field=f"completion (candidate {cand['key']!r})", after_label=after_label)
        if any(_same(completion, other) for other in kept):
            excluded["identical_outputs"] += 1
            continue
        kept.append(completion)
        rows.append(_kto_row(item, prompt, completion, cand, label, **how))


def kto_rows(data: ExportInputs, options: ExportOptions) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Unpaired rows (``prompt``, ``completion``, ``label``) and what was left out per reason (``KTO_REASONS``)."""
    if options.kto_source == "ratings":
        return _kto_from_ratings(data, options)
    decided, on_ranking, reason = route(data.items, data.candidates, data.consensus, data.ranked,
                                        min_annotations=options.min_annotations, min_candidates=1,
                                        outcomes=("clear", "both_bad"))
    excluded = count_reasons(reason, KTO_REASONS)
    groups = group_candidates(data.candidates)
    rows: list[dict[str, Any]] = []
    for item, ranking in zip(records(decided[reason == ""]), on_ranking[reason == ""]):
        group = groups.get(item["item_id"], [])
        ext = str(item["external_id"])
        if ranking:
            ranked = data.ranked[item["item_id"]]
            if len(ranked.levels) < 2:
                excluded["tie"] += 1
                continue
            by_key = {str(c["key"]): c for c in group}
            how = {"n": ranked.n_annotators, "method": "mean_rank", "adjudicated": ranked.adjudicated}
            top, bottom = ranked.levels[0], ranked.levels[-1]
            excluded["ranked_middle"] += sum(len(level) for level in ranked.levels[1:-1])
            labels = [(by_key[k], True, how | {"confidence": _level_share(ranked, k, bottom)}) for k in top] + \
                     [(by_key[k], False, how | {"confidence": _level_share(ranked, k, top, below=True)})
                      for k in bottom]
        else:
            winner = item["label"] if item["outcome"] == "clear" else None
            if winner is not None and not any(c["key"] == winner for c in group):
                raise _bad(ext, "preference", f"the consensus choice {winner!r} is not one of its candidates")
            how = {"n": int(item["n_annotators"]), "method": str(item["method"]),
                   "confidence": float(item["confidence"]), "adjudicated": bool(item["adjudicated"])}
            ordered = sorted(group, key=lambda c: c["key"] != winner)  # the winner first, then position order
            labels = [(cand, cand["key"] == winner, how) for cand in ordered]
        _labelled(item, group, labels, rows, form=options.form, excluded=excluded)
    return rows, excluded


def _level_share(ranked: Any, key: str, others: tuple[str, ...], *, below: bool = False) -> float:
    """Confidence of a ranked KTO label: 1 when adjudicated, else the share of ranking annotators who put
    ``key`` above (``below``: below) every candidate of ``others``, averaged over ``others``."""
    if ranked.adjudicated:
        return 1.0
    shares = [ranked.share(o, key) if below else ranked.share(key, o) for o in others]
    return float(sum(shares) / len(shares))


def _kto_from_ratings(data: ExportInputs, options: ExportOptions) -> tuple[list[dict[str, Any]], dict[str, int]]:
    high, low = options.kto_desirable_min, options.kto_undesirable_max
    summary = rating_summary(data.annotations, options.kto_dimension, high=high, low=low)
    excluded = dict.fromkeys(KTO_REASONS, 0)
    groups = group_candidates(data.candidates)
    rows: list[dict[str, Any]] = []
    for item in records(data.items.sort_values(["position", "item_id"], kind="mergesort")):
        labels = []
        for cand in groups.get(item["item_id"], []):
            rated = summary.get((item["item_id"], str(cand["key"])))
            if rated is None:
                excluded["no_ratings"] += 1
                continue
            n = int(rated["n"])
            if n < options.min_annotations:
                excluded["too_few_annotations"] += 1
            elif rated["mean"] >= high:
                labels.append((cand, True, {"n": n, "method": "mean_rating", "adjudicated": False,
                                            "confidence": float(rated["n_high"] / n)}))
            elif rated["mean"] <= low:
                labels.append((cand, False, {"n": n, "method": "mean_rating", "adjudicated": False,
                                             "confidence": float(rated["n_low"] / n)}))
            else:
                excluded["between_thresholds"] += 1
        if labels:
            _labelled(item, groups[item["item_id"]], labels, rows, form=options.form, excluded=excluded)
    return rows, excluded


def kto_balance(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Class balance of KTO rows and the ``desirable_weight`` (with ``undesirable_weight`` 1) that balances it."""
    desirable = sum(1 for r in rows if r["label"])
    undesirable = len(rows) - desirable
    weight = round(undesirable / desirable, 4) if desirable and undesirable else None
    return {"desirable": desirable, "undesirable": undesirable, "desirable_weight": weight,
            "undesirable_weight": 1.0,
            "rule": "desirable_weight = undesirable / desirable, so that desirable_weight * desirable equals "
                    "undesirable_weight * undesirable (TRL recommends a ratio between 1 and 4/3)"}


def openai_prompt(prompt: Any, messages: Any, *, item: str) -> list[dict[str, str]]:
    """The item's prompt as OpenAI input messages: tool results folded into the assistant turn before them."""
    if not _has_messages(messages):
        return prompt_value(prompt, messages, form="conversational", item=item)
    out: list[dict[str, str]] = []
    for role, content, name in _messages(messages, item=item, field="prompt", roles=ROLES):
        if role == "tool":
            text = f"Tool ({name}): {content.strip()}" if name else f"Tool: {content.strip()}"
            if out and out[-1]["role"] == "assistant":
                out[-1] = {"role": "assistant", "content": out[-1]["content"] + "\n\n" + text}
            else:
                out.append({"role": "assistant", "content": text})
        else:
            out.append({"role": role, "content": content})
    return out


def openai_answer(output: Any, messages: Any, *, item: str, field: str) -> list[dict[str, Any]]:
    """One assistant message: the answer's standard-form text (tool calls and results as paragraphs)."""
    text = completion_value(output, messages, form="standard", item=item, field=field, after_label=False)
    return [{"role": "assistant", "content": text}]
