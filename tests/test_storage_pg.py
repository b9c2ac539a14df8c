"""What only the PostgreSQL store promises: append-only history in the database, row versions,
writers of one document serialized on its row (FOR UPDATE), numbered migrations, a clear error
when the server is unreachable. (The protocol itself: tests/test_repository_both.py.)"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from review.errors import StoreError
from tests.test_storage import doc_record, link

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(pg_server, monkeypatch: pytest.MonkeyPatch):
    from review.storage_pg import shared_repository

    repo = shared_repository(pg_server.url)
    repo.wipe()
    monkeypatch.setenv("COMPETENCY_REVIEW_DATABASE_URL", pg_server.url)
    return repo


def test_history_is_append_only_in_the_database(pg):
    import psycopg

    with pg.create_document(doc_record("d1")) as tx:
        tx.append_history({"action": "upload", "actor": "u", "time": "t"})
    for sql in ("UPDATE history SET actor = 'x'", "DELETE FROM history"):
        with (
            pytest.raises(psycopg.errors.RaiseException, match="append-only"),
            psycopg.connect(pg.url) as conn,
        ):
            conn.execute(sql)
    with pg.document("d1") as tx:
        assert tx.history() == [{"action": "upload", "actor": "u", "time": "t"}]


def test_a_row_changed_behind_the_transaction_is_a_conflict_not_a_lost_write(pg):
    """The row version: a write by someone who bypassed the row lock (here: raw SQL between the
    read and the update) makes the transaction fail instead of overwriting it."""
    import psycopg

    with pg.create_document(doc_record("d1")) as tx:
        tx.add_links([link(1)])
    with pg.document("d1", write=True) as tx:
        tx.link("l1")
        # a concurrent writer that did not take the document row lock bumps the link's version
        with psycopg.connect(pg.url, autocommit=True) as other:
            other.execute("UPDATE links SET row_version = row_version + 1 WHERE id = 'l1'")
        with pytest.raises(StoreError, match="changed by someone else"):
            tx.update_link("l1", {"state": "confirmed"})
    with pg.document("d1") as tx:
        assert tx.link("l1")["state"] == "suggested"


def test_two_writers_of_one_document_serialize_on_its_row(pg):
    """The second writer waits for the first (SELECT ... FOR UPDATE) and then sees its lock row."""
    with pg.create_document(doc_record("d1")):
        pass
    seen: list = []
    first_in = threading.Event()

    def first():
        with pg.document("d1", write=True) as tx:
            first_in.set()
            tx.set_lock({"holder": "rita", "since": "t", "touched_at": "t"})
            time.sleep(0.3)

    def second():
        first_in.wait(5)
        t0 = time.monotonic()
        with pg.document("d1", write=True) as tx:
            seen.append((tx.lock(), time.monotonic() - t0))

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    (lock, waited) = seen[0]
    assert lock["holder"] == "rita"
    assert waited >= 0.2  # it waited for the first transaction to commit


def test_migrations_are_recorded_idempotent_and_a_newer_schema_is_refused(pg):
    import psycopg

    from review.storage_pg import SCHEMA_VERSION, PostgresRepository

    assert pg.schema_version == SCHEMA_VERSION >= 1
    again = PostgresRepository(pg.url, max_size=1)  # re-opening applies nothing twice
    again.close()
    with psycopg.connect(pg.url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO schema_migrations (version, name) VALUES (%s, 'future')",
            (SCHEMA_VERSION + 1,),
        )
        try:
            with pytest.raises(StoreError, match="newer version"):
                PostgresRepository(pg.url, max_size=1)
        finally:
            conn.execute("DELETE FROM schema_migrations WHERE version = %s", (SCHEMA_VERSION + 1,))


def test_an_unreachable_server_is_a_clear_store_error(pg, tmp_path: Path):
    from review.storage_pg import PostgresRepository

    with pytest.raises(StoreError, match="cannot connect"):
        PostgresRepository(f"postgresql://postgres@/nope?host={tmp_path}", timeout_s=1)


def test_the_store_fingerprint_sees_every_table(pg, tmp_path: Path):
    """tests.conftest.store_hash is what the refusal tests compare: it must notice a change to
    any table, a lock row or a history entry included."""
    from tests.conftest import store_hash

    with pg.create_document(doc_record("d1")):
        pass
    before = store_hash(tmp_path)
    with pg.document("d1", write=True) as tx:
        tx.set_lock({"holder": "rita", "since": "t", "touched_at": "t"})
    locked = store_hash(tmp_path)
    assert locked != before
    with pg.document("d1", write=True) as tx:
        tx.append_history({"action": "comment"})
    assert store_hash(tmp_path) != locked
    pg.put_original(b"x", ".txt")
    assert store_hash(tmp_path)["postgresql:originals"] != locked["postgresql:originals"]


@pytest.fixture
def durable_server():
    """A server of its own with the default durability (the session's runs with fsync off, so
    a crash of it may lose commits by design)."""
    from tests.pg_server import start_server

    server = start_server(durable=True)
    yield server
    server.cleanup()


def test_a_server_crash_is_reported_clearly_and_recovered_from_by_itself(pg, durable_server):
    """The server dies mid-run (immediate stop: no clean shutdown): calls fail with a plain
    StoreError (no hang, no traceback for the user), nothing half-written and nothing that
    returned lost; once it is back the same repository works again by itself."""
    from review.storage_pg import PostgresRepository

    pg_server = durable_server
    repo = PostgresRepository(pg_server.url, max_size=2, timeout_s=2)
    try:
        with repo.create_document(doc_record("d1")) as tx:
            tx.add_links([link(1)])
        pg_server.stop(mode="immediate")  # like a crash: no clean shutdown
        try:
            t0 = time.monotonic()
            with (
                pytest.raises(StoreError, match="database is unavailable"),
                repo.document("d1", write=True) as tx,
            ):
                tx.update_link("l1", {"state": "confirmed"})
            assert time.monotonic() - t0 < 10
        finally:
            pg_server._start()
        deadline = time.monotonic() + 20
        while True:  # the pool replaces its dead connections by itself
            try:
                with repo.document("d1") as tx:
                    assert tx.link("l1")["state"] == "suggested"  # the failed write left nothing
                break
            except StoreError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        with repo.document("d1", write=True) as tx:
            tx.update_link("l1", {"state": "confirmed"})
        with repo.document("d1") as tx:
            assert tx.link("l1")["state"] == "confirmed"
    finally:
        repo.close()


def test_a_nul_character_is_a_clear_refusal_that_saves_nothing(pg):
    """PostgreSQL cannot store U+0000 in text or JSONB (TinyDB can): the write is refused with
    a plain message and the transaction leaves nothing behind."""
    from review.errors import ValidationFailed

    with pg.create_document(doc_record("d1")):
        pass
    with (
        pytest.raises(ValidationFailed, match="NUL character"),
        pg.document("d1", write=True) as tx,
    ):
        tx.update({"title": "fine"})
        tx.append_history({"action": "comment", "comment": "a\x00b"})
    with pytest.raises(ValidationFailed, match="NUL character"):
        pg.add_agency({"id": "a1", "name": "Ag\x00ency", "kind": "general"})
    with pg.document("d1") as tx:
        assert tx.get()["title"] == "Policy" and tx.history() == []
    assert pg.agencies() == []


def test_opening_the_store_repairs_summaries_a_crash_left_stale(pg):
    """A document commits, then its process dies before the summary's own transaction: the next
    repository opened on the database repairs exactly those rows."""
    from review.storage import summary_of
    from review.storage_pg import PostgresRepository

    for i in range(3):
        with pg.create_document(doc_record(f"d{i}")):
            pass
        pg.put_summary(summary_of(doc_record(f"d{i}")))
    with pg.document("d1", write=True) as tx:
        tx.update({"state": "submitted", "rev": 2})  # ... and no put_summary: the crash
    with pg.create_document(doc_record("d9", state="submitted")):
        pass  # an upload that died before its first summary
    assert pg.summary("d1")["state"] == "draft" and pg.summary("d9") is None
    assert pg.repair_recent() == 2
    assert pg.summary("d1")["state"] == "submitted" and pg.summary("d9")["state"] == "submitted"
    assert pg.repair_recent() == 0  # nothing left
    with pg.document("d0", write=True) as tx:
        tx.update({"title": "renamed"})
    reopened = PostgresRepository(pg.url, max_size=1)  # opening repairs
    try:
        assert reopened.summary("d0")["title"] == "renamed"
    finally:
        reopened.close()
