"""The reviewer's workflow: the queue of disputed items, one item side by side, decisions and their history,
sending items back for more annotators, and automatic escalation."""

import pytest
from sqlmodel import select

from feedback.consensus.answers import item_consensus
from feedback.errors import InvalidAnswer, PermissionDenied
from feedback.labeling.annotate import Answer, submit_annotation
from feedback.labeling.queue import serve
from feedback.projects.projects import update_project_settings
from feedback.review.workflow import adjudicate, decisions, item_review, reopen, review_queue, send_back
from feedback.store.tables import Adjudication, Annotation, Item, Suggestion


@pytest.fixture
def team(make_user):
    return {"ann": make_user("ann"), "rev": make_user("rev", role="reviewer"), "boss": make_user("boss", role="admin")}


@pytest.fixture
def project(make_project):
    return make_project("p", overlap=3, items=6)


def items_of(session, project):
    return {i.external_id: i for i in session.exec(select(Item).where(Item.project_id == project.id)).all()}


def answered(session, make_user, item, *preferences, rationale=None):
    """Annotators named after the item answer it with these preferences (as an import would store them)."""
    for n, preference in enumerate(preferences):
        user = make_user(f"{item.external_id}-u{n}")
        session.add(Annotation(item_id=item.id, user_id=user.id, preference=preference, rationale=rationale,
                               correction=f"fix {n}" if rationale else None, time_spent_s=10.0 + n))
    item.n_annotations += len(preferences)
    session.add(item)
    session.commit()


def queue_ids(session, user, project, **kw):
    return [e.external_id for e in review_queue(session=session, user=user, project=project, **kw).entries]


def test_queue_holds_disputed_items_most_disputed_first(session, project, team, make_user):
    items = items_of(session, project)
    answered(session, make_user, items["i0"], "a", "a", "a")          # unanimous: confidence 1
    answered(session, make_user, items["i1"], "a", "a", "b")          # 2 of 3: a clear majority (67%)
    answered(session, make_user, items["i2"], "a", "b")               # split, 2 annotators
    answered(session, make_user, items["i3"], "a", "b", "tie")        # split, 3 annotators: more disputed
    answered(session, make_user, items["i4"], "b")                    # one annotator: nothing to compare
    answered(session, make_user, items["i5"], "tie", "tie", "b")      # agree on a tie, 0.667
    queue = review_queue(session=session, user=team["rev"], project=project)
    assert [e.external_id for e in queue.entries] == ["i3", "i2"]  # a 2-of-3 majority is not sent to review
    assert queue.total == 2 and queue.threshold == pytest.approx(0.6) and queue.method == "majority"
    first = queue.entries[0]
    assert (first.label, first.outcome, first.n_annotators, first.wanted) == (None, "split", 3, 3)
    assert first.confidence == pytest.approx(1 / 3)
    assert first.votes == {"a": 1, "b": 1, "tie": 1}
    # a project that keeps the old default 0.67: 2 of 3 (67%) is not below it either
    update_project_settings(session=session, user=None, project=project, review_threshold=0.67)
    assert queue_ids(session, team["boss"], project) == ["i3", "i2"]
    # a stricter threshold sends the 2-of-3 items too, least sure first
    update_project_settings(session=session, user=None, project=project, review_threshold=0.7)
    queue = review_queue(session=session, user=team["rev"], project=project)
    assert [e.external_id for e in queue.entries] == ["i3", "i2", "i1", "i5"]
    assert queue.entries[2].votes == {"a": 2, "b": 1} and queue.entries[2].label == "a"
    # paging
    assert queue_ids(session, team["rev"], project, limit=2, offset=1) == ["i2", "i1"]


def test_annotators_are_refused_everything(session, project, team, make_user):
    item = items_of(session, project)["i0"]
    answered(session, make_user, item, "a", "b")
    ann = team["ann"]
    calls = [
        lambda: review_queue(session=session, user=ann, project=project),
        lambda: item_review(session=session, user=ann, item_id=item.id),
        lambda: decisions(session=session, user=ann, item_id=item.id),
        lambda: adjudicate(session=session, user=ann, item_id=item.id, answer={"preference": "a"}, reason="r"),
        lambda: send_back(session=session, user=ann, item_id=item.id, reason="r"),
        lambda: reopen(session=session, user=ann, item_id=item.id, reason="r"),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert session.exec(select(Adjudication)).all() == []
    # a decision records who made it: the anonymous local operator may read, not decide
    assert review_queue(session=session, user=None, project=project).total == 1
    with pytest.raises(PermissionDenied, match="signed-in reviewer"):
        adjudicate(session=session, user=None, item_id=item.id, answer={"preference": "a"}, reason="r")


@pytest.mark.parametrize("role", ["rev", "boss"])
def test_reviewer_and_admin_adjudicate_and_the_decision_is_recorded(session, project, team, make_user, role):
    item = items_of(session, project)["i0"]
    answered(session, make_user, item, "a", "a", "b")
    user = team[role]
    decision = adjudicate(session=session, user=user, item_id=item.id, answer={"preference": "b", "rationale": ""},
                          reason="  B cites the policy; A invents a refund  ")
    assert (decision.decision, decision.answer, decision.reviewer_id) == ("final", {"preference": "b"}, user.id)
    (record,) = decisions(session=session, user=team["rev"], item_id=item.id)
    assert record["reviewer"] == user.name and record["reason"] == "B cites the policy; A invents a refund"
    assert record["created_at"] is not None and not record["automatic"]
    consensus = item_consensus(session, project).set_index("item_id").loc[item.id]
    assert (consensus["label"], consensus["confidence"], bool(consensus["adjudicated"])) == ("b", 1.0, True)
    assert consensus["share"] == pytest.approx(1 / 3)
    assert review_queue(session=session, user=user, project=project).total == 0   # decided: out of the queue


@pytest.mark.parametrize(
    ("answer", "reason", "message"),
    [
        ({"preference": "c"}, "why", "'c' is not one of"),
        ({"ratings": {"a": {"helpfulness": 3}}}, "why", "a final answer needs a preference"),
        ({"preference": "a", "ratings": {"a": {"helpfulness": 9}}}, "why", "ratings.a.helpfulness"),
        ({"preference": "a", "mood": "sure"}, "why", "unknown fields mood"),
        ({"preference": "a"}, "   ", "say why"),
        ("a", "why", "must be an object"),
    ],
)
def test_bad_final_answers_are_refused(session, project, team, make_user, answer, reason, message):
    item = items_of(session, project)["i0"]
    answered(session, make_user, item, "a", "b")
    with pytest.raises(InvalidAnswer, match=message):
        adjudicate(session=session, user=team["rev"], item_id=item.id, answer=answer, reason=reason)
    assert session.exec(select(Adjudication)).all() == []


def test_reopen_and_send_back_cancel_a_final_answer(session, project, team, make_user):
    item = items_of(session, project)["i0"]
    answered(session, make_user, item, "a", "b")
    rev = team["rev"]
    with pytest.raises(InvalidAnswer, match="no final answer to reopen"):
        reopen(session=session, user=rev, item_id=item.id, reason="oops")
    adjudicate(session=session, user=rev, item_id=item.id, answer={"preference": "b"}, reason="b is right")
    reopen(session=session, user=team["boss"], item_id=item.id, reason="policy changed")
    row = item_consensus(session, project).set_index("item_id").loc[item.id]
    assert row["label"] is None and not row["adjudicated"]          # back to the split majority
    assert queue_ids(session, rev, project) == ["i0"]

    adjudicate(session=session, user=rev, item_id=item.id, answer={"preference": "a"}, reason="a after all")
    send_back(session=session, user=rev, item_id=item.id, reason="ask two more", extra=2)
    assert not item_consensus(session, project).set_index("item_id").loc[item.id, "adjudicated"]
    history = decisions(session=session, user=rev, item_id=item.id)
    assert [(d["decision"], d["reviewer"]) for d in history] == [
        ("final", "rev"), ("reopen", "boss"), ("final", "rev"), ("more_annotators", "rev")]
    assert history[-1]["answer"] == {"extra": 2}


def test_send_back_raises_the_overlap_and_the_item_is_served_to_new_annotators(session, make_project, team,
                                                                              make_user):
    project = make_project("small", overlap=2, items=2)
    first, second = make_user("first"), make_user("second")
    item = serve(session=session, user=first, project=project)
    submit_annotation(session=session, user=first, item_id=item.id, answer=Answer(preference="a"))
    assert serve(session=session, user=second, project=project).id != item.id  # least annotated first
    submit_annotation(session=session, user=second, item_id=item.id, answer=Answer(preference="b"))
    assert queue_ids(session, team["rev"], project) == [item.external_id]

    with pytest.raises(InvalidAnswer, match="1 to 10"):
        send_back(session=session, user=team["rev"], item_id=item.id, reason="r", extra=0)
    send_back(session=session, user=team["rev"], item_id=item.id, reason="1-1: need a third opinion")
    assert session.get(Item, item.id).extra_overlap == 1
    assert queue_ids(session, team["rev"], project) == []            # waiting for its extra annotator
    review = item_review(session=session, user=team["rev"], item_id=item.id)
    assert review.waiting and review.wanted == 3

    third = make_user("third")
    assert serve(session=session, user=third, project=project).id == item.id   # a reviewer is waiting: first
    for done in (first, second):   # never to those who answered it
        served = serve(session=session, user=done, project=project)
        assert served is None or served.id != item.id
    submit_annotation(session=session, user=third, item_id=item.id, answer=Answer(preference="a"))
    assert session.get(Item, item.id).n_annotations == 3
    fourth = make_user("fourth")
    served = serve(session=session, user=fourth, project=project)
    assert served is None or served.id != item.id                    # 3 of 3: full again
    with pytest.raises(InvalidAnswer, match="already has its 3 annotations"):
        submit_annotation(session=session, user=fourth, item_id=item.id, answer=Answer(preference="a"))
    assert review_queue(session=session, user=team["rev"], project=project).entries == []  # 2 of 3: a clear majority


def test_gold_items_are_not_sent_back_or_queued(session, project, team, make_user):
    item = items_of(session, project)["i0"]
    item.is_gold, item.gold_answer = True, {"preference": "a"}
    answered(session, make_user, item, "a", "b")
    assert queue_ids(session, team["rev"], project) == []
    with pytest.raises(InvalidAnswer, match="gold"):
        send_back(session=session, user=team["rev"], item_id=item.id, reason="r")


def test_item_review_shows_everything_side_by_side(session, project, team, make_user):
    item = items_of(session, project)["i1"]
    answered(session, make_user, item, "a", "b", rationale="because")
    session.add(Suggestion(item_id=item.id, agent="judge", preference="b", score=0.8, rationale="B is safer"))
    session.commit()
    review = item_review(session=session, user=team["rev"], item_id=item.id)
    assert review.item.external_id == "i1"
    assert [c["key"] for c in review.candidates] == ["a", "b"]
    assert [c["output"] for c in review.candidates] == ["first answer", "second answer"]
    assert [(a["annotator"], a["preference"], a["rationale"], a["correction"], a["time_spent_s"])
            for a in review.annotations] == [("i1-u0", "a", "because", "fix 0", 10.0),
                                             ("i1-u1", "b", "because", "fix 1", 11.0)]
    assert [(s["agent"], s["preference"], s["score"]) for s in review.suggestions] == [("judge", "b", 0.8)]
    assert review.consensus["label"] is None and review.consensus["outcome"] == "split"
    assert review.decisions == [] and review.standing is None and not review.waiting
    adjudicate(session=session, user=team["rev"], item_id=item.id, answer={"preference": "b"}, reason="safer")
    again = item_review(session=session, user=team["rev"], item_id=item.id)
    assert again.standing == {"preference": "b"} and again.consensus["adjudicated"] is True


# --- automatic escalation ---------------------------------------------------------------------------------

def answer_through_the_queue(session, project, user, preference):
    item = serve(session=session, user=user, project=project)
    submit_annotation(session=session, user=user, item_id=item.id, answer=Answer(preference=preference))
    return item


@pytest.fixture
def escalating(make_project, session):
    project = make_project("esc", overlap=2, items=1)
    return update_project_settings(session=session, user=None, project=project, auto_escalate=True)


def test_a_split_item_gets_one_more_annotator_automatically_once(session, escalating, team, make_user):
    users = [make_user(f"a{n}") for n in range(4)]
    item = answer_through_the_queue(session, escalating, users[0], "a")
    assert session.get(Item, item.id).extra_overlap == 0            # not complete yet: nothing to judge
    answer_through_the_queue(session, escalating, users[1], "b")     # completes 2 of 2 with a 1-1 split
    assert session.get(Item, item.id).extra_overlap == 1
    (auto,) = decisions(session=session, user=team["rev"], item_id=item.id)
    assert auto["decision"] == "more_annotators" and auto["automatic"] and auto["reviewer"] is None
    assert auto["reason"].startswith("automatic: a split vote below the review threshold 60%")
    assert queue_ids(session, team["rev"], escalating) == []          # it waits for its extra annotator

    assert answer_through_the_queue(session, escalating, users[2], "tie").id == item.id  # 1-1-1: still split
    assert session.get(Item, item.id).extra_overlap == 1            # escalated once only
    assert len(decisions(session=session, user=team["rev"], item_id=item.id)) == 1
    assert queue_ids(session, team["rev"], escalating) == [item.external_id]   # now a reviewer decides
    assert serve(session=session, user=users[3], project=escalating) is None


def test_agreement_or_escalation_off_adds_nobody(session, make_project, escalating, team, make_user):
    users = [make_user(f"a{n}") for n in range(2)]
    item = answer_through_the_queue(session, escalating, users[0], "a")
    answer_through_the_queue(session, escalating, users[1], "a")
    assert session.get(Item, item.id).extra_overlap == 0

    quiet = make_project("quiet", overlap=2, items=1)
    item = answer_through_the_queue(session, quiet, users[0], "a")
    answer_through_the_queue(session, quiet, users[1], "b")
    assert session.get(Item, item.id).extra_overlap == 0
    assert session.exec(select(Adjudication)).all() == []
    assert queue_ids(session, team["rev"], quiet) == [item.external_id]


def test_an_item_sent_back_by_a_reviewer_is_not_escalated_again(session, escalating, team, make_user):
    users = [make_user(f"a{n}") for n in range(3)]
    item = answer_through_the_queue(session, escalating, users[0], "a")
    send_back(session=session, user=team["rev"], item_id=item.id, reason="early second look")
    answer_through_the_queue(session, escalating, users[1], "b")
    answer_through_the_queue(session, escalating, users[2], "tie")   # completes 3 of 3, split
    assert session.get(Item, item.id).extra_overlap == 1
    assert [d["automatic"] for d in decisions(session=session, user=team["rev"], item_id=item.id)] == [False]


@pytest.mark.parametrize("method", ["majority", "dawid_skene"])
def test_one_items_consensus_is_its_row_of_the_projects(session, project, team, make_user, method):
    """The Review page's item view reads only the item's votes for a majority (the whole project took 1.5 s at
    100k items); Dawid-Skene learns from every item, so it still reads them all. Same consensus either way."""
    update_project_settings(session=session, user=team["boss"], project=project, consensus_method=method)
    items = items_of(session, project)
    for name, votes in {"i0": ("a", "a", "b"), "i1": ("a", "b"), "i2": ("tie", "tie", "b"), "i3": ("b",)}.items():
        answered(session, make_user, items[name], *votes)
    adjudicate(session=session, user=team["rev"], item_id=items["i1"].id, answer={"preference": "b"}, reason="r")
    whole = item_consensus(session, project).set_index("item_id")
    for name in ("i0", "i1", "i2", "i3"):
        review = item_review(session=session, user=team["rev"], item_id=items[name].id)
        expected = whole.loc[items[name].id]
        assert review.consensus["label"] == expected["label"] and review.consensus["outcome"] == expected["outcome"]
        assert review.consensus["confidence"] == pytest.approx(expected["confidence"])
        assert review.consensus["adjudicated"] == expected["adjudicated"]


@pytest.mark.parametrize("method", ["majority", "dawid_skene"])
def test_the_queue_is_the_same_from_the_annotations_already_read(session, project, team, make_user, method):
    """``feedback agreement`` reads the annotations for its figures, then the queue takes its votes from them
    (not from the database again): the same queue either way, including answers without a preference."""
    from feedback.consensus.answers import preference_votes
    from feedback.labeling.loaders import FIGURE_COLUMNS, annotations_frame, loaded_votes

    items = items_of(session, project)
    answered(session, make_user, items["i0"], "a", "b", "tie")
    answered(session, make_user, items["i1"], "a", None, "b")
    answered(session, make_user, items["i2"], "both_bad", "b")
    answered(session, make_user, items["i3"], "a", "a", "b")
    update_project_settings(session=session, user=None, project=project, consensus_method=method,
                            review_threshold=0.7)
    assert loaded_votes(session, project.id) is None
    read = review_queue(session=session, user=team["rev"], project=project)
    annotations_frame(session, project.id, FIGURE_COLUMNS)
    votes = loaded_votes(session, project.id)
    assert votes is not None and votes.equals(preference_votes(session, project.id))
    assert review_queue(session=session, user=team["rev"], project=project) == read
    assert read.total == 4 or method == "dawid_skene"
    answered(session, make_user, items["i4"], "a", "b")  # a new answer: the frame read before is out of date
    assert loaded_votes(session, project.id) is None
