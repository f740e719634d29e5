"""A project's annotations as the long answers (unit, annotator, value[, item]) of each agreement question.

Annotators and items are categorical columns whose categories are their names in sorted order (``Names``), so
``code_answers`` numbers them through integer codes exactly as it would number the names, and no name is
copied per answer: at 300k annotations the rubric questions alone have 1.8M answers, and building them with a
name per answer, then hashing and sorting those names, took 3.9 s of the report; through codes it takes a
fraction of that (measured figures in ``bench/bench_team.py``'s notes).

Units item x candidate are integers numbered in the order of their names ``item/key`` (``unit_codes``): the
bootstrap then draws the same items as when units were named so, and every interval stays the same.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from feedback.agreement.alpha import first_rows, renumbered
from feedback.projects.schema import BOTH_BAD, TIE


@dataclass
class Names:
    """Per annotation: its annotator and its item's external id, as categoricals over the sorted names."""

    annotator: pd.Categorical
    item: pd.Categorical

    @classmethod
    def of(cls, ann: pd.DataFrame) -> "Names":
        return cls(_sorted_categorical(ann["annotator"]), _sorted_categorical(ann["external_id"]))


def _sorted_categorical(column: pd.Series) -> pd.Categorical:
    codes, uniques = pd.factorize(column, sort=True)
    return pd.Categorical.from_codes(codes, categories=pd.Index(uniques))


def _identity_codes(values: list) -> tuple[np.ndarray, list]:
    """Per value: the index of its object among the distinct objects (by identity), and those objects in the
    order they first appear. The loaders decode each distinct JSON text once and share the object, so a team's
    300k rubric answers are a few thousand objects: work done per object, not per answer."""
    codes, _ = pd.factorize(np.fromiter(map(id, values), dtype=np.int64, count=len(values)))
    first = first_rows(codes, codes.max() + 1 if len(codes) else 0)
    return codes.astype(np.int64), [values[i] for i in first.tolist()]


def preference_long(ann: pd.DataFrame, cands: pd.DataFrame, names: Names) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Votes coded by the chosen candidate's position (tie 1000, both bad 1001, an unknown key 2000); the
    ordinal frame keeps items with two candidates, coded first better 1, tie 2, second better 3."""
    voted = ann["preference"].notna().to_numpy()
    rows = np.flatnonzero(voted)
    votes = ann.loc[voted, ["item_id", "preference"]]
    chosen = cands[["item_id", "key", "position"]].rename(columns={"key": "preference"})
    position = votes.merge(chosen, on=["item_id", "preference"], how="left")["position"].to_numpy()
    extra = votes["preference"].map({TIE: 1000, BOTH_BAD: 1001}).fillna(2000).to_numpy()
    pos = np.where(np.isnan(position.astype(float)), extra, position).astype(np.int64)
    nominal = pd.DataFrame({"unit": names.item[rows], "annotator": names.annotator[rows], "value": pos},
                           index=votes.index)
    n_cands = cands.groupby("item_id").size()
    two = votes["item_id"].map(n_cands).eq(2).to_numpy()
    ordinal = nominal[two].copy()
    ordinal["value"] = ordinal["value"].map({0: 1, 1000: 2, 1: 3})
    return nominal, ordinal.dropna(subset=["value"])


def unit_codes(item_ids: np.ndarray, items: pd.Categorical, key_codes: np.ndarray, key_names: list) -> pd.Categorical:
    """The units item x candidate (per row: its item's id and external id, its candidate key's code into
    ``key_names``), as a categorical of integers numbered in the order of their names ``item/key``: a name per
    unit, not one per answer, and units numbered as before, so the bootstrap draws the same items and every
    interval stays the same ("i-1/a" sorts before "i/a": the order of names, not of items then keys)."""
    pair = item_ids.astype(np.int64) * max(len(key_names), 1) + key_codes
    if len(pair) and pair.max() < 4 * len(pair):  # item ids of one project are dense: number them without a sort
        inverse, distinct = renumbered(pair, int(pair.max()) + 1)  # (an argsort of 1.8M pairs took 0.3 s)
        first = first_rows(inverse, len(distinct))
    else:
        distinct, first, inverse = np.unique(pair, return_index=True, return_inverse=True)
    item_names = items.categories.tolist()
    item_codes = items.codes[first]
    names = np.array([f"{item_names[item]}/{key_names[key]}" for item, key in zip(item_codes, key_codes[first])],
                     dtype=object)
    rank = np.empty(len(distinct), dtype=np.int64)
    rank[np.argsort(names, kind="stable")] = np.arange(len(distinct))
    return pd.Categorical.from_codes(rank[inverse.ravel()], categories=pd.RangeIndex(len(distinct)))


def ratings_long(ann: pd.DataFrame, names: Names, dimensions: list[str]) -> dict[str, pd.DataFrame]:
    """Per rubric dimension, one row per score: unit (item x candidate, an integer), item, annotator, value.

    Each distinct answer object is flattened once and its scores repeated for every annotation that shares
    it, instead of a Python loop over every score (1.8M at 300k annotations: 1.5 s)."""
    codes, distinct = _identity_codes(ann["ratings"].tolist())
    keys, dims, values, lengths = [], [], [], []
    for ratings in distinct:
        before = len(values)
        for key, scores in (ratings or {}).items():
            for dim, score in scores.items():
                keys.append(key)
                dims.append(dim)
                values.append(score)
        lengths.append(len(values) - before)
    lengths = np.asarray(lengths, dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1])) if len(lengths) else lengths
    per_row = lengths[codes] if len(codes) else np.zeros(0, dtype=np.int64)
    rows = np.repeat(np.arange(len(codes), dtype=np.int64), per_row)
    # the entry of each score: its object's first entry plus its place among the object's scores
    within = np.arange(len(rows), dtype=np.int64) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    entry = (starts[codes][rows] + within) if len(rows) else rows
    key_codes, key_names = pd.factorize(pd.Series(keys, dtype=object))
    wanted = {dim: n for n, dim in enumerate(dimensions)}
    dimension = np.array([wanted.get(dim, -1) for dim in dims], dtype=np.int64)[entry]
    unit = unit_codes(ann["item_id"].to_numpy()[rows], names.item[rows], key_codes[entry], key_names.tolist())
    values = np.asarray(values, dtype=object)[entry]
    out = {}
    for dim, n in wanted.items():
        mine = dimension == n
        out[dim] = pd.DataFrame({"unit": unit[mine], "item": names.item[rows[mine]],
                                 "annotator": names.annotator[rows[mine]], "value": values[mine]})
    return out


@dataclass
class FlagUnits:
    """One row per annotation x candidate of its item (the units of every flag question): the annotation's
    row, the unit, the candidate key's code; and the annotations' flags objects coded once for every flag."""

    rows: np.ndarray
    unit: pd.Categorical
    key_names: list
    distinct: list  # the distinct flags objects
    pairs: np.ndarray  # the distinct (flags object, key) codes: object * len(key_names) + key
    pair: np.ndarray  # per row: its index into ``pairs``


def flag_units(ann: pd.DataFrame, cands: pd.DataFrame, names: Names) -> FlagUnits:
    key_codes, key_names = pd.factorize(cands["key"])
    merged = pd.DataFrame({"item_id": ann["item_id"].to_numpy(), "row": np.arange(len(ann))}).merge(
        pd.DataFrame({"item_id": cands["item_id"].to_numpy(), "key": key_codes}), on="item_id")
    rows, keys, key_names = merged["row"].to_numpy(), merged["key"].to_numpy(), list(key_names)
    flags, distinct = _identity_codes(ann["flags"].tolist())
    pairs, pair = np.unique(flags[rows] * max(len(key_names), 1) + keys, return_inverse=True)
    return FlagUnits(rows, unit_codes(merged["item_id"].to_numpy(), names.item[rows], keys, key_names), key_names,
                     distinct, pairs, pair.ravel())


def flags_long(units: FlagUnits, names: Names, flag: str) -> pd.DataFrame:
    """A flag's answers: 1 where the annotation flagged that candidate, else 0. Worked out once per distinct
    (flags object, key) and spread, not per annotation x candidate (600k at 300k annotations)."""
    width = max(len(units.key_names), 1)
    flagged = np.array([int(flag in ((units.distinct[p // width] or {}).get(units.key_names[p % width]) or ()))
                        for p in units.pairs.tolist()], dtype=np.int64)
    return pd.DataFrame({"unit": units.unit, "item": names.item[units.rows],
                         "annotator": names.annotator[units.rows], "value": flagged[units.pair]})


def thumbs_long(ann: pd.DataFrame, extra: pd.DataFrame) -> pd.DataFrame:
    thumbs = ann[["annotation_id", "external_id", "annotator"]].merge(extra, on="annotation_id")
    rows = [(f"{ext}/{key}", ext, who, int(bool(up)))
            for ext, who, given in zip(thumbs["external_id"], thumbs["annotator"], thumbs["thumbs"])
            for key, up in (given or {}).items()]
    return pd.DataFrame(rows, columns=["unit", "item", "annotator", "value"])


def rankings_long(ann: pd.DataFrame, cands: pd.DataFrame, extra: pd.DataFrame) -> pd.DataFrame:
    """One row per (item, annotator, candidate): the candidate's position in the item and its rank."""
    extra = extra.loc[extra["ranking"].map(bool).to_numpy(dtype=bool)]  # most projects rank nothing: no merge
    ranked = ann[["annotation_id", "item_id", "external_id", "annotator"]].merge(extra, on="annotation_id")
    position = cands.set_index(["item_id", "key"])["position"]
    rows = [(ext, who, position.get((item, key)), rank)
            for item, ext, who, ranking in zip(ranked["item_id"], ranked["external_id"], ranked["annotator"],
                                               ranked["ranking"])
            for key, rank in (ranking or {}).items()]
    out = pd.DataFrame(rows, columns=["unit", "annotator", "position", "rank"]).dropna(subset=["position"])
    return out.astype({"position": "int64"})
