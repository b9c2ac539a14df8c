"""Workflow transitions, comments, history, the review lock and worklists.

Part of :class:`review.services.core.ReviewService` (mixed in); each call takes the acting user
and checks permission itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from review import workflow
from review.auth import Actor
from review.errors import NotFound, PermissionDenied, TransitionRefused, ValidationFailed
from review.models import HistoryEntry
from review.services.base import WORKLIST_TITLES
from review.services.views import DocumentView, LockInfo, Worklist
from review.storage import Record


class WorkflowMixin:
    """Workflow transitions, comments, history, the review lock and worklists."""

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
