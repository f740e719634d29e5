"""The demo data set (``make demo``): it loads once, and it shows the product: schema with anchors, guidelines,
gold items, automatic judges, rankings, a careless annotator the quality table flags, disputes to review,
and annotation times spread over the past weeks."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import func, select

from feedback.intake.demo import DEMO_SCHEMA, load_demo, spread_annotation_times
from feedback.projects.guidelines import current_guidelines
from feedback.projects.projects import create_project, get_project, project_schema
from feedback.review.quality import annotator_quality
from feedback.review.workflow import review_queue
from feedback.store.tables import Annotation, Candidate, Item, Suggestion

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo.jsonl"
NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # a Wednesday, noon


@pytest.fixture
def demo(session):
    message = load_demo(session=session, path=DEMO, project="demo")
    assert message.startswith("Loaded the demo data set into project 'demo'")
    return get_project(session=session, name="demo")


def test_the_demo_project_has_a_rubric_with_anchors_and_guidelines(session, demo):
    schema = project_schema(demo)
    assert schema == DEMO_SCHEMA
    assert [d.name for d in schema.rubric] == ["helpfulness", "correctness"]
    assert all(sorted(d.anchors) == [1, 2, 3, 4, 5] for d in schema.rubric)
    assert schema.flags == ["unsafe", "factual_error", "off_task"] and schema.correction and schema.rationale
    guidelines = current_guidelines(session=session, project=demo)
    assert guidelines.version == 1 and "## 3. When to flag" in guidelines.text
    assert "## 4. When to write a correction" in guidelines.text


def test_the_demo_has_gold_items_rankings_and_judges(session, demo):
    gold = session.exec(select(Item).where(Item.project_id == demo.id, Item.is_gold)).all()
    assert len(gold) == 8 and all(item.gold_answer["preference"] in ("a", "b") for item in gold)
    per_item = session.exec(select(Candidate.item_id, func.count()).group_by(Candidate.item_id)).all()
    assert sorted({n for _, n in per_item}) == [2, 3, 4]
    ranked = session.exec(select(Annotation).where(Annotation.ranking.is_not(None))).all()
    assert len(ranked) >= 20
    agents = session.exec(select(Suggestion.agent, func.count()).group_by(Suggestion.agent)).all()
    assert dict(agents) == {"llm-judge": 173, "reward-model": 173}


def test_the_careless_annotator_is_flagged_and_the_others_are_not(session, demo):
    rows = {row["annotator"]: row for row in annotator_quality(session=session, user=None, project=demo)}
    assert set(rows) == {"maria", "dev", "sam", "jules"}
    assert [name for name, row in rows.items() if row["flagged"]] == ["jules"]
    assert any(reason.startswith("position bias") for reason in rows["jules"]["flags"])
    assert rows["jules"]["median_time_s"] < 10 < rows["sam"]["median_time_s"]
    assert rows["maria"]["agreement"] > 0.75 and rows["maria"]["gold_accuracy"] >= 0.875


def test_the_review_page_has_split_items(session, demo):
    queue = review_queue(session=session, user=None, project=demo, limit=100)
    assert queue.total >= 3 and all(entry.label is None for entry in queue.entries)


def test_annotation_times_are_spread_over_past_weeks_in_working_sessions(session, demo):
    rows = session.exec(select(Annotation.created_at, Annotation.updated_at, Annotation.guidelines_version)).all()
    now = datetime.now(UTC)
    times = [created for created, _, _ in rows]
    assert all(created == updated for created, updated, _ in rows)
    assert max(times) < now and now - min(times) > timedelta(days=14)
    assert len({t.date() for t in times}) >= 10
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    assert sum(t >= midnight for t in times) < len(times) / 5  # not everything "done today"
    assert {version for _, _, version in rows} == {1}


def test_spreading_the_times_is_deterministic_and_never_in_the_future(session, demo):
    spread_annotation_times(session=session, project=demo, now=NOW)
    first = session.exec(select(Annotation.id, Annotation.created_at).order_by(Annotation.id)).all()
    spread_annotation_times(session=session, project=demo, now=NOW)
    assert session.exec(select(Annotation.id, Annotation.created_at).order_by(Annotation.id)).all() == first
    assert all(t < NOW for _, t in first)
    newest = max(t for _, t in first)
    assert NOW - newest < timedelta(hours=1)  # someone was at work this morning


def test_loading_again_changes_nothing(session, demo):
    before = session.exec(select(func.count(Annotation.id))).one()
    again = load_demo(session=session, path=DEMO, project="demo")
    assert again == "The database already has 173 items; the demo data set was not loaded."
    assert session.exec(select(func.count(Annotation.id))).one() == before


def test_an_empty_demo_project_left_by_an_earlier_load_is_completed(session):
    create_project(session=session, name="demo")
    load_demo(session=session, path=DEMO, project="demo")
    project = get_project(session=session, name="demo")
    assert project_schema(project) == DEMO_SCHEMA and project.guidelines_version == 1
    assert session.exec(select(func.count(Item.id))).one() == 173


def test_a_missing_data_set_is_a_clear_error(session, tmp_path):
    from feedback.errors import FeedbackError
    with pytest.raises(FeedbackError, match="Demo data set not found"):
        load_demo(session=session, path=tmp_path / "nope.jsonl", project="demo")
