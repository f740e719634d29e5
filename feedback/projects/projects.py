"""Projects: create, find and list them, their settings, and the annotators of restricted projects.

Their label schema is ``feedback.projects.schema`` (the questions) and ``feedback.projects.schema_changes``
(versions and migration); guidelines, gold items and item look-ups have their own modules.
"""

from typing import Any

from sqlmodel import Session, delete, func, select

from feedback.errors import FeedbackError, NotFound
from feedback.people.permissions import ADMIN, REVIEWER, require
from feedback.projects.guidelines import add_guidelines
from feedback.projects.names import CONSENSUS_METHODS
from feedback.projects.schema import LabelSchema
from feedback.store.tables import ImportBatch, Item, Project, ProjectMember, ProjectSchema, User
from feedback.store.transactions import writing

MAX_NAME = 200
MAX_LEASE_MINUTES = 7 * 24 * 60
BATCH_DONE = "done"  # ImportBatch.state of a finished import (the others are written: feedback.intake.batches)


def project_schema(project: Project) -> LabelSchema:
    """The project's questions (the default schema when none was stored)."""
    return LabelSchema.model_validate(project.questions or {})


def unfinished_imports():
    """The ids of the staging projects of imports not finished yet: hidden everywhere (``feedback.intake.batches``)."""
    return select(ImportBatch.project_id).where(ImportBatch.state != BATCH_DONE)


def find_project(session: Session, name: str) -> Project | None:
    return session.exec(select(Project).where(Project.name == name, Project.id.not_in(unfinished_imports()))).first()


def get_project(*, session: Session, name: str) -> Project:
    """The project called ``name``; ``NotFound`` lists the projects that exist."""
    project = find_project(session, name)
    if project is None:
        names = session.exec(select(Project.name).where(Project.id.not_in(unfinished_imports()))
                             .order_by(Project.name)).all()
        known = ", ".join(names) if names else "none yet; import a file to create one"
        raise NotFound(f"No project named {name!r} (projects: {known})")
    return project


def stored_project(session: Session, project: Project) -> Project:
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


def check_project_name(name: str) -> str:
    """The name without surrounding space; an empty or over-long one is refused."""
    name = name.strip()
    if not name:
        raise FeedbackError("A project needs a name")
    if len(name) > MAX_NAME:
        raise FeedbackError(f"name: a project name has at most {MAX_NAME} characters")
    return name


def add_project(session: Session, *, name: str, overlap: int = 3, schema: LabelSchema | None = None) -> Project:
    """Add a project (and its schema version 1) to the session's transaction (the caller commits)."""
    name = check_project_name(name)
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
        .where(Project.id.not_in(unfinished_imports()))
        .group_by(Project.id)
        .order_by(Project.name)
    ).all()
    return [(project, count) for project, count in rows]


def list_batches(*, session: Session, project: Project) -> list[ImportBatch]:
    """The project's import batches, newest first."""
    return list(
        session.exec(
            select(ImportBatch).where(ImportBatch.project_id == project.id, ImportBatch.state == BATCH_DONE)
            .order_by(ImportBatch.id.desc())
        ).all()
    )




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
        stored = stored_project(session, project)
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
        stored = stored_project(session, project)
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
