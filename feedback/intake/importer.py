"""Import agent outputs (JSONL or CSV, or PandaLM's and HH-RLHF's files as they are) into a project: items,
candidates and annotations made elsewhere.

Rules:
- Every problem of every line is collected (``Problem(line, field, reason)``). Unless ``skip_invalid``,
  one problem rejects the whole file (``ImportRejected``) and nothing is written.
- Idempotent: an item's content hash covers its input and candidates (not metadata, not annotations).
  A known id with the same hash, or an item without id whose hash is known, is *existing* (left alone);
  a known id with another hash is a problem. Annotations by annotators new to an existing item are added,
  and so are suggestions (automatic judges' verdicts) by agents new to it.
- A candidate that returned nothing (empty output) is imported as empty text and counted in the report
  (``empty_outputs``); an annotator named in the file who has no account gets one (an annotator, no password),
  and the report names the accounts made (``accounts_created``).
- Streamed, and never in the annotators' way: the file is read a line at a time (``feedback.intake.source``)
  and handled ``chunk_size`` items at a time: checked against the project and the stored items
  (``feedback.intake.checks``, reads only), then written in a short write transaction of its own into the
  batch's hidden staging project (``feedback.intake.batches``). The last step makes the batch visible with the
  labels the file adds to items stored before: one quick transaction (a very large batch into an existing
  project moves in a few, and is finished whatever happens once they start). An import that fails removes what
  it wrote; one whose process was killed is removed (or its publishing finished) by the next import.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from feedback.errors import FeedbackError, ImportRejected
from feedback.intake.batches import (
    PUBLISH_CHUNK,
    discard,
    discard_unfinished,
    keep_alive,
    open_batch,
    publish,
    release,
)
from feedback.intake.checks import (
    CHUNK,
    annotations_to_add,
    check_answers,
    chunks,
    resolve_references,
    split_existing,
    suggestions_to_add,
)
from feedback.intake.records import ParsedAnnotation, ParsedItem, ParsedSuggestion, Problem, Record, printable
from feedback.intake.source import Source, open_source
from feedback.intake.write import ImportWriter
from feedback.people import permissions
from feedback.people.users import add_missing_users
from feedback.projects.projects import BATCH_DONE, check_project_name, find_project, project_schema
from feedback.projects.schema import LabelSchema
from feedback.store.tables import ImportBatch, User, utcnow
from feedback.store.transactions import writing

__all__ = ["CHUNK_ITEMS", "ImportReport", "import_file"]

# Items per write transaction, with their candidates and labels (their rows are made before it: ImportWriter.stage).
# 2,000 hold the write lock about as long as 1,000 did when the rows were made in the transaction (bench_import_stall:
# longest 126 ms, was 165 ms), with half the commits, each rewriting the pages of the items' random content hashes.
CHUNK_ITEMS = 2000
CHUNK_BYTES = 8 << 20  # ... or fewer, when their lines hold this many bytes


@dataclass
class ImportReport:
    """What an import did: counts, the batch written (None when nothing was), the lines skipped, the new items'
    empty candidate outputs and the annotator accounts it created."""

    project: str
    batch_id: int | None
    n_lines: int
    items_added: int = 0
    items_existing: int = 0
    annotations_added: int = 0
    annotations_existing: int = 0
    suggestions_added: int = 0
    suggestions_existing: int = 0
    problems: list[Problem] = field(default_factory=list)
    filename: str = ""
    empty_outputs: int = 0  # candidates of the new items that returned nothing (empty text)
    accounts_created: list[str] = field(default_factory=list)  # annotator accounts the import made, by name
    notes: list[Problem] = field(default_factory=list)  # values imported in another form (a boolean as text)

    @property
    def n_invalid(self) -> int:
        """Lines with at least one problem."""
        return len({p.line for p in self.problems})

    def summary_lines(self) -> list[str]:
        """What happened, in words (printed by the CLI, shown by the data page)."""
        name = printable(self.filename) if self.filename else "the file"
        if self.batch_id is not None:
            added = f"{_n(self.items_added, 'new item')}, {_n(self.annotations_added, 'new annotation')}"
            if self.suggestions_added:
                added += f", {_n(self.suggestions_added, 'new suggestion')}"
            batch = f"import batch {self.batch_id}"
            lines = [f"Imported {name} into project {self.project!r} ({batch}): {added}."]
            if self.items_existing or self.annotations_existing or self.suggestions_existing:
                kept = f"{_n(self.items_existing, 'item')}, {_n(self.annotations_existing, 'annotation')}"
                if self.suggestions_existing:
                    kept += f", {_n(self.suggestions_existing, 'suggestion')}"
                lines.append(f"Already imported, left unchanged: {kept}.")
            lines += self._empty_line() + self._accounts_line()
        elif self.items_existing:
            parts = [_n(n, noun) for n, noun in ((self.annotations_existing, "annotation"),
                                                   (self.suggestions_existing, "suggestion")) if n]
            present = f" ({' and '.join(parts)} already present)" if parts else ""
            already = f"{self.items_existing} items already imported into project {self.project!r}"
            lines = [f"{name}: nothing new: {already}{present}."]
        elif self.annotations_existing or self.suggestions_existing:
            parts = [_n(n, noun) for n, noun in ((self.annotations_existing, "annotation"),
                                                   (self.suggestions_existing, "suggestion")) if n]
            lines = [f"{name}: nothing new: its {' and '.join(parts)} are already in project {self.project!r}."]
        else:
            lines = [f"Nothing imported from {name} into project {self.project!r}."]
        lines += self._notes_lines()
        if self.problems:
            lines.append(f"Skipped {self.n_invalid} of {self.n_lines} lines as invalid:")
            lines.extend(f"  {p}" for p in self.problems)
        return lines

    def _empty_line(self) -> list[str]:
        if not self.empty_outputs:
            return []
        verb = "is" if self.empty_outputs == 1 else "are"
        return [(f"{_n(self.empty_outputs, 'candidate output')} {verb} empty (the agent returned nothing): shown "
                 "as (no output), and left out of exported rows that would need their text.")]

    def _notes_lines(self) -> list[str]:
        if not self.notes:
            return []
        shown = [f"  {note}" for note in self.notes[:NAMED_ACCOUNTS]]
        more = [f"  ... and {len(self.notes) - NAMED_ACCOUNTS} more"] if len(self.notes) > NAMED_ACCOUNTS else []
        return [f"{_n(len(self.notes), 'value')} imported in another form than written:", *shown, *more]

    def _accounts_line(self) -> list[str]:
        names = self.accounts_created
        if not names:
            return []
        shown = ", ".join(printable(n) for n in names[:NAMED_ACCOUNTS])
        more = f" and {len(names) - NAMED_ACCOUNTS} more" if len(names) > NAMED_ACCOUNTS else ""
        return [(f"Created {_n(len(names), 'annotator account')} for the annotators named in the file: {shown}{more} "
                 "(no password yet: they cannot sign in until an admin sets one).")]


NAMED_ACCOUNTS = 20  # accounts named in the summary; more are counted


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def import_file(
    *, session: Session, user: User | None, project: str, path: Path | None = None, skip_invalid: bool = False,
    overlap: int = 3, data: bytes | None = None, filename: str | None = None, file: IO[bytes] | None = None,
    chunk_size: int = CHUNK_ITEMS, publish_chunk: int = PUBLISH_CHUNK, file_format: str = "auto",
) -> ImportReport:
    """Import a file into ``project``: at ``path``, or its bytes in ``data``, or a binary file object ``file`` (an
    upload; read from where it is, never whole), named ``filename``. ``file_format``: ``auto`` (told from the
    file), ``items`` (our JSONL or CSV), ``pandalm`` or ``hh-rlhf`` (``feedback.intake.formats``); gzip-compressed
    files are read as they are.

    ``user`` is the acting user (None for a local operator); only admins import. The project is created
    when missing. ``chunk_size``: items per write transaction; ``publish_chunk``: items moved into an existing
    project per transaction (see ``feedback.intake.batches``).
    """
    permissions.require(user, permissions.ADMIN, "import data")
    name = check_project_name(project)
    with _gc_paused(), open_source(path=path, data=data, file=file, filename=filename,
                                            file_format=file_format) as source:
        discard_unfinished(session)  # batches of imports that were killed
        job = _Import(session, user, name, source, overlap=overlap, chunk_size=max(1, chunk_size),
                      publish_chunk=max(1, publish_chunk))
        try:
            return job.run(skip_invalid=skip_invalid)
        except BaseException:
            session.rollback()
            job.abandon(quiet=True)
            raise


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while millions of acyclic objects are made (about 30% faster).

    Reference counting still frees everything; collection resumes (if it was on) when the import ends.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Import:
    """One import: its chunks, its batch (made at the first chunk with new items) and what it counted."""

    def __init__(self, session: Session, user: User | None, name: str, source: Source, *, overlap: int,
                 chunk_size: int, publish_chunk: int):
        self.session, self.user, self.name, self.source = session, user, name, source
        self.overlap, self.chunk_size, self.publish_chunk = overlap, chunk_size, publish_chunk
        self.now = utcnow()
        self.batch: ImportBatch | None = None
        self.writer: ImportWriter | None = None
        self.users: dict[str, int] = {}
        self.created: list[str] = []  # accounts added for the annotators named in the file
        self.problems: list[Problem] = []
        self.notes: list[Problem] = []  # values of the file imported in another form than written
        self.later: list[tuple[int, ParsedAnnotation]] = []
        self.later_suggestions: list[tuple[int, ParsedSuggestion]] = []
        self.counts = {"items": 0, "annotations": 0, "suggestions": 0, "items_existing": 0,
                       "annotations_existing": 0, "suggestions_existing": 0, "empty_outputs": 0}

    def run(self, *, skip_invalid: bool) -> ImportReport:
        target = find_project(self.session, self.name)
        self.target_id = target.id if target is not None else None
        schema = project_schema(target) if target is not None else LabelSchema()
        self.schema_version = target.schema_version if target is not None else 1
        self.session.commit()  # end the read
        for chunk in _chunks(self.source, self.chunk_size):
            new = self._check(chunk, schema)
            if self.problems and not skip_invalid:
                self.abandon()  # none of it will be kept: stop writing, read on to name every problem
            elif new:
                self._write(new)
        self.problems.sort(key=lambda p: p.line)
        report = self._report()
        if self.problems and not skip_invalid:
            raise ImportRejected(
                f"{report.n_invalid} of {report.n_lines} lines are invalid; nothing was imported", self.problems)
        if self.batch is not None or self.later or self.later_suggestions:
            report.batch_id = self._publish(report)
            report.accounts_created = sorted(self.created)  # the last step adds the authors of labels on stored items
        return report

    def _check(self, chunk: list[Record], schema: LabelSchema) -> list[ParsedItem]:
        """The new items of a chunk; its problems and the labels it adds to stored items are kept."""
        items, references = [], []
        for _, item, line_problems in chunk:
            if item is None:
                self.problems.extend(line_problems)
            else:
                (references if item.reference else items).append(item)
                self.notes.extend(item.notes)
        if references:  # lines that only add labels to stored items: find them (their answers need their candidates)
            items += resolve_references(self.session, self.target_id, references, self.problems)
            self.session.commit()  # end the read
        items = check_answers(items, schema, self.problems)
        referenced = [(item, item.stored_id) for item in items if item.reference]
        items = [item for item in items if not item.reference]
        if self.target_id is None:
            return items
        new, existing = split_existing(self.session, self.target_id, items, self.problems)
        later, known = annotations_to_add(self.session, existing + referenced)
        later_suggestions, known_suggestions = suggestions_to_add(self.session, existing + referenced)
        self.session.commit()  # end the read
        self.later += later
        self.later_suggestions += later_suggestions
        self._count(items_existing=len(existing), annotations_existing=known,
                    suggestions_existing=known_suggestions)
        return new

    def _write(self, new: list[ParsedItem]) -> None:
        """One chunk of new items into the batch's staging project, in a short write transaction."""
        if self.batch is None:
            self.batch = open_batch(self.session, filename=self.source.filename, overlap=self.overlap,
                                    created_by=self.user.id if self.user is not None else None, now=self.now)
            self.writer = ImportWriter(project_id=self.batch.project_id, batch_id=self.batch.id, users=self.users,
                                       now=self.now, schema_version=self.schema_version)
        self.writer.stage(self.session.get_bind().dialect, new)  # the rows, before taking the write lock
        with writing(self.session):
            keep_alive(self.session, self.batch.id)
            self._add_users({ann.annotator for item in new for ann in item.annotations})
            self.writer.write_items(self.session.connection(), new)
        self._count(items=len(new), annotations=sum(len(item.annotations) for item in new),
                    suggestions=sum(len(item.suggestions) for item in new),
                    empty_outputs=sum(item.empty_outputs for item in new))

    def _publish(self, report: ImportReport) -> int:
        """The last step: the batch becomes visible (``publish``), with the labels on stored items."""

        def last_step(batch: ImportBatch) -> None:  # in the last transaction that may still refuse the import
            self._add_users({ann.annotator for _, ann in self.later})
            self.writer.write_later(self.session.connection(), self.later, self.later_suggestions)
            batch.sha256, batch.n_lines, batch.n_invalid = self.source.sha256, report.n_lines, report.n_invalid
            batch.n_items_added, batch.n_items_existing = report.items_added, report.items_existing
            batch.n_annotations_added = report.annotations_added
            self.session.add(batch)

        try:
            if self.batch is not None:
                batch = publish(self.session, self.batch.id, target_id=self.target_id, name=self.name,
                                last_step=last_step, chunk=self.publish_chunk)
            else:  # only labels on stored items: no staging needed
                with writing(self.session):
                    batch = ImportBatch(project_id=self.target_id, filename=self.source.filename, sha256="",
                                        state=BATCH_DONE, created_by=self.user.id if self.user else None,
                                        created_at=self.now)
                    self.session.add(batch)
                    self.session.flush()
                    self.writer = ImportWriter(project_id=self.target_id, batch_id=batch.id, users=self.users,
                                               now=self.now, schema_version=self.schema_version)
                    last_step(batch)
        except IntegrityError:
            raise FeedbackError(
                f"Another import or annotator added some of the same items or labels to project {self.name!r} "
                "while this import ran; nothing was imported: import the file again (what is there is skipped)"
            ) from None
        release(batch.id)
        self.batch = None
        return batch.id

    def _add_users(self, names: set[str]) -> None:
        """The ids of the annotators named, adding the users that are missing (in the open transaction; their names
        are kept for the report)."""
        missing = sorted(names - self.users.keys())
        for chunk in chunks(missing, CHUNK):
            users, created = add_missing_users(self.session, set(chunk))
            self.users.update({n: u.id for n, u in users.items()})
            self.created += created

    def _count(self, **counts: int) -> None:
        for key, n in counts.items():
            self.counts[key] += n

    def _report(self) -> ImportReport:
        c = self.counts
        return ImportReport(
            project=self.name, batch_id=None, n_lines=self.source.n_lines, items_added=c["items"],
            items_existing=c["items_existing"], annotations_added=c["annotations"] + len(self.later),
            annotations_existing=c["annotations_existing"],
            suggestions_added=c["suggestions"] + len(self.later_suggestions),
            suggestions_existing=c["suggestions_existing"], problems=self.problems, filename=self.source.filename,
            empty_outputs=c["empty_outputs"], notes=self.notes)

    def abandon(self, *, quiet: bool = False) -> None:
        """Remove what this import wrote. ``quiet`` (while another error is on its way): if that fails too, leave
        the batch to the next import, which removes it."""
        if self.batch is None:
            return
        batch_id, self.batch = self.batch.id, None
        try:
            discard(self.session, batch_id)
        except Exception:
            self.session.rollback()
            release(batch_id)
            if not quiet:
                raise


def _chunks(source: Source, size: int) -> Iterator[list[Record]]:
    """The source's records, ``size`` at a time (fewer when their lines are long: ``CHUNK_BYTES``)."""
    chunk: list[Record] = []
    start = source.bytes_read
    for record in source:
        chunk.append(record)
        if len(chunk) >= size or source.bytes_read - start >= CHUNK_BYTES:
            yield chunk
            chunk, start = [], source.bytes_read
    if chunk:
        yield chunk
