"""The audit trail: reading, filtering, CSV.

Part of :class:`review.services.core.ReviewService` (mixed in); each call takes the acting user
and checks permission itself.
"""

from __future__ import annotations

import heapq
from typing import Any

from review.audit import AuditEvent
from review.auth import Actor
from review.errors import NotFound
from review.services.views import AuditEntry
from review.storage import Record


class AuditMixin:
    """The audit trail: reading, filtering, CSV."""

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
