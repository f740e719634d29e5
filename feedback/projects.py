"""Projects: create, find, list, and their label schema."""

from sqlmodel import Session, func, select

from feedback.db import begin_write
from feedback.errors import FeedbackError, NotFound
from feedback.models import ImportBatch, Item, Project
from feedback.schema import LabelSchema


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


def add_project(session: Session, *, name: str, overlap: int = 3, schema: LabelSchema | None = None) -> Project:
    """Add a project to the session's transaction (the caller commits)."""
    name = name.strip()
    if not name:
        raise FeedbackError("A project needs a name")
    if overlap < 1:
        raise FeedbackError(f"Overlap must be at least 1, not {overlap}")
    project = Project(name=name, overlap=overlap, questions=(schema or LabelSchema()).model_dump())
    session.add(project)
    session.flush()
    return project


def create_project(*, session: Session, name: str, overlap: int = 3, schema: LabelSchema | None = None) -> Project:
    """Create a new, empty project."""
    begin_write(session)
    if find_project(session, name.strip()) is not None:
        raise FeedbackError(f"A project named {name.strip()!r} already exists")
    project = add_project(session, name=name, overlap=overlap, schema=schema)
    session.commit()
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
