"""Export rules that read rubric ratings: the rm margin from ratings (or none), KTO labels from rating thresholds,
the SFT rating threshold; and the checks of every export option. Figures worked by hand in the comments
(the default rubric's helpfulness scale is 1-5, width 4)."""

import dataclasses
import io

import pyarrow.parquet as pq
import pytest

from feedback.errors import ExportError
from feedback.export.build import build_export
from feedback.export.options import ExportOptions
from feedback.people.users import add_users
from feedback.store.tables import Annotation, Candidate, Item


def add(session, project, ext, answers, *, outputs=("A", "B"), position=0):
    """An item whose candidates a, b... have ``outputs``; ``answers``: annotator -> Annotation fields."""
    item = Item(project_id=project.id, external_id=ext, prompt=f"prompt {ext}", content_hash=f"h-{ext}",
                position=position)
    session.add(item)
    session.flush()
    for pos, (key, text) in enumerate(zip("abc", outputs)):
        session.add(Candidate(item_id=item.id, key=key, model=f"m-{key}", output=f"{text} {ext}", position=pos))
    users = add_users(session, set(answers))
    for name, fields in answers.items():
        session.add(Annotation(item_id=item.id, user_id=users[name].id, **fields))
    session.commit()


def helpful(a=None, b=None, c=None, **fields):
    ratings = {k: {"helpfulness": v} for k, v in (("a", a), ("b", b), ("c", c)) if v is not None}
    return {"ratings": ratings} | fields


def export(session, **options):
    return build_export(session=session, user=None, project="p", options=ExportOptions(**options))


@pytest.fixture
def project(session, make_project):
    project = make_project("p")
    # a wins 2-1; ratings a 5, 4, 3 (mean 4) and b 1, 2, 3 (mean 2): margin (4 - 2) / 4 = 0.5
    add(session, project, "rated", {"u1": helpful(5, 1, preference="a"), "u2": helpful(4, 2, preference="a"),
                                    "u3": helpful(3, 3, preference="b")}, position=0)
    # b wins, but the annotators rated a higher (a 4, b 2): margin floored at 0
    add(session, project, "against", {"u1": helpful(4, 2, preference="b")}, position=1)
    # no ratings at all
    add(session, project, "unrated", {"u1": {"preference": "a"}}, position=2)
    # only b rated
    add(session, project, "half", {"u1": helpful(b=5, preference="a")}, position=3)
    return project


def test_votes_margin_is_the_default(session, project):
    rows = {r["item_id"]: r["margin"] for r in export(session, format="rm").rows}
    assert rows == {"rated": pytest.approx(1 / 3), "against": 1.0, "unrated": 1.0, "half": 1.0}


def test_ratings_margin(session, project):
    bundle = export(session, format="rm", margin="ratings")
    assert {r["item_id"]: r["margin"] for r in bundle.rows} == {"rated": 0.5, "against": 0.0}
    assert bundle.excluded["no_margin_ratings"] == 2   # unrated, and half (a has no rating)
    assert "/ 4 (the width of its 1-5 scale)" in bundle.manifest["margin"]
    assert bundle.manifest["options"]["margin"] == "ratings"
    assert "2 pairs without ratings for a margin" in bundle.summary_lines()[1]


def test_no_margin_column(session, project):
    bundle = export(session, format="rm", margin="none")
    assert all("margin" not in r for r in bundle.rows) and len(bundle.rows) == 4
    table = pq.read_table(io.BytesIO(bundle.files["rm_standard.parquet"]))
    assert "margin" not in table.column_names and "margin" not in bundle.manifest["columns"]
    assert bundle.manifest["margin"].startswith("none")


def test_kto_labels_from_ratings(session, make_project):
    project = make_project("p")
    # a: 5, 4 (mean 4.5, true, both raters >= 4); b: 3, 2 (2.5, between); c: 1, 3 (mean 2, false, 1 of 2 <= 2)
    add(session, project, "three", {"u1": helpful(5, 3, 1), "u2": helpful(4, 2, 3)}, outputs=("A", "B", "C"))
    # a: 4 by one rater only (too few with min_annotations 2); b unrated
    add(session, project, "thin", {"u1": helpful(a=4)}, position=1)
    bundle = export(session, format="kto", kto_source="ratings", min_annotations=2)
    assert [(r["item_id"], r["completion"], r["label"], r["confidence"]) for r in bundle.rows] == [
        ("three", "A three", True, 1.0), ("three", "C three", False, 0.5)]
    assert all(r["consensus"] == "mean_rating" and r["num_annotators"] == 2 for r in bundle.rows)
    assert {k: v for k, v in bundle.excluded.items() if v} == {
        "between_thresholds": 1, "too_few_annotations": 1, "no_ratings": 1}
    assert bundle.manifest["class_balance"]["desirable"] == 1
    assert bundle.manifest["class_balance"]["desirable_weight"] == 1.0
    assert ">= 4 desirable" in bundle.manifest["labels"] and "ranking" not in bundle.manifest
    assert bundle.manifest["annotators"] == ["u1", "u2"]

    strict = export(session, format="kto", kto_source="ratings", kto_desirable_min=5)
    assert [(r["completion"], r["label"]) for r in strict.rows] == [("C three", False)]
    assert strict.excluded["between_thresholds"] == 3   # a (4.5) and b of three; thin's a (4, one rater counts)
    assert strict.manifest["class_balance"]["desirable_weight"] is None   # no desirable row to weigh


def test_kto_from_preferences_is_the_default(session, project):
    bundle = export(session, format="kto")
    assert [(r["item_id"], r["label"]) for r in bundle.rows[:2]] == [("rated", True), ("rated", False)]
    assert "consensus winner true" in bundle.manifest["labels"]


def test_sft_rating_threshold(session, make_project):
    project = make_project("p")
    add(session, project, "good", {"u1": helpful(5, 1, preference="a"), "u2": helpful(4, 1, preference="a")})
    add(session, project, "weak", {"u1": helpful(3, 5, preference="a"), "u2": helpful(3, 5, preference="a")},
        position=1)
    add(session, project, "unrated", {"u1": {"preference": "a"}}, position=2)
    add(session, project, "fixed", {"u1": helpful(1, 1, preference="a", correction="Right answer")}, position=3)
    bundle = export(session, format="sft", sft_min_rating=4)
    assert [(r["item_id"], r["completion"], r["target"]) for r in bundle.rows] == [
        ("good", "A good", "consensus"), ("fixed", "Right answer", "correction")]
    assert (bundle.excluded["below_min_rating"], bundle.excluded["no_ratings"]) == (1, 1)
    assert "at least 4" in bundle.manifest["target"]
    assert len(export(session, format="sft").rows) == 4   # no threshold: every winner
    openai = export(session, format="openai-sft", sft_min_rating=4.5)
    assert [p["item_id"] for p in openai.manifest["row_provenance"]] == ["good", "fixed"]   # mean 4.5 qualifies


@pytest.mark.parametrize(("options", "named"), [
    ({"format": "rm", "margin": "ratings", "margin_dimension": "tone"}, "margin_dimension: the project has no"),
    ({"format": "kto", "kto_source": "ratings", "kto_dimension": "tone"}, "kto_dimension: the project has no"),
    ({"format": "kto", "kto_source": "ratings", "kto_desirable_min": 6}, "kto_desirable_min 6 is outside"),
    ({"format": "kto", "kto_source": "ratings", "kto_undesirable_max": 0}, "kto_undesirable_max 0 is outside"),
    ({"format": "sft", "sft_min_rating": 9}, "sft_min_rating 9 is outside"),
    ({"format": "openai-sft", "sft_min_rating": 3, "sft_dimension": "tone"}, "sft_dimension: the project has no"),
])
def test_options_checked_against_the_rubric(session, project, options, named):
    with pytest.raises(ExportError, match=named):
        export(session, **options)


def test_unused_rubric_options_are_not_checked(session, project):
    assert export(session, format="dpo", margin_dimension="tone", kto_dimension="tone").rows


@pytest.mark.parametrize(("changes", "named"), [
    ({"ranking_pairs": "most"}, "ranking_pairs"),
    ({"margin": "gap"}, "margin"),
    ({"kto_source": "thumbs"}, "kto_source"),
    ({"margin_dimension": ""}, "margin_dimension"),
    ({"kto_dimension": None}, "kto_dimension"),
    ({"sft_dimension": " "}, "sft_dimension"),
    ({"kto_desirable_min": "4"}, "kto_desirable_min"),
    ({"kto_undesirable_max": float("nan")}, "kto_undesirable_max"),
    ({"kto_desirable_min": 2, "kto_undesirable_max": 2}, "kto_desirable_min"),
    ({"sft_min_rating": True}, "sft_min_rating"),
    ({"exclude_flagged": "yes"}, "exclude_flagged"),
])
def test_bad_options_are_named(changes, named):
    with pytest.raises(ExportError, match=named):
        ExportOptions(**changes)


def test_every_option_is_in_the_manifest(session, project):
    options = ExportOptions(format="rm", margin="ratings", ranking_pairs="adjacent")
    manifest = build_export(session=session, user=None, project="p", options=options).manifest
    assert manifest["options"] == dataclasses.asdict(options)
    assert {f.name for f in dataclasses.fields(ExportOptions)} == set(manifest["options"])


@pytest.mark.parametrize(("options", "said"), [
    ({"format": "rm", "margin": "ratings"}, "no pair has 'helpfulness' ratings of both answers for a ratings margin"),
    ({"format": "kto", "kto_source": "ratings", "kto_desirable_min": 5, "kto_undesirable_max": 1},
     "no candidate's mean 'helpfulness' rating is at least 5 or at most 1"),
    ({"format": "sft", "sft_min_rating": 5}, "rated at least 5 on 'helpfulness'"),
])
def test_nothing_to_export_names_the_rating_rule(session, make_project, options, said):
    add(session, make_project("p"), "x", {"u1": helpful(a=3, preference="a")})
    with pytest.raises(ExportError, match="Nothing to export") as error:
        export(session, **options)
    assert said in str(error.value)
