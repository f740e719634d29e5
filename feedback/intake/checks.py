"""The checks of an import's items that need the project or the database, a chunk of items at a time.

``check_answers``: the annotations, suggestions and gold answer against the project's questions.
``split_existing``: which items are new and which are stored already (same id and content, or same content
and no id; a stored id with other content is a problem). ``annotations_to_add`` / ``suggestions_to_add``: the
labels the file adds to stored items (an annotator's or an agent's second verdict on an item is left alone).
"""

from collections.abc import Iterator

from sqlalchemy import select
from sqlmodel import Session

from feedback.intake.records import (
    ParsedAnnotation,
    ParsedItem,
    ParsedSuggestion,
    Problem,
    is_empty,
    printable,
    source_field,
)
from feedback.projects.answers import answer_problems
from feedback.projects.gold import GOLD_FIELDS, gold_problems
from feedback.projects.schema import LabelSchema
from feedback.store.tables import Annotation, Candidate, Item, Suggestion, User

CHUNK = 500  # ids per IN (...) lookup


def annotations_to_add(session: Session, existing: list[tuple[ParsedItem, int]]
                       ) -> tuple[list[tuple[int, ParsedAnnotation]], int]:
    """Annotations on existing items by annotators new to them, and how many others are there already."""
    present = annotators_present(session, [item_id for item, item_id in existing if item.annotations])
    return _not_present(existing, present, "annotations", "annotator")


def suggestions_to_add(session: Session, existing: list[tuple[ParsedItem, int]]
                       ) -> tuple[list[tuple[int, ParsedSuggestion]], int]:
    """Suggestions on existing items by agents new to them (an existing (item, agent) pair is left alone), and
    how many are there already."""
    present: dict[int, set[str]] = {}
    for chunk in chunks([item_id for item, item_id in existing if item.suggestions], CHUNK):
        for item_id, agent in session.execute(select(Suggestion.item_id, Suggestion.agent)
                                              .where(Suggestion.item_id.in_(chunk))):
            present.setdefault(item_id, set()).add(agent)
    return _not_present(existing, present, "suggestions", "agent")


def _not_present(existing: list[tuple[ParsedItem, int]], present: dict[int, set[str]], labels: str,
                 who: str) -> tuple[list, int]:
    """(item id, label) of the items' ``labels`` whose author (``who``) has none on the item yet; how many have."""
    later, known = [], 0
    for item, item_id in existing:
        for label in getattr(item, labels):
            if getattr(label, who) in present.get(item_id, ()):
                known += 1
            else:
                later.append((item_id, label))
    return later, known


def check_answers(items: list[ParsedItem], schema: LabelSchema, problems: list[Problem]) -> list[ParsedItem]:
    """The items whose annotations fit the project's questions; the others' problems go to ``problems``."""
    good = []
    unasked = [where for asked, where in ((schema.correction, "correction"), (schema.rationale, "rationale"))
               if not asked]
    for item in items:
        bad = []
        keys = item.keys
        for ann in item.annotations:
            for where, reason in answer_problems(
                schema, keys, preference=ann.preference, ratings=ann.ratings, flags=ann.flags,
                ranking=ann.ranking, thumbs=ann.thumbs,
                correction=ann.correction, rationale=ann.rationale,
            ):
                bad.append(Problem(item.line, _named(item, f"annotations[{ann.index}].{where}"), _clip(reason)))
            for where in unasked:
                if not is_empty(getattr(ann, where)):
                    reason = f"this project does not ask for a {where}"
                    bad.append(Problem(item.line, _named(item, f"annotations[{ann.index}].{where}"), reason))
        for sug in item.suggestions:
            for where, reason in answer_problems(
                schema, keys, preference=sug.preference, ranking=sug.ranking, ratings=sug.ratings,
                flags=sug.flags, rationale=sug.rationale,
            ):
                bad.append(Problem(item.line, _named(item, f"suggestions[{sug.index}].{where}"), _clip(reason)))
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


def _named(item: ParsedItem, name: str) -> str:
    """A field as the item's source names it (another tool's field, a CSV column)."""
    return source_field(printable(name), item.columns) if item.columns else printable(name)


def _clip(reason: str, limit: int = 300) -> str:
    return reason if len(reason) <= limit else reason[:limit] + "..."


def split_existing(session: Session, project_id: int, items: list[ParsedItem],
                    problems: list[Problem]) -> tuple[list[ParsedItem], list[tuple[ParsedItem, int]]]:
    """(new items, existing items with their database ids); conflicts with stored items go to ``problems``."""
    by_id: dict[str, tuple[int, str]] = {}
    for chunk in chunks([item.external_id for item in items], CHUNK):
        rows = session.execute(select(Item.external_id, Item.id, Item.content_hash)
                               .where(Item.project_id == project_id, Item.external_id.in_(chunk)))
        by_id.update({ext: (item_id, digest) for ext, item_id, digest in rows})
    by_hash: dict[str, tuple[int, str]] = {}
    for chunk in chunks([item.content_hash for item in items], CHUNK):
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


def resolve_references(session: Session, project_id: int | None, items: list[ParsedItem],
                       problems: list[Problem]) -> list[ParsedItem]:
    """The lines that only add labels to a stored item (``reference``) whose item is in the project, each given that
    item's database id and candidate ids (for the answer checks); an id the project does not have is a problem."""
    found: dict[str, tuple[int, list[str]]] = {}
    for chunk in chunks([item.external_id for item in items] if project_id is not None else [], CHUNK):
        rows = session.execute(select(Item.external_id, Item.id, Candidate.key)
                               .join(Candidate, Candidate.item_id == Item.id)
                               .where(Item.project_id == project_id, Item.external_id.in_(chunk))
                               .order_by(Item.id, Candidate.position))
        for external_id, item_id, key in rows:
            found.setdefault(external_id, (item_id, []))[1].append(key)
    resolved = []
    for item in items:
        if item.external_id not in found:
            problems.append(Problem(item.line, item.columns.get("id", "id"), f"no item {item.external_id!r} in this "
                                    "project to add these labels to; import the items first"))
            continue
        item.stored_id, keys = found[item.external_id]
        item.candidates = [{"key": key} for key in keys]
        resolved.append(item)
    return resolved


def annotators_present(session: Session, item_ids: list[int]) -> dict[int, set[str]]:
    """Names of the users who already have an annotation on each of ``item_ids``."""
    present: dict[int, set[str]] = {}
    for chunk in chunks(item_ids, CHUNK):
        rows = session.execute(select(Annotation.item_id, User.name).join(User, User.id == Annotation.user_id)
                               .where(Annotation.item_id.in_(chunk)))
        for item_id, name in rows:
            present.setdefault(item_id, set()).add(name)
    return present


def chunks(values: list, size: int) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]
