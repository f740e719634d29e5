"""How figures, intervals, shares, table headers and times are written: one way on every screen, in the CLI's text
report and in the export's summary and card.

- a figure has ``DECIMALS`` decimals (``0.652``); a count is an integer;
- an empty figure (none, not a number) is ``EMPTY``, never ``None`` or ``nan``;
- an interval is ``0.569 to 0.724``; a figure with its interval ``0.652 (95% CI 0.569 to 0.724)``;
- a share is a whole percentage (``67%``), rounded as the review threshold compares it
  (``feedback.consensus.methods.below_threshold``);
- a table header is words (``pairwise kappa`` -> ``Pairwise kappa``), not a snake_case key;
- a time is the reader's local time, to the minute (``2026-12-07 09:14``).
"""

import math
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

DECIMALS = 3
EMPTY = "–"


def empty(value: object) -> bool:
    """Whether ``value`` is no figure: None, NaN, or a missing value of pandas."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value) or math.isinf(value)
    return type(value).__name__ in ("NAType", "NaTType")  # pandas' missing values, without importing pandas


def number(value: float | None, decimals: int = DECIMALS) -> str:
    """A figure with ``decimals`` decimals; ``EMPTY`` when there is none."""
    if empty(value):
        return EMPTY
    return f"{float(value):.{decimals}f}"


def rounded(value: float | None, decimals: int = DECIMALS) -> float | None:
    """A figure rounded as it is written (None stays None, NaN becomes None): for table cells that stay numbers."""
    return None if empty(value) else round(float(value), decimals)


def interval(low: float | None, high: float | None) -> str:
    """``0.569 to 0.724``; ``EMPTY`` when either end is missing."""
    if empty(low) or empty(high):
        return EMPTY
    return f"{number(low)} to {number(high)}"


def estimate(value: float | None, low: float | None = None, high: float | None = None, *, level: int = 95) -> str:
    """A figure and its interval: ``0.652 (95% CI 0.569 to 0.724)``; the figure alone when it has no interval."""
    if empty(value):
        return EMPTY
    if empty(low) or empty(high):
        return number(value)
    return f"{number(value)} ({level}% CI {interval(low, high)})"


def whole_percent(share):
    """A share (0 to 1; a number or an array) as the whole percentage it is shown as, halves rounded up:
    2/3 -> 67, 0.125 -> 13. The review threshold compares these (``feedback.consensus.methods.below_threshold``)."""
    whole = np.floor(np.asarray(share, dtype="float64") * 100 + 0.5 + 1e-9)
    return float(whole) if whole.ndim == 0 else whole


def percent(share: float | None) -> str:
    """A share (0 to 1) as a whole percentage: ``67%``; ``EMPTY`` when there is none."""
    if empty(share):
        return EMPTY
    return f"{whole_percent(share):.0f}%"


def p_value(p: float | None) -> str:
    """A p-value: ``0.004``, or ``< 0.001`` when it would be written as zero."""
    if empty(p):
        return EMPTY
    return "< 0.001" if p < 0.0005 else number(p)


def title(name: str) -> str:
    """A table header from a key: ``pairwise_kappa`` -> ``Pairwise kappa`` (``n`` stays ``n``)."""
    words = str(name).replace("_", " ").strip()
    return words[:1].upper() + words[1:] if len(words) > 1 else words


def zone_of(name: str | None) -> ZoneInfo:
    """The time zone ``name`` (an IANA name such as the browser reports); UTC when unknown."""
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_time(moment: datetime | None, zone: str | None = None) -> str:
    """``moment`` in the time zone ``zone`` to the minute (a naive time is UTC, as stored); ``EMPTY`` if none."""
    if empty(moment):
        return EMPTY
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone_of(zone)).strftime("%Y-%m-%d %H:%M")


def snippet(text: str | None, width: int = 80) -> str:
    """``text`` on one line, cut to ``width`` characters with an ellipsis."""
    flat = " ".join(str(text or "").split())
    return flat if len(flat) <= width else flat[: width - 1].rstrip() + "…"
