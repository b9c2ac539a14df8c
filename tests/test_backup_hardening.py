"""Backup and restore under attack and interruption (issue 11, item 9): member types and sizes
checked before extraction, streaming checksums, a crash-safe swap (a half-restored store is
refused, never silently replaced by an empty one), no plaintext copy left behind."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from review.errors import StoreError
from review.ops import RESTORE_MARKER, BackupError, backup, restore
from review.services import ReviewService
from review.storage import TinyDBRepository
from tests.e2e_support import Seed

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def archive(tmp_path: Path) -> tuple[Path, Seed]:
    seed = Seed(tmp_path / "src")
    seed.upload("alice")
    return backup(tmp_path / "src", tmp_path / "b.tar.gz").path, seed


def _manifest(files: dict[str, tuple[str, int]]) -> bytes:
    return json.dumps(
        {
            "format": "competency-review-backup",
            "format_version": 1,
            "schema_version": 1,
            "created_at": "2024-05-01T09:00:00+00:00",
            "counts": {},
            "files": {n: {"sha256": sha, "size": size} for n, (sha, size) in files.items()},
        }
    ).encode()


def test_a_sparse_member_is_refused_before_it_is_read(tmp_path: Path):
    """A tiny archive holding a sparse 20 GiB file (GNU tar --sparse) is refused from its
    header, without inflating it (it raised MemoryError before)."""
    work = tmp_path / "w"
    (work / "store").mkdir(parents=True)
    big = work / "store" / "directory.json"
    with big.open("wb") as fh:
        fh.truncate(20 * 1024**3)
    (work / "manifest.json").write_bytes(
        _manifest({"store/directory.json": (hashlib.sha256(b"").hexdigest(), 20 * 1024**3)})
    )
    bad = tmp_path / "sparse.tar.gz"
    subprocess.run(
        ["tar", "-czSf", str(bad), "-C", str(work), "manifest.json", "store/directory.json"],
        check=True,
        timeout=120,
    )
    assert bad.stat().st_size < 1024 * 1024
    target = tmp_path / "target"
    with pytest.raises(BackupError, match="sparse|free"):
        restore(bad, target)
    assert not (target / "store").exists()
    assert not list(target.glob(".restore-*"))


def test_a_member_larger_than_the_manifest_says_is_refused(tmp_path: Path):
    data = b"{}" * 1000
    work = tmp_path / "t.tar.gz"
    with tarfile.open(work, "w:gz") as tar:
        manifest = _manifest({"store/directory.json": (hashlib.sha256(data).hexdigest(), 10)})
        for name, blob in (("manifest.json", manifest), ("store/directory.json", data)):
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            import io

            tar.addfile(info, io.BytesIO(blob))
    with pytest.raises(BackupError, match="does not match"):
        restore(work, tmp_path / "target")


def _kill_during_swap(archive: Path, target: Path, after: int) -> int:
    """Restore in a child process that dies (os._exit, like SIGKILL: no cleanup runs) right
    after the ``after``-th rename of the swap."""
    code = f"""
import os, sys
sys.path.insert(0, {str(ROOT)!r})
import review.ops as ops
real = os.replace
count = [0]
def replace(a, b):
    real(a, b)
    if str(a).startswith({str(target)!r}) and ".restore-" in str(a) or "pre-restore" in str(b):
        count[0] += 1
        if count[0] == {after}:
            os._exit(9)
ops.os.replace = replace
ops.restore({str(archive)!r}, {str(target)!r}, force=True)
"""
    return subprocess.run([sys.executable, "-c", code], timeout=120, check=False).returncode


def test_a_restore_killed_between_renames_is_refused_then_recovered(archive, tmp_path: Path):
    path, seed = archive
    target = tmp_path / "live"
    restore(path, target)  # a store with data to replace
    assert _kill_during_swap(path, target, after=2) == 9  # store moved aside, new one half in
    assert (target / RESTORE_MARKER).exists()
    with pytest.raises(StoreError, match="interrupted"):
        TinyDBRepository(target)  # never silently an empty store
    with pytest.raises(StoreError, match="interrupted"):
        ReviewService(data_dir=target)
    restore(path, target, force=True)  # puts the previous store back, then restores
    assert not (target / RESTORE_MARKER).exists()
    assert not list(target.glob(".restore-*"))  # no plaintext staging copy left
    svc = ReviewService(data_dir=target)
    assert len(svc.list_documents(seed.actor("alice"))) == 1


def test_a_killed_backup_leaves_no_plaintext_copy(archive, tmp_path: Path):
    _, seed = archive
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    code = f"""
import os, sys, tarfile
sys.path.insert(0, {str(ROOT)!r})
import review.ops as ops
real = tarfile.TarFile.addfile
def addfile(self, info, fileobj=None):
    if info.name.startswith("originals/"):
        os._exit(9)
    return real(self, info, fileobj)
tarfile.TarFile.addfile = addfile
ops.backup({str(seed.data_dir)!r}, {str(out / "b.tar.gz")!r})
"""
    env = {**os.environ, "TMPDIR": str(tmpdir)}
    done = subprocess.run([sys.executable, "-c", code], timeout=120, check=False, env=env)
    assert done.returncode == 9
    assert list(tmpdir.iterdir()) == []  # no staging copy of the store in the temp directory
    assert not (out / "b.tar.gz").exists()
    for p in out.iterdir():  # only the partial, compressed archive, private to its owner
        assert p.name.endswith(".tmp") and (p.stat().st_mode & 0o077) == 0
