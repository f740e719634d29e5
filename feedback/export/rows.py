"""Rows of a preference dataset in TRL's explicit-prompt format, and their checks. Pure: no database.

A row is ``{"prompt", "chosen", "rejected"}`` plus flat provenance columns. In the *conversational*
form the three are lists of ``{"role", "content"}`` messages; in the *standard* form they are text.

Provenance columns: ``item_id`` (the item's id in the imported file), ``num_annotators`` (annotators who gave
a preference; for a pair from a ranking, who ranked the item), ``majority_share`` (the share of them who chose
the row's ``chosen``: above 0.5 under majority consensus; it can be lower when Dawid-Skene or a reviewer decided;
for a ranking pair, the share who ranked chosen above rejected), ``chosen_model``, ``rejected_model``,
``metadata`` (the item's metadata as JSON text), ``consensus`` (the project's method, ``majority`` or
``dawid_skene``; ``mean_rank`` for pairs from rankings, see ``feedback.export.rankings``), ``confidence``
(majority: the share of votes; Dawid-Skene: the posterior probability of the chosen answer; a ranking pair: its
share; adjudicated: 1.0) and ``adjudicated`` (true when a reviewer's final answer chose it).

Rendering of prompts and answers (standard text or conversational messages): ``feedback.export.render``.
"""

import json
from typing import Any

import numpy as np
import pandas as pd

from feedback.errors import ExportError
from feedback.export.names import FORMS
from feedback.export.render import (  # noqa: F401 (re-exported: the names other modules import from here)
    COMPLETION_ROLES,
    LABELS,
    ROLES,
    _bad,
    _check_message,
    _check_text,
    _message,
    _messages,
    _same,
    completion_value,
    missing,
    prompt_value,
    tool_call_text,
)
from feedback.projects.items import said_nothing
from feedback.store.reads import records

TRAINING_COLUMNS = ("prompt", "chosen", "rejected")
COLUMNS = ("prompt", "chosen", "rejected", "item_id", "num_annotators", "majority_share",
           "chosen_model", "rejected_model", "metadata", "consensus", "confidence", "adjudicated")
CONSENSUS_METHODS = ("majority", "dawid_skene", "mean_rank", "mean_rating")
# Why an item gave no row. "identical_outputs", "empty_output" (a side is an agent's empty answer) and "tied_ranks"
# count pairs (rankings: feedback.export.rankings).
REASONS = ("no_annotations", "single_candidate", "too_few_annotations", "tie", "both_bad", "split",
           "identical_outputs", "empty_output", "tied_ranks")


def _as_consensus(frame: pd.DataFrame) -> pd.DataFrame:
    """A ``majority_preference`` frame in the shape of ``consensus.final_consensus`` (older callers)."""
    if "label" in frame.columns:
        return frame
    return frame.rename(columns={"winner": "label"}).assign(confidence=frame["share"], method="majority",
                                                            adjudicated=False)


def route(items: pd.DataFrame, candidates: pd.DataFrame, consensus: pd.DataFrame, ranked: dict | None, *,
          min_annotations: int, min_candidates: int = 2, outcomes: tuple[str, ...] = ("clear",),
          ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Items in position order with their consensus columns, whether each takes the ranking path (no preference
    vote, a consensus ranking), and why each gives no row ("" where it gives rows). With ``ranked`` None no item
    takes the ranking path. The annotator count checked against ``min_annotations`` is the path's: preference
    votes, or rankings. ``min_candidates``, ``outcomes``: what a preference item needs to give rows."""
    order = items.sort_values(["position", "item_id"], kind="mergesort")
    decided = order.merge(_as_consensus(consensus), on="item_id", how="left", validate="one_to_one")
    n_candidates = decided["item_id"].map(candidates.groupby("item_id").size()).fillna(0).to_numpy()
    n_votes = decided["n_annotators"].fillna(0).to_numpy()
    rankers = decided["item_id"].map({i: r.n_annotators for i, r in (ranked or {}).items()})
    on_ranking = (n_votes == 0) & rankers.notna().to_numpy()
    n_annotators = np.where(on_ranking, rankers.fillna(0).to_numpy(), n_votes)
    outcome = decided["outcome"].astype(object).to_numpy()
    reason = np.select(
        [n_candidates < min_candidates, n_annotators == 0, n_annotators < min_annotations,
         ~on_ranking & ~np.isin(outcome, outcomes)],
        ["single_candidate", "no_annotations", "too_few_annotations", outcome], default="",
    )
    return decided, on_ranking, reason


def count_reasons(reason: np.ndarray, names: tuple[str, ...]) -> dict[str, int]:
    excluded = dict.fromkeys(names, 0)
    excluded.update({str(k): int(v) for k, v in pd.Series(reason[reason != ""]).value_counts().items()})
    return excluded


def build_rows(items: pd.DataFrame, candidates: pd.DataFrame, consensus: pd.DataFrame, *, form: str,
               min_annotations: int = 1, pair_keys: list[dict[str, Any]] | None = None,
               ranked: dict | None = None, ranking_pairs: str = "all", check: bool = True,
               ) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """DPO rows (explicit prompt) and the number of items left out per reason (``REASONS``).

    ``items``, ``candidates``: the loaders' frames (``feedback.labeling.loaders``); ``consensus``: the output of
    ``feedback.consensus.methods.final_consensus`` (``item_id``, ``label``, ``confidence``, ``method``,
    ``adjudicated``, ``n_annotators``, ``share``, ``outcome``; a ``majority_preference`` frame is read as
    majority consensus). One row per item whose outcome is "clear" with at least ``min_annotations``
    annotators' preferences: chosen is the consensus label (a reviewer's adjudicated answer when there is
    one), rejected the other candidate; with three or more candidates, one row per other candidate in
    position order. A pair one of whose answers is empty (``said_nothing``) gives no row (``empty_output``). ``ranked``: item id -> ``feedback.export_rankings.RankedItem``; an item with no preference
    vote and a consensus ranking gives the pairs ``ranking_pairs`` picks instead (see that module). Rows come
    in item position order. Raises ``ExportError`` naming the item and field for any row that would be
    malformed (``check`` False: the caller checks the finished rows, as ``build_export`` does). ``pair_keys``: if given, one entry per row is appended to it: ``{"chosen", "rejected"}`` (the
    candidate keys) and ``vote_margin`` (rankings: see ``feedback.export.rankings``; None for preference rows).
    """
    from feedback.export.rankings import ranking_pairs as pairs_of

    if form not in FORMS:
        raise ExportError(f"Unknown form {form!r} (choose {' or '.join(FORMS)})")
    decided, on_ranking, reason = route(items, candidates, consensus, ranked, min_annotations=min_annotations)
    excluded = count_reasons(reason, REASONS)
    by_item = group_candidates(candidates)
    rows: list[dict[str, Any]] = []
    metadata: dict[int, str] = {}
    for item, ranking in zip(_row_items(decided[reason == ""]), on_ranking[reason == ""]):
        group = by_item[item["item_id"]]
        item["metadata"] = _metadata_text(item["meta"], metadata)
        if ranking:
            rank = ranked[item["item_id"]]
            pairs, tied = pairs_of(rank, ranking_pairs)
            excluded["tied_ranks"] += tied
            _ranked_rows(rows, item, group, rank, pairs, form=form, excluded=excluded, pair_keys=pair_keys)
        else:
            _item_rows(rows, item, group, form=form, excluded=excluded, pair_keys=pair_keys)
    if check:
        validate_rows(rows, form=form)
    return rows, excluded


# The item columns a row reads (``_item_rows``, ``_ranked_rows``, ``_pair_row``): records of only these
ROW_ITEM_COLUMNS = ["item_id", "external_id", "prompt", "messages", "meta", "label", "method", "adjudicated",
                    "n_annotators", "share", "confidence"]


def _row_items(decided: pd.DataFrame) -> list[dict[str, Any]]:
    """The items that give rows as records of ``ROW_ITEM_COLUMNS``. Written out rather than ``records``: a dict
    display builds each record in one step, where ``dict(zip(names, row))`` took 0.3 s for 100k items."""
    if not set(ROW_ITEM_COLUMNS) <= set(decided.columns):
        return records(decided)
    return [{"item_id": item_id, "external_id": ext, "prompt": prompt, "messages": messages, "meta": meta,
             "label": label, "method": method, "adjudicated": adjudicated, "n_annotators": n, "share": share,
             "confidence": confidence}
            for item_id, ext, prompt, messages, meta, label, method, adjudicated, n, share, confidence
            in zip(*(decided[name].tolist() for name in ROW_ITEM_COLUMNS))]


def _metadata_text(meta: Any, memo: dict[int, str]) -> str:
    """The item's metadata as the ``metadata`` cell: JSON text, keys sorted. Items share one metadata object per
    distinct stored text (``feedback.labeling.loaders.decoded``), so each object is encoded once (``memo``, by
    object id: the objects live as long as the frame that holds them)."""
    if not isinstance(meta, dict):
        return "{}"
    text = memo.get(id(meta))
    if text is None:
        text = memo[id(meta)] = json.dumps(meta, ensure_ascii=False, sort_keys=True, default=str)
    return text


def _in_order(candidates: pd.DataFrame) -> bool:
    """Whether the candidates are already by item, then position (each position once per item), as the loader
    reads them: then sorting them (a copy of every answer's text) changes nothing."""
    ids, pos = candidates["item_id"].to_numpy(), candidates["position"].to_numpy()
    if ids.dtype.kind not in "iu" or pos.dtype.kind not in "iu":
        return False
    return bool(np.all((ids[1:] > ids[:-1]) | ((ids[1:] == ids[:-1]) & (pos[1:] > pos[:-1]))))


def group_candidates(candidates: pd.DataFrame) -> dict[Any, list[dict[str, Any]]]:
    """Item id -> its candidates as records, in position order."""
    by_item: dict[Any, list[dict[str, Any]]] = {}
    ordered = candidates if _in_order(candidates) else \
        candidates.sort_values(["item_id", "position", "key"], kind="mergesort")
    for cand in records(ordered):
        by_item.setdefault(cand["item_id"], []).append(cand)
    return by_item


def _pair_row(item: dict[str, Any], prompt: Any, chosen: Any, rejected: Any, best: dict, other: dict, *,
              n: int, share: float, method: str, confidence: float, adjudicated: bool) -> dict[str, Any]:
    metadata = item.get("metadata")
    if metadata is None:
        metadata = _metadata_text(item["meta"], {})
    return {
        "prompt": prompt, "chosen": chosen, "rejected": rejected, "item_id": str(item["external_id"]),
        "num_annotators": n, "majority_share": share,
        "chosen_model": _text(best["model"]), "rejected_model": _text(other["model"]),
        "metadata": metadata,
        "consensus": method, "confidence": confidence, "adjudicated": adjudicated,
    }


def _item_rows(rows: list, item: dict[str, Any], group: list[dict[str, Any]], *, form: str,
               excluded: dict[str, int], pair_keys: list | None = None) -> None:
    """Append the item's rows; count the pairs left out because both sides are the same (``identical_outputs``)
    or one is empty (``empty_output``) in ``excluded``."""
    ext = str(item["external_id"])
    winner = item["label"]
    best = next((c for c in group if c["key"] == winner), None)
    if best is None:
        keys = ", ".join(str(c["key"]) for c in group)
        rule = "majority" if item["method"] == "majority" and not item["adjudicated"] else "consensus"
        raise _bad(ext, "preference", f"the {rule} choice {winner!r} is not one of its candidates ({keys})")
    messages = item["messages"]
    prompt = prompt_value(item["prompt"], messages, form=form, item=ext)
    after_label = form == "standard" and isinstance(messages, list) and bool(messages)
    silent = said_nothing(best["output"], best["messages"])
    chosen = None if silent else completion_value(best["output"], best["messages"], form=form, item=ext,
                                                  field="chosen", after_label=after_label)
    for other in group:
        if other is best:
            continue
        if silent or said_nothing(other["output"], other["messages"]):
            excluded["empty_output"] += 1
            continue
        rejected = completion_value(other["output"], other["messages"], form=form, item=ext,
                                    field=f"rejected (candidate {other['key']!r})", after_label=after_label)
        if _same(chosen, rejected):
            excluded["identical_outputs"] += 1
            continue
        rows.append(_pair_row(item, prompt, chosen, rejected, best, other, n=int(item["n_annotators"]),
                              share=float(item["share"]), method=str(item["method"]),
                              confidence=float(item["confidence"]), adjudicated=bool(item["adjudicated"])))
        if pair_keys is not None:
            pair_keys.append({"chosen": str(best["key"]), "rejected": str(other["key"]), "vote_margin": None})


def _ranked_rows(rows: list, item: dict[str, Any], group: list[dict[str, Any]], ranked: Any,
                 pairs: list[tuple[str, str]], *, form: str, excluded: dict[str, int],
                 pair_keys: list | None = None) -> None:
    """Append the rows of a ranked item's pairs; count the pairs left out because both sides are the same
    (``identical_outputs``) or one is empty (``empty_output``) in ``excluded``."""
    ext = str(item["external_id"])
    by_key = {str(c["key"]): c for c in group}
    messages = item["messages"]
    prompt = prompt_value(item["prompt"], messages, form=form, item=ext) if pairs else None
    after_label = form == "standard" and isinstance(messages, list) and bool(messages)
    answers: dict[str, Any] = {}

    def answer(key: str, field: str) -> Any:
        if key not in answers:
            cand = by_key[key]
            answers[key] = completion_value(cand["output"], cand["messages"], form=form, item=ext,
                                            field=f"{field} (candidate {key!r})", after_label=after_label)
        return answers[key]

    for x, y in pairs:
        if any(said_nothing(by_key[k]["output"], by_key[k]["messages"]) for k in (x, y)):
            excluded["empty_output"] += 1
            continue
        chosen, rejected = answer(x, "chosen"), answer(y, "rejected")
        if _same(chosen, rejected):
            excluded["identical_outputs"] += 1
            continue
        share = ranked.share(x, y)
        rows.append(_pair_row(item, prompt, chosen, rejected, by_key[x], by_key[y], n=ranked.n_annotators,
                              share=share, method="mean_rank", confidence=1.0 if ranked.adjudicated else share,
                              adjudicated=ranked.adjudicated))
        if pair_keys is not None:
            pair_keys.append({"chosen": x, "rejected": y, "vote_margin": ranked.vote_margin(x, y)})


def _text(value: Any) -> str:
    return "" if missing(value) else str(value)


def validate_rows(rows: list[dict[str, Any]], *, form: str, extra: tuple[str, ...] = ()) -> None:
    """Check every row before it is written; ``ExportError`` names the first bad item and field.

    Every row has exactly ``COLUMNS`` (plus ``extra``, checked by the caller); prompt, chosen and rejected are non-empty text (standard) or
    non-empty lists of ``{role, content}`` messages with a known role and non-empty text content
    (conversational; chosen and rejected only assistant and tool messages), in the same form for
    every row; chosen differs from rejected; the provenance columns have their types.
    """
    if form not in FORMS:
        raise ExportError(f"Unknown form {form!r} (choose {' or '.join(FORMS)})")
    for n, row in enumerate(rows, 1):
        item = str(row.get("item_id")) if isinstance(row, dict) else f"row {n}"
        if not isinstance(row, dict) or set(row) != set(COLUMNS) | set(extra):
            raise _bad(item, "columns", f"a row must have exactly the columns {', '.join(COLUMNS + extra)}")
        for field in TRAINING_COLUMNS:
            value = row[field]
            if form == "standard":
                if isinstance(value, list):
                    raise _bad(item, field, "a message list in a standard-form export (every row must use one form)")
                _check_text(value, item=item, field=field)
                continue
            if not isinstance(value, list):
                raise _bad(item, field, "text in a conversational export (every row must use one form)")
            if not value:
                raise _bad(item, field, "empty message list")
            roles = ROLES if field == "prompt" else COMPLETION_ROLES
            for k, msg in enumerate(value, 1):
                _check_message(msg, item=item, field=f"{field} message {k}", roles=roles)
        if _same(row["chosen"], row["rejected"]):
            raise _bad(item, "chosen", "the same as rejected")
        _check_text(row["item_id"], item=item, field="item_id")
        for field in ("chosen_model", "rejected_model"):
            _check_text(row[field], item=item, field=field, allow_empty=True)
        _check_text(row["metadata"], item=item, field="metadata")
        if type(row["num_annotators"]) is not int or row["num_annotators"] < 1:
            raise _bad(item, "num_annotators", f"must be a positive integer, not {row['num_annotators']!r}")
        if row["consensus"] not in CONSENSUS_METHODS:
            raise _bad(item, "consensus", f"must be one of {', '.join(CONSENSUS_METHODS)}, not {row['consensus']!r}")
        if type(row["adjudicated"]) is not bool:
            raise _bad(item, "adjudicated", f"must be true or false, not {row['adjudicated']!r}")
        share = row["majority_share"]
        if row["consensus"] == "majority" and not row["adjudicated"]:
            if type(share) is not float or not 0.5 < share <= 1.0:
                raise _bad(item, "majority_share", f"must be a float above 0.5 and at most 1, not {share!r}")
        elif type(share) is not float or not 0.0 <= share <= 1.0:
            raise _bad(item, "majority_share", f"must be a float from 0 to 1, not {share!r}")
        confidence = row["confidence"]
        if type(confidence) is not float or not 0.0 < confidence <= 1.0:
            raise _bad(item, "confidence", f"must be a float above 0 and at most 1, not {confidence!r}")
