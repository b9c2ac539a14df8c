"""Sign-in throttling that no anonymous user can turn against others (issue 11, items 2, 3, 10):
per account with exponential back-off, per client only where the address is real, check and
record in one atomic step, and the same throttle on the password-change form."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from review.auth import MAX_FAILURES, SYSTEM, client_key
from review.errors import AuthenticationFailed
from review.services import ReviewService
from tests.e2e_support import Seed

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw) -> None:
        self.now += timedelta(**kw)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def svc(data_dir: Path, clock: Clock) -> ReviewService:
    s = ReviewService(data_dir=data_dir, clock=clock)
    s.create_user(SYSTEM, "rita", "correct horse 2", "reviewer", display_name="Rita")
    return s


def _fail(svc: ReviewService, user: str = "rita", client: str = "") -> str:
    with pytest.raises(AuthenticationFailed) as info:
        svc.authenticate(user, "not the password", client)
    return str(info.value)


# ------------------------------------------------------------------ the client key


@pytest.mark.parametrize(
    ("peer", "headers", "header", "key"),
    [
        (None, {}, "", ""),  # AppTest, or a local socket Streamlit did not report
        ("127.0.0.1", {}, "", ""),  # a same-host proxy or a local browser: everyone alike
        ("::1", {}, "", ""),
        ("::ffff:127.0.0.1", {}, "", ""),  # IPv4-mapped loopback is loopback too
        ("203.0.113.5", {}, "", "client:203.0.113.5"),
        ("::ffff:203.0.113.5", {}, "", "client:203.0.113.5"),
        ("2001:db8::1", {}, "", "client:2001:db8::1"),
        ("not an address", {}, "", ""),
        # behind a configured proxy: the entry the proxy added (the last), never the first,
        # which the client can write itself
        (
            "127.0.0.1",
            {"X-Forwarded-For": "6.6.6.6, 198.51.100.7"},
            "X-Forwarded-For",
            "client:198.51.100.7",
        ),
        ("127.0.0.1", {"x-real-ip": "::ffff:198.51.100.8"}, "X-Real-IP", "client:198.51.100.8"),
        ("127.0.0.1", {}, "X-Forwarded-For", ""),  # header missing: no key, not the proxy's
    ],
)
def test_client_key(peer, headers, header, key):
    assert client_key(peer, headers, header) == key


# ------------------------------------------------------------------ per account, back-off


def test_account_back_off_doubles(svc: ReviewService, clock: Clock):
    for _ in range(MAX_FAILURES):
        assert _fail(svc) == "wrong username or password"
    assert "try again in 15 minutes" in _fail(svc)
    clock.advance(minutes=15, seconds=1)
    assert _fail(svc) == "wrong username or password"  # one more guess after the wait ...
    assert "try again in 30 minutes" in _fail(svc)  # ... doubles it
    clock.advance(minutes=30, seconds=1)
    assert _fail(svc) == "wrong username or password"
    assert "try again in 60 minutes" in _fail(svc)
    clock.advance(minutes=60, seconds=1)
    assert svc.authenticate("rita", "correct horse 2").username == "rita"
    for _ in range(MAX_FAILURES):  # a success forgets the account's failures
        assert _fail(svc) == "wrong username or password"


def test_anonymous_failures_do_not_lock_out_other_accounts(svc: ReviewService):
    """The attack of item 2: every user behind one proxy / on localhost has the same socket
    address; failures for other names from there must not lock anyone else out."""
    for i in range(3 * MAX_FAILURES):
        _fail(svc, f"mallory{i}", client_key("::ffff:127.0.0.1"))
    assert svc.authenticate("rita", "correct horse 2", client_key("127.0.0.1")).username == "rita"


def test_refused_attempts_are_not_recorded(svc: ReviewService, clock: Clock):
    for _ in range(MAX_FAILURES):
        _fail(svc)
    for _ in range(20):  # hammering a locked account does not extend the lock
        assert "too many attempts" in _fail(svc)
    clock.advance(minutes=15, seconds=1)
    assert svc.authenticate("rita", "correct horse 2").username == "rita"


# ------------------------------------------------------------------ atomic check and record


def test_concurrent_guesses_cannot_pass_the_limit(svc: ReviewService, monkeypatch):
    import review.services.accounts as core

    checks = []
    real = core.verify_password

    def counting(password, record):
        checks.append(password)
        return real(password, record)

    monkeypatch.setattr(core, "verify_password", counting)
    n = 40
    barrier = threading.Barrier(n)
    results: list[str] = []
    lock = threading.Lock()

    def guess(i: int) -> None:
        barrier.wait()
        password = "correct horse 2" if i == n - 1 else f"guess number {i}"
        try:
            svc.authenticate("rita", password, "client:198.51.100.9")
            out = "signed in"
        except AuthenticationFailed as err:
            out = str(err)
        with lock:
            results.append(out)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    throttled = sum("too many attempts" in r for r in results)
    # at most MAX_FAILURES wrong passwords were looked at before the right one (a success
    # forgets the account's failures, so guesses after it start a new count)
    before_right = checks.index("correct horse 2") if "correct horse 2" in checks else len(checks)
    assert before_right <= MAX_FAILURES
    if "signed in" not in results:  # the right one came after the limit: refused unchecked
        assert len(checks) == MAX_FAILURES
        assert throttled == n - MAX_FAILURES
        assert "too many attempts" in _fail(svc)


def test_concurrent_wrong_guesses_get_exactly_the_limit(svc: ReviewService):
    n = 40
    barrier = threading.Barrier(n)
    results: list[str] = []

    def guess(i: int) -> None:
        barrier.wait()
        try:
            svc.authenticate("rita", f"guess number {i}", "")
        except AuthenticationFailed as err:
            results.append(str(err))

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("wrong username or password") == MAX_FAILURES
    assert sum("too many attempts" in r for r in results) == n - MAX_FAILURES
    assert "too many attempts" in _fail(svc)


# ------------------------------------------------------------------ password change


def test_current_password_check_is_throttled(svc: ReviewService):
    rita = svc.authenticate("rita", "correct horse 2")
    for i in range(MAX_FAILURES):
        with pytest.raises(AuthenticationFailed, match="current password is wrong"):
            svc.set_password(rita, "rita", "a new password 1", current_password=f"guess {i}")
    with pytest.raises(AuthenticationFailed, match="too many attempts"):
        svc.set_password(rita, "rita", "a new password 1", current_password="correct horse 2")
    with pytest.raises(AuthenticationFailed, match="too many attempts"):
        svc.authenticate("rita", "correct horse 2")  # one budget for both doors
    assert svc.authenticate  # the stored password is unchanged:
    with pytest.raises(AuthenticationFailed):
        svc.authenticate("rita", "a new password 1")


# ------------------------------------------------------------------ the sign-in page


def test_sign_in_page_failures_for_other_names_do_not_lock_a_user_out(data_dir: Path, monkeypatch):
    from streamlit.runtime.context import ContextProxy

    # every browser reaches the app through a same-host proxy: one socket address for all
    monkeypatch.setattr(ContextProxy, "ip_address", property(lambda self: "::ffff:127.0.0.1"))
    seed = Seed(data_dir)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    for i in range(2 * MAX_FAILURES):
        at.text_input[0].input(f"mallory{i}")
        at.text_input[1].input("wrong-password-123")
        at.button[0].click()
        at.run()
    assert not any("too many attempts" in e.value for e in at.error)
    at.text_input[0].input("rita")
    at.text_input[1].input(seed.passwords["rita"])
    at.button[0].click()
    at.run()
    assert at.session_state["actor"].username == "rita"
