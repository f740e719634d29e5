"""Read an import file (JSONL or CSV, from a path or from bytes) into checked items and problems.

No database is involved: ``parse_source`` gives a ``ParsedFile`` with every valid item and every problem,
duplicates inside the file included, before the importer takes the write lock. The format is told by the
file's suffix, else by its first bytes. A CSV file that is not UTF-8, or one JSON document where JSON Lines
were expected, is rejected whole; a JSONL line that is not UTF-8 is a problem of that line.
"""

import hashlib
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from feedback.errors import FeedbackError, ImportRejected
from feedback.intake.csv_file import parse_csv
from feedback.intake.parse import check_line, load_json_line
from feedback.intake.records import ParsedItem, Problem, Record


@dataclass
class ParsedFile:
    """A file read and checked: its name and sha256, its number of lines, the valid items and the problems."""

    filename: str
    sha256: str
    n_lines: int
    items: list[ParsedItem]
    problems: list[Problem]


def parse_source(*, path: Path | None, data: bytes | None = None, filename: str | None = None) -> ParsedFile:
    """Read and check every line of a file; no database involved. An empty file is rejected."""
    if data is None:
        if path is None:
            raise FeedbackError("Give a file to import")
        path = Path(path)
        try:
            with path.open("rb") as stream:
                parsed = _parse_stream(stream, filename or path.name)
        except (FileNotFoundError, IsADirectoryError, PermissionError) as e:
            raise FeedbackError(f"Cannot read {path}: {e.strerror}") from None
    else:
        name = filename or (Path(path).name if path else "upload")
        parsed = _parse_stream(io.BytesIO(data), name)
    if parsed.n_lines == 0:
        raise ImportRejected(f"{parsed.filename} is empty: there is nothing to import", [])
    return parsed


def _parse_stream(stream: IO[bytes], filename: str) -> ParsedFile:
    head = stream.read(4096)
    stream.seek(0)
    digest = hashlib.sha256()
    if _is_csv(filename, head):
        raw = stream.read()
        digest.update(raw)
        records = parse_csv(_decode_whole(raw, filename), filename)
    else:
        records = _parse_jsonl(stream, digest, filename)
    items, problems, n_lines = _collect(records)
    return ParsedFile(filename, digest.hexdigest(), n_lines, items, problems)


def _is_csv(filename: str, head: bytes) -> bool:
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        return True
    if suffix in (".jsonl", ".ndjson", ".json"):
        return False
    return not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"["))


def _decode_whole(raw: bytes, filename: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        start = raw.rfind(b"\n", 0, e.start) + 1
        raise ImportRejected(f"{filename} is not UTF-8 text; nothing was imported",
                             [_not_utf8(line, raw[start:], e.start - start)]) from None


def _not_utf8(line: int, raw_line: bytes, offset: int) -> Problem:
    column = len(raw_line[:offset].decode("utf-8", "replace")) + 1
    return Problem(line, "", f"not valid UTF-8 (byte 0x{raw_line[offset]:02x} at column {column}); "
                             "save the file as UTF-8")


def _parse_jsonl(stream: IO[bytes], digest: Any, filename: str) -> Iterator[Record]:
    first = True
    for line, raw in enumerate(stream, 1):
        digest.update(raw)
        if line == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]  # a byte order mark
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            yield line, None, [_not_utf8(line, raw, e.start)]
            continue
        obj, problem = load_json_line(text, line)
        if problem is not None and first and text.strip() in ("[", "{"):
            raise ImportRejected(f"{filename} is not JSON Lines; nothing was imported", [Problem(
                line, "", "this looks like one JSON document; write one JSON object per line (JSONL)")])
        first = False
        if problem is not None:
            yield line, None, [problem]
            continue
        yield (line, *check_line(obj, line, text))


def _collect(records: Iterable[Record]) -> tuple[list[ParsedItem], list[Problem], int]:
    """Items and problems of every record, with duplicates inside the file reported."""
    items: list[ParsedItem] = []
    problems: list[Problem] = []
    by_id: dict[str, int] = {}
    by_hash: dict[str, int] = {}
    n_lines = 0
    for line, item, line_problems in records:
        n_lines += 1
        if item is None:
            problems.extend(line_problems)
        elif item.external_id in by_id and item.explicit_id:
            first = by_id[item.external_id]
            reason = f"duplicate item id {item.external_id!r} (first on line {first})"
            problems.append(Problem(line, "id", reason))
        elif item.external_id in by_id or item.content_hash in by_hash:
            first = by_id.get(item.external_id) or by_hash[item.content_hash]
            problems.append(Problem(line, "", f"same prompt and candidates as line {first}"))
        else:
            by_id[item.external_id] = by_hash[item.content_hash] = line
            items.append(item)
    return items, problems, n_lines
