"""Projects: create, find, list, settings, members, and their versioned label schema.

A schema change that would orphan stored answers (a question they used removed, a scale narrowed
below their scores) is refused, saying what and how many; ``migrate_answers`` rewrites the answers
explicitly. Allowed changes make a new version; old annotations keep the version they answered.
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, delete, func, select

from feedback.errors import FeedbackError, NotFound
from feedback.people.permissions import ADMIN, REVIEWER, require
from feedback.projects.guidelines import (  # noqa: F401  (the guidelines functions are re-exported for the pages)
    add_guidelines,
    current_guidelines,
    guidelines_history,
    set_guidelines,
)
from feedback.projects.schema import PREFERENCE_EXTRAS, LabelSchema, name_problem, parse_schema
from feedback.store.tables import Annotation, ImportBatch, Item, Project, ProjectMember, ProjectSchema, User
from feedback.store.transactions import writing

MAX_NAME = 200
MAX_LEASE_MINUTES = 7 * 24 * 60


class SchemaRefused(FeedbackError):
    """A schema change that would orphan stored answers; ``reasons`` names each orphaned question with counts."""

    def __init__(self, message: str, reasons: list[str]):
        super().__init__(message)
        self.reasons = reasons


def project_schema(project: Project) -> LabelSchema:
    """The project's questions (the default schema when none was stored)."""
    return LabelSchema.model_validate(project.questions or {})


def find_project(session: Session, name: str) -> Project | None:
    return session.exec(select(Project).where(Project.name == name)).first()


def get_project(*, session: Session, name: str) -> Project:
    """The project called ``name``; ``NotFound`` lists the projects that exist."""
    project = find_project(session, name)
    if project is None:
        names = session.exec(select(Project.name).order_by(Project.name)).all()
        known = ", ".join(names) if names else "none yet; import a file to create one"
        raise NotFound(f"No project named {name!r} (projects: {known})")
    return project


def _stored(session: Session, project: Project) -> Project:
    """The project as stored now (callers may hold a copy from another session)."""
    stored = session.get(Project, project.id)
    if stored is None:
        raise NotFound(f"No project with id {project.id}")
    return stored


def _check_overlap(overlap: Any) -> None:
    if isinstance(overlap, bool) or not isinstance(overlap, int) or overlap < 1:
        raise FeedbackError(f"Overlap must be at least 1, not {overlap}")


def _check_gold_rate(gold_rate: Any) -> None:
    if isinstance(gold_rate, bool) or not isinstance(gold_rate, int | float) or not 0 <= gold_rate <= 1:
        raise FeedbackError(f"gold_rate: must be from 0 to 1 (a share of served items), not {gold_rate}")


def add_project(session: Session, *, name: str, overlap: int = 3, schema: LabelSchema | None = None) -> Project:
    """Add a project (and its schema version 1) to the session's transaction (the caller commits)."""
    name = name.strip()
    if not name:
        raise FeedbackError("A project needs a name")
    if len(name) > MAX_NAME:
        raise FeedbackError(f"name: a project name has at most {MAX_NAME} characters")
    _check_overlap(overlap)
    project = Project(name=name, overlap=overlap, questions=(schema or LabelSchema()).model_dump(mode="json"))
    session.add(project)
    session.flush()
    session.add(ProjectSchema(project_id=project.id, version=project.schema_version, questions=project.questions))
    session.flush()
    return project


def create_project(*, session: Session, user: User | None = None, name: str, overlap: int = 3,
                   schema: LabelSchema | None = None, guidelines: str | None = None, restricted: bool = False,
                   gold_rate: float = 0.0) -> Project:
    """Create a new, empty project (admins; ``user=None`` is the local operator)."""
    require(user, ADMIN, "create projects")
    _check_gold_rate(gold_rate)
    with writing(session):
        if find_project(session, name.strip()) is not None:
            raise FeedbackError(f"A project named {name.strip()!r} already exists")
        project = add_project(session, name=name, overlap=overlap, schema=schema)
        project.restricted, project.gold_rate = bool(restricted), float(gold_rate)
        session.add(project)
        if guidelines and guidelines.strip():
            add_guidelines(session, project, guidelines, user=user)
    return project


def list_projects(*, session: Session) -> list[tuple[Project, int]]:
    """Every project with its number of items, by name."""
    rows = session.exec(
        select(Project, func.count(Item.id))
        .join(Item, Item.project_id == Project.id, isouter=True)
        .group_by(Project.id)
        .order_by(Project.name)
    ).all()
    return [(project, count) for project, count in rows]


def list_batches(*, session: Session, project: Project) -> list[ImportBatch]:
    """The project's import batches, newest first."""
    return list(
        session.exec(
            select(ImportBatch).where(ImportBatch.project_id == project.id).order_by(ImportBatch.id.desc())
        ).all()
    )


CONSENSUS_METHODS = ("majority", "dawid_skene")


def _check_share(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise FeedbackError(f"{name}: must be a number from 0 to 1, not {value!r}")


def _check_flag(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise FeedbackError(f"{name}: must be true or false, not {value!r}")


def update_project_settings(*, session: Session, user: User | None, project: Project, overlap: int | None = None,
                            restricted: bool | None = None, gold_rate: float | None = None,
                            lease_minutes: int | None = None, consensus_method: str | None = None,
                            review_threshold: float | None = None, auto_escalate: bool | None = None,
                            quality_threshold: float | None = None,
                            show_suggestions: bool | None = None) -> Project:
    """Change the given settings (admins); None leaves a setting as it is. Every value is checked first, and
    nothing is saved unless all are valid.

    ``consensus_method``: what exports use, ``"majority"`` or ``"dawid_skene"`` (a reviewer's final answer wins
    over both); ``review_threshold``: items whose consensus confidence is below it go to review (0-1);
    ``auto_escalate``: items below it get one more annotator before review; ``quality_threshold``: annotators
    whose agreement with the consensus is below it are flagged (0-1); ``show_suggestions``: annotators see the
    automatic judges' verdicts.
    """
    require(user, ADMIN, "change project settings")
    if overlap is not None:
        _check_overlap(overlap)
    if gold_rate is not None:
        _check_gold_rate(gold_rate)
    if lease_minutes is not None and (isinstance(lease_minutes, bool) or not isinstance(lease_minutes, int)
                                      or not 1 <= lease_minutes <= MAX_LEASE_MINUTES):
        raise FeedbackError(f"lease_minutes: must be from 1 to {MAX_LEASE_MINUTES} (a week), not {lease_minutes}")
    if consensus_method is not None and consensus_method not in CONSENSUS_METHODS:
        raise FeedbackError(f"consensus_method: must be one of {', '.join(CONSENSUS_METHODS)}, "
                            f"not {consensus_method!r}")
    for name, value in (("review_threshold", review_threshold), ("quality_threshold", quality_threshold)):
        if value is not None:
            _check_share(name, value)
    for name, value in (("restricted", restricted), ("auto_escalate", auto_escalate),
                        ("show_suggestions", show_suggestions)):
        if value is not None:
            _check_flag(name, value)
    changes = {"overlap": overlap, "restricted": restricted, "gold_rate": gold_rate,
               "lease_minutes": lease_minutes, "consensus_method": consensus_method,
               "review_threshold": None if review_threshold is None else float(review_threshold),
               "auto_escalate": auto_escalate,
               "quality_threshold": None if quality_threshold is None else float(quality_threshold),
               "show_suggestions": show_suggestions}
    with writing(session):
        stored = _stored(session, project)
        for name, value in changes.items():
            if value is not None:
                setattr(stored, name, value)
        session.add(stored)
    return stored


# --- members of restricted projects -------------------------------------------------------------------

def set_members(*, session: Session, user: User | None, project: Project, names: list[str]) -> list[User]:
    """Make ``names`` the annotators of ``project`` (what a restricted project is open to); admins only."""
    require(user, ADMIN, "choose a project's annotators")
    wanted = sorted({n.strip() for n in names if n and n.strip()})
    with writing(session):
        stored = _stored(session, project)
        users = list(session.exec(select(User).where(User.name.in_(wanted)).order_by(User.name)).all()) \
            if wanted else []
        unknown = sorted(set(wanted) - {u.name for u in users})
        if unknown:
            raise NotFound(f"members: unknown users: {', '.join(unknown)} (create their accounts first)")
        session.exec(delete(ProjectMember).where(ProjectMember.project_id == stored.id))
        for member in users:
            session.add(ProjectMember(project_id=stored.id, user_id=member.id))
    return users


def list_members(*, session: Session, user: User | None, project: Project) -> list[User]:
    """The named annotators of ``project``, by name (reviewers and admins)."""
    require(user, REVIEWER, "see a project's annotators")
    return list(session.exec(
        select(User).join(ProjectMember, ProjectMember.user_id == User.id)
        .where(ProjectMember.project_id == project.id).order_by(User.name)
    ).all())


def member_options(*, session: Session, user: User | None) -> list[str]:
    """Names of the active users an admin can make members of a project."""
    require(user, ADMIN, "choose a project's annotators")
    return list(session.exec(select(User.name).where(User.active).order_by(User.name)).all())


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


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _used(rows: list[Annotation], schema: LabelSchema) -> tuple[dict[str, Counter], dict[str, list[int]]]:
    """What stored answers use that ``schema`` lacks, counted in annotations; and the scores outside its scales."""
    used: dict[str, Counter] = {k: Counter() for k in ("dimension", "scale", "flag", "extra", "other")}
    outside: dict[str, list[int]] = {}
    for ann in rows:
        scores = [(d, s) for per in (ann.ratings or {}).values() if isinstance(per, dict) for d, s in per.items()]
        used["dimension"].update({d for d, _ in scores if schema.dimension(d) is None})
        out = [(d, s) for d, s in scores
               if (dim := schema.dimension(d)) and _whole(s) and not dim.min <= s <= dim.max]
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
        stored = _stored(session, project)
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
        stored = _stored(session, project)
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


# --- items, gold and usage, for the Projects page ------------------------------------------------------------

def find_item(*, session: Session, project: Project, external_id: str) -> Item:
    """The item of ``project`` with the id it was imported with; ``NotFound`` says which."""
    external_id = (external_id or "").strip()
    item = session.exec(select(Item).where(Item.project_id == project.id, Item.external_id == external_id)).first()
    if item is None:
        raise NotFound(f"item: project {project.name!r} has no item with id {external_id!r}")
    return item


def list_gold_items(*, session: Session, user: User | None, project: Project) -> list[Item]:
    """The project's gold items with their known answers, in import order (admins)."""
    require(user, ADMIN, "see gold items")
    return list(session.exec(select(Item).where(Item.project_id == project.id, Item.is_gold)
                             .order_by(Item.position, Item.id)).all())


def annotations_per_schema_version(*, session: Session, project: Project) -> dict[int | None, int]:
    """How many of the project's annotations answered each schema version (None: not recorded)."""
    rows = session.exec(select(Annotation.schema_version, func.count(Annotation.id))
                        .join(Item, Item.id == Annotation.item_id).where(Item.project_id == project.id)
                        .group_by(Annotation.schema_version)).all()
    return {version: n for version, n in rows}


def gold_answer_from_text(kind: str, text: str) -> dict[str, Any]:
    """A gold answer typed on the Projects page: ``preference`` (``a``, ``tie``, ``both_bad``) or ``ranking``
    (``a=1, b=2, c=3``); checked against the item by ``feedback.gold.set_gold``."""
    text = (text or "").strip()
    if not text:
        raise FeedbackError(f"gold.{kind}: type the known answer")
    if kind == "preference":
        return {"preference": text}
    ranking: dict[str, Any] = {}
    for part in text.split(","):
        key, sep, rank = part.partition("=")
        if not sep or not key.strip() or not rank.strip().isdigit():
            raise FeedbackError(f"gold.ranking: {part.strip()!r} is not CANDIDATE=RANK (e.g. a=1, b=2, c=3)")
        ranking[key.strip()] = int(rank)
    return {"ranking": ranking}


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
