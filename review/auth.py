"""Passwords and sign-in throttling.

Passwords are hashed with ``hashlib.scrypt`` (a memory-hard KDF in the standard library, so no
extra dependency) with a random 16-byte salt; the parameters are stored with the hash so they can
be raised later without breaking old accounts. Comparison is constant-time (``hmac.compare_digest``).

Throttling: after :data:`MAX_FAILURES` failed sign-ins within :data:`WINDOW` for one username or
one client id, further attempts are refused with "too many attempts, try again in N minutes".
Failures live in the store (``attempts.json``), so the limit survives restarts and holds across
processes; a successful sign-in clears the username's counter.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from review.errors import ValidationFailed

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
KEY_BYTES = 32
MIN_PASSWORD_LENGTH = 10
MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Actor:
    """The signed-in user every service call acts as. Services re-load the user from the store on
    each call, so a role change or a deactivation takes effect at once."""

    username: str
    role: str  # one of review.models.ROLES
    agency_id: str | None = None
    display_name: str = ""
    #: the agency's name for display (sidebar); filled by the services, "" for staff
    agency_name: str = ""

    @property
    def name(self) -> str:
        return self.display_name or self.username

    @property
    def is_staff(self) -> bool:
        """Reviewer or admin."""
        return self.role in ("reviewer", "admin")


#: the operator at the command line (``competency-review user add``): an admin that is not a stored user
SYSTEM = Actor("system", "admin", None, "System (command line)")
RESERVED_USERNAMES = frozenset({"system"})


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def check_password_policy(password: str) -> None:
    """At least :data:`MIN_PASSWORD_LENGTH` characters, not only spaces."""
    if len(password) < MIN_PASSWORD_LENGTH or not password.strip():
        raise ValidationFailed(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


def hash_password(
    password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P
) -> dict[str, Any]:
    """A storable scrypt record: ``{"algo", "n", "r", "p", "salt", "hash"}``."""
    salt = secrets.token_bytes(SALT_BYTES)
    key = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=KEY_BYTES, maxmem=2**26
    )
    return {"algo": "scrypt", "n": n, "r": r, "p": p, "salt": _b64(salt), "hash": _b64(key)}


def verify_password(password: str, record: dict[str, Any] | None) -> bool:
    """Constant-time check of ``password`` against a :func:`hash_password` record. With ``None``
    (unknown user) a dummy hash is still computed, so timing does not reveal which usernames exist."""
    rec = record or _DUMMY
    if rec.get("algo") != "scrypt":
        return False
    try:
        salt = base64.b64decode(rec["salt"])
        expected = base64.b64decode(rec["hash"])
        key = hashlib.scrypt(
            password.encode("utf-8"),
            salt=salt,
            n=int(rec["n"]),
            r=int(rec["r"]),
            p=int(rec["p"]),
            dklen=len(expected),
            maxmem=2**26,
        )
    except (KeyError, ValueError, TypeError):
        return False
    return hmac.compare_digest(key, expected) and record is not None


_DUMMY = {
    "algo": "scrypt",
    "n": SCRYPT_N,
    "r": SCRYPT_R,
    "p": SCRYPT_P,
    "salt": _b64(b"\0" * 16),
    "hash": _b64(b"\0" * 32),
}


def throttle_message(failure_times: list[datetime], now: datetime) -> str | None:
    """``None`` when sign-in may be tried, else the refusal (with the wait, rounded up to minutes).

    ``failure_times`` are the failures within the window, oldest first."""
    if len(failure_times) < MAX_FAILURES:
        return None
    # the attempt that must age out for the count to drop below the limit
    pivot = failure_times[len(failure_times) - MAX_FAILURES]
    wait = pivot + WINDOW - now
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"too many attempts, try again in {minutes} {unit}"
