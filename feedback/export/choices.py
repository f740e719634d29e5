"""What the Export page offers to filter on: the project's flags, rubric dimensions, models and import batches."""

from dataclasses import dataclass

from sqlmodel import Session, select

from feedback.people import permissions
from feedback.projects.projects import project_schema
from feedback.store.tables import Candidate, ImportBatch, Item, Project, User


@dataclass(frozen=True)
class ExportChoices:
    flags: list[str]
    dimensions: dict[str, tuple[int, int]]  # rubric dimension -> (min, max)
    models: list[str]
    batches: dict[int, str]  # import batch id -> "#id file (date)"


def export_choices(*, session: Session, user: User | None, project: Project) -> ExportChoices:
    """The values the filters of ``project``'s export can take (reviewers may read them)."""
    permissions.require(user, permissions.REVIEWER, "see dataset exports")
    schema = project_schema(project)
    models = session.exec(select(Candidate.model).join(Item, Item.id == Candidate.item_id)
                          .where(Item.project_id == project.id).distinct().order_by(Candidate.model)).all()
    batches = session.exec(select(ImportBatch).where(ImportBatch.project_id == project.id)
                           .order_by(ImportBatch.id)).all()
    return ExportChoices(
        flags=list(schema.flags), dimensions={d.name: (d.min, d.max) for d in schema.rubric},
        models=[m for m in models if m],
        batches={b.id: f"#{b.id} {b.filename} ({b.created_at:%Y-%m-%d})" for b in batches},
    )
