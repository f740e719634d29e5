"""Label schemas: parsing (every error names its field), YAML/JSON files, round trip, answer validation."""

import json
from pathlib import Path

import pytest
import yaml

from feedback.errors import FeedbackError
from feedback.projects.answers import answer_problems
from feedback.projects.schema import (
    LabelSchema,
    load_schema_file,
    parse_schema,
    parse_schema_text,
    schema_to_yaml,
)
from feedback.projects.schema_editor import editor_rows, schema_from_editor

FULL_YAML = """\
preference_required: true
preference_extra: [tie]
ranking_required: false
ranking_ties: true
rubric:
  - name: helpfulness
    description: Does it do what the user asked?
    min: 1
    max: 7
    anchors: {1: useless, 4: partly, 7: perfect}
    required: true
  - name: tone
    label: Tone of voice
thumbs: true
thumbs_required: true
flags: [unsafe, leaks_pii]
correction: true
correction_required: false
rationale: true
rationale_required: true
"""


@pytest.mark.parametrize("data, message", [
    ({"rubric": [{"name": "a"}, {"name": "b", "min": 1, "max": 7, "anchors": {9: "x"}}]},
     "rubric[1].anchors: 9 is outside the scale 1-7"),
    ({"rubrik": []}, "rubrik: unknown field; did you mean 'rubric'?"),
    ({"rubric": [{"name": "a", "anchor": {1: "x"}}]}, "rubric[0].anchor: unknown field; did you mean 'anchors'?"),
    ({"flags": ["Bad Flag"]}, "flags[0]: 'Bad Flag' is not a valid name"),
    ({"flags": ["unsafe", "unsafe"]}, "flags[1]: 'unsafe' appears twice"),
    ({"rubric": [{"name": "a", "max": "five"}]}, "rubric[0].max: must be a whole number, not 'five'"),
    ({"rubric": [{"name": "a", "min": True}]}, "rubric[0].min: must be a whole number, not True"),
    ({"rubric": [{"name": "a", "min": 5, "max": 5}]}, "rubric[0].max: must be greater than min (5), not 5"),
    ({"rubric": [{"name": "a", "max": 20}]}, "rubric[0].max: the scale 1-20 has 20 points; at most 11"),
    ({"rubric": [{"name": "a"}, {"name": "a"}]}, "rubric[1].name: 'a' appears twice"),
    ({"rubric": [{"label": "x"}]}, "rubric[0].name: required"),
    ({"rubric": "helpfulness"}, "rubric: must be a list"),
    ({"thumbs_required": True}, "thumbs_required: needs thumbs: true"),
    ({"rationale": False, "rationale_required": True}, "rationale_required: needs rationale: true"),
    ({"preference_extra": ["tie", "maybe"]}, "preference_extra[1]: 'maybe' is not one of 'tie', 'both_bad'"),
    ({"thumbs": "yes please"}, "thumbs: must be true or false, not 'yes please'"),
])
def test_a_bad_schema_names_the_field_and_the_reason(data, message):
    with pytest.raises(FeedbackError) as e:
        parse_schema(data)
    assert message in str(e.value)


def test_every_problem_is_listed_at_once():
    with pytest.raises(FeedbackError) as e:
        parse_schema({"flags": ["ok", "Not OK"], "rubric": [{"name": "x", "max": 3, "anchors": {4: "too far"}}],
                      "thumbz": True}, source="team.yaml")
    text = str(e.value)
    assert text.startswith("team.yaml: ")
    for part in ("flags[1]: 'Not OK'", "rubric[0].anchors: 4 is outside the scale 1-3",
                 "thumbz: unknown field; did you mean 'thumbs'?"):
        assert part in text


def test_a_schema_that_is_not_a_mapping_says_what_it_is():
    with pytest.raises(FeedbackError, match="a schema is a mapping of field: value .* not list"):
        parse_schema(["helpfulness"])


def test_an_empty_schema_is_the_default_one():
    schema = parse_schema(None)
    assert schema == LabelSchema()
    assert [d.name for d in schema.rubric] == ["helpfulness", "correctness", "safety"]
    assert schema.preference_extra == ["tie", "both_bad"]


def test_a_full_yaml_schema_reads_every_question():
    schema = parse_schema_text(FULL_YAML)
    helpfulness = schema.dimension("helpfulness")
    assert (helpfulness.min, helpfulness.max, helpfulness.required) == (1, 7, True)
    assert helpfulness.anchors == {1: "useless", 4: "partly", 7: "perfect"}
    assert schema.dimension("tone").title == "Tone of voice"
    assert schema.dimension("helpfulness").title == "Helpfulness"
    assert (schema.thumbs, schema.thumbs_required, schema.ranking_ties) == (True, True, True)
    assert schema.flags == ["unsafe", "leaks_pii"]


def test_round_trip_through_yaml_gives_the_same_schema():
    schema = parse_schema_text(FULL_YAML)
    text = schema_to_yaml(schema)
    assert parse_schema_text(text) == schema
    assert "label: ''" not in text and "anchors: {}" not in text  # empty parts are left out
    assert parse_schema_text(schema_to_yaml(LabelSchema())) == LabelSchema()


def test_anchor_points_written_as_text_in_json_are_read_as_numbers():
    text = json.dumps({"rubric": [{"name": "clarity", "max": 3, "anchors": {"1": "unclear", "3": "clear"}}]})
    assert parse_schema_text(text, fmt="json").dimension("clarity").anchors == {1: "unclear", 3: "clear"}


def test_bad_yaml_says_the_line():
    with pytest.raises(FeedbackError, match=r"schema: not valid YAML \(line 2, column 3\)"):
        parse_schema_text("rubric: [\n  - a")


def test_bad_json_file_says_the_line(tmp_path):
    path = tmp_path / "s.json"
    path.write_text('{"flags": ["a",\n]}', encoding="utf-8")
    with pytest.raises(FeedbackError, match=r"s.json: not valid JSON \(line 2, column 1\)"):
        load_schema_file(path)


def test_schema_files(tmp_path):
    good = tmp_path / "schema.yml"
    good.write_text(FULL_YAML, encoding="utf-8")
    assert load_schema_file(good).flags == ["unsafe", "leaks_pii"]
    as_json = tmp_path / "schema.JSON"
    as_json.write_text(json.dumps({"flags": ["x"]}), encoding="utf-8")
    assert load_schema_file(as_json).flags == ["x"]


@pytest.mark.parametrize("name, content, message", [
    ("schema.txt", "flags: []", "schema.txt: a schema file ends in .yaml, .yml or .json"),
    ("empty.yaml", "  \n", "empty.yaml: the file is empty"),
    ("latin.yaml", "flags: [caf\xe9]".encode("latin-1"), "latin.yaml: not valid UTF-8"),
    ("bad.yaml", "rubric:\n  - name: x\n    max: seven\n", "bad.yaml: rubric[0].max: must be a whole number"),
])
def test_bad_schema_files_name_the_file(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(FeedbackError) as e:
        load_schema_file(path)
    assert message in str(e.value)


def test_a_missing_schema_file_is_an_error(tmp_path):
    with pytest.raises(FeedbackError, match="no such file"):
        load_schema_file(tmp_path / "nope.yaml")


# --- answers -----------------------------------------------------------------------------------------------

THREE = ["a", "b", "c"]


def problems(schema, keys=("a", "b"), **answer):
    answer.setdefault("preference", None)
    answer.setdefault("ratings", {})
    answer.setdefault("flags", {})
    return answer_problems(schema, list(keys), **answer)


def test_a_full_ranking_without_ties_is_valid():
    assert problems(LabelSchema(), THREE, ranking={"a": 2, "b": 1, "c": 3}) == []


@pytest.mark.parametrize("ranking, ties, reason", [
    ({"a": 1, "b": 1, "c": 2}, False, "ties are not allowed: each rank from 1 to 3 once (shared: 1)"),
    ({"a": 1, "b": 1, "c": 3}, True, "tied ranks must be dense (1, 1, 2 rather than 1, 1, 3): rank 2 is missing"),
    ({"a": 1, "b": 2}, False, "rank every candidate; missing: c"),
    ({"a": 1, "b": 2, "c": 2}, False, "ties are not allowed"),
    ([1, 2, 3], False, "must be an object of candidate id: rank"),
])
def test_bad_rankings(ranking, ties, reason):
    found = problems(LabelSchema(ranking_ties=ties), THREE, ranking=ranking)
    assert len(found) == 1 and found[0][0] == "ranking" and reason in found[0][1]


def test_ties_are_accepted_when_the_schema_allows_them():
    assert problems(LabelSchema(ranking_ties=True), THREE, ranking={"a": 1, "b": 1, "c": 2}) == []


def test_rank_values_and_keys_are_checked():
    found = problems(LabelSchema(), THREE, ranking={"a": 1, "b": 4, "z": 2, "c": True})
    assert ("ranking.z", "no candidate with id 'z'") in found
    assert ("ranking.b", "4 is not a whole number from 1 to 3") in found
    assert ("ranking.c", "True is not a whole number from 1 to 3") in found


def test_two_candidates_are_not_ranked():
    assert problems(LabelSchema(), ranking={"a": 1, "b": 2}) == [
        ("ranking", "only items with 3 or more candidates are ranked; this one has 2")]


def test_thumbs_only_when_asked_and_only_booleans():
    assert problems(LabelSchema(), thumbs={"a": True}) == [("thumbs", "this project does not ask for thumbs up or down")]
    asked = LabelSchema(thumbs=True)
    assert problems(asked, thumbs={"a": True, "b": False}) == []
    assert problems(asked, thumbs={"a": "up", "q": True}) == [
        ("thumbs.a", "'up' is not true (up) or false (down)"), ("thumbs.q", "no candidate with id 'q'")]


def test_preference_must_be_a_candidate_or_an_allowed_option():
    schema = LabelSchema(preference_extra=["tie"])
    assert problems(schema, preference="tie") == []
    assert problems(schema, preference="both_bad") == [("preference", "'both_bad' is not one of 'a', 'b', 'tie'")]


def test_scores_outside_the_scale_and_unknown_dimensions_and_flags():
    schema = parse_schema({"rubric": [{"name": "clarity", "min": 1, "max": 7}], "flags": ["unsafe"]})
    found = problems(schema, ratings={"a": {"clarity": 8, "speed": 3}}, flags={"b": ["rude"]})
    assert ("ratings.a.clarity", "8 is not a whole number from 1 to 7") in found
    assert ("ratings.a.speed", "unknown rubric dimension (the project has: clarity)") in found
    assert ("flags.b", "unknown flag 'rude' (the project has: unsafe)") in found
    assert problems(schema, ratings={"a": {"clarity": 7}}, flags={"b": ["unsafe"]}) == []


def test_required_questions_are_checked_on_submit_only():
    schema = parse_schema({"rubric": [{"name": "clarity", "required": True}], "thumbs": True,
                           "thumbs_required": True, "rationale_required": True, "preference_extra": []})
    assert problems(schema) == []
    found = problems(schema, check_required=True, rationale="  ")
    assert ("preference", "required: choose which answer is better") in found
    assert ("ratings.a.clarity", "required: a score from 1 to 5") in found
    assert ("thumbs.b", "required: thumbs up or down") in found
    assert ("rationale", "required: say why") in found
    complete = problems(schema, check_required=True, preference="a", rationale="clearer",
                        ratings={"a": {"clarity": 4}, "b": {"clarity": 2}}, thumbs={"a": True, "b": False})
    assert complete == []


def test_a_required_ranking_for_three_candidates_and_optional_preference():
    schema = LabelSchema(preference_required=False)
    assert problems(schema, check_required=True) == []
    assert problems(schema, THREE, check_required=True) == [("ranking", "required: rank the answers (1 = best)")]
    assert problems(LabelSchema(ranking_required=False), THREE, check_required=True) == []


def test_a_correction_the_schema_does_not_ask_for_is_refused():
    schema = LabelSchema(correction=False)
    assert ("correction", "this project does not ask for a correction") in problems(
        schema, check_required=True, preference="a", correction="better text")


# --- the structured editor of the Projects page ---------------------------------------------------------------

def test_editor_rows_round_trip_with_anchors_as_text():
    schema = parse_schema_text(FULL_YAML)
    rows = editor_rows(schema)
    assert rows[0]["anchors"] == "1=useless; 4=partly; 7=perfect"
    toggles = schema.model_dump(exclude={"rubric", "flags"})
    assert schema_from_editor(toggles, rows, ", ".join(schema.flags)) == schema


def test_editor_blank_rows_and_cells_as_a_table_gives_them():
    rows = [{"name": "tone", "label": None, "description": float("nan"), "min": 1.0, "max": 7.0,
             "anchors": " 1=rude ;7= warm ", "required": True},
            {"name": None, "label": "", "description": None, "min": None, "max": None, "anchors": None,
             "required": None}]
    schema = schema_from_editor({"thumbs": True}, rows, " unsafe , ,rude")
    assert [d.name for d in schema.rubric] == ["tone"]
    tone = schema.dimension("tone")
    assert (tone.min, tone.max, tone.anchors, tone.required) == (1, 7, {1: "rude", 7: "warm"}, True)
    assert schema.flags == ["unsafe", "rude"] and schema.thumbs


@pytest.mark.parametrize("rows, message", [
    ([{"name": "x", "anchors": "1 bad"}], "rubric[0].anchors: '1 bad' is not POINT=TEXT"),
    ([{"name": "x", "max": 3, "anchors": "9=far"}], "rubric[0].anchors: 9 is outside the scale 1-3"),
    ([{"name": "ok"}, {"name": "", "label": "Tone"}], "rubric[1].name: '' is not a valid name"),
    ([{"name": "x", "max": 2.5}], "rubric[0].max: must be a whole number, not 2.5"),
])
def test_editor_errors_name_the_row(rows, message):
    with pytest.raises(FeedbackError) as e:
        schema_from_editor({}, rows, "")
    assert message in str(e.value)


def test_the_readme_schema_example_is_valid_and_complete():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Projects, label schemas and guidelines", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    schema = parse_schema_text(example, source="README")
    assert schema.dimension("helpfulness").anchors == {1: "useless", 4: "partly done", 7: "perfect"}
    assert set(yaml.safe_load(example)) == set(LabelSchema.model_fields)  # every field is shown


def test_rows_added_with_plus_and_left_blank_do_not_block_saving():
    """The editor's "+" gives a new row the column defaults (min 1, max 5, required unticked): still blank."""
    rows = [{"name": "tone", "label": None, "description": None, "min": 1, "max": 5, "anchors": None,
             "required": False},
            {"name": None, "label": None, "description": None, "min": 1.0, "max": 5.0, "anchors": None,
             "required": False},
            {"name": "  ", "label": "", "description": float("nan"), "min": 1, "max": 5, "anchors": "",
             "required": True}]
    assert [d.name for d in schema_from_editor({}, rows, "").rubric] == ["tone"]
