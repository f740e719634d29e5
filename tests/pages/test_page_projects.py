"""The Projects page through AppTest: create a project, change its questions (versioned, refused when answers
would be orphaned), guidelines, annotators, gold items; non-admins are refused."""

from pathlib import Path

import pytest
from signing import sign_in_state
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from feedback.projects.projects import project_schema
from feedback.store.tables import Annotation, Guidelines, Item, Project, ProjectMember, User
from feedback.ui.context import PROJECT

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PAGE = "pages/projects.py"


@pytest.fixture
def db(support_app):
    """A SQLite file with project 'support' (items t-0, t-1), an admin 'root', annotators 'maria' and 'dev'."""
    engine, s = support_app
    s.add_all([User(name="root", role="admin"), User(name="maria"), User(name="dev")])
    s.commit()
    return engine


def user_id(engine, name: str) -> int:
    with Session(engine) as s:
        return s.exec(select(User.id).where(User.name == name)).one()


def stored(engine, name: str = "support") -> Project:
    with Session(engine, expire_on_commit=False) as s:
        return s.exec(select(Project).where(Project.name == name)).one()


def page(engine, name: str = "root") -> AppTest:
    """The app with ``name`` signed in, on the Projects page."""
    at = AppTest.from_file(APP, default_timeout=30)
    sign_in_state(at, engine, user_id(engine, name))
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Projects"
    return at


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def yaml_area(at: AppTest):
    return next(t for t in at.text_area if t.label == "Schema (YAML or JSON)")


def test_an_admin_creates_a_project_and_it_becomes_the_chosen_one(db):
    at = page(db)
    at.text_input(key="projects.new.name").input("chat")
    at.number_input(key="projects.new.overlap").set_value(2)
    at.checkbox(key="projects.new.restricted").check()
    button(at, "Create project").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Created project 'chat'")
    assert at.sidebar.selectbox(key=PROJECT).value == "chat"
    project = stored(db, "chat")
    assert (project.overlap, project.restricted, project.schema_version) == (2, True, 1)


def test_a_duplicate_project_name_shows_the_error(db):
    at = page(db)
    at.text_input(key="projects.new.name").input("support")
    button(at, "Create project").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["A project named 'support' already exists"]


def test_adding_a_seven_point_dimension_with_anchors_in_yaml_makes_a_new_version(db):
    with Session(db) as s:  # an annotation exists, so a change makes version 2
        s.add(Annotation(item_id=1, user_id=user_id(db, "maria"), preference="a",
                         ratings={"a": {"helpfulness": 4}}, schema_version=1))
        s.commit()
    at = page(db)
    text = yaml_area(at).value
    assert "helpfulness" in text
    new = text.replace(
        "rubric:\n", "rubric:\n- name: tone\n  description: Is it polite?\n  min: 1\n  max: 7\n"
        "  anchors:\n    1: rude\n    7: warm\n  required: true\n", 1)
    yaml_area(at).input(new)
    button(at, "Save YAML").click().run()
    assert not at.exception and not at.error
    assert at.success[0].value == "Questions saved: schema version 2."
    assert any(m.value == "**Schema version 2**" for m in at.markdown)
    tone = project_schema(stored(db)).dimension("tone")
    assert (tone.max, tone.anchors, tone.required) == (7, {1: "rude", 7: "warm"}, True)
    assert "name: tone" in yaml_area(at).value  # the editor shows the saved version
    with Session(db) as s:
        assert s.exec(select(Annotation.schema_version)).all() == [1]


def test_a_schema_error_names_the_field_and_saves_nothing(db):
    at = page(db)
    yaml_area(at).input("rubric:\n- name: tone\n  max: 7\n  anchors: {9: far}\n")
    button(at, "Save YAML").click().run()
    assert not at.exception
    assert at.error[0].value == "YAML: rubric[0].anchors: 9 is outside the scale 1-7"
    assert project_schema(stored(db)).dimension("tone") is None


def test_a_change_that_would_orphan_answers_shows_the_reason(db):
    with Session(db) as s:
        s.add(Annotation(item_id=1, user_id=user_id(db, "maria"), preference="a",
                         flags={"b": ["off_task"]}, schema_version=1))
        s.commit()
    at = page(db)
    at.text_input(key=next(t.key for t in at.text_input if t.label.startswith("Flags"))).input("unsafe")
    button(at, "Save questions").click().run()
    assert not at.exception
    message = at.error[0].value
    assert message.startswith("Schema not saved: it would orphan existing answers:")
    assert "flag 'off_task' is used by 1 annotation; keep it, or migrate them first" in message
    assert stored(db).schema_version == 1 and project_schema(stored(db)).flags == ["unsafe", "factual_error",
                                                                                    "off_task"]


def test_the_structured_editor_turns_on_thumbs_in_place_before_annotations(db):
    at = page(db)
    thumbs = next(c for c in at.checkbox if c.label == "Thumbs up/down per answer")
    thumbs.check()
    next(c for c in at.checkbox if c.label == "Ties allowed in rankings").check()
    button(at, "Save questions").click().run()
    assert not at.exception and not at.error
    assert at.success[0].value == "Questions saved: schema version 1."  # no annotations yet: replaced in place
    schema = project_schema(stored(db))
    assert schema.thumbs and schema.ranking_ties
    assert [d.name for d in schema.rubric] == ["helpfulness", "correctness", "safety"]  # the table kept its rows


def test_saving_guidelines_twice_makes_version_two_and_the_same_text_none(db):
    at = page(db)
    area = next(t for t in at.text_area if t.label == "Guidelines (Markdown)")
    area.input("# Rules\n\nPrefer **correct** answers.")
    button(at, "Save guidelines").click().run()
    assert at.success[0].value == "Guidelines saved: version 1."
    area = next(t for t in at.text_area if t.label == "Guidelines (Markdown)")
    area.input("# Rules\n\nPrefer **short**, correct answers.")
    button(at, "Save guidelines").click().run()
    assert not at.exception
    assert at.success[0].value == "Guidelines saved: version 2."
    button(at, "Save guidelines").click().run()
    assert at.success[0].value == "Guidelines unchanged (version 2)."
    assert stored(db).guidelines_version == 2
    with Session(db) as s:
        assert [g.version for g in s.exec(select(Guidelines).order_by(Guidelines.version)).all()] == [1, 2]
    assert any("Prefer **short**, correct answers." in m.value for m in at.markdown)  # the preview


def test_annotators_and_restriction(db):
    at = page(db)
    at.multiselect(key=f"projects.members.{stored(db).id}").select("maria")
    button(at, "Save annotators").click().run()
    assert at.success[0].value == "Annotators: maria."
    at.checkbox(key=f"projects.restricted.{stored(db).id}").check()
    button(at, "Save settings").click().run()
    assert not at.exception and at.success[0].value == "Settings saved."
    assert stored(db).restricted
    with Session(db) as s:
        assert s.exec(select(ProjectMember.user_id)).all() == [user_id(db, "maria")]


def test_gold_items_are_marked_listed_and_unmarked(db):
    at = page(db)
    pid = stored(db).id
    at.text_input(key=f"projects.gold_item.{pid}").input("t-1")
    at.text_input(key=f"projects.gold_answer.{pid}").input("b")
    button(at, "Mark as gold").click().run()
    assert not at.exception and at.success[0].value == "Item t-1 is gold."
    assert at.dataframe[-1].value.to_dict("records") == [{"Item": "t-1", "Answer": '{"preference": "b"}'}]
    at.text_input(key=f"projects.gold_answer.{pid}").input("z")
    button(at, "Mark as gold").click().run()
    assert "gold.preference" in at.error[0].value
    at.text_input(key=f"projects.gold_item.{pid}").input("t-9")
    button(at, "Unmark").click().run()
    assert at.error[0].value == "item: project 'support' has no item with id 't-9'"
    at.text_input(key=f"projects.gold_item.{pid}").input("t-1")
    button(at, "Unmark").click().run()
    assert at.success[0].value == "Item t-1 is no longer gold."
    with Session(db) as s:
        assert not s.get(Item, 2).is_gold


@pytest.mark.parametrize("role", ["annotator", "reviewer"])
def test_a_non_admin_running_the_page_script_is_refused(db, role):
    with Session(db) as s:
        maria = s.exec(select(User).where(User.name == "maria")).one()
        maria.role = role
        s.add(maria)
        s.commit()
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=30)
    at.session_state["app.database_url"] = str(db.url)
    at.session_state["app.pool_size"] = 5
    sign_in_state(at, db, user_id(db, "maria"))
    at.session_state[PROJECT] = "support"
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Only admins may manage projects"]
    assert not at.text_area and not at.button and not at.tabs


def test_an_annotator_has_no_projects_page_in_the_navigation(db):
    at = AppTest.from_file(APP, default_timeout=30)
    sign_in_state(at, db, user_id(db, "maria"))
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)


def test_migrating_answers_on_the_page_makes_the_refused_change_possible(db):
    with Session(db) as s:
        s.add(Annotation(item_id=1, user_id=user_id(db, "maria"), preference="a",
                         ratings={"a": {"helpfulness": 4}}, flags={"b": ["off_task"]}, schema_version=1))
        s.commit()
    at = page(db)
    field = {t.label: t for t in at.text_input}
    field["Rename dimensions (old=new, ...)"].input("helpfulness=usefulness")
    field["Drop flags (names, comma-separated)"].input("off_task")
    button(at, "Migrate").click().run()
    assert not at.exception and not at.error
    assert at.success[0].value.startswith("Schema of 'support' is now version 2; 1 annotation rewritten")
    with Session(db) as s:
        ann = s.exec(select(Annotation)).one()
        assert (ann.ratings, ann.flags, ann.schema_version) == ({"a": {"usefulness": 4}}, {}, 2)
    {t.label: t for t in at.text_input}["Rename flags (old=new, ...)"].input("unsafe")
    button(at, "Migrate").click().run()
    assert at.error[0].value == "rename_flag: expected OLD=NEW, not 'unsafe'"
    assert stored(db).schema_version == 2


def test_review_and_consensus_settings_are_saved(db):
    at = page(db)
    pid = stored(db).id
    at.selectbox(key=f"projects.consensus.{pid}").set_value("dawid_skene")
    at.number_input(key=f"projects.review.{pid}").set_value(0.8)
    at.checkbox(key=f"projects.escalate.{pid}").check()
    at.number_input(key=f"projects.quality.{pid}").set_value(0.6)
    at.checkbox(key=f"projects.suggestions.{pid}").check()
    button(at, "Save settings").click().run()
    assert not at.exception and at.success[0].value == "Settings saved."
    project = stored(db)
    assert (project.consensus_method, project.review_threshold, project.auto_escalate, project.quality_threshold,
            project.show_suggestions) == ("dawid_skene", 0.8, True, 0.6, True)
