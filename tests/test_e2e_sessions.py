"""Issue 12, item 8: sign-in that survives a reload, a new tab and a deep link — in the real
server (``serve.py``) and Debian's headless Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import require_tool
from tests.e2e_support import Seed, StreamlitServer, launch_browser, settle, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def server(tmp_path: Path, output_dir: Path):
    require_tool("chromium")
    data = tmp_path / "data"
    data.mkdir()
    seed = Seed(data)
    srv = StreamlitServer(data, output_dir / "e2e-sessions.log").start()
    try:
        yield srv, seed
    finally:
        srv.stop()


@pytest.fixture
def context():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_browser(p)
        ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        ctx.set_default_timeout(30_000)
        try:
            yield ctx
        finally:
            ctx.close()
            browser.close()


def _signed_in_as(page, name: str) -> bool:  # type: ignore[no-untyped-def]
    return page.locator('[data-testid="stSidebar"]').get_by_text(name).count() > 0


def _wait_signed_in(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.locator('[data-testid="stSidebar"]').get_by_text(name).wait_for(timeout=30_000)
    settle(page)


def _wait_sign_in_form(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Username").wait_for(timeout=30_000)
    settle(page)


def test_reload_new_tab_and_deep_link_keep_the_session(server, context):
    srv, seed = server
    doc = seed.upload("alice").document_id
    page = context.new_page()
    sign_in(page, srv.url, "alice", seed.passwords["alice"])
    _wait_signed_in(page, "Alice Agency")
    cookie = next(c for c in context.cookies() if c["name"] == "cr_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert len(cookie["value"]) >= 40
    # the store keeps only the token's hash
    stored = (srv.data_dir / "store" / "sessions.json").read_text()
    assert cookie["value"] not in stored
    page.reload()
    _wait_signed_in(page, "Alice Agency")
    tab = context.new_page()
    tab.goto(f"{srv.url}/document?doc={doc}")
    _wait_signed_in(tab, "Alice Agency")
    assert tab.get_by_text("Youth Services Policy").count() > 0


def test_sign_out_in_one_tab_ends_the_session_in_the_other(server, context):
    srv, seed = server
    one = context.new_page()
    sign_in(one, srv.url, "rita", seed.passwords["rita"])
    _wait_signed_in(one, "Rita Reviewer")
    two = context.new_page()
    two.goto(f"{srv.url}/queue")
    _wait_signed_in(two, "Rita Reviewer")
    one.get_by_role("button", name="Sign out").click()
    _wait_sign_in_form(one)
    assert not [c for c in context.cookies() if c["name"] == "cr_session"]
    # the other tab's next interaction (here a reload) finds the session ended
    two.reload()
    _wait_sign_in_form(two)
    assert not _signed_in_as(two, "Rita Reviewer")


def test_forged_and_expired_tokens_get_the_sign_in_page(server, context):
    srv, seed = server
    context.add_cookies(
        [{"name": "cr_session", "value": "forged-token-" + "x" * 30, "url": srv.url}]
    )
    page = context.new_page()
    page.goto(f"{srv.url}/queue")
    _wait_sign_in_form(page)
    assert not _signed_in_as(page, "Rita Reviewer")
    # a real session past its idle expiry: ended server-side, the sign-in page again
    sign_in(page, srv.url, "rita", seed.passwords["rita"])
    _wait_signed_in(page, "Rita Reviewer")
    token = next(c["value"] for c in context.cookies() if c["name"] == "cr_session")
    import hashlib

    from review.storage import TinyDBRepository

    repo = TinyDBRepository(srv.data_dir)
    repo.update_session(
        hashlib.sha256(token.encode()).hexdigest(), {"last_seen": "2000-01-01T00:00:00+00:00"}
    )
    page.reload()
    _wait_sign_in_form(page)
    assert not _signed_in_as(page, "Rita Reviewer")
