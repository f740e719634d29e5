"""Drafts on the server: a half-entered answer is kept per annotator and item, private, until submitted or skipped."""

import pytest
from sqlmodel import func, select

from feedback.errors import NotFound, PermissionDenied
from feedback.labeling.annotate import Answer, submit_annotation
from feedback.labeling.drafts import drop_draft, get_draft, save_draft
from feedback.labeling.queue import serve, skip
from feedback.store.tables import Draft, ProjectMember

HALF = Answer(preference="b", ratings={"a": {"helpfulness": 4}}, flags={"b": ["unsafe"]},
              correction="Open Settings > E-mail.", shown_order=["b", "a"], time_spent_s=3.0)


def drafts(session) -> int:
    return session.exec(select(func.count()).select_from(Draft)).one()


def test_a_draft_comes_back_as_typed_and_a_new_save_replaces_it_in_one_row(session, make_project, make_user):
    project = make_project(items=2)
    ann = make_user("ann")
    item = serve(session=session, user=ann, project=project)
    assert get_draft(session=session, user=ann, item_id=item.id) is None
    save_draft(session=session, user=ann, item_id=item.id, answer=HALF)
    back = get_draft(session=session, user=ann, item_id=item.id)
    assert (back.preference, back.ratings, back.flags, back.correction) == (
        "b", {"a": {"helpfulness": 4}}, {"b": ["unsafe"]}, "Open Settings > E-mail.")
    assert back.time_spent_s is None and back.shown_order is None  # the page's, not the annotator's
    save_draft(session=session, user=ann, item_id=item.id, answer=Answer(rationale="not sure yet"))
    assert get_draft(session=session, user=ann, item_id=item.id).model_dump(exclude_defaults=True) == {
        "rationale": "not sure yet"}
    assert drafts(session) == 1


def test_a_draft_is_its_annotators_alone(session, make_project, make_user):
    project = make_project(items=1)
    ann, bob = make_user("ann"), make_user("bob")
    item = serve(session=session, user=ann, project=project)
    save_draft(session=session, user=ann, item_id=item.id, answer=HALF)
    assert get_draft(session=session, user=bob, item_id=item.id) is None
    save_draft(session=session, user=bob, item_id=item.id, answer=Answer(preference="a"))
    assert get_draft(session=session, user=ann, item_id=item.id).preference == "b"
    for call in (get_draft, save_draft, drop_draft):
        extra = {"answer": HALF} if call is save_draft else {}
        with pytest.raises(PermissionDenied):
            call(session=session, user=None, item_id=item.id, **extra)
        with pytest.raises(NotFound):
            call(session=session, user=ann, item_id=9999, **extra)


def test_a_restricted_project_refuses_drafts_to_non_members(session, make_project, make_user):
    project = make_project("closed", items=1)
    project.restricted = True
    member, outsider = make_user("member"), make_user("outsider")
    session.add_all([project, ProjectMember(project_id=project.id, user_id=member.id)])
    session.commit()
    item = serve(session=session, user=member, project=project)
    save_draft(session=session, user=member, item_id=item.id, answer=HALF)
    with pytest.raises(PermissionDenied):
        get_draft(session=session, user=outsider, item_id=item.id)


def test_submitting_or_skipping_ends_the_draft_and_an_empty_answer_keeps_none(session, make_project, make_user):
    project = make_project(items=3)
    ann = make_user("ann")
    first = serve(session=session, user=ann, project=project)
    save_draft(session=session, user=ann, item_id=first.id, answer=HALF)
    submit_annotation(session=session, user=ann, item_id=first.id, answer=Answer(preference="a"))
    assert get_draft(session=session, user=ann, item_id=first.id) is None
    second = serve(session=session, user=ann, project=project)
    save_draft(session=session, user=ann, item_id=second.id, answer=HALF)
    skip(session=session, user=ann, item_id=second.id)
    assert drop_draft(session=session, user=ann, item_id=second.id) is True
    assert drop_draft(session=session, user=ann, item_id=second.id) is False
    third = serve(session=session, user=ann, project=project)
    save_draft(session=session, user=ann, item_id=third.id, answer=HALF)
    assert save_draft(session=session, user=ann, item_id=third.id, answer=Answer(rationale="  ".strip())) is None
    assert drafts(session) == 0
