"""What a version's manifest says it draws on: agreement of the included items, batches, annotators, versions."""

import pandas as pd
import pytest

from feedback.export.provenance import included_agreement, sources


def frames():
    annotations = pd.DataFrame({
        "item_id": [1, 1, 2, 2, 3, 3, 4],
        "user_id": [10, 11, 10, 11, 10, 11, 10],
        "annotator": ["ann", "bob", "ann", "bob", "ann", "bob", "ann"],
        "preference": ["a", "a", "a", "b", "b", "b", None],
        "guidelines_version": [1, 1, 2, 2, None, 2, 3],
        "schema_version": [1, 1, 1, 1, 1, 1, 1],
    })
    consensus = pd.DataFrame({"item_id": [1, 2, 3], "label": ["a", None, "b"], "confidence": [1.0, 0.5, 1.0],
                              "adjudicated": [False, False, True], "outcome": ["clear", "split", "clear"]})
    items = pd.DataFrame({"item_id": [1, 2, 3, 4], "batch_id": [5, 5, None, 6]})
    return items, annotations, consensus


def test_agreement_of_the_included_items_worked_by_hand():
    _items, annotations, consensus = frames()
    summary = included_agreement(annotations, consensus, {1, 2, 3})
    # 6 pairable values; items 1 and 3 agree: percent agreement 4/6; alpha = 1 - D_o/D_e = 1 - (2/6)/(18/30)
    assert summary["percent_agreement"] == pytest.approx(4 / 6, abs=1e-4)
    assert summary["krippendorff_alpha_nominal"] == pytest.approx(1 - (2 / 6) / (18 / 30), abs=1e-4)
    assert summary["items"] == 3 and summary["items_with_2_plus_preferences"] == 3
    assert summary["preferences"] == 6 and summary["annotators"] == 2
    assert summary["mean_consensus_confidence"] == pytest.approx(2.5 / 3, abs=1e-4)
    assert summary["adjudicated_items"] == 1 and summary["outcomes"] == {"clear": 2, "split": 1}


def test_no_pairable_items_gives_no_figure_rather_than_nan():
    _items, annotations, consensus = frames()
    summary = included_agreement(annotations, consensus, {4})
    assert summary["percent_agreement"] is None and summary["krippendorff_alpha_nominal"] is None
    assert summary["items_with_2_plus_preferences"] == 0


def test_sources_name_batches_annotators_and_versions():
    items, annotations, _consensus = frames()
    found = sources(items, annotations, {1, 2, 3}, {5: "first.jsonl"})
    assert found["import_batches"] == [{"id": 5, "file": "first.jsonl"}]
    assert found["items_without_batch"] == 1
    assert found["annotators"] == ["ann", "bob"]
    assert found["guidelines_versions"] == [1, 2, None]
    assert found["schema_versions"] == [1]
