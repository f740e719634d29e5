"""Import files are read as streams: sized reads of a file object (an upload is never read whole), and memory
that follows the longest line, not the file (measured with tracemalloc: allocations, not time)."""

import csv
import hashlib
import json
import tracemalloc

import pytest
from sqlmodel import Session, func, select

from feedback.errors import ImportRejected
from feedback.intake.importer import import_file
from feedback.intake.source import BLOCK, open_source
from feedback.store.tables import Candidate, ImportBatch, Item


class Trickle:
    """A binary file object fed by a generator, a piece at a time; it refuses to be read whole."""

    def __init__(self, data: bytes, piece: int = 1000):
        self.pieces = (data[k:k + piece] for k in range(0, len(data), piece))
        self.pending = b""
        self.sizes: list[int] = []

    def read(self, size: int = -1) -> bytes:
        assert size is not None and size >= 0, "read() without a size reads the whole file into memory"
        self.sizes.append(size)
        while len(self.pending) < size:
            piece = next(self.pieces, b"")
            if not piece:
                break
            self.pending += piece
        out, self.pending = self.pending[:size], self.pending[size:]
        return out


def jsonl(n: int) -> bytes:
    return b"".join(json.dumps({"id": f"t-{k}", "prompt": f"question {k}", "candidates": [
        {"id": "a", "output": f"yes {k}"}, {"id": "b", "output": f"no {k}"}]}).encode() + b"\n" for k in range(n))


def csv_file(path, rows: int, width: int, long_cell: int = 0) -> int:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "prompt", "output_a", "output_b"])
        for k in range(rows):
            writer.writerow([f"t-{k}", f"question {k} " + "q" * width, f"yes {k} " + "y" * width, f"no {k}"])
        if long_cell:
            writer.writerow(["long", "the long one", "z" * long_cell, "no"])
    return path.stat().st_size


@pytest.mark.parametrize("name", ["items.jsonl", "upload"])
def test_a_file_object_is_read_in_sized_pieces_and_hashed_whole(session, name):
    data = jsonl(300)
    stream = Trickle(data)
    report = import_file(session=session, user=None, project="p", file=stream, filename=name, chunk_size=50)
    assert (report.items_added, report.n_lines, report.filename) == (300, 300, name)
    assert stream.sizes and max(stream.sizes) <= BLOCK
    assert session.exec(select(func.count(Candidate.id))).one() == 600
    assert session.get(ImportBatch, report.batch_id).sha256 == hashlib.sha256(data).hexdigest()


def test_a_csv_upload_with_a_byte_order_mark_and_crlf_lines_streams_too(session):
    data = "\ufeffprompt,output_a,output_b\r\nfirst,\"multi\r\nline\",b\r\nsecond,x,y\r\n".encode()
    report = import_file(session=session, user=None, project="p", file=Trickle(data, piece=3), filename="x.csv")
    assert report.items_added == 2 and report.problems == []
    outputs = session.exec(select(Candidate.output).order_by(Candidate.id)).all()
    assert outputs == ["multi\r\nline", "b", "x", "y"]


def test_a_csv_that_is_not_utf8_deep_in_a_stream_is_rejected_naming_the_line(session):
    data = b"prompt,output_a,output_b\n" + b"".join(b"q%d,a,b\n" % k for k in range(500)) \
        + "caf\u00e9,a,b\n".encode("latin-1")
    with pytest.raises(ImportRejected) as rejected:
        import_file(session=session, user=None, project="p", file=Trickle(data), filename="x.csv", chunk_size=50)
    assert [str(p) for p in rejected.value.problems] == [
        "line 502: not valid UTF-8 (byte 0xe9 at column 4); save the file as UTF-8"]
    assert session.exec(select(func.count(Item.id))).one() == 0


def parse_peak(path) -> int:
    """Peak bytes allocated while every record of the file is read and checked."""
    tracemalloc.start()
    try:
        with open_source(path=path) as source:
            for _ in source:
                pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_reading_a_csv_of_many_rows_takes_a_small_part_of_the_files_size(tmp_path, file_engine):
    path = tmp_path / "many.csv"
    size = csv_file(path, rows=3000, width=1000)  # about 6 MB
    assert parse_peak(path) < size / 4
    small = tmp_path / "small.csv"
    csv_file(small, rows=3, width=10)
    with Session(file_engine) as s:  # what the libraries set up once per process (SQLAlchemy's caches) is not counted
        import_file(session=s, user=None, project="warm-up", path=small)
    tracemalloc.start()
    try:
        with Session(file_engine) as s:
            report = import_file(session=s, user=None, project="p", path=path, chunk_size=200)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert report.items_added == 3000
    assert peak < size / 2


@pytest.mark.parametrize("kind", ["jsonl", "csv"])
def test_memory_follows_the_longest_line_not_the_file(tmp_path, kind):
    """A 4 MB line among short ones: the peak is a few times that line (CSV's reader keeps 4 bytes a character)."""
    longest = 4_000_000
    if kind == "csv":
        path = tmp_path / "long.csv"
        csv_file(path, rows=100, width=100, long_cell=longest)
        factor = 12
    else:
        path = tmp_path / "long.jsonl"
        path.write_bytes(jsonl(100) + json.dumps({"id": "long", "prompt": "q", "candidates": [
            {"output": "z" * longest}, {"output": "b"}]}).encode() + b"\n")
        factor = 8
    assert parse_peak(path) < factor * longest
