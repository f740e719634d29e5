"""An agent that returned nothing: its empty output is shown as "(no output)" in the app's own muted caption on the
Rate, Review and My answers pages, never as agent text, and the correction box starts empty for it."""

from sqlmodel import Session, select
from test_pages import choose, signed_in

from feedback.labeling.queue import display_order
from feedback.store.tables import Annotation, Candidate, User
from feedback.ui.render import NO_OUTPUT, NO_OUTPUT_HELP

EMPTY_KEY = "a"  # candidate a of every item returned nothing; b answers


def _silence(engine) -> None:
    with Session(engine) as s:
        for cand in s.exec(select(Candidate).where(Candidate.key == EMPTY_KEY)):
            cand.output = ""
            s.add(cand)
        s.commit()


def _no_output_captions(at) -> list:
    return [c for c in at.caption if c.value == NO_OUTPUT]


def _agent_text(at) -> list[str]:
    return [m.value for m in at.markdown]


def test_the_rate_page_shows_no_output_and_the_correction_of_it_starts_empty(db):
    _silence(db)
    at = signed_in(db, "alex", "annotator").run()
    assert not at.exception
    captions = _no_output_captions(at)
    assert len(captions) == 1  # one of the two answers is empty; the other is shown as the agent wrote it
    assert captions[0].proto.help == NO_OUTPUT_HELP
    assert not any("(no output)" in text for text in _agent_text(at))  # ours, never the agent's words
    item_id = at.session_state["rate.item_id"]
    with Session(db) as s:
        alex = s.exec(select(User).where(User.name == "alex")).one()
    letter = "AB"[display_order(alex.id, item_id, ["a", "b"]).index(EMPTY_KEY)]
    choose(at, item_id, f"{letter} is better")
    assert not at.exception
    assert at.text_area(key=f"rate.{item_id}.correction").value == ""  # not "(no output)"
    other = "AB".replace(letter, "")
    choose(at, item_id, f"{other} is better")
    assert at.text_area(key=f"rate.{item_id}.correction").value == f"Answer two {item_id - 1}"


def test_the_review_page_shows_no_output_beside_the_other_answer(db):
    _silence(db)
    at = signed_in(db, "rita", "reviewer").run()
    at.switch_page("pages/review.py").run()
    assert not at.exception
    assert len(_no_output_captions(at)) == 1
    assert any("Answer two 0" in text for text in _agent_text(at))


def test_my_answers_shows_no_output_in_the_answer_opened(db):
    _silence(db)
    at = signed_in(db, "maria", "annotator").run()
    at.switch_page("pages/history.py").run()
    with Session(db) as s:
        mine = s.exec(select(Annotation).join(User).where(User.name == "maria")).one()
    at.session_state["history.open"] = mine.id
    at.run()
    assert not at.exception
    assert len(_no_output_captions(at)) == 1
    assert at.text_area(key=f"history.{mine.item_id}.correction").value == ""  # maria chose the empty answer


def test_an_empty_message_answer_is_no_output_too(db):
    with Session(db) as s:
        for cand in s.exec(select(Candidate).where(Candidate.key == EMPTY_KEY)):
            cand.output, cand.messages = None, [{"role": "assistant", "content": ""}]
            s.add(cand)
        s.commit()
    at = signed_in(db, "alex", "annotator").run()
    assert not at.exception
    assert len(_no_output_captions(at)) == 1
