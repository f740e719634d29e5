"""``release``: an annotator gives back the item leased to them (the Rate page does when it cannot show it)."""

import pytest
from sqlmodel import select

from feedback.errors import PermissionDenied
from feedback.labeling.queue import release, serve
from feedback.store.tables import Lease


def holders(session) -> list[tuple[int, int]]:
    session.expire_all()
    return sorted((lease.item_id, lease.user_id) for lease in session.exec(select(Lease)).all())


def test_a_released_item_goes_to_the_next_annotator_at_once(session, make_project, make_user):
    project = make_project(items=1, overlap=1)
    first, second = make_user("first"), make_user("second")
    item = serve(session=session, user=first, project=project)
    assert serve(session=session, user=second, project=project) is None  # the lease holds the only place
    assert release(session=session, user=first, item_id=item.id) is True
    assert holders(session) == []
    assert serve(session=session, user=second, project=project).id == item.id
    assert release(session=session, user=first, item_id=item.id) is False  # nothing left to give back
    assert holders(session) == [(item.id, second.id)]


def test_releasing_touches_only_the_callers_own_lease(session, make_project, make_user):
    project = make_project(items=1, overlap=2)
    holder, other = make_user("holder"), make_user("other")
    item = serve(session=session, user=holder, project=project)
    assert release(session=session, user=other, item_id=item.id) is False
    assert holders(session) == [(item.id, holder.id)]


def test_only_a_signed_in_user_who_may_use_the_project_releases(session, make_project, make_user):
    project = make_project(items=1, overlap=2)
    holder, outsider = make_user("holder"), make_user("outsider")
    item = serve(session=session, user=holder, project=project)
    project.restricted = True  # open only to named annotators, and the outsider is not one
    session.add(project)
    session.commit()
    with pytest.raises(PermissionDenied):
        release(session=session, user=None, item_id=item.id)
    with pytest.raises(PermissionDenied, match="named annotators"):
        release(session=session, user=outsider, item_id=item.id)
    assert holders(session) == [(item.id, holder.id)]
