"""The Repository protocol on both stores: TinyDB in a temp dir and a real PostgreSQL server
(what only the PostgreSQL store promises is in tests/test_storage_pg.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from review.errors import NotFound, StoreError, ValidationFailed
from review.storage import open_repository, summary_of
from tests.test_storage import doc_record, link

pytestmark = pytest.mark.usefixtures("store_backend")


@pytest.fixture
def repo(tmp_path: Path):
    return open_repository(tmp_path)


def _version(number: int, n_sections: int = 3) -> dict:
    return {
        "number": number,
        "filename": "p.docx",
        "sha256": "0" * 64,
        "ext": ".docx",
        "parsed": {
            "filename": "p.docx",
            "format": "docx",
            "title": "T",
            "paragraph_count": n_sections,
            "sections": [
                {
                    "id": f"s{i}",
                    "title": f"Section {i}",
                    "level": 1,
                    "path": [f"Section {i}"],
                    "text": f"text {i} \u2013 caf\u00e9",
                    "first_par": i,
                    "last_par": i,
                    "kind": "heading",
                }
                for i in range(n_sections)
            ],
        },
    }


def test_document_round_trip(repo):
    with repo.create_document(doc_record("d1")) as tx:
        tx.add_version(_version(1))
        tx.add_links([link(1), link(2)])
        tx.append_history({"action": "upload", "actor": "u", "time": "t1"})
        tx.set_assessment(1, "C2", {"status": "partial", "note": "n"})
        tx.set_lock({"holder": "rev", "since": "t1", "touched_at": "t1"})
    with repo.document("d1") as tx:
        assert tx.get() == doc_record("d1")
        assert tx.version(1) == _version(1)
        assert [v["number"] for v in tx.versions()] == [1]
        assert [lk["id"] for lk in tx.links(1)] == ["l1", "l2"]
        assert tx.links(2) == []
        assert tx.history() == [{"action": "upload", "actor": "u", "time": "t1"}]
        assert tx.assessments(1) == [
            {"status": "partial", "note": "n", "version": 1, "competency": "C2"}
        ]
        assert tx.lock()["holder"] == "rev"
        with pytest.raises(NotFound):
            tx.version(2)
    with repo.document("d1", write=True) as tx:
        tx.add_version(_version(2, n_sections=1))
        tx.set_lock(None)
        tx.set_assessment(1, "C2", None)
        tx.update({"current_version": 2})
        with pytest.raises(StoreError, match="already exists"):
            tx.add_version(_version(2))
    with repo.document("d1") as tx:
        assert [len(v["parsed"]["sections"]) for v in tx.versions()] == [3, 1]
        assert tx.lock() is None and tx.assessments(1) == []
        assert tx.get()["current_version"] == 2
    assert repo.document_ids() == ["d1"]
    with pytest.raises(StoreError, match="already used"), repo.create_document(doc_record("d1")):
        pass


def test_failed_transaction_writes_nothing(repo):
    with repo.create_document(doc_record("d1")) as tx:
        tx.add_links([link(1)])
    with pytest.raises(RuntimeError), repo.document("d1", write=True) as tx:
        tx.update_link("l1", {"state": "confirmed"})
        tx.update({"title": "changed"})
        tx.append_history({"action": "x"})
        raise RuntimeError("boom")
    with repo.document("d1") as tx:
        assert tx.link("l1")["state"] == "suggested"
        assert tx.get()["title"] == "Policy" and tx.history() == []


def test_links_are_never_duplicated_and_updates_are_all_or_nothing(repo):
    with repo.create_document(doc_record("d1")) as tx:
        tx.add_links([link(i) for i in range(5)])
    with pytest.raises(StoreError, match="already exists"), repo.document("d1", write=True) as tx:
        tx.add_links([{**link(1), "id": "other"}])
    with pytest.raises(NotFound), repo.document("d1", write=True) as tx:
        tx.update_links({"l1": {"state": "confirmed"}, "nope": {"state": "confirmed"}})
    with repo.document("d1", write=True) as tx:
        assert tx.update_links({"l1": {"state": "confirmed"}, "l3": {"state": "rejected", "x": 1}})
        tx.remove_link("l4")
        with pytest.raises(NotFound):
            tx.remove_link("l4")
        with pytest.raises(NotFound):
            tx.update_link("l4", {"state": "confirmed"})
    with repo.document("d1") as tx:
        states = {lk["id"]: lk["state"] for lk in tx.links(1)}
        assert tx.link("l3")["x"] == 1 and tx.link("l4") is None
    assert states == {"l0": "suggested", "l1": "confirmed", "l2": "suggested", "l3": "rejected"}


def test_reads_cannot_write_and_unknown_ids_are_not_found(repo):
    with repo.create_document(doc_record("d1")):
        pass
    with pytest.raises(StoreError), repo.document("d1") as tx:
        tx.update({"title": "x"})
    for bad in ("nope", "../store/directory", "", "a/b"):
        with pytest.raises(NotFound), repo.document(bad):
            pass


def test_returned_records_are_copies(repo):
    with repo.create_document(doc_record("d1")) as tx:
        tx.add_links([{**link(1), "evidence": [{"phrase": "a"}]}])
    with repo.document("d1") as tx:
        lk = tx.link("l1")
        rec = tx.get()
    lk["evidence"].append({"phrase": "mutated"})
    rec["title"] = "mutated"
    with repo.document("d1") as tx:
        assert tx.link("l1")["evidence"] == [{"phrase": "a"}]
        assert tx.get()["title"] == "Policy"


def test_directory_users_imports(repo):
    repo.add_agency({"id": "ag1", "name": "One", "kind": "general"})
    repo.add_agency({"id": "ag2", "name": "Two", "kind": "specialised"})
    with pytest.raises(ValidationFailed, match="already exists"):
        repo.add_agency({"id": "ag3", "name": "two", "kind": "general"})
    with pytest.raises(StoreError, match="already used"):
        repo.add_agency({"id": "ag1", "name": "Three", "kind": "general"})
    assert [a["name"] for a in repo.agencies()] == ["One", "Two"]
    assert repo.agency("ag2")["kind"] == "specialised" and repo.agency("zz") is None
    repo.add_user({"username": "Alice", "role": "reviewer"})
    repo.add_user({"username": "bob", "role": "agency_user", "agency_id": "ag1"})
    with pytest.raises(ValidationFailed, match="already taken"):
        repo.add_user({"username": "alice", "role": "admin"})
    assert repo.user("ALICE")["username"] == "Alice"
    repo.update_user("alice", {"active": False})
    assert repo.user("Alice")["active"] is False
    with pytest.raises(NotFound):
        repo.update_user("carol", {"active": False})
    assert [u["username"] for u in repo.users()] == ["Alice", "bob"]
    repo.add_import({"framework_id": "a"})
    repo.add_import({"framework_id": "b"})
    assert [r["framework_id"] for r in repo.imports()] == ["a", "b"]


def test_summaries_keep_the_highest_rev_and_match_filters(repo):
    repo.put_summary(summary_of(doc_record("d1", state="submitted", rev=3)))
    repo.put_summary(summary_of(doc_record("d1", state="draft", rev=2)))  # a late, older writer
    assert repo.summary("d1")["state"] == "submitted"
    repo.put_summaries(
        [
            summary_of(doc_record("d2", state="in_review", reviewer="Rita", rev=1)),
            summary_of(doc_record("d3", state="in_review", reviewer="sam", agency_id="ag2")),
        ]
    )
    assert repo.summary("nope") is None
    assert sorted(s["id"] for s in repo.summaries()) == ["d1", "d2", "d3"]
    assert [s["id"] for s in repo.summaries(match={"state": "submitted"})] == ["d1"]
    assert [s["id"] for s in repo.summaries(match={"reviewer_key": "rita"})] == ["d2"]
    assert [s["id"] for s in repo.summaries(match={"state": "in_review", "agency_id": "ag2"})] == [
        "d3"
    ]
    assert repo.summaries(lambda s: s["id"] == "d2", match={"state": "submitted"}) == []
    with pytest.raises(ValueError):
        repo.summaries(match={"title": "x"})


def test_repair_index_rebuilds_stale_summaries(repo):
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


def test_failures_window_and_clear(repo):
    repo.record_failure(
        ["user:a", "client:x"], "2024-01-01T00:00:00+00:00", keep_after="2023-12-31T23:45:00+00:00"
    )
    repo.record_failure(
        ["user:a"], "2024-01-01T00:20:00+00:00", keep_after="2024-01-01T00:05:00+00:00"
    )
    assert repo.failures("user:a", "2000-01-01") == ["2024-01-01T00:20:00+00:00"]
    assert repo.failures("client:x", "2000-01-01") == []
    repo.clear_failures("user:a")
    repo.clear_failures("user:nobody")
    assert repo.failures("user:a", "2000-01-01") == []


def test_originals_are_content_addressed_and_stored_once(repo, data_dir: Path):

    sha = repo.put_original(b"policy bytes", ".docx")
    assert repo.put_original(b"policy bytes", ".DOCX") == sha
    assert repo.read_original(sha, ".docx") == b"policy bytes"
    for bad in ("../../etc/passwd", "0" * 64, "A" * 64):
        with pytest.raises(NotFound):
            repo.read_original(bad, ".docx")
    with pytest.raises(NotFound):
        repo.read_original(sha, "/../x")
