"""A large team's Agreement page: the intervals of every annotator pair, of alpha without each annotator and of
each annotator's agreement with the others are computed when the reviewer switches them on."""

import random

from sqlmodel import Session, select
from test_pages import signed_in

from feedback.agreement.summary import DETAIL_MAX_ANNOTATORS
from feedback.store.tables import Annotation, Item, User


def large_team(engine, annotators: int = DETAIL_MAX_ANNOTATORS + 2, items: int = 3) -> None:
    """Every annotator answers the project's items (3 in the ``db`` fixture) with a preference and a score."""
    rng = random.Random(4)
    with Session(engine) as s:
        item_ids = s.exec(select(Item.id).order_by(Item.id)).all()[:items]
        for k in range(annotators):
            user = User(name=f"member{k:02d}")
            s.add(user)
            s.flush()
            for item_id in item_ids:
                s.add(Annotation(item_id=item_id, user_id=user.id, preference=rng.choice("ab"),
                                 ratings={"a": {"helpfulness": rng.randint(1, 5)}}))
        s.commit()


def annotator_table(at):
    return next(frame.value for frame in at.dataframe if "Kappa vs consensus" in frame.value.columns)


def test_the_annotators_intervals_of_a_large_team_are_computed_when_switched_on(db):
    large_team(db)
    at = signed_in(db)
    at.switch_page("pages/agreement.py").run()
    assert not at.exception
    switch = next(t for t in at.toggle if t.label.startswith("Intervals for each of the"))
    assert "each annotator's agreement with the others" in switch.label
    light = annotator_table(at)
    assert "Kappa 95% CI" not in light.columns and "With consensus 95% CI" not in light.columns
    switch.set_value(True).run()
    assert not at.exception
    full = annotator_table(at)
    assert {"Kappa 95% CI", "With consensus 95% CI"} <= set(full.columns)
    assert full["Kappa vs consensus"].equals(light["Kappa vs consensus"])
    assert full["Kappa 95% CI"].map(lambda v: " to " in str(v)).any()
