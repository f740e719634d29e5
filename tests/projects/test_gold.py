"""Gold items: known answers mixed into every annotator's queue, and each annotator's accuracy on them."""

import math

import pytest
from sqlmodel import select

from feedback.errors import InvalidAnswer, PermissionDenied
from feedback.labeling.annotate import Answer, edit_annotation, submit_annotation
from feedback.labeling.queue import progress, serve
from feedback.projects.gold import gold_accuracy, gold_problems, gold_verdict, set_gold
from feedback.store.tables import Annotation, Item


@pytest.mark.parametrize("gold, preference, ranking, expected", [
    ({"preference": "a"}, "a", None, True),
    ({"preference": "a"}, "b", None, False),
    ({"preference": "tie"}, "tie", None, True),
    ({"preference": "a"}, None, {"a": 1, "b": 2, "c": 3}, True),  # compared with the top of the ranking
    ({"ranking": {"a": 1, "b": 2, "c": 3}}, None, {"a": 1, "b": 2, "c": 3}, True),
    ({"ranking": {"a": 1, "b": 2, "c": 3}}, None, {"a": 1, "b": 3, "c": 2}, False),
    ({"ranking": {"a": 1, "b": 1, "c": 3}}, None, {"a": 1, "b": 1, "c": 2}, True),  # ties renumbered densely
    ({"ranking": {"a": 2, "b": 1, "c": 3}}, "b", None, True),  # a ranking compared by its top choice
    ({"preference": "a"}, None, None, None),  # nothing to compare
    (None, "a", None, None),
])
def test_gold_verdict(gold, preference, ranking, expected):
    assert gold_verdict(gold, preference=preference, ranking=ranking) is expected


@pytest.mark.parametrize("answer, field", [
    ({"preference": "c"}, "gold.preference"),
    ({"preference": 1}, "gold.preference"),
    ({"answer": "a"}, "gold.answer"),
    ({}, "gold"),
    ("a", "gold"),
])
def test_gold_problems_name_the_field(answer, field):
    problems = gold_problems(answer, ["a", "b"])
    assert problems and problems[0][0] == field
    assert gold_problems({"preference": "both_bad"}, ["a", "b"]) == []


def _gold_project(session, make_project, *, regular: int, gold: int, rate: float, overlap: int = 1):
    project = make_project(items=regular + gold, overlap=overlap)
    project.gold_rate = rate
    session.add(project)
    session.commit()
    items = session.exec(select(Item).where(Item.project_id == project.id).order_by(Item.position)).all()
    for item in items[regular:]:
        set_gold(session=session, user=None, item_id=item.id, answer={"preference": "a"})
    return project, {i.id for i in items[regular:]}


def test_gold_is_mixed_in_at_the_rate(session, make_project, make_user):
    """After n answers an annotator has had floor(rate n) or ceil(rate n) gold items, whatever n."""
    project, gold_ids = _gold_project(session, make_project, regular=200, gold=30, rate=0.1)
    user = make_user()
    golds = 0
    for n in range(1, 201):
        item = serve(session=session, user=user, project=project)
        golds += item.id in gold_ids
        submit_annotation(session=session, user=user, item_id=item.id, answer=Answer(preference="a"))
        assert math.floor(0.1 * n) <= golds <= math.ceil(0.1 * n), n
    assert golds == 20
    # gold items look like any other item
    item = serve(session=session, user=user, project=project)
    assert item.external_id.startswith("i") and item.prompt.startswith("question")


def test_every_annotator_gets_each_gold_item_once_outside_the_overlap(session, make_project, make_user):
    project, gold_ids = _gold_project(session, make_project, regular=9, gold=2, rate=0.5, overlap=2)
    users = [make_user(name) for name in ("maria", "alex", "sam")]
    served: dict[str, list[int]] = {user.name: [] for user in users}
    active = list(users)
    while active:  # the three take turns, one item each
        for user in list(active):
            item = serve(session=session, user=user, project=project)
            if item is None:
                active.remove(user)
                continue
            served[user.name].append(item.id)
            submit_annotation(session=session, user=user, item_id=item.id, answer=Answer(preference="a"))
    assert {name: sorted(set(ids) & gold_ids) for name, ids in served.items()} == {
        name: sorted(gold_ids) for name in served}
    assert all(len(ids) == len(set(ids)) for ids in served.values())
    # each regular item has its 2 answers; each gold item was answered by all three
    counts = dict(session.exec(select(Item.id, Item.n_annotations)).all())
    assert sorted(counts[i] for i in counts if i not in gold_ids) == [2] * 9
    assert [counts[i] for i in sorted(gold_ids)] == [3, 3]
    # gold is only mixed in: with no regular item left the queue is empty
    late = make_user("late")
    assert serve(session=session, user=late, project=project) is None
    assert progress(session=session, user=late, project=project).remaining == 0


def test_gold_verdicts_are_stored_at_submit_and_on_edit(session, make_project, make_user):
    project, gold_ids = _gold_project(session, make_project, regular=1, gold=1, rate=0.0, overlap=1)
    gold_id = next(iter(gold_ids))
    right, wrong = make_user("right"), make_user("wrong")
    good = submit_annotation(session=session, user=right, item_id=gold_id, answer=Answer(preference="a"))
    bad = submit_annotation(session=session, user=wrong, item_id=gold_id, answer=Answer(preference="b"))
    assert (good.gold_correct, bad.gold_correct) == (True, False)
    regular = serve(session=session, user=right, project=project)
    assert submit_annotation(session=session, user=right, item_id=regular.id,
                             answer=Answer(preference="a")).gold_correct is None
    fixed = edit_annotation(session=session, user=wrong, annotation_id=bad.id, answer=Answer(preference="a"))
    assert fixed.gold_correct is True
    # changing the known answer recomputes every verdict; unmarking clears them
    set_gold(session=session, user=None, item_id=gold_id, answer={"preference": "tie"})
    session.expire_all()
    assert {a.gold_correct for a in session.exec(select(Annotation).where(Annotation.item_id == gold_id))} == {False}
    set_gold(session=session, user=None, item_id=gold_id, answer=None)
    session.expire_all()
    assert {a.gold_correct for a in session.exec(select(Annotation).where(Annotation.item_id == gold_id))} == {None}
    assert session.get(Item, gold_id).is_gold is False


def test_only_admins_mark_gold_and_the_answer_is_checked(session, make_project, make_user):
    project = make_project(items=1)
    item = session.exec(select(Item).where(Item.project_id == project.id)).one()
    for role in ("annotator", "reviewer"):
        with pytest.raises(PermissionDenied):
            set_gold(session=session, user=make_user(role, role=role), item_id=item.id, answer={"preference": "a"})
    admin = make_user("root", role="admin")
    with pytest.raises(InvalidAnswer, match="gold.preference"):
        set_gold(session=session, user=admin, item_id=item.id, answer={"preference": "c"})
    marked = set_gold(session=session, user=admin, item_id=item.id, answer={"preference": "b"})
    assert (marked.is_gold, marked.gold_answer) == (True, {"preference": "b"})


def test_gold_accuracy_per_annotator_for_reviewers_only(session, make_project, make_user):
    project, gold_ids = _gold_project(session, make_project, regular=0, gold=4, rate=0.0, overlap=1)
    maria, alex = make_user("maria"), make_user("alex")
    for n, gold_id in enumerate(sorted(gold_ids)):
        submit_annotation(session=session, user=maria, item_id=gold_id, answer=Answer(preference="a"))
        if n < 2:
            submit_annotation(session=session, user=alex, item_id=gold_id,
                              answer=Answer(preference="a" if n == 0 else "b"))
    reviewer = make_user("rev", role="reviewer")
    rows = gold_accuracy(session=session, user=reviewer, project=project)
    assert [(r["annotator"], r["gold_answered"], r["correct"], r["accuracy"]) for r in rows] == [
        ("alex", 2, 1, 0.5), ("maria", 4, 4, 1.0)]
    with pytest.raises(PermissionDenied):
        gold_accuracy(session=session, user=maria, project=project)
