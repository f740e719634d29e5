"""Load the demo data set into an empty database."""

from pathlib import Path

from sqlmodel import Session, func, select

from feedback.errors import FeedbackError
from feedback.ingest import import_file
from feedback.models import Item


def load_demo(*, session: Session, path: Path, project: str, overlap: int = 3) -> str:
    """Import ``path`` into ``project`` if the database has no items yet; say what happened."""
    existing = session.exec(select(func.count(Item.id))).one()
    if existing:
        return f"The database already has {existing} items; the demo data set was not loaded."
    if not path.exists():
        raise FeedbackError(f"Demo data set not found: {path}")
    report = import_file(session=session, user=None, project=project, path=path, overlap=overlap)
    return (f"Loaded the demo data set into project {project!r}: {report.items_added} items, "
            f"{report.annotations_added} existing annotations.")
