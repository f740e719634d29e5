"""Tables shown with ``st.dataframe``, made safe to download: Streamlit's table toolbar saves them as CSV, and a
spreadsheet opening that file runs a cell that starts like a formula (``=cmd|' /C calc'!A0``, ``@SUM(...)``,
``=HYPERLINK(...)``). Rationales, prompts and agents' outputs come from outside, so every table of such text
goes through ``safe_table`` first.

Following OWASP's advice on CSV injection, a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return gets a leading ``'``, which spreadsheets show as text. Numbers are left alone, whether stored as
numbers or as text (``-0.5``): a number is not a formula.
"""

import re

import pandas as pd

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value):
    """``value`` with a ``'`` in front if it is text that a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(_TRIGGERS) and not _NUMBER.fullmatch(value):
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
