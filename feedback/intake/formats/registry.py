"""The formats an import reads, how ``auto`` tells them apart from a file's first record, and the checking of one
record of another tool's format as a line of ours.

``items`` is our own format (JSONL or CSV, ``feedback.intake.parse``); ``pandalm`` and ``hh-rlhf`` are read by
the adapters beside this module. The file's container (a JSON array, JSON Lines, CSV, gzip-compressed or not) is
told by ``feedback.intake.source``.
"""

from collections.abc import Callable
from typing import Any

from feedback.errors import FeedbackError
from feedback.intake.formats.adapted import Adapted
from feedback.intake.formats.hh_rlhf import from_hh_rlhf, is_hh_rlhf
from feedback.intake.formats.names import (  # noqa: F401  (re-exported)
    AUTO,
    FORMAT_HELP,
    FORMATS,
    HH_RLHF,
    ITEMS,
    PANDALM,
    UPLOAD_TYPES,
)
from feedback.intake.formats.pandalm import from_pandalm, is_pandalm
from feedback.intake.parse import check_line
from feedback.intake.records import Problem, Record, source_field

ADAPTERS: dict[str, Callable[[Any], Adapted]] = {PANDALM: from_pandalm, HH_RLHF: from_hh_rlhf}


def check_format(name: str) -> str:
    if name not in FORMATS:
        raise FeedbackError(f"Unknown import format {name!r}; use one of {', '.join(FORMATS)}")
    return name


def sniff(obj: Any) -> str | None:
    """The other tool's format a raw record is in (``pandalm``, ``hh-rlhf``), or None."""
    if is_hh_rlhf(obj):
        return HH_RLHF
    if is_pandalm(obj):
        return PANDALM
    return None


def adapt(obj: Any, line: int, name: str) -> Record:
    """One raw record of format ``name`` checked as a line of ours: ``(line, item or None, problems)``, every
    problem named by the record's own field."""
    adapted = ADAPTERS[name](obj)
    if adapted.problems or adapted.item is None:
        return line, None, [Problem(line, where, reason) for where, reason in adapted.problems]
    item, problems = check_line(adapted.item, line)
    problems = [Problem(p.line, source_field(p.field, adapted.fields), p.reason) for p in problems]
    if item is not None:
        item.columns = adapted.fields
        item.notes = [Problem(line, where, note) for where, note in adapted.notes]
    return line, item, problems
