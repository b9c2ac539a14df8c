"""Many writers at once lose nothing: threads in one process, and separate processes."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from test_storage_support import seed_document, seed_people

from review.auth import Actor
from review.services import ReviewService
from review.storage import open_repository

# both stores: TinyDB (file locks) and PostgreSQL (row locks), see tests/conftest.py
pytestmark = pytest.mark.usefixtures("store_backend")

ROOT = Path(__file__).resolve().parent.parent
RITA = Actor("rita", "reviewer")


def test_eight_threads_decide_different_links_of_one_document(data_dir: Path):
    repo = open_repository(data_dir)
    seed_people(repo)
    link_ids = seed_document(repo, "doc1", agency_id="ag1", sections=80, reviewer="rita")
    svc = ReviewService(repo)
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def work(k: int) -> None:
        # each thread its own service and repository object, as separate Streamlit sessions have
        mine = ReviewService(open_repository(data_dir))
        barrier.wait()
        try:
            for i, lid in enumerate(link_ids[k::8]):
                if i % 3 == 2:
                    mine.reject_link(RITA, "doc1", lid, reason=f"not relevant ({k})")
                else:
                    mine.confirm_link(RITA, "doc1", lid, note=f"thread {k}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    links = svc.links(RITA, "doc1")
    assert len(links) == len(link_ids) == 80
    assert all(lk.state in ("confirmed", "rejected") for lk in links)
    by_id = {lk.id: lk for lk in links}
    for k in range(8):
        for i, lid in enumerate(link_ids[k::8]):
            expected = "rejected" if i % 3 == 2 else "confirmed"
            assert by_id[lid].state == expected
            if expected == "rejected":
                assert by_id[lid].reason == f"not relevant ({k})"
            else:
                assert by_id[lid].note == f"thread {k}"
            assert by_id[lid].decided_by == "rita"


WRITER = r"""
import sys
from review.auth import Actor
from review.services import ReviewService
from review.storage import open_repository

data_dir, k, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
repo = open_repository(data_dir)
svc = ReviewService(repo)
rita = Actor("rita", "reviewer")
links = [l.id for l in svc.links(rita, "doc1")]
mine = links[k::4]
for i in range(n):
    svc.comment(rita, "doc1", f"p{k}-{i}")                                  # the document file
    repo.add_agency({"id": f"p{k}a{i}", "name": f"P{k} agency {i}", "kind": "general"})  # the directory
    svc.confirm_link(rita, "doc1", mine[i % len(mine)])
    repo.record_failure([f"client:p{k}"], f"2099-01-01T00:00:{i:02d}+00:00", keep_after="2000")  # attempts
print("done", k)
"""


def test_four_processes_write_the_same_store(data_dir: Path):
    repo = open_repository(data_dir)
    seed_people(repo)
    seed_document(repo, "doc1", agency_id="ag1", sections=40, reviewer="rita")
    n = 25
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(data_dir), str(k), str(n)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in range(4)
    ]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert out.startswith("done")
    fresh = open_repository(data_dir)
    svc = ReviewService(fresh)
    comments = [h.comment for h in svc.history(RITA, "doc1") if h.action == "comment"]
    assert sorted(comments) == sorted(f"p{k}-{i}" for k in range(4) for i in range(n))
    assert len(fresh.agencies()) == 1 + 4 * n
    assert all(
        lk.state == "confirmed" for lk in svc.links(RITA, "doc1")
    )  # 40 links, 25 per process
    for k in range(4):
        assert len(fresh.failures(f"client:p{k}", "2000")) == n
