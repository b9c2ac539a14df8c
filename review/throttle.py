"""One throttled password check, shared by sign-in and the password-change form.

The attempt is claimed in the store *before* the password is checked (a failure recorded under a
token, in the same locked step as the limit check) and forgotten only when the password is right,
so concurrent guesses can never pass the limit: the 6th of 40 simultaneous guesses is refused
before its password is looked at. The rules themselves are :func:`review.auth.throttle_refusal`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from review.auth import ACCOUNT_MEMORY, throttle_refusal
from review.errors import AuthenticationFailed


def iso(dt: datetime) -> str:
    """The store's time format (as :func:`review.services.core.iso`)."""
    return dt.astimezone(UTC).isoformat(timespec="seconds")


def checked(
    repo, keys: Sequence[str], now: datetime, check: Callable[[], bool], *, clear: str = ""
) -> bool:
    """Run ``check`` (a password comparison) under the throttle for ``keys``.

    Raises :class:`AuthenticationFailed` with the wait when the keys are throttled (``check`` is
    not run). Returns ``check()``; when it is true the attempt is forgotten and ``clear`` (the
    account's key) loses its remembered failures; when false the failure stays recorded."""

    def refuse(times: dict[str, list[str]]) -> str | None:
        return throttle_refusal(
            {k: [datetime.fromisoformat(t) for t in v] for k, v in times.items()}, now
        )

    msg, token = repo.claim_attempt(list(keys), iso(now), iso(now - ACCOUNT_MEMORY), refuse)
    if msg:
        raise AuthenticationFailed(msg)
    ok = check()
    if ok:
        repo.forget_attempt(token)
        if clear:
            repo.clear_failures(clear)
    return ok
