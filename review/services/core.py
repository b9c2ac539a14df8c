"""ReviewService: every operation the UI and the CLI perform, each checking the acting user.

See :mod:`review.services` for the API summary.
"""

from __future__ import annotations

import dataclasses
import hashlib
import heapq
import os
import re
import secrets
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from review import throttle, workflow
from review.audit import AuditEvent, current_client
from review.auth import (
    RESERVED_USERNAMES,
    SYSTEM,
    Actor,
    account_key,
    check_not_lookalike,
    check_password_policy,
    hash_password,
    normalize_username,
    verify_password,
)
from review.config import DEFAULT_FRAMEWORK_ID, UploadLimits
from review.coverage import compute_coverage
from review.errors import (
    AuthenticationFailed,
    LockHeld,
    NotFound,
    PermissionDenied,
    TransitionRefused,
    ValidationFailed,
)
from review.framework import (
    Framework,
    Item,
    framework_to_yaml,
    get_framework,
    list_frameworks,
    parse_framework_text,
)
from review.labels import AGENCY_KIND_ALIASES
from review.models import (
    AGENCY_KINDS,
    ROLES,
    CoverageRow,
    Evidence,
    HistoryEntry,
    ParsedDocument,
    ReportContext,
    ReportLink,
    Section,
    Suggestion,
)
from review.parsing.upload import too_complex
from review.services import health
from review.services.learning import LearningMixin
from review.services.logic import (
    carry_assessments,
    carry_over,
    link_record,
    new_id,
    suggestion_links,
)
from review.services.sessions import SessionMixin
from review.services.views import (
    AgencyView,
    AuditEntry,
    CoverageSummary,
    DocumentSummary,
    DocumentView,
    FrameworkImport,
    LinkView,
    LockInfo,
    TransitionOption,
    UploadResult,
    UserView,
    VersionInfo,
    Worklist,
)
from review.storage import (
    Record,
    Repository,
    atomic_write_bytes,
    open_repository,
    summary_of,
)

Clock = Callable[[], datetime]
Parser = Callable[[bytes, str], ParsedDocument]


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="seconds")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _when(text: str) -> str:
    """An ISO time as a reader writes it: ``2026-05-01 14:03 UTC``."""
    try:
        return parse_iso(text).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    except (TypeError, ValueError):
        return text


def _default_lock_timeout() -> timedelta:
    raw = os.environ.get("COMPETENCY_REVIEW_LOCK_MINUTES", "").strip()
    return timedelta(minutes=int(raw)) if raw else timedelta(minutes=30)


def _check_time(started: float, limits: UploadLimits, filename: str) -> None:
    """Refuse an upload whose analysis has run past its time limit (checked between steps)."""
    took = time.monotonic() - started
    if took > limits.max_analysis_seconds:
        raise too_complex(
            _display_filename(filename),
            f"its analysis took {took:.0f} seconds",
            limits.max_analysis_seconds,
        )


def _default_parse(data: bytes, filename: str) -> ParsedDocument:
    from review import parsing

    check = getattr(parsing, "check_upload", None)
    if check is not None:
        check(data, filename)
    return parsing.parse_bytes(data, filename)


WORKLIST_TITLES = {
    "awaiting_review": "Awaiting review",
    "my_reviews": "My reviews",
    "changes_requested": "Changes requested of my agency",
    "my_agency": "My agency's documents",
    "all_documents": "All documents",
}

_EDIT_REFUSALS = {
    "draft": "links can be decided only while the document is in review (it is a draft)",
    "submitted": "claim the document for review before deciding links",
    "changes_requested": "changes were requested; links can be decided again after the agency submits a revision",
    "approved": "the review is approved; an admin must reopen it before links can change",
}

_UPLOADER_REFUSAL = "you uploaded the version under review, so someone else must review it"


def _is_uploader(actor: Actor, rec: Record) -> bool:
    """Whether ``actor`` uploaded the document's current version (the record keeps its
    uploader in ``uploaded_by``)."""
    return (rec.get("uploaded_by") or "").casefold() == actor.username.casefold()


_FRAMEWORK_SUFFIXES = (".yaml", ".yml", ".json", ".csv")
_FRAMEWORK_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_MAX_FRAMEWORK_BYTES = 5 * 1024 * 1024


def _frameworks_dir(
    repo: Repository, data_dir: str | Path | None, explicit: str | Path | None
) -> Path:
    """Where imported frameworks live: beside the store (``<data_dir>/frameworks``)."""
    if explicit is not None:
        return Path(explicit)
    if data_dir is not None:
        return Path(data_dir) / "frameworks"
    root = getattr(repo, "root", None)
    if root is not None:
        return Path(root) / "frameworks"
    from review.config import data_dir as default_dir

    return default_dir() / "frameworks"


_UPLOAD_REFUSALS = {
    "submitted": "the document is submitted; retract it before uploading a new version",
    "in_review": "the document is in review; the agency cannot change it until the reviewer has finished",
    "approved": "the document is approved; a changed policy needs a new document",
}


class ReviewService(LearningMixin, SessionMixin):
    """The application's use cases on top of a :class:`~review.storage.Repository`.

    ``clock`` is injectable so tests control lock expiry and throttling windows; ``parse`` and
    ``suggester_factory`` default to :mod:`review.parsing` and :class:`review.engine.Suggester`.
    """

    def __init__(
        self,
        repo: Repository | None = None,
        *,
        data_dir: str | Path | None = None,
        framework_id: str = DEFAULT_FRAMEWORK_ID,
        clock: Clock = utc_now,
        lock_timeout: timedelta | None = None,
        parse: Parser | None = None,
        suggester_factory: Callable[[Framework], Any] | None = None,
        frameworks_dir: str | Path | None = None,
    ):
        self.repo: Repository = repo if repo is not None else open_repository(data_dir)
        #: imported frameworks live with the runtime data, never in the repository's data/
        self.frameworks_dir = _frameworks_dir(self.repo, data_dir, frameworks_dir)
        self.framework_id = framework_id
        self.clock = clock
        self.lock_timeout = lock_timeout if lock_timeout is not None else _default_lock_timeout()
        self._parse = parse or _default_parse
        self._suggester_factory = suggester_factory
        self._suggesters: dict[tuple[str, str], Any] = {}
        #: (document id, version number) → framework id; a version never changes once stored,
        #: so coverage need not copy its parsed sections to learn which framework it used
        self._version_frameworks: dict[tuple[str, int], str] = {}

    # ================================================================ helpers

    def _now(self) -> str:
        return iso(self.clock())

    def _audit(self, actor: str, action: str, **fields: Any) -> None:
        """Append one event to the audit trail (see :mod:`review.audit`), after the change it
        records was written."""
        self._audit_many([{"actor": actor, "action": action, **fields}])

    def _audit_many(self, events: Iterable[Record]) -> None:
        now, client = self._now(), current_client()
        rows = [
            AuditEvent(**{"time": now, "client": client, **e}).to_dict() for e in events
        ]
        if rows:
            self.repo.append_audit(rows)

    def framework(
        self, actor_or_id: Actor | str | None = None, framework_id: str | None = None
    ) -> Framework:
        """A framework, shipped or imported: ``framework(id)`` (internal, reports) or
        ``framework(actor, id)`` (checks the actor is a signed-in user). ``None``: the default."""
        if isinstance(actor_or_id, Actor):
            self._current(actor_or_id)
            fid = framework_id
        else:
            fid = actor_or_id if actor_or_id is not None else framework_id
        return get_framework(fid or self.framework_id, extra_dirs=(self.frameworks_dir,))

    def _suggester(self, fw: Framework) -> Any:
        """The framework's suggester, with the model adapted to the reviewers' decisions so far
        (a new suggester when the learned model changed)."""
        if self._suggester_factory is not None:
            key: tuple = (fw.id, fw.version)
            s = self._suggesters.get(key)
            if s is None:
                s = self._suggesters[key] = self._suggester_factory(fw)
            return s
        from review.engine import Suggester

        model = self._model_for(fw)
        key = (fw.id, fw.version, id(model))
        s = self._suggesters.get(key)
        if s is None:
            if len(self._suggesters) > 8:
                self._suggesters.clear()
            s = self._suggesters[key] = Suggester(fw, model=model)
        return s

    def _current(self, actor: Actor) -> Actor:
        """The actor as the store knows it now: refuses unknown or deactivated users, and picks up
        role or agency changes made since sign-in."""
        if actor == SYSTEM:
            return actor
        if not isinstance(actor, Actor):
            raise AuthenticationFailed("sign in first")
        rec = self.repo.user(actor.username)
        if rec is None or not rec.get("active", True):
            raise AuthenticationFailed("your account is not active; sign in again or ask an admin")
        return self._actor_of(rec)

    def _actor_of(self, rec: Record) -> Actor:
        agency = self.repo.agency(rec["agency_id"]) if rec.get("agency_id") else None
        return Actor(
            rec["username"],
            rec["role"],
            rec.get("agency_id"),
            rec.get("display_name", ""),
            agency_name=agency["name"] if agency else "",
        )

    def _require_admin(self, actor: Actor) -> Actor:
        a = self._current(actor)
        if a.role != "admin":
            raise PermissionDenied("only an admin can do this")
        return a

    def _agency(self, agency_id: str) -> Record:
        rec = self.repo.agency(agency_id)
        if rec is None:
            raise NotFound("no such agency")
        return rec

    def _display(self, username: str) -> str:
        if not username:
            return ""
        if username == SYSTEM.username:
            return SYSTEM.display_name
        rec = self.repo.user(username)
        return (rec.get("display_name") or rec["username"]) if rec else username

    @staticmethod
    def _visible(actor: Actor, rec: Record) -> None:
        """Tenant isolation: another agency's document does not exist for an agency user."""
        if actor.role == "agency_user" and rec.get("agency_id") != actor.agency_id:
            raise NotFound("no such document")

    def _live_lock(self, lock: Record | None) -> Record | None:
        if not lock:
            return None
        expires = parse_iso(lock["touched_at"]) + self.lock_timeout
        return lock if expires > self.clock() else None

    def _lock_info(self, actor: Actor, lock: Record | None) -> LockInfo | None:
        live = self._live_lock(lock)
        if live is None:
            return None
        return LockInfo(
            holder=live["holder"],
            holder_name=self._display(live["holder"]),
            since=live["since"],
            expires_at=iso(parse_iso(live["touched_at"]) + self.lock_timeout),
            mine=live["holder"].casefold() == actor.username.casefold(),
        )

    def _take_lock(self, actor: Actor, tx: Any) -> None:
        """Take or refresh the soft review lock; refuse when someone else holds a live one."""
        live = self._live_lock(tx.lock())
        now = self._now()
        if live and live["holder"].casefold() != actor.username.casefold():
            exp = iso(parse_iso(live["touched_at"]) + self.lock_timeout)
            raise LockHeld(
                f"{self._display(live['holder'])} is reviewing this document (since "
                f"{_when(live['since'])}); the lock expires at {_when(exp)} unless they keep working"
            )
        since = live["since"] if live else now
        tx.set_lock({"holder": actor.username, "since": since, "touched_at": now})

    def _require_edit(self, actor: Actor, tx: Any, rec: Record) -> None:
        state = rec["state"]
        if not workflow.permits(state, "edit_links", actor.role):
            if actor.role == "agency_user":
                raise PermissionDenied("only a reviewer can change links")
            raise PermissionDenied(_EDIT_REFUSALS.get(state, "links cannot be changed now"))
        if _is_uploader(actor, rec):
            raise PermissionDenied(_UPLOADER_REFUSAL)
        self._take_lock(actor, tx)

    def _history(
        self,
        tx: Any,
        rec: Record,
        action: str,
        actor: Actor,
        from_state: str,
        to_state: str,
        comment: str = "",
        *,
        time: str | None = None,
        accepted_findings: tuple[str, ...] = (),
    ) -> None:
        """Append a history entry and stamp the document record with it: ``updated_at`` is never
        older than any history entry (the audit trail relies on that to stop reading early) and
        ``last_action``/``last_actor``/``last_action_at`` ride along to the index summary. The
        caller saves the summary after the transaction."""
        when = time or self._now()
        tx.append_history(
            HistoryEntry(
                action,
                actor.username,
                from_state,
                to_state,
                when,
                comment.strip(),
                tuple(accepted_findings),
                len(accepted_findings),
            ).to_dict()
        )
        stamp = {
            "updated_at": max(rec.get("updated_at") or "", when),
            "last_action": action,
            "last_actor": actor.username,
            "last_action_at": when,
        }
        rec.update(stamp)
        tx.update(stamp)

    def _save_summary(self, rec: Record) -> None:
        """Index row after the document file; its ``rev`` keeps a slower writer from overwriting a
        newer row (the repository keeps the highest rev)."""
        self.repo.put_summary(summary_of(rec))

    def _summary_view(
        self,
        s: Record,
        agency_names: dict[str, str],
        user_names: dict[str, str] | None = None,
    ) -> DocumentSummary:
        last_actor = s.get("last_actor") or ""
        if user_names is None:
            last_actor_name = self._display(last_actor)
        else:
            last_actor_name = user_names.get(last_actor.casefold(), last_actor)
        return DocumentSummary(
            id=s["id"],
            title=s.get("title") or "",
            agency_id=s.get("agency_id") or "",
            agency_name=agency_names.get(s.get("agency_id") or "", ""),
            state=s["state"],
            current_version=int(s.get("current_version") or 0),
            reviewer=s.get("reviewer") or "",
            uploaded_by=s.get("uploaded_by") or "",
            created_at=s.get("created_at") or "",
            updated_at=s.get("updated_at") or "",
            submitted_at=s.get("submitted_at") or "",
            last_action=s.get("last_action") or "",
            last_actor=last_actor,
            last_action_at=s.get("last_action_at") or "",
            last_actor_name=last_actor_name,
        )

    def _agency_names(self) -> dict[str, str]:
        return {a["id"]: a["name"] for a in self.repo.agencies()}

    def _user_names(self) -> dict[str, str]:
        """casefolded username → display name, read once for a whole list."""
        names = {SYSTEM.username: SYSTEM.display_name}
        for u in self.repo.users():
            names[u["username"].casefold()] = u.get("display_name") or u["username"]
        return names

    # ================================================================ sign-in

    def authenticate(self, username: str, password: str, client_id: str = "") -> Actor:
        """Check a password and return the Actor, or raise :class:`AuthenticationFailed` with a
        message that does not reveal whether the username exists or is deactivated.
        ``client_id`` is :func:`review.auth.client_key` of the request ("" when the address is
        not real); the throttle (:mod:`review.throttle`) checks and records atomically."""
        now_dt = self.clock()
        user_key = account_key(username)
        keys = [user_key]
        if client_id:
            keys.append(client_id if client_id.startswith("client:") else f"client:{client_id}")
        rec = self.repo.user(username.strip()) if username.strip() else None
        # a failed sign-in names the username only when that user exists: people type their
        # password into the username box, and the trail never holds a password
        who = rec["username"] if rec else ""

        def check() -> bool:
            ok = verify_password(password, rec.get("password") if rec else None)
            return ok and rec is not None and bool(rec.get("active", True))

        try:
            ok = throttle.checked(self.repo, keys, now_dt, check, clear=user_key)
        except AuthenticationFailed:
            self._audit(who, "sign_in_failed", detail="throttled")
            raise
        if not ok:
            detail = "unknown username" if rec is None else "wrong password or deactivated"
            self._audit(who, "sign_in_failed", detail=detail)
            raise AuthenticationFailed("wrong username or password")
        assert rec is not None
        self._audit(who, "sign_in", target=who)
        return self._actor_of(rec)

    def sign_out(self, actor: Actor) -> None:
        """Record a sign-out (the UI forgets the session itself)."""
        if isinstance(actor, Actor) and actor != SYSTEM:
            self._audit(actor.username, "sign_out", target=actor.username)

    # ================================================================ store health

    def damaged_documents(self, actor: Actor) -> list[health.DamagedDocument]:
        """Admin only: the documents whose stored file cannot be read (quarantined)."""
        self._require_admin(actor)
        return health.damaged_documents(self.repo, self._agency_names())

    def recheck_document(self, actor: Actor, document_id: str) -> bool:
        """Admin only: read a quarantined document's file again; True when it is readable now."""
        self._require_admin(actor)
        return self.repo.recheck_document(document_id)

    def actor(self, username: str) -> Actor:
        """Re-load a signed-in user (e.g. at the start of each page run)."""
        return self._current(Actor(username, "", None))

    # ================================================================ agencies and users

    def create_agency(self, actor: Actor, name: str, kind: str) -> AgencyView:
        self._require_admin(actor)
        name = " ".join(name.split())
        if not name:
            raise ValidationFailed("an agency needs a name")
        if isinstance(kind, str):  # "specialized" (what users type) is stored as "specialised"
            kind = AGENCY_KIND_ALIASES.get(kind.strip().lower(), kind)
        if kind not in AGENCY_KINDS:
            raise ValidationFailed(f"an agency's kind is general or specialized, not {kind!r}")
        rec = {"id": new_id(), "name": name, "kind": kind, "created_at": self._now()}
        self.repo.add_agency(rec)
        self._audit(
            actor.username, "agency_create", agency_id=rec["id"], after={"name": name, "kind": kind}
        )
        return AgencyView(rec["id"], name, kind, rec["created_at"])

    def list_agencies(self, actor: Actor) -> list[AgencyView]:
        """Staff see every agency; an agency user sees only their own."""
        a = self._current(actor)
        rows = [
            AgencyView(r["id"], r["name"], r["kind"], r.get("created_at", ""))
            for r in self.repo.agencies()
        ]
        if a.role == "agency_user":
            rows = [r for r in rows if r.id == a.agency_id]
        return sorted(rows, key=lambda r: r.name.casefold())

    def find_agency(self, actor: Actor, id_or_name: str) -> AgencyView:
        """An agency by id or (case-insensitive) name."""
        for ag in self.list_agencies(actor):
            if ag.id == id_or_name or ag.name.casefold() == id_or_name.strip().casefold():
                return ag
        raise NotFound(f"no agency {id_or_name!r}")

    def create_user(
        self,
        actor: Actor,
        username: str,
        password: str,
        role: str,
        agency_id: str | None = None,
        display_name: str = "",
    ) -> UserView:
        """Admin only. Usernames are unique ignoring case; agency users need an agency, staff must
        not have one."""
        self._require_admin(actor)
        username = normalize_username(username)  # NFKC, ASCII only: no look-alike letters
        check_not_lookalike(username, [u["username"] for u in self.repo.users()])
        if username.casefold() in RESERVED_USERNAMES:
            raise ValidationFailed(f"the username {username!r} is reserved")
        if role not in ROLES:
            raise ValidationFailed(f"a role is one of {', '.join(ROLES)}, not {role!r}")
        if role == "agency_user":
            if not agency_id:
                raise ValidationFailed("an agency user needs an agency")
            self._agency(agency_id)
        elif agency_id:
            raise ValidationFailed(f"a {role} does not belong to an agency")
        check_password_policy(password)
        rec = {
            "username": username,
            "display_name": display_name.strip() or username,
            "role": role,
            "agency_id": agency_id if role == "agency_user" else None,
            "active": True,
            "password": hash_password(password),
            "created_at": self._now(),
        }
        self.repo.add_user(rec)
        self._audit(
            actor.username,
            "user_create",
            target=username,
            agency_id=rec["agency_id"] or "",
            after={"role": role, "agency_id": rec["agency_id"], "active": True},
        )
        return self._user_view(rec, self._agency_names())

    @staticmethod
    def _user_view(rec: Record, names: dict[str, str]) -> UserView:
        return UserView(
            username=rec["username"],
            display_name=rec.get("display_name", ""),
            role=rec["role"],
            agency_id=rec.get("agency_id"),
            agency_name=names.get(rec.get("agency_id") or "", ""),
            active=bool(rec.get("active", True)),
            created_at=rec.get("created_at", ""),
        )

    def list_users(self, actor: Actor) -> list[UserView]:
        self._require_admin(actor)
        names = self._agency_names()
        return sorted(
            (self._user_view(r, names) for r in self.repo.users()),
            key=lambda u: u.username.casefold(),
        )

    def has_users(self) -> bool:
        """Whether anyone can sign in yet (the demo seeds only an empty store). No actor needed."""
        return bool(self.repo.users())

    def set_user_active(self, actor: Actor, username: str, active: bool) -> None:
        a = self._require_admin(actor)
        if not active and username.casefold() == a.username.casefold():
            raise ValidationFailed("you cannot deactivate your own account")
        old = self.repo.user(username)
        if old is None:
            raise NotFound(f"no user named {username!r}")
        # deactivating the last active admin is refused in the same transaction as the write
        self.repo.update_user_keeping_an_admin(username, {"active": bool(active)})
        if not active:
            self._revoke_user_sessions(old["username"])
        self._audit(
            a.username,
            "user_active",
            target=old["username"],
            agency_id=old.get("agency_id") or "",
            before={"active": bool(old.get("active", True))},
            after={"active": bool(active)},
        )

    def set_role(
        self, actor: Actor, username: str, role: str, agency_id: str | None = None
    ) -> None:
        a = self._require_admin(actor)
        old = self.repo.user(username)
        if old is None:
            raise NotFound(f"no user named {username!r}")
        if role not in ROLES:
            raise ValidationFailed(f"a role is one of {', '.join(ROLES)}, not {role!r}")
        if role == "agency_user":
            if not agency_id:
                raise ValidationFailed("an agency user needs an agency")
            self._agency(agency_id)
        new = {"role": role, "agency_id": agency_id if role == "agency_user" else None}
        # demoting the last active admin (oneself included) is refused atomically
        self.repo.update_user_keeping_an_admin(username, new)
        self._revoke_user_sessions(old["username"])
        self._audit(
            a.username,
            "user_role",
            target=old["username"],
            agency_id=new["agency_id"] or old.get("agency_id") or "",
            before={"role": old.get("role"), "agency_id": old.get("agency_id")},
            after=new,
        )

    def set_password(
        self, actor: Actor, username: str, new_password: str, current_password: str | None = None
    ) -> None:
        """Admins reset anyone else's password; everyone (admins too) changes their own with the
        current one, so a session left open cannot be used to take the account over."""
        a = self._current(actor)
        own = a.username.casefold() == username.casefold() and a != SYSTEM
        if a.role != "admin" and not own:
            raise PermissionDenied("you can change only your own password")
        if own:
            rec = self.repo.user(username)
            key = account_key(username)
            if not throttle.checked(
                self.repo,
                [key],
                self.clock(),
                lambda: verify_password(current_password or "", rec.get("password") if rec else None),
                clear=key,
            ):
                raise AuthenticationFailed("the current password is wrong")
        check_password_policy(new_password)
        self.repo.update_user(username, {"password": hash_password(new_password)})
        self._revoke_user_sessions(username)
        # that it changed, never the password or its hash
        self._audit(a.username, "password_change" if own else "password_reset", target=username)

    def reset_password(self, actor: Actor, username: str) -> str:
        """Admin only: give another user a new random password (``secrets``), returned once to
        be handed over; it is stored only as a hash. Your own password is changed with the
        current one (:meth:`set_password`)."""
        a = self._require_admin(actor)
        if a.username.casefold() == username.casefold():
            raise ValidationFailed(
                "change your own password on the Account page (it asks for the current one)"
            )
        if self.repo.user(username) is None:
            raise NotFound(f"no user named {username!r}")
        new = secrets.token_urlsafe(12)  # 16 characters, ~72 bits
        check_password_policy(new)
        self.repo.update_user(username, {"password": hash_password(new)})
        self._revoke_user_sessions(username)
        self._audit(a.username, "password_reset", target=username, detail="random password")
        return new

    # ================================================================ frameworks

    def list_frameworks(self, actor: Actor) -> list[Framework]:
        """The shipped frameworks and those an admin imported into the data directory."""
        self._current(actor)
        return list_frameworks(extra_dirs=(self.frameworks_dir,))

    def framework_imports(self, actor: Actor) -> list[FrameworkImport]:
        """Admin only: who imported which framework and when, newest first."""
        self._require_admin(actor)
        rows = [
            FrameworkImport(
                framework_id=r.get("framework_id", ""),
                title=r.get("title", ""),
                version=str(r.get("version", "")),
                filename=r.get("filename", ""),
                sha256=r.get("sha256", ""),
                items=int(r.get("items", 0)),
                imported_by=r.get("imported_by", ""),
                imported_at=r.get("imported_at", ""),
            )
            for r in self.repo.imports()
        ]
        return sorted(rows, key=lambda r: r.imported_at, reverse=True)

    def preview_framework(self, actor: Actor, filename: str, data: bytes) -> Framework:
        """Admin only: validate a framework file (YAML, JSON or CSV) without installing it, with
        the same checks as :meth:`import_framework`."""
        self._require_admin(actor)
        fw = self._parse_framework_upload(filename, data)
        self._check_framework_id(fw)
        return fw

    def import_framework(self, actor: Actor, filename: str, data: bytes) -> Framework:
        """Admin only: validate a framework file and install it as
        ``<data_dir>/frameworks/<id>.yaml`` (atomically), recording who imported it and when.

        Refused: an id a shipped framework uses (reviews made against it would change meaning),
        an id already installed (same reason: reviews record the id; give a new edition a new
        id), and ids that are not plain file names."""
        a = self._require_admin(actor)
        fw = self._parse_framework_upload(filename, data)
        self._check_framework_id(fw)
        text = framework_to_yaml(fw)
        # what is written must load back the same way the app will load it
        parse_framework_text(text, f"{fw.id}.yaml", suffix=".yaml")
        self.frameworks_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(self.frameworks_dir / f"{fw.id}.yaml", text.encode("utf-8"))
        self.repo.add_import(
            {
                "framework_id": fw.id,
                "title": fw.title,
                "version": fw.version,
                "filename": _display_filename(filename),
                "sha256": hashlib.sha256(data).hexdigest(),
                "items": len(fw.items),
                "imported_by": a.username,
                "imported_at": self._now(),
            }
        )
        self._audit(
            a.username, "framework_import", target=fw.id, after={"version": fw.version}
        )
        return self.framework(fw.id)

    @staticmethod
    def _parse_framework_upload(filename: str, data: bytes) -> Framework:
        suffix = Path(filename).suffix.lower()
        if suffix not in _FRAMEWORK_SUFFIXES:
            raise ValidationFailed(
                f"{_display_filename(filename)}: a framework file is .yaml, .yml, .json or .csv"
            )
        if len(data) > _MAX_FRAMEWORK_BYTES:
            raise ValidationFailed(
                f"{_display_filename(filename)}: a framework file is at most "
                f"{_MAX_FRAMEWORK_BYTES // (1024 * 1024)} MB"
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationFailed(
                f"{_display_filename(filename)}: the file is not UTF-8 text"
            ) from None
        return parse_framework_text(text, _display_filename(filename), suffix=suffix)

    def _check_framework_id(self, fw: Framework) -> None:
        if not _FRAMEWORK_ID.fullmatch(fw.id):
            raise ValidationFailed(
                f"the framework id {fw.id!r} must be letters, digits, '.', '_' or '-' "
                "(at most 64, starting with a letter or digit): it becomes a file name"
            )
        key = fw.id.casefold()
        if any(f.id.casefold() == key for f in list_frameworks()):
            raise ValidationFailed(
                f"the id {fw.id!r} belongs to a framework shipped with the application; "
                "reviews made against it must keep their meaning, so give the import another id"
            )
        if any(f.id.casefold() == key for f in list_frameworks(extra_dirs=(self.frameworks_dir,))):
            raise ValidationFailed(
                f"a framework with the id {fw.id!r} is already installed; reviews record the id, "
                "so a new edition needs a new id (e.g. add the version to it)"
            )

    # ================================================================ upload

    def upload(
        self,
        actor: Actor,
        data: bytes,
        filename: str,
        *,
        document_id: str | None = None,
        title: str | None = None,
    ) -> UploadResult:
        """Parse, suggest and store an upload: a new document (``document_id=None``) or a new
        version of one. Nothing is stored when the file is unreadable (UnreadableDocument).

        A new version in ``draft`` just adds a version; in ``changes_requested`` it is the
        ``revise`` transition (→ draft). Decisions on unchanged sections carry over; links on
        changed sections come back as suggested and flagged (see ``UploadResult``)."""
        a = self._current(actor)
        if a.role != "agency_user":
            raise PermissionDenied("only an agency user can upload their agency's documents")
        if document_id is not None:
            # refuse early (before parsing) when the state forbids it; re-checked under the lock
            with self.repo.document(document_id) as tx:
                rec = tx.get()
                self._visible(a, rec)
                self._check_upload_state(a, rec)
        agency = self._agency(a.agency_id or "")
        started = time.monotonic()
        parsed = self._parse(data, filename)
        limits = UploadLimits()
        _check_time(started, limits, filename)
        fw = self.framework()
        item_ids = [it.id for it in fw.required_items(agency["kind"])]
        suggestions: list[list[Suggestion]] = self._suggester(fw).suggest(
            list(parsed.sections), items=item_ids
        )
        _check_time(started, limits, filename)
        n_suggestions = sum(len(s) for s in suggestions)
        if n_suggestions > limits.max_suggestions:
            raise too_complex(
                _display_filename(filename), f"{n_suggestions:,} suggestions", limits.max_suggestions
            )
        # named by the format the parser detected, never by the extension the upload claims
        ext = f".{parsed.format}"
        removed: tuple[str, ...] = ()
        if parsed.format == "docx":
            # the stored original (and so the annotated copy) fetches, runs and imports nothing
            from review.parsing.sanitize import sanitize_docx

            clean = sanitize_docx(data, filename)
            data, removed = clean.data, clean.summary
        sha = self.repo.put_original(data, ext)
        # a PDF or a legacy .doc gets a Word copy (the extracted text / the conversion) for the
        # annotated report; its paragraphs are the ones the sections index
        copy = _word_copy(data, filename, parsed.format)
        word_copy = (
            {"sha256": self.repo.put_original(copy, ".docx"), "ext": ".docx"} if copy else None
        )
        now = self._now()
        version = {
            "filename": _display_filename(filename),
            "sha256": sha,
            "ext": ext,
            "size": len(data),
            "uploaded_by": a.username,
            "uploaded_at": now,
            "framework_id": fw.id,
            "framework_version": fw.version,
            "items": item_ids,
            "parsed": parsed.to_dict(),
        }
        if word_copy:
            version["word_copy"] = word_copy
        if document_id is None:
            result = self._create_document(a, agency, parsed, suggestions, version, title)
        else:
            result = self._add_version(a, document_id, parsed, suggestions, version, title)
        return dataclasses.replace(result, removed=removed) if removed else result

    def _check_upload_state(self, a: Actor, rec: Record) -> None:
        if not workflow.permits(rec["state"], "upload_version", a.role):
            raise PermissionDenied(
                _UPLOAD_REFUSALS.get(rec["state"], "a new version cannot be uploaded now")
            )

    def _create_document(
        self,
        a: Actor,
        agency: Record,
        parsed: ParsedDocument,
        suggestions: list[list[Suggestion]],
        version: Record,
        title: str | None,
    ) -> UploadResult:
        now = version["uploaded_at"]
        doc_id = new_id()
        rec = {
            "id": doc_id,
            "agency_id": agency["id"],
            "title": (title or parsed.title or Path(version["filename"]).stem).strip()[:200],
            "state": workflow.WORKFLOW.initial_state,
            "current_version": 1,
            "reviewer": "",
            "uploaded_by": a.username,
            "created_by": a.username,
            "created_at": now,
            "updated_at": now,
            "submitted_at": "",
            "approved_by": "",
            "approved_at": "",
            "rev": 1,
            "last_action": "",
            "last_actor": "",
            "last_action_at": "",
        }
        links = suggestion_links(1, parsed.sections, suggestions)
        with self.repo.create_document(rec) as tx:
            tx.add_version({**version, "number": 1})
            tx.add_links(links)
            self._history(
                tx,
                rec,
                "upload",
                a,
                "",
                rec["state"],
                f"version 1: {version['filename']}",
                time=now,
            )
        self._save_summary(rec)
        self._audit(
            a.username,
            "upload",
            document_id=doc_id,
            agency_id=agency["id"],
            version=1,
            after={"state": rec["state"], "sha256": version["sha256"]},
            detail=version["filename"],
        )
        return UploadResult(doc_id, 1, rec["state"], None, len(parsed.sections), len(links))

    def _add_version(
        self,
        a: Actor,
        document_id: str,
        parsed: ParsedDocument,
        suggestions: list[list[Suggestion]],
        version: Record,
        title: str | None,
    ) -> UploadResult:
        with self.repo.document(document_id, write=True) as tx:
            rec = tx.get()
            self._visible(a, rec)
            self._check_upload_state(a, rec)
            from_state = rec["state"]
            transition = None
            if from_state != "draft":
                ctx = workflow.Context(
                    role=a.role, username=a.username, state=from_state, new_version=True
                )
                t = workflow.check("revise", ctx)
                transition = t.id
            old_no = int(rec["current_version"])
            old = tx.version(old_no)
            old_sections = ParsedDocument.from_dict(old["parsed"]).sections
            number = old_no + 1
            links, carried, needs_review, dropped = carry_over(
                old_sections, tx.links(old_no), number, parsed.sections, suggestions
            )
            tx.add_version({**version, "number": number})
            tx.add_links(links)
            kept, assessment_changes = carry_assessments(
                tx.assessments(old_no),
                tx.links(old_no),
                {s.id for s in parsed.sections},
                version["items"],
            )
            for a_rec in kept:
                comp = a_rec.pop("competency")
                tx.set_assessment(number, comp, a_rec)
            to_state = (
                workflow.WORKFLOW.transitions["revise"].to_state if transition else from_state
            )
            when = version["uploaded_at"]
            self._history(
                tx,
                rec,
                "upload",
                a,
                from_state,
                from_state,
                f"version {number}: {version['filename']}",
                time=when,
            )
            if transition:
                self._history(tx, rec, transition, a, from_state, to_state, "", time=when)
            rec.update(
                current_version=number,
                uploaded_by=a.username,
                state=to_state,
                rev=int(rec.get("rev", 0)) + 1,
            )
            if title:
                rec["title"] = title.strip()[:200]
            tx.update(rec)
        self._save_summary(rec)
        self._audit_many(
            [
                {
                    "actor": a.username,
                    "action": "upload",
                    "document_id": document_id,
                    "agency_id": rec["agency_id"],
                    "version": number,
                    "before": {"state": from_state, "version": old_no},
                    "after": {"state": to_state, "sha256": version["sha256"]},
                    "detail": version["filename"],
                },
                *[
                    {
                        "actor": a.username,
                        "action": "assessment",
                        "document_id": document_id,
                        "agency_id": rec["agency_id"],
                        "version": number,
                        "target": ch.competency,
                        "before": {"status": ch.status},
                        "after": {"status": ch.status if ch.carried else None},
                        "detail": f"new version: {ch.reason}",
                    }
                    for ch in assessment_changes
                ],
            ]
        )
        suggested = sum(1 for link in links if link["state"] == "suggested")
        return UploadResult(
            document_id,
            number,
            to_state,
            transition,
            len(parsed.sections),
            suggested,
            tuple(carried),
            tuple(needs_review),
            tuple(dropped),
            assessments=tuple(assessment_changes),
        )

    # ================================================================ documents

    def _heal_summary(self, rec: dict) -> None:
        """Rewrite an index row that disagrees with its document (a write that failed after
        the document was saved, e.g. on a full disk), so worklists show the real state."""
        summary = summary_of(rec)
        row = self.repo.summary(rec["id"])
        if row is None or any(row.get(k) != v for k, v in summary.items()):
            self.repo.put_summary(summary)

    def get_document(self, actor: Actor, document_id: str) -> DocumentView:
        """The document with the actor's permissions and available actions in its state."""
        a = self._current(actor)
        with self.repo.document(document_id) as tx:
            rec = tx.get()
            self._visible(a, rec)
            versions = tx.versions()
            lock = tx.lock()
            undecided = sum(
                1 for link in tx.links(int(rec["current_version"])) if link["state"] == "suggested"
            )
            request = next(
                (h for h in reversed(tx.history()) if h.get("action") == "request_changes"), None
            )
        self._heal_summary(rec)
        agency = self._agency(rec["agency_id"])
        ctx = self._context(a, rec, versions, lock, undecided)
        current = next((v for v in versions if v["number"] == rec["current_version"]), None)
        perms = {p: workflow.permits(rec["state"], p, a.role) for p in workflow.PERMISSIONS}
        lock_info = self._lock_info(a, lock)
        blocked = self._edit_blocker(
            a, rec["state"], lock_info, current["uploaded_by"] if current else ""
        )
        return DocumentView(
            summary=self._summary_view(rec, {agency["id"]: agency["name"]}),
            agency_kind=agency["kind"],
            versions=tuple(_version_info(v) for v in versions),
            lock=lock_info,
            permissions=perms,
            actions=tuple(t.id for t in workflow.allowed_transitions(ctx)),
            reviewer_name=self._display(rec.get("reviewer", "")),
            approved_by=rec.get("approved_by", ""),
            approved_at=rec.get("approved_at", ""),
            can_edit_links=blocked is None,
            edit_blocked_reason=blocked or "",
            can_release_lock=lock_info is not None and (lock_info.mine or a.role == "admin"),
            latest_change_request=HistoryEntry(
                request["action"],
                self._display(request.get("actor", "")),
                request.get("from_state", ""),
                request.get("to_state", ""),
                request.get("time", ""),
                request.get("comment", ""),
            )
            if request
            else None,
            annotatable=current is not None
            and (
                (current.get("ext") or Path(current["filename"]).suffix).lower() == ".docx"
                or bool(current.get("word_copy"))
            ),
        )

    def _edit_blocker(
        self, a: Actor, state: str, lock: LockInfo | None, uploader: str = ""
    ) -> str | None:
        """Why ``a`` cannot decide links now (``None``: they can). The same rules as
        :meth:`_require_edit`, which enforces them on every change; this only reports them."""
        if not workflow.permits(state, "edit_links", a.role):
            if a.role == "agency_user":
                return "only a reviewer can change links"
            return _EDIT_REFUSALS.get(state, "links cannot be changed now")
        if uploader and uploader.casefold() == a.username.casefold():
            return _UPLOADER_REFUSAL
        if lock is not None and not lock.mine:
            return (
                f"{lock.holder_name or lock.holder} holds the review lock on this document "
                f"(since {_when(lock.since)}; it expires at {_when(lock.expires_at)} unless they "
                "keep working)"
            )
        return None

    def transition_options(self, actor: Actor, document_id: str) -> list[TransitionOption]:
        """Every transition the actor's role could take from the document's state, each with the
        guard's verdict and reason ("3 suggestions are still undecided"). A required comment
        is not a refusal: ``requires_comment`` tells the UI to ask for it."""
        a = self._current(actor)
        with self.repo.document(document_id) as tx:
            rec = tx.get()
            self._visible(a, rec)
            versions = tx.versions()
            lock = tx.lock()
            current_links = tx.links(int(rec["current_version"]))
            undecided = sum(1 for link in current_links if link["state"] == "suggested")
            agency = self._agency(rec["agency_id"])
            findings = self._open_findings(tx, rec, agency, current_links)
        ctx = self._context(
            a, rec, versions, lock, undecided, open_findings=findings, agency=agency
        )
        return [
            TransitionOption(
                action=t.id,
                label=t.title,
                allowed=reason is None,
                reason=reason or "",
                requires_comment=t.requires_comment or (t.id == "approve" and bool(findings)),
                open_findings=findings if t.id == "approve" else (),
                four_eyes=ctx.four_eyes and t.id == "approve",
                first_approver=ctx.first_approver if t.id == "approve" else "",
            )
            for t, reason in workflow.options(ctx)
        ]

    def review_items(self, actor: Actor, document_id: str) -> list[Item]:
        """The framework items the current version is reviewed against (the agency kind's
        required competencies when it was uploaded), in framework order: what a reviewer may
        link or assess."""
        a = self._current(actor)
        with self.repo.document(document_id) as tx:
            rec = tx.get()
            self._visible(a, rec)
            v = tx.version(int(rec["current_version"]))
        fw = self.framework(v["framework_id"])
        ids = v.get("items")
        if not ids:
            ids = [it.id for it in fw.required_items(self._agency(rec["agency_id"])["kind"])]
        wanted = set(ids)
        return [it for it in fw.items if it.id in wanted]

    def _context(
        self,
        a: Actor,
        rec: Record,
        versions: list[Record],
        lock: Record | None,
        undecided: int,
        comment: str = "",
        *,
        open_findings: tuple[str, ...] = (),
        accepted_findings: int | None = None,
        agency: Record | None = None,
    ) -> workflow.Context:
        current = next((v for v in versions if v["number"] == rec["current_version"]), None)
        live = self._live_lock(lock)
        first = rec.get("first_approval") or {}
        if int(first.get("version") or 0) != int(rec["current_version"]):
            first = {}
        four_eyes = agency is not None and workflow.WORKFLOW.four_eyes.applies(
            agency["id"], agency.get("name", "")
        )
        return workflow.Context(
            role=a.role,
            username=a.username,
            state=rec["state"],
            comment=comment,
            version_count=len(versions),
            uploaded_by=current["uploaded_by"] if current else "",
            undecided=undecided,
            lock_holder=live["holder"] if live else "",
            lock_holder_name=self._display(live["holder"]) if live else "",
            open_findings=open_findings,
            accepted_findings=accepted_findings,
            four_eyes=four_eyes,
            first_approver=first.get("by", "") if four_eyes else "",
        )

    def _open_findings(
        self, tx: Any, rec: Record, agency: Record, links: list[Record] | None = None
    ) -> tuple[str, ...]:
        """Required competencies of the current version that no section addresses (gaps)."""
        if rec["state"] != "in_review":
            return ()
        rows, _, _ = self._coverage_rows(tx, rec, agency, links=links)
        return tuple(r.competency for r in rows if r.status == "not_addressed")

    def list_documents(
        self, actor: Actor, *, state: str | None = None, agency_id: str | None = None
    ) -> list[DocumentSummary]:
        """Documents the actor may see (an agency user: their agency's only), newest first."""
        a = self._current(actor)
        if a.role == "agency_user":
            agency_id = a.agency_id

        def where(s: Record) -> bool:
            return (state is None or s["state"] == state) and (
                agency_id is None or s["agency_id"] == agency_id
            )

        names = self._agency_names()
        users = self._user_names()
        match = {k: v for k, v in (("state", state), ("agency_id", agency_id)) if v is not None}
        rows = [
            self._summary_view(s, names, users) for s in self.repo.summaries(where, match=match)
        ]
        return sorted(rows, key=lambda r: r.updated_at, reverse=True)

    def sections(self, actor: Actor, document_id: str, version: int | None = None) -> list[Section]:
        a = self._current(actor)
        with self.repo.document(document_id) as tx:
            rec = tx.get()
            self._visible(a, rec)
            v = tx.version(version or int(rec["current_version"]))
        return list(ParsedDocument.from_dict(v["parsed"]).sections)

    def links(self, actor: Actor, document_id: str, version: int | None = None) -> list[LinkView]:
        """Links of a version (default: current), in section order then by score."""
        a = self._current(actor)
        with self.repo.document(document_id) as tx:
            rec = tx.get()
            self._visible(a, rec)
            number = version or int(rec["current_version"])
            v = tx.version(number)
            rows = tx.links(number)
        order = {s["id"]: i for i, s in enumerate(v["parsed"]["sections"])}
        rows.sort(
            key=lambda r: (
                order.get(r["section_id"], 1 << 30),
                -(r.get("score") or 0),
                r["competency"],
            )
        )
        views = [_link_view(r) for r in rows]
        if self._review_withheld(a, rec):
            # while the review is in progress the agency sees the suggestions as submitted:
            # the reviewer's decisions, rejection reasons, notes and added links come with the
            # reports, when the workflow lets the agency download them
            views = [
                dataclasses.replace(
                    lv, state="suggested", note="", reason="", decided_by="", decided_at=""
                )
                for lv in views
                if lv.origin != "reviewer" and lv.state != "added"
            ]
        return views

    @staticmethod
    def _review_withheld(a: Actor, rec: Record) -> bool:
        """Whether the reviewer's working (decisions, reasons, notes, assessments) is withheld
        from ``a``: an agency user, in a state whose reports they may not download yet."""
        return a.role == "agency_user" and not workflow.permits(
            rec["state"], "download_reports", a.role
        )

    def original(
        self, actor: Actor, document_id: str, version: int | None = None
    ) -> tuple[str, bytes]:
        """(original filename, bytes) of an uploaded version: for download."""
        a = self._current(actor)
        with self.repo.document(document_id) as tx:
            rec = tx.get()
            self._visible(a, rec)
            v = tx.version(version or int(rec["current_version"]))
        return v["filename"], self.repo.read_original(v["sha256"], v["ext"])

    # ================================================================ links

    def decide_link(
        self,
        actor: Actor,
        document_id: str,
        link_id: str,
        decision: str,
        *,
        reason: str = "",
        note: str | None = None,
    ) -> LinkView:
        """``decision``: ``confirmed``, ``rejected`` (``reason`` required) or ``suggested`` (undo).
        Only in review, only staff, only with the review lock (taken or refreshed here)."""
        if decision not in ("confirmed", "rejected", "suggested"):
            raise ValidationFailed(
                f"a decision is confirmed, rejected or suggested, not {decision!r}"
            )
        if decision == "rejected" and not reason.strip():
            raise ValidationFailed("a rejection needs a reason")
        a = self._current(actor)
        with self.repo.document(document_id, write=True) as tx:
            rec = tx.get()
            self._visible(a, rec)
            link = tx.link(link_id)
            if link is None or link["version"] != rec["current_version"]:
                raise NotFound("no such link on the current version")
            self._require_edit(a, tx, rec)
            if link["state"] == "added":
                raise ValidationFailed("a link added by hand is removed, not decided")
            now = self._now()
            fields: Record = {
                "state": decision,
                "reason": reason.strip() if decision == "rejected" else "",
                "decided_by": a.username if decision != "suggested" else "",
                "decided_at": now if decision != "suggested" else "",
            }
            if decision != "suggested":
                fields["flag"] = ""
            if note is not None:
                fields["note"] = note.strip()
            before = {"state": link["state"], "reason": link.get("reason", "")}
            tx.update_link(link_id, fields)
            link.update(fields)
        self._learn(document_id, [link], decision)
        self._audit(
            a.username,
            "link_decide",
            document_id=document_id,
            agency_id=rec["agency_id"],
            version=int(link["version"]),
            target=f"{link['section_id']}|{link['competency']}",
            before=before,
            after={"state": decision, "reason": fields["reason"], "link_id": link_id},
        )
        return _link_view(link)

    def confirm_link(
        self, actor: Actor, document_id: str, link_id: str, note: str | None = None
    ) -> LinkView:
        return self.decide_link(actor, document_id, link_id, "confirmed", note=note)

    def confirm_links(
        self, actor: Actor, document_id: str, link_ids: Iterable[str], note: str = ""
    ) -> int:
        """Confirm many links at once ("confirm selected", "confirm all shown"): one read and one
        atomic write of the document, all or nothing. The checks are those of
        :meth:`confirm_link` (role, state, review lock — taken or refreshed here); an unknown id,
        a link of another version or a link added by hand refuses the whole batch. Links already
        confirmed are left as they are. A non-empty ``note`` is set on every confirmed link.
        Returns how many links changed state. (Like single decisions, no history entry: the
        history records workflow transitions; each link keeps who decided it and when.)"""
        ids = list(dict.fromkeys(link_ids))
        a = self._current(actor)
        with self.repo.document(document_id, write=True) as tx:
            rec = tx.get()
            self._visible(a, rec)
            self._require_edit(a, tx, rec)
            if not ids:
                return 0
            current = {lk["id"]: lk for lk in tx.links(int(rec["current_version"]))}
            unknown = [i for i in ids if i not in current]
            if unknown:
                raise NotFound(
                    f"{len(unknown)} of the {len(ids)} links are not on the current version; "
                    "nothing was confirmed (reload the document)"
                )
            added = [i for i in ids if current[i]["state"] == "added"]
            if added:
                raise ValidationFailed(
                    f"{len(added)} of the links were added by hand; they are removed, not "
                    "decided; nothing was confirmed"
                )
            now = self._now()
            fields: Record = {
                "state": "confirmed",
                "reason": "",
                "decided_by": a.username,
                "decided_at": now,
                "flag": "",
            }
            if note.strip():
                fields["note"] = note.strip()
            changes = {i: fields for i in ids if current[i]["state"] != "confirmed"}
            tx.update_links(changes)
        self._learn(document_id, [current[i] for i in changes], "confirmed")
        self._audit_many(
            {
                "actor": a.username,
                "action": "link_confirm_bulk",
                "document_id": document_id,
                "agency_id": rec["agency_id"],
                "version": int(current[i]["version"]),
                "target": f"{current[i]['section_id']}|{current[i]['competency']}",
                "before": {"state": current[i]["state"]},
                "after": {"state": "confirmed", "link_id": i},
                "detail": f"{len(changes)} confirmed at once",
            }
            for i in changes
        )
        return len(changes)

    def reject_link(
        self, actor: Actor, document_id: str, link_id: str, reason: str, note: str | None = None
    ) -> LinkView:
        return self.decide_link(actor, document_id, link_id, "rejected", reason=reason, note=note)

    def undo_link(self, actor: Actor, document_id: str, link_id: str) -> LinkView:
        return self.decide_link(actor, document_id, link_id, "suggested")

    def set_link_note(self, actor: Actor, document_id: str, link_id: str, note: str) -> LinkView:
        a = self._current(actor)
        with self.repo.document(document_id, write=True) as tx:
            rec = tx.get()
            self._visible(a, rec)
            link = tx.link(link_id)
            if link is None or link["version"] != rec["current_version"]:
                raise NotFound("no such link on the current version")
            self._require_edit(a, tx, rec)
            before = {"note": link.get("note", "")}
            tx.update_link(link_id, {"note": note.strip()})
            link["note"] = note.strip()
        self._audit(
            a.username,
            "link_note",
            document_id=document_id,
            agency_id=rec["agency_id"],
            version=int(link["version"]),
            target=f"{link['section_id']}|{link['competency']}",
            before=before,
            after={"note": note.strip(), "link_id": link_id},
        )
        return _link_view(link)

    def add_link(
        self, actor: Actor, document_id: str, section_id: str, competency: str, note: str = ""
    ) -> LinkView:
        """A link the suggester missed, added by hand (state ``added``)."""
        a = self._current(actor)
        with self.repo.document(document_id, write=True) as tx:
            rec = tx.get()
            self._visible(a, rec)
            self._require_edit(a, tx, rec)
            number = int(rec["current_version"])
            v = tx.version(number)
            if section_id not in {s["id"] for s in v["parsed"]["sections"]}:
                raise NotFound("no such section in the current version")
            allowed = v.get("items") or [it.id for it in self.framework(v["framework_id"]).items]
            if competency not in allowed:
                raise ValidationFailed(f"{competency!r} is not a competency this review covers")
            for existing in tx.links(number):
                if existing["section_id"] == section_id and existing["competency"] == competency:
                    raise ValidationFailed(
                        f"this section is already linked to {competency} ({existing['state']}); decide that link instead"
                    )
            link = link_record(
                new_id(),
                number,
                section_id,
                competency,
                "added",
                note=note.strip(),
                decided_by=a.username,
                decided_at=self._now(),
                origin="hand",
            )
            tx.add_links([link])
        self._learn(document_id, [link], "added")
        self._audit(
            a.username,
            "link_add",
            document_id=document_id,
            agency_id=rec["agency_id"],
            version=number,
            target=f"{section_id}|{competency}",
            after={"state": "added", "note": note.strip(), "link_id": link["id"]},
        )
        return _link_view(link)

    def remove_link(self, actor: Actor, document_id: str, link_id: str) -> None:
        """Remove a link added by hand. Suggestions are rejected instead, so the audit keeps them."""
        a = self._current(actor)
        with self.repo.document(document_id, write=True) as tx:
            rec = tx.get()
            self._visible(a, rec)
            link = tx.link(link_id)
            if link is None or link["version"] != rec["current_version"]:
                raise NotFound("no such link on the current version")
            self._require_edit(a, tx, rec)
            if link["state"] != "added":
                raise ValidationFailed(
                    "only links added by hand can be removed; reject a suggestion instead"
                )
            tx.remove_link(link_id)
        self._learn(document_id, [link], "removed")
        self._audit(
            a.username,
            "link_remove",
            document_id=document_id,
            agency_id=rec["agency_id"],
            version=int(link["version"]),
            target=f"{link['section_id']}|{link['competency']}",
            before={"state": "added", "note": link.get("note", ""), "link_id": link_id},
        )

    # ================================================================ workflow

    def transition(
        self,
        actor: Actor,
        document_id: str,
        action: str,
        comment: str = "",
        *,
        accept_open_findings: int | None = None,
    ) -> DocumentView:
        """Apply a workflow transition; :class:`TransitionRefused` names the reason when a guard fails.

        ``approve`` while required competencies are not addressed needs ``comment`` (the
        reviewer's conclusion) and ``accept_open_findings`` equal to the number of those open
        findings; the approve history entry records the conclusion as its comment and the
        accepted findings (ids and count). Under the four-eyes rule the first ``approve`` of a
        version is recorded as ``first_approval`` (the document stays in review, the lock is
        released) and a second reviewer's ``approve`` completes it."""
        a = self._current(actor)
        if action == "revise":
            raise TransitionRefused("upload a revised version to revise the document")
        with self.repo.document(document_id, write=True) as tx:
            rec = tx.get()
            self._visible(a, rec)
            versions = tx.versions()
            lock = tx.lock()
            current_links = tx.links(int(rec["current_version"]))
            undecided = sum(1 for link in current_links if link["state"] == "suggested")
            agency = self._agency(rec["agency_id"])
            findings = (
                self._open_findings(tx, rec, agency, current_links) if action == "approve" else ()
            )
            ctx = self._context(
                a,
                rec,
                versions,
                lock,
                undecided,
                comment,
                open_findings=findings,
                accepted_findings=accept_open_findings,
                agency=agency,
            )
            t = workflow.check(action, ctx)
            from_state = rec["state"]
            now = self._now()
            if action == "approve" and ctx.four_eyes and not ctx.first_approver:
                # four-eyes: record the first approval; a second reviewer completes it
                rec.update(
                    first_approval={
                        "by": a.username,
                        "at": now,
                        "version": int(rec["current_version"]),
                    },
                    rev=int(rec.get("rev", 0)) + 1,
                )
                tx.set_lock(None)
                tx.update(rec)
                self._history(
                    tx,
                    rec,
                    "first_approval",
                    a,
                    from_state,
                    from_state,
                    comment,
                    time=now,
                    accepted_findings=findings,
                )
            else:
                self._apply_transition(tx, rec, a, action, t, comment, now, findings)
        self._save_summary(rec)
        after: Record = {"state": rec["state"], "comment": comment.strip()}
        if findings:
            after.update(accepted_findings=list(findings), accepted_count=len(findings))
        self._audit(
            a.username,
            "transition",
            document_id=document_id,
            agency_id=rec["agency_id"],
            version=int(rec["current_version"]),
            target="first_approval"
            if action == "approve" and rec["state"] == from_state
            else action,
            before={"state": from_state},
            after=after,
        )
        return self.get_document(a, document_id)

    def _apply_transition(
        self,
        tx: Any,
        rec: Record,
        a: Actor,
        action: str,
        t: workflow.Transition,
        comment: str,
        now: str,
        findings: tuple[str, ...],
    ) -> None:
        """The state change of a checked transition, with its history entry."""
        from_state = rec["state"]
        rec.update(state=t.to_state, updated_at=now, rev=int(rec.get("rev", 0)) + 1)
        if action == "submit":
            rec["submitted_at"] = now
        elif action == "claim":
            rec["reviewer"] = a.username
            tx.set_lock({"holder": a.username, "since": now, "touched_at": now})
        elif action in ("request_changes", "approve"):
            tx.set_lock(None)
            if action == "approve":
                rec.update(approved_by=a.username, approved_at=now)
        elif action == "reopen":
            rec.update(approved_by="", approved_at="")
        if action in ("request_changes", "reopen"):
            rec["first_approval"] = None  # a new round of review needs a new first approval
        tx.update(rec)
        self._history(
            tx,
            rec,
            action,
            a,
            from_state,
            t.to_state,
            comment,
            time=now,
            accepted_findings=findings,
        )

    def comment(self, actor: Actor, document_id: str, text: str) -> None:
        """A note in the history without a state change (e.g. a reviewer's question)."""
        a = self._current(actor)
        if not text.strip():
            raise ValidationFailed("a comment cannot be empty")
        with self.repo.document(document_id, write=True) as tx:
            rec = tx.get()
            self._visible(a, rec)
            if not workflow.permits(rec["state"], "comment", a.role):
                raise PermissionDenied("you cannot comment on this document now")
            rec["rev"] = int(rec.get("rev", 0)) + 1
            tx.update({"rev": rec["rev"]})
            self._history(tx, rec, "comment", a, rec["state"], rec["state"], text)
        self._save_summary(rec)
        self._audit(
            a.username,
            "comment",
            document_id=document_id,
            agency_id=rec["agency_id"],
            version=int(rec["current_version"]),
            after={"comment": text.strip()},
        )

    def history(self, actor: Actor, document_id: str) -> list[HistoryEntry]:
        """The document's review history, oldest first; never rewritten."""
        a = self._current(actor)
        with self.repo.document(document_id) as tx:
            rec = tx.get()
            self._visible(a, rec)
            rows = tx.history()
        return [HistoryEntry.from_dict(r) for r in rows]

    def audit_trail(
        self,
        actor: Actor,
        limit: int = 200,
        agency_id: str | None = None,
        action: str | None = None,
        since: str | None = None,
    ) -> list[AuditEntry]:
        """Admin only: the history entries of every document (uploads, transitions, comments),
        newest first, at most ``limit``; optionally one agency's, one action's, or those at or
        after ``since`` (ISO time). "Load more" is a larger ``limit``.

        Why it stays cheap at thousands of documents: every history append stamps the document's
        ``updated_at`` (and its index row), so no entry of a document is newer than its
        ``updated_at``. Walking the index rows newest first, the walk stops as soon as ``limit``
        entries are held and the next document was last updated before the oldest of them — only
        the documents that can contribute are read."""
        self._require_admin(actor)
        if limit <= 0:
            return []
        since = since or ""

        def where(s: Record) -> bool:
            return (agency_id is None or s.get("agency_id") == agency_id) and (
                s.get("updated_at") or ""
            ) >= since

        rows = self.repo.summaries(where)
        rows.sort(key=lambda s: (s.get("updated_at") or "", s["id"]), reverse=True)
        agencies = self._agency_names()
        users = self._user_names()
        # min-heap of the best ``limit`` entries so far, keyed (time, seq, doc id)
        best: list[tuple[tuple[str, int, str], AuditEntry]] = []
        for s in rows:
            if len(best) >= limit and (s.get("updated_at") or "") < best[0][0][0]:
                break
            try:
                with self.repo.document(s["id"]) as tx:
                    rec = tx.get()
                    history = tx.history()
            except NotFound:  # removed since the index was read
                continue
            for seq, h in enumerate(history):
                when = h.get("time") or ""
                if when < since or (action is not None and h.get("action") != action):
                    continue
                key = (when, seq, rec["id"])
                if len(best) >= limit and key <= best[0][0]:
                    continue
                who = h.get("actor") or ""
                entry = AuditEntry(
                    time=when,
                    action=h.get("action") or "",
                    actor=who,
                    actor_name=users.get(who.casefold(), who),
                    from_state=h.get("from_state") or "",
                    to_state=h.get("to_state") or "",
                    comment=h.get("comment") or "",
                    document_id=rec["id"],
                    document_title=rec.get("title") or "",
                    agency_id=rec.get("agency_id") or "",
                    agency_name=agencies.get(rec.get("agency_id") or "", ""),
                    seq=seq,
                )
                if len(best) >= limit:
                    heapq.heapreplace(best, (key, entry))
                else:
                    heapq.heappush(best, (key, entry))
        best.sort(key=lambda pair: pair[0], reverse=True)
        return [entry for _, entry in best]

    def audit_events(
        self,
        actor: Actor,
        *,
        document_id: str | None = None,
        username: str | None = None,
        agency_id: str | None = None,
        action: str | None = None,
        since: str | None = None,
        until: str | None = None,
        limit: int | None = 500,
    ) -> list[AuditEvent]:
        """Admin only: the audit trail of every change to a decision or an account (see
        :mod:`review.audit`), newest first, filtered by document, user (the actor), agency,
        action and date (``since``/``until``: ISO dates or times, both inclusive)."""
        self._require_admin(actor)
        rows = self.repo.audit_events(
            since=since or "",
            until=until or "",
            actor=username or None,
            document_id=document_id or None,
            agency_id=agency_id or None,
            action=action or None,
            limit=limit,
        )
        return [AuditEvent.from_dict(r) for r in rows]

    def audit_csv(self, actor: Actor, **filters: Any) -> bytes:
        """The filtered audit trail as CSV (every matching event, no limit)."""
        from review.audit import to_csv

        return to_csv(self.audit_events(actor, **{**filters, "limit": None}))

    # ================================================================ review lock

    def lock_status(self, actor: Actor, document_id: str) -> LockInfo | None:
        a = self._current(actor)
        with self.repo.document(document_id) as tx:
            self._visible(a, tx.get())
            lock = tx.lock()
        return self._lock_info(a, lock)

    def acquire_lock(self, actor: Actor, document_id: str) -> LockInfo:
        """Take (or refresh) the review lock before editing; LockHeld when someone else has it."""
        a = self._current(actor)
        with self.repo.document(document_id, write=True) as tx:
            rec = tx.get()
            self._visible(a, rec)
            self._require_edit(a, tx, rec)
            lock = tx.lock()
        info = self._lock_info(a, lock)
        assert info is not None
        return info

    def release_lock(self, actor: Actor, document_id: str) -> None:
        """The holder or an admin releases the lock; anyone may clear an expired one."""
        a = self._current(actor)
        with self.repo.document(document_id, write=True) as tx:
            self._visible(a, tx.get())
            live = self._live_lock(tx.lock())
            if live and live["holder"].casefold() != a.username.casefold() and a.role != "admin":
                raise PermissionDenied(
                    "only the lock holder or an admin can release the review lock"
                )
            tx.set_lock(None)

    # ================================================================ coverage

    def _coverage_rows(
        self,
        tx: Any,
        rec: Record,
        agency: Record,
        withheld: bool = False,
        links: list[Record] | None = None,
    ) -> tuple[list[CoverageRow], int, str]:
        """Coverage of the current version, its undecided links and its framework id
        (``withheld``: the agency during review sees the suggestions as submitted;
        ``links``: the current version's links when the caller already read them)."""
        number = int(rec["current_version"])
        key = (rec["id"], number)
        fw_id = self._version_frameworks.get(key)
        if fw_id is None:
            fw_id = tx.version(number)["framework_id"]
            self._version_frameworks[key] = fw_id
        fw = self.framework(fw_id)
        required = fw.required_items(agency["kind"])
        if links is None:
            links = tx.links(number)
        if withheld:  # the agency during review: the suggestions as submitted, no assessments
            links = [
                {**lk, "state": "suggested", "note": "", "reason": ""}
                for lk in links
                if lk.get("state") != "added"
            ]
            rows = compute_coverage(fw, required, links, {})
        else:
            rows = compute_coverage(fw, required, links, tx.assessments(number))
        undecided = sum(1 for link in links if link["state"] == "suggested")
        return rows, undecided, fw_id

    def coverage(self, actor: Actor, document_id: str) -> list[CoverageRow]:
        """Each required competency of the agency's kind: met / partial / not addressed / not
        applicable, the sections cited, and for gaps the recommendation and training."""
        a = self._current(actor)
        with self.repo.document(document_id) as tx:
            rec = tx.get()
            self._visible(a, rec)
            withheld = self._review_withheld(a, rec)
            rows, _, _ = self._coverage_rows(tx, rec, self._agency(rec["agency_id"]), withheld)
        return rows

    def coverage_overview(
        self, actor: Actor, document_id: str
    ) -> tuple[list[CoverageRow], CoverageSummary]:
        """:meth:`coverage` and :meth:`coverage_summary` from one read (the workspace shows
        both on every run)."""
        a = self._current(actor)
        with self.repo.document(document_id) as tx:
            rec = tx.get()
            self._visible(a, rec)
            withheld = self._review_withheld(a, rec)
            rows, undecided, _ = self._coverage_rows(
                tx, rec, self._agency(rec["agency_id"]), withheld
            )
        return rows, _summary_of(rows, undecided)

    def coverage_summary(self, actor: Actor, document_id: str) -> CoverageSummary:
        a = self._current(actor)
        with self.repo.document(document_id) as tx:
            rec = tx.get()
            self._visible(a, rec)
            withheld = self._review_withheld(a, rec)
            rows, undecided, _ = self._coverage_rows(
                tx, rec, self._agency(rec["agency_id"]), withheld
            )
        return _summary_of(rows, undecided)

    def assess(
        self, actor: Actor, document_id: str, competency: str, status: str | None, note: str = ""
    ) -> None:
        """Mark a required competency ``partial`` (note) or ``not_applicable`` (justification
        required); ``None`` clears the assessment. Same rules as deciding links."""
        if status not in (None, "partial", "not_applicable"):
            raise ValidationFailed(
                "a competency can be marked partial or not applicable (met comes from a confirmed link)"
            )
        if status == "not_applicable" and not note.strip():
            raise ValidationFailed("marking a competency not applicable needs a justification")
        a = self._current(actor)
        with self.repo.document(document_id, write=True) as tx:
            rec = tx.get()
            self._visible(a, rec)
            self._require_edit(a, tx, rec)
            number = int(rec["current_version"])
            agency = self._agency(rec["agency_id"])
            v = tx.version(number)
            required = [
                it.id for it in self.framework(v["framework_id"]).required_items(agency["kind"])
            ]
            if competency not in required:
                raise ValidationFailed(f"{competency!r} is not a competency this review covers")
            record = None
            if status is not None:
                record = {
                    "status": status,
                    "note": note.strip(),
                    "by": a.username,
                    "at": self._now(),
                }
            old = next((x for x in tx.assessments(number) if x["competency"] == competency), None)
            tx.set_assessment(number, competency, record)
        self._audit(
            a.username,
            "assessment",
            document_id=document_id,
            agency_id=rec["agency_id"],
            version=number,
            target=competency,
            before={"status": old["status"], "note": old.get("note", "")} if old else {},
            after={"status": status, "note": note.strip()} if status else {},
        )

    # ---------------------------------------------------------------- report files
    # Each checks the download permission (through report_context) and returns the file's bytes;
    # the pages and the ``report`` command only name and deliver them.

    def coverage_csv(self, actor: Actor, document_id: str, version: int | None = None) -> bytes:
        """The coverage matrix as a statement of applicability (CSV, UTF-8 with a BOM so Excel
        opens it right); the same writer and columns as the .xlsx."""
        from review.reports import coverage_csv

        return coverage_csv(self.report_context(actor, document_id, version, with_original=False))

    def coverage_xlsx(self, actor: Actor, document_id: str, version: int | None = None) -> bytes:
        """The statement of applicability as a one-sheet workbook."""
        from review.reports import coverage_xlsx

        return coverage_xlsx(self.report_context(actor, document_id, version, with_original=False))

    def review_report(
        self,
        actor: Actor,
        document_id: str,
        version: int | None = None,
        template: Path | bytes | None = None,
    ) -> bytes:
        """The review report (.docx), styled by ``template`` or ``templates/review-report.docx``."""
        from review.reports import review_report

        ctx = self.report_context(actor, document_id, version, with_original=False)
        return review_report(ctx, self.framework(ctx.framework_id), template)

    def annotated_policy(
        self,
        actor: Actor,
        document_id: str,
        version: int | None = None,
        highlight: bool = False,
    ) -> bytes:
        """The agency's own .docx with the review as Word comments (the evidence of confirmed
        links shaded when ``highlight`` is True). A .txt/.md upload has no Word file to annotate."""
        from review.reports import annotated_policy

        ctx = self.report_context(actor, document_id, version)
        fmt = ctx.extra.get("format", "docx")
        if fmt not in ("docx", "pdf", "doc") or not ctx.original:
            raise ValidationFailed(
                "only a Word (.docx, .doc) or PDF upload can be annotated; this version is a "
                f".{fmt} file"
            )
        # originals stored before uploads were made inert are made inert here (a no-op copy
        # for the others): the annotated copy never fetches, runs or imports anything
        from review.parsing.sanitize import sanitize_docx

        ctx = dataclasses.replace(ctx, original=sanitize_docx(ctx.original).data)
        return annotated_policy(
            ctx, highlight=highlight, framework=self.framework(ctx.framework_id)
        )

    def _require_download(self, a: Actor, rec: Record) -> None:
        if not workflow.permits(rec["state"], "download_reports", a.role):
            raise PermissionDenied(
                "reports of this document can be downloaded once the review is finished"
            )

    # ================================================================ worklists

    def worklist(self, actor: Actor, name: str) -> Worklist:
        """``awaiting_review`` (staff; oldest submission first), ``my_reviews`` (staff; in review
        and assigned to me), ``changes_requested`` (agency user), ``my_agency`` (agency user),
        ``all_documents`` (staff)."""
        a = self._current(actor)
        staff = a.role in ("reviewer", "admin")
        me = a.username.casefold()
        ag = a.agency_id
        preds: dict[str, tuple[bool, Callable[[Record], bool]]] = {
            "awaiting_review": (staff, lambda s: s["state"] == "submitted"),
            "my_reviews": (
                staff,
                lambda s: s["state"] == "in_review" and (s.get("reviewer") or "").casefold() == me,
            ),
            "changes_requested": (
                a.role == "agency_user",
                lambda s: s["state"] == "changes_requested" and s["agency_id"] == ag,
            ),
            "my_agency": (a.role == "agency_user", lambda s: s["agency_id"] == ag),
            "all_documents": (staff, lambda s: True),
        }
        if name not in preds:
            raise NotFound(f"no worklist {name!r}")
        ok, pred = preds[name]
        if not ok:
            raise PermissionDenied("this worklist is not for your role")
        names = self._agency_names()
        users = self._user_names()
        # the same filters as equality matches a server store answers from an index
        match = {
            "awaiting_review": {"state": "submitted"},
            "my_reviews": {"state": "in_review", "reviewer_key": me},
            "changes_requested": {"state": "changes_requested", "agency_id": ag},
            "my_agency": {"agency_id": ag},
        }.get(name)
        rows = [self._summary_view(s, names, users) for s in self.repo.summaries(pred, match=match)]
        if name == "awaiting_review":
            rows.sort(key=lambda r: r.submitted_at)
        else:
            rows.sort(key=lambda r: r.updated_at, reverse=True)
        return Worklist(name, WORKLIST_TITLES[name], tuple(rows))

    def worklists(self, actor: Actor) -> list[Worklist]:
        """The worklists for the actor's role, in the order the UI shows them."""
        a = self._current(actor)
        names = (
            ("changes_requested", "my_agency")
            if a.role == "agency_user"
            else ("awaiting_review", "my_reviews", "all_documents")
        )
        return [self.worklist(a, n) for n in names]

    # ================================================================ reports

    def report_context(
        self,
        actor: Actor,
        document_id: str,
        version: int | None = None,
        with_original: bool = True,
    ) -> ReportContext:
        """Everything the reports need, after checking the actor may download reports now
        (``with_original=False`` skips reading the uploaded file, for the CSV and the review
        report, which do not need it)."""
        from review.services.agency_coverage import covered_elsewhere
        from review.services.remediation import remediation_extra

        a = self._current(actor)
        with self.repo.document(document_id) as tx:
            rec = tx.get()
            self._visible(a, rec)
            self._require_download(a, rec)
            agency = self._agency(rec["agency_id"])
            number = version or int(rec["current_version"])
            v = tx.version(number)
            links = tx.links(number)
            if number == int(rec["current_version"]):
                coverage, _, _ = self._coverage_rows(tx, rec, agency)
            else:
                fw_v = self.framework(v["framework_id"])
                coverage = compute_coverage(
                    fw_v, fw_v.required_items(agency["kind"]), links, tx.assessments(number)
                )
            history = tx.history()
        fw = self.framework(v["framework_id"])
        parsed = ParsedDocument.from_dict(v["parsed"])
        report_links = [
            ReportLink(
                section_id=r["section_id"],
                competency=r["competency"],
                state=r["state"],
                score=r.get("score"),
                evidence=tuple(Evidence.from_dict(e) for e in r.get("evidence", ())),
                sentences=tuple(str(x) for x in r.get("sentences") or ()),
                note=r.get("note", ""),
                reason=r.get("reason", ""),
                decided_by=self._display(r.get("decided_by", "")),
                decided_at=r.get("decided_at", ""),
            )
            for r in links
        ]
        return ReportContext(
            agency_name=agency["name"],
            agency_kind=agency["kind"],
            document_id=rec["id"],
            document_title=rec["title"],
            version_number=number,
            original_filename=v["filename"],
            framework_id=fw.id,
            framework_title=fw.title,
            framework_version=fw.version,
            state=rec["state"],
            reviewer=self._display(rec.get("reviewer", "")),
            created_at=rec["created_at"],
            updated_at=rec["updated_at"],
            sections=list(parsed.sections),
            links=report_links,
            coverage=coverage,
            history=[
                HistoryEntry(
                    h["action"],
                    self._display(h["actor"]),
                    h["from_state"],
                    h["to_state"],
                    h["time"],
                    h.get("comment", ""),
                )
                for h in history
            ],
            # for a PDF or a .doc, the Word copy the sections index (see ``upload``)
            original=(
                self.repo.read_original(
                    (v.get("word_copy") or v)["sha256"], (v.get("word_copy") or v)["ext"]
                )
                if with_original
                else None
            ),
            approver=self._display(rec.get("approved_by", "")),
            approved_at=rec.get("approved_at", ""),
            reviewed=rec["state"] in ("in_review", "changes_requested", "approved"),
            extra={
                "format": parsed.format,
                "uploaded_by": self._display(v["uploaded_by"]),
                "uploaded_at": v["uploaded_at"],
                # what the agency's other documents already meet (issue 13)
                "elsewhere": covered_elsewhere(self, a, rec["agency_id"], rec["id"]),
                # the reviewer's remediation lines, owners and due dates (issue 13)
                **remediation_extra(rec, number),
                # what the annotated copy is written into: "" (the upload itself) or a note
                "annotated_copy_note": {
                    "pdf": "a Word copy of the text extracted from the PDF (layout, images and "
                    "tables of the PDF are not reproduced)",
                    "doc": "a .docx converted from the uploaded Word 97-2003 (.doc) file",
                }.get(parsed.format, ""),
            },
        )


# ---------------------------------------------------------------------------- record → view


def _summary_of(rows: list[CoverageRow], undecided: int) -> CoverageSummary:
    counts = {s: 0 for s in ("met", "partial", "not_addressed", "not_applicable")}
    for r in rows:
        counts[r.status] += 1
    decided = counts["met"] + counts["partial"] + counts["not_applicable"]
    return CoverageSummary(len(rows), counts, decided, undecided)


def _word_copy(data: bytes, filename: str, fmt: str) -> bytes | None:
    if fmt not in ("pdf", "doc"):
        return None
    from review.parsing import word_copy

    return word_copy(data, filename, fmt)


def _display_filename(filename: str) -> str:
    try:
        from review.parsing import safe_filename

        return safe_filename(filename)
    except ImportError:  # the parser module provides it; keep just the base name meanwhile
        return Path(filename.replace("\\", "/")).name[:200] or "upload"


def _version_info(v: Record) -> VersionInfo:
    return VersionInfo(
        number=int(v["number"]),
        filename=v["filename"],
        sha256=v["sha256"],
        size=int(v.get("size", 0)),
        uploaded_by=v["uploaded_by"],
        uploaded_at=v["uploaded_at"],
        framework_id=v["framework_id"],
        framework_version=v["framework_version"],
        section_count=len(v["parsed"]["sections"]),
        format=v["parsed"].get("format", "docx"),
    )


def _link_view(r: Record) -> LinkView:
    return LinkView(
        id=r["id"],
        version=int(r["version"]),
        section_id=r["section_id"],
        competency=r["competency"],
        state=r["state"],
        score=r.get("score"),
        evidence=tuple(Evidence.from_dict(e) for e in r.get("evidence") or ()),
        sentences=tuple(str(x) for x in r.get("sentences") or ()),
        note=r.get("note", ""),
        reason=r.get("reason", ""),
        decided_by=r.get("decided_by", ""),
        decided_at=r.get("decided_at", ""),
        flag=r.get("flag", ""),
        origin=r.get("origin", "suggester"),
    )


__all__ = ["ReviewService", "Actor", "SYSTEM"]
