"""A fresh database per test, and factories for projects, items and users."""

import pytest
from sqlmodel import Session

from feedback.projects.projects import add_project
from feedback.store.engine import create_schema, make_engine
from feedback.store.tables import Annotation, Candidate, Item, Project, User


@pytest.fixture
def engine():
    engine = make_engine("sqlite://")
    create_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def file_engine(tmp_path):
    """A SQLite file, for tests that need several connections, threads or processes."""
    engine = make_engine(f"sqlite:///{tmp_path / 'feedback.db'}")
    create_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def make_project(session):
    def make(name: str = "p", *, overlap: int = 3, items: int = 0) -> Project:
        project = add_project(session, name=name, overlap=overlap)
        for n in range(items):
            add_item(session, project, external_id=f"i{n}", prompt=f"question {n}")
        session.commit()
        return project

    return make


@pytest.fixture(name="add_item")
def add_item_fixture():
    """The ``add_item`` factory, for tests that build items in their own sessions."""
    return add_item


def add_item(session, project, *, external_id: str, prompt: str = "q", outputs=("first answer", "second answer")):
    item = Item(
        project_id=project.id, external_id=external_id, prompt=prompt,
        content_hash=f"h-{project.id}-{external_id}", position=int(external_id.strip("i") or 0)
        if external_id.strip("i").isdigit() else 0,
    )
    session.add(item)
    session.flush()
    for pos, (key, text) in enumerate(zip("abcdefgh", outputs)):
        session.add(Candidate(item_id=item.id, key=key, model=f"model-{key}", output=text, position=pos))
    session.flush()
    return item


@pytest.fixture
def make_user(session):
    def make(name: str = "ann1", role: str = "annotator") -> User:
        user = User(name=name, role=role)
        session.add(user)
        session.commit()
        return user

    return make


@pytest.fixture
def db(tmp_path, monkeypatch):
    """For the page tests (the app reads FEEDBACK_DATABASE_URL): a SQLite file with project 'support', 3 items,
    the first labelled by two annotators (maria: a, dev: b)."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("FEEDBACK_DATABASE_URL", url)
    engine = make_engine(url)
    create_schema(engine)
    with Session(engine, expire_on_commit=False) as s:
        project = add_project(s, name="support", overlap=3)
        for n in range(3):
            item = Item(project_id=project.id, external_id=f"t-{n}", prompt=f"Question {n}: how do I **reset** it?",
                        content_hash=f"h{n}", position=n)
            s.add(item)
            s.flush()
            s.add(Candidate(item_id=item.id, key="a", model="v1", output=f"Answer one <b>{n}</b>", position=0))
            s.add(Candidate(item_id=item.id, key="b", model="v2", output=f"Answer two {n}", position=1))
        s.flush()
        for name, pref in [("maria", "a"), ("dev", "b")]:
            user = User(name=name)
            s.add(user)
            s.flush()
            s.add(Annotation(item_id=1, user_id=user.id, preference=pref,
                             ratings={"a": {"helpfulness": 4}, "b": {"helpfulness": 2}}))
        s.get(Item, 1).n_annotations = 2
        s.commit()
    yield engine
    engine.dispose()


@pytest.fixture
def support_app(tmp_path, monkeypatch):
    """For page tests that set up their own people: the app's database (FEEDBACK_DATABASE_URL, working folder
    tmp_path) with project 'support' and items t-0, t-1 whose candidates a and b say "one" and "two".
    Yields ``(engine, session)``; the caller adds what it needs and commits."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("FEEDBACK_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    engine = make_engine(url)
    create_schema(engine)
    with Session(engine, expire_on_commit=False) as s:
        project = add_project(s, name="support", overlap=3)
        for n in range(2):
            item = Item(project_id=project.id, external_id=f"t-{n}", prompt=f"Question {n}", content_hash=f"h{n}",
                        position=n)
            s.add(item)
            s.flush()
            s.add_all([Candidate(item_id=item.id, key="a", output="one", position=0),
                       Candidate(item_id=item.id, key="b", output="two", position=1)])
        yield engine, s
    engine.dispose()
