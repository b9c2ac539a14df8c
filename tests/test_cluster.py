"""Two Streamlit replicas on one PostgreSQL behind nginx with session affinity (scripts/run_cluster.py).

Real processes: a PostgreSQL server, two ``streamlit run`` replicas, Debian's nginx, Debian's
headless Chromium. Checks that a browser sticks to one replica (its websocket and uploads live
there), that what a reviewer does on replica B is what another reviewer on replica A sees after a
rerun, and that SIGKILLing replica B leaves users on A unaffected, sends B's browsers to A, and
loses nothing that returned."""

from __future__ import annotations

import re
import shutil
import signal
import sys
import tempfile
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import require_tool
from tests.e2e_support import Seed, free_port, launch_browser, settle, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.postgres]


def _replica_of(base: str, cookie: str) -> str:
    req = urllib.request.Request(
        f"{base}/_stcore/health", headers={"Cookie": f"cr_affinity={cookie}"}
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        # $upstream_addr lists every replica nginx tried, the one that answered last: once a
        # dead replica's fail_timeout has passed nginx tries it again before moving on
        return r.headers["X-Replica"].split(", ")[-1]


@pytest.fixture
def cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    require_tool("nginx")
    require_tool("chromium")
    from tests.pg_server import find_tool

    if find_tool("initdb") is None:
        require_tool("initdb")  # skip, or fail in CI
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    from run_cluster import Cluster

    pg_root = Path(tempfile.mkdtemp(prefix="cr-cluster-pg-"))  # pytest's tmp dirs are 0700
    c = Cluster(
        tmp_path / "cluster",
        port=free_port(),
        replica_ports=[free_port(), free_port()],
        pg_root=pg_root,
    )
    try:
        c.start(seed_demo=False)
        monkeypatch.setenv("COMPETENCY_REVIEW_DATABASE_URL", c.url)
        monkeypatch.setenv("COMPETENCY_REVIEW_DATA", str(c.data / "app"))
        yield c
    finally:
        c.stop()
        from review.storage_pg import _SHARED

        for key in [k for k in _SHARED if k[0] == c.url]:
            _SHARED.pop(key).close()
        shutil.rmtree(pg_root, ignore_errors=True)


def test_affinity_shared_store_and_a_replica_killed_mid_run(cluster):
    base = f"http://127.0.0.1:{cluster.port}"
    a_port, b_port = cluster.replica_ports
    # affinity: a browser's cookie always reaches the same replica; cookies spread over both
    by_replica: dict[str, str] = {}
    for i in range(64):
        by_replica.setdefault(_replica_of(base, f"key{i}"), f"key{i}")
    assert set(by_replica) == {f"127.0.0.1:{a_port}", f"127.0.0.1:{b_port}"}
    key_a, key_b = by_replica[f"127.0.0.1:{a_port}"], by_replica[f"127.0.0.1:{b_port}"]
    assert {_replica_of(base, key_b) for _ in range(10)} == {f"127.0.0.1:{b_port}"}
    with urllib.request.urlopen(f"{base}/", timeout=10) as r:  # a new browser gets a key
        assert "cr_affinity=" in r.headers["Set-Cookie"]

    seed = Seed(cluster.data / "app")  # users, agencies: in the shared database
    alice = seed.actor("alice")
    docs = []
    for n in (1, 2):
        doc = seed.upload("alice", name=f"policy-{n}.docx").document_id
        seed.svc.transition(alice, doc, "submit")
        docs.append(doc)

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_browser(p)

        def page_on(key: str):
            ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
            ctx.add_cookies([{"name": "cr_affinity", "value": key, "url": base}])
            page = ctx.new_page()
            page.set_default_timeout(30_000)
            return page

        on_b = page_on(key_b)
        sign_in(on_b, base, "rita", seed.passwords["rita"])
        on_b.get_by_role("tab", name="Awaiting review (2)").wait_for()
        on_b.get_by_role("button", name="Claim").first.click()
        settle(on_b)
        on_b.get_by_text("You hold the review lock").wait_for()
        on_b.get_by_role("button", name="Confirm", exact=True).first.click()
        settle(on_b)
        on_b.get_by_text(re.compile(r"Confirmed C")).wait_for()

        # rob on replica A sees rita's claim (made on B) once his page reruns
        on_a = page_on(key_a)
        sign_in(on_a, base, "rob", seed.passwords["rob"])
        on_a.get_by_role("tab", name="Awaiting review (1)").wait_for()

        # replica B dies mid-run; rob on A carries on, unaffected
        cluster.replica(b_port).send_signal(signal.SIGKILL)
        cluster.replica(b_port).wait(timeout=10)
        on_a.get_by_role("button", name="Claim").first.click()
        settle(on_a)
        on_a.get_by_text("You hold the review lock").wait_for()

        # rita's browser is sent to A by nginx; she signs in again (sessions live in a
        # replica's memory) and finds her claim and her decision
        on_b.goto(base)
        settle(on_b)
        assert _replica_of(base, key_b) == f"127.0.0.1:{a_port}"
        sign_in(on_b, base, "rita", seed.passwords["rita"])
        on_b.get_by_role("tab", name=re.compile(r"My reviews \(1\)")).wait_for()
        browser.close()

    rita = seed.actor("rita")
    states = {d: seed.svc.get_document(rita, d).state for d in docs}
    assert sorted(states.values()) == ["in_review", "in_review"]
    confirmed = [lk for d in docs for lk in seed.svc.links(rita, d) if lk.state == "confirmed"]
    assert len(confirmed) == 1 and confirmed[0].decided_by == "rita"
