"""The TinyDB repository on a real temporary directory."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from review.errors import NotFound, StoreError, ValidationFailed
from review.storage import SCHEMA_VERSION, TinyDBRepository, atomic_write_bytes, summary_of


def doc_record(doc_id: str, **kw) -> dict:
    rec = {
        "id": doc_id,
        "agency_id": "ag1",
        "title": "Policy",
        "state": "draft",
        "current_version": 1,
        "reviewer": "",
        "uploaded_by": "u",
        "created_by": "u",
        "created_at": "2024-01-01T00:00:00+00:00",
        "updated_at": "2024-01-01T00:00:00+00:00",
        "submitted_at": "",
        "approved_by": "",
        "approved_at": "",
        "rev": 1,
    }
    rec.update(kw)
    return rec


def link(i: int, version: int = 1, state: str = "suggested") -> dict:
    return {
        "id": f"l{i}",
        "version": version,
        "section_id": f"s{i}",
        "competency": "C1",
        "state": state,
    }


def test_layout_and_schema_version(tmp_path: Path):
    repo = TinyDBRepository(tmp_path)
    assert repo.schema_version == SCHEMA_VERSION
    assert (tmp_path / "store" / "directory.json").is_file()
    raw = json.loads((tmp_path / "store" / "directory.json").read_text())
    assert raw["meta"]["1"]["schema_version"] == SCHEMA_VERSION


def test_newer_schema_is_refused(tmp_path: Path):
    TinyDBRepository(tmp_path)
    p = tmp_path / "store" / "directory.json"
    raw = json.loads(p.read_text())
    raw["meta"]["1"]["schema_version"] = SCHEMA_VERSION + 1
    p.write_text(json.dumps(raw))
    with pytest.raises(StoreError, match="newer version"):
        TinyDBRepository(tmp_path)


def test_damaged_file_is_a_store_error(tmp_path: Path):
    TinyDBRepository(tmp_path)
    (tmp_path / "store" / "directory.json").write_text('{"meta": {"1": ')
    with pytest.raises(StoreError, match="damaged"):
        TinyDBRepository(tmp_path)


def test_document_round_trip_and_single_write(tmp_path: Path):
    repo = TinyDBRepository(tmp_path)
    with repo.create_document(doc_record("d1")) as tx:
        tx.add_version({"number": 1, "parsed": {"sections": []}})
        tx.add_links([link(1), link(2)])
        tx.append_history({"action": "upload"})
    path = tmp_path / "store" / "documents" / "d1.json"
    inode = path.stat().st_ino
    with repo.document("d1", write=True) as tx:
        tx.update_link("l1", {"state": "confirmed"})
        tx.append_history({"action": "x"})
        tx.set_lock({"holder": "r", "since": "t", "touched_at": "t"})
    assert path.stat().st_ino != inode  # replaced, not written in place
    with repo.document("d1") as tx:
        assert tx.get()["title"] == "Policy"
        assert {lk["id"]: lk["state"] for lk in tx.links(1)} == {
            "l1": "confirmed",
            "l2": "suggested",
        }
        assert [h["action"] for h in tx.history()] == ["upload", "x"]
        assert tx.lock()["holder"] == "r"
    assert not list(path.parent.glob("*.tmp"))


def test_failed_transaction_writes_nothing(tmp_path: Path):
    repo = TinyDBRepository(tmp_path)
    with repo.create_document(doc_record("d1")) as tx:
        tx.add_links([link(1)])
    before = (tmp_path / "store" / "documents" / "d1.json").read_bytes()
    with pytest.raises(RuntimeError), repo.document("d1", write=True) as tx:
        tx.update_link("l1", {"state": "confirmed"})
        raise RuntimeError("boom")
    assert (tmp_path / "store" / "documents" / "d1.json").read_bytes() == before
    with repo.document("d1") as tx:
        assert tx.link("l1")["state"] == "suggested"


def test_links_are_never_duplicated(tmp_path: Path):
    repo = TinyDBRepository(tmp_path)
    with repo.create_document(doc_record("d1")) as tx:
        tx.add_links([link(1)])
    with pytest.raises(StoreError, match="already exists"), repo.document("d1", write=True) as tx:
        tx.add_links([{**link(1), "id": "other"}])
    with repo.document("d1") as tx:
        assert len(tx.links(1)) == 1


def test_unknown_and_hostile_document_ids(tmp_path: Path):
    repo = TinyDBRepository(tmp_path)
    for bad in ("nope", "../store/directory", "", "a/b"):
        with pytest.raises(NotFound), repo.document(bad):
            pass


def test_returned_records_are_copies(tmp_path: Path):
    repo = TinyDBRepository(tmp_path)
    with repo.create_document(doc_record("d1")) as tx:
        tx.add_links([{**link(1), "evidence": [{"phrase": "a"}]}])
    with repo.document("d1") as tx:
        lk = tx.link("l1")
    lk["evidence"].append({"phrase": "mutated"})
    with repo.document("d1") as tx:
        assert tx.link("l1")["evidence"] == [{"phrase": "a"}]


def test_a_second_repository_sees_writes_of_the_first(tmp_path: Path):
    """Stands in for another process: separate objects, same files, caches must not go stale."""
    a, b = TinyDBRepository(tmp_path), TinyDBRepository(tmp_path)
    a.add_agency({"id": "ag1", "name": "One", "kind": "general"})
    assert [x["name"] for x in b.agencies()] == ["One"]
    b.add_agency({"id": "ag2", "name": "Two", "kind": "specialised"})
    assert sorted(x["name"] for x in a.agencies()) == ["One", "Two"]
    with pytest.raises(ValidationFailed, match="already exists"):
        a.add_agency({"id": "ag3", "name": "two", "kind": "general"})


def test_users_unique_case_insensitive(tmp_path: Path):
    repo = TinyDBRepository(tmp_path)
    repo.add_user({"username": "Alice", "role": "reviewer"})
    with pytest.raises(ValidationFailed, match="already taken"):
        repo.add_user({"username": "alice", "role": "admin"})
    assert repo.user("ALICE")["username"] == "Alice"
    repo.update_user("alice", {"active": False})
    assert repo.user("Alice")["active"] is False
    with pytest.raises(NotFound):
        repo.update_user("bob", {"active": False})


def test_summaries_keep_the_highest_rev(tmp_path: Path):
    repo = TinyDBRepository(tmp_path)
    repo.put_summary(summary_of(doc_record("d1", state="submitted", rev=3)))
    repo.put_summary(summary_of(doc_record("d1", state="draft", rev=2)))  # a late, older writer
    assert repo.summary("d1")["state"] == "submitted"
    repo.put_summary(summary_of(doc_record("d1", state="in_review", rev=4)))
    assert [s["state"] for s in repo.summaries()] == ["in_review"]
    assert repo.summaries(lambda s: s["state"] == "draft") == []


def test_repair_index_rebuilds_stale_summaries(tmp_path: Path):
    repo = TinyDBRepository(tmp_path)
    with repo.create_document(doc_record("d1", state="submitted", rev=2)):
        pass  # crash before the index write: no summary
    with repo.create_document(doc_record("d2")):
        pass
    repo.put_summary(summary_of(doc_record("d2", title="old", rev=1)))
    with repo.document("d2", write=True) as tx:
        tx.update({"title": "new"})
    assert repo.repair_index() == 2
    assert repo.summary("d1")["state"] == "submitted"
    assert repo.summary("d2")["title"] == "new"
    assert repo.repair_index() == 0


def test_opening_the_store_repairs_summaries_a_crash_left_stale(tmp_path: Path):
    repo = TinyDBRepository(tmp_path)
    for i in range(3):
        with repo.create_document(doc_record(f"d{i}")):
            pass
        repo.put_summary(summary_of(doc_record(f"d{i}")))
    # a transition whose process died after the document write, before the index write
    with repo.document("d1", write=True) as tx:
        tx.update({"state": "submitted", "rev": 2})
    with repo.create_document(doc_record("d9", state="submitted")):
        pass  # an upload that died before its first index row
    assert repo.summary("d1")["state"] == "draft"
    reopened = TinyDBRepository(tmp_path)
    assert reopened.summary("d1")["state"] == "submitted"
    assert reopened.summary("d9")["state"] == "submitted"
    assert reopened.summary("d0")["state"] == "draft"
    assert reopened.repair_recent() == 0  # nothing left to repair


def test_clearing_no_failures_writes_nothing(tmp_path: Path):
    repo = TinyDBRepository(tmp_path)
    repo.record_failure(["user:bob"], "2024-01-01T00:00:00+00:00", keep_after="2023-01-01")
    path = tmp_path / "store" / "attempts.json"
    before = path.stat()
    repo.clear_failures("user:alice")  # a successful sign-in with nothing to forget
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    repo.clear_failures("user:bob")
    assert repo.failures("user:bob", "2023-01-01") == []


def test_originals_are_content_addressed_and_never_overwritten(tmp_path: Path):
    repo = TinyDBRepository(tmp_path)
    sha = repo.put_original(b"policy bytes", ".docx")
    path = tmp_path / "originals" / f"{sha}.docx"
    inode, mtime = path.stat().st_ino, path.stat().st_mtime_ns
    assert repo.put_original(b"policy bytes", ".DOCX") == sha
    assert path.stat().st_ino == inode and path.stat().st_mtime_ns == mtime
    assert len(list((tmp_path / "originals").iterdir())) == 1
    assert repo.read_original(sha, ".docx") == b"policy bytes"
    with pytest.raises(NotFound):
        repo.read_original("../../etc/passwd", ".docx")
    with pytest.raises(NotFound):
        repo.read_original("0" * 64, ".docx")


def test_failures_window_and_clear(tmp_path: Path):
    repo = TinyDBRepository(tmp_path)
    repo.record_failure(
        ["user:a", "client:x"], "2024-01-01T00:00:00+00:00", keep_after="2023-12-31T23:45:00+00:00"
    )
    repo.record_failure(
        ["user:a"], "2024-01-01T00:20:00+00:00", keep_after="2024-01-01T00:05:00+00:00"
    )
    # the first failure aged out of the window and was pruned
    assert repo.failures("user:a", "2000-01-01") == ["2024-01-01T00:20:00+00:00"]
    assert repo.failures("client:x", "2000-01-01") == []
    repo.clear_failures("user:a")
    assert repo.failures("user:a", "2000-01-01") == []


def test_atomic_write_leaves_old_file_when_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    target = tmp_path / "f.json"
    atomic_write_bytes(target, b"old")

    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError):
        atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]


def test_update_links_updates_many_in_one_pass_or_none(tmp_path: Path):
    repo = TinyDBRepository(tmp_path)
    with repo.create_document(doc_record("d1")) as tx:
        tx.add_links([link(i) for i in range(5)])
    path = tmp_path / "store" / "documents" / "d1.json"
    before = path.read_bytes()
    with pytest.raises(NotFound), repo.document("d1", write=True) as tx:
        tx.update_links({"l1": {"state": "confirmed"}, "nope": {"state": "confirmed"}})
    assert path.read_bytes() == before
    with repo.document("d1", write=True) as tx:
        n = tx.update_links({"l1": {"state": "confirmed"}, "l3": {"state": "rejected", "x": 1}})
    assert n == 2
    with repo.document("d1") as tx:
        states = {lk["id"]: lk["state"] for lk in tx.links(1)}
        assert tx.link("l3")["x"] == 1
    assert states == {
        "l0": "suggested",
        "l1": "confirmed",
        "l2": "suggested",
        "l3": "rejected",
        "l4": "suggested",
    }


def test_framework_imports_are_appended_to_the_directory(tmp_path: Path):
    repo = TinyDBRepository(tmp_path)
    assert repo.imports() == []
    repo.add_import({"framework_id": "a", "imported_by": "ada"})
    repo.add_import({"framework_id": "b", "imported_by": "ada"})
    assert [r["framework_id"] for r in TinyDBRepository(tmp_path).imports()] == ["a", "b"]


def test_summary_carries_the_last_action(tmp_path: Path):
    rec = doc_record("d1", last_action="submit", last_actor="u", last_action_at="t")
    s = summary_of(rec)
    assert (s["last_action"], s["last_actor"], s["last_action_at"]) == ("submit", "u", "t")
    assert summary_of(doc_record("d2"))["last_action"] is None  # old records: absent, not an error
