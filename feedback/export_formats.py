"""Rows of the reward-modelling (``rm``), unpaired (``kto``) and OpenAI preference (``openai-dpo``) formats.

Pure: no database. Rendering of prompts and answers is ``feedback.export_rows``'s; the checks are
``feedback.export_schemas``'.

- ``rm``: the DPO rows with the prompt folded into both answers (TRL's implicit prompt). Standard form: a
  conversation item's transcript already ends with ``Assistant:`` and the answer follows it; a plain prompt
  and its answer are joined by a blank line. Conversational form: the prompt messages followed by the answer
  messages. ``margin`` = the share of the item's preference votes for chosen minus the share for rejected,
  floored at 0 (a reviewer or Dawid-Skene can choose the answer with fewer votes).
- ``kto``: one row per candidate of each decided item: the consensus winner ``label`` true, every other
  candidate false; when *both bad* wins, every candidate false. Ties and splits give no rows. A loser whose
  answer is the same as the winner's (or a both-bad candidate the same as an earlier one) is left out.
- ``openai-dpo``: the DPO rows as ``{"input": {"messages"}, "preferred_output", "non_preferred_output"}``.
  OpenAI takes only system, user and assistant messages and one assistant message per output, so a tool
  result is written into the assistant turn it belongs to as a ``Tool (NAME): ...`` paragraph and a
  tool-using answer becomes one assistant message (its standard-form text).
"""

from typing import Any

import numpy as np
import pandas as pd

from feedback.export_rows import (
    ROLES,
    _as_consensus,
    _bad,
    _messages,
    _same,
    build_rows,
    completion_value,
    missing,
    prompt_value,
)

KTO_REASONS = ("no_annotations", "too_few_annotations", "tie", "split", "identical_outputs")


def decided_items(items: pd.DataFrame, consensus: pd.DataFrame) -> pd.DataFrame:
    """Items in position order with their consensus columns (NaN where the item has none)."""
    order = items.sort_values(["position", "item_id"], kind="mergesort")
    return order.merge(_as_consensus(consensus), on="item_id", how="left", validate="one_to_one")


def candidates_by_item(candidates: pd.DataFrame) -> dict[Any, list[dict[str, Any]]]:
    by_item: dict[Any, list[dict[str, Any]]] = {}
    for cand in candidates.sort_values(["item_id", "position", "key"], kind="mergesort").to_dict("records"):
        by_item.setdefault(cand["item_id"], []).append(cand)
    return by_item


def _has_messages(messages: Any) -> bool:
    return isinstance(messages, list) and bool(messages)


def vote_shares(annotations: pd.DataFrame) -> dict[tuple[str, str], int]:
    """(external item id, preference) -> number of annotators who gave it."""
    given = annotations[annotations["preference"].notna()]
    return {(str(k[0]), str(k[1])): int(v) for k, v in given.groupby(["external_id", "preference"]).size().items()}


def rm_rows(items: pd.DataFrame, candidates: pd.DataFrame, consensus: pd.DataFrame, annotations: pd.DataFrame,
            *, form: str, min_annotations: int) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Reward-modelling rows (implicit prompt, ``margin``) and the DPO exclusion counts."""
    keys: list[tuple[str, str]] = []
    pairs, excluded = build_rows(items, candidates, consensus, form=form, min_annotations=min_annotations,
                                 pair_keys=keys)
    plain = {str(e): not _has_messages(m) for e, m in zip(items["external_id"], items["messages"])}
    counts = vote_shares(annotations)
    rows = []
    for pair, (chosen_key, rejected_key) in zip(pairs, keys, strict=True):
        row = dict(pair)
        prompt = row.pop("prompt")
        ext = row["item_id"]
        for side in ("chosen", "rejected"):
            if form == "conversational":
                row[side] = prompt + row[side]
            else:
                row[side] = prompt + ("\n\n" if plain[ext] else "") + row[side]
        n = row["num_annotators"]
        gap = (counts.get((ext, chosen_key), 0) - counts.get((ext, rejected_key), 0)) / n
        row["margin"] = float(max(0.0, gap))
        rows.append(row)
    return rows, excluded


def openai_dpo_rows(items: pd.DataFrame, candidates: pd.DataFrame, consensus: pd.DataFrame, *,
                    min_annotations: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, int]]:
    """OpenAI preference rows, the provenance of each row (for the manifest) and the DPO exclusion counts."""
    keys: list[tuple[str, str]] = []
    pairs, excluded = build_rows(items, candidates, consensus, form="conversational",
                                 min_annotations=min_annotations, pair_keys=keys)
    by_ext = {str(r["external_id"]): r for r in items.to_dict("records")}
    cands = {(str(by_ext_id), str(k)): c for by_ext_id, k, c in zip(
        candidates["item_id"].map(items.set_index("item_id")["external_id"]), candidates["key"],
        candidates.to_dict("records"))}
    rows, provenance = [], []
    for pair, (chosen_key, rejected_key) in zip(pairs, keys, strict=True):
        ext = pair["item_id"]
        item = by_ext[ext]
        chosen, rejected = cands[(ext, chosen_key)], cands[(ext, rejected_key)]
        preferred = openai_answer(chosen["output"], chosen["messages"], item=ext, field="preferred_output")
        other = openai_answer(rejected["output"], rejected["messages"], item=ext, field="non_preferred_output")
        if _same(preferred, other):   # different as messages, the same once rendered as one text
            excluded["identical_outputs"] += 1
            continue
        rows.append({"input": {"messages": openai_prompt(item["prompt"], item["messages"], item=ext)},
                     "preferred_output": preferred, "non_preferred_output": other})
        provenance.append({k: v for k, v in pair.items() if k not in ("prompt", "chosen", "rejected")})
    return rows, provenance, excluded


def kto_rows(items: pd.DataFrame, candidates: pd.DataFrame, consensus: pd.DataFrame, *, form: str,
             min_annotations: int) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Unpaired rows (``prompt``, ``completion``, ``label``) and the number of items left out per reason."""
    decided = decided_items(items, consensus)
    n_annotators = decided["n_annotators"].fillna(0).to_numpy()
    outcome = decided["outcome"].astype(object).to_numpy()
    reason = np.select([n_annotators == 0, n_annotators < min_annotations,
                        (outcome != "clear") & (outcome != "both_bad")],
                       ["no_annotations", "too_few_annotations", outcome], default="")
    excluded = dict.fromkeys(KTO_REASONS, 0)
    excluded.update({str(k): int(v) for k, v in pd.Series(reason[reason != ""]).value_counts().items()})
    groups = candidates_by_item(candidates)
    rows: list[dict[str, Any]] = []
    for item in decided[reason == ""].to_dict("records"):
        ext = str(item["external_id"])
        after_label = form == "standard" and _has_messages(item["messages"])
        prompt = prompt_value(item["prompt"], item["messages"], form=form, item=ext)
        group = groups.get(item["item_id"], [])
        winner = item["label"] if item["outcome"] == "clear" else None
        if winner is not None and not any(c["key"] == winner for c in group):
            raise _bad(ext, "preference", f"the consensus choice {winner!r} is not one of its candidates")
        kept: list[Any] = []
        ordered = sorted(group, key=lambda c: c["key"] != winner)  # the winner first, then position order
        for cand in ordered:
            completion = completion_value(cand["output"], cand["messages"], form=form, item=ext,
                                          field=f"completion (candidate {cand['key']!r})", after_label=after_label)
            if any(_same(completion, other) for other in kept):
                excluded["identical_outputs"] += 1
                continue
            kept.append(completion)
            rows.append({
                "prompt": prompt, "completion": completion, "label": cand["key"] == winner,
                "model": "" if missing(cand["model"]) else str(cand["model"]), "item_id": ext,
                "num_annotators": int(item["n_annotators"]), "consensus": str(item["method"]),
                "confidence": float(item["confidence"]), "adjudicated": bool(item["adjudicated"]),
            })
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
