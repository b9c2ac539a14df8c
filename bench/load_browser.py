"""Load test against the running app: several headless-Chromium users clicking through at once.

Starts the real server (``streamlit run``, through ``tests/e2e_support.py``) on a seeded store, then
``--users`` browser contexts (default 5: two agency users of different agencies, two reviewers and
an admin) sign in and move between their pages through the sidebar for ``--duration`` seconds
(default 30); agency users upload a policy through the file uploader now and then. Every page
switch is timed from the click until the new page's script run has finished.

Printed: page loads per second, p50/p95 per page and overall, and errors (timeouts, Streamlit
exception boxes, the app's generic error). Afterwards the server's log is searched for tracebacks
and for any password or policy text (which must never be logged). No time is asserted.

    .venv/bin/python bench/load_browser.py [--duration 30] [--users 5]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.e2e_support import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    SAMPLE_POLICY,
    Seed,
    StreamlitServer,
    policy_docx,
)

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
GENERIC_ERROR = "Something went wrong on our side"
#: the pages of each role by sidebar title → url path (from streamlit_app.PAGES)
ROLE_LINKS = {
    "agency_user": {
        "My documents": "",
        "Upload a policy": "upload",
        "Document": "document",
    },
    "reviewer": {"Review queue": "", "Review workspace": "workspace"},
    "admin": {
        "Review queue": "",
        "Review workspace": "workspace",
        "Users & agencies": "users",
        "Frameworks": "frameworks",
        "Audit trail": "audit",
    },
}
MARKER = "QZLOADMARK"  # in every uploaded policy's text; must never reach the server log


@dataclass
class Stats:
    loads: list[tuple[str, float]] = field(default_factory=list)  # (page, seconds)
    errors: list[str] = field(default_factory=list)


def _policy(n: int) -> bytes:
    sections = [(h, f"{t} {MARKER} clause {n}.") for h, t in SAMPLE_POLICY]
    return policy_docx(sections, title=f"Browser Load Policy {n}")


async def _idle(page, timeout: float = 60_000) -> None:  # type: ignore[no-untyped-def]
    await page.wait_for_selector(IDLE, timeout=timeout)


async def _switch(page, title: str, path: str, stats: Stats) -> None:  # type: ignore[no-untyped-def]
    """Click a sidebar link and wait until that page's run has finished."""
    t0 = time.perf_counter()
    await (
        page.locator('[data-testid="stSidebarNav"]')
        .get_by_role("link", name=title, exact=True)
        .click()
    )
    await page.wait_for_function(
        """([path, sel]) => {
            const here = location.pathname.replace(/\\/+$/, '');
            const there = path === '' ? here === '' : here.endsWith('/' + path);
            return there && document.querySelector(sel) !== null;
        }""",
        arg=[path, IDLE],
        timeout=60_000,
        polling=20,
    )
    # the path changes when the new run starts; wait for that run's end
    await page.wait_for_timeout(30)
    await _idle(page)
    stats.loads.append((path or "landing page", time.perf_counter() - t0))
    await _check(page, path, stats)


async def _check(page, where: str, stats: Stats) -> None:  # type: ignore[no-untyped-def]
    if await page.locator('[data-testid="stException"]').count():
        stats.errors.append(f"{where}: a Streamlit exception box")
    if await page.get_by_text(GENERIC_ERROR).count():
        stats.errors.append(f"{where}: the generic error message")


async def _upload(page, n: int, stats: Stats) -> None:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    await page.locator('input[type="file"]').set_input_files(
        files=[
            {
                "name": f"load-{n}.docx",
                "mimeType": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "buffer": _policy(n),
            }
        ]
    )
    # the browser sends the file in its own request: submit only once the uploader lists it
    await page.get_by_text(f"load-{n}.docx").wait_for(timeout=60_000)
    await _idle(page)
    await page.get_by_role("button", name="Upload and analyze").click()
    # the status box of this very run ends in one of two labels (or the run fails outright)
    done = (
        page.get_by_text("Analysed and saved as a draft")
        .or_(page.get_by_text("The file was not accepted"))
        .or_(page.locator('[data-testid="stException"]'))
    )
    await done.first.wait_for(timeout=120_000)
    await _idle(page, timeout=120_000)
    if not await page.get_by_text("Analysed and saved as a draft").count():
        alerts = await page.locator('[data-testid="stAlert"]').all_inner_texts()
        stats.errors.append(f"upload not accepted: {' | '.join(a[:160] for a in alerts)}")
        return
    stats.loads.append(("upload (submit form)", time.perf_counter() - t0))
    await _check(page, "upload", stats)


async def _user(
    browser,
    base: str,
    username: str,
    password: str,
    role: str,
    deadline: float,
    seed: int,
    stats: Stats,
) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    try:
        t0 = time.perf_counter()
        await page.goto(base)
        await _idle(page)
        if await page.get_by_text("Page not found").count():
            await page.keyboard.press("Escape")
        await page.get_by_label("Username").fill(username)
        await page.get_by_label("Password", exact=True).fill(password)
        await page.get_by_role("button", name="Sign in").click()
        await page.locator('[data-testid="stSidebarNav"]').wait_for(timeout=60_000)
        # sign-in ends with st.rerun(): let that second run finish before the first click
        await page.get_by_role("button", name="Sign out").wait_for(timeout=60_000)
        await page.wait_for_timeout(300)
        await _idle(page)
        stats.loads.append(("sign in", time.perf_counter() - t0))
        links = ROLE_LINKS[role]
        current = ""  # signed in on the landing page
        n = 0
        while time.monotonic() < deadline:
            n += 1
            if role == "agency_user" and n % 6 == 0:
                if current != "upload":
                    await _switch(page, "Upload a policy", "upload", stats)
                    current = "upload"
                await _upload(page, seed * 1000 + n, stats)
                continue
            title = rng.choice([t for t, p in links.items() if p != current])
            await _switch(page, title, links[title], stats)
            current = links[title]
    except Exception as exc:  # a timeout or a missing element: an error of the run
        where = page.url.removeprefix(base)
        stats.errors.append(
            f"{username} at {where or '/'}: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
        )
    finally:
        await context.close()


async def _run(base: str, users: list[tuple[str, str, str]], duration: float) -> Stats:
    from playwright.async_api import async_playwright

    stats = Stats()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        deadline = time.monotonic() + duration
        await asyncio.gather(
            *(
                _user(browser, base, u, pw_, role, deadline, i + 1, stats)
                for i, (u, pw_, role) in enumerate(users)
            )
        )
        await browser.close()
    return stats


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    if not xs:
        return 0.0
    return xs[min(len(xs) - 1, max(0, int(round(p / 100 * len(xs) + 0.5)) - 1))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=30.0)
    ap.add_argument(
        "--users", type=int, default=5, help="browser contexts (up to 5 personas, cycled)"
    )
    args = ap.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"needs {CHROMIUM} (apt-get install chromium)")
        return 2

    with tempfile.TemporaryDirectory(prefix="cr-browser-") as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        seed = Seed(data)
        # some work on every page: drafts, a submitted document, one in review
        for i in range(3):
            seed.upload("alice", _policy(i), f"seed-{i}.docx")
        r = seed.upload("bert", _policy(10), "seed-b.docx")
        seed.svc.transition(seed.actor("bert"), r.document_id, "submit")
        r = seed.upload("alice", _policy(11), "seed-c.docx")
        seed.svc.transition(seed.actor("alice"), r.document_id, "submit")
        seed.svc.transition(seed.actor("rita"), r.document_id, "claim")
        roles = {
            "alice": "agency_user",
            "bert": "agency_user",
            "rita": "reviewer",
            "rob": "reviewer",
            "admin": "admin",
        }
        order = ["alice", "rita", "admin", "bert", "rob"]
        users = [
            (u, seed.passwords[u], roles[u]) for u in (order[i % 5] for i in range(args.users))
        ]

        log_path = Path(tmp) / "server.log"
        server = StreamlitServer(data, log_path).start()
        try:
            t0 = time.perf_counter()
            stats = asyncio.run(_run(server.url, users, args.duration))
            seconds = time.perf_counter() - t0
        finally:
            server.stop()
        server_log = log_path.read_text(errors="replace")

    pages = [s for p, s in stats.loads if p not in ("sign in", "upload (submit form)")]
    print(f"\n## browser: {len(users)} Chromium contexts against one server, {args.duration:.0f} s")
    print(
        f"{len(pages)} page loads in {seconds:.1f} s = {len(pages) / seconds:.1f} loads/s; "
        f"page load p50 {_pct(pages, 50) * 1000:.0f} ms, p95 {_pct(pages, 95) * 1000:.0f} ms; "
        f"errors {len(stats.errors)}"
    )
    by: dict[str, list[float]] = defaultdict(list)
    for p, s in stats.loads:
        by[p].append(s)
    print(f"{'page':<22} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for p in sorted(by):
        xs = by[p]
        print(
            f"{p:<22} {len(xs):>6} {_pct(xs, 50) * 1000:>8.0f} {_pct(xs, 95) * 1000:>8.0f} {max(xs) * 1000:>8.0f}"
        )
    for e in stats.errors[:10]:
        print("  error:", e)
    leaked = [u for u, pw, _ in users if pw in server_log] + (
        [MARKER] if MARKER in server_log else []
    )
    tracebacks = server_log.count("Traceback")
    print(f"server log: {tracebacks} tracebacks; passwords or policy text in it: {len(leaked)}")
    lines = server_log.splitlines()
    ends = [i for i, line in enumerate(lines) if line and not line.startswith((" ", "Traceback"))]
    for i, line in enumerate(lines):
        if line.startswith("Traceback"):
            last = next((j for j in ends if j > i), len(lines) - 1)
            print("  server:", " | ".join(x.strip() for x in lines[max(i, last - 3) : last + 1]))
    return 0 if not stats.errors and not leaked and not tracebacks else 1


if __name__ == "__main__":
    raise SystemExit(main())
