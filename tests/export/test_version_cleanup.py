"""Dataset versions after a killed save: leftovers are removed by the next save (or ``clean_up_versions``), and no
version folder or file is ever left writable, whichever step of the save fails."""

import os
import stat

import pytest

from feedback.export.build import build_export
from feedback.export.options import ExportOptions
from feedback.export.versions import clean_up_versions, list_versions, save_version, version_files
from feedback.people.users import add_users
from feedback.store.tables import Annotation

PROJECT = "support"


class Killed(BaseException):
    """Stands for the process dying at one step of a save (a kill runs no clean-up code: see ``killed``)."""


@pytest.fixture
def exports(session, make_project, tmp_path):
    """Project 'support' with 2 annotated items; returns ``(export dir, the project's folder)``."""
    project = make_project(PROJECT, items=2)
    user = add_users(session, {"ann"})["ann"]
    session.add_all([Annotation(item_id=n, user_id=user.id, preference="a") for n in (1, 2)])
    session.commit()
    export_dir = tmp_path / "exports"
    return export_dir, export_dir / f"{PROJECT}-{project.id}"


def save(session, export_dir):
    bundle = build_export(session=session, user=None, project=PROJECT, options=ExportOptions())
    return save_version(session=session, user=None, bundle=bundle, export_dir=export_dir)


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def assert_sealed(folder):
    assert mode(folder) == 0o555, folder
    assert {p.name: mode(p) for p in folder.iterdir()} == {p.name: 0o444 for p in folder.iterdir()}


def test_leftovers_by_hand_are_removed_by_the_next_save(session, exports):
    export_dir, root = exports
    v1 = save(session, export_dir).path
    os.chmod(v1, 0o755)  # what a crash between the rename and the chmod used to leave
    os.chmod(v1 / "manifest.json", 0o644)
    staging = root / ".new-k1ll3d"
    staging.mkdir()
    (staging / "half.jsonl").write_text("{")
    os.chmod(staging / "half.jsonl", 0o444)
    os.chmod(staging, 0o555)
    aside = root / f".abandoned-{root.name}-v1-0123abcd"
    aside.mkdir()
    (aside / "old.jsonl").write_text("{}")
    unlisted = root / f"{root.name}-v2"  # renamed into place, killed before the commit
    unlisted.mkdir()
    (unlisted / "manifest.json").write_text("{}")
    os.chmod(unlisted, 0o555)

    v2 = save(session, export_dir)
    assert v2.number == 2
    assert sorted(p.name for p in root.iterdir()) == [f"{root.name}-v1", f"{root.name}-v2"]
    assert_sealed(v1)
    assert_sealed(v2.path)
    assert version_files(v2)  # the new v2, not the left-over one


def test_clean_up_versions_at_start_up(session, exports, make_user):
    export_dir, root = exports
    save(session, export_dir)
    save(session, export_dir)
    (root / ".new-dead").mkdir()
    (root / f".abandoned-{root.name}-v3-feedbeef").mkdir()
    stale = root / f"{root.name}-v1"
    os.chmod(stale, 0o755)
    removed = clean_up_versions(session=session, user=None, project=PROJECT, export_dir=export_dir)
    assert sorted(removed) == [f".abandoned-{root.name}-v3-feedbeef", ".new-dead"]
    assert sorted(p.name for p in root.iterdir()) == [f"{root.name}-v1", f"{root.name}-v2"]
    assert_sealed(stale)


def test_a_staging_folder_in_use_is_left_alone(session, exports, monkeypatch):
    """A save running in another thread or process holds a lock on its staging folder: a sweep skips it."""
    export_dir, root = exports
    from feedback.export import versions

    seen = []

    def sweep_midway(*args, **kwargs):
        seen.append(clean_up_versions(session=session, user=None, project=PROJECT, export_dir=export_dir))
        seen.append(sorted(p.name for p in root.iterdir()))
        return real(*args, **kwargs)
    real = versions._commit
    monkeypatch.setattr(versions, "_commit", sweep_midway)
    info = save(session, export_dir)
    assert seen[0] == [] and len(seen[1]) == 1 and seen[1][0].startswith(".new-")
    assert_sealed(info.path)


STEPS = ["write data", "write manifest", "flush", "chmod", "rename", "commit"]


def killed(monkeypatch, session, step: str, *, dies: bool = True) -> None:
    """Make the save fail at ``step``: that step raises ``Killed``; if ``dies``, no clean-up code of the save
    runs (as when the process is killed)."""
    from feedback.export import versions

    def die(*args, **kwargs):
        raise Killed(step)

    def on(name, real, when):
        def patched(*args, **kwargs):
            if when(*args):
                raise Killed(step)
            return real(*args, **kwargs)
        monkeypatch.setattr(versions.os if name in ("chmod", "rename") else versions, name, patched)

    if dies:  # a killed process removes nothing
        monkeypatch.setattr(versions, "_remove", lambda path: None)
        monkeypatch.setattr(versions.shutil, "rmtree", lambda *a, **k: None)
    if step == "write data":
        on("_write", versions._write, lambda path, body: path.suffix == ".jsonl")
    elif step == "write manifest":
        on("_write", versions._write, lambda path, body: path.name == "manifest.json")
    elif step == "flush":
        monkeypatch.setattr(session, "flush", die)
    elif step == "chmod":
        on("chmod", os.chmod, lambda path, m: ".new-" in str(path) and m == 0o555)  # the staging folder's
    elif step == "rename":
        on("rename", os.rename, lambda src, dst: ".new-" in str(src))
    elif step == "commit":
        monkeypatch.setattr(session, "commit", die)


@pytest.mark.parametrize("step", STEPS)
def test_a_save_killed_at_any_step_leaves_nothing_writable_and_the_next_save_cleans_up(
        session, exports, monkeypatch, step):
    export_dir, root = exports
    save(session, export_dir)
    killed(monkeypatch, session, step)
    with pytest.raises(Killed):
        save(session, export_dir)
    monkeypatch.undo()
    session.rollback()  # the dead process's transaction
    left = [p for p in root.iterdir() if p.name != f"{root.name}-v1"]
    for path in left:
        for inner in [path, *path.iterdir()]:
            assert not mode(inner) & 0o222 or inner.name.startswith(".new-"), (step, inner, oct(mode(inner)))
    assert [v.number for v in list_versions(session=session, user=None, project=PROJECT,
                                            export_dir=export_dir)] == [1]
    info = save(session, export_dir)
    assert info.number == 2
    assert sorted(p.name for p in root.iterdir()) == [f"{root.name}-v1", f"{root.name}-v2"]
    for folder in root.iterdir():
        assert_sealed(folder)
        assert version_files(list_versions(session=session, user=None, project=PROJECT, export_dir=export_dir)[0])


@pytest.mark.parametrize("step", STEPS)
def test_a_save_failing_at_any_step_leaves_no_trace(session, exports, monkeypatch, step):
    """An error (not a kill) at any step: the save's own clean-up removes its folder and its row."""
    export_dir, root = exports
    save(session, export_dir)
    killed(monkeypatch, session, step, dies=False)
    with pytest.raises(Killed):
        save(session, export_dir)
    monkeypatch.undo()
    session.rollback()
    assert sorted(p.name for p in root.iterdir()) == [f"{root.name}-v1"]
    assert [v.number for v in list_versions(session=session, user=None, project=PROJECT,
                                            export_dir=export_dir)] == [1]
