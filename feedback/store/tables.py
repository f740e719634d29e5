"""The tables, defined in one place.

Vocabulary: a *project* holds *items* (the agent's input: a prompt or a conversation), each with one or
more *candidates* (agent outputs). A *user* makes at most one *annotation* per item. Every item and
imported annotation knows the *import batch* it came from.
"""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

NULLABLE_JSON = JSON(none_as_null=True)  # None is SQL NULL, not the JSON text 'null'


def utcnow() -> datetime:
    """The current time in UTC (every timestamp here is UTC and carries its zone)."""
    return datetime.now(UTC)


class Project(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=200)
    description: str = ""
    overlap: int = Field(default=3, ge=1, description="annotations wanted per item")
    questions: dict[str, Any] = Field(default_factory=dict, sa_type=JSON, description="LabelSchema as JSON")
    schema_version: int = Field(default=1, description="version of ``questions``; history in ProjectSchema")
    guidelines_version: int = Field(default=0, description="current Guidelines version; 0 = none yet")
    restricted: bool = Field(default=False, description="only ProjectMember annotators may work on it")
    gold_rate: float = Field(default=0.0, ge=0, le=1, description="share of served items that are gold")
    lease_minutes: int = Field(default=30, ge=1, description="how long a served item stays reserved")
    consensus_method: str = Field(default="majority", max_length=20,
                                  description="what exports use: 'majority' or 'dawid_skene' (adjudication wins)")
    review_threshold: float = Field(default=0.6, ge=0, le=1,
                                    description="items whose consensus confidence is below it go to review "
                                                "(compared as whole percentages: 2 of 3 votes is 67%)")
    auto_escalate: bool = Field(default=False,
                                description="items below review_threshold get one more annotator before review")
    quality_threshold: float = Field(default=0.5, ge=0, le=1,
                                     description="annotators whose agreement with consensus is below it are flagged")
    show_suggestions: bool = Field(default=False, description="show automatic judges' verdicts to annotators")
    created_at: datetime = Field(default_factory=utcnow)


class ProjectSchema(SQLModel, table=True):
    """Every version of a project's questions; annotations name the version they answered."""

    __table_args__ = (UniqueConstraint("project_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    version: int
    questions: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class Guidelines(SQLModel, table=True):
    """Every version of a project's annotation guidelines (Markdown)."""

    __table_args__ = (UniqueConstraint("project_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    version: int
    text: str = Field(default="", sa_type=Text)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class ProjectMember(SQLModel, table=True):
    """Annotators allowed on a restricted project."""

    project_id: int = Field(foreign_key="project.id", primary_key=True)
    user_id: int = Field(foreign_key="user.id", primary_key=True)


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=100)
    role: str = Field(default="annotator", max_length=20, description="admin, reviewer or annotator")
    password_hash: str | None = Field(default=None, description="argon2 hash; None = cannot sign in")
    active: bool = True
    last_login_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class SignInFailure(SQLModel, table=True):
    """One failed sign-in, kept to throttle guessing (per name tried and per client address)."""

    __table_args__ = (Index("ix_signinfailure_name_created", "name", "created_at"),
                      Index("ix_signinfailure_address_created", "address", "created_at"))
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, description="the name tried, stripped as sign-in does; may be no account")
    address: str | None = Field(default=None, max_length=100, description="the client's IP address, if known")
    created_at: datetime = Field(default_factory=utcnow)


class LoginSession(SQLModel, table=True):
    """One signed-in browser: the cookie holds a random token, this row only its SHA-256. Made at sign-in with a
    one-time ticket (its hash, valid a minute) that the browser trades for the cookie; ended (``ended_at`` and
    why) by sign-out, idleness, a password reset or change, a role change or deactivation."""

    __table_args__ = (Index("ix_loginsession_user_ended", "user_id", "ended_at"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    token_hash: str | None = Field(default=None, unique=True, max_length=64, description="SHA-256 of the cookie")
    ticket_hash: str | None = Field(default=None, unique=True, max_length=64,
                                    description="SHA-256 of the one-time ticket, until it is traded")
    ticket_expires_at: datetime | None = None
    address: str | None = Field(default=None, max_length=100, description="the client's IP address at sign-in")
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow, description="last activity (kept to the minute)")
    ended_at: datetime | None = None
    ended_why: str | None = Field(default=None, max_length=100)


class ImportBatch(SQLModel, table=True):
    """One import of a file. While ``state`` is 'loading' its items are written, in short transactions, into a
    hidden staging project (``project_id``); the last step makes them visible at once (``feedback.intake.batches``)."""

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    filename: str
    sha256: str = Field(index=True, max_length=64)
    n_lines: int = 0
    n_items_added: int = 0
    n_items_existing: int = 0
    n_annotations_added: int = 0
    n_invalid: int = 0
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    state: str = Field(default="done", max_length=20, sa_column_kwargs={"server_default": "done"},
                       description="'loading' (hidden, being written), 'publishing' (moving into its project), "
                                   "'discarding' (being removed) or 'done'")
    owner: str | None = Field(default=None, max_length=300, description="'host pid' of the process writing it")
    heartbeat_at: datetime | None = Field(default=None, description="last write of a loading batch")
    target_project_id: int | None = Field(default=None, description="while publishing: the project it moves into")
    position_offset: int | None = Field(default=None, description="while publishing: added to its items' positions")


class Item(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("project_id", "external_id"),
        UniqueConstraint("project_id", "content_hash"),
        Index("ix_item_queue", "project_id", "is_gold", "priority", "n_annotations", "position"),
        Index("ix_item_extra", "project_id", "extra_overlap", "n_annotations"),  # items sent back for more annotators
    )
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    external_id: str = Field(max_length=200, description="the id in the imported file")
    prompt: str | None = Field(default=None, sa_type=Text)
    messages: list[dict[str, Any]] | None = Field(default=None, sa_type=NULLABLE_JSON)
    meta: dict[str, Any] = Field(default_factory=dict, sa_type=JSON, description="free metadata")
    content_hash: str = Field(max_length=64)
    position: int = Field(default=0, description="import order within the project")
    priority: int = Field(default=0, description="higher is served first")
    n_annotations: int = Field(default=0, description="submitted annotations (kept up to date on submit)")
    extra_overlap: int = Field(default=0, ge=0,
                               description="annotators wanted beyond the project's overlap (sent back by review)")
    is_gold: bool = Field(default=False, description="has a known answer; mixed into queues at gold_rate")
    gold_answer: dict[str, Any] | None = Field(default=None, sa_type=NULLABLE_JSON, description="the known answer")
    batch_id: int | None = Field(default=None, foreign_key="importbatch.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)


class Candidate(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("item_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    key: str = Field(max_length=100, description="the candidate id in the imported file, e.g. 'a'")
    model: str = Field(default="", max_length=200)
    version: str | None = Field(default=None, max_length=100)
    output: str | None = Field(default=None, sa_type=Text, description="plain-text output")
    messages: list[dict[str, Any]] | None = Field(
        default=None, sa_type=NULLABLE_JSON, description="assistant/tool messages, for tool-using agents"
    )
    meta: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    position: int = 0


class Annotation(SQLModel, table=True):
    """One user's answer on one item. Preferences, ratings and flags name candidates by key, never by side."""

    __table_args__ = (
        UniqueConstraint("item_id", "user_id"),
        Index("ix_annotation_user_item", "user_id", "item_id"),  # a user's answers in a project, index only
    )
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    status: str = Field(default="submitted", max_length=20)
    preference: str | None = Field(default=None, max_length=100, description="candidate key, 'tie' or 'both_bad'")
    ranking: dict[str, int] | None = Field(
        default=None, sa_type=NULLABLE_JSON, description="rank per candidate key, 1 = best; equal ranks are ties"
    )
    thumbs: dict[str, bool] = Field(default_factory=dict, sa_type=JSON, description="thumbs up (true) per candidate")
    ratings: dict[str, dict[str, int]] = Field(default_factory=dict, sa_type=JSON)
    flags: dict[str, list[str]] = Field(default_factory=dict, sa_type=JSON)
    correction: str | None = Field(default=None, sa_type=Text)
    rationale: str | None = Field(default=None, sa_type=Text)
    shown_order: list[str] | None = Field(default=None, sa_type=NULLABLE_JSON, description="candidate keys, left to right")
    time_spent_s: float | None = None
    source: str = Field(default="app", max_length=20, description="'app' or 'import'")
    batch_id: int | None = Field(default=None, foreign_key="importbatch.id")
    schema_version: int | None = Field(default=None, description="the project's schema version answered")
    guidelines_version: int | None = Field(default=None, description="guidelines version shown when answering")
    revision: int = Field(default=1, description="1 + the number of edits; history in AnnotationRevision")
    gold_correct: bool | None = Field(default=None, description="on gold items: whether it matched the answer")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class AnnotationRevision(SQLModel, table=True):
    """One edit of an annotation: who, when, the answer before and after. Nothing is lost."""

    __table_args__ = (UniqueConstraint("annotation_id", "revision"),)
    id: int | None = Field(default=None, primary_key=True)
    annotation_id: int = Field(foreign_key="annotation.id", index=True)
    revision: int = Field(description="the revision this edit created (2 for the first edit)")
    user_id: int = Field(foreign_key="user.id")
    old: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    new: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow)


class Lease(SQLModel, table=True):
    """An item reserved for one annotator until ``expires_at``; it counts towards the overlap meanwhile."""

    __table_args__ = (UniqueConstraint("item_id", "user_id"), Index("ix_lease_item_expiry", "item_id", "expires_at"))
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id")
    user_id: int = Field(foreign_key="user.id", index=True)
    expires_at: datetime
    created_at: datetime = Field(default_factory=utcnow)


class Skip(SQLModel, table=True):
    """An annotator skipped an item (it does not come back to them)."""

    __table_args__ = (UniqueConstraint("item_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    reason: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow)


class Adjudication(SQLModel, table=True):
    """A reviewer's decision on an item: its final answer, or more annotators. Every decision is kept;
    the newest one with ``decision == 'final'`` (and no newer 'reopen') is the item's adjudicated answer."""

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    reviewer_id: int | None = Field(default=None, foreign_key="user.id",
                                    description="who decided; None: decided automatically (auto-escalation)")
    decision: str = Field(max_length=20, description="'final', 'more_annotators' or 'reopen'")
    answer: dict[str, Any] | None = Field(default=None, sa_type=NULLABLE_JSON,
                                          description="the final answer (preference / ranking / ratings / flags)")
    reason: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow)


class Suggestion(SQLModel, table=True):
    """An automatic judge's verdict on an item (an LLM-as-judge, a reward model), imported beside human labels."""

    __table_args__ = (UniqueConstraint("item_id", "agent"),)
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    agent: str = Field(max_length=200, description="the judge's name")
    preference: str | None = Field(default=None, max_length=100)
    ranking: dict[str, int] | None = Field(default=None, sa_type=NULLABLE_JSON)
    ratings: dict[str, dict[str, int]] = Field(default_factory=dict, sa_type=JSON)
    flags: dict[str, list[str]] = Field(default_factory=dict, sa_type=JSON)
    score: float | None = Field(default=None, description="the judge's own score or confidence")
    rationale: str | None = Field(default=None, sa_type=Text)
    batch_id: int | None = Field(default=None, foreign_key="importbatch.id")
    created_at: datetime = Field(default_factory=utcnow)


class ExportVersion(SQLModel, table=True):
    """A dataset version: an immutable folder of files under the export directory, written once.

    ``number`` counts a project's versions from 1; ``path`` is the folder relative to the export directory;
    ``manifest_sha256`` is the hash of its ``manifest.json``, which holds the sha256 of every other file."""

    __table_args__ = (UniqueConstraint("project_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    number: int
    format: str = Field(max_length=40)
    form: str = Field(default="", max_length=40)
    n_rows: int = 0
    splits: dict[str, int] = Field(default_factory=dict, sa_type=JSON, description="rows per split")
    path: str = Field(max_length=500)
    manifest_sha256: str = Field(max_length=64)
    created_by: int | None = Field(default=None, foreign_key="user.id", description="None: the command line")
    created_at: datetime = Field(default_factory=utcnow)


class Draft(SQLModel, table=True):
    """A half-entered answer of one annotator on one item, kept on the server until they submit or skip it, so that
    a reload or a sign-out loses nothing. ``answer`` holds the fields of ``feedback.labeling.annotate.Answer``."""

    __table_args__ = (UniqueConstraint("user_id", "item_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    item_id: int = Field(foreign_key="item.id", index=True)
    answer: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    updated_at: datetime = Field(default_factory=utcnow)


class StoredFigures(SQLModel, table=True):
    """Figures too slow to compute at every look (the Agreement page's report, annotator quality and judges: half
    a minute for 300k annotations), kept with the ``version`` of the data they count, so that a restarted app or
    a second ``feedback agreement`` has them at once. One row per project and ``kind``, replaced by each new
    computation; ``payload`` is their JSON, zlib-compressed."""

    __table_args__ = (UniqueConstraint("project_id", "kind"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    kind: str = Field(max_length=40)
    version: str = Field(max_length=300, description="the data's version they count (feedback.review.stored)")
    payload: bytes = Field(sa_type=LargeBinary)
    computed_at: datetime = Field(default_factory=utcnow)
