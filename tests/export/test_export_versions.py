"""Dataset versions: immutable folders with a manifest and a card, numbered, listed, verified on download."""

import hashlib
import io
import json
import os
import zipfile

import pytest
import yaml
from datasets import load_dataset

from feedback.errors import ExportError, NotFound, PermissionDenied
from feedback.export.build import build_export
from feedback.export.card import data_files, size_category
from feedback.export.options import ExportOptions
from feedback.export.versions import (
    get_version,
    list_versions,
    save_version,
    version_files,
    version_zip,
)
from feedback.people.users import add_users
from feedback.store.tables import Annotation, Candidate, ExportVersion, Item


@pytest.fixture
def project(session, make_project):
    proj = make_project("Support bot / EU")
    users = add_users(session, {"ann", "bob", "cid"})
    for n in range(4):
        item = Item(project_id=proj.id, external_id=f"q{n}", prompt=f"Question {n}?", content_hash=f"h{n}",
                    position=n)
        session.add(item)
        session.flush()
        for pos, key in enumerate("ab"):
            session.add(Candidate(item_id=item.id, key=key, model=f"m-{key}", position=pos,
                                  output=f"answer {key} to {n}"))
        for name, pref in zip(("ann", "bob", "cid"), ("a", "a", "b") if n % 2 else ("b", "b", "b")):
            session.add(Annotation(item_id=item.id, user_id=users[name].id, preference=pref))
    session.commit()
    return proj


def make_version(session, tmp_path, options=None, user=None):
    bundle = build_export(session=session, user=None, project="Support bot / EU", options=options or ExportOptions())
    return save_version(session=session, user=user, bundle=bundle, export_dir=tmp_path / "exports")


def test_a_version_is_a_folder_with_data_card_and_manifest(session, project, tmp_path):
    info = make_version(session, tmp_path)

    assert info.number == 1 and info.rows == 4 and info.format == "dpo" and info.form == "standard"
    assert info.path == tmp_path / "exports" / f"Support-bot-EU-{project.id}" / f"Support-bot-EU-{project.id}-v1"
    assert oct(info.path.stat().st_mode & 0o777) == "0o555"
    names = sorted(p.name for p in info.path.iterdir())
    assert names == ["README.md", "dpo_standard.jsonl", "dpo_standard.parquet", "manifest.json"]
    manifest = json.loads((info.path / "manifest.json").read_text())
    assert manifest["version"]["number"] == 1 and manifest["version"]["created_by"].startswith("command line (")
    assert manifest["code_version"]["package"]
    for name in ("README.md", "dpo_standard.jsonl", "dpo_standard.parquet"):
        body = (info.path / name).read_bytes()
        assert manifest["files"][name] == {"bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}
    assert info.manifest_sha256 == hashlib.sha256((info.path / "manifest.json").read_bytes()).hexdigest()
    assert all(not os.access(p, os.W_OK) or os.geteuid() == 0 for p in info.path.iterdir())
    assert not [p for p in info.path.parent.iterdir() if p.name.startswith(".")]  # no staging folder left


def test_the_card_has_a_hugging_face_header_and_loads(session, project, tmp_path):
    info = make_version(session, tmp_path)
    card = (info.path / "README.md").read_text()
    head = card.split("---\n")[1]
    meta = yaml.safe_load(head)
    assert "license" not in meta and "# license:" in head  # left to the user
    assert meta["task_categories"] == ["text-generation"] and meta["size_categories"] == ["n<1K"]
    assert meta["configs"] == [{"config_name": "default",
                                "data_files": [{"split": "train", "path": "dpo_standard.parquet"}]}]
    assert "## How it was made" in card and "## Known limits" in card and "majority" in card
    loaded = load_dataset(str(info.path), split="train")  # the card's configs tell datasets what to read
    assert loaded.num_rows == 4 and set(loaded.column_names) >= {"prompt", "chosen", "rejected"}


def test_versions_are_numbered_and_their_data_files_identical(session, project, tmp_path):
    first = make_version(session, tmp_path)
    second = make_version(session, tmp_path, ExportOptions(form="standard"))
    third = make_version(session, tmp_path, ExportOptions(form="conversational"))
    assert [first.number, second.number, third.number] == [1, 2, 3]
    for name in ("dpo_standard.jsonl", "dpo_standard.parquet"):
        assert (first.path / name).read_bytes() == (second.path / name).read_bytes()
    listed = list_versions(session=session, user=None, project="Support bot / EU", export_dir=tmp_path / "exports")
    assert [v.number for v in listed] == [3, 2, 1]
    assert listed[0].form == "conversational" and "command line" in listed[0].line()


def test_download_verifies_every_file(session, project, tmp_path):
    info = make_version(session, tmp_path)
    archive = zipfile.ZipFile(io.BytesIO(version_zip(info)))
    assert sorted(n.split("/", 1)[1] for n in archive.namelist()) == sorted(version_files(info))
    assert version_zip(info) == version_zip(info)

    target = info.path / "dpo_standard.jsonl"
    os.chmod(target, 0o644)
    target.write_bytes(target.read_bytes() + b"\n")
    with pytest.raises(ExportError, match="dpo_standard.jsonl was changed after the version was made"):
        version_files(info)


def test_a_changed_manifest_is_detected(session, project, tmp_path):
    info = make_version(session, tmp_path)
    manifest = info.path / "manifest.json"
    os.chmod(manifest, 0o644)
    manifest.write_text(manifest.read_text().replace('"rows": 4', '"rows": 5'))
    with pytest.raises(ExportError, match="manifest.json was changed"):
        version_files(info)


def test_a_failed_commit_leaves_no_version(session, project, tmp_path, monkeypatch):
    bundle = build_export(session=session, user=None, project="Support bot / EU", options=ExportOptions())

    def broken_commit():
        raise RuntimeError("disk full")
    monkeypatch.setattr(session, "commit", broken_commit)
    with pytest.raises(RuntimeError):
        save_version(session=session, user=None, bundle=bundle, export_dir=tmp_path / "exports")
    monkeypatch.undo()
    root = tmp_path / "exports" / f"Support-bot-EU-{project.id}"
    assert list(root.iterdir()) == []
    assert session.exec(ExportVersion.__table__.select()).all() == []


def test_a_folder_left_by_a_killed_process_is_replaced(session, project, tmp_path):
    root = tmp_path / "exports" / f"Support-bot-EU-{project.id}"
    folder = root / f"{root.name}-v1"
    folder.mkdir(parents=True)
    (folder / "half.jsonl").write_text("{")
    info = make_version(session, tmp_path)
    assert info.number == 1 and "half.jsonl" not in {p.name for p in folder.iterdir()}
    assert [p.name for p in root.iterdir()] == [folder.name]  # set aside, then removed after the commit


def test_who_may_make_and_read_versions(session, project, tmp_path, make_user):
    reviewer, annotator = make_user("rita", "reviewer"), make_user("ann2", "annotator")
    with pytest.raises(PermissionDenied):
        make_version(session, tmp_path, user=reviewer)
    admin = make_user("ada", "admin")
    info = make_version(session, tmp_path, user=admin)
    assert info.created_by == "ada"
    listed = list_versions(session=session, user=reviewer, project="Support bot / EU", export_dir=tmp_path / "exports")
    assert [v.created_by for v in listed] == ["ada"]
    with pytest.raises(PermissionDenied):
        list_versions(session=session, user=annotator, project="Support bot / EU", export_dir=tmp_path / "exports")
    with pytest.raises(NotFound, match="no dataset version v9"):
        get_version(session=session, user=None, project="Support bot / EU", number=9, export_dir=tmp_path / "exports")


def test_card_helpers():
    assert [size_category(n) for n in (0, 999, 1000, 99_999, 100_000, 5_000_000)] == [
        "n<1K", "n<1K", "1K<n<10K", "10K<n<100K", "100K<n<1M", "1M<n<10M"]
    assert data_files(["kto_standard-train.jsonl", "kto_standard-train.parquet", "kto_standard-test.parquet",
                       "kto_standard-test.jsonl", "manifest.json", "README.md"]) == {
        "train": "kto_standard-train.parquet", "test": "kto_standard-test.parquet"}
    assert data_files(["openai-dpo.jsonl", "manifest.json"]) == {"train": "openai-dpo.jsonl"}


def test_concurrent_creators_get_distinct_numbers(file_engine, tmp_path):
    """Four threads, each with its own session on one SQLite file, save versions at once."""
    import threading

    from sqlmodel import Session

    from feedback.projects.projects import add_project

    with Session(file_engine, expire_on_commit=False) as s:
        proj = add_project(s, name="busy")
        item = Item(project_id=proj.id, external_id="q", prompt="Q?", content_hash="q")
        s.add(item)
        s.flush()
        for pos, key in enumerate("ab"):
            s.add(Candidate(item_id=item.id, key=key, position=pos, output=f"answer {key}"))
        users = add_users(s, {"ann"})
        s.add(Annotation(item_id=item.id, user_id=users["ann"].id, preference="a"))
        s.commit()
        bundle = build_export(session=s, user=None, project="busy", options=ExportOptions())
    numbers, errors = [], []

    def save():
        try:
            with Session(file_engine, expire_on_commit=False) as s:
                numbers.append(save_version(session=s, user=None, bundle=bundle, export_dir=tmp_path / "x").number)
        except Exception as e:  # noqa: BLE001 - collected for the assertion
            errors.append(e)

    threads = [threading.Thread(target=save) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and sorted(numbers) == [1, 2, 3, 4]
    folders = sorted(p.name for root in (tmp_path / "x").iterdir() for p in root.iterdir())
    assert folders == [f"busy-1-v{n}" for n in (1, 2, 3, 4)]
