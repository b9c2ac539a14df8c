"""A writer killed with SIGKILL at random moments leaves a store that loads, with every write that
had returned intact (atomic replace: a reader sees the old file or the new one, never half)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_storage_support import seed_document, seed_people

from review.storage import TinyDBRepository

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 50

# The writer alternates between the document file (large: 100 sections, so a write takes long
# enough to be interrupted) and the directory, and prints each id only after its write returned.
WRITER = r"""
import sys
from review.storage import TinyDBRepository
repo = TinyDBRepository(sys.argv[1])
tag = sys.argv[2]
print("ready", flush=True)
i = 0
while True:
    with repo.document("doc1", write=True) as tx:
        tx.append_history({"action": "comment", "id": f"{tag}-h{i}"})
        tx.update_link(f"doc1-l{i % 100}-0", {"note": f"{tag}-{i}"})
    print(f"h {tag}-h{i}", flush=True)
    repo.add_agency({"id": f"{tag}-a{i}", "name": f"{tag} agency {i}", "kind": "general"})
    print(f"a {tag}-a{i}", flush=True)
    i += 1
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_sigkill_at_random_moments_loses_no_returned_write(data_dir: Path):
    repo = TinyDBRepository(data_dir)
    seed_people(repo)
    seed_document(repo, "doc1", agency_id="ag1", sections=100, reviewer="rita")
    rng = random.Random(20240501)
    returned_h: list[str] = []
    returned_a: list[str] = []
    start = time.monotonic()
    for r in range(ROUNDS):
        p = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(data_dir), f"r{r}"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert p.stdout is not None
        assert p.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.06))
        os.kill(p.pid, signal.SIGKILL)
        out, _ = p.communicate(timeout=30)
        assert p.returncode == -signal.SIGKILL
        for line in out.splitlines():
            kind, _, ident = line.partition(" ")
            (returned_h if kind == "h" else returned_a).append(ident)

        # after every kill: the store opens and each returned write is there
        fresh = TinyDBRepository(data_dir)
        with fresh.document("doc1") as tx:
            ids = {h.get("id") for h in tx.history()}
            assert len(tx.links(1)) == 100
        assert set(returned_h) <= ids
        assert set(returned_a) <= {a["id"] for a in fresh.agencies()}
    elapsed = time.monotonic() - start
    assert returned_h and returned_a, "the writer never completed a write: the kill came too early"
    # every store file is complete JSON (no torn writes), temp files aside
    for f in (data_dir / "store").rglob("*.json"):
        json.loads(f.read_text())
    torn = len(list((data_dir / "store").rglob(".*.tmp")))  # kills that landed mid-write
    print(
        f"{ROUNDS} kills ({torn} mid-write), {len(returned_h)} + {len(returned_a)} returned writes checked in {elapsed:.1f} s"
    )


def test_stale_temp_files_of_killed_writers_are_cleaned(data_dir: Path):
    TinyDBRepository(data_dir)
    docs = data_dir / "store" / "documents"
    old = docs / ".doc1.json.abc.tmp"
    young = docs / ".doc1.json.def.tmp"
    old.write_text('{"half')
    young.write_text('{"half')
    an_hour_ago = time.time() - 7200
    os.utime(old, (an_hour_ago, an_hour_ago))
    TinyDBRepository(data_dir)
    assert not old.exists()
    assert young.exists()  # may belong to a live writer
