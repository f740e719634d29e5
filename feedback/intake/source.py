"""Read an import file (JSONL or CSV; a path, bytes or a binary file object) as a stream of checked records.

No database is involved. ``open_source`` gives a ``Source``: iterating it yields ``(line, item or None,
problems)`` one line at a time, duplicates inside the file reported, so memory stays a small multiple of the
longest line whatever the file's size (only each item's id and content hash are remembered, to find
duplicates). The file is read with sized reads only, and its sha256 is complete once the records are.

The format is told by the file's suffix, else by its first bytes. A CSV file that is not UTF-8, or one JSON
document where JSON Lines were expected, is rejected whole (``ImportRejected``, raised while iterating); a
JSONL line that is not UTF-8 is a problem of that line.
"""

import hashlib
import io
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from feedback.errors import FeedbackError, ImportRejected
from feedback.intake.csv_file import parse_csv
from feedback.intake.parse import check_line, load_json_line
from feedback.intake.records import Problem, Record

HEAD = 4096  # bytes looked at to tell JSONL from CSV
BLOCK = 1 << 16  # bytes per read
_ESCAPED = re.compile("[\udc80-\udcff]")  # a byte that is not UTF-8, as decoded with surrogateescape


class _Hashed(io.RawIOBase):
    """A binary stream read with sized reads only, hashing every byte it gives; ``head`` looks ahead."""

    def __init__(self, stream: IO[bytes]):
        self.stream, self.digest, self.pending = stream, hashlib.sha256(), b""
        self.n_read = 0

    def readable(self) -> bool:
        return True

    def head(self, size: int) -> bytes:
        while len(self.pending) < size:
            more = self.stream.read(size - len(self.pending))
            if not more:
                break
            self.pending += more
        return self.pending

    def readinto(self, buffer: Any) -> int:
        if self.pending:
            data, self.pending = self.pending[:len(buffer)], self.pending[len(buffer):]
        else:
            data = self.stream.read(len(buffer))
        if not isinstance(data, bytes | bytearray):
            raise FeedbackError("The file must be opened in binary mode")
        self.digest.update(data)
        self.n_read += len(data)
        buffer[:len(data)] = data
        return len(data)


class Source:
    """The records of one file (iterate once), its name, and once they are read, its sha256 and line count."""

    def __init__(self, stream: IO[bytes], filename: str):
        self.filename = filename
        self.n_lines = 0
        self._raw = _Hashed(stream)
        self._csv = _is_csv(filename, self._raw.head(HEAD))
        self._buffered = io.BufferedReader(self._raw, BLOCK)
        self._seen_ids: dict[str, int] = {}
        self._seen_hashes: dict[bytes, int] = {}

    @property
    def sha256(self) -> str:
        return self._raw.digest.hexdigest()

    @property
    def bytes_read(self) -> int:
        """Bytes read from the file so far (ahead of the records given by up to a buffer, 64 KiB)."""
        return self._raw.n_read

    def __iter__(self) -> Iterator[Record]:
        if self._csv:
            text = io.TextIOWrapper(self._buffered, encoding="utf-8-sig", errors="surrogateescape", newline="")
            records = parse_csv(_utf8_lines(text, self.filename), self.filename)
        else:
            records = _parse_jsonl(self._buffered, self.filename)
        for record in records:
            self.n_lines += 1
            yield self._unique(record)
        while self._buffered.read(BLOCK):  # the rest of the file (blank lines) still counts in the sha256
            pass
        if self.n_lines == 0:
            raise ImportRejected(f"{self.filename} is empty: there is nothing to import", [])

    def _unique(self, record: Record) -> Record:
        """The record, or a problem when it repeats an earlier line's id or content."""
        line, item, _ = record
        if item is None:
            return record
        digest = bytes.fromhex(item.content_hash)
        if item.external_id in self._seen_ids and item.explicit_id:
            first = self._seen_ids[item.external_id]
            return line, None, [Problem(line, "id", f"duplicate item id {item.external_id!r} (first on line {first})")]
        if item.external_id in self._seen_ids or digest in self._seen_hashes:
            first = self._seen_ids.get(item.external_id) or self._seen_hashes[digest]
            return line, None, [Problem(line, "", f"same prompt and candidates as line {first}")]
        self._seen_ids[item.external_id] = self._seen_hashes[digest] = line
        return record


@contextmanager
def open_source(*, path: Path | None = None, data: bytes | None = None, file: IO[bytes] | None = None,
                filename: str | None = None) -> Iterator[Source]:
    """The ``Source`` of a file given as a path, as bytes or as a binary file object (read from where it is)."""
    if file is not None or data is not None:
        name = filename or Path(str(getattr(file, "name", "") or path or "")).name or "upload"
        yield Source(file if file is not None else io.BytesIO(data), name)
        return
    if path is None:
        raise FeedbackError("Give a file to import")
    path = Path(path)
    try:
        stream = path.open("rb")
    except (FileNotFoundError, IsADirectoryError, PermissionError) as e:
        raise FeedbackError(f"Cannot read {path}: {e.strerror}") from None
    with stream:
        yield Source(stream, filename or path.name)


def _is_csv(filename: str, head: bytes) -> bool:
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        return True
    if suffix in (".jsonl", ".ndjson", ".json"):
        return False
    return not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"["))


def _utf8_lines(text: Iterable[str], filename: str) -> Iterator[str]:
    """The lines of a CSV file; the first byte that is not UTF-8 rejects the file, naming its line and column."""
    for line, chars in enumerate(text, 1):
        bad = _ESCAPED.search(chars)
        if bad is not None:
            byte = ord(bad.group()) - 0xDC00
            raise ImportRejected(f"{filename} is not UTF-8 text; nothing was imported", [Problem(
                line, "", f"not valid UTF-8 (byte 0x{byte:02x} at column {bad.start() + 1}); save the file as UTF-8")])
        yield chars


def _not_utf8(line: int, raw_line: bytes, offset: int) -> Problem:
    column = len(raw_line[:offset].decode("utf-8", "replace")) + 1
    return Problem(line, "", f"not valid UTF-8 (byte 0x{raw_line[offset]:02x} at column {column}); "
                             "save the file as UTF-8")


def _parse_jsonl(stream: IO[bytes], filename: str) -> Iterator[Record]:
    first = True
    for line, raw in enumerate(stream, 1):
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
