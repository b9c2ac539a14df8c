"""Operator sub-commands of ``competency-review``: ``backup OUT`` and ``restore IN [--force]``.

Both act on the data directory of :func:`review.config.data_dir` (``COMPETENCY_REVIEW_DATA``).
``backup`` is safe while the app runs; ``restore`` should run with the app stopped. Refusals
(damaged archive, non-empty target without ``--force``) exit with 1 and a message on stderr.
"""

from __future__ import annotations

import argparse
import sys


def _mb(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB" if n >= 1_048_576 else f"{n / 1024:.0f} KB"


def _counts(counts: dict[str, int]) -> str:
    keys = ("documents", "versions", "links", "history", "originals", "agencies", "users")
    return ", ".join(f"{counts.get(k, 0)} {k}" for k in keys)


def _database():
    """The PostgreSQL store when COMPETENCY_REVIEW_DATABASE_URL selects it, else None."""
    from review.storage import database_url, open_repository

    return open_repository() if database_url() else None


def cmd_backup(args: argparse.Namespace) -> int:
    from review.config import data_dir
    from review.ops import backup

    db = _database()
    if db is not None:
        from review.ops_pg import backup_database

        r = backup_database(db, args.out)
    else:
        r = backup(data_dir(), args.out)
    print(f"backup written to {r.path} ({r.files} files, {_mb(r.bytes)} before compression)")
    if r.damaged:
        print(
            f"warning: {len(r.damaged)} damaged document file(s) copied as they are, not "
            f"readable: {', '.join(r.damaged)}",
            file=sys.stderr,
        )
    print(f"  {_counts(r.counts)}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from review.config import data_dir
    from review.ops import restore

    db = _database()
    if db is not None:
        from review.ops_pg import restore_database

        r = restore_database(args.archive, db, data_dir(), force=args.force)
    else:
        r = restore(args.archive, data_dir(), force=args.force)
    print(f"restored the backup of {r.created_at} into {r.data_dir} ({r.files} files)")
    print(f"  {_counts(r.counts)}")
    if r.moved_aside is not None:
        print(f"  the previous store was moved to {r.moved_aside}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``backup`` and ``restore`` to the ``competency-review`` parser."""
    b = sub.add_parser(
        "backup",
        help="write a consistent snapshot of the store and uploaded files (safe while the app runs)",
    )
    b.add_argument("out", metavar="OUT", help="archive to write (.tar.gz), or a directory for it")
    b.set_defaults(func=cmd_backup)

    r = sub.add_parser("restore", help="restore a backup archive into the data directory")
    r.add_argument("archive", metavar="IN", help="a backup archive written by 'backup'")
    r.add_argument(
        "--force",
        action="store_true",
        help="replace a store that already holds data (it is moved aside, not deleted)",
    )
    r.set_defaults(func=cmd_restore)
