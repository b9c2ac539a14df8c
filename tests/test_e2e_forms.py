"""Issue 12, item 1 in the real browser: a refused form keeps what was typed (Streamlit's
``clear_on_submit`` clears fields in the browser, so only a browser test sees it)."""

from __future__ import annotations

import pytest

from tests.e2e_support import settle, sign_in
from tests.test_e2e_sessions import context, server  # noqa: F401 - pytest fixtures

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_new_user_form_keeps_its_fields_after_a_refusal(server, context):  # noqa: F811
    srv, seed = server
    page = context.new_page()
    sign_in(page, srv.url, "admin", seed.passwords["admin"])
    page.goto(f"{srv.url}/users")
    page.get_by_label("Display name", exact=True).wait_for()
    settle(page)
    page.get_by_label("Username").first.fill("carol")
    page.get_by_label("Display name", exact=True).fill("Carol Case")
    page.get_by_label("Initial password").fill("short")
    page.get_by_role("button", name="Create user").click()
    settle(page)
    page.get_by_test_id("stAlertContentError").first.wait_for()  # refused (agency, password)
    assert page.get_by_label("Username").first.input_value() == "carol"
    assert page.get_by_label("Display name", exact=True).input_value() == "Carol Case"
    assert seed.svc.repo.user("carol") is None
