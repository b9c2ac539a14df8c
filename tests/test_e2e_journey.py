"""End to end: the real app (``streamlit run``) in Debian's headless Chromium, driven by Playwright.

The whole journey — upload, submit, claim, confirm / reject / add, request changes, revise,
approve, download — plus tenant isolation by URL. Screenshots of the main pages go to
``test-output/screenshots/``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import require_tool
from tests.e2e_support import (
    SAMPLE_POLICY,
    Seed,
    StreamlitServer,
    dismiss_page_not_found,
    fill_sign_in,
    launch_browser,
    policy_docx,
    screenshot,
    settle,
    sign_in,
    sign_out,
)

# the whole journey on the TinyDB store and on PostgreSQL (tests/conftest.py: store_backend)
pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.usefixtures("store_backend")]


@pytest.fixture
def server(tmp_path: Path, output_dir: Path):
    require_tool("chromium")
    data = tmp_path / "data"
    data.mkdir()
    seed = Seed(data)
    srv = StreamlitServer(data, output_dir / "e2e-streamlit.log").start()
    try:
        yield srv, seed
    finally:
        srv.stop()


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_browser(p)
        context = browser.new_context(
            viewport={"width": 1440, "height": 1000}, accept_downloads=True
        )
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


def _nav(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("link", name=name).first.click()
    settle(page)


def _upload(page, path: Path) -> None:  # type: ignore[no-untyped-def]
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(path))
    page.locator(f'[data-testid="stFileChip"][aria-label^="{path.name},"]').wait_for()
    # the chip shows a spinner while the upload is in flight
    page.wait_for_selector('[data-testid="stFileChipIconSpinner"]', state="detached")
    settle(page)


def _body(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator('[data-testid="stApp"]').inner_text()


def test_whole_review_journey(server, browser_page, tmp_path: Path, output_dir: Path):
    srv, seed = server
    page = browser_page
    shots = output_dir / "screenshots"
    base = srv.url

    # ---- agency user uploads a policy and submits it
    sign_in(page, base, "alice", seed.passwords["alice"])
    assert page.get_by_role("heading", name="My documents").is_visible()
    _nav(page, "Upload a policy")
    v1 = tmp_path / "youth-services-policy.docx"
    v1.write_bytes(policy_docx())
    page.get_by_label("Title (optional)", exact=True).fill("Youth Services Policy")
    _upload(page, v1)
    page.get_by_role("button", name="Upload and analyze").click()
    settle(page)
    page.get_by_text(re.compile(r"Uploaded: 5 sections")).wait_for()
    screenshot(page, shots, "01-agency-upload-preview")
    page.get_by_role("link", name=re.compile("Open the document")).click()
    settle(page)
    page.get_by_role("button", name="Submit for review").click()
    settle(page)
    page.get_by_text("The document is waiting in the review queue.").wait_for()
    screenshot(page, shots, "02-agency-document-submitted")
    doc_id = seed.svc.list_documents(seed.actor("alice"))[0].id
    sign_out(page)

    # ---- reviewer claims it, confirms, rejects, adds a link, requests changes
    sign_in(page, base, "rita", seed.passwords["rita"])
    page.get_by_role("tab", name="Awaiting review (1)").wait_for()
    screenshot(page, shots, "03-reviewer-queue")
    page.get_by_role("button", name="Claim").click()
    settle(page)
    page.get_by_text("You hold the review lock").wait_for()
    # suggestions undecided: Approve is shown disabled, with the reason beside it
    assert page.get_by_role("button", name="Approve").is_disabled()
    page.get_by_text(re.compile(r"\d+ suggestions are still undecided\.")).first.wait_for()
    page.get_by_role("button", name="Confirm", exact=True).first.click()
    settle(page)
    page.get_by_text(re.compile(r"Confirmed C")).wait_for()
    page.get_by_label("Reason to reject").first.fill("Mentions the topic only in passing")
    page.get_by_role("button", name="Reject", exact=True).first.click()
    settle(page)
    page.get_by_text(re.compile(r"Rejected C")).wait_for()
    # Add link has no preset competency (issue 12): choose one
    add_form = page.locator('[data-testid="stForm"]').filter(has_text="Add a link to this section")
    add_form.get_by_role("combobox").click()
    page.keyboard.type("C1 ")
    page.keyboard.press("Enter")
    settle(page)
    page.get_by_label("Note", exact=True).fill("Covered by the intake checklist")
    page.get_by_role("button", name="Add link").click()
    settle(page)
    page.get_by_text(re.compile(r"Linked this section to")).wait_for()
    screenshot(page, shots, "04-reviewer-workspace")
    states = [lk.state for lk in seed.svc.links(seed.actor("rita"), doc_id)]
    assert (
        states.count("confirmed") == 1
        and states.count("rejected") == 1
        and states.count("added") == 1
    )
    page.get_by_label(re.compile("Comment for .Request changes")).fill(
        "Please add a section on safety planning for each youth."
    )
    page.get_by_role("button", name="Request changes").click()
    settle(page)
    page.get_by_text("Changes were requested of the agency.").wait_for()
    sign_out(page)

    # ---- agency reads the comment and uploads a revision
    sign_in(page, base, "alice", seed.passwords["alice"])
    page.get_by_text("Changes requested of my agency (1)").wait_for()
    page.get_by_role("link", name="Youth Services Policy").first.click()
    settle(page)
    # the reviewer's comment in the full-contrast box at the top (the history grid repeats it)
    page.get_by_test_id("stHtml").get_by_text(
        "Please add a section on safety planning for each youth."
    ).first.wait_for()
    v2 = tmp_path / "youth-services-policy-v2.docx"
    v2.write_bytes(
        policy_docx(
            [
                *SAMPLE_POLICY,
                (
                    "Safety Planning",
                    "Each youth has a written safety plan reviewed with a case manager.",
                ),
            ]
        )
    )
    _upload(page, v2)
    page.get_by_role("button", name="Upload new version").click()
    settle(page)
    page.get_by_text(re.compile(r"Version 2 uploaded: \d+ decisions carried over")).wait_for()
    page.get_by_text(re.compile(r"Carried over \(section unchanged\): [1-9]")).wait_for()
    screenshot(page, shots, "05-agency-revision-carried-over")
    # a resubmission: the agency answers the reviewer's request as it submits (issue 12)
    page.get_by_label("Your reply to the reviewer (optional)").fill("Added safety planning.")
    page.get_by_role("button", name="Submit the revision for review").click()
    settle(page)
    page.get_by_text("Submitted for review. Your reply is in the history.").wait_for()
    sign_out(page)

    # ---- reviewer claims again, decides the rest, approves and downloads
    sign_in(page, base, "rita", seed.passwords["rita"])
    page.get_by_role("button", name="Claim").click()
    settle(page)
    page.get_by_role("button", name=re.compile(r"Confirm all \d+ undecided")).click()
    settle(page)
    # open gaps: the reviewer's conclusion and the explicit acceptance (issue 12)
    page.get_by_label(re.compile(r"Your conclusion")).fill("Sound policy; the gaps are accepted.")
    page.get_by_text(re.compile(r"I accept the \d+ open findings")).click()
    page.get_by_role("button", name=re.compile(r"Approve with \d+ open findings")).click()
    settle(page)
    page.get_by_text("The document is approved.").wait_for()
    page.get_by_text("Review report (.docx)").wait_for()
    screenshot(page, shots, "06-reviewer-approved-downloads")
    with page.expect_download() as dl:
        page.get_by_role("button", name="Review report (.docx)").click()
    report = output_dir / "e2e-review-report.docx"
    dl.value.save_as(report)
    assert report.read_bytes()[:2] == b"PK"
    with page.expect_download() as dl:
        page.get_by_role("button", name="Coverage matrix (.csv)").click()
    csv_path = output_dir / "e2e-coverage.csv"
    dl.value.save_as(csv_path)
    assert csv_path.read_text(encoding="utf-8-sig").startswith("Competency,Label,Statement,Status")
    assert seed.svc.get_document(seed.actor("rita"), doc_id).state == "approved"
    sign_out(page)

    # ---- admin pages
    sign_in(page, base, "admin", seed.passwords["admin"])
    _nav(page, "Users & agencies")
    screenshot(page, shots, "07-admin-users")
    _nav(page, "Audit trail")
    page.locator('[data-testid="stDataFrame"]').first.wait_for()
    # the grid is a canvas; its accessible cells carry the text
    page.locator('[role="gridcell"]', has_text="Approve").first.wait_for(state="attached")
    screenshot(page, shots, "08-admin-audit")


def test_agency_user_cannot_open_another_agencys_document_by_url(
    server, browser_page, output_dir: Path
):
    srv, seed = server
    page = browser_page
    doc_id = seed.upload("alice").document_id

    # a bookmarked link of the agency page: sign-in keeps the path and ?doc=, then "not found"
    page.goto(f"{srv.url}/document?doc={doc_id}")
    settle(page)
    fill_sign_in(page, "bert", seed.passwords["bert"])
    page.get_by_role("button", name="Sign out").wait_for()
    settle(page)
    assert page.url.endswith(f"/document?doc={doc_id}")
    page.get_by_text("Document not found").wait_for()
    assert "Youth Services Policy" not in _body(page)
    screenshot(page, output_dir / "screenshots", "09-isolation-not-found")

    # the reviewer's workspace URL is not a page for an agency user at all
    page.goto(f"{srv.url}/workspace?doc={doc_id}")
    settle(page)
    # the session cookie keeps bert signed in across the new page load (issue 12)
    dismiss_page_not_found(page)
    page.get_by_role("button", name="Sign out").wait_for()
    settle(page)
    assert "Youth Services Policy" not in _body(page)
    assert page.get_by_role("heading", name="Review workspace").count() == 0

    # the same deep link works for the agency that owns it
    sign_out(page)
    page.goto(f"{srv.url}/document?doc={doc_id}")
    settle(page)
    fill_sign_in(page, "alice", seed.passwords["alice"])
    page.get_by_role("button", name="Sign out").wait_for()
    page.get_by_role("heading", name="Youth Services Policy").wait_for()
