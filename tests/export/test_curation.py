"""Export curation filters (feedback.export.curation.curate): each filter's rule, counts per filter, edge cases, options."""

from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest

from feedback.errors import ExportError
from feedback.export.curation.curate import FILTER_HELP, FILTERS, CurationOptions, curate, precedence
from feedback.export.curation.text import output_text, prompt_key, prompt_text


def frames(n=4):
    """n items with distinct prompts, two candidates each (models m1 and m2), 3 votes for 'a' each."""
    items = pd.DataFrame({
        "item_id": list(range(1, n + 1)), "external_id": [f"x{i}" for i in range(1, n + 1)],
        "prompt": [f"Question number {i} about topic {i * 7}" for i in range(1, n + 1)],
        "messages": [None] * n, "meta": [{}] * n, "batch_id": [1] * n, "position": list(range(n)),
        "is_gold": [False] * n, "created_at": [datetime(2026, 3, 1, 12, tzinfo=UTC)] * n,
    })
    cands = pd.DataFrame({
        "item_id": [i for i in range(1, n + 1) for _ in (0, 1)], "key": ["a", "b"] * n, "model": ["m1", "m2"] * n,
        "version": [None] * 2 * n, "output": ["short answer", "another answer"] * n, "messages": [None] * 2 * n,
        "position": [0, 1] * n,
    })
    anns = pd.DataFrame({"item_id": list(range(1, n + 1)), "flags": [{}] * n})
    cons = pd.DataFrame({
        "item_id": list(range(1, n + 1)), "label": ["a"] * n, "confidence": [1.0] * n, "method": "majority",
        "adjudicated": [False] * n, "n_annotators": [3] * n, "share": [1.0] * n, "outcome": ["clear"] * n,
    })
    return items, cands, anns, cons


def run(items, cands, anns, cons, **options):
    result = curate(items, cands, anns, cons, CurationOptions(**options))
    assert list(result.removed) == list(FILTERS)
    assert sum(result.removed.values()) == result.total - len(result.kept) == len(items) - len(result.kept)
    return result


def only(result, name, n):
    """Exactly ``n`` items removed, all under ``name``."""
    assert result.removed[name] == n, result.removed
    assert sum(result.removed.values()) == n


def test_filter_names_have_help_and_fixed_order():
    assert FILTERS[0] == "gold" and FILTERS[-2:] == ("duplicate_exact", "duplicate_near")
    assert set(FILTER_HELP) == set(FILTERS) and all(FILTER_HELP[f] for f in FILTERS)


def test_nothing_removed_by_default_on_clean_items():
    result = run(*frames())
    assert result.kept == {1, 2, 3, 4} and not any(result.removed.values()) and result.duplicates == []
    assert result.summary_lines()[0] == "4 of 4 items kept"
    assert result.splits == {i: "train" for i in (1, 2, 3, 4)}


def test_gold_items_removed_unless_included():
    items, cands, anns, cons = frames()
    items.loc[1, "is_gold"] = True
    only(run(items, cands, anns, cons), "gold", 1)
    assert run(items, cands, anns, cons, include_gold=True).kept == {1, 2, 3, 4}
    assert run(items.drop(columns="is_gold"), cands, anns, cons).kept == {1, 2, 3, 4}


def test_batches():
    items, cands, anns, cons = frames()
    items["batch_id"] = [1, 2, 3, None]
    result = run(items, cands, anns, cons, batches=(1, 3))
    only(result, "batch", 2)
    assert result.kept == {1, 3}


def test_import_dates_inclusive_utc_and_unknown_removed():
    items, cands, anns, cons = frames()
    items["created_at"] = [datetime(2026, 3, 1, 0, 0), datetime(2026, 3, 2, 23, 59, tzinfo=UTC),
                           datetime(2026, 3, 3, 0, 0, tzinfo=UTC), None]
    result = run(items, cands, anns, cons, imported_from=date(2026, 3, 1), imported_to=date(2026, 3, 2))
    only(result, "import_date", 2)
    assert result.kept == {1, 2}
    assert run(items, cands, anns, cons, imported_from=date(2026, 3, 2)).kept == {2, 3}


def test_models_keep_items_with_a_candidate_from_them():
    items, cands, anns, cons = frames()
    cands.loc[cands["item_id"] == 2, "model"] = "m3"
    result = run(items, cands, anns, cons, models=("m1",))
    only(result, "model", 1)
    assert run(items, cands, anns, cons, models=("m3",)).kept == {2}


def test_min_annotations_counts_consensus_annotators_and_items_without_votes():
    items, cands, anns, cons = frames()
    cons.loc[0, "n_annotators"] = 1
    cons = cons[cons["item_id"] != 4]  # no votes at all
    only(run(items, cands, anns, cons, min_annotations=2), "too_few_annotations", 2)
    only(run(items, cands, anns, cons), "too_few_annotations", 1)
    assert run(items, cands, anns, cons, min_annotations=0).kept == {1, 2, 3, 4}


def test_adjudicated_only_and_adjudication_passes_confidence():
    items, cands, anns, cons = frames()
    cons["confidence"] = [0.5, 1.0, 0.6, 0.9]
    cons["adjudicated"] = [False, True, False, False]
    result = run(items, cands, anns, cons, adjudicated_only=True)
    only(result, "not_adjudicated", 3)
    assert result.kept == {2}
    result = run(items, cands, anns, cons, min_confidence=0.7)
    only(result, "low_confidence", 2)
    assert result.kept == {2, 4}


def test_confidence_nan_counts_as_zero():
    items, cands, anns, cons = frames()
    cons["confidence"] = cons["confidence"].astype(object)
    cons.loc[0, "confidence"] = None
    cons.loc[1, "confidence"] = np.nan
    only(run(items, cands, anns, cons, min_confidence=0.1), "low_confidence", 2)
    assert run(items, cands, anns, cons).kept == {1, 2, 3, 4}


def test_excluded_flags_on_any_candidate_from_any_annotator():
    items, cands, anns, cons = frames()
    anns = pd.DataFrame({"item_id": [1, 1, 2, 3, 4],
                         "flags": [{"a": ["wrong", "unsafe"]}, {}, {"b": ["unsafe"]}, None, np.nan]})
    result = run(items, cands, anns, cons, exclude_flags=("unsafe",))
    only(result, "flagged", 2)
    assert result.kept == {3, 4}
    assert run(items, cands, anns, cons, exclude_flags=("toxic",)).kept == {1, 2, 3, 4}


def test_flags_only_rejected_remove_items_whose_winner_has_them():
    items, cands, anns, cons = frames()
    anns = pd.DataFrame({"item_id": [1, 2, 3], "flags": [{"a": ["unsafe"]}, {"b": ["unsafe"]}, {"a": ["ok"]}]})
    cons.loc[3, "label"] = "both_bad"
    result = run(items, cands, anns, cons, flags_only_rejected=("unsafe",))
    only(result, "flagged_winner", 1)  # item 2's flagged candidate lost, so it may stay as the rejected one
    assert result.kept == {2, 3, 4}


def test_length_limits_on_prompts_and_on_every_candidate():
    items, cands, anns, cons = frames()
    items.loc[0, "prompt"] = "x" * 50
    items.loc[1, "prompt"] = None
    items.loc[1, "messages"] = [{"role": "system", "content": "s" * 40}, {"role": "user", "content": "hi"}]
    only(run(items, cands, anns, cons, max_prompt_chars=45), "prompt_too_long", 2)
    cands.loc[3, "output"] = "é" * 31  # item 2, candidate b; characters, not bytes
    cands.loc[4, "output"] = None
    cands.loc[4, "messages"] = [{"role": "assistant", "content": "", "tool_calls": [
        {"function": {"name": "search", "arguments": {"q": "y" * 30}}}]}]
    result = run(items, cands, anns, cons, max_output_chars=30)
    only(result, "output_too_long", 2)
    assert result.kept == {1, 4}


def test_each_filter_counts_only_items_still_left():
    items, cands, anns, cons = frames()
    items["is_gold"] = [True, True, False, False]
    cons["n_annotators"] = [1, 1, 1, 3]
    result = run(items, cands, anns, cons, min_annotations=2)
    assert result.removed["gold"] == 2 and result.removed["too_few_annotations"] == 1
    assert result.kept == {4}


def test_exact_duplicates_keep_most_agreement_and_name_the_kept_item():
    items, cands, anns, cons = frames(5)
    items["prompt"] = ["Same  question?", "same question?", "SAME QUESTION?", "other", "Other"]
    cons["confidence"] = [0.67, 1.0, 1.0, 0.8, 0.8]
    cons["n_annotators"] = [3, 2, 3, 3, 3]
    result = run(items, cands, anns, cons, dedup="exact")
    only(result, "duplicate_exact", 3)
    assert result.kept == {3, 4}  # highest confidence, then most annotators; then earliest position
    assert result.duplicates == [("x1", "x3"), ("x2", "x3"), ("x5", "x4")]
    assert run(items, cands, anns, cons, dedup="none").kept == {1, 2, 3, 4, 5}


def test_precedence_tie_rule():
    items, _, _, cons = frames(4)
    items["position"] = [3, 2, 1, 1]
    cons["confidence"] = [0.9, 0.9, 0.9, 0.9]
    cons["n_annotators"] = [3, 5, 3, 3]
    assert precedence(items, cons)["item_id"].tolist() == [2, 3, 4, 1]  # annotators, position, then id


def test_plain_prompt_and_single_user_message_are_the_same_prompt():
    items, cands, anns, cons = frames(3)
    items["prompt"] = ["What is 2+2?", None, None]
    items["messages"] = [None, [{"role": "user", "content": "what is 2+2? "}],
                         [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is 2+2?"}]]
    result = run(items, cands, anns, cons, dedup="exact")
    only(result, "duplicate_exact", 1)
    assert result.kept == {1, 3}


def test_near_duplicates_removed_after_exact_ones():
    items, cands, anns, cons = frames(4)
    base = "please summarise the attached quarterly report for the finance team and list the risks"
    items["prompt"] = [base, base.upper(), base.replace("risks", "main risks"), "write a haiku about autumn rain"]
    cons["confidence"] = [0.7, 0.7, 1.0, 1.0]
    result = run(items, cands, anns, cons, dedup="near", near_threshold=0.8)
    assert result.removed["duplicate_exact"] == 1 and result.removed["duplicate_near"] == 1
    assert result.kept == {3, 4}
    # item 2 was an exact duplicate of item 1, which gave way to item 3: both point to the item kept
    assert sorted(result.duplicates) == [("x1", "x3"), ("x2", "x3")]
    assert run(items, cands, anns, cons, dedup="exact").kept == {1, 3, 4}


def test_empty_prompts_are_not_duplicates_of_each_other():
    items, cands, anns, cons = frames(3)
    items["prompt"] = ["", None, "  "]
    assert run(items, cands, anns, cons, dedup="near").kept == {1, 2, 3}


def test_unicode_prompts():
    items, cands, anns, cons = frames(4)
    items["prompt"] = ["Ｃａｆé straße", "café STRASSE", "日本語の質問です", "日本語の質問です "]
    result = run(items, cands, anns, cons, dedup="near")
    assert result.removed["duplicate_exact"] == 2  # NFKC folds full-width letters, casefold folds ß
    assert result.kept == {1, 3}


def test_empty_frames_and_everything_removed():
    empty = frames(0)
    result = run(*empty, dedup="near", test_fraction=0.5)
    assert result.kept == frozenset() and result.total == 0 and result.duplicates == []
    assert result.split_counts() == {"train": 0, "test": 0}
    result = run(pd.DataFrame(), pd.DataFrame(), None, None)
    assert result.total == 0
    items, cands, anns, cons = frames()
    result = run(items, cands, anns, cons, min_annotations=4)
    only(result, "too_few_annotations", 4)
    assert result.summary_lines()[0] == "0 of 4 items kept"


def test_consensus_from_majority_preference_frame():
    items, cands, anns, _ = frames(2)
    majority = pd.DataFrame({"item_id": [1, 2], "n_annotators": [3, 1], "winner": ["a", None],
                             "winner_votes": [2, 1], "share": [2 / 3, 1.0], "outcome": ["clear", "clear"]})
    result = run(items, cands, anns, majority, min_confidence=0.7)
    only(result, "low_confidence", 1)


def test_split_groups_kept_items_by_prompt():
    items, cands, anns, cons = frames(40)
    result = run(items, cands, anns, cons, test_fraction=0.25, seed=3)
    assert result.split_counts() == {"train": 30, "test": 10}
    assert set(result.splits) == set(result.kept)
    assert any("10 test" in line for line in result.summary_lines())
    again = run(items.sample(frac=1, random_state=1), cands, anns, cons, test_fraction=0.25, seed=3)
    assert again.splits == result.splits


def test_text_rendering():
    assert prompt_text(np.nan, None) == "" and prompt_text(None, []) == ""
    msgs = [{"role": "system", "content": "Be kind"}, {"role": "user", "content": [{"type": "text", "text": "Hi"}]}]
    assert prompt_text(None, msgs) == "system: Be kind\n\nuser: Hi"
    assert prompt_key("  Hello\n\tWORLD ", None) == "hello world"
    calls = [{"role": "assistant", "content": None, "tool_calls": [{"function": {"name": "f", "arguments": "{}"}}]}]
    assert output_text(None, calls) == "assistant: [tool call] f({})"
    assert output_text(pd.NA, None) == ""


@pytest.mark.parametrize(("field", "value"), [
    ("min_annotations", -1), ("min_annotations", 1.5), ("min_annotations", True), ("min_confidence", 1.5),
    ("min_confidence", float("nan")), ("adjudicated_only", "yes"), ("exclude_flags", "unsafe"),
    ("flags_only_rejected", ("",)), ("include_gold", 1), ("models", ["m1"]), ("batches", ("1",)),
    ("imported_from", "2026-01-01"), ("max_prompt_chars", 0), ("max_output_chars", 2.5), ("dedup", "fuzzy"),
    ("near_threshold", 0.2), ("near_threshold", 1.1), ("test_fraction", 1.0), ("test_fraction", -0.1),
    ("seed", None),
])
def test_invalid_options_name_the_field(field, value):
    with pytest.raises(ExportError, match=field):
        CurationOptions(**{field: value}).validate()
    with pytest.raises(ExportError, match=field):
        curate(*frames(), CurationOptions(**{field: value}))


def test_date_range_order_and_options_as_json():
    with pytest.raises(ExportError, match="imported_from"):
        CurationOptions(imported_from=date(2026, 2, 1), imported_to=date(2026, 1, 1)).validate()
    options = CurationOptions(models=("m1",), imported_from=date(2026, 1, 1))
    options.validate()
    assert options.to_dict()["models"] == ["m1"] and options.to_dict()["imported_from"] == "2026-01-01"
