"""Tables shown with ``st.dataframe``, made safe to download: Streamlit's table toolbar saves them as CSV, and a
spreadsheet opening that file runs a cell that starts like a formula (``=cmd|' /C calc'!A0``, ``@SUM(...)``,
``=HYPERLINK(...)``). Rationales, prompts and agents' outputs come from outside, so every table of such text
goes through ``safe_table`` first.

Following OWASP's advice on CSV injection, a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return gets a leading ``'``, which spreadsheets show as text. Numbers are left alone, whether stored as
numbers or as text (``-0.5``), and so are intervals (``-0.365 to 0.182``, which showed as ``'-0.365 to 0.182``):
neither is a formula.

Tables of figures are drawn by ``figure_table``: one way of writing figures (``feedback.figures``) on every page.
"""

import re
from collections.abc import Iterable

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from feedback import figures

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_FIGURE = re.compile(rf"{_NUMBER.pattern}( to {_NUMBER.pattern})?")  # a number, or an interval (figures.interval)


def safe_cell(value):
    """``value`` with a ``'`` in front if it is text that a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(_TRIGGERS) and not _FIGURE.fullmatch(value):
        return "'" + value
    return value


def safe_table(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` whose text cells and column names cannot run as spreadsheet formulas (``safe_cell``);
    numeric columns, dates and the index are unchanged."""
    safe = table.copy()
    for n, column in enumerate(table.columns):
        values = table.iloc[:, n]
        if isinstance(values.dtype, pd.CategoricalDtype):
            safe.isetitem(n, values.astype(object).map(safe_cell))
        elif pd.api.types.is_object_dtype(values.dtype) or pd.api.types.is_string_dtype(values.dtype):
            safe.isetitem(n, values.map(safe_cell))
    safe.columns = [safe_cell(c) for c in table.columns]
    return safe


def figure_styler(table: pd.DataFrame, *, shares: Iterable[str] = (), counts: Iterable[str] = (),
                  p_values: Iterable[str] = ()) -> Styler:
    """``table`` made safe (``safe_table``) and written the one way of ``feedback.figures``: headers as words,
    figures with ``DECIMALS`` decimals, the columns ``shares`` as whole percentages, ``counts`` (and integer
    columns) as integers, ``p_values`` as p-values, and every empty cell as ``EMPTY``. Columns are named as in
    ``table``."""
    shares, counts, p_values = set(shares), set(counts), set(p_values)
    formats: dict = {}
    for name in table.columns:
        values = table[name]
        if name in shares:
            formats[name] = figures.percent
        elif name in p_values:
            formats[name] = figures.p_value
        elif name in counts or pd.api.types.is_integer_dtype(values.dtype):
            formats[name] = _count
        elif pd.api.types.is_float_dtype(values.dtype):
            formats[name] = figures.number
    safe = safe_table(table.rename(columns=figures.title))
    formats = {safe_cell(figures.title(name)): f for name, f in formats.items()}
    return safe.style.format(formats, na_rep=figures.EMPTY)


def _count(value) -> str:
    return figures.EMPTY if figures.empty(value) else f"{round(float(value))}"


def figure_table(table: pd.DataFrame, *, shares: Iterable[str] = (), counts: Iterable[str] = (),
                 p_values: Iterable[str] = (), **options) -> None:
    """Draw ``table`` with ``st.dataframe`` as ``figure_styler`` writes it (``options``: ``column_config``,
    ``key``, ...; no index, full width)."""
    st.dataframe(figure_styler(table, shares=shares, counts=counts, p_values=p_values), hide_index=True,
                 width="stretch", placeholder=figures.EMPTY, **options)
