"""Parts of the Agreement page: the annotator x annotator kappa heatmap, the annotator quality table and
the automatic judges table. Figures come from ``feedback`` (quality, judges, report); this only draws."""

from collections.abc import Sequence

import altair as alt
import pandas as pd
import streamlit as st

from feedback.agreement.report import annotators_table, pairs_table
from feedback.figures import DECIMALS, interval
from feedback.ui.markdown import plain, safe_markdown
from feedback.ui.tables import figure_styler, figure_table

QUALITY_LABELS = {
    "annotator": "Annotator", "items_done": "Items done", "median_time_s": "Median time (s)",
    "agreement": "Agreement with the others", "agreement_n": "Compared items", "gold_accuracy": "Gold accuracy",
    "gold_answered": "Gold answered", "tie_rate": "Tie", "both_bad_rate": "Both bad", "left_share": "Chose left",
    "position_p": "Left bias p", "flags": "Why flagged",
}
JUDGE_LABELS = {
    "agent": "Judge", "items_judged": "Items judged", "items_with_consensus": "With a human consensus",
    "agreement": "Agreement with people", "kappa": "Cohen's kappa", "human_baseline": "People among themselves",
    "mean_score_right": "Mean score when right", "mean_score_wrong": "Mean score when wrong",
}
SHARES = ("agreement", "gold_accuracy", "tie_rate", "both_bad_rate", "left_share")


def kappa_matrix(pairs: Sequence[dict], value: str = "kappa") -> pd.DataFrame:
    """Long rows (``annotator_a``, ``annotator_b``, ``value``, ``n_shared``) of every ordered pair, both
    ways round, for a symmetric heatmap."""
    rows = []
    for pair in pairs:
        for a, b in ((pair["annotator_a"], pair["annotator_b"]), (pair["annotator_b"], pair["annotator_a"])):
            rows.append({"annotator": a, "with": b, "kappa": pair.get(value), "shared items": pair["n_shared"]})
    return pd.DataFrame(rows, columns=["annotator", "with", "kappa", "shared items"])


def kappa_heatmap(pairs: Sequence[dict], value: str = "kappa") -> None:
    """Cohen's kappa of every annotator pair as a heatmap (red: below chance, blue: agreement)."""
    data = kappa_matrix(pairs, value)
    if data.empty:
        st.caption("No two annotators share 2 or more items yet.")
        return
    base = alt.Chart(data).encode(x=alt.X("with:N", title=None), y=alt.Y("annotator:N", title=None))
    cells = base.mark_rect().encode(
        color=alt.Color("kappa:Q", scale=alt.Scale(domain=[-1, 1], scheme="redblue"), title="kappa"),
        tooltip=["annotator", "with", alt.Tooltip("kappa:Q", format=f".{DECIMALS}f"), "shared items"])
    labels = base.transform_filter("isValid(datum.kappa)").mark_text(fontSize=11).encode(  # no "null" text
        text=alt.Text("kappa:Q", format=f".{DECIMALS}f"))
    st.altair_chart((cells + labels).properties(height=max(160, 36 * data["annotator"].nunique())),
                    width="stretch")


def quality_table(rows: Sequence[dict]) -> None:
    """The per-annotator quality rows, flagged ones first, with the reasons."""
    if not rows:
        st.caption("No answers yet.")
        return
    for row in rows:
        if row["flagged"]:
            st.warning(f"**{plain(row['annotator'])}** is flagged: {safe_markdown('; '.join(row['flags']))}",
                       icon=":material/flag:")
    table = pd.DataFrame(rows)
    table["flags"] = table["flags"].map(lambda reasons: "; ".join(reasons))
    table = table.sort_values(["flagged", "annotator"], ascending=[False, True])
    shown = table[[c for c in QUALITY_LABELS if c in table]].rename(columns=QUALITY_LABELS)
    for column in shown.columns.difference(["Annotator", "Why flagged"]):
        shown[column] = pd.to_numeric(shown[column], errors="coerce")  # None -> NaN, drawn as EMPTY
    styled = figure_styler(shown, shares=[QUALITY_LABELS[c] for c in SHARES], p_values=["Left bias p"],
                           counts=["Items done", "Median time (s)", "Compared items", "Gold answered"])
    st.dataframe(styled.apply(_flagged_rows(table), axis=1), hide_index=True, width="stretch", placeholder="–")


def _flagged_rows(table: pd.DataFrame):
    flagged = dict(zip(table["annotator"], table["flagged"]))

    def style(row: pd.Series) -> list[str]:
        mark = "background-color: rgba(255, 75, 75, 0.12)" if flagged.get(row["Annotator"]) else ""
        return [mark] * len(row)

    return style


def judges_table(rows: Sequence[dict]) -> None:
    """Each automatic judge's agreement with the human consensus, beside the people's own agreement."""
    table = pd.DataFrame(rows)[list(JUDGE_LABELS)].rename(columns=JUDGE_LABELS)
    for column in table.columns.difference(["Judge"]):
        table[column] = pd.to_numeric(table[column], errors="coerce")
    figure_table(table, shares=["Agreement with people", "People among themselves"],
                 counts=["Items judged", "With a human consensus"])


FIGURE_NAMES = {"percent_agreement": "% agreement", "expected_agreement": "expected by chance",
                "fleiss_kappa": "Fleiss' kappa", "alpha_rank": "Krippendorff's alpha (rank distance)"}


def _figure_name(name: str) -> str:
    """A figure's key in the words of the questions table: ``alpha_ordinal`` -> ``Krippendorff's alpha (ordinal)``."""
    if name in FIGURE_NAMES:
        return FIGURE_NAMES[name]
    return f"Krippendorff's alpha ({name[6:]})" if name.startswith("alpha_") else name.replace("_", " ")


def question_details(question: dict) -> None:
    """Every figure of one question with its interval, what it rests on, the annotators' part in it, and
    Cohen's kappa for every pair (table and heatmap)."""
    st.caption(question.get("note") or "")
    metrics = question.get("metrics") or {}
    figure_table(pd.DataFrame([{
        "figure": _figure_name(name), "value": m.get("value"),
        "95% CI": interval(*m["ci"]) if m.get("ci") else None, "items": m.get("n_items"),
        "annotators": m.get("n_annotators"), "why not": m.get("reason") or "",
    } for name, m in metrics.items()]), counts=["items", "annotators"])
    answers = pd.DataFrame(question.get("distribution") or [])
    if not answers.empty and answers["count"].sum():
        st.markdown("**Answers given**")
        bars = alt.Chart(answers).mark_bar().encode(
            x=alt.X("answer:N", sort=list(answers["answer"]), title=None), y=alt.Y("count:Q", title="answers"),
            tooltip=["answer", "count"])
        st.altair_chart(bars.properties(height=180), width="stretch")
    fleiss = question.get("fleiss") or {}
    if fleiss.get("note"):
        st.caption(f"Fleiss' kappa: {safe_markdown(fleiss['note'])}")
    people = annotators_table(question)
    if not people.empty:
        st.markdown("**Each annotator's part**: alpha without them (how much they move it) and their agreement "
                    "with the consensus of the others")
        figure_table(people, counts=["answers", "compared"])
    pairs = question.get("pairwise") or []
    st.markdown("**Cohen's kappa per annotator pair**")
    kappa_heatmap(pairs)
    if pairs:
        figure_table(pairs_table(question), counts=["shared units", "items"])
