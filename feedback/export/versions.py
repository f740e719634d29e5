"""Dataset versions: each export saved once, as an immutable folder, and listed with who made it and when.

A version is the folder ``<export dir>/<project>-<id>/<project>-<id>-v<number>/`` holding the data files of an
``ExportBundle``, a ``README.md`` dataset card (``feedback.export.card``) and a ``manifest.json``: the
bundle's manifest plus the version number, the time, who made it and the code version. The manifest gives
the sha256 of every other file, and the database keeps the sha256 of the manifest, so a file changed on
disk afterwards is detected when the version is downloaded. The folder's own name is unique across projects:
Hugging Face ``datasets`` caches ``load_dataset(folder)`` by the folder's name, so two projects' ``v1`` folders
would share a cache entry and the second would load the first's rows.

Writing is all or nothing: the files go to a hidden temporary folder beside the versions, which is renamed
into place only once the version's row is in the database, and the row is committed only after the rename.
A process killed half way leaves a hidden temporary folder, never a listed version with missing files. The
data files of two versions made with the same settings from the same data are byte-identical; only the
manifest and the card (number, time, who) differ. Files and folder are read-only (0444 and 0555) before the
folder is renamed into place, so a version is never writable, even after a kill.

What a killed save leaves is removed by the next save of the project (``clean_up_versions`` does the same at
start-up): a temporary ``.new-*`` folder no running save holds (each save keeps an ``flock`` on its own), a
``.abandoned-*`` folder (one set aside by the save that took its number), and a version folder with no row
whose number is already taken (``<= `` the highest saved; a higher one may be a save between its rename and
its commit, and is set aside by the save that takes its number). A listed version left writable by an older
release is made read-only again.
"""

import fcntl
import getpass
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from feedback.errors import ExportError, NotFound
from feedback.export.bundle import MANIFEST, ExportBundle
from feedback.export.card import CARD, dataset_card
from feedback.export.files import zip_files
from feedback.export.options import ONE_FORM
from feedback.people import permissions
from feedback.projects.projects import get_project
from feedback.store.tables import ExportVersion, Project, User
from feedback.store.transactions import begin_write

_ATTEMPTS = 5


@dataclass(frozen=True)
class VersionInfo:
    """One saved version, for the version list of the Export page and ``feedback export list``."""

    project: str
    number: int
    format: str
    form: str
    rows: int
    splits: dict[str, int]
    created_by: str
    created_at: datetime
    path: Path
    manifest_sha256: str

    @property
    def name(self) -> str:
        return f"v{self.number}"

    @property
    def kind(self) -> str:
        """``dpo (standard)``; the form only for formats that have one."""
        return self.format if not self.form or self.format in ONE_FORM else f"{self.format} ({self.form})"

    def line(self) -> str:
        splits = ", ".join(f"{n:,} {split}" for split, n in self.splits.items()) or f"{self.rows:,} rows"
        kind = self.kind
        return (f"{self.name:<6}{self.created_at:%Y-%m-%d %H:%M} UTC  {self.created_by:<12} {kind:<28} "
                f"{self.rows:>9,} rows ({splits})  {self.path}")


@cache
def code_version() -> dict[str, Any]:
    """The package version and, in a git checkout, the commit and whether the tree had local changes."""
    try:
        package = metadata.version("feedback")
    except metadata.PackageNotFoundError:
        package = None
    here = Path(__file__).resolve().parent.parent
    commit, dirty = None, None
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True,
                                timeout=5, check=True).stdout.strip() or None
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                                capture_output=True, text=True, timeout=5, check=True).stdout
        dirty = bool(status.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    return {"package": package, "git_commit": commit, "git_dirty": dirty}


def project_folder(project: Project) -> str:
    """``support-3``: the project's name made safe for a file system, and its id (names may collide once made safe)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", project.name).strip("-.") or "project"
    return f"{safe[:60]}-{project.id}"


def save_version(*, session: Session, user: User | None, bundle: ExportBundle, export_dir: Path,
                 now: datetime | None = None) -> VersionInfo:
    """Save ``bundle`` as the project's next version under ``export_dir``; return it as listed."""
    permissions.require(user, permissions.ADMIN, "create dataset versions")
    project = get_project(session=session, name=bundle.project)
    root = Path(export_dir) / project_folder(project)
    try:
        root.mkdir(parents=True, exist_ok=True)
        _sweep(session, project, root)
        staging, lock = _staging(root)
    except OSError as e:
        raise ExportError(f"Cannot write dataset versions under {export_dir}: {e.strerror or e}") from e
    try:
        data = {name: body for name, body in bundle.files.items() if name != MANIFEST}
        for name in sorted(data):
            _write(staging / name, data[name])
        info = _commit(session, user, project, bundle, data, staging, root, now or datetime.now(UTC))
    except BaseException:
        _remove(staging)
        raise
    finally:
        os.close(lock)
    for aside in root.glob(f".abandoned-{root.name}-v{info.number}-*"):  # set aside by this save
        _remove(aside)
    return info


def clean_up_versions(*, session: Session, user: User | None, project: str, export_dir: Path) -> list[str]:
    """Remove what killed saves of ``project`` left under ``export_dir`` (see the module docstring) and make its
    versions read-only; return the names of the folders removed. Every save does it first; call it at start-up
    to do it sooner (admins)."""
    permissions.require(user, permissions.ADMIN, "clean up dataset versions")
    proj = get_project(session=session, name=project)
    root = Path(export_dir) / project_folder(proj)
    return _sweep(session, proj, root) if root.is_dir() else []


def _sweep(session: Session, project: Project, root: Path) -> list[str]:
    """Remove the leftovers of killed saves under the project's folder ``root``; seal its listed versions."""
    numbers = set(session.exec(select(ExportVersion.number).where(ExportVersion.project_id == project.id)).all())
    version = re.compile(re.escape(root.name) + r"-v(\d+)")
    removed = []
    for path in sorted(root.iterdir()):
        name, match = path.name, version.fullmatch(path.name)
        if match and int(match[1]) in numbers:
            _seal(path)
        elif name.startswith(".new-"):
            if (held := _take(path)) is not None:  # no running save holds it; hold it while it goes
                try:
                    _remove(path)
                finally:
                    os.close(held)
                removed.append(name)
        elif path.is_dir() and (name.startswith(".abandoned-")
                                or (match is not None and int(match[1]) <= max(numbers, default=0))):
            _remove(path)
            removed.append(name)
    return removed


def _staging(root: Path) -> tuple[Path, int]:
    """A new hidden temporary folder under ``root`` and an open descriptor holding an ``flock`` on it, which
    tells a sweep by another save that the folder is in use (a killed process's lock is released)."""
    for _attempt in range(_ATTEMPTS):
        staging = Path(tempfile.mkdtemp(dir=root, prefix=".new-"))
        try:
            lock = os.open(staging, os.O_RDONLY)
        except FileNotFoundError:  # swept between mkdtemp and open
            continue
        fcntl.flock(lock, fcntl.LOCK_EX)  # waits while a sweep that took it first removes it
        try:
            if os.path.samestat(os.stat(staging), os.fstat(lock)):
                return staging, lock
        except FileNotFoundError:  # swept between mkdtemp and flock
            pass
        os.close(lock)
    raise ExportError(f"Could not make a temporary folder under {root}: it was removed {_ATTEMPTS} times")


def _take(path: Path) -> int | None:
    """A descriptor holding the lock of the temporary folder ``path``, or None when a running save holds it."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return fd
    except BlockingIOError:
        os.close(fd)
        return None


def _seal(folder: Path) -> None:
    """Make a version's files 0444 and its folder 0555, where they are not."""
    for path in folder.iterdir():
        if path.is_file() and path.stat().st_mode & 0o777 != 0o444:
            os.chmod(path, 0o444)
    if folder.stat().st_mode & 0o777 != 0o555:
        os.chmod(folder, 0o555)


def _remove(path: Path) -> None:
    """Delete a folder whatever its mode (its files are 0444 and it may be 0555)."""
    try:
        os.chmod(path, 0o700)
    except OSError:
        return
    shutil.rmtree(path, ignore_errors=True)


def _commit(session: Session, user: User | None, project: Project, bundle: ExportBundle,
            data: dict[str, bytes], staging: Path, root: Path, now: datetime) -> VersionInfo:
    """Number the version, write its card and manifest, move it into place and commit its row."""
    for _attempt in range(_ATTEMPTS):
        begin_write(session)  # BEGIN IMMEDIATE on SQLite: concurrent creators take numbers one after another
        number = (session.exec(select(func.max(ExportVersion.number))
                               .where(ExportVersion.project_id == project.id)).one() or 0) + 1
        manifest = dict(bundle.manifest)
        manifest["version"] = {"number": number, "created_at": now.isoformat(timespec="seconds"),
                               "created_by": user.name if user else _operator()}
        manifest["code_version"] = code_version()
        card = dataset_card(manifest, data).encode("utf-8")
        manifest["files"] = {name: _digest(bundle, name, body) for name, body in sorted({**data, CARD: card}.items())}
        body = (json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")
        _write(staging / CARD, card)
        _write(staging / MANIFEST, body)
        target = root / f"{root.name}-v{number}"
        row = ExportVersion(project_id=project.id, number=number, format=bundle.options.format,
                            form=manifest.get("options", {}).get("form", ""), n_rows=bundle.n_rows,
                            splits=dict(manifest.get("splits", {}).get("rows", {})),
                            path=f"{root.name}/{target.name}", manifest_sha256=hashlib.sha256(body).hexdigest(),
                            created_by=user.id if user else None, created_at=now)
        session.add(row)
        try:
            session.flush()
        except IntegrityError:  # another process took this number first
            session.rollback()
            continue
        if target.exists():  # left by a process killed after its rename and before its commit: not a version
            target.rename(root / f".abandoned-{target.name}-{uuid.uuid4().hex[:8]}")
        os.chmod(staging, 0o555)  # read-only before it is a version: a kill after the rename leaves it so
        os.rename(staging, target)
        _sync_dir(root)
        try:
            session.commit()
        except BaseException:
            session.rollback()
            _remove(target)
            raise
        return _info(project.name, row, user.name if user else _operator(), root.parent)
    raise ExportError(f"Could not number a new version of project {project.name!r}: "
                      f"{_ATTEMPTS} other versions were created at the same time; try again")


def _digest(bundle: ExportBundle, name: str, body: bytes) -> dict[str, Any]:
    """``{"bytes", "sha256"}`` of a file of the version: the bundle's manifest already has those of its own data
    files (the same bytes object), which are not hashed a second time (400 MB at 1M annotations)."""
    known = bundle.manifest.get("files", {}).get(name)
    if known is not None and bundle.files.get(name) is body and known.get("bytes") == len(body):
        return {"bytes": len(body), "sha256": known["sha256"]}
    return {"bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}


def _operator() -> str:
    """Who made a version from the command line: ``command line (LOGIN)``."""
    try:
        return f"command line ({getpass.getuser()})"
    except (KeyError, OSError):
        return "command line"


def _write(path: Path, body: bytes) -> None:
    path.unlink(missing_ok=True)  # read-only once written (a retry rewrites the card and manifest)
    with open(path, "wb") as handle:
        handle.write(body)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(path, 0o444)


def _sync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _info(project: str, row: ExportVersion, who: str, export_dir: Path) -> VersionInfo:
    return VersionInfo(project=project, number=row.number, format=row.format, form=row.form, rows=row.n_rows,
                       splits=dict(row.splits or {}), created_by=who, created_at=row.created_at,
                       path=Path(export_dir) / row.path, manifest_sha256=row.manifest_sha256)


def list_versions(*, session: Session, user: User | None, project: str, export_dir: Path) -> list[VersionInfo]:
    """The project's versions, newest first (reviewers may read them)."""
    permissions.require(user, permissions.REVIEWER, "see dataset versions")
    proj = get_project(session=session, name=project)
    found = session.exec(
        select(ExportVersion, User.name).join(User, User.id == ExportVersion.created_by, isouter=True)
        .where(ExportVersion.project_id == proj.id).order_by(ExportVersion.number.desc())
    ).all()
    return [_info(proj.name, row, name or "command line", Path(export_dir)) for row, name in found]


def get_version(*, session: Session, user: User | None, project: str, number: int,
                export_dir: Path) -> VersionInfo:
    for info in list_versions(session=session, user=user, project=project, export_dir=export_dir):
        if info.number == number:
            return info
    raise NotFound(f"Project {project!r} has no dataset version v{number}")


def version_files(info: VersionInfo) -> dict[str, bytes]:
    """The version's files, each checked against the manifest (and the manifest against the database)."""
    where = info.path
    try:
        manifest_body = (where / MANIFEST).read_bytes()
    except OSError as e:
        raise ExportError(f"Version {info.name} of {info.project!r}: cannot read {where / MANIFEST}: "
                          f"{e.strerror or e}") from e
    if hashlib.sha256(manifest_body).hexdigest() != info.manifest_sha256:
        raise ExportError(f"Version {info.name} of {info.project!r}: {where / MANIFEST} was changed after the "
                          "version was made (its sha256 differs from the one recorded)")
    listed = json.loads(manifest_body)["files"]
    files = {MANIFEST: manifest_body}
    for name, entry in sorted(listed.items()):
        try:
            body = (where / name).read_bytes()
        except OSError as e:
            raise ExportError(f"Version {info.name} of {info.project!r}: cannot read {where / name}: "
                              f"{e.strerror or e}") from e
        if hashlib.sha256(body).hexdigest() != entry["sha256"]:
            raise ExportError(f"Version {info.name} of {info.project!r}: {where / name} was changed after the "
                              "version was made (its sha256 differs from the manifest's)")
        files[name] = body
    return files


def version_zip(info: VersionInfo) -> bytes:
    """The version's files in one zip (for a browser download), inside a folder named after the version."""
    return zip_files(version_files(info), folder=Path(info.path).name)
