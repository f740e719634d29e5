"""Project and annotator progress for reviewers and admins."""

from datetime import timedelta

import pytest
from sqlmodel import select

from feedback.errors import PermissionDenied
from feedback.labeling.progress import annotator_progress, progress_summary, project_progress
from feedback.store.tables import Annotation, Item, Skip, utcnow


@pytest.fixture
def worked(session, make_project, make_user, add_item):
    """Overlap 2, four regular items and a gold one: i0 complete, i1 started, i2 skipped by bo, i3 untouched."""
    project = make_project("p", overlap=2, items=4)
    gold = add_item(session, project, external_id="g")
    gold.is_gold = True
    ann, bo = make_user("ann"), make_user("bo")
    items = {i.external_id: i for i in project_items(session, project)}
    now = utcnow()
    for user, item, spent, when in [(ann, items["i0"], 10.0, now), (bo, items["i0"], 30.0, now),
                                    (ann, items["i1"], 20.0, now - timedelta(days=2)), (ann, gold, None, now)]:
        session.add(Annotation(item_id=item.id, user_id=user.id, preference="a", time_spent_s=spent, created_at=when))
        item.n_annotations += 1
        session.add(item)
    session.add(Skip(item_id=items["i2"].id, user_id=bo.id, reason="unsure"))
    session.commit()
    return project


def project_items(session, project):
    return session.exec(select(Item).where(Item.project_id == project.id)).all()


def test_project_progress_counts_complete_started_untouched_and_gold_apart(session, worked, make_user):
    progress = project_progress(session=session, user=make_user("rev", role="reviewer"), project=worked)
    assert progress == {"items": 4, "complete": 1, "started": 1, "untouched": 2, "gold": 1,
                        "annotations": 3, "wanted": 8, "beyond": 0}
    assert progress_summary(progress) == ("1 of 4 items complete, 1 started, 2 untouched; 3 of 8 annotations "
                                          "(38%); 1 gold items")


def test_extra_annotators_asked_for_make_an_item_incomplete_again(session, worked, make_user):
    first = next(i for i in project_items(session, worked) if i.external_id == "i0")
    first.extra_overlap = 1
    session.add(first)
    session.commit()
    progress = project_progress(session=session, user=None, project=worked)
    assert (progress["complete"], progress["started"], progress["wanted"]) == (0, 2, 9)


def test_annotations_beyond_an_items_overlap_are_counted_apart_and_the_share_stays_at_most_one(
        session, worked, make_user):
    """Found by the first-visit browser test: the Progress page's bar got 133% and raised, after the overlap of a
    project with imported labels was lowered."""
    worked.overlap = 1
    session.add(worked)
    session.commit()
    progress = project_progress(session=session, user=None, project=worked)
    assert (progress["complete"], progress["annotations"], progress["wanted"], progress["beyond"]) == (2, 2, 4, 1)
    assert progress_summary(progress) == ("2 of 4 items complete, 0 started, 2 untouched; 2 of 4 annotations (50%), "
                                          "1 more beyond the overlap; 1 gold items")


def test_annotator_progress_per_person(session, worked, make_user):
    table = annotator_progress(session=session, user=make_user("boss", role="admin"), project=worked)
    rows = table.set_index("annotator").to_dict("index")
    assert list(table["annotator"]) == ["ann", "bo"]
    assert (rows["ann"]["done"], rows["ann"]["today"], rows["ann"]["skipped"], rows["ann"]["median_s"]) == (3, 2, 0, 15.0)
    assert (rows["bo"]["done"], rows["bo"]["today"], rows["bo"]["skipped"], rows["bo"]["median_s"]) == (1, 1, 1, 30.0)


def test_an_annotator_who_only_skipped_is_listed(session, make_project, make_user, add_item):
    project = make_project("q", items=1)
    item = project_items(session, project)[0]
    session.add(Skip(item_id=item.id, user_id=make_user("shy").id))
    session.commit()
    table = annotator_progress(session=session, user=None, project=project)
    assert table.to_dict("records")[0]["annotator"] == "shy"
    assert table.to_dict("records")[0]["done"] == 0 and table.to_dict("records")[0]["skipped"] == 1


def test_annotators_see_no_team_progress(session, worked, make_user):
    ann = make_user("someone")
    with pytest.raises(PermissionDenied):
        project_progress(session=session, user=ann, project=worked)
    with pytest.raises(PermissionDenied):
        annotator_progress(session=session, user=ann, project=worked)
