"""Backup and restore when the store is PostgreSQL (``COMPETENCY_REVIEW_DATABASE_URL``).

One archive format for both stores: a backup of the database is written by copying it into a
TinyDB-layout staging directory (:mod:`review.store_copy`, document by document, each read in one
snapshot) and archiving that with :func:`review.ops.backup` — manifest, checksums and all. A
restore verifies the archive with :func:`review.ops.restore` into a staging directory and copies
it into the database. ``--force`` on a database that holds data first writes a safety backup of
it beside the data directory (``pre-restore-<time>.tar.gz``), then empties it.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from review.ops import BackupError, BackupResult, RestoreResult, backup, restore
from review.storage import TinyDBRepository
from review.storage_pg import PostgresRepository
from review.store_copy import copy_store


def backup_database(repo: PostgresRepository, out_path: str | Path) -> BackupResult:
    with tempfile.TemporaryDirectory(prefix="cr-pg-backup-") as tmp:
        staging = TinyDBRepository(tmp)
        copy_store(repo, staging)
        return backup(tmp, out_path)


def restore_database(
    archive: str | Path, repo: PostgresRepository, data_dir: str | Path, *, force: bool = False
) -> RestoreResult:
    if not repo.is_empty() and not force:
        raise BackupError(
            "the database already holds a store; restore into an empty database, or pass --force "
            "to replace it (a backup of the current content is written first)"
        )
    with tempfile.TemporaryDirectory(prefix="cr-pg-restore-") as tmp:
        result = restore(archive, tmp)  # verifies the manifest, every checksum, the schema
        aside = None
        if not repo.is_empty():
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
            aside = Path(data_dir) / f"pre-restore-{stamp}.tar.gz"
            backup_database(repo, aside)
            repo.wipe()
        copy_store(TinyDBRepository(tmp), repo)
    return RestoreResult(
        data_dir=Path(data_dir),
        counts=result.counts,
        created_at=result.created_at,
        moved_aside=aside,
        files=result.files,
    )
