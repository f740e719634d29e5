"""The Agreement page's figures (the agreement report, each annotator's quality, the automatic judges), computed
together and stored with the version of the data they count.

They take half a minute for 300k annotations. Stored in the database (``StoredFigures``), they are there at once
for a restarted app and for ``feedback agreement``; figures whose version is not the data's current one are
older figures: a page may show them as such while new ones are computed, the command line computes anew.

The version covers everything the figures depend on: the project's annotations (added or edited), its reviewers'
decisions and judges' verdicts, its questions and quality threshold, and ``FORMAT`` (the figures' shape and the
code computing them: raise it when either changes, and stored figures of the format before are never served).
The figures stored are those of the default bootstrap (``RESAMPLES`` replicates, seed ``SEED``) and intervals
(``detail`` None): the ones the page shows.
"""

import json
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, func, select

from feedback.agreement.report import agreement_report
from feedback.labeling.loaders import annotations_version, review_state_version
from feedback.people import permissions
from feedback.review.judges import judge_report
from feedback.review.quality import annotator_quality
from feedback.store.engine import make_engine
from feedback.store.tables import Annotation, Item, Project, StoredFigures, User, utcnow
from feedback.store.transactions import writing

FORMAT = 1
KIND = "agreement"
RESAMPLES, SEED = 1000, 0


@dataclass(frozen=True)
class Stored:
    """Figures: ``value`` ({"report", "quality", "judges"}) computed at ``computed_at`` for ``version``;
    ``reused``: read back from the database, not computed by this call."""

    version: str
    value: dict[str, Any]
    computed_at: datetime
    reused: bool = False


def figures_version(session: Session, project_id: int) -> str:
    """The version of the data the Agreement page's figures count, read now (see the module's rules)."""
    project = session.get(Project, project_id)
    session.refresh(project)  # its threshold or questions may have changed since this session read it
    return (f"f{FORMAT}:a{annotations_version(session, project_id)}:r{review_state_version(session, project_id)}"
            f":s{project.schema_version}:q{project.quality_threshold}")


def n_annotations(session: Session, project_id: int) -> int:
    """How many annotations the project has (what the time to compute its figures grows with)."""
    return session.exec(select(func.count(Annotation.id)).join(Item, Item.id == Annotation.item_id)
                        .where(Item.project_id == project_id)).one()


def compute_figures(session: Session, project: Project) -> dict[str, Any]:
    """The figures, computed now as the local operator (callers check permissions): one session, so the
    annotations are read once for all three."""
    return {"report": agreement_report(session=session, user=None, project=project.name, resamples=RESAMPLES,
                                       seed=SEED),
            "quality": annotator_quality(session=session, user=None, project=project),
            "judges": judge_report(session=session, user=None, project=project)}


def stored_figures(session: Session, project_id: int) -> Stored | None:
    """The figures stored for the project (of whatever version), or None. Figures that cannot be read back
    (written by another format) count as none."""
    row = session.exec(select(StoredFigures).where(StoredFigures.project_id == project_id,
                                                   StoredFigures.kind == KIND)).first()
    if row is None or not row.version.startswith(f"f{FORMAT}:"):
        return None
    try:
        value = json.loads(zlib.decompress(row.payload))
    except (zlib.error, ValueError):
        return None
    return Stored(version=row.version, value=value, computed_at=row.computed_at, reused=True)


def store_figures(session: Session, project_id: int, version: str, value: dict[str, Any]) -> Stored:
    """Keep ``value`` as the project's figures of ``version`` (replacing those stored before), in one short
    write transaction; the JSON is compressed first, outside it."""
    payload = zlib.compress(json.dumps(value, ensure_ascii=False, allow_nan=False, default=str).encode(), 1)
    now = utcnow()
    with writing(session):
        row = session.exec(select(StoredFigures).where(StoredFigures.project_id == project_id,
                                                       StoredFigures.kind == KIND)).first()
        row = row or StoredFigures(project_id=project_id, kind=KIND, version=version, payload=b"")
        row.version, row.payload, row.computed_at = version, payload, now
        session.add(row)
    return Stored(version=version, value=value, computed_at=now)


def refresh(session: Session, project_id: int, version: str | None = None) -> Stored:
    """Compute the project's figures now and store them, with the version they count (``version``, when the
    caller read it in this session's transaction: the figures are read in the same one, on SQLite one snapshot)."""
    version = version or figures_version(session, project_id)
    value = compute_figures(session, session.get(Project, project_id))
    return store_figures(session, project_id, version, value)


def current_figures(*, session: Session, user: User | None, project: Project, recompute: bool = False) -> Stored:
    """The project's figures of its data as it is now (reviewers and admins): the stored ones when they are of
    the current version (unless ``recompute``), else computed and stored."""
    permissions.require(user, permissions.REVIEWER, "read agreement figures")
    permissions.require_project(session, user, project)
    version = figures_version(session, project.id)
    if not recompute:
        found = stored_figures(session, project.id)
        if found is not None and found.version == version:
            return found
    return refresh(session, project.id, version)


def refresh_figures(url: str, project_id: int) -> str:
    """``refresh`` through a connection of its own to the database at ``url`` (a child process of the app);
    returns the version the figures count."""
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            return refresh(session, project_id).version
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    """``python -m feedback.review.stored PROJECT_ID``: ``refresh_figures`` of the database named by the
    ``FEEDBACK_DATABASE_URL`` environment variable, the version printed (the app runs it as a child process)."""
    import os
    import sys

    (project_id,) = sys.argv[1:] if argv is None else argv
    try:
        print(refresh_figures(os.environ["FEEDBACK_DATABASE_URL"], int(project_id)))
    except Exception as e:  # noqa: BLE001  (the parent raises it again with this message)
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
