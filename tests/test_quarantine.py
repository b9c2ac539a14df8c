"""A damaged document file quarantines that document while everything else keeps working, and
the index repair on open catches state mismatches, not only newer files (issue 11, items 6, 7)."""

from __future__ import annotations

import json
import os
import tarfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from review.errors import NotFound
from review.ops import backup, restore
from review.services import ReviewService
from review.storage import TinyDBRepository
from tests.e2e_support import Seed

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")


@pytest.fixture
def seeded(data_dir: Path):
    seed = Seed(data_dir)
    a = seed.upload("alice")
    b = seed.upload("bert")
    return seed, a.document_id, b.document_id


def _damage(data_dir: Path, doc_id: str, *, newer: bool = True) -> Path:
    path = data_dir / "store" / "documents" / f"{doc_id}.json"
    path.write_bytes(path.read_bytes()[:200])  # cut off mid-write: not JSON any more
    index = data_dir / "store" / "index.json"
    st = index.stat()
    if newer:  # the normal state after a decision: the document file is newer than the index
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    return path


@pytest.mark.parametrize("newer", [True, False])
def test_a_damaged_document_is_quarantined_and_the_rest_keeps_working(seeded, data_dir, newer):
    seed, a, b = seeded
    _damage(data_dir, a, newer=newer)
    svc = ReviewService(data_dir=data_dir)  # the store opens (it crashed here before)
    bert = seed.actor("bert")
    assert [d.id for d in svc.list_documents(bert)] == [b]  # another agency: unaffected
    svc.transition(bert, b, "submit")
    with pytest.raises(NotFound):
        svc.get_document(seed.actor("alice"), a)  # the damaged one is simply not there
    admin = seed.actor("admin")
    assert svc.audit_trail(admin, limit=50)  # the audit trail still works
    damaged = svc.damaged_documents(admin)
    assert [d.id for d in damaged] == [a]
    assert damaged[0].title == "Youth Services Policy" and damaged[0].agency_name


def test_recheck_after_the_file_is_restored(seeded, data_dir):
    seed, a, _ = seeded
    path = data_dir / "store" / "documents" / f"{a}.json"
    good = path.read_bytes()
    _damage(data_dir, a)
    svc = ReviewService(data_dir=data_dir)
    admin = seed.actor("admin")
    assert not svc.recheck_document(admin, a)
    path.write_bytes(good)  # the operator restores the file
    assert svc.recheck_document(admin, a)
    assert svc.damaged_documents(admin) == []
    assert svc.get_document(seed.actor("alice"), a).id == a


def test_admin_store_health_page_lists_and_rechecks(seeded, data_dir):
    seed, a, _ = seeded
    path = data_dir / "store" / "documents" / f"{a}.json"
    good = path.read_bytes()
    _damage(data_dir, a)
    ReviewService(data_dir=data_dir)  # opening quarantines it
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["actor"] = seed.actor("admin")
    import time

    at.session_state["last_activity"] = time.time()
    at.run()
    at.switch_page("pages/admin_store.py")
    at.run()
    assert not at.exception
    assert any("1 document(s) are quarantined" in w.value for w in at.warning)
    path.write_bytes(good)
    at.button(key=f"recheck_{a}").click()
    at.run()
    assert any("reads correctly again" in s.value for s in at.success)


def test_backup_reports_a_damaged_document_and_backs_up_the_rest(seeded, data_dir, tmp_path):
    seed, a, b = seeded
    _damage(data_dir, a)
    r = backup(data_dir, tmp_path / "b.tar.gz")  # refused the whole store before
    assert r.damaged == (a,)
    assert r.counts["documents"] == 1
    with tarfile.open(r.path) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert manifest["damaged_documents"] == [a]
    target = tmp_path / "restored"
    restore(r.path, target)
    svc = ReviewService(data_dir=target)
    assert [d.id for d in svc.list_documents(seed.actor("bert"))] == [b]
    assert [d.id for d in svc.damaged_documents(seed.actor("admin"))] == [a]


def test_repair_on_open_catches_a_state_mismatch_in_an_older_file(seeded, data_dir):
    """Disk full during submit: the document file says submitted, its index row says draft, and
    a later write of another document made index.json newer than the document file."""
    seed, a, b = seeded
    running = ReviewService(data_dir=data_dir)  # the app, already open
    repo = TinyDBRepository(data_dir)
    with repo.document(a, write=True) as tx:  # the document write succeeded ...
        tx.update({"state": "submitted", "rev": int(tx.get().get("rev") or 0) + 1})
    # ... its index write failed; then another document's transition rewrote index.json
    running.transition(seed.actor("bert"), b, "submit")
    doc_file = data_dir / "store" / "documents" / f"{a}.json"
    index = data_dir / "store" / "index.json"
    assert doc_file.stat().st_mtime_ns < index.stat().st_mtime_ns
    assert repo.summary(a)["state"] == "draft"
    fresh = ReviewService(data_dir=data_dir)
    assert fresh.repo.summary(a)["state"] == "submitted"
    queue = {w.name: w for w in fresh.worklists(seed.actor("rita"))}["awaiting_review"]
    assert a in {d.id for d in queue.documents}


def test_a_running_service_heals_a_stale_row_when_it_reads_the_document(seeded, data_dir):
    seed, a, _ = seeded
    svc = ReviewService(data_dir=data_dir)
    with svc.repo.document(a, write=True) as tx:
        tx.update({"state": "submitted", "rev": int(tx.get().get("rev") or 0) + 1})
    assert svc.repo.summary(a)["state"] == "draft"
    assert svc.get_document(seed.actor("alice"), a).state == "submitted"
    assert svc.repo.summary(a)["state"] == "submitted"
