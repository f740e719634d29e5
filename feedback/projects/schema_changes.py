"""A project's label schema over time: versions, the answers a change would orphan, and explicit migration.

A schema change that would orphan stored answers (a question they used removed, a scale narrowed
below their scores) is refused, saying what and how many (``SchemaRefused``); ``migrate_answers`` rewrites
the answers explicitly. Allowed changes make a new version; old annotations keep the version they answered.
"""

from collections import Counter
from dataclasses import dataclass, field

from sqlmodel import Session, func, select

from feedback.errors import FeedbackError
from feedback.people.permissions import ADMIN, require
from feedback.projects.answers import whole_number
from feedback.projects.projects import project_schema, stored_project
from feedback.projects.schema import PREFERENCE_EXTRAS, LabelSchema, name_problem, parse_schema
from feedback.store.tables import Annotation, Item, Project, ProjectSchema, User
from feedback.store.transactions import writing


class SchemaRefused(FeedbackError):
    """A schema change that would orphan stored answers; ``reasons`` names each orphaned question with counts."""

    def __init__(self, message: str, reasons: list[str]):
        super().__init__(message)
        self.reasons = reasons


# --- schema versions ------------------------------------------------------------------------------------

def _annotations(n: int) -> str:
    return f"{n} annotation{'' if n == 1 else 's'}"


def _project_annotations(project_id: int):
    return select(Annotation).join(Item, Item.id == Annotation.item_id).where(Item.project_id == project_id)


def _ensure_history(session: Session, project: Project, user: User | None) -> ProjectSchema:
    """The history row of the current version, created for projects made before history was kept."""
    row = session.exec(select(ProjectSchema).where(ProjectSchema.project_id == project.id,
                                                   ProjectSchema.version == project.schema_version)).first()
    if row is None:
        row = ProjectSchema(project_id=project.id, version=project.schema_version, questions=project.questions,
                            created_by=user.id if user is not None else None)
        session.add(row)
        session.flush()
    return row


def _used(rows: list[Annotation], schema: LabelSchema) -> tuple[dict[str, Counter], dict[str, list[int]]]:
    """What stored answers use that ``schema`` lacks, counted in annotations; and the scores outside its scales."""
    used: dict[str, Counter] = {k: Counter() for k in ("dimension", "scale", "flag", "extra", "other")}
    outside: dict[str, list[int]] = {}
    for ann in rows:
        scores = [(d, s) for per in (ann.ratings or {}).values() if isinstance(per, dict) for d, s in per.items()]
        used["dimension"].update({d for d, _ in scores if schema.dimension(d) is None})
        out = [(d, s) for d, s in scores
               if (dim := schema.dimension(d)) and whole_number(s) and not dim.min <= s <= dim.max]
        used["scale"].update({d for d, _ in out})
        for d, s in out:
            outside.setdefault(d, []).append(s)
        used["flag"].update({f for names in (ann.flags or {}).values() for f in names if f not in schema.flags})
        if ann.preference in PREFERENCE_EXTRAS and ann.preference not in schema.preference_extra:
            used["extra"][ann.preference] += 1
        ranks = list((ann.ranking or {}).values())
        used["other"].update(name for name, answered in (
            ("thumbs", bool(ann.thumbs) and not schema.thumbs),
            ("correction", bool(ann.correction) and not schema.correction),
            ("rationale", bool(ann.rationale) and not schema.rationale),
            ("ranking_ties", len(set(ranks)) < len(ranks) and not schema.ranking_ties),
        ) if answered)
    return used, outside


OTHER_REASONS = {
    "thumbs": "thumbs up/down are answered in {n}; keep thumbs: true",
    "correction": "corrections are written in {n}; keep correction: true",
    "rationale": "rationales are written in {n}; keep rationale: true",
    "ranking_ties": "tied ranks are used by {n}; keep ranking_ties: true",
}


def orphaned_answers(*, session: Session, project: Project, schema: LabelSchema) -> list[str]:
    """Why ``schema`` cannot replace the project's questions: one reason per orphaned question, with counts."""
    used, outside = _used(list(session.exec(_project_annotations(project.id)).all()), schema)
    reasons = [f"rubric dimension {d!r} is used by {_annotations(n)}; keep it, or migrate them first"
               for d, n in sorted(used["dimension"].items())]
    for d, n in sorted(used["scale"].items()):
        dim = schema.dimension(d)
        reasons.append(f"rubric dimension {d!r}: {_annotations(n)} {'has' if n == 1 else 'have'} scores outside the new scale "
                       f"{dim.min}-{dim.max} (stored scores from {min(outside[d])} to {max(outside[d])}); "
                       "keep the scale wide enough")
    reasons += [f"flag {f!r} is used by {_annotations(n)}; keep it, or migrate them first"
                for f, n in sorted(used["flag"].items())]
    reasons += [f"preference option {x!r} was chosen in {_annotations(n)}; keep it in preference_extra"
                for x, n in sorted(used["extra"].items())]
    reasons += [OTHER_REASONS[k].format(n=_annotations(used["other"][k])) for k in OTHER_REASONS if used["other"][k]]
    return reasons


def set_schema(*, session: Session, user: User | None, project: Project, schema: LabelSchema) -> Project:
    """Give ``project`` new questions (admins).

    Before any annotation exists the schema is replaced in place (same version). Afterwards a change
    that would orphan stored answers is refused with every reason; an allowed change makes version
    ``schema_version + 1`` and old annotations keep the version they answered. The same schema is a no-op.
    """
    require(user, ADMIN, "change a project's label schema")
    with writing(session):
        stored = stored_project(session, project)
        if project_schema(stored) == schema:
            return stored
        row = _ensure_history(session, stored, user)
        questions = schema.model_dump(mode="json")
        if _count_annotations(session, stored):
            reasons = orphaned_answers(session=session, project=stored, schema=schema)
            if reasons:
                raise SchemaRefused("Schema not saved: it would orphan existing answers:\n"
                                    + "\n".join(f"- {r}" for r in reasons), reasons)
            stored.schema_version += 1
            session.add(ProjectSchema(project_id=stored.id, version=stored.schema_version, questions=questions,
                                      created_by=user.id if user is not None else None))
        else:
            row.questions = questions
            session.add(row)
        stored.questions = questions
        session.add(stored)
    return stored


def _count_annotations(session: Session, project: Project) -> int:
    return session.exec(select(func.count()).select_from(_project_annotations(project.id).subquery())).one()


def schema_history(*, session: Session, project: Project) -> list[ProjectSchema]:
    """Every stored version of the project's questions, newest first."""
    return list(session.exec(select(ProjectSchema).where(ProjectSchema.project_id == project.id)
                             .order_by(ProjectSchema.version.desc())).all())


def annotations_per_schema_version(*, session: Session, project: Project) -> dict[int | None, int]:
    """How many of the project's annotations answered each schema version (None: not recorded)."""
    rows = session.exec(select(Annotation.schema_version, func.count(Annotation.id))
                        .join(Item, Item.id == Annotation.item_id).where(Item.project_id == project.id)
                        .group_by(Annotation.schema_version)).all()
    return {version: n for version, n in rows}


# --- explicit migration ------------------------------------------------------------------------------------

@dataclass
class MigrationReport:
    project: str
    version: int
    annotations_changed: int
    changes: dict[str, int] = field(default_factory=dict)  # what was done -> annotations it changed

    def summary_lines(self) -> list[str]:
        head = f"Schema of {self.project!r} is now version {self.version}; "
        lines = [head + f"{_annotations(self.annotations_changed)} rewritten"]
        return lines + [f"  {what}: {_annotations(n)}" for what, n in self.changes.items()]


def _check_names(kind: str, option: str, names: list[str], known: list[str]) -> None:
    missing = [n for n in names if n not in known]
    if missing:
        raise FeedbackError(f"{option}: the project has no {kind} {missing[0]!r} (it has: {', '.join(known) or 'none'})")


def _migrated_schema(schema: LabelSchema, rename_dim: dict[str, str], drop_dim: list[str],
                     rename_flag: dict[str, str], drop_flag: list[str]) -> LabelSchema:
    dims = [d.name for d in schema.rubric]
    _check_names("rubric dimension", "rename_dimension", list(rename_dim), dims)
    _check_names("rubric dimension", "drop_dimension", drop_dim, dims)
    _check_names("flag", "rename_flag", list(rename_flag), schema.flags)
    _check_names("flag", "drop_flag", drop_flag, schema.flags)
    for option, renames, known in (("rename_dimension", rename_dim, dims), ("rename_flag", rename_flag, schema.flags)):
        for old, new in renames.items():
            if problem := name_problem(new):
                raise FeedbackError(f"{option}: {problem}")
            if new in known or list(renames.values()).count(new) > 1:
                raise FeedbackError(f"{option}: {new!r} is already taken; choose another name for {old!r}")
    for option, renames, drops in (("dimension", rename_dim, drop_dim), ("flag", rename_flag, drop_flag)):
        if both := sorted(set(renames) & set(drops)):
            raise FeedbackError(f"rename_{option} and drop_{option} both name {both[0]!r}")
    data = schema.model_dump(mode="json")
    data["rubric"] = [d | {"name": rename_dim.get(d["name"], d["name"])} for d in data["rubric"]
                      if d["name"] not in drop_dim]
    data["flags"] = [rename_flag.get(f, f) for f in schema.flags if f not in drop_flag]
    return parse_schema(data)


def _rewrite(per_candidate: dict, renames: dict[str, str], drops: list[str], kind: str) -> tuple[dict, set[str]]:
    """Ratings (``{key: {dimension: score}}``) or flags (``{key: [flag]}``) with names renamed or dropped,
    and what was done."""
    done: set[str] = set()
    out: dict = {}
    for key, values in per_candidate.items():
        for name in values:
            if name in drops:
                done.add(f"drop {kind} {name!r}")
            elif name in renames:
                done.add(f"rename {kind} {name!r} to {renames[name]!r}")
        if isinstance(values, dict):
            kept = {renames.get(n, n): v for n, v in values.items() if n not in drops}
        else:
            kept = [renames.get(n, n) for n in values if n not in drops]
        if kept:
            out[key] = kept
    return out, done


def migrate_answers(*, session: Session, user: User | None, project: Project,
                    rename_dimension: dict[str, str] | None = None, drop_dimension: list[str] | None = None,
                    rename_flag: dict[str, str] | None = None, drop_flag: list[str] | None = None) -> MigrationReport:
    """Rename or drop rubric dimensions and flags in the schema and in every stored answer (admins).

    Makes a new schema version; the rewritten annotations now answer it (their ``schema_version`` is
    set to it); dropped scores and flags are gone. Returns the counts.
    """
    require(user, ADMIN, "migrate a project's answers")
    rename_dim, drop_dim = dict(rename_dimension or {}), list(drop_dimension or [])
    rename_fl, drop_fl = dict(rename_flag or {}), list(drop_flag or [])
    if not (rename_dim or drop_dim or rename_fl or drop_fl):
        raise FeedbackError("Nothing to migrate: rename or drop a rubric dimension or a flag")
    with writing(session):
        stored = stored_project(session, project)
        schema = _migrated_schema(project_schema(stored), rename_dim, drop_dim, rename_fl, drop_fl)
        _ensure_history(session, stored, user)
        stored.schema_version += 1
        counts: Counter = Counter()
        changed = 0
        for ann in session.exec(_project_annotations(stored.id)).all():
            ratings, done = _rewrite(ann.ratings or {}, rename_dim, drop_dim, "rubric dimension")
            flags, done_flags = _rewrite(ann.flags or {}, rename_fl, drop_fl, "flag")
            if done or done_flags:
                counts.update(done | done_flags)
                ann.ratings, ann.flags, ann.schema_version = ratings, flags, stored.schema_version
                session.add(ann)
                changed += 1
        stored.questions = schema.model_dump(mode="json")
        session.add(ProjectSchema(project_id=stored.id, version=stored.schema_version, questions=stored.questions,
                                  created_by=user.id if user is not None else None))
        session.add(stored)
    return MigrationReport(project=stored.name, version=stored.schema_version, annotations_changed=changed,
                           changes=dict(sorted(counts.items())))


# --- the migration form of the Projects page, as typed -------------------------------------------------

def renames_from_text(text: str, field_name: str) -> dict[str, str]:
    """``old=new, old2=new2`` (as typed on the Projects page) as ``{old: new}``; errors name ``field_name``."""
    renames = {}
    for part in (text or "").split(","):
        old, sep, new = part.partition("=")
        if not part.strip():
            continue
        if not sep or not old.strip() or not new.strip():
            raise FeedbackError(f"{field_name}: expected OLD=NEW, not {part.strip()!r}")
        renames[old.strip()] = new.strip()
    return renames


def names_from_text(text: str) -> list[str]:
    """Comma-separated names as a list, blanks left out."""
    return [name.strip() for name in (text or "").split(",") if name.strip()]
