"""Read a CSV file of items: columns ``prompt, output_a, output_b`` (required), ``id, model_a, model_b,
priority, gold_preference`` (optional) and further candidates as ``output_c`` / ``model_c``... Line numbers
are physical file lines. An empty ``output_*`` cell is an agent that returned nothing: imported, as empty text.
"""

import csv
import difflib
import re
from collections.abc import Iterable, Iterator

from feedback.errors import ImportRejected
from feedback.intake.parse import check_line
from feedback.intake.records import ParsedItem, Problem, Record, short
from feedback.projects.schema import MAX_CANDIDATES

REQUIRED = ("prompt", "output_a", "output_b")
OPTIONAL = ("id", "model_a", "model_b", "priority", "gold_preference")
_CANDIDATE_COLUMN = re.compile(r"^(output|model)_([a-z0-9][a-z0-9_-]*)$")
_FIELD_LIMIT = 256 * 1024 * 1024


def parse_csv(lines: Iterable[str], filename: str) -> Iterator[Record]:
    """Yield ``(line, item or None, problems)`` for each non-blank record of the file's ``lines`` (read as they are
    needed; each with its line ending, as a file opened with ``newline=""`` gives them).

    A header that cannot be used rejects the whole file (``ImportRejected``), whatever ``skip_invalid`` says.
    """
    if csv.field_size_limit() < _FIELD_LIMIT:
        csv.field_size_limit(_FIELD_LIMIT)  # long agent outputs are normal; the default is 128 KiB
    reader = csv.reader(lines)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        return
    except csv.Error as e:
        raise ImportRejected(f"{filename} is not a readable CSV file; nothing was imported",
                             [Problem(1, "", f"not valid CSV ({e})")]) from None
    keys = _check_header(header, filename)
    previous = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise ImportRejected(f"{filename} is not a readable CSV file; nothing was imported",
                                 [Problem(previous + 1, "", f"not valid CSV ({e})")]) from None
        line, previous = previous + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield line, None, [Problem(line, "", f"has {len(row)} fields but the header has {len(header)}")]
            continue
        yield (line, *_record(dict(zip(header, row)), keys, line))


def _record(row: dict[str, str], keys: list[str], line: int) -> tuple[ParsedItem | None, list[Problem]]:
    obj = {
        "prompt": row["prompt"],
        "candidates": [
            {"id": key, "model": row.get(f"model_{key}", "").strip(), "output": row[f"output_{key}"]}
            for key in keys
        ],
    }
    if row.get("id", "").strip():
        obj["id"] = row["id"].strip()
    if row.get("priority", "").strip():
        obj["priority"] = _whole(row["priority"].strip())
    if row.get("gold_preference", "").strip():
        obj["gold"] = {"preference": row["gold_preference"].strip()}
    item, problems = check_line(obj, line)
    columns = {"gold": "gold_preference", "gold.preference": "gold_preference"}
    columns.update({f"candidates[{i}]": f"output_{key}" for i, key in enumerate(keys)})
    columns.update({f"candidates[{i}].output": f"output_{key}" for i, key in enumerate(keys)})
    columns.update({f"candidates[{i}].model": f"model_{key}" for i, key in enumerate(keys)})
    if item is not None:
        item.columns = columns  # for the problems found later (the gold answer against the project's questions)
    return item, [Problem(p.line, columns.get(p.field, p.field), p.reason) for p in problems]


def _whole(text: str) -> int | str:
    """A cell as a whole number when it is one (``"3"``, ``"-1"``); else the text, which the checks refuse."""
    try:
        return int(text)
    except ValueError:
        return text


def _check_header(header: list[str], filename: str) -> list[str]:
    """The candidate keys named by the header, in column order; a bad header rejects the file."""
    problems = []
    known = REQUIRED + OPTIONAL
    for name in sorted({n for n in header if header.count(n) > 1}):
        problems.append(Problem(1, "", f"column {short(name)} appears more than once"))
    outputs, models = [], []
    for name in header:
        match = _CANDIDATE_COLUMN.match(name)
        if match:
            (outputs if match[1] == "output" else models).append(match[2])
        elif name not in known:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            columns = ", ".join(known)
            hint = f"; did you mean {close[0]!r}?" if close else f" (columns: {columns}, output_c...)"
            problems.append(Problem(1, "", f"unknown column {short(name)}{hint}"))
    for name in REQUIRED:
        if name not in header:
            problems.append(Problem(1, "", f"missing column {name!r} (required: {', '.join(REQUIRED)})"))
    if len(set(outputs)) > MAX_CANDIDATES:
        extra = list(dict.fromkeys(outputs))[MAX_CANDIDATES]
        problems.append(Problem(1, f"output_{extra}", f"{len(set(outputs))} output columns, but an item can have "
                                f"at most {MAX_CANDIDATES} candidates (the most the ranking question can order)"))
    for key in models:
        if key not in outputs:
            problems.append(Problem(1, "", f"column 'model_{key}' has no matching 'output_{key}'"))
    if problems:
        raise ImportRejected(f"The CSV header of {filename} is not usable; nothing was imported", problems)
    return list(dict.fromkeys(outputs))
