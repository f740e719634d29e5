"""Stored figures: the Agreement page's figures are kept with the version of the data they count, read back as they
were computed, and served only while no answer, decision, question or threshold has changed."""

import json
import zlib

import pytest
from sqlmodel import select

from feedback.errors import PermissionDenied
from feedback.projects.projects import project_schema, update_project_settings
from feedback.projects.schema import LabelSchema
from feedback.projects.schema_changes import set_schema
from feedback.review import stored
from feedback.review.workflow import adjudicate
from feedback.store.tables import Annotation, Item, StoredFigures, Suggestion


@pytest.fixture
def team(session, make_project, make_user):
    """A project of 6 items answered by 3 annotators (preferences, ratings, a flag), a judge on every item, and
    a reviewer."""
    project = make_project(items=6)
    items = session.exec(select(Item).where(Item.project_id == project.id).order_by(Item.position)).all()
    people = [make_user(f"ann{n}") for n in range(3)]
    for i, item in enumerate(items):
        for j, person in enumerate(people):
            choice = "a" if (i + j) % 3 else "b"
            session.add(Annotation(item_id=item.id, user_id=person.id, preference=choice,
                                   ratings={"a": {"helpfulness": 1 + (i + j) % 5}, "b": {"helpfulness": 3}},
                                   flags={"b": ["unsafe"]} if i == j else {}))
        session.add(Suggestion(item_id=item.id, agent="judge", preference="a", score=0.5 + i / 20))
    session.commit()
    return project, items, make_user("rev", role="reviewer")


def test_stored_figures_read_back_equal_to_the_computed_ones(session, team):
    project, _, _ = team
    value = stored.compute_figures(session, project)
    assert value["report"]["questions"] and value["quality"] and value["judges"]
    version = stored.figures_version(session, project.id)
    stored.store_figures(session, project.id, version, value)
    found = stored.stored_figures(session, project.id)
    assert found.reused and found.version == version
    assert found.value == value  # same types too: no tuple became a list, no number key became text
    assert json.dumps(found.value, sort_keys=True) == json.dumps(value, sort_keys=True)


def test_figures_are_reused_until_an_answer_a_decision_a_question_or_the_threshold_changes(session, team):
    project, items, reviewer = team
    first = stored.current_figures(session=session, user=reviewer, project=project)
    assert not first.reused and first.value["report"]["n_annotations"] == 18
    again = stored.current_figures(session=session, user=reviewer, project=project)
    assert again.reused and again.value == first.value and again.computed_at == first.computed_at
    assert not stored.current_figures(session=session, user=reviewer, project=project, recompute=True).reused

    def changes(change) -> str:
        before = stored.current_figures(session=session, user=reviewer, project=project)
        change()
        after = stored.current_figures(session=session, user=reviewer, project=project)
        assert not after.reused and after.version != before.version
        assert stored.current_figures(session=session, user=reviewer, project=project).reused
        return after

    edited = session.exec(select(Annotation).where(Annotation.item_id == items[0].id)).first()

    def edit():
        edited.preference, edited.revision = "b" if edited.preference == "a" else "a", edited.revision + 1
        session.add(edited)
        session.commit()

    changes(edit)
    changes(lambda: adjudicate(session=session, user=reviewer, item_id=items[1].id, answer={"preference": "a"},
                               reason="checked the docs"))
    changes(lambda: update_project_settings(session=session, user=None, project=project, quality_threshold=0.9))
    schema = LabelSchema.model_validate({**project_schema(project).model_dump(), "flags": ["unsafe", "off_topic"]})
    after = changes(lambda: set_schema(session=session, user=None, project=project, schema=schema))
    assert any(q["question"] == "flag: off topic" for q in after.value["report"]["questions"])

    def add_answer():
        session.add(Annotation(item_id=items[2].id, user_id=reviewer.id, preference="b"))
        session.commit()

    assert changes(add_answer).value["report"]["n_annotations"] == 19


def test_figures_of_another_format_or_unreadable_ones_are_never_served(session, team, monkeypatch):
    project, _, reviewer = team
    stored.current_figures(session=session, user=reviewer, project=project)
    row = session.exec(select(StoredFigures)).one()
    monkeypatch.setattr(stored, "FORMAT", stored.FORMAT + 1)  # the figures' shape changed in a new version
    assert stored.stored_figures(session, project.id) is None
    assert not stored.current_figures(session=session, user=reviewer, project=project).reused
    assert session.exec(select(StoredFigures)).one().version.startswith(f"f{stored.FORMAT}:")
    row = session.exec(select(StoredFigures)).one()
    row.payload = zlib.compress(b"{not json")
    session.add(row)
    session.commit()
    assert stored.stored_figures(session, project.id) is None


def test_annotators_may_not_read_the_figures(session, team, make_user):
    project, _, _ = team
    with pytest.raises(PermissionDenied):
        stored.current_figures(session=session, user=make_user("someone"), project=project)
