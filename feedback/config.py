"""Settings, declared once. Read only by ``app.py`` and ``feedback.cli.main``; passed down as arguments.

Every setting is read from the environment with the prefix ``FEEDBACK_`` (e.g. ``FEEDBACK_DATABASE_URL``)
or from a ``.env`` file, and is documented in the README (a test checks it).
"""

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FEEDBACK_", env_file=".env", extra="ignore")

    database_url: str = Field(
        "sqlite:///data/feedback.db",
        description="SQLAlchemy URL of the database; a SQLite file by default.",
    )
    demo_data: Path = Field(
        Path("data/demo.jsonl"),
        description="JSONL file loaded into an empty database by `make run` (`feedback demo`).",
    )
    export_dir: Path = Field(
        Path("data/exports"),
        description="Folder of the dataset versions (one read-only folder per version, listed in the app).",
    )
    demo_project: str = Field("demo", description="Name of the project the demo data set is loaded into.")
    default_overlap: int = Field(
        3, ge=1, le=50, description="Annotations wanted per item for new projects (overlap)."
    )
    pool_size: int = Field(
        20, ge=1, le=500, description="Database connections kept open (size it for concurrent annotators)."
    )
    session_timeout_minutes: int = Field(
        60, ge=1, le=7 * 24 * 60, description="Minutes without activity after which a signed-in user is signed out."
    )
    demo_mode: bool = Field(
        False,
        description="Demo accounts (admin, reviewer, maria, dev, sam) get fresh random passwords, printed by "
        "`feedback demo` at each start; `make run` turns it on. Never on a shared server.",
    )
    max_upload_mb: int = Field(
        200, ge=1, le=100_000, description="Largest file the Data page accepts for import, in megabytes (the "
        "command line reads files of any size)."
    )
    auto_upgrade: bool = Field(
        True,
        description="Upgrade an older database's schema in place at start; when false, the app and the CLI "
        "refuse to open it and name `feedback db upgrade`.",
    )


def setting_docs() -> dict[str, str]:
    """Each setting's environment variable and its one-line help."""
    return {
        f"FEEDBACK_{name.upper()}": field.description or ""
        for name, field in Settings.model_fields.items()
    }
