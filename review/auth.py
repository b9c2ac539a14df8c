"""Passwords and sign-in throttling.

Passwords are hashed with ``hashlib.scrypt`` (a memory-hard KDF in the standard library, so no
extra dependency) with a random 16-byte salt; the parameters are stored with the hash so they can
be raised later without breaking old accounts. Comparison is constant-time (``hmac.compare_digest``).

Throttling (:func:`throttle_refusal`), so that no anonymous user can turn it against others:

- per account: after :data:`MAX_FAILURES` failures the account waits :data:`WINDOW` after its
  last failure, and each further failure doubles the wait (exponential back-off, at most
  :data:`MAX_LOCK`); failures are remembered for :data:`ACCOUNT_MEMORY`, a successful sign-in
  forgets them. Wrong current passwords on the password-change form count here too.
- per client: :data:`CLIENT_MAX_FAILURES` failures within :data:`WINDOW` from one address (a
  password sprayer) wait until the oldest ages out — only when the address is real
  (:func:`client_key`): behind a same-host proxy, or on localhost, every user shares one socket
  address, so there is no per-client key unless a trusted proxy header is configured.
- check and record are one atomic step in the store (:meth:`Repository.claim_attempt`): a
  failure is recorded *before* the password is checked and forgotten on success, so concurrent
  guesses cannot pass the limit.

Failures live in the store (``attempts.json``), so the limit survives restarts and holds across
processes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import math
import secrets
import unicodedata
from collections.abc import Iterable, Mapping
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
MAX_LOCK = timedelta(hours=4)
ACCOUNT_MEMORY = timedelta(hours=24)
CLIENT_MAX_FAILURES = 20


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


#: ASCII look-alikes a username's skeleton folds together (after NFKC and casefolding)
_SKELETON = (("rn", "m"), ("vv", "w"), ("0", "o"), ("1", "l"), ("i", "l"), ("|", "l"), ("5", "s"))


def normalize_username(raw: str) -> str:
    """A username as stored: NFKC-normalized (full-width ``ｒｉｔａ`` is ``rita``), trimmed.
    Raises :class:`ValidationFailed` unless it is ASCII letters, digits and ``. _ - @`` only:
    the documented rule that keeps look-alikes out — a Cyrillic ``а`` or a dotless ``ı`` looks
    like its Latin letter, so no non-ASCII letter is accepted (display names may use any)."""
    name = unicodedata.normalize("NFKC", raw).strip()
    if (
        not name
        or len(name) > 64
        or not all(c.isascii() and (c.isalnum() or c in "._-@") for c in name)
    ):
        raise ValidationFailed(
            "a username uses the letters a-z, digits and . _ - @ (at most 64 characters)"
        )
    return name


def username_skeleton(name: str) -> str:
    """What a username looks like: casefolded, with ASCII look-alikes (``0``/``o``,
    ``1``/``l``/``i``, ``rn``/``m``, ``vv``/``w``) and separators folded together."""
    s = name.casefold()
    for a, b in _SKELETON:
        s = s.replace(a, b)
    return s.replace("_", "").replace("-", "").replace(".", "")


def check_not_lookalike(name: str, existing: list[str]) -> None:
    """Refuse ``name`` when it looks like an existing username."""
    sk = username_skeleton(name)
    for other in existing:
        if other.casefold() != name.casefold() and username_skeleton(other) == sk:
            raise ValidationFailed(
                f"the username {name!r} looks too much like the existing {other!r}; choose another"
            )


#: letters of other scripts (and Latin variants) drawn like a Latin letter, folded to it before a
#: display name's skeleton is taken: the ones a name is faked with, not all of Unicode's
#: confusables. Capitals are folded before casefolding (Greek ``Η`` looks like ``H``), small
#: letters after it (``η`` looks like ``n``); the small forms of the folded capitals are folded
#: too (``т`` like ``Т``), since the skeleton ignores case.
_CAPITAL_LOOKALIKES = str.maketrans(
    "АВЕЁНІЇЈКМОРСЅТУХԀԚԜӀҺ" + "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧϹ",  # Cyrillic, Greek
    "ABEËHIÏJKMOPCSTYXDQWlH" + "ABEZHIKMNOPTYXC",
)
_SMALL_LOOKALIKES = str.maketrans(
    "аеёһіїјкорсѕухԁԛԝӏвнмт"  # Cyrillic
    + "αορνυικηχγϲϳβεζμτ"  # Greek
    + "օսհոզց"  # Armenian
    + "ıȷɑɩƅɡ",  # Latin letters drawn like another
    "aeëhiïjkopcsyxdqwlbhmt" + "aopvuiknxycjbezmt" + "ouhnqg" + "ijaibg",
)


def _fold_scripts(text: str) -> str:
    """``text`` casefolded, with letters drawn like Latin ones replaced by those."""
    return text.translate(_CAPITAL_LOOKALIKES).casefold().translate(_SMALL_LOOKALIKES)


#: code points that show nothing although they are not format characters (Unicode's
#: Default_Ignorable_Code_Point outside category Cf: Hangul fillers, the combining grapheme
#: joiner, Khmer inherent vowels, variation selectors) and the blank braille pattern
_IGNORABLE = frozenset(
    [0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFFA0, 0x2800]
    + list(range(0x180B, 0x1810))
    + list(range(0xFE00, 0xFE10))
    + list(range(0xE0100, 0xE01F0))
)


def _shows_nothing(c: str) -> bool:
    """An invisible or formatting character: zero-width spaces and joiners, bidi controls,
    control characters (whitespace aside), private-use, unassigned and ignorable code points."""
    if c.isspace():
        return False
    return unicodedata.category(c) in ("Cf", "Cc", "Co", "Cs", "Cn") or ord(c) in _IGNORABLE


def normalize_display_name(raw: str) -> str:
    """A display name as stored: NFKC-normalized, whitespace collapsed to single spaces.
    Raises :class:`ValidationFailed` when it holds an invisible or formatting character (a
    U+200B zero-width space, a bidi override ...): such a name can look like another's."""
    name = unicodedata.normalize("NFKC", raw)
    bad = [c for c in dict.fromkeys(name) if _shows_nothing(c)]
    if bad:
        which = ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, 'unnamed')}" for c in bad)
        raise ValidationFailed(
            "a display name cannot contain invisible or formatting characters "
            f"(found {which}); type it again without them"
        )
    return " ".join(name.split())


def display_name_skeleton(name: str) -> str:
    """What a display name looks like: NFKC, letters of other scripts drawn like Latin ones
    folded to them (Cyrillic ``а`` is ``a``), whitespace collapsed, then the username skeleton
    (casefolded, ``0``/``o``, ``1``/``l``/``i``, ``rn``/``m``, ``vv``/``w``, separators)."""
    s = _fold_scripts(unicodedata.normalize("NFKC", name))
    return username_skeleton(" ".join(s.split()))


def check_display_name_distinct(name: str, others: Iterable[tuple[str, str]]) -> None:
    """Refuse ``name`` when it looks like the display name of another account; ``others`` are
    (username, display name) pairs of every other account, deactivated ones too (their names
    stay in the audit trail and the reports)."""
    sk = display_name_skeleton(name)
    for username, other in others:
        if display_name_skeleton(other) == sk:
            foreign = [
                c
                for c in dict.fromkeys(name)
                if not c.isascii() and _fold_scripts(c) != c.casefold()
            ]
            why = (
                " (it has "
                + ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, 'unnamed')}" for c in foreign)
                + ", not a Latin letter)"
                if foreign
                else ""
            )
            raise ValidationFailed(
                f"the display name {name!r} looks too much like {other!r}, the name of "
                f"{username}{why}; choose a name that tells them apart (a middle initial, say)"
            )


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
    """The per-account rule: ``None`` when sign-in may be tried, else the refusal (with the wait,
    rounded up to minutes). ``failure_times`` are the account's remembered failures, oldest
    first: from the :data:`MAX_FAILURES`-th on, the account waits :data:`WINDOW` after the last
    one, doubled for each failure beyond it, at most :data:`MAX_LOCK`."""
    if len(failure_times) < MAX_FAILURES:
        return None
    extra = min(len(failure_times) - MAX_FAILURES, 16)
    lock = min(WINDOW * (2**extra), MAX_LOCK)
    return _wait_message(failure_times[-1] + lock - now)


def client_throttle_message(failure_times: list[datetime], now: datetime) -> str | None:
    """The per-client rule: :data:`CLIENT_MAX_FAILURES` failures within :data:`WINDOW`."""
    recent = [t for t in failure_times if t > now - WINDOW]
    if len(recent) < CLIENT_MAX_FAILURES:
        return None
    pivot = recent[len(recent) - CLIENT_MAX_FAILURES]  # must age out for the count to drop
    return _wait_message(pivot + WINDOW - now)


def _wait_message(wait: timedelta) -> str | None:
    if wait.total_seconds() <= 0:
        return None
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"too many attempts, try again in {minutes} {unit}"


def throttle_refusal(times_by_key: Mapping[str, list[datetime]], now: datetime) -> str | None:
    """The refusal for an attempt touching these keys (``user:…`` and ``client:…``), or None."""
    for key, times in times_by_key.items():
        times = sorted(times)
        if key.startswith("client:"):
            msg = client_throttle_message(times, now)
        else:
            msg = throttle_message([t for t in times if t > now - ACCOUNT_MEMORY], now)
        if msg:
            return msg
    return None


def account_key(username: str) -> str:
    return f"user:{username.strip().casefold()}"


def client_key(
    peer: str | None, headers: Mapping[str, str] | None = None, trusted_header: str = ""
) -> str:
    """The per-client throttle key for a request, or "" when the client address is not real.

    ``peer`` is the socket's remote address. With ``trusted_header`` (the setting
    ``COMPETENCY_REVIEW_TRUSTED_PROXY_HEADER``, e.g. ``X-Forwarded-For``; set it only when the
    app is reachable through that proxy alone) the address is the header's last entry — the one
    the proxy itself added. Without it, a loopback peer (a same-host proxy, or a local browser:
    every user looks the same) gives no key. IPv4-mapped IPv6 addresses (``::ffff:127.0.0.1``)
    are the IPv4 address; anything that is not an IP address gives no key."""
    raw = peer or ""
    if trusted_header:
        value = ""
        for k, v in (headers or {}).items():
            if k.lower() == trusted_header.lower():
                value = v
        raw = value.split(",")[-1].strip() if value else ""
    ip = _ip(raw)
    if ip is None:
        return ""
    if not trusted_header and ip.is_loopback:
        return ""
    return f"client:{ip.compressed}"


def _ip(raw: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    raw = raw.strip().strip("[]")
    if "%" in raw:  # an IPv6 zone id
        raw = raw.split("%", 1)[0]
    try:
        ip = ipaddress.ip_address(raw)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip
