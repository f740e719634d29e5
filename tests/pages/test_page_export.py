"""The Export page through AppTest: settings, preview, create a version, list and download versions; roles."""

import io
import json
import zipfile

import pytest
from sqlmodel import Session
from test_pages import signed_in

from feedback.store.tables import Annotation, ExportVersion, User

PAGE = "pages/export.py"


def decided(engine):
    """Make t-0 a clear 2-1 for a (sam joins maria) and t-1 a clear 2-0 for b."""
    with Session(engine) as s:
        sam, kim = User(name="sam"), User(name="kim")
        s.add_all([sam, kim])
        s.flush()
        s.add(Annotation(item_id=1, user_id=sam.id, preference="a"))
        s.add(Annotation(item_id=2, user_id=sam.id, preference="b"))
        s.add(Annotation(item_id=2, user_id=kim.id, preference="b"))
        s.commit()


def open_export(engine, monkeypatch, tmp_path, role="admin"):
    monkeypatch.setenv("FEEDBACK_EXPORT_DIR", str(tmp_path / "exports"))
    at = signed_in(engine, "alex", role).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def button(at, label):
    return next(b for b in at.button if b.label == label)


def test_preview_says_what_each_filter_removes(db, monkeypatch, tmp_path):
    decided(db)
    at = open_export(db, monkeypatch, tmp_path)
    at.number_input(key="export.min_annotations").set_value(3).run()
    button(at, "Preview").click().run()
    assert not at.exception and not at.error
    filters = at.dataframe[0].value
    removed = dict(zip(filters["Filter"], filters["Items removed"]))
    assert removed["too few annotations"] == 2  # t-1 has 2 votes, t-2 none; t-0 has 3
    assert [m.value for m in at.metric if m.label == "Items kept"] == ["1"]
    assert [m.value for m in at.metric if m.label == "Train rows"] == ["1"]
    sample = at.dataframe[-1].value
    assert list(sample["item_id"]) == ["t-0"]
    assert not list((tmp_path / "exports").glob("*/*-v*"))  # a preview saves nothing


def test_create_a_version_then_download_it(db, monkeypatch, tmp_path):
    decided(db)
    at = open_export(db, monkeypatch, tmp_path)
    at.selectbox(key="export.format").set_value("kto").run()
    button(at, "Create version").click().run()
    assert not at.exception and not at.error
    assert any("Created v1" in s.value for s in at.success)
    with Session(db) as s:
        (version,) = s.exec(ExportVersion.__table__.select()).all()
    assert version.format == "kto"
    table = at.dataframe[0].value
    assert list(table["Version"]) == ["v1"] and list(table["By"]) == ["alex"]
    assert not at.get("download_button")  # the zip is made on demand, not on every rerun
    button(at, "Prepare v1 for download").click().run()
    download = at.get("download_button")[0]
    assert download.proto.label == "Download v1 (zip)"
    folder = tmp_path / "exports" / "support-1" / "support-1-v1"
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["README.md", "kto_standard.jsonl", "kto_standard.parquet", "manifest.json"]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["version"]["created_by"] == "alex" and manifest["class_balance"]["desirable"] == 2


def test_reviewers_preview_and_download_but_do_not_create(db, monkeypatch, tmp_path):
    decided(db)
    at = open_export(db, monkeypatch, tmp_path, role="reviewer")
    assert "Create version" not in [b.label for b in at.button]
    button(at, "Preview").click().run()
    assert not at.exception and not at.error


def test_annotators_have_no_export_page(db, monkeypatch, tmp_path):
    monkeypatch.setenv("FEEDBACK_EXPORT_DIR", str(tmp_path / "exports"))
    at = signed_in(db, "alex", "annotator").run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)


def test_zip_of_a_version_holds_every_file(db, monkeypatch, tmp_path):
    decided(db)
    at = open_export(db, monkeypatch, tmp_path)
    button(at, "Create version").click().run()
    from feedback.export.versions import list_versions, version_zip
    with Session(db) as s:
        (info,) = list_versions(session=s, user=None, project="support", export_dir=tmp_path / "exports")
    names = zipfile.ZipFile(io.BytesIO(version_zip(info))).namelist()
    assert sorted(n.split("/", 1)[1] for n in names) == ["README.md", "dpo_standard.jsonl", "dpo_standard.parquet",
                                                         "manifest.json"]


def test_preview_says_why_nothing_can_be_exported(db, monkeypatch, tmp_path):
    at = open_export(db, monkeypatch, tmp_path)
    button(at, "Preview").click().run()
    # maria and dev split 1-1 on t-0, the other items have no annotations
    assert "Nothing to export" in at.error[0].value and "1 split" in at.error[0].value


def test_bad_thresholds_are_named_and_the_versions_stay(db, monkeypatch, tmp_path):
    decided(db)
    at = open_export(db, monkeypatch, tmp_path)
    button(at, "Create version").click().run()
    at.selectbox(key="export.format").set_value("kto").run()
    at.radio(key="export.kto_source").set_value("ratings").run()
    at.number_input(key="export.kto_hi").set_value(2.0).run()
    at.number_input(key="export.kto_lo").set_value(3.0).run()
    assert not at.exception
    assert "kto_desirable_min (2.0) must be above kto_undesirable_max (3.0)" in at.error[0].value
    assert button(at, "Preview").disabled and button(at, "Create version").disabled
    assert list(at.dataframe[0].value["Version"]) == ["v1"]
