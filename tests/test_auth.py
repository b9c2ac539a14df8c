"""Password hashing, sign-in, throttling (persisted in the store) and deactivation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from review.auth import (
    CLIENT_MAX_FAILURES,
    SYSTEM,
    check_password_policy,
    hash_password,
    throttle_message,
    verify_password,
)
from review.errors import AuthenticationFailed, PermissionDenied, ValidationFailed
from review.services import ReviewService
from tests.conftest import raw_users

# every test runs on the TinyDB store and on PostgreSQL (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("store_backend")


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
    ag = s.create_agency(SYSTEM, "Lakeside Youth Services", "general")
    s.create_user(SYSTEM, "alice", "correct horse 1", "agency_user", ag.id, "Alice Agency")
    s.create_user(SYSTEM, "rita", "correct horse 2", "reviewer")
    return s


def test_hash_is_scrypt_salted_and_verifies():
    a, b = hash_password("a long secret"), hash_password("a long secret")
    assert a["algo"] == "scrypt" and a["n"] == 2**14 and a["r"] == 8 and a["p"] == 1
    assert a["salt"] != b["salt"] and a["hash"] != b["hash"]
    assert verify_password("a long secret", a)
    assert not verify_password("a long secreT", a)
    assert not verify_password("a long secret", None)
    assert not verify_password("a long secret", {**a, "algo": "md5"})


def test_stored_password_is_not_plain(svc: ReviewService, data_dir: Path):
    raw, users = raw_users(data_dir)
    assert "correct horse" not in raw
    assert users and all(u["password"]["algo"] == "scrypt" for u in users)


def test_password_policy():
    with pytest.raises(ValidationFailed, match="at least 10"):
        check_password_policy("short")
    with pytest.raises(ValidationFailed):
        check_password_policy(" " * 12)
    check_password_policy("ten chars!")


def test_sign_in(svc: ReviewService):
    actor = svc.authenticate("Alice", "correct horse 1", "c1")
    assert (actor.username, actor.role, actor.display_name) == (
        "alice",
        "agency_user",
        "Alice Agency",
    )
    assert actor.agency_id
    with pytest.raises(AuthenticationFailed, match="wrong username or password"):
        svc.authenticate("alice", "wrong password", "c1")
    with pytest.raises(AuthenticationFailed, match="wrong username or password"):
        svc.authenticate("nobody", "correct horse 1", "c1")


def test_throttle_per_username_survives_restart(svc: ReviewService, clock: Clock, data_dir: Path):
    for _ in range(5):
        with pytest.raises(AuthenticationFailed, match="wrong"):
            svc.authenticate("alice", "nope nope nope", "client-a")
    # even the right password is refused now, from another client and another service object
    fresh = ReviewService(data_dir=data_dir, clock=clock)
    with pytest.raises(AuthenticationFailed, match="too many attempts, try again in 15 minutes"):
        fresh.authenticate("alice", "correct horse 1", "client-b")
    clock.advance(minutes=10)
    with pytest.raises(AuthenticationFailed, match="try again in 5 minutes"):
        fresh.authenticate("alice", "correct horse 1", "client-b")
    clock.advance(minutes=5, seconds=1)
    assert fresh.authenticate("alice", "correct horse 1", "client-b").username == "alice"


def test_success_clears_the_user_counter(svc: ReviewService):
    for _ in range(4):
        with pytest.raises(AuthenticationFailed):
            svc.authenticate("alice", "nope nope nope", "")
    svc.authenticate("alice", "correct horse 1", "")
    for _ in range(4):  # the counter started again from zero
        with pytest.raises(AuthenticationFailed, match="wrong"):
            svc.authenticate("alice", "nope nope nope", "")
    assert svc.authenticate("alice", "correct horse 1", "").username == "alice"


def test_throttle_per_client(svc: ReviewService):
    for i in range(CLIENT_MAX_FAILURES):  # spraying usernames from one client
        name = f"u{i}"
        with pytest.raises(AuthenticationFailed, match="wrong"):
            svc.authenticate(name, "guess guess guess", "attacker")
    with pytest.raises(AuthenticationFailed, match="too many attempts"):
        svc.authenticate("rita", "correct horse 2", "attacker")
    assert svc.authenticate("rita", "correct horse 2", "someone-else").role == "reviewer"


def test_throttle_message_rounds_up():
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    times = [t0 + timedelta(seconds=i) for i in range(5)]
    assert throttle_message(times[:4], t0) is None
    assert (
        throttle_message(times, t0 + timedelta(minutes=14, seconds=30))
        == "too many attempts, try again in 1 minute"
    )


def test_deactivated_user_cannot_sign_in_or_act(svc: ReviewService):
    admin_pw = "admin password!"
    svc.create_user(SYSTEM, "ada", admin_pw, "admin")
    ada = svc.authenticate("ada", admin_pw)
    rita = svc.authenticate("rita", "correct horse 2")
    svc.set_user_active(ada, "rita", False)
    # the right password of a deactivated account gets the message a wrong one gets
    with pytest.raises(AuthenticationFailed, match="^wrong username or password$"):
        svc.authenticate("rita", "correct horse 2")
    with pytest.raises(AuthenticationFailed, match="not active"):
        svc.worklists(rita)  # a session that was signed in before
    with pytest.raises(ValidationFailed, match="your own"):
        svc.set_user_active(ada, "ada", False)
    svc.set_user_active(ada, "rita", True)
    assert svc.authenticate("rita", "correct horse 2").username == "rita"


def test_role_change_applies_to_running_sessions(svc: ReviewService):
    rita = svc.authenticate("rita", "correct horse 2")
    assert svc.worklist(rita, "awaiting_review").count == 0
    svc.set_role(SYSTEM, "rita", "admin")
    assert svc.list_users(rita)  # now an admin, without signing in again


def test_user_management_rules(svc: ReviewService):
    ag = svc.list_agencies(SYSTEM)[0]
    with pytest.raises(ValidationFailed, match="already taken"):
        svc.create_user(SYSTEM, "ALICE", "another secret", "reviewer")
    with pytest.raises(ValidationFailed, match="needs an agency"):
        svc.create_user(SYSTEM, "bob", "another secret", "agency_user")
    with pytest.raises(ValidationFailed, match="does not belong"):
        svc.create_user(SYSTEM, "bob", "another secret", "reviewer", ag.id)
    with pytest.raises(ValidationFailed, match="role"):
        svc.create_user(SYSTEM, "bob", "another secret", "superuser")
    with pytest.raises(ValidationFailed, match="reserved"):
        svc.create_user(SYSTEM, "System", "another secret", "admin")
    with pytest.raises(ValidationFailed, match="at least 10"):
        svc.create_user(SYSTEM, "bob", "short", "reviewer")
    rita = svc.authenticate("rita", "correct horse 2")
    with pytest.raises(PermissionDenied, match="only an admin"):
        svc.create_user(rita, "bob", "another secret", "reviewer")
    with pytest.raises(PermissionDenied):
        svc.list_users(rita)


def test_change_own_password(svc: ReviewService):
    alice = svc.authenticate("alice", "correct horse 1")
    with pytest.raises(AuthenticationFailed, match="current password"):
        svc.set_password(alice, "alice", "brand new secret", current_password="wrong one!")
    with pytest.raises(PermissionDenied):
        svc.set_password(alice, "rita", "brand new secret", current_password="correct horse 1")
    svc.set_password(alice, "alice", "brand new secret", current_password="correct horse 1")
    assert svc.authenticate("alice", "brand new secret").username == "alice"
