"""Backup and restore of a data directory (the store and the uploaded originals).

``backup(data_dir, out)`` writes one ``.tar.gz`` while the app keeps running;
``restore(archive, data_dir)`` verifies it and swaps it in.

Why the snapshot is consistent
------------------------------
Holding every file lock of the store at once would need one open file per document (thousands)
and would stop every writer for the whole copy. It is not needed, because of how the store
writes (see :mod:`review.storage`):

* everything about one document (its record, versions, links, history, lock, assessments) lives
  in *one* file, replaced atomically by each transaction. Each document file is copied while its
  file lock is held, so the copy is that document exactly as one committed transaction left it;
* uploaded originals are written (content-addressed, never overwritten, never deleted) *before*
  the document transaction that refers to them; agencies and users are never deleted either.
  The originals and ``directory.json`` are therefore copied *after* the documents: every
  original, agency and user a copied document refers to is already there;
* ``index.json`` holds only derived summaries (``storage.summary_of`` of each document record).
  The snapshot's index is rebuilt from the copied document files, so it matches them exactly —
  no row for a document created after the copy began, no row lagging behind its document.

So the archive is a point-in-time copy of each document plus a directory and index that agree
with it: what :meth:`TinyDBRepository.repair_index` would call a healthy store.

Not in the archive: ``.lock`` files, temp files of writers, and ``demo-logins.txt`` (plain-text
demo passwords should not travel inside backups).

The archive holds ``manifest.json`` (format, schema version, counts, sha256 and size of every
file) and the files under ``store/`` and ``originals/``. :func:`restore` refuses an archive whose
files do not match the manifest, anything but regular files with relative paths (tarfile's
``data`` filter as a second line), a newer schema, and — without ``force`` — a data directory
that already holds data. It extracts into a temporary directory next to the target and renames
it into place; with ``force`` the previous ``store``/``originals`` are moved aside (not deleted)
into ``<data>/pre-restore-<time>/``.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from review.errors import StoreError
from review.storage import SCHEMA_VERSION, JsonFile, Snapshot, summary_of

FORMAT = "competency-review-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
#: the parts of a data directory a backup holds (everything else there is left alone)
PARTS = ("store", "originals")


class BackupError(StoreError):
    """A backup that cannot be made, or an archive that cannot (or may not) be restored."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    counts: dict[str, int]
    files: int
    bytes: int
    #: ids of document files that could not be read (copied as they are, not counted)
    damaged: tuple[str, ...] = ()


@dataclass(frozen=True)
class RestoreResult:
    data_dir: Path
    counts: dict[str, int]
    created_at: str
    #: where the replaced store went (``force``), or None when the target was empty
    moved_aside: Path | None = None
    files: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _is_temp_or_lock(name: str) -> bool:
    return name.endswith(".lock") or (name.startswith(".") and name.endswith(".tmp"))


def _tables(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError as exc:
        raise BackupError(f"a store file is damaged and cannot be backed up ({exc})") from exc
    return data if isinstance(data, dict) else {}


def _read_locked(path: Path) -> bytes | None:
    """The file's bytes while no writer of the store is inside a transaction on it."""
    f = JsonFile(path)
    with f.locked():
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None


# --------------------------------------------------------------------------- backup


class _HashingReader:
    """A file object that hashes what is read through it (streaming checksums)."""

    def __init__(self, fh):
        self.fh = fh
        self.sha = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self.fh.read(n)
        self.sha.update(data)
        self.size += len(data)
        return data


def _write_snapshot(
    data_dir: Path, tar: tarfile.TarFile, when: datetime, damaged: list[str]
) -> tuple[dict[str, int], dict[str, dict[str, Any]]]:
    """Stream the live store into ``tar`` — no copy of it is ever written anywhere else, so a
    killed backup leaves no plaintext store behind — and return the record counts and the
    manifest entries (sha256 and size, computed as the bytes pass). Document files that cannot
    be read are appended to ``damaged`` (and archived as they are)."""
    store = data_dir / "store"
    docs_dir = store / "documents"
    counts = dict.fromkeys(
        ("documents", "versions", "links", "history", "agencies", "users", "originals"), 0
    )
    entries: dict[str, dict[str, Any]] = {}

    def put(rel: str, raw: bytes) -> None:
        _add_bytes(tar, rel, raw, when)
        entries[rel] = {"sha256": _sha256(raw), "size": len(raw)}

    # 1. each document under its own lock: one committed transaction each
    summaries: list[dict[str, Any]] = []
    for path in sorted(docs_dir.glob("*.json")) if docs_dir.is_dir() else []:
        raw = _read_locked(path)
        if raw is None:  # cannot happen today (documents are never deleted); harmless if it does
            continue
        try:
            tables = _tables(raw)
        except BackupError:  # damaged: kept as it is (the store quarantines it), reported
            put(f"store/documents/{path.name}", raw)
            damaged.append(path.stem)
            continue
        records = list((tables.get("document") or {}).values())
        if not records:  # a file with no record is not a document (see TinyDBRepository.document)
            continue
        put(f"store/documents/{path.name}", raw)
        summaries.append(summary_of(records[0]))
        counts["documents"] += 1
        counts["versions"] += len(tables.get("versions") or {})
        counts["links"] += len(tables.get("links") or {})
        counts["history"] += len(tables.get("history") or {})

    # 2. originals after the documents: everything they refer to is already written; they
    # are immutable (content-addressed), so they are streamed from disk, hashed on the way
    originals = data_dir / "originals"
    for path in sorted(originals.iterdir()) if originals.is_dir() else []:
        if path.is_file() and not path.is_symlink() and not _is_temp_or_lock(path.name):
            rel = f"originals/{path.name}"
            info = tarfile.TarInfo(rel)
            info.size = path.stat().st_size
            info.mtime = int(when.timestamp())
            info.mode = 0o600
            with path.open("rb") as fh:
                reader = _HashingReader(fh)
                tar.addfile(info, reader)
            if reader.size != info.size:
                raise BackupError(f"the original {path.name} changed while it was backed up")
            entries[rel] = {"sha256": reader.sha.hexdigest(), "size": reader.size}
            counts["originals"] += 1

    # 3. directory (agencies, users: never deleted), sign-in attempts and the learning examples,
    #    each under its lock
    schema = SCHEMA_VERSION
    for name in ("directory.json", "attempts.json", "learning.jsonl", "learning-settings.json"):
        raw = _read_locked(store / name)
        if raw is None:
            continue
        put(f"store/{name}", raw)
        if name == "directory.json":
            tables = _tables(raw)
            counts["agencies"] = len(tables.get("agencies") or {})
            counts["users"] = len(tables.get("users") or {})
            row = next(iter((tables.get("meta") or {}).values()), {})
            schema = int(row.get("schema_version", SCHEMA_VERSION))

    # 3b. the audit trail (append-only month files, each read under its lock); browser sessions
    #     are not backed up: after a restore everyone signs in again
    audit_dir = store / "audit"
    for path in sorted(audit_dir.glob("*.jsonl")) if audit_dir.is_dir() else []:
        raw = _read_locked(path)
        if raw is not None:
            put(f"store/audit/{path.name}", raw)
            counts["audit files"] = counts.get("audit files", 0) + 1

    # 4. the index rebuilt from the copied documents (it is derived data)
    snap = Snapshot({}, writable=True)
    if summaries:
        snap.table("documents").insert_multiple(summaries)
    put("store/index.json", json.dumps(snap.storage.data, separators=(",", ":")).encode())
    counts["_schema"] = schema
    return counts, entries


def backup(data_dir: str | Path, out_path: str | Path) -> BackupResult:
    """Write a consistent ``.tar.gz`` snapshot of ``data_dir`` to ``out_path`` while the app runs.

    ``out_path`` may be a directory: the archive is then named ``competency-review-<time>.tar.gz``.
    The archive is written to a temporary file (mode 0600, beside the target) and renamed, so a
    half-written backup never carries the final name; the store is streamed into it and never
    copied to a staging directory, and the manifest (written last) carries streaming checksums."""
    data_dir = Path(data_dir)
    if not (data_dir / "store" / "directory.json").exists():
        raise BackupError(f"there is no store to back up in {data_dir}")
    now = datetime.now(UTC)
    out = Path(out_path)
    if out.is_dir():
        out = out / f"competency-review-{now.strftime('%Y%m%dT%H%M%SZ')}.tar.gz"
    if out.resolve().is_relative_to(data_dir.resolve() / "store"):
        raise BackupError("write the backup outside the store directory")
    out.parent.mkdir(parents=True, exist_ok=True)

    damaged: list[str] = []
    fd, tmp_out = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            with tarfile.open(fileobj=fh, mode="w:gz") as tar:
                counts, entries = _write_snapshot(data_dir, tar, now, damaged)
                schema = counts.pop("_schema", SCHEMA_VERSION)
                manifest = {
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "schema_version": schema,
                    "created_at": now.isoformat(timespec="seconds"),
                    "counts": counts,
                    "files": entries,
                    "damaged_documents": damaged,
                }
                blob = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
                _add_bytes(tar, MANIFEST, blob, now)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp_out, 0o600)  # it holds confidential policies
        os.replace(tmp_out, out)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_out)
        raise
    total = sum(int(e["size"]) for e in entries.values())
    return BackupResult(out, counts, len(entries), total, tuple(damaged))


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, when: datetime) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(when.timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


# --------------------------------------------------------------------------- restore


def read_manifest(archive: str | Path) -> dict[str, Any]:
    """The manifest of a backup archive (checked for format and version, not yet for content)."""
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            try:
                member = tar.getmember(MANIFEST)
            except KeyError:
                raise BackupError(
                    f"{Path(archive).name} is not a Competency Review backup (no manifest)"
                ) from None
            fh = tar.extractfile(member)
            if fh is None:
                raise BackupError("the backup's manifest is not a regular file")
            manifest = json.loads(fh.read())
    except (tarfile.TarError, EOFError, OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise BackupError(f"no such backup file: {archive}") from exc
        raise BackupError(f"{Path(archive).name} is not a readable backup archive ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{Path(archive).name} is not a Competency Review backup")
    if int(manifest.get("format_version", 0)) > FORMAT_VERSION:
        raise BackupError("this backup was made by a newer version of Competency Review")
    if int(manifest.get("schema_version", 0)) > SCHEMA_VERSION:
        raise BackupError(
            f"this backup holds a store of schema {manifest['schema_version']}; this version "
            f"reads up to {SCHEMA_VERSION}. Upgrade the application first."
        )
    if not isinstance(manifest.get("files"), dict):
        raise BackupError("the backup's manifest lists no files")
    return manifest


def _safe_relpath(name: str) -> bool:
    p = PurePosixPath(name)
    return (
        bool(name)
        and not p.is_absolute()
        and ".." not in p.parts
        and "\\" not in name
        and p.parts[0] in PARTS
    )


def store_is_empty(data_dir: str | Path) -> bool:
    """Whether ``data_dir`` holds no data worth keeping: no document, original, agency or user.
    (A store the app merely opened holds a schema row only.)"""
    root = Path(data_dir)
    docs = root / "store" / "documents"
    if docs.is_dir() and any(docs.glob("*.json")):
        return False
    originals = root / "originals"
    if originals.is_dir() and any(p for p in originals.iterdir() if not _is_temp_or_lock(p.name)):
        return False
    directory = root / "store" / "directory.json"
    if directory.exists():
        tables = _tables(directory.read_bytes())
        if tables.get("users") or tables.get("agencies"):
            return False
    return True


#: a restore writes this file into the data directory before it swaps anything and removes it
#: after the last rename: while it exists the store is half-restored and will not be opened
RESTORE_MARKER = ".restore-in-progress"
_COPY_CHUNK = 1 << 20


def _extract_verified(archive: Path, manifest: dict[str, Any], dest: Path) -> None:
    """Extract the listed files into ``dest``, checking each member's type and size against
    the manifest *before* reading it, streaming it to disk with its checksum computed on the
    way (never a whole file in memory), and refusing an archive larger than the free space."""
    expected = manifest["files"]
    total = 0
    for rel, meta in expected.items():
        if not _safe_relpath(rel):
            raise BackupError(f"the backup lists an unsafe path: {rel!r}")
        try:
            size = int(meta["size"])
            str(meta["sha256"])
        except (KeyError, TypeError, ValueError):
            raise BackupError(f"the backup's manifest entry for {rel!r} is damaged") from None
        if size < 0:
            raise BackupError(f"the backup's manifest entry for {rel!r} is damaged")
        total += size
    free = shutil.disk_usage(dest).free
    if total > free:
        raise BackupError(
            f"the backup needs {total / 1e6:.0f} MB and only {free / 1e6:.0f} MB are free here"
        )
    seen: set[str] = set()
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            for m in tar:
                if m.name == MANIFEST or m.isdir():
                    continue
                if m.type not in (tarfile.REGTYPE, tarfile.AREGTYPE) or m.issparse():
                    raise BackupError(
                        f"the backup holds a link, a device or a sparse file, refused: {m.name!r}"
                    )
                if m.name not in expected or not _safe_relpath(m.name):
                    raise BackupError(
                        f"the backup holds a file its manifest does not list: {m.name!r}"
                    )
                if m.name in seen:
                    raise BackupError(f"the backup holds {m.name!r} twice")
                meta = expected[m.name]
                if m.size != int(meta["size"]):
                    raise BackupError(
                        f"the backup is damaged: {m.name} does not match its checksum (size)"
                    )
                seen.add(m.name)
                target = dest / PurePosixPath(m.name)
                target.parent.mkdir(parents=True, exist_ok=True)
                src = tar.extractfile(m)
                if src is None:
                    raise BackupError(f"the backup holds an unreadable member: {m.name!r}")
                sha = hashlib.sha256()
                written = 0
                with open(target, "xb") as out:
                    while chunk := src.read(_COPY_CHUNK):
                        written += len(chunk)
                        if written > m.size:
                            raise BackupError(f"the backup is damaged: {m.name} is too long")
                        sha.update(chunk)
                        out.write(chunk)
                if written != m.size or sha.hexdigest() != meta["sha256"]:
                    raise BackupError(
                        f"the backup is damaged: {m.name} does not match its checksum"
                    )
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        raise BackupError(f"the backup archive is damaged ({exc})") from exc
    missing = set(expected) - seen
    if missing:
        raise BackupError(
            f"the backup is incomplete: {len(missing)} file(s) missing, e.g. {sorted(missing)[0]}"
        )
    for part in PARTS:
        (dest / part).mkdir(exist_ok=True)
    (dest / "store" / "documents").mkdir(exist_ok=True)


def _write_marker(data_dir: Path, record: dict[str, Any]) -> None:
    from review.storage import atomic_write_bytes

    atomic_write_bytes(data_dir / RESTORE_MARKER, json.dumps(record).encode("utf-8"))


def recover_interrupted_restore(data_dir: str | Path) -> bool:
    """Undo what a killed restore left: put the moved-aside store back where it was missing,
    drop the staging directories and the marker. True when there was something to undo."""
    data_dir = Path(data_dir)
    marker = data_dir / RESTORE_MARKER
    did = False
    if marker.exists():
        try:
            record = json.loads(marker.read_bytes())
        except (OSError, json.JSONDecodeError):
            record = {}
        aside = Path(record["aside"]) if record.get("aside") else None
        if aside is not None and aside.is_dir():
            for part in PARTS:
                if (aside / part).exists() and not (data_dir / part).exists():
                    os.replace(aside / part, data_dir / part)
            with contextlib.suppress(OSError):
                aside.rmdir()  # only when empty
        marker.unlink()
        did = True
    for stale in data_dir.glob(".restore-*"):
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)  # a plaintext copy: never left behind
            did = True
    return did


def restore(archive: str | Path, data_dir: str | Path, *, force: bool = False) -> RestoreResult:
    """Verify ``archive`` and make it the store in ``data_dir``.

    Refuses a data directory that already holds data unless ``force`` (which moves the current
    ``store`` and ``originals`` aside into ``<data>/pre-restore-<time>/``). Stop the app first:
    a running app keeps working on whatever store is in place when it next reads a file."""
    archive = Path(archive)
    data_dir = Path(data_dir)
    manifest = read_manifest(archive)
    if not store_is_empty(data_dir) and not force:
        raise BackupError(
            f"{data_dir} already holds a store; restore into an empty directory, or pass --force "
            "to replace it (the current store is kept aside, not deleted)"
        )
    data_dir.mkdir(parents=True, exist_ok=True)
    recover_interrupted_restore(data_dir)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=data_dir))  # same file system
    aside: Path | None = None
    try:
        _extract_verified(archive, manifest, staging)
        # the restored store must open with this version's repository (schema check)
        from review.storage import TinyDBRepository

        TinyDBRepository(staging)
        aside = data_dir / f"pre-restore-{stamp}"
        # from here until the marker is gone the store is half-restored: the app refuses it
        _write_marker(data_dir, {"aside": str(aside), "staging": str(staging)})
        existing = [p for p in PARTS if (data_dir / p).exists()]
        if existing:
            aside.mkdir()
            for part in existing:
                os.replace(data_dir / part, aside / part)
        else:
            aside = None
        for part in PARTS:
            os.replace(staging / part, data_dir / part)
        (data_dir / RESTORE_MARKER).unlink()
    except BaseException:
        if aside is not None and aside.is_dir():  # put the previous store back where it was
            for part in PARTS:
                if (aside / part).exists() and not (data_dir / part).exists():
                    os.replace(aside / part, data_dir / part)
        with contextlib.suppress(FileNotFoundError):
            (data_dir / RESTORE_MARKER).unlink()
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if aside is not None and store_is_empty(aside):  # nothing there was worth keeping
        shutil.rmtree(aside, ignore_errors=True)
        aside = None
    return RestoreResult(
        data_dir=data_dir,
        counts=dict(manifest.get("counts") or {}),
        created_at=str(manifest.get("created_at", "")),
        moved_aside=aside,
        files=len(manifest["files"]),
    )
