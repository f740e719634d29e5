"""Read an import file (a path, bytes or a binary file object) as a stream of checked records: our own items
(JSONL or CSV), or another tool's data set as it is (PandaLM's JSON arrays, HH-RLHF's JSON Lines:
``feedback.intake.formats``), gzip-compressed or not.

No database is involved. ``open_source`` gives a ``Source``: iterating it yields ``(line, item or None,
problems)`` one line at a time, duplicates inside the file reported, so memory stays a small multiple of the
longest line whatever the file's size (only each item's id and content hash are remembered, to find
duplicates). The file is read with sized reads only, and its sha256 (of the file as given, compressed or not) is
complete once the records are.

The container is told by the content and the suffix, never by the folder: gzip by its first bytes (and read as
it streams); CSV by the suffix ``.csv``, else by the first byte not being ``{`` or ``[``; a JSON array by its
first byte ``[`` (not in a ``.jsonl`` file); JSON Lines otherwise. A JSON array is read whole (up to
``MAX_ARRAY`` bytes) and its records are numbered as lines (1 = the first). The records' format, with
``file_format="auto"``, is told by the first record (``feedback.intake.formats.registry.sniff``).

A CSV file that is not UTF-8, one JSON document where JSON Lines were expected, a JSON array whose records are in
no format we read, or a broken gzip stream is rejected whole (``ImportRejected``, raised while iterating); a
JSONL line that is not UTF-8 is a problem of that line.
"""

import gzip
import hashlib
import io
import json
import re
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from feedback.errors import FeedbackError, ImportRejected
from feedback.intake.csv_file import parse_csv
from feedback.intake.formats.pandalm import RECORDS as PANDALM_RECORDS
from feedback.intake.formats.registry import AUTO, ITEMS, adapt, check_format, sniff
from feedback.intake.parse import JSON_DECODER, check_line, load_json_line
from feedback.intake.records import Problem, Record

HEAD = 4096  # bytes looked at to tell JSONL from CSV
BLOCK = 1 << 16  # bytes per read
GZIP_MAGIC = b"\x1f\x8b"
MAX_ARRAY = 256 << 20  # bytes of a JSON array, which is read whole (JSON Lines stream, whatever their size)
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

    def __init__(self, stream: IO[bytes], filename: str, file_format: str = AUTO):
        self.filename = filename
        self.format = check_format(file_format)
        self.n_lines = 0
        self._raw = _Hashed(stream)
        head = self._raw.head(HEAD)
        self._file = io.BufferedReader(self._raw, BLOCK)
        self._buffered, name = self._file, filename
        if head.startswith(GZIP_MAGIC):
            with _gzip_errors(filename):
                unzipped = _Hashed(gzip.GzipFile(fileobj=self._file, mode="rb"))
                head = unzipped.head(HEAD)
            self._buffered = io.BufferedReader(unzipped, BLOCK)
            name = filename[:-3] if filename.lower().endswith(".gz") else filename
        self._container = _container(name, head)
        self._text: io.TextIOWrapper | None = None
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
        with _gzip_errors(self.filename):
            for record in self._records():
                self.n_lines += 1
                yield self._unique(record)
            for stream in (self._buffered, self._file):  # the rest (blank lines) still counts in the sha256
                while stream.read(BLOCK):
                    pass
        if self.n_lines == 0:
            raise ImportRejected(f"{self.filename} is empty: there is nothing to import", [])

    def _records(self) -> Iterator[Record]:
        if self._container == "csv":
            if self.format not in (AUTO, ITEMS):
                raise ImportRejected(f"{self.filename} is not JSON; nothing was imported", [Problem(
                    0, "", f"the {self.format} format is read from JSON or JSON Lines; CSV files hold our own items")])
            self._text = io.TextIOWrapper(self._buffered, encoding="utf-8-sig", errors="surrogateescape", newline="")
            return parse_csv(_utf8_lines(self._text, self.filename), self.filename)  # (kept: it closes the file)
        if self._container == "array":
            return _parse_array(self._buffered, self.filename, self.format)
        return _parse_jsonl(self._buffered, self.filename, self.format)

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
                filename: str | None = None, file_format: str = AUTO) -> Iterator[Source]:
    """The ``Source`` of a file given as a path, as bytes or as a binary file object (read from where it is);
    ``file_format``: one of ``feedback.intake.formats.registry.FORMATS``."""
    if file is not None or data is not None:
        name = filename or Path(str(getattr(file, "name", "") or path or "")).name or "upload"
        yield Source(file if file is not None else io.BytesIO(data), name, file_format)
        return
    if path is None:
        raise FeedbackError("Give a file to import")
    path = Path(path)
    try:
        stream = path.open("rb")
    except (FileNotFoundError, IsADirectoryError, PermissionError) as e:
        raise FeedbackError(f"Cannot read {path}: {e.strerror}") from None
    with stream:
        yield Source(stream, filename or path.name, file_format)


def _container(filename: str, head: bytes) -> str:
    """``csv``, ``array`` (one JSON array) or ``jsonl``, told by the suffix and the first bytes."""
    suffix = Path(filename).suffix.lower()
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if suffix == ".csv":
        return "csv"
    if first == b"[" and suffix not in (".jsonl", ".ndjson"):
        return "array"
    if suffix in (".jsonl", ".ndjson", ".json") or first in (b"{", b"["):
        return "jsonl"
    return "csv"


@contextmanager
def _gzip_errors(filename: str) -> Iterator[None]:
    """A broken gzip stream rejects the file (nothing is imported)."""
    try:
        yield
    except (gzip.BadGzipFile, EOFError, zlib.error) as e:
        reason = str(e) or "the compressed data ends too early"
        raise ImportRejected(f"{filename} is not a readable gzip file; nothing was imported",
                             [Problem(0, "", f"not valid gzip data ({reason})")]) from None


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


def _parse_jsonl(stream: IO[bytes], filename: str, file_format: str) -> Iterator[Record]:
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
        if file_format == AUTO:
            file_format = sniff(obj) or ITEMS  # told by the first record that is JSON
        yield (line, *check_line(obj, line, text)) if file_format == ITEMS else adapt(obj, line, file_format)


def _parse_array(stream: IO[bytes], filename: str, file_format: str) -> Iterator[Record]:
    """The records of one JSON array (read whole), numbered from 1."""
    data = stream.read(MAX_ARRAY + 1)
    if len(data) > MAX_ARRAY:
        raise ImportRejected(f"{filename} is a JSON array of more than {MAX_ARRAY >> 20} MB; nothing was imported", [
            Problem(0, "", "a JSON array is read whole: write its records one per line (JSON Lines) to import it")])
    try:
        records = JSON_DECODER.decode(data.decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise ImportRejected(f"{filename} is not UTF-8 text; nothing was imported", [Problem(
            line, "", f"not valid UTF-8 (byte 0x{data[e.start]:02x}); save the file as UTF-8")]) from None
    except json.JSONDecodeError as e:
        raise ImportRejected(f"{filename} is not valid JSON; nothing was imported", [Problem(
            e.lineno, "", f"not valid JSON ({e.msg} at column {e.colno})")]) from None
    except (RecursionError, ValueError) as e:
        reason = "nested too deeply" if isinstance(e, RecursionError) else str(e)
        raise ImportRejected(f"{filename} is not valid JSON; nothing was imported",
                             [Problem(0, "", f"not valid JSON ({reason})")]) from None
    del data
    if records and file_format in (AUTO, ITEMS):  # our items are JSON Lines; an array is another tool's records
        found = sniff(records[0]) if file_format == AUTO else None
        if found is None:
            hint = f", or give a JSON array of {PANDALM_RECORDS}" if file_format == AUTO else ""
            raise ImportRejected(f"{filename} is not JSON Lines; nothing was imported", [Problem(
                1, "", f"this looks like one JSON document; write one JSON object per line (JSONL){hint}")])
        file_format = found
    for index, obj in enumerate(records):
        records[index] = None  # each record is freed once checked
        yield adapt(obj, index + 1, file_format)
