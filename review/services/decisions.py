"""Review decisions: links, assessments, the coverage they add up to.

Part of :class:`review.services.core.ReviewService` (mixed in); each call takes the acting user
and checks permission itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from review.auth import Actor
from review.coverage import compute_coverage
from review.errors import NotFound, ValidationFailed
from review.models import CoverageRow
from review.services.base import _link_view, _summary_of
from review.services.logic import link_record, new_id
from review.services.views import CoverageSummary, LinkView
from review.storage import Record


class DecisionsMixin:
    """Review decisions: links, assessments, the coverage they add up to."""

    def _editable_link(self, a: Actor, tx: Any, link_id: str) -> tuple[Record, Record]:
        """The document and one link of its current version, once ``a`` may see the document
        and edit its links (the review lock is taken or refreshed)."""
        rec = tx.get()
        self._visible(a, rec)
        link = tx.link(link_id)
        if link is None or link["version"] != rec["current_version"]:
            raise NotFound("no such link on the current version")
        self._require_edit(a, tx, rec)
        return rec, link

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
            rec, link = self._editable_link(a, tx, link_id)
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
        self._audit_link(
            a,
            rec,
            link,
            "link_decide",
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
            _link_event(
                a,
                rec,
                current[i],
                "link_confirm_bulk",
                before={"state": current[i]["state"]},
                after={"state": "confirmed", "link_id": i},
                detail=f"{len(changes)} confirmed at once",
            )
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
            rec, link = self._editable_link(a, tx, link_id)
            before = {"note": link.get("note", "")}
            tx.update_link(link_id, {"note": note.strip()})
            link["note"] = note.strip()
        self._audit_link(
            a,
            rec,
            link,
            "link_note",
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
        self._audit_link(
            a,
            rec,
            link,
            "link_add",
            after={"state": "added", "note": note.strip(), "link_id": link["id"]},
        )
        return _link_view(link)

    def remove_link(self, actor: Actor, document_id: str, link_id: str) -> None:
        """Remove a link added by hand. Suggestions are rejected instead, so the audit keeps them."""
        a = self._current(actor)
        with self.repo.document(document_id, write=True) as tx:
            rec, link = self._editable_link(a, tx, link_id)
            if link["state"] != "added":
                raise ValidationFailed(
                    "only links added by hand can be removed; reject a suggestion instead"
                )
            tx.remove_link(link_id)
        self._learn(document_id, [link], "removed")
        self._audit_link(
            a,
            rec,
            link,
            "link_remove",
            before={"state": "added", "note": link.get("note", ""), "link_id": link_id},
        )

    def _audit_link(self, a: Actor, rec: Record, link: Record, action: str, **fields: Any) -> None:
        """Record a change to ``link`` in the audit trail (see :func:`_link_event`)."""
        self._audit_many([_link_event(a, rec, link, action, **fields)])

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


def _link_event(a: Actor, rec: Record, link: Record, action: str, **fields: Any) -> Record:
    """An audit event about a change to ``link``: who, its document, agency and version, and
    the pair it links (``section id|competency``)."""
    return {
        "actor": a.username,
        "action": action,
        "document_id": rec["id"],
        "agency_id": rec["agency_id"],
        "version": int(link["version"]),
        "target": f"{link['section_id']}|{link['competency']}",
        **fields,
    }
