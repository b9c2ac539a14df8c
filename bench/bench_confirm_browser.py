"""Confirm → page settled in the real browser on a large manual (issue 12, item 10).

Starts the real server (``serve.py``) on a temporary store with a generated N-section policy
(default 1,500), signs a reviewer in through headless Chromium, claims it, then clicks
"Confirm" on a suggestion's card K times, timing from the click until Streamlit reports the
script finished and the page is idle (``tests.e2e_support.settle`` without its fixed pauses).
Prints the median and the slowest. Target: under 1 s.

    python bench/bench_confirm_browser.py [--sections 1500] [--confirms 8]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sections", type=int, default=1500)
    ap.add_argument("--confirms", type=int, default=8)
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from tests.e2e_support import (
        Seed,
        StreamlitServer,
        dismiss_page_not_found,
        launch_browser,
        long_policy_docx,
        settle,
        sign_in,
    )

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        seed = Seed(data)
        doc = seed.upload("alice", long_policy_docx(args.sections), "long.docx").document_id
        seed.svc.transition(seed.actor("alice"), doc, "submit")
        seed.svc.transition(seed.actor("rita"), doc, "claim")
        srv = StreamlitServer(data, Path(tmp) / "server.log").start()
        try:
            with sync_playwright() as p:
                browser = launch_browser(p)
                page = browser.new_page(viewport={"width": 1440, "height": 1000})
                page.set_default_timeout(60_000)
                sign_in(page, srv.url, "rita", seed.passwords["rita"])
                page.goto(f"{srv.url}/workspace?doc={doc}")
                settle(page, timeout=60_000)
                dismiss_page_not_found(page)
                try:
                    page.get_by_role("button", name="Confirm", exact=True).first.wait_for()
                except Exception:
                    page.screenshot(path=str(ROOT / "bench" / "confirm-failed.png"))
                    raise
                settle(page)
                times = []
                idle = '[data-testid="stApp"][data-test-script-state="notRunning"]'
                for _ in range(args.confirms):
                    button = page.get_by_role("button", name="Confirm", exact=True).first
                    t0 = time.perf_counter()
                    button.click()
                    page.wait_for_selector(
                        '[data-testid="stApp"][data-test-script-state="running"]', timeout=5000
                    )
                    page.wait_for_selector(idle)
                    times.append((time.perf_counter() - t0) * 1000)
                    settle(page)
                    # undo it, so the next round confirms the same suggestion again
                    page.get_by_role("button", name="Undo decision").first.click()
                    settle(page)
                browser.close()
        finally:
            srv.stop()
    times.sort()
    print(
        f"{args.sections}-section manual: confirm -> page settled, median "
        f"{statistics.median(times):.0f} ms, slowest {times[-1]:.0f} ms over {len(times)} "
        "confirms (target < 1,000 ms)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
