"""Skips listed and undone: a misclick on Skip is not forever."""

import pytest

from feedback.errors import NotFound, PermissionDenied
from feedback.labeling.queue import progress, serve, skip
from feedback.labeling.skips import my_skips, unskip


def test_an_unskipped_item_comes_back_into_the_annotators_queue(session, make_project, make_user):
    project = make_project(items=2)
    ann = make_user("ann")
    first = serve(session=session, user=ann, project=project)
    skip(session=session, user=ann, item_id=first.id, reason="misclick")
    assert serve(session=session, user=ann, project=project).external_id == "i1"
    assert progress(session=session, user=ann, project=project).remaining == 1
    assert unskip(session=session, user=ann, item_id=first.id) is True
    assert progress(session=session, user=ann, project=project).remaining == 2
    assert my_skips(session=session, user=ann, project=project) == ([], 0)
    assert serve(session=session, user=ann, project=project, item_id=first.id).id == first.id


def test_my_skips_lists_only_my_own_newest_first_and_unskip_undoes_only_mine(session, make_project, make_user):
    project = make_project(items=3)
    ann, bob = make_user("ann"), make_user("bob")
    items = [serve(session=session, user=ann, project=project)]
    skip(session=session, user=ann, item_id=items[0].id)
    items.append(serve(session=session, user=ann, project=project))
    skip(session=session, user=ann, item_id=items[1].id, reason="unsure")
    skip(session=session, user=bob, item_id=items[0].id)
    listed, total = my_skips(session=session, user=ann, project=project)
    assert total == 2 and [item.external_id for _, item in listed] == ["i1", "i0"]
    assert listed[0][0].reason == "unsure"
    assert my_skips(session=session, user=ann, project=project, limit=1)[1] == 2
    assert unskip(session=session, user=ann, item_id=items[0].id) is True
    assert unskip(session=session, user=ann, item_id=items[0].id) is False  # nothing left to undo
    assert [item.external_id for _, item in my_skips(session=session, user=bob, project=project)[0]] == ["i0"]


def test_unskip_needs_a_signed_in_annotator_and_an_item(session, make_project, make_user):
    make_project(items=1)
    with pytest.raises(PermissionDenied):
        unskip(session=session, user=None, item_id=1)
    with pytest.raises(NotFound):
        unskip(session=session, user=make_user("ann"), item_id=999)
