"""Nothing confidential in the logs: a whole journey — sign-in (right and wrong passwords), upload,
suggestions, decisions, transitions, revision, reports, a refused hostile upload, the CLI and the
Streamlit pages — runs with every logger at DEBUG, and no record (message, arguments, traceback)
carries the document's text or a password.

The policy text carries a unique marker; the passwords are unique per run. Every logger that
exists (libraries included: filelock, tinydb, streamlit …) is captured, also those that do not
propagate to the root logger.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from review.auth import SYSTEM
from review.errors import AuthenticationFailed, UnreadableDocument
from review.services import ReviewService
from tests.docx_factory import build_docx
from tests.e2e_support import approve

ROOT = Path(__file__).resolve().parent.parent


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self) -> str:
        """Everything a log file could hold: formatted messages, raw arguments, tracebacks."""
        fmt = logging.Formatter("%(name)s %(levelname)s %(message)s")
        parts = []
        for r in self.records:
            parts.append(fmt.format(r))
            parts.append(repr(r.args))
            if r.exc_info:
                parts.append(fmt.formatException(r.exc_info))
            if r.stack_info:
                parts.append(r.stack_info)
        return "\n".join(parts)


@pytest.fixture
def all_logs() -> Iterator[_Collect]:
    """Every logger at DEBUG into one handler (restored afterwards)."""
    handler = _Collect()
    saved: list[tuple[logging.Logger, int, bool]] = []

    def hook(logger: logging.Logger) -> None:
        saved.append((logger, logger.level, logger.disabled))
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
        if not logger.propagate or logger is logging.getLogger():
            logger.addHandler(handler)

    # import what the journey will use first, so their loggers exist and can be hooked
    import streamlit.testing.v1  # noqa: F401

    import review.parsing  # noqa: F401
    import review.reports  # noqa: F401

    hook(logging.getLogger())
    for name in list(logging.Logger.manager.loggerDict):
        obj = logging.Logger.manager.loggerDict[name]
        if isinstance(obj, logging.Logger):
            hook(obj)
    try:
        yield handler
    finally:
        for logger, level, disabled in saved:
            logger.setLevel(level)
            logger.disabled = disabled
            logger.removeHandler(handler)


def _policy(marker: str, title_marker: str) -> bytes:
    return build_docx(
        [
            ("title", f"Shelter Policy {title_marker}"),
            ("h1", "Confidential Location"),
            f"Staff never disclose the shelter address {marker} to anyone outside the program.",
            ("h1", "Vicarious Trauma"),
            f"Supervisors watch for secondary traumatic stress {marker} and offer the employee "
            "assistance program.",
            ("h1", "Mandated Reporting"),
            f"Every employee reports suspected trafficking {marker} to child protective services.",
        ]
    )


def test_no_document_text_or_password_in_any_log(all_logs: _Collect, data_dir: Path, capsys):
    marker = "ZQX" + secrets.token_hex(6).upper()  # appears only in the policy's body text
    title_marker = "TTL" + secrets.token_hex(4).upper()
    pw_alice = "alice-" + secrets.token_urlsafe(16)
    pw_rita = "rita-" + secrets.token_urlsafe(16)
    wrong = "wrong-" + secrets.token_urlsafe(16)
    secrets_ = [marker, pw_alice, pw_rita, wrong]

    svc = ReviewService(data_dir=data_dir)
    ag = svc.create_agency(SYSTEM, "Lakeshore Safe Harbor", "specialised")
    svc.create_user(SYSTEM, "alice", pw_alice, "agency_user", ag.id, "Alice")
    svc.create_user(SYSTEM, "rita", pw_rita, "reviewer")
    with pytest.raises(AuthenticationFailed):
        svc.authenticate("alice", wrong, "10.1.1.1")
    alice = svc.authenticate("alice", pw_alice, "10.1.1.1")
    rita = svc.authenticate("rita", pw_rita, "10.1.1.2")
    svc.set_password(alice, "alice", pw_alice + "-2", current_password=pw_alice)
    secrets_.append(pw_alice + "-2")

    data = _policy(marker, title_marker)
    doc = svc.upload(alice, data, "shelter.docx").document_id
    with pytest.raises(UnreadableDocument):  # a refused file whose bytes hold the marker
        svc.upload(alice, f"not a word file {marker}".encode() * 10, "broken.docx")
    svc.transition(alice, doc, "submit")
    svc.transition(rita, doc, "claim")
    links = svc.links(rita, doc)
    assert links, "the policy must draw suggestions for the journey to mean something"
    svc.confirm_link(rita, doc, links[0].id, note="clear")
    if len(links) > 1:
        svc.reject_link(rita, doc, links[1].id, reason="too vague")
    svc.transition(rita, doc, "request_changes", "please add training")
    svc.upload(alice, _policy(marker, title_marker + "B"), "shelter-v2.docx", document_id=doc)
    svc.transition(alice, doc, "submit")
    svc.transition(rita, doc, "claim")
    for lk in svc.links(rita, doc):
        if lk.state == "suggested":
            svc.confirm_link(rita, doc, lk.id)
    approve(svc, rita, doc)

    from review.reports import annotated_policy, review_report

    ctx = svc.report_context(alice, doc)
    fw = svc.framework(ctx.framework_id)
    assert review_report(ctx, fw) and annotated_policy(ctx)
    assert svc.coverage_csv(alice, doc)

    # the CLI (it prints the analysis on stdout on purpose; logs are another matter)
    from review.cli import main

    path = data_dir.parent / "policy.docx"
    path.write_bytes(data)
    assert main(["analyze", str(path), "--json"]) == 0
    assert marker in capsys.readouterr().out  # the marker did go through the whole pipeline

    # the pages: sign in with the password typed, open the document
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.run()
    at.text_input[0].input("rita")
    at.text_input[1].input(pw_rita)
    at.button[0].click()
    at.run()
    assert at.session_state["actor"].username == "rita"
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.session_state["actor"] = alice
    at.session_state["last_activity"] = time.time()
    at.query_params["doc"] = doc
    at.run()
    document_page = next((ROOT / "pages").glob("*document.py"))
    at.switch_page(str(document_page.relative_to(ROOT)))
    at.query_params["doc"] = doc
    at.run()
    assert not at.exception

    page_text = " ".join(str(e.value) for e in [*at.title, *at.markdown, *at.caption])
    assert "Shelter Policy" in page_text, page_text[:500]  # the page did render the document

    logged = all_logs.text()
    print(f"{len(all_logs.records)} log records from", sorted({r.name for r in all_logs.records}))
    assert all_logs.records, "nothing was captured: the capture itself is broken"
    for s in secrets_:
        assert s not in logged, f"a secret reached the logs: {s[:6]}…"
    assert title_marker not in logged


def test_the_capture_would_see_a_leak(all_logs: _Collect):
    """The fixture does catch what a careless module would log (so the test above can fail)."""
    logging.getLogger("review.somewhere").debug("parsed %s", "secret-text-123")
    logging.getLogger("streamlit.somewhere").warning("oops secret-text-456")
    text = all_logs.text()
    assert "secret-text-123" in text and "secret-text-456" in text
