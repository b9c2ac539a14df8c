"""Browser sessions that survive a reload, a new tab and a deep link — done safely.

* The browser holds an opaque random token (``secrets.token_urlsafe(32)``, 256 bits) in an
  HttpOnly, SameSite=Strict cookie (Secure over HTTPS), set by an HTTP response of the server
  (``serve.py``), never by JavaScript.
* The store holds only ``sha256(token)`` with the user, the client, and the times: idle expiry
  (``COMPETENCY_REVIEW_SESSION_MINUTES``, 30) and absolute expiry
  (``COMPETENCY_REVIEW_SESSION_HOURS``, 12). A stolen store file gives no usable cookie.
* Revoked on sign-out, password change or reset, deactivation and role change (the services
  call :meth:`SessionMixin._revoke_user_sessions`).
* The cookie is set in two steps because the app's script runs over a websocket and cannot set
  one: after the password is checked, the script gets a one-time sign-in code (60 s, single
  use, stored hashed) and sends the browser to ``/_cr/session?code=…``; that HTTP route trades
  the code for the session cookie and redirects back to the page the user was on.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from datetime import timedelta
from typing import Any

from review.auth import SYSTEM, Actor
from review.errors import AuthenticationFailed

COOKIE_NAME = "cr_session"
GRANT_SECONDS = 60


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def idle_timeout() -> timedelta:
    raw = os.environ.get("COMPETENCY_REVIEW_SESSION_MINUTES", "").strip()
    return timedelta(minutes=int(raw) if raw else 30)


def absolute_timeout() -> timedelta:
    raw = os.environ.get("COMPETENCY_REVIEW_SESSION_HOURS", "").strip()
    return timedelta(hours=float(raw) if raw else 12)


class SessionMixin:
    """Session methods of :class:`review.services.ReviewService` (uses its repo, clock, audit)."""

    repo: Any
    clock: Any

    def grant_sign_in(self, actor: Actor) -> str:
        """A one-time code (60 s) the browser trades for a session cookie at ``/_cr/session``.
        Only for a signed-in, active user (the password was checked by ``authenticate``)."""
        a = self._current(actor)  # type: ignore[attr-defined]
        if a == SYSTEM:
            raise AuthenticationFailed("the command line has no browser session")
        code = secrets.token_urlsafe(32)
        now = self.clock()
        self.repo.put_sign_in_grant(
            {
                "id": _hash(code),
                "username": a.username,
                "expires_at": _iso(now + timedelta(seconds=GRANT_SECONDS)),
            },
            prune_before=_iso(now),
        )
        return code

    def open_session(self, code: str, client: str = "") -> tuple[str, int]:
        """Trade a sign-in code for a new session: ``(token, max_age_seconds)``. The code works
        once and only within its 60 seconds."""
        grant = self.repo.take_sign_in_grant(_hash(code)) if code else None
        now = self.clock()
        if grant is None or grant["expires_at"] < _iso(now):
            raise AuthenticationFailed("this sign-in link has expired; sign in again")
        actor = self._current(Actor(grant["username"], "", None))  # type: ignore[attr-defined]
        token = secrets.token_urlsafe(32)
        absolute = absolute_timeout()
        self.repo.put_session(
            {
                "id": _hash(token),
                "username": actor.username,
                "client": client,
                "created_at": _iso(now),
                "last_seen": _iso(now),
                "expires_at": _iso(now + absolute),
                "revoked_at": "",
            },
            prune_before=_iso(now),
        )
        return token, int(absolute.total_seconds())

    def resume_session(self, token: str) -> Actor:
        """The actor of a live session cookie, or :class:`AuthenticationFailed` (unknown or
        forged token, revoked, idle or past its absolute expiry, deactivated user)."""
        rec = self.repo.session(_hash(token)) if token else None
        now = self.clock()
        if rec is None or rec.get("revoked_at"):
            raise AuthenticationFailed("your session has ended; please sign in again")
        if rec["expires_at"] < _iso(now):
            raise AuthenticationFailed("your session has expired; please sign in again")
        last = _parse(rec["last_seen"])
        idle = idle_timeout()
        if now - last > idle:
            self.repo.revoke_sessions(_iso(now), session_id=rec["id"])
            minutes = int(idle.total_seconds() // 60)
            raise AuthenticationFailed(
                f"your session expired after {minutes} minutes without activity; please sign in again"
            )
        actor = self._current(Actor(rec["username"], "", None))  # type: ignore[attr-defined]
        if (now - last).total_seconds() >= 60:  # keep idle expiry honest without a write per run
            self.repo.update_session(rec["id"], {"last_seen": _iso(now)})
        return actor

    def end_session(self, token: str) -> None:
        """Sign-out: the session is revoked in the store (every tab using it ends)."""
        if token:
            self.repo.revoke_sessions(_iso(self.clock()), session_id=_hash(token))

    def _revoke_user_sessions(self, username: str) -> None:
        """Password change or reset, deactivation, role change: every session of the user ends."""
        self.repo.revoke_sessions(_iso(self.clock()), username=username)


def _iso(dt: Any) -> str:
    from datetime import UTC

    return dt.astimezone(UTC).isoformat(timespec="seconds")


def _parse(text: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(text)
