"""Train / test split grouped by prompt, and the class balance of the kept items, for export curation. Pure.

Rule: the distinct group keys (normalised prompts) are put in a seeded pseudo-random order, and the first
``ceil(test_fraction * groups)`` of them go to the test split (at most ``groups - 1``, so the training split
is never empty; a single group is all train; ``test_fraction`` 0 is all train). Every row of a group goes
where its key goes, so no prompt is in both splits. This is scikit-learn's ``GroupShuffleSplit`` rule
(the test share counts groups, not rows, rounded up), but the order is the SHA-256 of ``seed`` and the key
rather than a random permutation, which makes it independent of row order, of library versions and of the
other keys: a prompt keeps its split when items are added, as long as the number of test groups allows.
"""

import hashlib
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from feedback.export.curation.filters import consensus_frame

TRAIN, TEST = "train", "test"
SPLITS = (TRAIN, TEST)


def n_test_groups(n_groups: int, test_fraction: float) -> int:
    """How many of ``n_groups`` prompt groups go to the test split (see the module docstring)."""
    if n_groups < 2 or test_fraction <= 0:
        return 0
    return min(math.ceil(test_fraction * n_groups - 1e-9), n_groups - 1)


def _order(key: str, seed: int) -> bytes:
    return hashlib.sha256(f"{seed}\x00{key}".encode("utf-8", "surrogatepass")).digest()


def assign_splits(group_keys: Sequence[str], *, test_fraction: float, seed: int) -> list[str]:
    """``"train"`` or ``"test"`` for each row; rows with the same key always share a split; the same keys,
    fraction and seed always give the same answer, whatever the row order."""
    if not 0 <= test_fraction < 1:
        raise ValueError(f"test_fraction must be at least 0 and below 1, not {test_fraction!r}")
    keys = [str(k) for k in group_keys]
    if test_fraction == 0:  # no test split: no need to sort the distinct prompts (0.5 s at 333k items)
        return [TRAIN] * len(keys)
    distinct = sorted(set(keys))
    n_test = n_test_groups(len(distinct), test_fraction)
    if n_test == 0:
        return [TRAIN] * len(keys)
    test = set(sorted(distinct, key=lambda k: (_order(k, seed), k))[:n_test])
    return [TEST if k in test else TRAIN for k in keys]


def split_counts(splits: Sequence[str]) -> dict[str, int]:
    """Rows per split, both splits always listed: ``{"train": ..., "test": ...}``."""
    counts = pd.Series(list(splits), dtype=object).value_counts()
    return {s: int(counts.get(s, 0)) for s in SPLITS}


def class_balance(consensus: pd.DataFrame | None, candidates: pd.DataFrame, kept: frozenset[int] | set[int],
                  splits: dict[int, str] | None = None) -> dict[str, Any]:
    """The preview's class balance of the kept items: ``outcome`` (clear / tie / both_bad / split / none),
    ``winner_position`` (the chosen candidate's place: first, second, ... -- a skew here is position bias
    in the data) and ``winner_model``, each a dict of counts sorted by name; with ``splits``, also each
    per split under ``by_split``."""
    cons = consensus_frame(consensus)
    cons = cons[cons["item_id"].isin(list(kept))]
    outcome = pd.Series(list(kept), dtype=object).map(
        cons.set_index("item_id")["outcome"] if "outcome" in cons.columns else pd.Series(dtype=object))
    frame = pd.DataFrame({"item_id": list(kept), "outcome": outcome.fillna("none").astype(str).to_numpy()})
    frame = frame.merge(cons[["item_id", "label"]], on="item_id", how="left")
    cands = candidates.sort_values(["item_id", "position", "key"], kind="mergesort") if not candidates.empty \
        else candidates
    if not cands.empty:
        cands = cands.assign(place=cands.groupby("item_id").cumcount() + 1, key=cands["key"].astype(str))
        frame = frame.merge(cands[["item_id", "key", "place", "model"]], left_on=["item_id", "label"],
                            right_on=["item_id", "key"], how="left")
    else:
        frame = frame.assign(place=np.nan, model=None)

    def counts(part: pd.DataFrame) -> dict[str, dict[str, int]]:
        won = part[part["place"].notna()]
        return {
            "outcome": _sorted_counts(part["outcome"]),
            "winner_position": _sorted_counts(won["place"].astype(int).map(_ordinal)),
            "winner_model": _sorted_counts(won["model"].fillna("").astype(str)),
        }

    out: dict[str, Any] = counts(frame)
    if splits is not None:
        frame = frame.assign(split=frame["item_id"].map(splits).fillna("train"))
        out["by_split"] = {s: counts(frame[frame["split"] == s]) for s in SPLITS}
    return out


def _sorted_counts(values: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in sorted(values.value_counts().items(), key=lambda kv: str(kv[0]))}


def _ordinal(n: int) -> str:
    return {1: "first", 2: "second", 3: "third"}.get(n, f"#{n}")
