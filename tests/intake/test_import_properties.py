"""Property-based tests of every importer entry (JSONL and CSV, from a path and from bytes) with hypothesis.

Whatever the file holds, ``import_file`` either imports it (and then stores one item per line and every
annotation and suggestion given) or raises ``ImportRejected`` / ``FeedbackError`` whose problems each name a
line of the file and a field (empty for a problem of the whole line); never any other exception. With
``skip_invalid``, good lines mixed with arbitrary bad lines import exactly the good ones.

Examples are derandomized (the same ones on every run, so CI cannot flake) and few enough that the module
runs in well under 30 seconds.
"""

import csv
import io
import itertools
import json
import string

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, func, select

from feedback.errors import FeedbackError, ImportRejected
from feedback.intake.importer import import_file
from feedback.intake.records import is_empty
from feedback.store.engine import create_schema, make_engine
from feedback.store.tables import Annotation, Item, Project, Suggestion

PROPERTY = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
_projects = itertools.count()

# -- arbitrary JSON, and plausible values for each field (so that many lines are valid, some nearly so)

TEXT = st.text(max_size=12)  # any code point, NUL and lone surrogates included
CLEAN_TEXT = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), min_size=1,
                     max_size=12).filter(str.strip)
BLANK = st.sampled_from(["", " ", "\n\t"])


def json_values(text, allow_nan=True):
    return st.recursive(
        st.none() | st.booleans() | st.integers() | st.integers(min_value=-(10**30), max_value=10**30)
        | st.floats(allow_nan=allow_nan, allow_infinity=allow_nan) | text,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
        max_leaves=12,
    )


JSON = json_values(TEXT)
CLEAN_JSON = json_values(CLEAN_TEXT, allow_nan=False)  # valid JSON a database can store (no NUL, no surrogate)
KEYS = ["a", "b", "c", "d"]
NAME = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=8)
DIMENSIONS = ["helpfulness", "correctness", "safety"]  # the default rubric, scores 1 to 5
FLAGS = ["unsafe", "factual_error", "off_task"]


class Field:
    """Draws a field's value: on a wild line, sometimes any JSON (or a near miss); on a clean line, a valid one."""

    def __init__(self, draw, wild: bool):
        self.draw, self.wild = draw, wild

    def __call__(self, valid, near_miss=None):
        if self.wild and self.draw(st.integers(0, 3)) == 0:
            return self.draw(JSON)
        if self.wild and near_miss is not None and self.draw(st.booleans()):
            return self.draw(near_miss)
        return self.draw(valid)

    def maybe(self, chance: int = 2) -> bool:
        """Whether to give an optional field (1 in ``chance``)."""
        return self.draw(st.integers(1, chance)) == 1


@st.composite
def answers(draw, keys, name, *, who, wild):
    """An annotation (``who="annotator"``) or suggestion (``who="agent"``) on candidates ``keys``."""
    pick = Field(draw, wild)
    extra = ["tie", "both_bad"] if len(keys) == 2 else []
    key = st.sampled_from(keys)
    out = {who: pick(st.just(name), NAME)}
    if len(keys) < 3 or pick.maybe():
        out["preference"] = pick(st.sampled_from(keys + extra), st.sampled_from(["tie", "", "z"]))
    if len(keys) >= 3 and pick.maybe():
        ranks = draw(st.permutations(range(1, len(keys) + 1)))
        out["ranking"] = pick(st.just(dict(zip(keys, ranks))), st.just(dict(zip(keys, [1] * len(keys)))))
    if pick.maybe(3):
        scores = st.dictionaries(st.sampled_from(DIMENSIONS), st.integers(1, 5), max_size=3)
        out["ratings"] = pick(st.dictionaries(key, scores, max_size=3),
                              st.dictionaries(key, st.dictionaries(st.just("x"), st.integers(0, 6)), max_size=2))
    if pick.maybe(3):
        out["flags"] = pick(st.dictionaries(key, st.lists(st.sampled_from(FLAGS), max_size=2), max_size=2),
                            st.dictionaries(key, st.just(["nope"]), min_size=1, max_size=1))
    if pick.maybe(3):
        out["rationale"] = pick(CLEAN_TEXT, TEXT)
    if who == "annotator":
        if pick.maybe():
            out["shown_order"] = pick(st.permutations(keys).map(list),
                                      st.lists(JSON, max_size=3) | st.just([[], *keys[1:]]))
        if pick.maybe(3):
            out["time_spent_s"] = pick(st.floats(0, 1000), st.floats() | st.just(True))
        if pick.maybe(4):
            out["correction"] = pick(CLEAN_TEXT, TEXT)
        if wild and pick.maybe(4):
            out["thumbs"] = pick(st.just({}), st.dictionaries(key, st.booleans(), min_size=1))
    elif pick.maybe(3):
        out["score"] = pick(st.floats(0, 1), st.booleans() | TEXT)
    if not wild and all(is_empty(v) for k, v in out.items() if k not in (who, "shown_order", "time_spent_s", "score")):
        out["rationale"] = "because"  # a clean answer answers something
    return out


@st.composite
def item_lines(draw, wild=None):
    """A line of a JSONL file: an object with the item's fields, each valid (a clean line), or on a wild line
    sometimes arbitrary JSON, a near miss, or an unknown field."""
    wild = draw(st.integers(0, 2)) == 0 if wild is None else wild
    pick = Field(draw, wild)
    n = draw(st.integers(1, 4))
    keys = KEYS[:n]
    line = {}
    if pick.maybe():
        line["id"] = pick(NAME | st.integers(0, 10**6), st.sampled_from(["", " "]) | st.booleans())
    if pick.maybe(5):
        message = st.fixed_dictionaries({"role": st.sampled_from(["user", "system"]), "content": CLEAN_TEXT})
        line["messages"] = pick(st.lists(message, min_size=1, max_size=2),
                                st.lists(st.fixed_dictionaries({"role": JSON, "content": JSON}), max_size=2))
    else:
        line["prompt"] = pick(CLEAN_TEXT, TEXT)
    cands = []
    for key in keys:
        cand = {"output": pick(CLEAN_TEXT | BLANK, TEXT)}  # a blank output is an agent that returned nothing: valid
        if pick.maybe():
            cand["id"] = pick(st.just(key), st.integers() | st.just(["a"]) | st.just({"k": 1}))
        for name in ("model", "version"):
            if pick.maybe(3):
                cand[name] = pick(NAME, TEXT)
        if pick.maybe(4):
            cand["metadata"] = pick(st.dictionaries(NAME, CLEAN_JSON, max_size=2))
        if wild and pick.maybe(6):
            cand["messages"] = draw(JSON)
        cands.append(cand)
    line["candidates"] = pick(st.just(cands), st.just(cands * 5) | st.just([]))
    if pick.maybe():
        line["annotations"] = [draw(answers(keys, f"ann{j}", who="annotator", wild=wild))
                               for j in range(draw(st.integers(0, 3)))]
    if pick.maybe(3):
        line["suggestions"] = [draw(answers(keys, f"judge{j}", who="agent", wild=wild))
                               for j in range(draw(st.integers(0, 2)))]
    if pick.maybe(4):
        line["gold"] = pick(st.fixed_dictionaries({"preference": st.sampled_from(keys)}),
                            st.just({}) | st.fixed_dictionaries({"ranking": JSON}))
    if pick.maybe(4):
        line["tools"] = pick(st.lists(st.fixed_dictionaries({"name": NAME}), max_size=2),
                             st.lists(st.fixed_dictionaries({"function": JSON}), min_size=1, max_size=2))
    if pick.maybe(3):
        line["metadata"] = pick(st.dictionaries(NAME.filter(lambda k: k != "tools"), CLEAN_JSON, max_size=3))
    if pick.maybe(3):
        line["priority"] = pick(st.integers(-5, 5), st.just(2.5) | st.integers() | st.just("1"))
    if wild and pick.maybe(4):
        line[draw(NAME)] = draw(JSON)  # an unknown field (or a known one, with any value)
    return line


def dumps(value) -> bytes:
    return json.dumps(value).encode("utf-8", "surrogatepass")


# -- the database: one per module, a new project per example


@pytest.fixture(scope="module")
def db():
    engine = make_engine("sqlite://")
    create_schema(engine)
    yield engine
    engine.dispose()


def run(engine, data: bytes, filename: str, *, skip_invalid: bool = False, tmp_path=None):
    """Import ``data`` into a new project (from bytes, or from a file when ``tmp_path`` is given)."""
    name = f"p{next(_projects)}"
    with Session(engine, expire_on_commit=False) as session:
        if tmp_path is None:
            source = {"path": None, "data": data, "filename": filename}
        else:
            path = tmp_path / f"{name}-{filename}"
            path.write_bytes(data)
            source = {"path": path}
        try:
            report = import_file(session=session, user=None, project=name, skip_invalid=skip_invalid, **source)
        except FeedbackError as e:
            event("rejected")  # how often each outcome is met: pytest --hypothesis-show-statistics
            return name, None, e
        event("imported, some lines skipped" if report.problems else "imported")
        return name, report, None


def stored(engine, project: str) -> tuple[int, int, int]:
    """(items, annotations, suggestions) stored in ``project``."""
    with Session(engine) as session:
        pid = session.exec(select(Project.id).where(Project.name == project)).first()
        if pid is None:
            return 0, 0, 0
        ids = select(Item.id).where(Item.project_id == pid)
        return tuple(session.exec(select(func.count()).select_from(model).where(column.in_(ids))).one()
                     for model, column in ((Item, Item.id), (Annotation, Annotation.item_id),
                                           (Suggestion, Suggestion.item_id)))


def assert_named(error: FeedbackError, n_lines: int) -> None:
    """Every problem names a line of the file and a field (empty: the whole line)."""
    assert isinstance(error, FeedbackError)
    problems = getattr(error, "problems", [])
    assert problems or "empty" in str(error) or str(error) == "skipped", error
    for problem in problems:
        assert 1 <= problem.line <= n_lines and isinstance(problem.field, str), problem
        assert str(problem).startswith(f"line {problem.line}"), problem


@PROPERTY
@given(lines=st.lists(item_lines(), min_size=1, max_size=4), from_path=st.booleans())
def test_any_jsonl_file_imports_or_names_each_problem(db, tmp_path_factory, lines, from_path):
    data = b"".join(dumps(line) + b"\n" for line in lines)
    tmp = tmp_path_factory.mktemp("jsonl") if from_path else None
    project, report, error = run(db, data, "items.jsonl", tmp_path=tmp)
    if error is not None:
        assert_named(error, len(lines))
        assert stored(db, project) == (0, 0, 0)  # nothing was written
        return
    assert report.items_added == len(lines)
    annotations = sum(len(line.get("annotations") or []) for line in lines)
    suggestions = sum(len(line.get("suggestions") or []) for line in lines)
    assert stored(db, project) == (len(lines), annotations, suggestions)


BAD_TEXT = st.one_of(
    st.text(max_size=30),
    st.binary(min_size=1, max_size=20),
    JSON.map(lambda value: json.dumps(value)),
).map(lambda raw: raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass"))


def bad_line(draw) -> bytes:
    """A line that cannot be a valid item: not JSON, not an object, or an item with a broken field."""
    if draw(st.booleans()):
        raw = draw(BAD_TEXT).replace(b"\n", b" ")
        assume(raw.removeprefix(b"\xef\xbb\xbf").strip())  # not blank (blank lines are not counted)
        text = raw.decode("utf-8", "replace")
        assume(text.strip() not in ("[", "{"))  # a lone bracket: the file is one JSON document, refused whole
        try:
            assume(not isinstance(json.loads(text), dict))
        except ValueError:
            pass
        return raw
    line = draw(item_lines(wild=True))
    breakage = draw(st.sampled_from([
        {"candidates": []}, {"prompt": ""}, {"priority": "high"}, {"promt": "typo"}, {"annotations": [{}]},
        {"candidates": [{"id": 5, "output": "x"}],
         "annotations": [{"annotator": "u", "preference": "a", "shown_order": ["a"]}]},
        {"candidates": [{"id": "[]", "output": "x"}, {"id": "b", "output": "y"}],
         "annotations": [{"annotator": "u", "preference": "b", "shown_order": [[], "b"]}]},
        {"candidates": [{"output": str(k)} for k in range(17)]},
    ]))
    return dumps({**line, **breakage})


@st.composite
def mixed_files(draw):
    """(the lines of a file, how many of them are good, the annotations and suggestions on those)."""
    good = []
    for k in range(draw(st.integers(0, 4))):
        line = draw(item_lines(wild=False))
        line.pop("messages", None)
        good.append({**line, "id": f"good-{k}", "prompt": f"question {k}"})
    bad = [bad_line(draw) for _ in range(draw(st.integers(1, 4)))]
    lines = draw(st.permutations([dumps(line) for line in good] + bad))
    return lines, len(good), sum(len(line.get("annotations", [])) for line in good), \
        sum(len(line.get("suggestions", [])) for line in good)


@PROPERTY
@given(file=mixed_files())
def test_skip_invalid_imports_exactly_the_good_jsonl_lines(db, file):
    lines, n_good, n_annotations, n_suggestions = file
    project, report, error = run(db, b"".join(line + b"\n" for line in lines), "mixed.jsonl", skip_invalid=True)
    assert error is None, f"{error}: {getattr(error, 'problems', None)}"
    assert (report.items_added, report.n_invalid) == (n_good, len(lines) - n_good)
    assert_named(ImportRejected("skipped", report.problems), len(lines))
    assert stored(db, project) == (n_good, n_annotations, n_suggestions)


COLUMNS = ["prompt", "output_a", "output_b", "output_c", "model_a", "model_b", "id", "priority", "gold_preference"]


@st.composite
def csv_files(draw):
    """CSV text: arbitrary, or a header of known (and a few unknown) columns over rows of arbitrary cells."""
    if draw(st.integers(0, 3)) == 0:
        return draw(st.text(max_size=80)), None
    if draw(st.integers(0, 3)) == 0:
        header = draw(st.lists(st.sampled_from(COLUMNS + ["extra"]), min_size=1, max_size=7, unique=True))
    else:
        others = draw(st.lists(st.sampled_from(COLUMNS[3:]), max_size=4, unique=True))
        header = draw(st.permutations(COLUMNS[:3] + others))
    cell = st.one_of(CLEAN_TEXT, CLEAN_TEXT, st.text(max_size=10), st.sampled_from(["a", "b", "tie", "3", "-1", ""]))
    rows = draw(st.lists(st.lists(cell, min_size=len(header), max_size=len(header)), max_size=4))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    return out.getvalue(), [row for row in rows if any(c.strip() for c in row)]


@PROPERTY
@given(file=csv_files(), skip_invalid=st.booleans(), from_path=st.booleans())
def test_any_csv_file_imports_or_names_each_problem(db, tmp_path_factory, file, skip_invalid, from_path):
    text, rows = file
    data = text.encode("utf-8", "surrogatepass")
    tmp = tmp_path_factory.mktemp("csv") if from_path else None
    project, report, error = run(db, data, "items.csv", skip_invalid=skip_invalid, tmp_path=tmp)
    n_lines = data.count(b"\n") + data.count(b"\r") + 1
    if error is not None:
        assert_named(error, n_lines)
        assert stored(db, project) == (0, 0, 0)
        return
    assert_named(ImportRejected("skipped", report.problems), n_lines)
    if rows is not None:
        assert report.n_lines == len(rows)
    assert report.items_added == report.n_lines - report.n_invalid
    assert stored(db, project) == (report.items_added, 0, 0)


@PROPERTY
@given(data=st.data())
def test_skip_invalid_imports_exactly_the_good_csv_rows(db, data):
    n_good = data.draw(st.integers(0, 4))
    good = [[f"question {k}", data.draw(st.sampled_from(["yes", "", " "])), "no",  # "": the agent said nothing
             data.draw(st.sampled_from(["", "a", "tie"]))] for k in range(n_good)]
    cell = st.text(st.characters(exclude_categories=["Cs"]), max_size=5)  # a lone surrogate is not UTF-8
    bad_row = st.one_of(
        st.tuples(st.sampled_from(["", " "]), st.just("x"), cell, st.just("")).map(list),
        st.tuples(st.just("q"), st.just("yes"), st.just("no"), cell.filter(
            lambda s: s.strip() not in ("", "a", "b", "tie", "both_bad"))).map(list),
        st.lists(st.text(string.ascii_letters, min_size=1, max_size=3), min_size=1, max_size=3),  # too few fields
    )
    bad = data.draw(st.lists(bad_row, min_size=1, max_size=4))
    rows = data.draw(st.permutations(good + bad))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([["prompt", "output_a", "output_b", "gold_preference"], *rows])
    project, report, error = run(db, out.getvalue().encode("utf-8", "surrogatepass"), "mixed.csv",
                                 skip_invalid=True)
    assert error is None, f"{error}: {getattr(error, 'problems', None)}"
    assert (report.items_added, report.n_invalid) == (n_good, len(bad))
    assert stored(db, project) == (n_good, 0, 0)
