"""The queue and submissions through the service layer."""

import threading

import pytest
from sqlmodel import Session, func, select

from feedback.annotate import Answer, submit_annotation
from feedback.errors import InvalidAnswer, NotFound
from feedback.models import Annotation, User
from feedback.queue import current_or_next, display_order, next_item, progress


def answer(pref="a", **kw) -> Answer:
    return Answer(preference=pref, **kw)


def test_next_item_least_annotated_first_then_import_order(session, make_project, make_user):
    project = make_project(items=3)
    maria, alex = make_user("maria"), make_user("alex")
    first = next_item(session=session, user=maria, project=project)
    assert first.external_id == "i0"
    submit_annotation(session=session, user=maria, item_id=first.id, answer=answer())
    # for alex, i0 now has one annotation: the untouched i1 comes first
    assert next_item(session=session, user=alex, project=project).external_id == "i1"
    # maria never gets i0 again
    assert next_item(session=session, user=maria, project=project).external_id == "i1"


def test_items_stop_being_served_at_the_overlap(session, make_project, make_user):
    project = make_project(items=1, overlap=2)
    users = [make_user(f"u{n}") for n in range(3)]
    for user in users[:2]:
        item = next_item(session=session, user=user, project=project)
        submit_annotation(session=session, user=user, item_id=item.id, answer=answer())
    assert next_item(session=session, user=users[2], project=project) is None
    with pytest.raises(InvalidAnswer, match="already has its 2 annotations"):
        submit_annotation(session=session, user=users[2], item_id=item.id, answer=answer())


def test_one_annotation_per_annotator_and_item(session, make_project, make_user):
    project = make_project(items=1)
    user = make_user()
    item = next_item(session=session, user=user, project=project)
    submit_annotation(session=session, user=user, item_id=item.id, answer=answer())
    with pytest.raises(InvalidAnswer, match="already annotated"):
        submit_annotation(session=session, user=user, item_id=item.id, answer=answer("b"))
    assert session.exec(select(func.count(Annotation.id))).one() == 1


@pytest.mark.parametrize(
    "bad, message",
    [
        (Answer(preference=None), "choose which answer is better"),
        (Answer(preference="c"), "'c' is not one of"),
        (Answer(preference="a", ratings={"a": {"helpfulness": 9}}), "ratings.a.helpfulness"),
        (Answer(preference="a", ratings={"a": {"charm": 3}}), "unknown rubric dimension"),
        (Answer(preference="a", flags={"b": ["rude"]}), "unknown flag 'rude'"),
        (Answer(preference="a", shown_order=["a", "a"]), "shown_order"),
    ],
)
def test_invalid_answers_are_refused_with_the_field(session, make_project, make_user, bad, message):
    project = make_project(items=1)
    user = make_user()
    item = next_item(session=session, user=user, project=project)
    with pytest.raises(InvalidAnswer, match=message):
        submit_annotation(session=session, user=user, item_id=item.id, answer=bad)
    assert session.exec(select(func.count(Annotation.id))).one() == 0


def test_unknown_item(session, make_user):
    with pytest.raises(NotFound):
        submit_annotation(session=session, user=make_user(), item_id=999, answer=answer())


def test_answer_is_stored_whole(session, make_project, make_user):
    project = make_project(items=1)
    user = make_user()
    item = next_item(session=session, user=user, project=project)
    saved = submit_annotation(session=session, user=user, item_id=item.id, answer=Answer(
        preference="b", ratings={"a": {"safety": 1}, "b": {"safety": 5, "helpfulness": 4}},
        flags={"a": ["unsafe", "unsafe", "off_task"], "b": []}, correction="A better answer <script>x</script>",
        rationale="  ", shown_order=["b", "a"], time_spent_s=12.5))
    session.expire_all()
    stored = session.get(Annotation, saved.id)
    assert stored.preference == "b"
    assert stored.ratings == {"a": {"safety": 1}, "b": {"safety": 5, "helpfulness": 4}}
    assert stored.flags == {"a": ["off_task", "unsafe"]}
    assert stored.correction == "A better answer <script>x</script>"
    assert stored.rationale is None
    assert stored.shown_order == ["b", "a"] and stored.time_spent_s == 12.5


def test_unchanged_prefilled_correction_is_not_a_correction(session, make_project, make_user):
    project = make_project(items=1)
    user = make_user()
    item = next_item(session=session, user=user, project=project)
    saved = submit_annotation(session=session, user=user, item_id=item.id,
                              answer=answer("a", correction="first answer"))
    assert saved.correction is None


def test_progress_counts_done_and_open(session, make_project, make_user):
    project = make_project(items=3, overlap=1)
    maria, alex = make_user("maria"), make_user("alex")
    assert progress(session=session, user=maria, project=project).total == 3
    item = next_item(session=session, user=alex, project=project)
    submit_annotation(session=session, user=alex, item_id=item.id, answer=answer())
    mine = progress(session=session, user=alex, project=project)
    theirs = progress(session=session, user=maria, project=project)
    assert (mine.done, mine.total) == (1, 3)
    assert (theirs.done, theirs.total) == (0, 2)  # alex filled the overlap of one item


def test_current_item_is_kept_until_answered(session, make_project, make_user):
    project = make_project(items=2)
    user = make_user()
    second = next_item(session=session, user=make_user("other"), project=project)
    kept = current_or_next(session=session, user=user, project=project, item_id=second.id)
    assert kept.id == second.id
    other_project = make_project("q", items=1)
    foreign = next_item(session=session, user=user, project=other_project)
    assert current_or_next(session=session, user=user, project=project, item_id=foreign.id).project_id == project.id


def test_display_order_is_stable_and_varies():
    keys = ["a", "b"]
    assert display_order(1, 7, keys) == display_order(1, 7, keys)
    orders = {tuple(display_order(user, item, keys)) for user in range(5) for item in range(20)}
    assert orders == {("a", "b"), ("b", "a")}
    firsts = [display_order(u, i, keys)[0] for u in range(10) for i in range(100)]
    assert 0.4 < firsts.count("a") / len(firsts) < 0.6


def test_concurrent_submissions_never_exceed_the_overlap(file_engine, add_item):
    """16 annotators race for 10 items with overlap 3 on one SQLite file: exactly 30 annotations."""
    with Session(file_engine, expire_on_commit=False) as s:
        from feedback.projects import add_project

        project = add_project(s, name="race", overlap=3)
        for n in range(10):
            add_item(s, project, external_id=f"i{n}")
        users = [User(name=f"u{n}") for n in range(16)]
        s.add_all(users)
        s.commit()
    errors: list[Exception] = []

    def work(user):
        with Session(file_engine, expire_on_commit=False) as s:
            while True:
                item = next_item(session=s, user=user, project=project)
                s.rollback()
                if item is None:
                    return
                try:
                    submit_annotation(session=s, user=user, item_id=item.id, answer=answer())
                except InvalidAnswer:
                    s.rollback()  # someone filled it first: take the next one
                except Exception as e:  # noqa: BLE001
                    errors.append(e)
                    return

    threads = [threading.Thread(target=work, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Session(file_engine) as s:
        counts = s.exec(select(Annotation.item_id, func.count()).group_by(Annotation.item_id)).all()
    assert sorted(c for _, c in counts) == [3] * 10
