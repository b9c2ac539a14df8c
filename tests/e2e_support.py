"""Harness for the end-to-end tests: the real app (``streamlit run``) in a real headless Chromium.

* :class:`StreamlitServer` starts the app on a free port against a temporary data directory,
  waits for ``/_stcore/health`` and always terminates the process group (even when a test fails).
* :func:`launch_browser` starts Debian's ``/usr/bin/chromium`` through Playwright with flags that
  keep it off the network (the machine has none; without them Chromium stalls on connections).
* :func:`settle` waits until Streamlit finished the rerun a click or a keystroke started.

No browser is ever downloaded (never ``playwright install``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class StreamlitServer:
    """``streamlit run serve.py`` (the app with its cookie routes) in its own process group,
    stopped by :meth:`stop`."""

    def __init__(self, data_dir: Path, log_path: Path, extra_env: dict[str, str] | None = None):
        self.data_dir = data_dir
        self.log_path = log_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra_env = extra_env or {}
        self.proc: subprocess.Popen[bytes] | None = None
        self._log = None

    def start(self, timeout: float = 60.0) -> StreamlitServer:
        env = dict(os.environ)
        env.update(
            {
                "COMPETENCY_REVIEW_DATA": str(self.data_dir),
                "PYTHONUNBUFFERED": "1",
                **self.extra_env,
            }
        )
        cmd = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "serve.py"),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.port",
            str(self.port),
            "--server.address",
            "127.0.0.1",
            "--server.fileWatcherType",
            "none",
        ]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.stop()
                raise RuntimeError(
                    f"streamlit exited early: {self.log_path.read_text(errors='replace')}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"streamlit did not become healthy in {timeout:.0f}s")

    def stop(self) -> None:
        """Terminate the server's process group; kill it if it does not stop in 10 s."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextlib.contextmanager
def running_server(data_dir: Path, log_path: Path, **env: str) -> Iterator[StreamlitServer]:
    server = StreamlitServer(data_dir, log_path, env).start()
    try:
        yield server
    finally:
        server.stop()


def launch_browser(playwright):  # type: ignore[no-untyped-def]
    """Debian's Chromium, headless, off the network."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def settle(page, timeout: float = 30_000) -> None:  # type: ignore[no-untyped-def]
    """Wait until Streamlit is connected and not running a script.

    A click starts a rerun a moment later; a short pause first keeps us from seeing the
    *previous* idle state.
    """
    page.wait_for_timeout(250)
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout
    )
    page.wait_for_timeout(100)
    # an uncaught exception in a page is a defect, even when the journey could go on
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, f"the app showed an exception at {page.url}"


def dismiss_page_not_found(page) -> None:  # type: ignore[no-untyped-def]
    """Close Streamlit's "Page not found" notice if it shows.

    Only the first browser session after the server starts can see it, on a deep link: that
    session's page list comes from the ``pages/`` folder scan, before ``st.navigation`` ever ran
    (Streamlit then switches the whole process to the navigation's pages). The app still opens
    the requested page and keeps ``?doc=``; the notice is cosmetic.
    """
    if page.get_by_text("Page not found").count():
        page.keyboard.press("Escape")
        page.wait_for_timeout(200)


def fill_sign_in(page, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    dismiss_page_not_found(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    settle(page)


def sign_in(page, base_url: str, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base_url)
    settle(page)
    dismiss_page_not_found(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    # the browser reloads through /_cr/session (the session cookie) and comes back signed in
    page.get_by_role("button", name="Sign out").wait_for()
    settle(page)


def sign_out(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Username").wait_for()  # the cookie is cleared, the sign-in form shows
    settle(page)


def goto_page(page, base_url: str, url_path: str, **query: str) -> None:  # type: ignore[no-untyped-def]
    """Open a page by URL (``/<url_path>?k=v``) and wait for it to render."""
    q = "&".join(f"{k}={v}" for k, v in query.items())
    page.goto(f"{base_url}/{url_path}" + (f"?{q}" if q else ""))
    settle(page)


def screenshot(page, out_dir: Path, name: str) -> Path:  # type: ignore[no-untyped-def]
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.png"
    # Streamlit scrolls inside its main container, not the window: show the top of the page
    page.evaluate(
        '() => { for (const el of document.querySelectorAll(\'[data-testid="stMain"], '
        '[data-testid="stAppScrollToBottomContainer"], section.main\')) el.scrollTo(0, 0); '
        "window.scrollTo(0, 0); }"
    )
    page.wait_for_timeout(150)
    page.screenshot(path=str(path), full_page=True)
    return path


# --------------------------------------------------------------------------- seeding (AppTest and e2e)

#: an invented policy (no text from real agencies' documents) that the suggester links to
#: several competencies: vicarious trauma (C5), confidentiality of a shelter address (A10) ...
SAMPLE_POLICY: list[tuple[str, str]] = [
    (
        "Purpose",
        "This policy describes how the agency supports youth in its care and the staff who serve them.",
    ),
    (
        "Vicarious Trauma and Staff Wellness",
        "Supervisors watch for vicarious trauma, secondary traumatic stress and compassion fatigue. "
        "All employees may use the Employee Assistance Program for confidential counseling, and "
        "reflective supervision is offered twice a month.",
    ),
    (
        "Confidential Location",
        "Staff do not disclose the address of the shelter. The confidential location is shared only "
        "with people who need it for the youth's safety.",
    ),
    (
        "Mandated Reporting",
        "Every employee is a mandated reporter and reports suspected child abuse, neglect or sex "
        "trafficking to child protective services and law enforcement without delay.",
    ),
    (
        "Trauma-Informed Care",
        "Staff use trauma-informed, strengths-based and youth-centred approaches, build rapport, and "
        "avoid re-traumatising questions during interviews.",
    ),
]


def policy_docx(
    sections: list[tuple[str, str]] | None = None, title: str = "Youth Services Policy"
) -> bytes:
    """A real .docx (python-docx through tests/docx_factory): a title and Heading 1 sections."""
    from tests.docx_factory import build_docx

    items: list = [("title", title)]
    for heading, text in sections or SAMPLE_POLICY:
        items.append(("h1", heading))
        items.append(text)
    return build_docx(items)


def long_policy_docx(n_sections: int) -> bytes:
    """A policy with ``n_sections`` headed sections cycling through the sample texts (for bench)."""
    sections = []
    for i in range(n_sections):
        heading, text = SAMPLE_POLICY[i % len(SAMPLE_POLICY)]
        sections.append((f"{i + 1}. {heading}", f"{text} (Clause {i + 1}.)"))
    return policy_docx(sections, title=f"Long Policy of {n_sections} Sections")


class Seed:
    """Agencies and users of every role in a fresh store; passwords generated per run."""

    def __init__(self, data_dir: Path):
        import secrets

        from review.auth import SYSTEM
        from review.services import ReviewService

        self.data_dir = data_dir
        self.svc = ReviewService(data_dir=data_dir)
        self.passwords: dict[str, str] = {}
        self.agency_a = self.svc.create_agency(SYSTEM, "Northwoods Youth Services", "general")
        self.agency_b = self.svc.create_agency(SYSTEM, "Lakeshore Safe Harbor", "specialised")
        for username, role, agency, name in (
            ("admin", "admin", None, "Ada Admin"),
            ("rita", "reviewer", None, "Rita Reviewer"),
            ("rob", "reviewer", None, "Rob Reviewer"),
            ("alice", "agency_user", self.agency_a.id, "Alice Agency"),
            ("bert", "agency_user", self.agency_b.id, "Bert Other-Agency"),
        ):
            pw = secrets.token_urlsafe(12)
            self.svc.create_user(SYSTEM, username, pw, role, agency, name)
            self.passwords[username] = pw

    def actor(self, username: str):  # type: ignore[no-untyped-def]
        return self.svc.authenticate(username, self.passwords[username], "seed")

    def upload(self, username: str = "alice", data: bytes | None = None, name: str = "policy.docx"):  # type: ignore[no-untyped-def]
        return self.svc.upload(self.actor(username), data or policy_docx(), name)


def approve(svc, actor, doc: str, conclusion: str = "Approved; the open findings are accepted."):  # type: ignore[no-untyped-def]
    """Approve as a reviewer does when competencies are still not addressed: with a conclusion
    and an explicit acceptance of exactly the open findings (issue 12)."""
    gaps = svc.coverage_summary(actor, doc).gaps
    return svc.transition(actor, doc, "approve", conclusion, accept_open_findings=gaps)
