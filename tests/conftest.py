"""A fresh database per test, and factories for projects, items and users."""

import pytest
from sqlmodel import Session

from feedback.db import create_schema, make_engine
from feedback.models import Candidate, Item, Project, User
from feedback.projects import add_project


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
