"""What an export reads and how: only the columns its format uses, in the loaders' order, with the same values;
the included items' agreement from a units x values matrix; the files encoded in a fixed order; the garbage
collector paused only while an export is built."""

import gc
import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from feedback.agreement.metrics import krippendorff_alpha, percent_agreement, reliability_matrix
from feedback.errors import ExportError
from feedback.export import build
from feedback.export.build import build_export
from feedback.export.curation.curate import CurationOptions
from feedback.export.files import JSONL_CHUNK, encode_files, jsonl_bytes, parquet_bytes
from feedback.export.frames import BASE_COLUMNS, annotation_columns, export_frames
from feedback.export.options import ExportOptions
from feedback.export.provenance import _values_by_unit, included_agreement
from feedback.export.schemas import arrow_schema
from feedback.labeling.loaders import (
    ANNOTATION_COLUMNS,
    annotation_columns_frame,
    annotations_frame,
    candidates_frame,
    candidates_frame_plain,
    items_frame,
    items_frame_plain,
)
from feedback.people.users import add_users
from feedback.store.tables import Annotation, Candidate, Item


def _values(frame: pd.DataFrame) -> dict[str, list]:
    """Column -> values as Python objects, missing values as None (Arrow and object columns compare equal)."""
    return {name: [None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else v
                   for v in frame[name].astype(object).tolist()] for name in frame.columns}


@pytest.fixture
def shuffled(session, make_project):
    """A project whose rows are stored out of every order the loaders give: items inserted against their
    position, candidates against theirs, annotators whose names sort against their ids."""
    project = make_project("p")
    users = add_users(session, {"zoe", "adam", "mia", "bob"})
    rng = np.random.default_rng(3)
    for n in rng.permutation(40):
        item = Item(project_id=project.id, external_id=f"e{n}", prompt=None if n % 7 == 0 else f"prompt {n}",
                    messages=[{"role": "user", "content": f"m{n}"}] if n % 7 == 0 else None,
                    meta={"n": int(n)} if n % 3 else {}, content_hash=f"h{n}", position=int(n) // 2,
                    batch_id=None, is_gold=n % 11 == 0)
        session.add(item)
        session.flush()
        for pos in rng.permutation(3):
            spoken = n % 5 == 0 and pos == 2   # an answer given as messages: no output text
            session.add(Candidate(item_id=item.id, key="abc"[pos], model=f"m-{pos}" if pos else "m",
                                  position=int(pos), output=None if spoken else f"out {n} {pos}",
                                  messages=[{"role": "assistant", "content": f"said {n}"}] if spoken else None))
        for name in rng.permutation(sorted(users))[: 1 + n % 4]:
            session.add(Annotation(item_id=item.id, user_id=users[name].id, preference=str(rng.choice(["a", "b"])),
                                   flags={"b": ["unsafe"]} if n % 9 == 0 else {}, rationale=f"why {n}",
                                   schema_version=1 if n % 2 else None, time_spent_s=float(n)))
    session.commit()
    return project


def test_the_exports_loaders_give_the_shared_loaders_rows_and_values(session, shuffled):
    plain, shared = items_frame_plain(session, shuffled.id), items_frame(session, shuffled.id)
    assert list(plain.columns) == list(shared.columns) and _values(plain) == _values(shared)
    assert plain["prompt"].dtype == object and plain["prompt"].tolist()[0] is None  # Python objects, None

    plain, shared = candidates_frame_plain(session, shuffled.id), candidates_frame(session, shuffled.id)
    assert list(plain.columns) == list(shared.columns) and _values(plain) == _values(shared)
    assert plain["output"].dtype == object

    for columns in (BASE_COLUMNS + ["flags"], ANNOTATION_COLUMNS):
        mine, theirs = annotation_columns_frame(session, shuffled.id, columns), \
            annotations_frame(session, shuffled.id, columns=columns)
        assert list(mine.columns) == list(theirs.columns)
        assert mine.dtypes.to_dict() == theirs.dtypes.to_dict()
        assert _values(mine) == _values(theirs)   # by item, then annotator name


def test_an_export_reads_only_the_annotation_columns_its_format_uses(session, shuffled):
    dpo = annotation_columns(ExportOptions(format="dpo"))
    assert "rationale" not in dpo and "flags" not in dpo and "ratings" not in dpo
    assert "flags" in annotation_columns(ExportOptions(), CurationOptions(exclude_flags=("unsafe",)))
    assert {"correction", "updated_at", "annotation_id"} <= set(annotation_columns(ExportOptions(format="sft")))
    assert "ratings" in annotation_columns(ExportOptions(format="rm", margin="ratings"))
    _items, _candidates, annotations = export_frames(session, shuffled.id, ExportOptions())
    assert list(annotations.columns) == BASE_COLUMNS


def test_flag_filters_still_see_the_flags(session, shuffled):
    unfiltered = build_export(session=session, user=None, project="p", options=ExportOptions(),
                              curation=CurationOptions())
    filtered = build_export(session=session, user=None, project="p", options=ExportOptions(),
                            curation=CurationOptions(exclude_flags=("unsafe",)))
    assert filtered.curation.removed["flagged"] > 0
    assert len(filtered.rows) < len(unfiltered.rows)
    with pytest.raises(ExportError, match="exclude_flags.*'rude'"):
        build_export(session=session, user=None, project="p", options=ExportOptions(),
                     curation=CurationOptions(exclude_flags=("rude",)))


@pytest.mark.parametrize("seed", range(12))
def test_agreement_from_values_by_unit_equals_the_reliability_matrix_bit_for_bit(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 2000))
    long = pd.DataFrame({"unit": rng.integers(0, n // 2 + 1, n) * 7 + 3,
                         "annotator": rng.integers(0, int(rng.integers(2, 40)), n),
                         "value": rng.integers(0, int(rng.integers(1, 5)), n).astype(float)})
    long = long[long.groupby("unit")["value"].transform("size") >= 2]
    if not len(long):
        return
    matrix, _annotators, units = reliability_matrix(long)
    compact, n_units = _values_by_unit(long)
    assert n_units == len(units)
    assert compact.shape[0] <= matrix.shape[0]
    assert percent_agreement(compact) == percent_agreement(matrix)
    assert np.array_equal(krippendorff_alpha(compact, level="nominal"), krippendorff_alpha(matrix, level="nominal"),
                          equal_nan=True)


def test_included_agreement_of_a_hand_worked_example():
    # items 1 and 2: three annotators each; 1 agrees fully, 2 splits 2:1; item 3 has one vote (not pairable)
    annotations = pd.DataFrame({"item_id": [1, 1, 1, 2, 2, 2, 3], "user_id": [1, 2, 3, 1, 2, 3, 1],
                                "preference": ["a", "a", "a", "a", "b", "a", "b"]})
    consensus = pd.DataFrame({"item_id": [1, 2, 3], "confidence": [1.0, 2 / 3, 1.0], "adjudicated": False,
                              "outcome": "clear"})
    summary = included_agreement(annotations, consensus, {1, 2, 3})
    # pairable values: 6; agreeing pairs per value: item 1 all 3 values agree with both others (1.0 each),
    # item 2 the two a's agree with one of two (0.5 each), the b with none: (3 + 0.5 + 0.5 + 0) / 6
    assert summary["percent_agreement"] == round(4 / 6, 4)
    assert summary["items_with_2_plus_preferences"] == 2 and summary["preferences"] == 7


def _rows(n: int) -> list[dict]:
    return [{"prompt": f"p\u2028{k}", "chosen": f"c {k} é", "rejected": f"r {k}", "item_id": str(k),
             "num_annotators": 3, "majority_share": 2 / 3, "chosen_model": "m", "rejected_model": "",
             "metadata": "{}", "consensus": "majority", "confidence": 2 / 3, "adjudicated": k % 2 == 0}
            for k in range(n)]


def test_files_are_encoded_in_the_names_order_with_the_same_bytes_over_several_chunks():
    rows = {"train": _rows(2 * JSONL_CHUNK + 7), "test": _rows(3)}
    names = {("train", "jsonl"): "d-train.jsonl", ("train", "parquet"): "d-train.parquet",
             ("test", "jsonl"): "d-test.jsonl", ("test", "parquet"): "d-test.parquet"}
    schema = arrow_schema("dpo", "standard")
    blobs = encode_files(rows, names, form="standard", schema=schema)
    assert list(blobs) == list(names.values())
    one_by_one = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True).replace("\u2028", "\\u2028") + "\n"
                         for r in rows["train"]).encode("utf-8")
    assert blobs["d-train.jsonl"] == jsonl_bytes(rows["train"]) == one_by_one
    assert blobs["d-train.parquet"] == parquet_bytes(rows["train"], "standard", schema)
    assert hashlib.sha256(blobs["d-test.jsonl"]).hexdigest() == hashlib.sha256(jsonl_bytes(rows["test"])).hexdigest()


def test_the_garbage_collector_is_paused_only_while_an_export_is_built(session, shuffled, monkeypatch):
    seen = []
    real = build.export_frames

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(build, "export_frames", spy)
    assert gc.isenabled()
    build_export(session=session, user=None, project="p", options=ExportOptions())
    assert seen == [False] and gc.isenabled()
    with pytest.raises(ExportError):
        build_export(session=session, user=None, project="p", options=ExportOptions(),
                     curation=CurationOptions(models=("no such model",)))
    assert gc.isenabled()
    gc.disable()   # a caller that had paused it finds it paused
    try:
        build_export(session=session, user=None, project="p", options=ExportOptions())
        assert not gc.isenabled()
    finally:
        gc.enable()
