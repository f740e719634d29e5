"""One way of writing figures (feedback/figures.py), used by the pages, the CLI report and the export summary."""

import math
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from feedback import figures


@pytest.mark.parametrize("value, text", [(0.65234, "0.652"), (1, "1.000"), (None, "–"), (math.nan, "–"),
                                         (np.float64("nan"), "–"), (pd.NA, "–"), (-0.0004, "-0.000")])
def test_a_figure_has_three_decimals_and_an_empty_one_is_a_dash(value, text):
    assert figures.number(value) == text


def test_intervals_are_written_one_way():
    assert figures.interval(0.5691, 0.7244) == "0.569 to 0.724"
    assert figures.interval(None, 0.7) == "–"
    assert figures.estimate(0.652, 0.569, 0.724) == "0.652 (95% CI 0.569 to 0.724)"
    assert figures.estimate(0.652) == "0.652" and figures.estimate(None, 0.1, 0.2) == "–"


@pytest.mark.parametrize("share, text", [(2 / 3, "67%"), (0.125, "13%"), (0.6, "60%"), (1, "100%"), (0.005, "1%"),
                                         (None, "–")])
def test_shares_are_whole_percentages_halves_up(share, text):
    assert figures.percent(share) == text


def test_p_values_headers_times_and_snippets():
    assert figures.p_value(0.0004) == "< 0.001" and figures.p_value(0.0123) == "0.012"
    assert figures.title("pairwise_kappa") == "Pairwise kappa" and figures.title("n") == "n"
    assert figures.title("% agreement") == "% agreement"
    noon = datetime(2026, 12, 7, 12, 0)  # stored without a zone: UTC
    assert figures.local_time(noon, "Europe/Berlin") == "2026-12-07 13:00"
    assert figures.local_time(noon.replace(tzinfo=UTC), "America/New_York") == "2026-12-07 07:00"
    assert figures.local_time(noon, None) == figures.local_time(noon, "Not/AZone") == "2026-12-07 12:00"
    assert figures.local_time(None, "UTC") == "–"
    assert figures.snippet("a  long\nprompt " * 20, 20) == "a long prompt a lon…"
