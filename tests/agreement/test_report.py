"""The agreement report of a project, and `feedback agreement`."""

import json
import os
import re
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from sqlmodel import Session, select

from feedback.agreement.report import agreement_report, format_report
from feedback.cli.main import main
from feedback.projects.projects import add_project
from feedback.store.engine import create_schema, make_engine
from feedback.store.tables import Annotation, Item, User

# item -> annotator -> (preference, helpfulness of a, flags of b)
LABELS = {
    "i0": {"maria": ("a", 5, ["unsafe"]), "dev": ("a", 4, ["unsafe"]), "sam": ("b", 4, [])},
    "i1": {"maria": ("b", 2, []), "dev": ("b", 2, []), "sam": ("b", 1, [])},
    "i2": {"maria": ("tie", 3, []), "dev": ("a", 3, []), "sam": ("both_bad", 3, ["unsafe"])},
    "i3": {"maria": ("a", 4, [])},  # a single answer: not pairable, left out of every metric
}


def build(session, add_item, *, swap_candidates: bool = False):
    project = add_project(session, name="p")
    items = {}
    for n, ext in enumerate(LABELS):
        items[ext] = add_item(session, project, external_id=ext)
    users = {name: User(name=name) for name in ("maria", "dev", "sam")}
    session.add_all(users.values())
    session.flush()
    for ext, answers in LABELS.items():
        for name, (pref, help_a, flags_b) in answers.items():
            session.add(Annotation(item_id=items[ext].id, user_id=users[name].id, preference=pref,
                                   ratings={"a": {"helpfulness": help_a}}, flags={"b": flags_b} if flags_b else {},
                                   shown_order=["b", "a"] if swap_candidates else ["a", "b"]))
    session.commit()
    return project


def question(report, name):
    return next(q for q in report["questions"] if q["question"] == name)


def test_report_counts_and_questions(session, add_item):
    build(session, add_item)
    report = agreement_report(session=session, user=None, project="p")
    assert report["n_annotations"] == 10 and report["n_items_annotated"] == 4
    assert report["annotators"] == ["dev", "maria", "sam"]
    pref = question(report, "preference")
    assert pref["n_units"] == 3 and pref["n_annotators"] == 3
    # pairs within units: i0 1 of 3 agree, i1 3 of 3, i2 0 of 3 -> 4/9
    assert pref["percent_agreement"] == pytest.approx(4 / 9)
    assert pref["fleiss"]["n_units"] == 3
    ordinal = question(report, "preference (ordinal)")
    assert ordinal["level"] == "ordinal"
    # both bad is left out of the ordinal preference: i2 has two ordinal answers (tie, a)
    assert ordinal["n_units"] == 3
    helpfulness = question(report, "helpfulness")
    assert helpfulness["n_units"] == 3 and "kappa_quadratic" in helpfulness["pairwise"][0]
    unsafe = question(report, "flag: unsafe")
    assert unsafe["n_units"] == 6  # 3 pairable items x 2 candidates
    assert {d["unit"] for d in report["disagreements"]} == {"i0", "i2"}


def test_report_does_not_depend_on_screen_sides(session, add_item, engine):
    build(session, add_item)
    first = agreement_report(session=session, user=None, project="p")
    other = make_engine("sqlite://")
    create_schema(other)
    with Session(other) as s2:
        build(s2, add_item, swap_candidates=True)
        second = agreement_report(session=s2, user=None, project="p")
    assert first["questions"] == second["questions"]


def test_report_is_strict_json_and_text(session, add_item):
    build(session, add_item)
    report = agreement_report(session=session, user=None, project="p")
    json.dumps(report, allow_nan=False)
    text = format_report(report)
    assert "Krippendorff's alpha" in text and "maria" in text


def test_report_of_a_project_without_annotations(session, make_project):
    make_project("empty", items=2)
    report = agreement_report(session=session, user=None, project="empty")
    assert report["n_annotations"] == 0
    assert all(q["n_units"] == 0 for q in report["questions"])
    json.dumps(report, allow_nan=False)


@pytest.fixture
def cli_db(tmp_path, monkeypatch, add_item):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FEEDBACK_DATABASE_URL", url)
    engine = make_engine(url)
    create_schema(engine)
    with Session(engine) as s:
        build(s, add_item)
    engine.dispose()


def test_cli_agreement_json(cli_db, capsys):
    assert main(["agreement", "--project", "p", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert question(report, "preference")["percent_agreement"] == pytest.approx(4 / 9)
    assert {row["annotator"] for row in report["annotator_quality"]} == set(report["annotators"])
    assert report["judges"] == [] and report["review"]["consensus_method"] == "majority"
    assert report["review"]["items_to_review"] >= 0


def test_cli_agreement_stores_its_figures_and_reuses_them_until_an_answer_comes(cli_db, capsys):
    assert main(["agreement", "--project", "p", "--json"]) == 0
    first = capsys.readouterr()
    assert "stored" not in first.err
    assert main(["agreement", "--project", "p", "--json"]) == 0
    second = capsys.readouterr()
    assert second.out == first.out  # the same figures, byte for byte
    assert "computed at" in second.err and "no answer, decision or setting has changed since" in second.err
    assert main(["agreement", "--project", "p", "--json", "--recompute"]) == 0
    third = capsys.readouterr()
    assert third.out == first.out and "stored" not in third.err
    engine = make_engine(os.environ["FEEDBACK_DATABASE_URL"])
    with Session(engine) as s:
        s.add(Annotation(item_id=s.exec(select(Item.id).where(Item.external_id == "i3")).one(),
                         user_id=s.exec(select(User.id).where(User.name == "sam")).one(), preference="b"))
        s.commit()
    engine.dispose()
    assert main(["agreement", "--project", "p", "--json"]) == 0
    fourth = capsys.readouterr()
    assert "stored" not in fourth.err
    assert json.loads(fourth.out)["n_annotations"] == json.loads(first.out)["n_annotations"] + 1
    assert main(["agreement", "--project", "p", "--json", "--seed", "5"]) == 0  # not the stored figures' seed
    assert "stored" not in capsys.readouterr().err


def test_cli_agreement_table(cli_db, capsys):
    assert main(["agreement", "--project", "p"]) == 0
    out = capsys.readouterr().out
    assert "preference" in out and "Fleiss' kappa" in out
    assert "No annotator is flagged." in out and "Items to review (consensus below 60% or split): " in out


def test_cli_agreement_unknown_project(cli_db, capsys):
    assert main(["agreement", "--project", "nope"]) == 1
    assert capsys.readouterr().err.startswith("Error: No project named 'nope' (projects: p)")


def test_cli_agreement_needs_a_project(cli_db, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["agreement"])
    assert exit_info.value.code == 2


def test_report_has_intervals_annotators_and_notes(session, add_item):
    build(session, add_item)
    report = agreement_report(session=session, user=None, project="p", resamples=200, seed=3)
    helpfulness = question(report, "helpfulness")
    assert helpfulness["levels"] == ["ordinal", "interval"] and helpfulness["scale"] == [1, 2, 3, 4, 5]
    alpha = helpfulness["metrics"]["alpha_ordinal"]
    assert alpha["n_items"] == 3 and alpha["n_annotators"] == 3
    assert alpha["ci"] is None or alpha["ci"][0] <= alpha["value"] <= alpha["ci"][1]
    assert {"kappa_linear", "kappa_quadratic", "kappa_ci"} <= set(helpfulness["pairwise"][0])
    assert {row["annotator"] for row in helpfulness["annotators"]} == {"dev", "maria", "sam"}
    assert "both bad" in question(report, "preference (ordinal)")["note"]
    assert report["bootstrap"]["resamples"] == 200
    again = agreement_report(session=session, user=None, project="p", resamples=200, seed=3)
    assert again == report


def test_report_ranks_items_with_three_candidates(session, add_item):
    project = add_project(session, name="r")
    users = [User(name=n) for n in ("ann", "bob", "cy")]
    session.add_all(users)
    session.flush()
    rankings = [({"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 2, "c": 3}, {"a": 2, "b": 1, "c": 3}),
                ({"a": 3, "b": 2, "c": 1}, {"a": 3, "b": 1, "c": 2}, {"a": 3, "b": 2, "c": 1})]
    for n, per_user in enumerate(rankings):
        item = add_item(session, project, external_id=f"i{n}", outputs=("x", "y", "z"))
        for user, ranking in zip(users, per_user):
            session.add(Annotation(item_id=item.id, user_id=user.id, ranking=ranking))
    session.commit()
    ranking = question(agreement_report(session=session, user=None, project="r", resamples=50), "ranking")
    assert ranking["alpha_level"] == "rank" and ranking["n_items"] == 2 and ranking["n_annotators"] == 3
    assert ranking["metrics"]["alpha_rank"]["n_candidates"] == 3
    assert 0 < ranking["krippendorff_alpha"] < 1


def test_cli_agreement_seed_and_resamples(cli_db, capsys):
    assert main(["agreement", "--project", "p", "--json", "--resamples", "50", "--seed", "4"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["bootstrap"] == {"resamples": 50, "seed": 4, "confidence": 0.95, "resampled": "items",
                                   "every_interval": "auto"}
    assert "metrics" in question(report, "helpfulness") and "annotators" in question(report, "helpfulness")
    assert main(["agreement", "--project", "p", "--resamples", "0"]) == 0
    assert "Alpha 95% CI" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["agreement", "--project", "p", "--resamples", "-1"])


def test_distribution_lists_every_point_of_the_scale_in_order():
    import pandas as pd

    from feedback.agreement.report import PREFERENCE_LABELS, distribution

    answers = pd.DataFrame({"value": [2, 2, 5, 1]})
    assert distribution(answers, values=[1, 2, 3, 4, 5]) == [
        {"answer": "1", "count": 1}, {"answer": "2", "count": 2}, {"answer": "3", "count": 0},
        {"answer": "4", "count": 0}, {"answer": "5", "count": 1}]
    votes = pd.DataFrame({"value": [0, 1000, 0, 1001]})
    assert distribution(votes, labels=PREFERENCE_LABELS) == [
        {"answer": "first candidate", "count": 2}, {"answer": "tie", "count": 1}, {"answer": "both bad", "count": 1}]


def test_cli_report_writes_figures_one_way(cli_db, capsys):
    assert main(["agreement", "--project", "p", "--resamples", "50"]) == 0
    out = capsys.readouterr().out
    assert "annotator_a" not in out and "n_shared" not in out and "kappa_ci" not in out  # words, not keys
    assert "Annotator" in out and "With" in out and "Kappa 95% CI" in out
    assert re.search(r"-?\d\.\d{3} to -?\d\.\d{3}", out)  # intervals: "0.569 to 0.724"
    assert "[" not in out and "n/a" not in out and "None" not in out and "nan" not in out.lower().replace(
        "annotations", "")
    assert not re.search(r"\d\.\d{4}", out)  # three decimals everywhere


def test_one_session_loads_annotations_once_and_again_after_a_new_answer(session, add_item, monkeypatch):
    """``feedback agreement`` reads the annotations for the report, annotator quality and the judges: once,
    while nothing changes; a new or edited answer in the same session is seen at once."""
    from feedback.labeling import loaders

    project = build(session, add_item)
    first = loaders.annotations_frame(session, project.id)
    first["scratch"] = 1  # a caller's own column does not reach the next caller
    again = loaders.annotations_frame(session, project.id)
    assert "scratch" not in again and len(again) == 10
    assert again["annotation_id"].tolist() == first["annotation_id"].tolist()
    reads = []
    original = loaders.fetch_frame
    monkeypatch.setattr(loaders, "fetch_frame", lambda *a, **k: reads.append(1) or original(*a, **k))
    loaders.annotations_frame(session, project.id)
    assert reads == []
    item = session.exec(select(Item).where(Item.project_id == project.id)).first()
    newcomer = User(name="zoe")
    session.add(newcomer)
    session.flush()
    session.add(Annotation(item_id=item.id, user_id=newcomer.id, preference="a"))
    session.flush()
    assert len(loaders.annotations_frame(session, project.id)) == 11 and reads == [1]
    edited = session.exec(select(Annotation).where(Annotation.user_id == newcomer.id)).one()
    edited.preference, edited.updated_at = "b", edited.updated_at + timedelta(seconds=1)
    session.flush()
    frame = loaders.annotations_frame(session, project.id)
    assert frame.loc[frame["annotator"] == "zoe", "preference"].tolist() == ["b"] and reads == [1, 1]


def test_rating_and_flag_units_are_numbered_as_their_names_sort(session, add_item):
    """Units item x candidate are integers, numbered in the order of their names ``item/key``: the bootstrap
    then draws the same items as it did when the units were those names, and every interval is the same.
    Names chosen so that item order and name order differ ("i-1/a" sorts before "i/a")."""
    from feedback.agreement.summary import question_agreement

    project = add_project(session, name="names")
    users = [User(name=f"u{k}") for k in range(3)]
    session.add_all(users)
    rows = []
    for n, ext in enumerate(["i", "i-1", "i.2", "i 3", "j", "i/4", "k-9", "k"]):
        item = add_item(session, project, external_id=ext)
        for k, user in enumerate(users):
            score = 1 + (n * 3 + k * (n % 3)) % 5
            session.add(Annotation(item_id=item.id, user_id=user.id, preference="a",
                                   ratings={"a": {"helpfulness": score}, "b": {"helpfulness": 6 - score}}))
            rows += [(f"{ext}/a", ext, user.name, score), (f"{ext}/b", ext, user.name, 6 - score)]
    session.commit()
    report = agreement_report(session=session, user=None, project="names", resamples=300, seed=2)
    named = pd.DataFrame(rows, columns=["unit", "item", "annotator", "value"])
    expected = question_agreement(named, levels=["ordinal", "interval"], values=[1, 2, 3, 4, 5], weighted=True,
                                  resamples=300, seed=2)
    got = question(report, "helpfulness")
    assert got["metrics"] == expected["metrics"] and got["annotators"] == expected["annotators"]


def test_unit_codes_are_the_same_whether_item_ids_are_dense_or_far_apart():
    """Units are numbered without a sort when the project's item ids are dense, with one when they are far apart
    (a project among many in one database): the same numbers, in the order of the names ``item/key``."""
    from feedback.agreement.long_answers import unit_codes

    names = ["i", "i-1", "i/4", "k", "i.2"]
    items = pd.Categorical(["i", "i-1", "i/4", "k", "i.2", "i", "k", "i-1"], categories=sorted(names))
    keys = np.array([0, 1, 0, 1, 0, 1, 0, 0])
    dense = np.array([1, 2, 3, 4, 5, 1, 4, 2])
    expected = sorted({f"{i}/{'ab'[k]}" for i, k in zip(items, keys)})
    want = [expected.index(f"{i}/{'ab'[k]}") for i, k in zip(items, keys)]
    assert unit_codes(dense, items, keys, ["a", "b"]).codes.tolist() == want
    assert unit_codes(dense * 1_000_003, items, keys, ["a", "b"]).codes.tolist() == want
