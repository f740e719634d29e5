"""How far a project and each of its annotators have got (for reviewers and admins).

An item is *complete* once its submitted annotations reach its overlap (the project's overlap plus any
extra annotators a reviewer asked for); gold items are counted apart, since everyone answers them.
"""

from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Integer, case, cast
from sqlmodel import Session, func, select

from feedback.figures import percent
from feedback.people.permissions import REVIEWER, require, require_project
from feedback.store.reads import fetch_columns
from feedback.store.tables import Annotation, Item, Project, Skip, User


def _midnight() -> datetime:
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def project_progress(*, session: Session, user: User | None, project: Project) -> dict[str, int]:
    """Items of the project: ``items`` (regular), ``complete``, ``started`` (some annotations, not
    complete), ``untouched``, ``gold``; ``annotations`` submitted toward the overlap (at most ``wanted`` per
    item), ``wanted`` (overlap x items) and ``beyond`` (annotations past an item's overlap: imported labels, or
    an overlap lowered after the fact), so that ``annotations / wanted`` never passes 100%."""
    require(user, REVIEWER, "see a project's progress")
    require_project(session, user, project)
    wanted = project.overlap + Item.extra_overlap
    toward = case((Item.n_annotations < wanted, Item.n_annotations), else_=wanted)
    items, complete, started, annotations, submitted, needed = session.exec(
        select(func.count(Item.id),
               func.coalesce(func.sum(cast(Item.n_annotations >= wanted, Integer)), 0),
               func.coalesce(func.sum(case((Item.n_annotations.between(1, wanted - 1), 1), else_=0)), 0),
               func.coalesce(func.sum(toward), 0),
               func.coalesce(func.sum(Item.n_annotations), 0),
               func.coalesce(func.sum(wanted), 0))
        .where(Item.project_id == project.id, ~Item.is_gold)
    ).one()
    gold = session.exec(select(func.count(Item.id)).where(Item.project_id == project.id, Item.is_gold)).one()
    return {"items": items, "complete": complete, "started": started, "untouched": items - complete - started,
            "gold": gold, "annotations": annotations, "wanted": needed, "beyond": submitted - annotations}


def annotator_progress(*, session: Session, user: User | None, project: Project) -> pd.DataFrame:
    """One row per annotator who answered or skipped an item of the project, by name: ``annotator``,
    ``done``, ``today`` (since midnight UTC), ``skipped``, ``median_s`` (time per answer, where recorded),
    ``last`` (time of the newest answer)."""
    require(user, REVIEWER, "see annotators' progress")
    require_project(session, user, project)
    # Counted in SQL, one row per annotator: reading every annotation into Python took seconds at 300k.
    counts = session.exec(
        select(User.name, func.count(Annotation.id),
               func.coalesce(func.sum(case((Annotation.created_at >= _midnight(), 1), else_=0)), 0),
               func.max(Annotation.created_at))
        .join(Annotation, Annotation.user_id == User.id).join(Item, Item.id == Annotation.item_id)
        .where(Item.project_id == project.id).group_by(User.name)
    ).all()
    timed = fetch_columns(session, select(User.name, Annotation.time_spent_s)
                          .join(Annotation, Annotation.user_id == User.id).join(Item, Item.id == Annotation.item_id)
                          .where(Item.project_id == project.id, Annotation.time_spent_s.is_not(None)),
                          ["annotator", "time_spent_s"])
    skips = dict(session.exec(
        select(User.name, func.count(Skip.id)).join(Skip, Skip.user_id == User.id)
        .join(Item, Item.id == Skip.item_id).where(Item.project_id == project.id).group_by(User.name)
    ).all())
    names = sorted({name for name, *_ in counts} | set(skips))
    medians = pd.DataFrame(timed).astype({"time_spent_s": float}).groupby("annotator")["time_spent_s"].median()
    table = pd.DataFrame(counts, columns=["annotator", "done", "today", "last"]).set_index("annotator")
    table["last"] = pd.to_datetime(table["last"], utc=True)
    table = table.reindex(names)
    table["median_s"] = medians.reindex(names)
    table["skipped"] = [skips.get(name, 0) for name in names]
    table[["done", "today"]] = table[["done", "today"]].fillna(0).astype(int)
    return table.reset_index(names="annotator")[["annotator", "done", "today", "skipped", "median_s", "last"]]


def progress_summary(progress: dict[str, Any]) -> str:
    """One line: how much of the project is done."""
    share = progress["annotations"] / progress["wanted"] if progress["wanted"] else 1.0
    return (f"{progress['complete']} of {progress['items']} items complete, {progress['started']} started, "
            f"{progress['untouched']} untouched; {progress['annotations']} of {progress['wanted']} annotations "
            f"({percent(share)})" + (f", {progress['beyond']} more beyond the overlap" if progress.get("beyond") else "")
            + (f"; {progress['gold']} gold items" if progress["gold"] else ""))
