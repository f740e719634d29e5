"""Schema migrations: an old database is upgraded with every row kept, the migrations and tables.py cannot drift
apart, and every state a database can be in (empty, made before migrations, behind, newer) gets a clear answer."""

import io
import json
import re
import sqlite3
import textwrap
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlmodel import Session, SQLModel, select
from streamlit.testing.v1 import AppTest

from feedback.agreement.report import agreement_report
from feedback.cli.main import main
from feedback.consensus.answers import item_consensus
from feedback.errors import FeedbackError
from feedback.export.versions import list_versions
from feedback.labeling.annotate import (
    Answer,
    annotation_history,
    edit_annotation,
    my_annotations,
    submit_annotation,
)
from feedback.labeling.drafts import save_draft
from feedback.labeling.queue import serve, skip
from feedback.people.accounts import authenticate, create_user, get_user
from feedback.people.sessions import start_session, trade_ticket
from feedback.projects.projects import add_project, get_project
from feedback.review.workflow import adjudicate, reopen, send_back
from feedback.store import migrate
from feedback.store.engine import create_schema, make_engine
from feedback.store.migrations.autogen import new_revision
from feedback.store.tables import Item

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TABLES = sorted(SQLModel.metadata.tables)
PASSWORD = "correct horse battery"


def alembic_upgrade(engine, target: str, config=None) -> None:
    """Run the migrations with Alembic itself, as a developer would: no shortcut of ``migrate``."""
    config = config or migrate.alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, target)


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def columns(engine) -> dict[str, list[str]]:
    stored = inspect(engine)
    return {table: [c["name"] for c in stored.get_columns(table)] for table in TABLES}


def rows(engine, names: dict[str, list[str]]) -> dict[str, list[tuple]]:
    """Every row of every table in the columns ``names`` (those of the database before its upgrade)."""
    with engine.connect() as conn:
        return {table: conn.execute(text(f'SELECT {", ".join(names[table])} FROM "{table}" ORDER BY rowid')).all()
                for table in TABLES}


def baseline_file(tmp_path, monkeypatch) -> str:
    """A SQLite file at the baseline (the 0001 migration alone), the CLI's database (FEEDBACK_DATABASE_URL)."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    monkeypatch.setenv("FEEDBACK_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    engine = make_engine(url)
    alembic_upgrade(engine, migrate.BASELINE)
    engine.dispose()
    return url


def forget_revision(url: str) -> None:
    """Drop alembic_version: the database then looks exactly as the versions before migrations left it."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
    engine.dispose()


def old_file_database(tmp_path, monkeypatch) -> str:
    """A SQLite file with an empty project 'support', made before migrations (no alembic_version)."""
    url = baseline_file(tmp_path, monkeypatch)
    engine = make_engine(url)
    with Session(engine) as s:
        add_project(s, name="support", overlap=3)
        s.commit()
    engine.dispose()
    forget_revision(url)
    return url


ITEMS = [
    {"id": f"t-{n}", "prompt": f"Question {n}: how do I reset it?",
     "candidates": [{"id": "a", "model": "agent", "version": "v1", "output": f"Press reset {n}."},
                    {"id": "b", "model": "agent", "version": "v2", "output": f"Ask support {n}."}],
     "annotations": [{"annotator": "imp1", "preference": "a" if n % 2 else "b",
                      "ratings": {"a": {"helpfulness": 4}}, "rationale": "imported"},
                     {"annotator": "imp2", "preference": "a"}],
     "suggestions": [{"agent": "gpt-judge", "preference": "a", "score": 0.8}]}
    for n in range(6)
] + [{"id": "g-1", "messages": [{"role": "user", "content": "Hi"}],
      "candidates": [{"id": "a", "output": "Hello!"}, {"id": "b", "output": "Go away."}],
      "gold": {"preference": "a"}}]


@pytest.fixture
def pre_migration_db(pre_migration_file, tmp_path, monkeypatch) -> str:
    """A copy of ``pre_migration_file`` in tmp_path, the CLI's database."""
    source, copy = sqlite3.connect(pre_migration_file), sqlite3.connect(tmp_path / "old.db")
    source.backup(copy)  # with what the write-ahead log holds
    source.close()
    copy.close()
    url = f"sqlite:///{tmp_path / 'old.db'}"
    monkeypatch.setenv("FEEDBACK_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    return url


@pytest.fixture(scope="module")
def pre_migration_file(tmp_path_factory) -> Path:
    """A SQLite file as the last version before migrations left it: the baseline's tables (the 0001 migration
    alone, then no alembic_version table) and data of every kind, written by the app's own functions.

    (Today tables.py is still the baseline, so the functions can write it. Once a revision changes one of
    these tables, freeze this database first, e.g. as ``sqlite3 old.db .dump``, and load the dump instead.)"""
    folder = tmp_path_factory.mktemp("before-migrations")
    with pytest.MonkeyPatch.context() as monkeypatch:
        url = baseline_file(folder, monkeypatch)
        fill(url, folder)
    forget_revision(url)
    return folder / "old.db"


def fill(url: str, folder: Path) -> None:
    """Users with passwords, a project with two schema and guidelines versions, items (one gold) with candidates,
    imported labels and suggestions, answers (one edited), a skip, a draft, decisions, a lease, a dataset version, a
    failed sign-in, a signed-in browser and stored agreement figures."""
    engine = make_engine(url)
    files = {"items.jsonl": "\n".join(json.dumps(item) for item in ITEMS) + "\n",
             "schema.yaml": "rubric:\n  - name: helpfulness\n    max: 5\nflags: [unsafe]\n",
             "schema2.yaml": "rubric:\n  - name: helpfulness\n    max: 5\n  - name: tone\n    max: 3\nflags: [unsafe]\n",
             "v1.md": "# Rules\n", "v2.md": "# Rules\n\nPrefer the correct answer.\n"}
    for name, body in files.items():
        (folder / name).write_text(body, encoding="utf-8")
    with Session(engine, expire_on_commit=False) as s:
        people = {name: create_user(session=s, actor=None, name=name, role=role, password=PASSWORD)
                  for name, role in [("boss", "admin"), ("rita", "reviewer"), ("ann", "annotator"),
                                     ("bob", "annotator"), ("cy", "annotator")]}
    assert main(["project", "create", "support", "--schema", "schema.yaml", "--guidelines", "v1.md"]) == 0
    assert main(["import", "items.jsonl", "--project", "support"]) == 0
    assert main(["project", "members", "support", "ann", "bob", "cy"]) == 0
    with Session(engine, expire_on_commit=False) as s:
        items = {i.external_id: i.id for i in s.exec(select(Item)).all()}
        ann, bob, cy, rita = (people[n] for n in ("ann", "bob", "cy", "rita"))
        mine = submit_annotation(session=s, user=ann, item_id=items["t-0"], answer=Answer(preference="a"))
        edit_annotation(session=s, user=ann, annotation_id=mine.id, answer=Answer(preference="b", rationale="B"))
        submit_annotation(session=s, user=ann, item_id=items["g-1"], answer=Answer(preference="a"))
        skip(session=s, user=bob, item_id=items["t-1"], reason="not sure")
        save_draft(session=s, user=bob, item_id=items["t-5"], answer=Answer(preference="b", rationale="half"))
        adjudicate(session=s, user=rita, item_id=items["t-2"], answer={"preference": "a"}, reason="A is right")
        adjudicate(session=s, user=rita, item_id=items["t-3"], answer={"preference": "b"}, reason="B")
        reopen(session=s, user=rita, item_id=items["t-3"], reason="look again")
        send_back(session=s, user=rita, item_id=items["t-4"], reason="split", extra=1)
        assert serve(session=s, user=cy, project=get_project(session=s, name="support")) is not None  # a lease
        with pytest.raises(FeedbackError):
            authenticate(session=s, name="bob", password="not bob's password", address="10.0.0.7")  # a failure
        trade_ticket(session=s, ticket=start_session(session=s, user=ann, address="10.0.0.8").ticket)  # signed in
    assert main(["project", "schema", "support", "--file", "schema2.yaml"]) == 0
    assert main(["project", "guidelines", "support", "--file", "v2.md"]) == 0
    assert main(["export", "--project", "support", "--format", "dpo"]) == 0
    assert main(["agreement", "--project", "support"]) == 0  # stored figures
    engine.dispose()


@pytest.mark.parametrize("how", ["start", "feedback db upgrade"])
def test_a_database_from_before_migrations_is_upgraded_with_every_row_kept(pre_migration_db, tmp_path, capsys,
                                                                          how):
    engine = make_engine(pre_migration_db)
    names = columns(engine)
    before = rows(engine, names)
    assert all(before.values()), [table for table, found in before.items() if not found]  # data of every kind
    if how == "start":
        create_schema(engine, upgrade=True)
    else:
        capsys.readouterr()  # what the fixture's commands printed
        code, out, err = run(capsys, "db", "upgrade")
        assert (code, err) == (0, "")
        assert out == f"Upgraded from a database made before schema migrations to {migrate.head()}.\n"
    assert migrate.current(engine) == migrate.head()
    assert rows(engine, names) == before
    with Session(engine, expire_on_commit=False) as s:
        ann = authenticate(session=s, name="ann", password=PASSWORD)
        project = get_project(session=s, name="support")
        assert (project.schema_version, project.guidelines_version) == (2, 2)
        answers = {item.external_id: a for a, item in my_annotations(session=s, user=ann, project=project)}
        assert (answers["t-0"].preference, answers["t-0"].revision) == ("b", 2)
        assert [(r.old["preference"], r.new["preference"]) for r in
                annotation_history(session=s, user=ann, annotation_id=answers["t-0"].id)] == [("a", "b")]
        consensus = item_consensus(s, project).set_index("item_id")
        decided = s.exec(select(Item.id).where(Item.external_id == "t-2")).one()
        assert (consensus.loc[decided, "label"], bool(consensus.loc[decided, "adjudicated"])) == ("a", True)
        assert agreement_report(session=s, user=None, project="support", resamples=0)["questions"]
        assert [v.number for v in list_versions(session=s, user=None, project="support",
                                                export_dir=tmp_path / "data" / "exports")] == [1]
        bob = get_user(s, "bob")
        fresh_item = s.exec(select(Item.id).where(Item.external_id == "t-5")).one()
        submit_annotation(session=s, user=bob, item_id=fresh_item, answer=Answer(preference="a"))  # still writes
    engine.dispose()


def test_the_migrations_from_nothing_give_exactly_the_tables_of_tables_py():
    """The start-up creates an empty database's tables with create_all: that must be what the migrations make."""
    engine = make_engine("sqlite://")
    alembic_upgrade(engine, "head")
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                SQLModel.metadata) == []
        assert set(inspect(conn).get_table_names()) == {*TABLES, "alembic_version"}
    config = migrate.alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    assert inspect(engine).get_table_names() == ["alembic_version"]


def test_the_migrations_render_for_postgresql_as_tables_py_creates_them():
    """Offline (no server): every table and index of tables.py, as PostgreSQL would be asked to create it."""
    config = migrate.alembic_config()
    config.set_main_option("sqlalchemy.url", "postgresql://")
    config.output_buffer = io.StringIO()
    command.upgrade(config, "head", sql=True)
    sql = "\n".join(line for line in config.output_buffer.getvalue().splitlines() if not line.startswith("--"))
    added: dict[str, set[str]] = {}  # columns later revisions add: part of the table tables.py creates
    for statement in sql.split(";"):
        if match := re.fullmatch(r"ALTER TABLE (\S+) ADD COLUMN (.+)", statement.strip(), re.DOTALL):
            added.setdefault(match[1], set()).add(match[2])
    rendered = {lines(statement) | added.get(table_created(statement), set()) for statement in sql.split(";")}
    assert sum("CREATE TABLE IF NOT EXISTS" in " ".join(s) for s in rendered) == len(TABLES)
    dialect = postgresql.dialect()
    for table in SQLModel.metadata.sorted_tables:
        for ddl in [CreateTable(table, if_not_exists=True), *(CreateIndex(i, if_not_exists=True)
                                                              for i in table.indexes)]:
            assert lines(str(ddl.compile(dialect=dialect))) in rendered, table.name


def table_created(statement: str) -> str:
    """The table a CREATE TABLE statement makes ('' for other statements)."""
    match = re.match(r"\s*CREATE TABLE IF NOT EXISTS (\S+) \(", statement)
    return match[1] if match else ""


def lines(statement: str) -> frozenset[str]:
    """A statement's lines (a column or a constraint each), whatever their order."""
    return frozenset(line.strip().rstrip(",") for line in statement.strip().splitlines())


def test_an_empty_database_gets_every_table_at_the_newest_revision(engine):
    assert migrate.current(engine) == migrate.head()
    assert set(inspect(engine).get_table_names()) == {*TABLES, "alembic_version"}
    assert migrate.prepare(engine, upgrade=False).before == migrate.Status(migrate.CURRENT, migrate.head())


SECOND = """\
    import sqlalchemy as sa
    from alembic import op

    revision = "0002_item_note"
    down_revision = "{down}"


    def upgrade():
        with op.batch_alter_table("item", recreate="always") as batch:  # SQLite copies the table, drops the old one
            batch.add_column(sa.Column("note", sa.String(200), nullable=True))
        {extra}
"""


def second_revision(tmp_path, extra: str = "pass"):
    folder = tmp_path / "versions"
    folder.mkdir()
    write(folder, "0002_item_note.py", SECOND.replace("{extra}", extra).replace("{down}", migrate.head()))
    return migrate.alembic_config(versions=[folder])


def test_a_second_migration_rebuilds_a_table_others_point_at_and_keeps_every_row(pre_migration_db, tmp_path):
    config = second_revision(tmp_path)
    engine = make_engine(pre_migration_db)
    names = columns(engine)
    before = rows(engine, names)
    with pytest.raises(FeedbackError, match=r"made before schema migrations; this version of the app needs "
                                            r"revision 0002_item_note\. .*run `feedback db upgrade`"):
        migrate.prepare(engine, upgrade=False, config=config)
    migrate.upgrade(engine, revision=migrate.BASELINE, config=config)
    with pytest.raises(FeedbackError, match=r"is at schema revision 0001_baseline; this version of the app needs "
                                            r"revision 0002_item_note\. .*`feedback db upgrade`"):
        migrate.prepare(engine, upgrade=False, config=config)
    done = migrate.prepare(engine, upgrade=True, config=config)
    assert (done.before.revision, done.after) == ("0001_baseline", "0002_item_note")
    assert migrate.current(engine) == "0002_item_note"
    assert migrate.status(engine, config=config).state == migrate.CURRENT
    assert rows(engine, names) == before
    with engine.connect() as conn:
        assert "note" in {c["name"] for c in inspect(conn).get_columns("item")}
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # on again for the app
        assert {fk["referred_table"] for fk in inspect(conn).get_foreign_keys("candidate")} == {"item"}
    engine.dispose()


@pytest.mark.parametrize("extra, error", [
    ("raise RuntimeError('the migration has a bug')", RuntimeError),
    ("op.execute('DELETE FROM item WHERE id = 1')", FeedbackError),  # candidates would point at nothing
])
def test_a_failed_upgrade_leaves_the_database_as_it_was(pre_migration_db, tmp_path, extra, error):
    config = second_revision(tmp_path, extra)
    engine = make_engine(pre_migration_db)
    migrate.upgrade(engine, revision=migrate.BASELINE, config=config)
    names, tables = columns(engine), sorted(inspect(engine).get_table_names())
    before = rows(engine, names)
    with pytest.raises(error):
        migrate.upgrade(engine, config=config)
    assert migrate.current(engine) == migrate.BASELINE
    assert rows(engine, names) == before and sorted(inspect(engine).get_table_names()) == tables
    assert "note" not in {c["name"] for c in inspect(engine).get_columns("item")}
    engine.dispose()


def test_auto_upgrade_false_refuses_an_old_database_until_feedback_db_upgrade(tmp_path, monkeypatch, capsys):
    url = old_file_database(tmp_path, monkeypatch)
    monkeypatch.setenv("FEEDBACK_AUTO_UPGRADE", "false")
    code, out, err = run(capsys, "projects")
    assert (code, out) == (1, "")
    assert err.startswith("Error: The database sqlite:///") and "made before schema migrations" in err
    assert "run `feedback db upgrade`" in err and "Traceback" not in err
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception and "`feedback db upgrade`" in at.error[0].value
    assert migrate.status(make_engine(url)).state == migrate.UNVERSIONED  # nothing was changed
    upgraded = f"Upgraded from a database made before schema migrations to {migrate.head()}.\n"
    assert run(capsys, "db", "upgrade")[:2] == (0, upgraded)
    assert run(capsys, "projects")[:2] == (0, "support\t0 items\toverlap 3\n")


def test_a_database_from_a_newer_version_is_refused_with_a_clear_message(tmp_path, monkeypatch, capsys):
    url = old_file_database(tmp_path, monkeypatch)
    engine = make_engine(url)
    create_schema(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
    with pytest.raises(FeedbackError, match=r"revision 0099_from_the_future, which this version of the app does "
                                            r"not know: a newer version made or upgraded it"):
        create_schema(engine)
    code, out, err = run(capsys, "db", "upgrade")
    assert (code, out) == (1, "") and err.startswith("Error: ") and "0099_from_the_future" in err
    assert run(capsys, "db", "current")[1] == "0099_from_the_future (unknown to this version of the app: a newer " \
                                               "version made it)\n"
    engine.dispose()


def test_a_database_whose_tables_lack_baseline_columns_is_refused_naming_them(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE user (id INTEGER PRIMARY KEY, name VARCHAR(100), role VARCHAR(20))"))
    with pytest.raises(FeedbackError, match=r"lacks the columns user\.password_hash, user\.active, "
                                            r"user\.last_login_at, user\.created_at\. Export"):
        create_schema(engine, upgrade=True)
    assert inspect(engine).get_table_names() == ["user"]  # nothing was added
    engine.dispose()


def test_db_commands_on_an_empty_an_old_and_an_up_to_date_database(tmp_path, monkeypatch, capsys):
    head = migrate.head()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FEEDBACK_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    nothing = f"No database at {tmp_path / 'new.db'} yet: the app and every other command create it.\n"
    assert run(capsys, "db", "current")[:2] == (0, nothing)
    assert run(capsys, "db", "history")[1] == (
        "".join(f"{r.id}  {r.message}\n" for r in migrate.history())
        + "(the database records no revision: it is empty, made before migrations, or not created yet)\n")
    assert run(capsys, "db", "history")[1].endswith(
        "0002_sign_in_failures  Sign-in failures: one row per failed sign-in, to throttle password guessing.\n"
        "0001_baseline  Today's tables: the schema of the last version of the app before migrations.\n"
        "(the database records no revision: it is empty, made before migrations, or not created yet)\n")
    assert not (tmp_path / "new.db").exists()
    make_engine(f"sqlite:///{tmp_path / 'new.db'}").connect().close()  # an empty file
    assert run(capsys, "db", "current")[1] == "The database is empty: no tables yet (the app and every other " \
                                              "command create them).\n"
    assert run(capsys, "db", "upgrade")[1] == f"The database was empty: created its tables at revision {head}.\n"

    old_file_database(tmp_path, monkeypatch)
    assert run(capsys, "db", "current")[1] == ("The database was made before schema migrations (it records no "
                                               f"revision): `feedback db upgrade` adopts it as 0001_baseline and "
                                               f"upgrades it to {head}.\n")
    assert "<- the database" not in run(capsys, "db", "history")[1]
    assert run(capsys, "db", "upgrade")[1] == f"Upgraded from a database made before schema migrations to {head}.\n"

    assert run(capsys, "db", "current")[1] == f"{head} (the newest)\n"
    newest = run(capsys, "db", "history")[1].splitlines()[0]
    assert newest.startswith(head) and newest.endswith("<- the database")
    assert run(capsys, "db", "upgrade")[1] == f"Already at the newest revision, {head}: nothing to do.\n"


def test_a_new_revision_is_autogenerated_from_what_tables_py_has_and_the_migrations_lack(tmp_path):
    folder = tmp_path / "versions"
    folder.mkdir()
    shipped = [r.id for r in migrate.history()]  # newest first
    drop, restore = f"{len(shipped) + 1:04d}_drop", f"{len(shipped) + 2:04d}_restore_dropped_columns"
    write(folder, f"{drop}.py", f"""\
        from alembic import op

        revision = "{drop}"
        down_revision = "{shipped[0]}"


        def upgrade():
            with op.batch_alter_table("candidate") as batch:
                batch.drop_column("version")
            with op.batch_alter_table("user") as batch:
                batch.drop_column("last_login_at")
    """)
    config = migrate.alembic_config(versions=[folder])
    path = new_revision(message="Restore dropped columns!", config=config, directory=folder)
    assert path == folder / f"{restore}.py"
    source = path.read_text(encoding="utf-8")
    assert f"down_revision = '{drop}'" in source and "sqlmodel" not in source
    assert "sa.Column('version', sa.String(100), nullable=True)" in source
    assert "sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True)" in source
    engine = make_engine("sqlite://")
    alembic_upgrade(engine, "head", config)
    with engine.connect() as conn:  # the generated revision brings the schema back to tables.py
        assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                SQLModel.metadata) == []
    assert [r.id for r in migrate.history(config=config)] == [path.stem, drop, *shipped]
