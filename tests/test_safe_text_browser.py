"""Hostile names in the real app, in headless Chromium (issue 11, item 4): the escaped text the
pages hand Streamlit renders as that text — no image fetched, no link, no colored span."""

from __future__ import annotations

from pathlib import Path

import pytest

from review.auth import SYSTEM
from tests.conftest import require_tool
from tests.e2e_support import (
    Seed,
    StreamlitServer,
    launch_browser,
    policy_docx,
    screenshot,
    settle,
    sign_in,
)
from tests.test_safe_text import EVIL

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_hostile_title_and_names_render_as_text(tmp_path: Path, output_dir: Path):
    require_tool("chromium")
    from playwright.sync_api import sync_playwright

    data = tmp_path / "data"
    data.mkdir()
    seed = Seed(data)
    seed.svc.create_user(
        SYSTEM, "mallory", "hostile password 1", "agency_user", seed.agency_a.id, f"M {EVIL}"
    )
    up = seed.svc.upload(
        seed.svc.authenticate("mallory", "hostile password 1"),
        policy_docx([(f"Heading {EVIL}", "Staff are mandated reporters.")], title=f"T {EVIL}"),
        "policy.docx",
    )
    fetched: list[str] = []
    srv = StreamlitServer(data, output_dir / "e2e-safe-text.log").start()
    try:
        with sync_playwright() as p:
            browser = launch_browser(p)
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.set_default_timeout(30_000)
            page.on("request", lambda r: fetched.append(r.url))
            try:
                sign_in(page, srv.url, "mallory", "hostile password 1")  # lands on My documents
                for name in ("documents", "document"):
                    if name == "document":  # a reload would start a new session: follow the link
                        page.get_by_role("link", name="T ![t]", exact=False).first.click()
                        settle(page)
                        assert up.document_id in page.url
                    app = page.locator('[data-testid="stApp"]')
                    text = app.inner_text().replace("\u2060", "")
                    assert "![t](http://track.example/b.png)" in text  # shown literally
                    assert ":red[urgent]" in text and "<b>bold</b>" in text
                    assert app.locator('img[src*="track.example"]').count() == 0
                    links = app.locator('a[href*="evil.example"]')
                    assert links.count() == 0, [
                        links.nth(i).evaluate("e => e.parentElement.outerHTML")
                        for i in range(links.count())
                    ]
                    # no element made by the hostile markup: <b>bold</b>, **loud**, :red[urgent]
                    made = app.evaluate(
                        """root => [...root.querySelectorAll('b, strong, em, span, font')]
                            .filter(e => ['bold', 'loud', 'urgent'].includes(e.textContent.trim()))
                            .map(e => e.outerHTML)"""
                    )
                    assert made == [], made
                    screenshot(page, output_dir, f"safe-text-{name}")
            finally:
                browser.close()
    finally:
        srv.stop()
    assert not [u for u in fetched if "track.example" in u or "evil.example" in u]
