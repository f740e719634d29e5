"""Import agent outputs (JSONL or CSV) into a project: items, candidates and annotations made elsewhere.

Rules:
- Every problem of every line is collected (``Problem(line, field, reason)``). Unless ``skip_invalid``,
  one problem rejects the whole file (``ImportRejected``) and nothing is written.
- Idempotent: an item's content hash covers its input and candidates (not metadata, not annotations).
  A known id with the same hash, or an item without id whose hash is known, is *existing* (left alone);
  a known id with another hash is a problem. Annotations by annotators new to an existing item are added,
  and so are suggestions (automatic judges' verdicts) by agents new to it.
- The file is read and parsed (``feedback.intake.source``) before the write lock is taken; then one
  ``BEGIN IMMEDIATE`` transaction checks against the database and inserts with batched Core inserts (ids
  assigned from max(id) + 1 while the write lock is held), and commits once.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from feedback.errors import ImportRejected
from feedback.intake.records import (
    ParsedAnnotation,
    ParsedItem,
    ParsedSuggestion,
    Problem,
    is_empty,
    printable,
)
from feedback.intake.source import ParsedFile, parse_source
from feedback.intake.write import ImportWriter
from feedback.people import permissions
from feedback.people.users import add_users
from feedback.projects.answers import answer_problems
from feedback.projects.gold import GOLD_FIELDS, gold_problems
from feedback.projects.projects import add_project, find_project, project_schema
from feedback.projects.schema import LabelSchema
from feedback.store.tables import Annotation, ImportBatch, Item, Suggestion, User, utcnow
from feedback.store.transactions import begin_write

__all__ = ["ImportReport", "import_file"]

CHUNK = 500  # ids per IN (...) lookup


@dataclass
class ImportReport:
    """What an import did: counts, the batch written (None when nothing was), and the lines skipped."""

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
        elif self.items_existing:
            parts = [_n(n, noun) for n, noun in ((self.annotations_existing, "annotation"),
                                                   (self.suggestions_existing, "suggestion")) if n]
            present = f" ({' and '.join(parts)} already present)" if parts else ""
            already = f"{self.items_existing} items already imported into project {self.project!r}"
            lines = [f"{name}: nothing new: {already}{present}."]
        else:
            lines = [f"Nothing imported from {name} into project {self.project!r}."]
        if self.problems:
            lines.append(f"Skipped {self.n_invalid} of {self.n_lines} lines as invalid:")
            lines.extend(f"  {p}" for p in self.problems)
        return lines


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def import_file(
    *, session: Session, user: User | None, project: str, path: Path | None, skip_invalid: bool = False,
    overlap: int = 3, data: bytes | None = None, filename: str | None = None,
) -> ImportReport:
    """Import a JSONL or CSV file (``path``, or its bytes in ``data`` named ``filename``) into ``project``.

    ``user`` is the acting user (None for a local operator); only admins import. The project is created
    when missing.
    """
    permissions.require(user, permissions.ADMIN, "import data")
    with _gc_paused():
        parsed = parse_source(path=path, data=data, filename=filename)  # before taking the write lock
        begin_write(session)
        try:
            return _import(session, user, project, parsed, skip_invalid=skip_invalid, overlap=overlap)
        except BaseException:
            session.rollback()
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


def _import(session: Session, user: User | None, name: str, parsed: ParsedFile, *, skip_invalid: bool,
            overlap: int) -> ImportReport:
    project = find_project(session, name.strip())
    created = project is None
    if project is None:
        project = add_project(session, name=name, overlap=overlap)
    problems = list(parsed.problems)
    items = _check_answers(parsed.items, project_schema(project), problems)
    new, existing = (items, []) if created else _split_existing(session, project.id, items, problems)
    problems.sort(key=lambda p: p.line)
    report = ImportReport(project=project.name, batch_id=None, n_lines=parsed.n_lines,
                          items_existing=len(existing), problems=problems, filename=parsed.filename)
    if problems and not skip_invalid:
        raise ImportRejected(
            f"{report.n_invalid} of {parsed.n_lines} lines are invalid; nothing was imported", problems)
    later = _annotations_to_add(session, existing, report)
    report.annotations_added = len(later) + sum(len(item.annotations) for item in new)
    later_suggestions = _suggestions_to_add(session, existing, report)
    report.suggestions_added = len(later_suggestions) + sum(len(item.suggestions) for item in new)
    if not new and not later and not later_suggestions:
        session.rollback()  # nothing to write, not even a new project
        return report
    names = {ann.annotator for item in new for ann in item.annotations} | {ann.annotator for _, ann in later}
    users: dict[str, int] = {}
    for chunk in _chunks(sorted(names), CHUNK):
        users.update({n: u.id for n, u in add_users(session, set(chunk)).items()})
    now = utcnow()
    batch = ImportBatch(
        project_id=project.id, filename=parsed.filename, sha256=parsed.sha256, n_lines=parsed.n_lines,
        n_items_added=len(new), n_items_existing=len(existing), n_annotations_added=report.annotations_added,
        n_invalid=report.n_invalid, created_by=user.id if user is not None else None, created_at=now,
    )
    session.add(batch)
    session.flush()
    ImportWriter(session, project_id=project.id, batch_id=batch.id, users=users, now=now,
                 schema_version=project.schema_version).write(new, later, later_suggestions)
    session.commit()
    report.batch_id, report.items_added = batch.id, len(new)
    return report


def _annotations_to_add(session: Session, existing: list[tuple[ParsedItem, int]],
                        report: ImportReport) -> list[tuple[int, ParsedAnnotation]]:
    """Annotations on existing items by annotators new to them; the others are counted as existing."""
    present = _annotators_present(session, [item_id for item, item_id in existing if item.annotations])
    later = []
    for item, item_id in existing:
        for ann in item.annotations:
            if ann.annotator in present.get(item_id, ()):
                report.annotations_existing += 1
            else:
                later.append((item_id, ann))
    return later


def _suggestions_to_add(session: Session, existing: list[tuple[ParsedItem, int]],
                        report: ImportReport) -> list[tuple[int, ParsedSuggestion]]:
    """Suggestions on existing items by agents new to them; an existing (item, agent) pair is left alone."""
    present: dict[int, set[str]] = {}
    for chunk in _chunks([item_id for item, item_id in existing if item.suggestions], CHUNK):
        for item_id, agent in session.execute(select(Suggestion.item_id, Suggestion.agent)
                                              .where(Suggestion.item_id.in_(chunk))):
            present.setdefault(item_id, set()).add(agent)
    later = []
    for item, item_id in existing:
        for sug in item.suggestions:
            if sug.agent in present.get(item_id, ()):
                report.suggestions_existing += 1
            else:
                later.append((item_id, sug))
    return later


def _check_answers(items: list[ParsedItem], schema: LabelSchema, problems: list[Problem]) -> list[ParsedItem]:
    """The items whose annotations fit the project's questions; the others' problems go to ``problems``."""
    good = []
    for item in items:
        bad = []
        for ann in item.annotations:
            at = f"annotations[{ann.index}]"
            for where, reason in answer_problems(
                schema, item.keys, preference=ann.preference, ratings=ann.ratings, flags=ann.flags,
                ranking=ann.ranking, thumbs=ann.thumbs,
                correction=ann.correction, rationale=ann.rationale,
            ):
                bad.append(Problem(item.line, printable(f"{at}.{where}"), _clip(reason)))
            for asked, where in ((schema.correction, "correction"), (schema.rationale, "rationale")):
                if not asked and not is_empty(getattr(ann, where)):
                    reason = f"this project does not ask for a {where}"
                    bad.append(Problem(item.line, f"{at}.{where}", reason))
        for sug in item.suggestions:
            at = f"suggestions[{sug.index}]"
            for where, reason in answer_problems(
                schema, item.keys, preference=sug.preference, ranking=sug.ranking, ratings=sug.ratings,
                flags=sug.flags, rationale=sug.rationale,
            ):
                bad.append(Problem(item.line, printable(f"{at}.{where}"), _clip(reason)))
        if item.gold is not None:
            gold = gold_problems(item.gold, item.keys, extra=tuple(schema.preference_extra),
                                 ranking_ties=schema.ranking_ties)
            bad += [Problem(item.line, item.columns.get(where, printable(where)), _clip(reason))
                    for where, reason in gold]
            item.gold = {k: item.gold[k] for k in GOLD_FIELDS if k in item.gold}
        if bad:
            problems.extend(bad)
        else:
            good.append(item)
    return good


def _clip(reason: str, limit: int = 300) -> str:
    return reason if len(reason) <= limit else reason[:limit] + "..."


def _split_existing(session: Session, project_id: int, items: list[ParsedItem],
                    problems: list[Problem]) -> tuple[list[ParsedItem], list[tuple[ParsedItem, int]]]:
    """(new items, existing items with their database ids); conflicts with stored items go to ``problems``."""
    by_id: dict[str, tuple[int, str]] = {}
    for chunk in _chunks([item.external_id for item in items], CHUNK):
        rows = session.execute(select(Item.external_id, Item.id, Item.content_hash)
                               .where(Item.project_id == project_id, Item.external_id.in_(chunk)))
        by_id.update({ext: (item_id, digest) for ext, item_id, digest in rows})
    by_hash: dict[str, tuple[int, str]] = {}
    for chunk in _chunks([item.content_hash for item in items], CHUNK):
        rows = session.execute(select(Item.content_hash, Item.id, Item.external_id)
                               .where(Item.project_id == project_id, Item.content_hash.in_(chunk)))
        by_hash.update({digest: (item_id, ext) for digest, item_id, ext in rows})
    new, existing = [], []
    for item in items:
        if item.external_id in by_id:
            item_id, digest = by_id[item.external_id]
            if digest == item.content_hash:
                existing.append((item, item_id))
            else:
                problems.append(Problem(item.line, "id", f"id {item.external_id!r} was already imported with "
                                                         "different content"))
        elif item.content_hash in by_hash:
            item_id, other = by_hash[item.content_hash]
            if item.explicit_id:
                problems.append(Problem(item.line, "id", f"same prompt and candidates as item {other!r}, "
                                                         "already in the project"))
            else:
                existing.append((item, item_id))
        else:
            new.append(item)
    return new, existing


def _annotators_present(session: Session, item_ids: list[int]) -> dict[int, set[str]]:
    """Names of the users who already have an annotation on each of ``item_ids``."""
    present: dict[int, set[str]] = {}
    for chunk in _chunks(item_ids, CHUNK):
        rows = session.execute(select(Annotation.item_id, User.name).join(User, User.id == Annotation.user_id)
                               .where(Annotation.item_id.in_(chunk)))
        for item_id, name in rows:
            present.setdefault(item_id, set()).add(name)
    return present


def _chunks(values: list, size: int) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]
