"""Projects: creation, settings, members, versioned schemas (refusals, migration) and guidelines, with permissions."""

import pytest
from sqlmodel import select

from feedback.errors import FeedbackError, NotFound, PermissionDenied
from feedback.labeling.annotate import Answer, submit_annotation
from feedback.people.permissions import may_use_project
from feedback.projects.gold import gold_answer_from_text, list_gold_items, set_gold
from feedback.projects.guidelines import current_guidelines, guidelines_history, set_guidelines
from feedback.projects.items import find_item
from feedback.projects.projects import (
    create_project,
    list_members,
    member_options,
    project_schema,
    set_members,
    update_project_settings,
)
from feedback.projects.schema import LabelSchema, parse_schema
from feedback.projects.schema_changes import (
    SchemaRefused,
    annotations_per_schema_version,
    migrate_answers,
    names_from_text,
    orphaned_answers,
    renames_from_text,
    schema_history,
    set_schema,
)
from feedback.store.tables import Annotation, Guidelines, Project, ProjectSchema


@pytest.fixture
def admin(make_user):
    return make_user("root", role="admin")


@pytest.fixture
def labelled(session, make_project, make_user):
    """Project 'p' with two items; ann1 answered item i0 (helpfulness 2 and 4 on a 1-5 scale, flag 'unsafe')."""
    project = make_project("p", items=2)
    ann = make_user("ann1")
    item = find_item(session=session, project=project, external_id="i0")
    submit_annotation(session=session, user=ann, item_id=item.id, answer=Answer(
        preference="tie", ratings={"a": {"helpfulness": 2}, "b": {"helpfulness": 4}}, flags={"b": ["unsafe"]}))
    return project


def changed(project: Project, **changes) -> LabelSchema:
    return parse_schema(project_schema(project).model_dump(mode="json") | changes)


def stored_annotation(session) -> Annotation:
    return session.exec(select(Annotation)).one()


# --- creating projects and settings ---------------------------------------------------------------------

def test_an_admin_creates_a_project_with_a_schema_and_guidelines(session, admin):
    schema = parse_schema({"rubric": [{"name": "clarity", "max": 7}], "flags": []})
    project = create_project(session=session, user=admin, name="  support ", overlap=5, schema=schema,
                             guidelines="# Rules\nBe fair.", restricted=True)
    assert (project.name, project.overlap, project.restricted) == ("support", 5, True)
    assert project_schema(project) == schema
    assert (project.schema_version, project.guidelines_version) == (1, 1)
    assert [h.version for h in schema_history(session=session, project=project)] == [1]
    assert current_guidelines(session=session, project=project).text == "# Rules\nBe fair."


def test_a_project_name_is_unique_and_nothing_is_left_behind(session, admin):
    create_project(session=session, user=admin, name="support")
    with pytest.raises(FeedbackError, match="A project named 'support' already exists"):
        create_project(session=session, user=admin, name="support ")
    with pytest.raises(FeedbackError, match="guidelines: longer than"):
        create_project(session=session, user=admin, name="other", guidelines="x" * 200_001)
    create_project(session=session, user=admin, name="third")
    names = session.exec(select(Project.name).order_by(Project.name)).all()
    assert names == ["support", "third"]  # the refused 'other' was rolled back, not committed later


@pytest.mark.parametrize("kwargs, message", [
    ({"name": " "}, "A project needs a name"),
    ({"name": "x", "overlap": 0}, "Overlap must be at least 1, not 0"),
    ({"name": "x", "gold_rate": 1.5}, "gold_rate: must be from 0 to 1"),
])
def test_bad_project_values_are_refused(session, admin, kwargs, message):
    with pytest.raises(FeedbackError, match=message):
        create_project(session=session, user=admin, **kwargs)
    assert session.exec(select(Project)).all() == []


def test_settings_change_only_what_is_given(session, admin, make_project):
    project = make_project("p")
    update_project_settings(session=session, user=admin, project=project, overlap=2, gold_rate=0.1)
    stored = session.get(Project, project.id)
    assert (stored.overlap, stored.gold_rate, stored.lease_minutes, stored.restricted) == (2, 0.1, 30, False)
    update_project_settings(session=session, user=admin, project=project, restricted=True, lease_minutes=90)
    assert (stored.overlap, stored.lease_minutes, stored.restricted) == (2, 90, True)
    with pytest.raises(FeedbackError, match="lease_minutes: must be from 1 to 10080"):
        update_project_settings(session=session, user=admin, project=project, lease_minutes=0, overlap=9)
    assert session.get(Project, project.id).overlap == 2


@pytest.mark.parametrize("role", ["annotator", "reviewer"])
def test_only_admins_manage_projects(session, make_user, make_project, role):
    user = make_user("someone", role=role)
    project = make_project("p")
    attempts = [
        lambda: create_project(session=session, user=user, name="mine"),
        lambda: update_project_settings(session=session, user=user, project=project, overlap=1),
        lambda: set_schema(session=session, user=user, project=project, schema=LabelSchema(flags=[])),
        lambda: migrate_answers(session=session, user=user, project=project, drop_flag=["unsafe"]),
        lambda: set_guidelines(session=session, user=user, project=project, text="mine"),
        lambda: set_members(session=session, user=user, project=project, names=["someone"]),
        lambda: member_options(session=session, user=user),
        lambda: list_gold_items(session=session, user=user, project=project),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied, match="Only admins may"):
            attempt()
    stored = session.get(Project, project.id)
    assert (stored.overlap, stored.schema_version, stored.guidelines_version) == (3, 1, 0)
    assert project_schema(stored) == LabelSchema()
    assert session.exec(select(Project.name)).all() == ["p"]


def test_a_deactivated_admin_is_refused(session, make_user, make_project):
    admin = make_user("old", role="admin")
    admin.active = False
    with pytest.raises(PermissionDenied):
        create_project(session=session, user=admin, name="x")


# --- members and restricted projects -----------------------------------------------------------------------

def test_a_restricted_project_is_open_only_to_its_members(session, admin, make_user, make_project):
    project = make_project("p")
    ann1, ann2, rita = make_user("ann1"), make_user("ann2"), make_user("rita", role="reviewer")
    assert may_use_project(session, ann2, project)  # open project
    update_project_settings(session=session, user=admin, project=project, restricted=True)
    project = session.get(Project, project.id)
    assert not may_use_project(session, ann1, project)
    members = set_members(session=session, user=admin, project=project, names=["ann1", " ann1 ", ""])
    assert [m.name for m in members] == ["ann1"]
    assert may_use_project(session, ann1, project) and not may_use_project(session, ann2, project)
    assert may_use_project(session, rita, project)  # reviewers see every project
    assert [m.name for m in list_members(session=session, user=rita, project=project)] == ["ann1"]
    with pytest.raises(PermissionDenied):
        list_members(session=session, user=ann1, project=project)


def test_members_are_replaced_and_unknown_names_change_nothing(session, admin, make_user, make_project):
    project = make_project("p")
    make_user("ann1"), make_user("ann2")
    set_members(session=session, user=admin, project=project, names=["ann1", "ann2"])
    with pytest.raises(NotFound, match="members: unknown users: ghost"):
        set_members(session=session, user=admin, project=project, names=["ann1", "ghost"])
    assert [m.name for m in list_members(session=session, user=admin, project=project)] == ["ann1", "ann2"]
    set_members(session=session, user=admin, project=project, names=["ann2"])
    assert [m.name for m in list_members(session=session, user=admin, project=project)] == ["ann2"]
    assert member_options(session=session, user=admin) == ["ann1", "ann2", "root"]


# --- schema versions -----------------------------------------------------------------------------------------

def test_before_any_annotation_the_schema_is_replaced_in_place(session, admin, make_project):
    project = make_project("p", items=1)
    schema = LabelSchema(flags=["rude"])
    project = set_schema(session=session, user=admin, project=project, schema=schema)
    assert project.schema_version == 1
    assert project_schema(session.get(Project, project.id)) == schema
    history = schema_history(session=session, project=project)
    assert [(h.version, h.questions["flags"]) for h in history] == [(1, ["rude"])]


def test_after_annotations_an_allowed_change_makes_a_new_version(session, admin, labelled, make_user):
    before = stored_annotation(session)
    assert before.schema_version == 1
    new = changed(labelled, rubric=[*project_schema(labelled).model_dump(mode="json")["rubric"],
                                    {"name": "tone", "max": 7, "anchors": {1: "rude", 7: "warm"}}])
    project = set_schema(session=session, user=admin, project=labelled, schema=new)
    assert project.schema_version == 2
    assert [h.version for h in schema_history(session=session, project=project)] == [2, 1]
    assert schema_history(session=session, project=project)[1].questions == LabelSchema().model_dump(mode="json")
    assert stored_annotation(session).schema_version == 1  # old answers keep the version they answered
    item = find_item(session=session, project=project, external_id="i1")
    newer = submit_annotation(session=session, user=make_user("ann2"), item_id=item.id,
                              answer=Answer(preference="a", ratings={"a": {"tone": 7}}))
    assert newer.schema_version == 2
    assert annotations_per_schema_version(session=session, project=project) == {1: 1, 2: 1}


def test_the_same_schema_is_a_no_op(session, admin, labelled):
    project = set_schema(session=session, user=admin, project=labelled, schema=project_schema(labelled))
    assert project.schema_version == 1
    assert len(schema_history(session=session, project=project)) == 1


@pytest.mark.parametrize("changes, reason", [
    ({"rubric": [{"name": "correctness"}]},
     "rubric dimension 'helpfulness' is used by 1 annotation; keep it, or migrate them first"),
    ({"rubric": [{"name": "helpfulness", "min": 3, "max": 5}]},
     ("rubric dimension 'helpfulness': 1 annotation has scores outside the new scale 3-5 "
     "(stored scores from 2 to 2); keep the scale wide enough")),
    ({"flags": ["off_task"]}, "flag 'unsafe' is used by 1 annotation; keep it, or migrate them first"),
    ({"preference_extra": ["both_bad"]}, ("preference option 'tie' was chosen in 1 annotation; keep it in "
                                         "preference_extra")),
])
def test_a_change_that_would_orphan_answers_is_refused_and_changes_nothing(session, admin, labelled, changes,
                                                                            reason):
    with pytest.raises(SchemaRefused) as e:
        set_schema(session=session, user=admin, project=labelled, schema=changed(labelled, **changes))
    assert reason in e.value.reasons
    assert str(e.value).startswith("Schema not saved: it would orphan existing answers:\n- ")
    stored = session.get(Project, labelled.id)
    assert stored.schema_version == 1 and project_schema(stored) == LabelSchema()
    assert len(session.exec(select(ProjectSchema)).all()) == 1


def test_every_orphan_is_listed_with_counts(session, admin, labelled, make_user):
    ann2 = make_user("ann2")
    item = find_item(session=session, project=labelled, external_id="i1")
    submit_annotation(session=session, user=ann2, item_id=item.id, answer=Answer(
        preference="a", ratings={"a": {"helpfulness": 5, "safety": 1}}, flags={"a": ["unsafe", "off_task"]},
        correction="Better.", rationale="Because."))
    new = LabelSchema(rubric=[{"name": "safety"}], flags=[], correction=False, rationale=False)
    reasons = orphaned_answers(session=session, project=labelled, schema=new)
    assert reasons == [
        "rubric dimension 'helpfulness' is used by 2 annotations; keep it, or migrate them first",
        "flag 'off_task' is used by 1 annotation; keep it, or migrate them first",
        "flag 'unsafe' is used by 2 annotations; keep it, or migrate them first",
        "corrections are written in 1 annotation; keep correction: true",
        "rationales are written in 1 annotation; keep rationale: true",
    ]


def test_narrowing_is_allowed_when_no_stored_score_is_outside(session, admin, labelled):
    project = set_schema(session=session, user=admin, project=labelled,
                         schema=changed(labelled, rubric=[{"name": "helpfulness", "min": 1, "max": 4}]))
    assert project.schema_version == 2 and project_schema(project).dimension("correctness") is None


def test_ties_in_stored_rankings_keep_ranking_ties(session, admin, make_project, make_user, add_item):
    project = make_project("r")
    add_item(session, project, external_id="i0", outputs=("x", "y", "z"))
    session.commit()
    set_schema(session=session, user=admin, project=project, schema=LabelSchema(ranking_ties=True))
    item = find_item(session=session, project=project, external_id="i0")
    submit_annotation(session=session, user=make_user("ann1"), item_id=item.id,
                      answer=Answer(ranking={"a": 1, "b": 1, "c": 2}))
    with pytest.raises(SchemaRefused, match="tied ranks are used by 1 annotation; keep ranking_ties: true"):
        set_schema(session=session, user=admin, project=project, schema=LabelSchema(ranking_ties=False))


# --- explicit migration ---------------------------------------------------------------------------------------

def test_migration_renames_and_drops_in_stored_answers_and_makes_a_new_version(session, admin, labelled):
    report = migrate_answers(session=session, user=admin, project=labelled,
                             rename_dimension={"helpfulness": "usefulness"}, drop_flag=["unsafe"])
    assert (report.version, report.annotations_changed) == (2, 1)
    assert report.changes == {"drop flag 'unsafe'": 1, "rename rubric dimension 'helpfulness' to 'usefulness'": 1}
    assert report.summary_lines()[0] == "Schema of 'p' is now version 2; 1 annotation rewritten"
    ann = stored_annotation(session)
    session.refresh(ann)
    assert ann.ratings == {"a": {"usefulness": 2}, "b": {"usefulness": 4}}
    assert ann.flags == {} and ann.schema_version == 2
    schema = project_schema(session.get(Project, labelled.id))
    assert [d.name for d in schema.rubric] == ["usefulness", "correctness", "safety"]
    assert schema.flags == ["factual_error", "off_task"]
    assert [h.version for h in schema_history(session=session, project=labelled)] == [2, 1]
    # the old name is now free to be removed: nothing orphans
    assert orphaned_answers(session=session, project=labelled, schema=changed(labelled, flags=[])) == []


@pytest.mark.parametrize("kwargs, message", [
    ({}, "Nothing to migrate"),
    ({"drop_dimension": ["speed"]}, "drop_dimension: the project has no rubric dimension 'speed'"),
    ({"rename_flag": {"rude": "impolite"}}, "rename_flag: the project has no flag 'rude'"),
    ({"rename_dimension": {"helpfulness": "safety"}}, "rename_dimension: 'safety' is already taken"),
    ({"rename_dimension": {"helpfulness": "Use Ful"}}, "rename_dimension: 'Use Ful' is not a valid name"),
    ({"rename_flag": {"unsafe": "x"}, "drop_flag": ["unsafe"]}, "rename_flag and drop_flag both name 'unsafe'"),
])
def test_a_bad_migration_changes_nothing(session, admin, labelled, kwargs, message):
    with pytest.raises(FeedbackError, match=message):
        migrate_answers(session=session, user=admin, project=labelled, **kwargs)
    assert session.get(Project, labelled.id).schema_version == 1
    assert stored_annotation(session).ratings == {"a": {"helpfulness": 2}, "b": {"helpfulness": 4}}


# --- guidelines -------------------------------------------------------------------------------------------------

def test_guidelines_are_versioned_and_the_same_text_makes_no_version(session, admin, make_project, make_user):
    project = make_project("p", items=1)
    assert current_guidelines(session=session, project=project) is None
    assert set_guidelines(session=session, user=admin, project=project, text="Prefer *short* answers.") == 1
    assert set_guidelines(session=session, user=admin, project=project, text="Prefer *short* answers.\n\n") == 1
    assert set_guidelines(session=session, user=admin, project=project, text="Prefer correct answers.") == 2
    assert [g.version for g in guidelines_history(session=session, project=project)] == [2, 1]
    assert session.get(Project, project.id).guidelines_version == 2
    item = find_item(session=session, project=project, external_id="i0")
    ann = submit_annotation(session=session, user=make_user("ann1"), item_id=item.id, answer=Answer(preference="a"))
    assert ann.guidelines_version == 2
    assert len(session.exec(select(Guidelines)).all()) == 2


# --- items and gold ---------------------------------------------------------------------------------------------

def test_gold_items_are_listed_by_project(session, admin, make_project):
    project = make_project("p", items=3)
    other = make_project("q", items=1)
    assert list_gold_items(session=session, user=admin, project=project) == []
    for external_id in ("i2", "i0"):
        item = find_item(session=session, project=project, external_id=external_id)
        set_gold(session=session, user=admin, item_id=item.id, answer={"preference": "a"})
    set_gold(session=session, user=admin, item_id=find_item(session=session, project=other, external_id="i0").id,
             answer={"preference": "b"})
    gold = list_gold_items(session=session, user=admin, project=project)
    assert [(g.external_id, g.gold_answer) for g in gold] == [("i0", {"preference": "a"}), ("i2", {"preference": "a"})]
    with pytest.raises(NotFound, match="item: project 'p' has no item with id 'i9'"):
        find_item(session=session, project=project, external_id="i9")


def test_text_typed_on_the_page_becomes_renames_names_and_gold_answers():
    assert renames_from_text(" a=b , ,c = d", "rename_flag") == {"a": "b", "c": "d"}
    with pytest.raises(FeedbackError, match="rename_flag: expected OLD=NEW, not 'a'"):
        renames_from_text("a", "rename_flag")
    assert names_from_text(" x, ,y ") == ["x", "y"]
    assert gold_answer_from_text("preference", " tie ") == {"preference": "tie"}
    assert gold_answer_from_text("ranking", "a=1, b=2,c=2") == {"ranking": {"a": 1, "b": 2, "c": 2}}
    with pytest.raises(FeedbackError, match="gold.ranking: 'b:2' is not CANDIDATE=RANK"):
        gold_answer_from_text("ranking", "a=1, b:2")
    with pytest.raises(FeedbackError, match="gold.preference: type the known answer"):
        gold_answer_from_text("preference", " ")
