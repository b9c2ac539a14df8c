"""The PostgreSQL store's schema: numbered SQL migrations and the runner that applies them.

``review/migrations/postgres/NNNN_name.sql``, each applied in its own transaction under an
advisory lock (two replicas starting at once cannot both apply one) and recorded in
``schema_migrations``; a database written by a newer version of the code is refused.
"""

from __future__ import annotations

from pathlib import Path

import psycopg

from review.errors import StoreError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations" / "postgres"
#: pg_advisory_xact_lock key held while migrations run ("CRv1" as an int)
_MIGRATION_LOCK = 0x43527631
#: every table of the store, children before parents (one TRUNCATE empties them all; copies
#: insert them in reverse order)
TABLES = (
    "audit_events",
    "sessions",
    "sign_in_grants",
    "learning_examples",
    "learning_settings",
    "originals",
    "sign_in_failures",
    "assessments",
    "review_locks",
    "history",
    "links",
    "sections",
    "versions",
    "document_summaries",
    "documents",
    "framework_imports",
    "users",
    "agencies",
)


def _migrations() -> list[tuple[int, str, str]]:
    out = []
    for p in sorted(MIGRATIONS_DIR.glob("*.sql")):
        number = int(p.name.split("_", 1)[0])
        out.append((number, p.name, p.read_text(encoding="utf-8")))
    return out


#: the newest schema this code knows
SCHEMA_VERSION = max((n for n, _, _ in _migrations()), default=0)


def migrate(conn: psycopg.Connection) -> int:
    """Apply every migration not applied yet, each in its own transaction. Returns the schema
    version. Refuses a database written by a newer version of the application."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY, name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
    for number, name, sql in _migrations():
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            done = conn.execute(
                "SELECT 1 FROM schema_migrations WHERE version = %s", (number,)
            ).fetchone()
            if done:
                continue
            conn.execute(sql)  # type: ignore[arg-type]  # a file of statements, no parameters
            conn.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", (number, name)
            )
    row = conn.execute("SELECT max(version) FROM schema_migrations").fetchone()
    found = int(row[0] or 0) if row else 0
    if found > SCHEMA_VERSION:
        raise StoreError(
            f"the database was written by a newer version of Competency Review (schema {found}; "
            f"this version reads up to {SCHEMA_VERSION}). Upgrade the application."
        )
    return found
