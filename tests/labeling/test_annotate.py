"""Editing one's own answers: revisions, privacy, paging through one's history."""

from datetime import timedelta

import pytest
from sqlmodel import func, select

from feedback.errors import InvalidAnswer, NotFound, PermissionDenied
from feedback.labeling.annotate import (
    Answer,
    annotation_history,
    edit_annotation,
    get_my_annotation,
    my_annotations,
    submit_annotation,
)
from feedback.labeling.queue import serve
from feedback.store.tables import Annotation, AnnotationRevision, utcnow


def _answered(session, user, project, **answer) -> Annotation:
    item = serve(session=session, user=user, project=project)
    return submit_annotation(session=session, user=user, item_id=item.id,
                             answer=Answer(**({"preference": "a"} | answer)))


def test_an_edit_is_a_new_revision_with_old_new_who_and_when(session, make_project, make_user):
    project = make_project(items=1)
    maria = make_user("maria")
    saved = _answered(session, maria, project, rationale="A is right", time_spent_s=4.5)
    before = utcnow()
    edited = edit_annotation(session=session, user=maria, annotation_id=saved.id,
                             answer=Answer(preference="b", rationale="B, on second thought"))
    assert edited.id == saved.id and edited.revision == 2
    assert (edited.preference, edited.rationale) == ("b", "B, on second thought")
    assert edited.time_spent_s == 4.5  # the time on task of the first answer is kept
    edit_annotation(session=session, user=maria, annotation_id=saved.id, answer=Answer(preference="tie"))
    session.expire_all()
    history = annotation_history(session=session, user=maria, annotation_id=saved.id)
    assert [r.revision for r in history] == [2, 3]
    first, second = history
    assert first.user_id == maria.id and first.created_at.replace(tzinfo=None) >= before.replace(tzinfo=None)
    assert (first.old["preference"], first.old["rationale"]) == ("a", "A is right")
    assert (first.new["preference"], first.new["rationale"]) == ("b", "B, on second thought")
    assert second.old == first.new and second.new["preference"] == "tie" and second.new["rationale"] is None
    assert session.exec(select(func.count(Annotation.id))).one() == 1
    assert session.get(Annotation, saved.id).preference == "tie"


def test_an_edit_that_changes_nothing_makes_no_revision(session, make_project, make_user):
    project = make_project(items=1)
    user = make_user()
    saved = _answered(session, user, project, ratings={"a": {"helpfulness": 4}})
    same = edit_annotation(session=session, user=user, annotation_id=saved.id,
                           answer=Answer(preference="a", ratings={"a": {"helpfulness": 4}, "b": {}}))
    assert same.revision == 1
    assert session.exec(select(func.count(AnnotationRevision.id))).one() == 0


def test_an_invalid_edit_changes_nothing(session, make_project, make_user):
    project = make_project(items=1)
    user = make_user()
    saved = _answered(session, user, project)
    with pytest.raises(InvalidAnswer, match="'c' is not one of"):
        edit_annotation(session=session, user=user, annotation_id=saved.id, answer=Answer(preference="c"))
    session.expire_all()
    assert session.get(Annotation, saved.id).preference == "a"
    assert session.exec(select(func.count(AnnotationRevision.id))).one() == 0


def test_nobody_reads_or_edits_someone_elses_answer(session, make_project, make_user):
    project = make_project(items=1)
    maria, alex = make_user("maria"), make_user("alex")
    admin, reviewer = make_user("root", role="admin"), make_user("rev", role="reviewer")
    saved = _answered(session, maria, project)
    edit_annotation(session=session, user=maria, annotation_id=saved.id, answer=Answer(preference="b"))
    for other in (alex, admin, None):
        with pytest.raises(PermissionDenied):
            edit_annotation(session=session, user=other, annotation_id=saved.id, answer=Answer(preference="a"))
    with pytest.raises(PermissionDenied):
        get_my_annotation(session=session, user=alex, annotation_id=saved.id)
    with pytest.raises(PermissionDenied):
        annotation_history(session=session, user=alex, annotation_id=saved.id)
    assert len(annotation_history(session=session, user=reviewer, annotation_id=saved.id)) == 1
    assert get_my_annotation(session=session, user=maria, annotation_id=saved.id).preference == "b"
    with pytest.raises(NotFound):
        edit_annotation(session=session, user=maria, annotation_id=999, answer=Answer(preference="a"))
    session.expire_all()
    assert session.get(Annotation, saved.id).preference == "b"


def test_my_annotations_are_mine_only_newest_first_in_pages(session, make_project, make_user):
    project, other_project = make_project("p", items=4), make_project("q", items=1)
    maria, alex = make_user("maria"), make_user("alex")
    mine = [_answered(session, maria, project) for _ in range(3)]
    _answered(session, alex, project)
    _answered(session, maria, other_project)
    for n, annotation in enumerate(mine):  # answered a minute apart
        annotation.created_at = utcnow() - timedelta(minutes=10 - n)
        session.add(annotation)
    session.commit()
    rows = my_annotations(session=session, user=maria, project=project)
    assert [a.id for a, _ in rows] == [a.id for a in reversed(mine)]
    assert all(a.user_id == maria.id and item.project_id == project.id for a, item in rows)
    page = my_annotations(session=session, user=maria, project=project, offset=1, limit=1)
    assert [a.id for a, _ in page] == [mine[1].id]
    assert [a.user_id for a, _ in my_annotations(session=session, user=alex, project=project)] == [alex.id]
    with pytest.raises(PermissionDenied):
        my_annotations(session=session, user=None, project=project)


def test_time_on_task_is_stored_and_must_not_be_negative(session, make_project, make_user):
    project = make_project(items=1)
    saved = _answered(session, make_user(), project, time_spent_s=17.25)
    assert session.get(Annotation, saved.id).time_spent_s == 17.25
    with pytest.raises(ValueError):
        Answer(preference="a", time_spent_s=-1)


def test_an_answer_records_the_schema_version(session, make_project, make_user):
    project = make_project(items=1)
    saved = _answered(session, make_user(), project)
    assert saved.schema_version == project.schema_version and saved.source == "app"
