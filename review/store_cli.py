"""``competency-review migrate-store --to postgresql://... [--from DATA_DIR] [--force]``.

Copies the TinyDB store of the data directory (``COMPETENCY_REVIEW_DATA``, or ``--from``) and its
originals into a PostgreSQL database, then verifies counts, every document and every original's
SHA-256 on both sides (:mod:`review.store_copy`). Safe to re-run: what is already there and
identical is kept; a target holding anything else is refused unless ``--force`` (which empties it
first). Stop the app (or keep it read-only) while migrating; point it at the database afterwards
with ``COMPETENCY_REVIEW_DATABASE_URL``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def cmd_migrate_store(args: argparse.Namespace) -> int:
    from review.config import data_dir
    from review.errors import ValidationFailed
    from review.storage import TinyDBRepository
    from review.storage_pg import PostgresRepository
    from review.store_copy import copy_store

    if not args.to.startswith(("postgresql://", "postgres://")):
        raise ValidationFailed("--to takes a PostgreSQL URL: postgresql://user@host/dbname")
    source_dir = Path(args.source) if args.source else data_dir()
    if not (source_dir / "store" / "directory.json").exists():
        raise ValidationFailed(f"there is no TinyDB store in {source_dir}")
    src = TinyDBRepository(source_dir)
    dst = PostgresRepository(args.to, max_size=2)
    try:
        result = copy_store(
            src, dst, force=args.force, progress=lambda m: print(m, file=sys.stderr)
        )
    finally:
        dst.close()
    copied = ", ".join(f"{n} {k}" for k, n in sorted(result.copied.items())) or "nothing new"
    present = ", ".join(f"{n} {k}" for k, n in sorted(result.present.items()))
    print(f"copied {source_dir} into the database: {copied}")
    if present:
        print(f"  already there and identical: {present}")
    print("  verified: " + ", ".join(f"{n} {k}" for k, n in result.verified.items()))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    m = sub.add_parser(
        "migrate-store",
        help="copy the TinyDB store and its originals into PostgreSQL, then verify the copy",
    )
    m.add_argument("--to", required=True, metavar="URL", help="postgresql://user@host/dbname")
    m.add_argument(
        "--from",
        dest="source",
        metavar="DATA_DIR",
        help="the data directory to copy (default: COMPETENCY_REVIEW_DATA or ./runtime)",
    )
    m.add_argument(
        "--force",
        action="store_true",
        help="empty a target that holds other data first (otherwise refused)",
    )
    m.set_defaults(func=cmd_migrate_store)
