"""ReviewService: every operation the UI and the CLI perform, each checking the acting user.

The service is one class assembled from one module per capability (each a mixin):
:mod:`~review.services.accounts` (sign-in, agencies, users), :mod:`~review.services.frameworks`,
:mod:`~review.services.documents` (uploads, versions, reading), :mod:`~review.services.decisions`
(links, assessments, coverage), :mod:`~review.services.workflow_service` (transitions, lock,
worklists), :mod:`~review.services.audit_service`, :mod:`~review.services.reports_service`,
:mod:`~review.services.learning` and :mod:`~review.services.sessions`. This module holds the
constructor and the helpers they share; :mod:`review.services.base` the module-level ones.
See :mod:`review.services` for the API summary.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

from review import workflow
from review.audit import AuditEvent, current_client
from review.auth import SYSTEM, Actor
from review.config import DEFAULT_FRAMEWORK_ID
from review.errors import AuthenticationFailed, LockHeld, NotFound, PermissionDenied
from review.framework import Framework, get_framework
from review.models import HistoryEntry
from review.services.accounts import AccountsMixin
from review.services.audit_service import AuditMixin
from review.services.base import (  # noqa: F401 - re-exported
    _EDIT_REFUSALS,
    _UPLOADER_REFUSAL,
    Clock,
    Parser,
    _default_lock_timeout,
    _default_parse,
    _frameworks_dir,
    _is_uploader,
    _when,
    iso,
    parse_iso,
    utc_now,
)
from review.services.decisions import DecisionsMixin
from review.services.documents import DocumentsMixin
from review.services.frameworks import FrameworksMixin
from review.services.learning import LearningMixin
from review.services.reports_service import ReportsMixin
from review.services.sessions import SessionMixin
from review.services.views import DocumentSummary, LockInfo
from review.services.workflow_service import WorkflowMixin
from review.storage import Record, Repository, open_repository, summary_of


class ReviewService(
    AccountsMixin,
    FrameworksMixin,
    DocumentsMixin,
    DecisionsMixin,
    WorkflowMixin,
    AuditMixin,
    ReportsMixin,
    LearningMixin,
    SessionMixin,
):
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

    def _now(self) -> str:
        return iso(self.clock())

    def _audit(self, actor: str, action: str, **fields: Any) -> None:
        """Append one event to the audit trail (see :mod:`review.audit`), after the change it
        records was written."""
        self._audit_many([{"actor": actor, "action": action, **fields}])

    def _audit_many(self, events: Iterable[Record]) -> None:
        now, client = self._now(), current_client()
        rows = [AuditEvent(**{"time": now, "client": client, **e}).to_dict() for e in events]
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


__all__ = ["ReviewService", "Actor", "SYSTEM"]
