"""Rankings to pairs: the consensus ranking (mean rank, ties), the pairs each setting gives, and the rows of
every format that reads rankings. The expected figures are worked by hand in the comments."""

import pandas as pd
import pytest
from sqlmodel import select

from feedback.errors import ExportError
from feedback.export.build import build_export
from feedback.export.options import ExportOptions
from feedback.export.rankings import RankedItem, consensus_rankings, ranking_pairs
from feedback.people.users import add_users
from feedback.store.tables import Annotation, Candidate, Item

# u1: a b c d; u2: b a c d; u3: a c b d. Mean ranks a 4/3, b 2, c 8/3, d 4: a strict order a > b > c > d.
# a above b: u1 and u3 (2 of 3); b above a: u2; b above c: u1 and u2; every other pair: all three.
FOUR = {"u1": {"a": 1, "b": 2, "c": 3, "d": 4}, "u2": {"a": 2, "b": 1, "c": 3, "d": 4},
        "u3": {"a": 1, "b": 3, "c": 2, "d": 4}}
# u1: a b c; u2: b a c. Mean ranks a 1.5, b 1.5, c 3: a and b tied on top.
TOP_TIE = {"u1": {"a": 1, "b": 2, "c": 3}, "u2": {"a": 2, "b": 1, "c": 3}}
# Latin square: every candidate has mean rank 2.
ALL_TIED = {"u1": {"a": 1, "b": 2, "c": 3}, "u2": {"a": 3, "b": 1, "c": 2}, "u3": {"a": 2, "b": 3, "c": 1}}


def frames(rankings: dict[str, dict[str, int]], item_id=1, keys="abcd"):
    long = pd.DataFrame([(item_id, user, key, rank) for user, ranking in rankings.items()
                         for key, rank in ranking.items()], columns=["item_id", "user_id", "key", "rank"])
    used = sorted({k for r in rankings.values() for k in r}) if rankings else list(keys)
    candidates = pd.DataFrame({"item_id": item_id, "key": used, "position": range(len(used))})
    return long, candidates


def ranked(rankings, **kwargs):
    long, candidates = frames(rankings)
    return consensus_rankings(long, candidates, items={1}, **kwargs)[1]


def test_mean_rank_consensus_and_shares():
    item = ranked(FOUR)
    assert item.levels == (("a",), ("b",), ("c",), ("d",))
    assert item.n_annotators == 3
    assert item.share("a", "b") == pytest.approx(2 / 3) and item.share("b", "a") == pytest.approx(1 / 3)
    assert item.vote_margin("a", "b") == pytest.approx(1 / 3)
    assert item.share("b", "c") == pytest.approx(2 / 3) and item.share("a", "d") == 1.0
    assert item.vote_margin("b", "a") == 0.0   # floored


def test_equal_mean_ranks_are_tied():
    assert ranked(TOP_TIE).levels == (("a", "b"), ("c",))
    assert ranked(ALL_TIED).levels == (("a", "b", "c"),)
    # an annotator's own tie (ranking_ties) puts neither above the other
    item = ranked({"u1": {"a": 1, "b": 1, "c": 2}})
    assert item.levels == (("a", "b"), ("c",)) and item.share("a", "b") == 0.0 and item.share("a", "c") == 1.0


def test_incomplete_rankings_are_not_counted():
    long, candidates = frames(FOUR)
    partial = pd.DataFrame([(1, "u9", "d", 1), (1, "u9", "a", 2)], columns=long.columns)
    item = consensus_rankings(pd.concat([long, partial]), candidates, items={1})[1]
    assert item.n_annotators == 3 and item.levels[0] == ("a",)


def test_an_adjudicated_ranking_replaces_the_mean():
    item = ranked(FOUR, adjudicated={1: {"ranking": {"a": 4, "b": 3, "c": 2, "d": 1}}})
    assert item.adjudicated and item.levels == (("d",), ("c",), ("b",), ("a",))
    assert item.n_annotators == 3 and item.share("d", "a") == 0.0   # the annotators' shares stay


@pytest.mark.parametrize(("rankings", "mode", "pairs", "tied"), [
    (FOUR, "all", [("a", "b"), ("a", "c"), ("a", "d"), ("b", "c"), ("b", "d"), ("c", "d")], 0),
    (FOUR, "adjacent", [("a", "b"), ("b", "c"), ("c", "d")], 0),
    (FOUR, "best_worst", [("a", "d")], 0),
    (TOP_TIE, "all", [("a", "c"), ("b", "c")], 1),
    (TOP_TIE, "adjacent", [("a", "c"), ("b", "c")], 1),
    (TOP_TIE, "best_worst", [("a", "c"), ("b", "c")], 0),
    (ALL_TIED, "all", [], 3),
    (ALL_TIED, "adjacent", [], 3),
    (ALL_TIED, "best_worst", [], 1),
])
def test_pairs_per_setting(rankings, mode, pairs, tied):
    assert ranking_pairs(ranked(rankings), mode) == (pairs, tied)


def test_bad_ranking_pairs_option():
    with pytest.raises(ExportError, match="ranking_pairs 'some'"):
        ExportOptions(ranking_pairs="some")
    with pytest.raises(ValueError):
        ranking_pairs(RankedItem(levels=(("a",), ("b",)), n_annotators=1, above={}), "some")


# --- through the export --------------------------------------------------------------------------------------

def add_ranked(session, project, ext, rankings, *, position=0, preferences=None, outputs=None):
    keys = sorted({k for r in rankings.values() for k in r}) or list("abc")
    item = Item(project_id=project.id, external_id=ext, prompt=f"Rank these for {ext}", content_hash=f"h-{ext}",
                position=position)
    session.add(item)
    session.flush()
    for pos, key in enumerate(keys):
        session.add(Candidate(item_id=item.id, key=key, model=f"m-{key}", position=pos,
                              output=(outputs or {}).get(key, f"answer {key.upper()}")))
    users = add_users(session, set(rankings) | set(preferences or {}))
    for name in sorted(set(rankings) | set(preferences or {})):
        session.add(Annotation(item_id=item.id, user_id=users[name].id, ranking=rankings.get(name),
                               preference=(preferences or {}).get(name)))
    session.commit()
    return item


def export(session, **options):
    return build_export(session=session, user=None, project="p", options=ExportOptions(**options))


@pytest.fixture
def project(session, make_project):
    project = make_project("p")
    add_ranked(session, project, "four", FOUR, position=0)
    add_ranked(session, project, "top-tie", TOP_TIE, position=1)
    add_ranked(session, project, "all-tied", ALL_TIED, position=2)
    return project


def pairs_of(rows):
    return [(r["item_id"], r["chosen"].removeprefix(" "), r["rejected"]) for r in rows]


def test_dpo_rows_from_rankings(session, project):
    bundle = export(session)
    assert pairs_of(bundle.rows) == [
        ("four", "answer A", "answer B"), ("four", "answer A", "answer C"), ("four", "answer A", "answer D"),
        ("four", "answer B", "answer C"), ("four", "answer B", "answer D"), ("four", "answer C", "answer D"),
        ("top-tie", "answer A", "answer C"), ("top-tie", "answer B", "answer C")]
    first = bundle.rows[0]
    assert (first["consensus"], first["num_annotators"], first["adjudicated"]) == ("mean_rank", 3, False)
    assert first["majority_share"] == first["confidence"] == pytest.approx(2 / 3)
    assert bundle.excluded["tied_ranks"] == 1 + 3   # a-b of top-tie; the three pairs of all-tied
    assert bundle.manifest["annotators"] == ["u1", "u2", "u3"]
    assert "mean rank" in bundle.manifest["ranking"]["consensus"]
    assert bundle.manifest["ranking"]["pairs"].startswith("all: ")

    adjacent = export(session, ranking_pairs="adjacent")
    assert pairs_of(adjacent.rows)[:3] == [("four", "answer A", "answer B"), ("four", "answer B", "answer C"),
                                           ("four", "answer C", "answer D")]
    best_worst = export(session, ranking_pairs="best_worst")
    assert pairs_of(best_worst.rows) == [("four", "answer A", "answer D"), ("top-tie", "answer A", "answer C"),
                                         ("top-tie", "answer B", "answer C")]
    assert best_worst.excluded["tied_ranks"] == 1


def test_min_annotations_counts_the_rankings(session, project):
    bundle = export(session, min_annotations=3)
    assert {r["item_id"] for r in bundle.rows} == {"four"}
    assert bundle.excluded["too_few_annotations"] == 1   # top-tie has 2 rankings


def test_preference_votes_take_precedence_over_rankings(session, make_project):
    project = make_project("p")
    add_ranked(session, project, "both", {"u1": {"a": 3, "b": 2, "c": 1}}, preferences={"u2": "a", "u3": "a"})
    rows = export(session).rows
    assert pairs_of(rows) == [("both", "answer A", "answer B"), ("both", "answer A", "answer C")]
    assert rows[0]["consensus"] == "majority" and rows[0]["num_annotators"] == 2


def test_a_reviewers_ranking_decides(session, project, make_user):
    from feedback.review.workflow import adjudicate

    reviewer = make_user("rev", role="reviewer")
    item = session.exec(select(Item).where(Item.external_id == "all-tied")).one()
    adjudicate(session=session, user=reviewer, item_id=item.id, answer={"ranking": {"a": 3, "b": 2, "c": 1}},
               reason="c is right")
    rows = [r for r in export(session).rows if r["item_id"] == "all-tied"]
    assert pairs_of(rows) == [("all-tied", "answer C", "answer B"), ("all-tied", "answer C", "answer A"),
                              ("all-tied", "answer B", "answer A")]
    assert all(r["adjudicated"] and r["confidence"] == 1.0 for r in rows)
    assert rows[0]["majority_share"] == pytest.approx(1 / 3)   # u3 alone put c above b


def test_rm_vote_margin_from_rankings(session, project):
    rows = export(session, format="rm").rows
    margins = {(r["item_id"], r["chosen"][-1], r["rejected"][-1]): r["margin"] for r in rows}
    assert margins[("four", "A", "B")] == pytest.approx(1 / 3)   # 2/3 above minus 1/3 below
    assert margins[("four", "A", "D")] == 1.0
    assert margins[("top-tie", "A", "C")] == 1.0


def test_kto_from_rankings_top_true_bottom_false(session, project):
    bundle = export(session, format="kto")
    labels = [(r["item_id"], r["completion"], r["label"]) for r in bundle.rows]
    assert labels == [("four", "answer A", True), ("four", "answer D", False),
                      ("top-tie", "answer A", True), ("top-tie", "answer B", True), ("top-tie", "answer C", False)]
    assert bundle.excluded["ranked_middle"] == 2 and bundle.excluded["tie"] == 1
    four_a = bundle.rows[0]
    assert four_a["consensus"] == "mean_rank" and four_a["confidence"] == 1.0   # all three put a above d


def test_sft_target_is_the_single_top(session, project):
    bundle = export(session, format="sft")
    assert [(r["item_id"], r["completion"]) for r in bundle.rows] == [("four", "answer A")]
    assert bundle.rows[0]["consensus"] == "mean_rank"
    # a above b 2/3, above c 1, above d 1: mean 8/9
    assert bundle.rows[0]["confidence"] == pytest.approx(8 / 9)
    assert bundle.excluded["tie"] == 2


def test_openai_dpo_from_rankings(session, project):
    bundle = export(session, format="openai-dpo", ranking_pairs="best_worst")
    assert [(r["preferred_output"][0]["content"], r["non_preferred_output"][0]["content"]) for r in bundle.rows] == [
        ("answer A", "answer D"), ("answer A", "answer C"), ("answer B", "answer C")]
    assert [p["consensus"] for p in bundle.manifest["row_provenance"]] == ["mean_rank"] * 3
