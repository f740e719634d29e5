"""Load the demo data set into an empty database, and (in demo mode) the demo accounts.

The demo project shows the whole product: its label schema (``DEMO_SCHEMA``: a rubric with anchors, flags,
correction and rationale), its guidelines (the Markdown file beside the data set, ``<name>_guidelines.md``),
gold items, automatic judges' verdicts, ranking items and annotations from several annotators (one of them
careless). Those annotations were "made elsewhere", so the import stamps them all with the time of the
import; ``load_demo`` then spreads them over the past weeks, in working sessions, so that "done today" and
the Progress page tell a believable story.
"""

import random
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session, func, select

from feedback.errors import FeedbackError
from feedback.intake.importer import import_file
from feedback.people.accounts import hash_password
from feedback.people.permissions import ADMIN, ANNOTATOR, REVIEWER
from feedback.people.users import add_users
from feedback.projects.guidelines import set_guidelines
from feedback.projects.projects import create_project, find_project
from feedback.projects.schema import BOTH_BAD, TIE, LabelSchema, RubricDimension
from feedback.projects.schema_changes import set_schema
from feedback.store.tables import Annotation, Item, Project, User, utcnow
from feedback.store.transactions import begin_write, writing

DEMO_ACCOUNTS = {"admin": ADMIN, "reviewer": REVIEWER, "maria": ANNOTATOR, "dev": ANNOTATOR, "sam": ANNOTATOR}
DEMO_GOLD_RATE = 0.1  # one served item in ten is a gold item

DEMO_SCHEMA = LabelSchema(
    preference_extra=[TIE, BOTH_BAD],
    rubric=[
        RubricDimension(
            name="helpfulness",
            description="Does it solve the user's actual problem, so they could act on it right away?",
            anchors={1: "No help", 2: "Barely", 3: "Partly", 4: "Mostly", 5: "Fully solves it"}),
        RubricDimension(
            name="correctness",
            description="Are the facts, policies, code and tool use right? Judge what it says, not how it sounds.",
            anchors={1: "Wrong, harmful", 2: "Major error", 3: "Minor error", 4: "Nitpicks", 5: "All correct"}),
    ],
    flags=["unsafe", "factual_error", "off_task"],
    correction=True,
    rationale=True,
)


def guidelines_path(path: Path) -> Path:
    """The guidelines that come with a demo data set: ``demo.jsonl`` -> ``demo_guidelines.md``."""
    return path.with_name(f"{path.stem}_guidelines.md")


def load_demo(*, session: Session, path: Path, project: str, overlap: int = 3) -> str:
    """Import ``path`` into ``project`` if the database has no items yet, with the demo schema and guidelines,
    and spread the imported annotations' times over the past weeks; say what happened."""
    existing = session.exec(select(func.count(Item.id))).one()
    if existing:
        return f"The database already has {existing} items; the demo data set was not loaded."
    if not path.exists():
        raise FeedbackError(f"Demo data set not found: {path}")
    guidelines = guidelines_path(path)
    text = guidelines.read_text(encoding="utf-8") if guidelines.exists() else None
    _prepare_project(session, project, overlap=overlap, guidelines=text)
    report = import_file(session=session, user=None, project=project, path=path, overlap=overlap)
    stored = find_project(session, project)
    spread_annotation_times(session=session, project=stored, now=utcnow())
    gold = session.exec(select(func.count(Item.id)).where(Item.project_id == stored.id, Item.is_gold)).one()
    return (f"Loaded the demo data set into project {project!r}: {report.items_added} items ({gold} gold), "
            f"{report.annotations_added} existing annotations, {report.suggestions_added} automatic judges' "
            f"verdicts" + (", guidelines" if text else "") + " and a rubric with anchors.")


def _prepare_project(session: Session, name: str, *, overlap: int, guidelines: str | None) -> Project:
    """The demo project with its schema and guidelines (made now, or completed if an earlier load stopped)."""
    project = find_project(session, name)
    session.commit()  # end the read
    if project is None:
        return create_project(session=session, user=None, name=name, overlap=overlap, schema=DEMO_SCHEMA,
                              guidelines=guidelines, gold_rate=DEMO_GOLD_RATE)
    project = set_schema(session=session, user=None, project=project, schema=DEMO_SCHEMA)
    if guidelines:
        set_guidelines(session=session, user=None, project=project, text=guidelines)
    return project


SESSION_END_HOUR = {"maria": 11, "dev": 15, "sam": 18}  # when each annotator's working sessions end (UTC)
LATEST = {"maria": timedelta(minutes=40), "dev": timedelta(hours=26), "sam": timedelta(hours=50)}


def spread_annotation_times(*, session: Session, project: Project, now: datetime) -> int:
    """Give the project's imported annotations believable times: per annotator, in import order, in working
    sessions of 6 to 14 items on weekdays over the past weeks, the newest a little before ``now``; each one
    ``time_spent_s`` (or a minute) after the one before. Records the project's guidelines version on them.
    Deterministic for a given ``now``; returns how many annotations changed."""
    rows = session.exec(
        select(Annotation, User.name).join(User, User.id == Annotation.user_id)
        .join(Item, Item.id == Annotation.item_id)
        .where(Item.project_id == project.id, Annotation.source == "import")
        .order_by(User.name, Item.position, Item.id)
    ).all()
    by_user: dict[str, list[Annotation]] = {}
    for ann, name in rows:
        by_user.setdefault(name, []).append(ann)
    with writing(session):
        for name, annotations in by_user.items():
            for ann, when in zip(reversed(annotations), _session_times(name, [a.time_spent_s for a in
                                                                             reversed(annotations)], now)):
                ann.created_at = ann.updated_at = when
                ann.guidelines_version = project.guidelines_version or None
                session.add(ann)
    return len(rows)


def _session_times(name: str, seconds: list[float | None], now: datetime) -> list[datetime]:
    """Times going back from a little before ``now``, newest first, for answers that took ``seconds`` each."""
    rng = random.Random(name)
    t = now - LATEST.get(name, timedelta(hours=rng.randint(60, 100)))
    left = rng.randint(6, 14)
    times = []
    for spent in seconds:
        if left == 0:  # the session before: on an earlier weekday
            day = t - timedelta(days=rng.choice([1, 1, 2, 3]))
            while day.weekday() >= 5:
                day -= timedelta(days=1)
            t = day.replace(hour=SESSION_END_HOUR.get(name, 21), minute=rng.randint(0, 59))
            left = rng.randint(6, 14)
        times.append(t)
        t -= timedelta(seconds=(spent or 60.0) + rng.uniform(4, 30))
        left -= 1
    return times


def reset_demo_accounts(*, session: Session) -> list[tuple[str, str, str]]:
    """Demo mode only: give each demo account its role and a fresh random password; (name, role, password) rows.

    Run by the local operator at every start of ``make run``, so the passwords printed then are the only
    ones that work.
    """
    passwords = {name: secrets.token_urlsafe(9) for name in DEMO_ACCOUNTS}
    hashes = {name: hash_password(password) for name, password in passwords.items()}  # before the write lock
    begin_write(session)
    try:
        users = add_users(session, set(DEMO_ACCOUNTS))
        for name, role in DEMO_ACCOUNTS.items():
            users[name].role, users[name].password_hash, users[name].active = role, hashes[name], True
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return [(name, role, passwords[name]) for name, role in DEMO_ACCOUNTS.items()]
