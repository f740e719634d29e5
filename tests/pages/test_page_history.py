"""My answers: answers shown as the annotator saw them (A/B, models, prompt), and skipped items brought back."""

from sqlmodel import Session, select
from test_pages import choose, signed_in

from feedback.labeling.queue import display_order
from feedback.store.tables import Annotation, Skip, User


def _answer(at, label: str) -> int:
    item_id = at.session_state["rate.item_id"]
    choose(at, item_id, label)
    at.button(key=f"rate.{item_id}.submit").click().run()
    return item_id


def test_my_answers_shows_the_choice_as_the_annotator_saw_it(db):
    at = signed_in(db, "alex", "annotator").run()
    answered = [_answer(at, "A is better") for _ in range(2)]
    at.switch_page("pages/history.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    models = {"a": "v1", "b": "v2"}
    with Session(db) as s:
        alex = s.exec(select(User).where(User.name == "alex")).one()
        stored = {a.item_id: a.preference for a in s.exec(select(Annotation).where(Annotation.user_id == alex.id))}
    for item_id in answered:
        row = table[table["Item"] == f"t-{item_id - 1}"].iloc[0]
        left, right = display_order(alex.id, item_id, ["a", "b"])
        assert stored[item_id] == left  # the key on the left, whichever it is
        assert row["Your choice"] == f"A ({models[left]}) is better"
        assert row["Answers shown"] == f"A ({models[left]}) · B ({models[right]})"
        assert row["Prompt"] == f"Question {item_id - 1}: how do I **reset** it?"
    assert set(table.columns) >= {"Item", "Prompt", "Your choice", "Answered", "Revision"}


def test_a_skipped_item_is_listed_and_comes_back_after_un_skip(db):
    at = signed_in(db, "alex", "annotator").run()
    item_id = at.session_state["rate.item_id"]
    at.text_input(key=f"rate.{item_id}.skip_reason").input("misclick")
    at.button(key=f"rate.{item_id}.skip").click().run()
    assert at.session_state["rate.item_id"] != item_id
    at.switch_page("pages/history.py").run()
    assert not at.exception
    assert "Skipped (1)" in [h.value for h in at.subheader]
    assert any("misclick" in m.value for m in at.markdown)
    at.button(key=f"history.unskip.{item_id}").click().run()
    assert not at.exception and not at.error
    assert "Skipped (0)" in [h.value for h in at.subheader]
    with Session(db) as s:
        assert s.exec(select(Skip)).all() == []
    at.switch_page("pages/rate.py").run()
    assert at.session_state["rate.item_id"] != item_id  # the item they hold stays on screen until answered
    _answer(at, "Tie")
    assert at.session_state["rate.item_id"] == item_id  # then the un-skipped item is due again


def test_choices_in_screen_words_for_ties_rankings_and_nothing():
    from feedback.store.tables import Candidate
    from feedback.ui.history_views import choice_as_seen

    shown = [Candidate(key=k, model=m, item_id=1) for k, m in (("z", "m-z"), ("x", "m-x"), ("y", ""))]
    assert choice_as_seen("x", None, shown) == "B (m-x) is better"
    assert choice_as_seen("y", None, shown) == "C is better"
    assert choice_as_seen("tie", None, shown) == "Tie" and choice_as_seen("both_bad", None, shown) == "Both bad"
    assert choice_as_seen(None, {"x": 1, "y": 2, "z": 2}, shown) == "B > A = C"
    assert choice_as_seen(None, None, shown) == "–"


def test_the_history_of_an_edit_shows_the_choices_as_seen(db):
    at = signed_in(db, "alex", "annotator").run()
    item_id = _answer(at, "A is better")
    at.switch_page("pages/history.py").run()
    with Session(db) as s:
        at.session_state["history.open"] = s.exec(select(Annotation.id).join(User).where(User.name == "alex")).one()
    at.run()
    choose(at, item_id, "Tie", prefix="history")
    at.button(key=f"history.{item_id}.submit").click().run()
    assert not at.exception and not at.error
    history = at.dataframe[-1].value
    (before,) = history["Choice before"]
    assert before.startswith("A (v") and before.endswith(") is better")  # what the annotator pressed, not "a"
    assert list(history["Choice after"]) == ["Tie"]
    assert "preference" not in " ".join(map(str, history.iloc[0]))
