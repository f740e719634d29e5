"""The queue and submissions through the service layer."""

import threading
from datetime import UTC, timedelta

import pytest
from sqlmodel import Session, func, select

from feedback.errors import InvalidAnswer, NotFound, PermissionDenied
from feedback.labeling.annotate import Answer, submit_annotation
from feedback.labeling.queue import current_or_next, display_order, next_item, progress, release, serve, skip
from feedback.store.tables import Annotation, Item, Lease, ProjectMember, Skip, User, utcnow


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
        from feedback.projects.projects import add_project

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


# --- order, skips, leases ------------------------------------------------------------------------------


def _walk(session, user, project) -> list[str]:
    """The external ids the queue offers ``user``, in order, skipping each (skips change no counts)."""
    seen = []
    while (item := serve(session=session, user=user, project=project)) is not None:
        seen.append(item.external_id)
        skip(session=session, user=user, item_id=item.id)
    return seen


def test_order_is_priority_then_least_annotated_then_import_order(session, make_project, make_user):
    project = make_project(items=6, overlap=5)
    by_id = {i.external_id: i for i in session.exec(select(Item).where(Item.project_id == project.id)).all()}
    by_id["i4"].priority, by_id["i5"].priority, by_id["i1"].priority = 1, 7, -2
    session.add_all(by_id.values())
    session.commit()
    other = make_user("other")
    for ext in ("i0", "i5"):
        submit_annotation(session=session, user=other, item_id=by_id[ext].id, answer=answer())
    # i5 first (priority 7) though annotated; then i4 (1); among priority 0 the unannotated i2, i3 in import
    # order before i0 (one annotation); i1 last (priority -2)
    assert _walk(session, make_user("maria"), project) == ["i5", "i4", "i2", "i3", "i0", "i1"]


def test_answered_and_skipped_items_never_come_back(session, make_project, make_user):
    project = make_project(items=3, overlap=3)
    user = make_user()
    first = serve(session=session, user=user, project=project)
    submit_annotation(session=session, user=user, item_id=first.id, answer=answer())
    second = serve(session=session, user=user, project=project)
    record = skip(session=session, user=user, item_id=second.id, reason="  I can't read Python  ")
    assert record.reason == "I can't read Python"
    third = serve(session=session, user=user, project=project)
    assert {first.external_id, second.external_id, third.external_id} == {"i0", "i1", "i2"}
    skip(session=session, user=user, item_id=third.id)
    assert serve(session=session, user=user, project=project) is None
    assert serve(session=session, user=user, project=project, item_id=second.id) is None  # not even on screen
    assert session.exec(select(Skip.reason).where(Skip.item_id == third.id)).one() is None
    # the skipped items are still served to others
    assert serve(session=session, user=make_user("other"), project=project).external_id == "i1"
    with pytest.raises(InvalidAnswer, match="already answered"):
        skip(session=session, user=user, item_id=first.id)


def test_leases_hold_places_of_the_overlap(session, make_project, make_user):
    project = make_project(items=2, overlap=2)
    u1, u2, u3, u4, u5 = (make_user(f"u{n}") for n in range(1, 6))
    assert serve(session=session, user=u1, project=project).external_id == "i0"
    assert serve(session=session, user=u2, project=project).external_id == "i0"  # 0 annotations + 1 lease < 2
    assert serve(session=session, user=u3, project=project).external_id == "i1"  # i0: 2 leases fill it
    i0 = session.exec(select(Item).where(Item.external_id == "i0")).one()
    submit_annotation(session=session, user=u1, item_id=i0.id, answer=answer())
    assert serve(session=session, user=u4, project=project).external_id == "i1"  # i0: 1 answer + u2's lease
    assert serve(session=session, user=u5, project=project) is None
    assert progress(session=session, user=u5, project=project).remaining == 0
    # a submission without a lease cannot take a place others hold
    with pytest.raises(InvalidAnswer, match="being answered by other annotators"):
        submit_annotation(session=session, user=u5, item_id=i0.id, answer=answer())
    # releasing gives the place back
    assert release(session=session, user=u2, item_id=i0.id) is True
    assert serve(session=session, user=u5, project=project).external_id == "i0"


def _lease_of(session, user) -> Lease:
    session.expire_all()
    return session.exec(select(Lease).where(Lease.user_id == user.id)).one()


def test_an_expired_lease_returns_the_item(session, make_project, make_user):
    project = make_project(items=1, overlap=1)
    slow, quick = make_user("slow"), make_user("quick")
    item = serve(session=session, user=slow, project=project)
    assert serve(session=session, user=quick, project=project) is None
    lease = _lease_of(session, slow)
    lease.expires_at = utcnow() - timedelta(seconds=1)
    session.add(lease)
    session.commit()
    assert serve(session=session, user=quick, project=project).id == item.id
    # the slow annotator's place is gone: their late answer would pass the overlap
    with pytest.raises(InvalidAnswer, match="being answered by other annotators"):
        submit_annotation(session=session, user=slow, item_id=item.id, answer=answer())
    submit_annotation(session=session, user=quick, item_id=item.id, answer=answer())
    assert session.exec(select(func.count(Lease.id))).one() == 0


def test_a_rerun_keeps_the_item_and_renews_its_lease(session, make_project, make_user):
    project = make_project(items=3)
    project.lease_minutes = 30
    session.add(project)
    session.commit()
    user = make_user()
    item = serve(session=session, user=user, project=project)
    lease = _lease_of(session, user)
    lease.expires_at = utcnow() + timedelta(minutes=1)
    session.add(lease)
    session.commit()
    assert serve(session=session, user=user, project=project, item_id=item.id).id == item.id
    assert serve(session=session, user=user, project=project).id == item.id  # a reload: their current lease
    renewed = _lease_of(session, user).expires_at.replace(tzinfo=UTC)
    assert renewed > utcnow() + timedelta(minutes=29)


def test_one_lease_per_annotator_and_project(session, make_project, make_user):
    project, other_project = make_project("p", items=3), make_project("q", items=2)
    user = make_user()
    first = serve(session=session, user=user, project=project)
    second = serve(session=session, user=user, project=project, item_id=first.id + 1)  # another item on screen
    assert second.id != first.id
    serve(session=session, user=user, project=other_project)
    leased = session.exec(select(Lease.item_id).where(Lease.user_id == user.id).order_by(Lease.item_id)).all()
    assert len(leased) == 2 and second.id in leased and first.id not in leased
    # the released item is open to others again at once
    assert serve(session=session, user=make_user("other"), project=project).id == first.id


def test_an_empty_queue_releases_the_last_lease(session, make_project, make_user):
    project = make_project(items=1, overlap=1)
    user = make_user()
    item = serve(session=session, user=user, project=project)
    skip(session=session, user=user, item_id=item.id)
    assert serve(session=session, user=user, project=project) is None
    assert session.exec(select(func.count(Lease.id))).one() == 0


# --- progress and permissions --------------------------------------------------------------------------


def test_progress_done_today_total_remaining(session, make_project, make_user):
    project = make_project(items=5, overlap=2)
    user = make_user()
    for _ in range(3):
        item = serve(session=session, user=user, project=project)
        submit_annotation(session=session, user=user, item_id=item.id, answer=answer())
    old = session.exec(select(Annotation).where(Annotation.user_id == user.id)).first()
    old.created_at = utcnow() - timedelta(days=2)
    session.add(old)
    session.commit()
    skipped = serve(session=session, user=user, project=project)
    skip(session=session, user=user, item_id=skipped.id)
    mine = progress(session=session, user=user, project=project)
    assert (mine.done, mine.done_today, mine.remaining, mine.total) == (3, 2, 1, 4)
    assert mine.fraction == 0.75


def test_restricted_projects_refuse_non_members(session, make_project, make_user):
    project = make_project(items=2)
    project.restricted = True
    session.add(project)
    session.commit()
    member, outsider, reviewer = make_user("member"), make_user("outsider"), make_user("rev", role="reviewer")
    session.add(ProjectMember(project_id=project.id, user_id=member.id))
    session.commit()
    item = serve(session=session, user=member, project=project)
    assert item is not None
    with pytest.raises(PermissionDenied, match="open only to its named annotators"):
        serve(session=session, user=outsider, project=project)
    with pytest.raises(PermissionDenied):
        submit_annotation(session=session, user=outsider, item_id=item.id, answer=answer())
    with pytest.raises(PermissionDenied):
        skip(session=session, user=outsider, item_id=item.id)
    with pytest.raises(PermissionDenied):
        serve(session=session, user=None, project=project)
    assert serve(session=session, user=reviewer, project=project) is not None
    assert session.exec(select(func.count(Annotation.id))).one() == 0


# --- 50 annotators on one SQLite file -------------------------------------------------------------------


def test_fifty_annotators_never_pass_the_overlap_and_lose_nothing(file_engine, add_item):
    """50 annotator threads serve and submit until their queues are empty: 60 items x overlap 3 = 180 answers,
    each item exactly 3, nobody twice on one item, every successful submit stored."""
    with Session(file_engine, expire_on_commit=False) as s:
        from feedback.projects.projects import add_project

        project = add_project(s, name="race", overlap=3)
        for n in range(60):
            add_item(s, project, external_id=f"i{n}")
        users = [User(name=f"u{n}") for n in range(50)]
        s.add_all(users)
        s.commit()
    stored: list[int] = []
    refused: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(users))

    def work(user):
        try:
            start.wait()
            with Session(file_engine, expire_on_commit=False) as s:
                while (item := serve(session=s, user=user, project=project)) is not None:
                    try:
                        saved = submit_annotation(session=s, user=user, item_id=item.id, answer=answer())
                        stored.append(saved.id)
                    except InvalidAnswer as e:
                        refused.append(str(e))
        except BaseException as e:  # noqa: BLE001 - reported by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == [] and not any(t.is_alive() for t in threads)
    assert refused == []  # a leased item always has room for its holder
    with Session(file_engine) as s:
        rows = s.exec(select(Annotation.id, Annotation.item_id, Annotation.user_id)).all()
        counts = dict(s.exec(select(Item.id, Item.n_annotations)).all())
        leases = s.exec(select(func.count(Lease.id))).one()
    assert sorted(stored) == sorted(r.id for r in rows) and len(rows) == 180
    per_item = {}
    for row in rows:
        per_item[row.item_id] = per_item.get(row.item_id, 0) + 1
    assert sorted(per_item.values()) == [3] * 60 and per_item == counts
    assert len({(r.item_id, r.user_id) for r in rows}) == len(rows)
    assert leases == 0


# --- per-item overlap: the project's overlap plus the annotators a reviewer asked for ------------------------

def test_an_item_with_extra_overlap_is_served_beyond_the_project_overlap(session, make_project, make_user):
    project = make_project(items=2, overlap=1)
    users = [make_user(f"u{n}") for n in range(4)]
    items = {i.external_id: i for i in session.exec(select(Item).where(Item.project_id == project.id)).all()}
    wanted = items["i1"]
    wanted.extra_overlap = 2                     # i1 wants 1 + 2 = 3 annotators, i0 wants 1
    session.add(wanted)
    session.commit()
    assert progress(session=session, user=users[0], project=project).remaining == 2
    served = []
    for user in users:
        item = serve(session=session, user=user, project=project)
        served.append(item and item.external_id)
        if item is not None:
            submit_annotation(session=session, user=user, item_id=item.id, answer=answer())
    # the item a reviewer is waiting for comes first; i0 is full after one answer, i1 after three
    assert served == ["i1", "i1", "i1", "i0"]
    assert session.get(Item, wanted.id).n_annotations == 3
    assert progress(session=session, user=make_user("late"), project=project).remaining == 0
    with pytest.raises(InvalidAnswer, match="already has its 3 annotations"):
        submit_annotation(session=session, user=make_user("later"), item_id=wanted.id, answer=answer())


def test_leases_count_against_the_per_item_overlap(session, make_project, make_user):
    project = make_project(items=1, overlap=1)
    item = session.exec(select(Item).where(Item.project_id == project.id)).one()
    item.extra_overlap = 1
    session.add(item)
    session.commit()
    first, second, third = make_user("first"), make_user("second"), make_user("third")
    assert serve(session=session, user=first, project=project).id == item.id
    assert serve(session=session, user=second, project=project).id == item.id   # 2 places: both lease it
    assert serve(session=session, user=third, project=project) is None          # both places held
    assert progress(session=session, user=third, project=project).remaining == 0
    with pytest.raises(InvalidAnswer, match="will have its 2 annotations"):
        submit_annotation(session=session, user=third, item_id=item.id, answer=answer())
    submit_annotation(session=session, user=second, item_id=item.id, answer=answer())
    submit_annotation(session=session, user=first, item_id=item.id, answer=answer("b"))
    assert session.get(Item, item.id).n_annotations == 2
