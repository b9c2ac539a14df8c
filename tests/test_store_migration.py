"""``competency-review migrate-store`` (TinyDB → PostgreSQL) and backup/restore on PostgreSQL.

A store in every state is built through the real services on TinyDB (tests/test_backup.py),
copied into a real PostgreSQL server, and compared record by record and byte by byte with what the
TinyDB store holds; re-runs, interrupted runs, non-empty targets and damaged sources; then a backup
of the database restores to the same records on either store."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from review import store_copy
from review.cli import main
from review.ops import backup
from review.services import ReviewService
from review.storage import TinyDBRepository, open_repository
from review.storage_pg import PostgresRepository, shared_repository
from tests.test_backup import build_store, snapshot_records

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory):
    """A TinyDB store in every state (built once), with the seeded passwords."""
    data = tmp_path_factory.mktemp("tinydb") / "data"
    data.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("COMPETENCY_REVIEW_DATABASE_URL", raising=False)
        seed = build_store(data)
    return data, seed.passwords


@pytest.fixture
def pg(pg_server) -> PostgresRepository:
    repo = shared_repository(pg_server.url)
    repo.wipe()
    return repo


def records(repo) -> dict:
    """snapshot_records of any store (the schema numbers of the two stores are unrelated)."""
    snap = snapshot_records(Path("/nonexistent"), repo=repo)
    snap.pop("schema")
    return snap


def test_migrate_copies_every_record_and_original_and_verifies(source, pg, capsys):
    data, passwords = source
    before = records(TinyDBRepository(data))
    assert main(["migrate-store", "--to", pg.url, "--from", str(data)]) == 0
    out = capsys.readouterr().out
    assert "copied" in out and "verified:" in out
    assert records(pg) == before
    # counts in the database's own tables, independent of the repository code that copied them
    n_docs = len(before["documents"])
    counts = pg.counts()
    assert counts["documents"] == counts["document_summaries"] == n_docs
    assert counts["versions"] == sum(len(d["versions"]) for d in before["documents"].values())
    assert counts["links"] == sum(
        len(v) for d in before["documents"].values() for v in d["links"].values()
    )
    assert counts["history"] == sum(len(d["history"]) for d in before["documents"].values())
    assert counts["originals"] == len(before["originals"])
    with pg._tx() as cur:
        for sha, blob in cur.execute("SELECT sha256, data FROM originals"):
            assert hashlib.sha256(bytes(blob)).hexdigest() == sha
    # the reviewers' decisions the suggester learned from and the audit trail come along
    src = TinyDBRepository(data)
    assert src.learning_examples("wisconsin-2017"), "the seeded store has decisions"
    assert pg.learning_examples("wisconsin-2017") == src.learning_examples("wisconsin-2017")
    assert src.audit_events() and pg.audit_events() == src.audit_events()
    # the migrated store works through the services: sign in with the same password, act
    svc = ReviewService(pg)
    rita = svc.authenticate("rita", passwords["rita"], "t")
    assert {d.id for d in svc.list_documents(rita)} == set(before["documents"])
    assert svc.worklist(rita, "awaiting_review").documents


def test_a_rerun_writes_nothing_and_an_interrupted_run_completes(
    source, pg, capsys, monkeypatch: pytest.MonkeyPatch
):
    data, _ = source
    real = store_copy._write_document
    calls = {"n": 0}

    def dies_on_the_third(dst, image):
        calls["n"] += 1
        if calls["n"] == 3:  # the operator's Ctrl-C, halfway through a document's transaction
            with dst.create_document(image["record"]) as tx:
                tx.add_version(image["versions"][0])
                raise KeyboardInterrupt
        real(dst, image)

    monkeypatch.setattr(store_copy, "_write_document", dies_on_the_third)
    assert main(["migrate-store", "--to", pg.url, "--from", str(data)]) == 130
    counts = pg.counts()
    assert counts["documents"] == 2  # whole documents only: two committed, none half
    with pg._tx() as cur:
        with_versions = {r[0] for r in cur.execute("SELECT DISTINCT document_id FROM versions")}
    assert with_versions == set(pg.document_ids())  # the third one's version was rolled back
    monkeypatch.setattr(store_copy, "_write_document", real)
    capsys.readouterr()
    assert main(["migrate-store", "--to", pg.url, "--from", str(data)]) == 0
    assert records(pg) == records(TinyDBRepository(data))
    fingerprint = pg.counts()
    assert main(["migrate-store", "--to", pg.url, "--from", str(data)]) == 0
    out = capsys.readouterr().out
    assert "nothing new" in out and "already there and identical" in out
    assert pg.counts() == fingerprint


def test_a_target_with_other_data_is_refused_unless_forced(source, pg, capsys):
    data, _ = source
    pg.add_agency({"id": "other", "name": "Someone Else", "kind": "general"})
    assert main(["migrate-store", "--to", pg.url, "--from", str(data)]) == 1
    err = capsys.readouterr().err
    assert "already holds data" in err and "--force" in err
    assert [a["id"] for a in pg.agencies()] == ["other"]  # untouched
    assert main(["migrate-store", "--to", pg.url, "--from", str(data), "--force"]) == 0
    assert "other" not in {a["id"] for a in pg.agencies()}
    assert records(pg) == records(TinyDBRepository(data))


def test_a_damaged_original_in_the_source_is_refused(source, pg, tmp_path: Path, capsys):
    import shutil

    data, _ = source
    copy = tmp_path / "copy"
    shutil.copytree(data, copy, ignore=shutil.ignore_patterns("*.lock"))
    victim = sorted((copy / "originals").iterdir())[0]
    victim.write_bytes(victim.read_bytes() + b"tampered")
    assert main(["migrate-store", "--to", pg.url, "--from", str(copy)]) == 1
    assert "does not match its SHA-256" in capsys.readouterr().err


def test_usage_errors(pg, tmp_path: Path, capsys):
    assert main(["migrate-store", "--to", "sqlite:///x.db", "--from", str(tmp_path)]) == 1
    assert "PostgreSQL URL" in capsys.readouterr().err
    assert main(["migrate-store", "--to", pg.url, "--from", str(tmp_path)]) == 1
    assert "no TinyDB store" in capsys.readouterr().err


def test_backup_of_the_database_restores_on_both_stores(
    source, pg, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    data, passwords = source
    want = records(TinyDBRepository(data))
    store_copy.copy_store(TinyDBRepository(data), pg)
    monkeypatch.setenv("COMPETENCY_REVIEW_DATA", str(tmp_path / "app"))
    monkeypatch.setenv("COMPETENCY_REVIEW_DATABASE_URL", pg.url)
    archive = tmp_path / "pg.tar.gz"
    assert main(["backup", str(archive)]) == 0
    # into an empty TinyDB store
    monkeypatch.delenv("COMPETENCY_REVIEW_DATABASE_URL")
    monkeypatch.setenv("COMPETENCY_REVIEW_DATA", str(tmp_path / "tiny"))
    assert main(["restore", str(archive)]) == 0
    assert records(TinyDBRepository(tmp_path / "tiny")) == want
    # into the database: refused while it holds data, then forced (a safety backup first)
    monkeypatch.setenv("COMPETENCY_REVIEW_DATABASE_URL", pg.url)
    monkeypatch.setenv("COMPETENCY_REVIEW_DATA", str(tmp_path / "app"))
    (tmp_path / "app").mkdir()
    with pg.document(sorted(want["documents"])[0], write=True) as tx:
        tx.append_history(
            {
                "action": "comment",
                "actor": "x",
                "from_state": "draft",
                "to_state": "draft",
                "time": "2099",
                "comment": "after the backup",
            }
        )
    capsys.readouterr()
    assert main(["restore", str(archive)]) == 1
    assert "already holds a store" in capsys.readouterr().err
    assert main(["restore", str(archive), "--force"]) == 0
    assert records(pg) == want  # the comment made after the backup is gone
    aside = list((tmp_path / "app").glob("pre-restore-*.tar.gz"))
    assert len(aside) == 1  # ... but kept in the safety backup
    pg.wipe()
    assert main(["restore", str(aside[0])]) == 0
    assert records(pg) != want
    assert open_repository().user("rita") is not None
    svc = ReviewService(open_repository())
    assert svc.authenticate("rita", passwords["rita"], "t").username == "rita"


def test_a_tinydb_backup_restores_into_the_database(
    source, pg, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    data, _ = source
    archive = tmp_path / "tiny.tar.gz"
    backup(data, archive)
    monkeypatch.setenv("COMPETENCY_REVIEW_DATABASE_URL", pg.url)
    monkeypatch.setenv("COMPETENCY_REVIEW_DATA", str(tmp_path))
    assert main(["restore", str(archive)]) == 0
    assert records(pg) == records(TinyDBRepository(data))
