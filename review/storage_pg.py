"""The store on PostgreSQL: :class:`PostgresRepository` behind the same Repository protocol.

Selected by ``COMPETENCY_REVIEW_DATABASE_URL=postgresql://...`` (see
:func:`review.storage.open_repository`); unset, the embedded TinyDB store is used.

Shape
-----
Relational tables (``review/migrations/postgres/*.sql``): agencies, users, framework imports,
documents, document summaries (the worklist index), versions, sections, links, history
(append-only: a trigger refuses UPDATE and DELETE), review locks, assessments, sign-in failures,
originals (content-addressed ``bytea``). Whole records that the protocol hands over are kept as
JSONB in a ``data`` column; every field a query filters or orders on is also a real, indexed
column (worklists, the audit trail, sign-in throttling, a document's links by version).

Concurrency
-----------
``repo.document(id, write=True)`` is one short transaction (one service call — never held across
Streamlit reruns): it takes the document row with ``SELECT ... FOR UPDATE``, so two reviewers
deciding on one document serialize exactly like the TinyDB store's file lock, and other
documents are not touched. Every document and link row carries a ``row_version``; an update is
``... WHERE row_version = <the version read>`` and a row changed by someone else in between
raises :class:`StoreError` instead of silently losing their write. The review lock is a row in
``review_locks`` read ``FOR UPDATE`` in the same transaction and expires ``touched_at`` + the
service's lock timeout. Read transactions run ``REPEATABLE READ READ ONLY`` so a document, its
versions and links are read from one snapshot.

Migrations are numbered SQL files, each applied in one transaction under an advisory lock (two
replicas starting at once cannot both apply one); ``schema_migrations`` records what ran
(:mod:`review.storage_pg_schema`). One document's transaction is :mod:`review.storage_pg_tx`.
"""

from __future__ import annotations

import contextlib
import copy
import os
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from review.blobs import check_key, sha256_hex
from review.errors import NotFound, StoreError, ValidationFailed
from review.storage_pg_schema import SCHEMA_VERSION, TABLES, migrate
from review.storage_pg_tx import PgDocumentTx, _jsonb

__all__ = [
    "SCHEMA_VERSION",
    "TABLES",
    "PgDocumentTx",
    "PostgresBlobStore",
    "PostgresRepository",
    "migrate",
    "shared_repository",
]

Record = dict[str, Any]

#: summary fields a caller may filter on in SQL (see :meth:`PostgresRepository.summaries`)
_MATCH_COLUMNS = {"state": "state", "agency_id": "agency_id", "reviewer_key": "reviewer_key"}


#: the advisory lock that serialises sign-in attempts (check and record in one step)
_ATTEMPT_LOCK = 0x5349474E  # "SIGN"


def unavailable(exc: BaseException) -> StoreError:
    return StoreError(
        "the database is unavailable right now (connection lost or refused); "
        "your last action was not saved — try again in a moment"
    )


def _default_blobs(repo: PostgresRepository) -> Any:
    """Originals in the database, or in S3 when ``COMPETENCY_REVIEW_ORIGINALS=s3://...``."""
    from review.blobs_s3 import ENV, S3BlobStore

    url = os.environ.get(ENV, "").strip()
    return S3BlobStore.from_url(url) if url else PostgresBlobStore(repo)


class PostgresBlobStore:
    """Originals in the ``originals`` table: one row per distinct SHA-256, never overwritten."""

    def __init__(self, repo: PostgresRepository):
        self._repo = repo

    def put(self, data: bytes, ext: str) -> str:
        sha = sha256_hex(data)
        check_key(sha, ext)
        with self._repo._tx() as cur:
            cur.execute(
                "INSERT INTO originals (sha256, size, data) VALUES (%s, %s, %s)"
                " ON CONFLICT (sha256) DO NOTHING",
                (sha, len(data), data),
            )
        return sha

    def get(self, sha256: str, ext: str) -> bytes:
        check_key(sha256, ext)
        with self._repo._tx() as cur:
            row = cur.execute("SELECT data FROM originals WHERE sha256 = %s", (sha256,)).fetchone()
        if row is None:
            raise NotFound("the original file of this version is missing from the store")
        return bytes(row[0])

    def has(self, sha256: str) -> bool:
        with self._repo._tx() as cur:
            return (
                cur.execute("SELECT 1 FROM originals WHERE sha256 = %s", (sha256,)).fetchone()
                is not None
            )


def _summary_row(summary: Record) -> tuple:
    return (
        summary["id"],
        summary.get("agency_id"),
        summary.get("state"),
        (summary.get("reviewer") or "").casefold(),
        summary.get("submitted_at") or "",
        summary.get("updated_at") or "",
        int(summary.get("rev") or 0),
        _jsonb(summary),
    )


_PUT_SUMMARY = (
    "INSERT INTO document_summaries"
    " (id, agency_id, state, reviewer_key, submitted_at, updated_at, rev, data)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (id) DO UPDATE SET agency_id = EXCLUDED.agency_id, state = EXCLUDED.state,"
    " reviewer_key = EXCLUDED.reviewer_key, submitted_at = EXCLUDED.submitted_at,"
    " updated_at = EXCLUDED.updated_at, rev = EXCLUDED.rev, data = EXCLUDED.data"
    " WHERE document_summaries.rev <= EXCLUDED.rev"
)


def _pool_size() -> int:
    raw = os.environ.get("COMPETENCY_REVIEW_DB_POOL", "").strip()
    return max(1, int(raw)) if raw else 10


def _timeout_s() -> float:
    """How long a call waits for a pooled connection before reporting the database unavailable
    (during an outage: a clear message after this many seconds, not a hang)."""
    raw = os.environ.get("COMPETENCY_REVIEW_DB_TIMEOUT", "").strip()
    return max(0.5, float(raw)) if raw else 10.0


class PostgresRepository:
    """The Repository protocol on PostgreSQL (see the module docstring)."""

    def __init__(
        self,
        url: str,
        *,
        max_size: int | None = None,
        timeout_s: float | None = None,
        blobs: Any | None = None,
    ):
        self.url = url
        self.timeout_s = timeout_s = timeout_s if timeout_s is not None else _timeout_s()
        self.pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max_size or _pool_size(),
            open=False,
            timeout=timeout_s,
            check=ConnectionPool.check_connection,  # a connection dropped by a restart is replaced
            name="competency-review",
        )
        try:
            self.pool.open(wait=True, timeout=timeout_s)
        except PoolTimeout as exc:
            self.pool.close()
            raise StoreError(
                "cannot connect to the database (COMPETENCY_REVIEW_DATABASE_URL); is it running?"
            ) from exc
        try:
            with self.pool.connection() as conn:
                self._schema = migrate(conn)
        except psycopg.OperationalError as exc:
            self.pool.close()
            raise unavailable(exc) from exc
        self.blobs = blobs if blobs is not None else _default_blobs(self)
        self.repair_recent()

    # ---------------------------------------------------------------- plumbing

    @contextlib.contextmanager
    def _tx(self, read_only: bool = False) -> Iterator[psycopg.Cursor]:
        """One transaction on a pooled connection: committed when the block ends normally,
        rolled back on an exception. Connection failures become a clear :class:`StoreError`."""
        try:
            with self.pool.connection() as conn, conn.cursor() as cur:
                if read_only:
                    cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                yield cur
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise unavailable(exc) from exc
        except psycopg.DataError as exc:
            if exc.sqlstate == "22P05" or "NUL" in str(exc):
                raise ValidationFailed(
                    "the text contains a NUL character (U+0000), which the database cannot "
                    "store; remove it and try again (nothing was saved)"
                ) from exc
            raise StoreError(
                f"the database refused the change ({exc.sqlstate}); nothing was saved"
            ) from exc
        except psycopg.DatabaseError as exc:
            raise StoreError(
                f"the database refused the change ({exc.sqlstate}); nothing was saved"
            ) from exc

    def close(self) -> None:
        self.pool.close()

    @property
    def schema_version(self) -> int:
        with self._tx() as cur:
            row = cur.execute("SELECT max(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0) if row else 0

    def is_empty(self) -> bool:
        with self._tx() as cur:
            for table in ("agencies", "users", "documents", "originals"):
                if cur.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():
                    return False
        return True

    def wipe(self) -> None:
        """Empty every table (restore --force, migrate-store --force, tests). TRUNCATE does not
        fire the history table's row triggers: this is the one way history is ever removed."""
        with self._tx() as cur:
            cur.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY")

    def counts(self) -> dict[str, int]:
        with self._tx() as cur:
            return {
                t: int(cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0])  # type: ignore[index]
                for t in TABLES
            }

    # ---------------------------------------------------------------- documents

    @contextlib.contextmanager
    def document(self, document_id: str, write: bool = False) -> Iterator[PgDocumentTx]:
        with self._tx(read_only=not write) as cur:
            sql = "SELECT data, row_version FROM documents WHERE id = %s"
            if write:
                sql += " FOR UPDATE"
            row = cur.execute(sql, (document_id,)).fetchone()  # type: ignore[arg-type]
            if row is None:
                raise NotFound("no such document")
            tx = PgDocumentTx(document_id, cur, row[0], row[1], write)
            yield tx
            tx._flush()

    @contextlib.contextmanager
    def create_document(self, record: Record) -> Iterator[PgDocumentTx]:
        doc_id = record["id"]
        if not doc_id or not all(c.isalnum() or c in "-_" for c in doc_id):
            raise NotFound("no such document")
        with self._tx() as cur:
            cur.execute(
                "INSERT INTO documents (id, agency_id, state, data) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (id) DO NOTHING",
                (doc_id, record.get("agency_id"), record.get("state"), _jsonb(record)),
            )
            if cur.rowcount != 1:
                raise StoreError(f"document id {doc_id} is already used")
            tx = PgDocumentTx(doc_id, cur, copy.deepcopy(record), 1, True)
            tx._new = True
            yield tx
            tx._flush()

    def document_ids(self) -> list[str]:
        with self._tx() as cur:
            return [r[0] for r in cur.execute("SELECT id FROM documents ORDER BY id")]

    # ---------------------------------------------------------------- index

    def put_summary(self, summary: Record) -> None:
        """Insert or replace a summary unless the stored one has a higher ``rev``."""
        with self._tx() as cur:
            cur.execute(_PUT_SUMMARY, _summary_row(summary))

    def put_summaries(self, summaries: Iterable[Record]) -> None:
        rows = [_summary_row(s) for s in summaries]
        if not rows:
            return
        with self._tx() as cur:
            cur.executemany(_PUT_SUMMARY, rows)

    def summary(self, document_id: str) -> Record | None:
        with self._tx() as cur:
            row = cur.execute(
                "SELECT data FROM document_summaries WHERE id = %s", (document_id,)
            ).fetchone()
        return row[0] if row else None

    def summaries(
        self, where: Callable[[Record], bool] | None = None, *, match: Record | None = None
    ) -> list[Record]:
        """Summaries, narrowed in SQL by ``match`` (equality on ``state``, ``agency_id``,
        ``reviewer_key`` — indexed columns) and then by the ``where`` predicate in Python."""
        sql = "SELECT data FROM document_summaries"
        params: list[Any] = []
        conds = []
        for key, value in (match or {}).items():
            column = _MATCH_COLUMNS.get(key)
            if column is None:
                raise ValueError(f"cannot match summaries on {key!r}")
            conds.append(f"{column} = %s")
            params.append(value)
        if conds:
            sql += " WHERE " + " AND ".join(conds)
        with self._tx() as cur:
            rows = [r[0] for r in cur.execute(sql, params)]  # type: ignore[arg-type]
        return [r for r in rows if where is None or where(r)]

    def repair_index(self, document_ids: Iterable[str] | None = None) -> int:
        """Rebuild stale summaries from the document rows (a document and its summary are written
        in separate transactions, like the TinyDB store's two files)."""
        from review.storage import summary_of

        ids = list(document_ids) if document_ids is not None else None
        with self._tx() as cur:
            sql = (
                "SELECT d.data, s.data FROM documents d"
                " LEFT JOIN document_summaries s ON s.id = d.id"
            )
            rows = (
                cur.execute(sql + " WHERE d.id = ANY(%s)", (ids,)).fetchall()
                if ids is not None
                else cur.execute(sql).fetchall()
            )
        stale = []
        for rec, current in rows:
            summary = summary_of(rec)
            if current != summary:
                rev = max(int(summary.get("rev") or 0), int((current or {}).get("rev") or 0))
                stale.append({**summary, "rev": rev})
        self.put_summaries(stale)
        return len(stale)

    def repair_recent(self) -> int:
        """Repair the summaries a crash between a document's commit and its summary's left
        stale (run when a repository opens, like the TinyDB store's): one query finds the
        documents whose summary fields differ from their summary row, only those are rewritten."""
        from review.storage import SUMMARY_FIELDS

        with self._tx() as cur:
            stale = [
                r[0]
                for r in cur.execute(
                    "SELECT d.id FROM documents d LEFT JOIN document_summaries s ON s.id = d.id"
                    " WHERE s.id IS NULL OR s.data IS DISTINCT FROM"
                    " (SELECT jsonb_object_agg(k, coalesce(d.data -> k, 'null'::jsonb))"
                    "  FROM unnest(%s::text[]) AS k)",
                    (list(SUMMARY_FIELDS),),
                )
            ]
        return self.repair_index(stale) if stale else 0

    # ---------------------------------------------------------------- directory

    def add_agency(self, record: Record) -> None:
        with self._tx() as cur:
            if cur.execute("SELECT 1 FROM agencies WHERE id = %s", (record["id"],)).fetchone():
                raise StoreError(f"agency id {record['id']} is already used")
            cur.execute(
                "INSERT INTO agencies (id, name_key, data) VALUES (%s, %s, %s)"
                " ON CONFLICT (name_key) DO NOTHING",
                (record["id"], record["name"].casefold(), _jsonb(record)),
            )
            if cur.rowcount != 1:
                raise ValidationFailed(f"an agency named {record['name']!r} already exists")

    def agencies(self) -> list[Record]:
        with self._tx() as cur:
            return [r[0] for r in cur.execute("SELECT data FROM agencies ORDER BY seq")]

    def agency(self, agency_id: str) -> Record | None:
        with self._tx() as cur:
            row = cur.execute("SELECT data FROM agencies WHERE id = %s", (agency_id,)).fetchone()
        return row[0] if row else None

    def add_user(self, record: Record) -> None:
        key = record["username"].casefold()
        data = {**record, "key": key}
        with self._tx() as cur:
            cur.execute(
                "INSERT INTO users (key, username, role, agency_id, active, data)"
                " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (key) DO NOTHING",
                (
                    key,
                    record["username"],
                    record.get("role") or "",
                    record.get("agency_id"),
                    bool(record.get("active", True)),
                    _jsonb(data),
                ),
            )
            if cur.rowcount != 1:
                raise ValidationFailed(f"the username {record['username']!r} is already taken")

    def user(self, username: str) -> Record | None:
        with self._tx() as cur:
            row = cur.execute(
                "SELECT data FROM users WHERE key = %s", (username.casefold(),)
            ).fetchone()
        return row[0] if row else None

    def users(self) -> list[Record]:
        with self._tx() as cur:
            return [r[0] for r in cur.execute("SELECT data FROM users ORDER BY seq")]

    def update_user(self, username: str, fields: Record) -> None:
        key = username.casefold()
        with self._tx() as cur:
            row = cur.execute("SELECT data FROM users WHERE key = %s FOR UPDATE", (key,)).fetchone()
            if row is None:
                raise NotFound(f"no user named {username!r}")
            data = {**row[0], **copy.deepcopy(fields)}
            cur.execute(
                "UPDATE users SET role = %s, agency_id = %s, active = %s, data = %s WHERE key = %s",
                (
                    data.get("role") or "",
                    data.get("agency_id"),
                    bool(data.get("active", True)),
                    _jsonb(data),
                    key,
                ),
            )

    def update_user_keeping_an_admin(self, username: str, fields: Record) -> None:
        """Update a user unless that would leave no active admin (ValidationFailed, nothing
        written): every user row is locked, so two admins demoting each other at once take
        turns and the second is refused."""
        key = username.casefold()
        with self._tx() as cur:
            rows = {
                k: (d, r, a)
                for k, d, r, a in cur.execute(
                    "SELECT key, data, role, active FROM users ORDER BY key FOR UPDATE"
                )
            }
            if key not in rows:
                raise NotFound(f"no user named {username!r}")
            before = sum(1 for _d, r, a in rows.values() if r == "admin" and a)
            data = {**rows[key][0], **copy.deepcopy(fields)}
            role, active = data.get("role") or "", bool(data.get("active", True))
            after = (
                before - (rows[key][1] == "admin" and rows[key][2]) + (role == "admin" and active)
            )
            if before and not after:
                raise ValidationFailed(
                    "this would leave no active admin; make another user an admin first"
                )
            cur.execute(
                "UPDATE users SET role = %s, agency_id = %s, active = %s, data = %s WHERE key = %s",
                (role, data.get("agency_id"), active, _jsonb(data), key),
            )

    def add_import(self, record: Record) -> None:
        with self._tx() as cur:
            cur.execute("INSERT INTO framework_imports (data) VALUES (%s)", (_jsonb(record),))

    def imports(self) -> list[Record]:
        with self._tx() as cur:
            return [r[0] for r in cur.execute("SELECT data FROM framework_imports ORDER BY seq")]

    # ---------------------------------------------------------------- sign-in attempts

    def record_failure(self, keys: Iterable[str], time: str, keep_after: str) -> None:
        rows = [(k, time) for k in keys]
        with self._tx() as cur:
            cur.execute("DELETE FROM sign_in_failures WHERE time < %s", (keep_after,))
            if rows:
                cur.executemany("INSERT INTO sign_in_failures (key, time) VALUES (%s, %s)", rows)

    def failures(self, key: str, since: str) -> list[str]:
        with self._tx() as cur:
            return [
                r[0]
                for r in cur.execute(
                    "SELECT time FROM sign_in_failures WHERE key = %s AND time >= %s ORDER BY time",
                    (key, since),
                )
            ]

    def clear_failures(self, key: str) -> None:
        with self._tx() as cur:
            cur.execute("DELETE FROM sign_in_failures WHERE key = %s", (key,))

    def all_failures(self) -> list[Record]:
        with self._tx() as cur:
            return [
                {"key": k, "time": t}
                for k, t in cur.execute("SELECT key, time FROM sign_in_failures ORDER BY seq")
            ]

    def claim_attempt(
        self,
        keys: Sequence[str],
        time: str,
        keep_after: str,
        refuse: Callable[[dict[str, list[str]]], str | None],
    ) -> tuple[str | None, str]:
        """Check and record one sign-in attempt in one step (see the TinyDB store): a
        transaction-level advisory lock serialises attempts across every replica, so concurrent
        guesses cannot pass the limit."""
        token = uuid.uuid4().hex
        with self._tx() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (_ATTEMPT_LOCK,))
            times: dict[str, list[str]] = {k: [] for k in keys}
            if keys:
                for k, t in cur.execute(
                    "SELECT key, time FROM sign_in_failures WHERE key = ANY(%s) AND time > %s"
                    " ORDER BY time",
                    (list(keys), keep_after),
                ):
                    times[k].append(t)
            msg = refuse(times)
            if msg:
                return msg, ""
            cur.execute("DELETE FROM sign_in_failures WHERE time < %s", (keep_after,))
            cur.executemany(
                "INSERT INTO sign_in_failures (key, time, token) VALUES (%s, %s, %s)",
                [(k, time, token) for k in keys],
            )
        return None, token

    def forget_attempt(self, token: str) -> None:
        if not token:
            return
        with self._tx() as cur:
            cur.execute("DELETE FROM sign_in_failures WHERE token = %s", (token,))

    # ---------------------------------------------------------------- quarantine

    def quarantined(self) -> list[Record]:
        """The database parses every row it stores: no document file can be damaged here."""
        return []

    def recheck_document(self, document_id: str) -> bool:
        self.repair_index([document_id])
        return True

    # ---------------------------------------------------------------- originals

    def put_original(self, data: bytes, ext: str) -> str:
        return self.blobs.put(data, ext)

    def read_original(self, sha256: str, ext: str) -> bytes:
        return self.blobs.get(sha256, ext)

    # ---------------------------------------------------------------- browser sessions

    def put_session(self, record: Record, prune_before: str) -> None:
        with self._tx() as cur:
            cur.execute("DELETE FROM sessions WHERE expires_at < %s", (prune_before,))
            cur.execute(
                "INSERT INTO sessions (id, username, expires_at, data) VALUES (%s, %s, %s, %s)",
                (
                    record["id"],
                    str(record.get("username", "")).casefold(),
                    str(record.get("expires_at", "")),
                    _jsonb(record),
                ),
            )

    def session(self, session_id: str) -> Record | None:
        with self._tx(read_only=True) as cur:
            row = cur.execute("SELECT data FROM sessions WHERE id = %s", (session_id,)).fetchone()
        return row[0] if row else None

    def update_session(self, session_id: str, fields: Record) -> None:
        with self._tx() as cur:
            row = cur.execute(
                "SELECT data FROM sessions WHERE id = %s FOR UPDATE", (session_id,)
            ).fetchone()
            if row is None:
                return
            data = {**row[0], **copy.deepcopy(fields)}
            cur.execute(
                "UPDATE sessions SET expires_at = %s, data = %s WHERE id = %s",
                (str(data.get("expires_at", "")), _jsonb(data), session_id),
            )

    def revoke_sessions(
        self, at: str, *, username: str | None = None, session_id: str | None = None
    ) -> int:
        if username is None and session_id is None:
            return 0
        sql = "SELECT id, data FROM sessions WHERE NOT (data ? 'revoked_at' AND data->>'revoked_at' <> '')"
        args: list = []
        if session_id is not None:
            sql += " AND id = %s"
            args.append(session_id)
        if username is not None:
            sql += " AND username = %s"
            args.append(username.casefold())
        with self._tx() as cur:
            rows = cur.execute(sql + " FOR UPDATE", args).fetchall()
            for sid, data in rows:
                cur.execute(
                    "UPDATE sessions SET data = %s WHERE id = %s",
                    (_jsonb({**data, "revoked_at": at}), sid),
                )
        return len(rows)

    def put_sign_in_grant(self, record: Record, prune_before: str) -> None:
        with self._tx() as cur:
            cur.execute("DELETE FROM sign_in_grants WHERE expires_at < %s", (prune_before,))
            cur.execute(
                "INSERT INTO sign_in_grants (id, expires_at, data) VALUES (%s, %s, %s)",
                (record["id"], str(record.get("expires_at", "")), _jsonb(record)),
            )

    def take_sign_in_grant(self, grant_id: str) -> Record | None:
        """The grant, deleted in the same statement: a code works once, on any replica."""
        with self._tx() as cur:
            row = cur.execute(
                "DELETE FROM sign_in_grants WHERE id = %s RETURNING data", (grant_id,)
            ).fetchone()
        return row[0] if row else None

    # ---------------------------------------------------------------- audit trail

    def append_audit(self, events: Iterable[Record]) -> None:
        rows = [
            (
                str(e.get("time", "")),
                str(e.get("actor", "") or ""),
                str(e.get("document_id", "") or ""),
                str(e.get("agency_id", "") or ""),
                str(e.get("action", "") or ""),
                _jsonb(e),
            )
            for e in events
        ]
        if not rows:
            return
        with self._tx() as cur:
            cur.executemany(
                "INSERT INTO audit_events (time, actor, document_id, agency_id, action, data)"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                rows,
            )

    def audit_events(
        self,
        *,
        since: str = "",
        until: str = "",
        actor: str | None = None,
        document_id: str | None = None,
        agency_id: str | None = None,
        action: str | None = None,
        limit: int | None = None,
    ) -> list[Record]:
        """Newest first, as an indexed query (time, actor, document, agency, action)."""
        where, args = [], []
        if since:
            where.append("time >= %s")
            args.append(since)
        if until:  # a date covers its whole day, as on the TinyDB store
            where.append("left(time, %s) <= %s")
            args.extend([len(until), until])
        if actor is not None:
            where.append("lower(actor) = lower(%s)")
            args.append(actor)
        for col, val in (
            ("document_id", document_id),
            ("agency_id", agency_id),
            ("action", action),
        ):
            if val is not None:
                where.append(f"{col} = %s")
                args.append(val)
        sql = "SELECT data FROM audit_events"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY time DESC, seq DESC"
        if limit is not None:
            sql += " LIMIT %s"
            args.append(int(limit))
        with self._tx(read_only=True) as cur:
            return [r[0] for r in cur.execute(sql, args)]

    # ---------------------------------------------------------------- learning examples

    def add_learning_examples(self, records: Iterable[Record]) -> None:
        rows = [(r.get("framework_id", ""), _jsonb(r)) for r in records]
        if not rows:
            return
        with self._tx() as cur:
            cur.executemany(
                "INSERT INTO learning_examples (framework_id, data) VALUES (%s, %s)", rows
            )

    def learning_examples(self, framework_id: str) -> list[Record]:
        with self._tx(read_only=True) as cur:
            return [
                r[0]
                for r in cur.execute(
                    "SELECT data FROM learning_examples WHERE framework_id = %s ORDER BY seq",
                    (framework_id,),
                )
            ]

    def clear_learning_examples(self, framework_id: str) -> int:
        with self._tx() as cur:
            cur.execute("DELETE FROM learning_examples WHERE framework_id = %s", (framework_id,))
            return cur.rowcount

    def learning_setting(self, framework_id: str) -> Record:
        with self._tx(read_only=True) as cur:
            row = cur.execute(
                "SELECT data FROM learning_settings WHERE framework_id = %s", (framework_id,)
            ).fetchone()
        return row[0] if row else {"framework_id": framework_id, "enabled": True}

    def set_learning_setting(self, framework_id: str, fields: Record) -> None:
        with self._tx() as cur:
            row = cur.execute(
                "SELECT data FROM learning_settings WHERE framework_id = %s FOR UPDATE",
                (framework_id,),
            ).fetchone()
            data = {"framework_id": framework_id, "enabled": True, **(row[0] if row else {})}
            data.update(fields)
            cur.execute(
                "INSERT INTO learning_settings (framework_id, data) VALUES (%s, %s)"
                " ON CONFLICT (framework_id) DO UPDATE SET data = EXCLUDED.data",
                (framework_id, _jsonb(data)),
            )


_SHARED: dict[tuple[str, int], PostgresRepository] = {}
_SHARED_GUARD = threading.Lock()


def shared_repository(url: str) -> PostgresRepository:
    """One repository (one connection pool) per database URL per process: services, pages and
    CLI commands opened in one process share it instead of each opening connections. Keyed by
    process id too, so a forked child never uses its parent's sockets."""
    key = (url, os.getpid())
    with _SHARED_GUARD:
        repo = _SHARED.get(key)
        if repo is None or repo.pool.closed:
            repo = PostgresRepository(url)
            _SHARED[key] = repo
        return repo
