"""Uploads, new versions and reading documents.

Part of :class:`review.services.core.ReviewService` (mixed in); each call takes the acting user
and checks permission itself.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

from review import workflow
from review.auth import Actor
from review.config import UploadLimits
from review.errors import PermissionDenied
from review.framework import Item
from review.models import HistoryEntry, ParsedDocument, Section, Suggestion
from review.parsing.upload import too_complex
from review.services.base import (
    _EDIT_REFUSALS,
    _UPLOAD_REFUSALS,
    _UPLOADER_REFUSAL,
    _check_time,
    _display_filename,
    _link_view,
    _version_info,
    _when,
    _word_copy,
)
from review.services.logic import carry_assessments, carry_over, new_id, suggestion_links
from review.services.views import (
    DocumentSummary,
    DocumentView,
    LinkView,
    LockInfo,
    NearMissView,
    TransitionOption,
    UploadResult,
)
from review.storage import Record, summary_of


class DocumentsMixin:
    """Uploads, new versions and reading documents."""

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
        suggester = self._suggester(fw)
        near: dict = {}
        if hasattr(suggester, "analyze"):
            suggestions, near = suggester.analyze(list(parsed.sections), items=item_ids)
        else:  # a suggester without near misses (a test double)
            suggestions = suggester.suggest(list(parsed.sections), items=item_ids)
        _check_time(started, limits, filename)
        n_suggestions = sum(len(s) for s in suggestions)
        if n_suggestions > limits.max_suggestions:
            raise too_complex(
                _display_filename(filename),
                f"{n_suggestions:,} suggestions",
                limits.max_suggestions,
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
            # per competency, the best sections it was not suggested for: "where to look"
            "near_misses": {c: [m.to_dict() for m in ms] for c, ms in near.items()},
        }
        if word_copy:
            version["word_copy"] = word_copy
        if document_id is None:
            result = self._create_document(a, agency, parsed, suggestions, version, title)
        else:
            result = self._add_version(a, document_id, parsed, suggestions, version, title)
        if removed or parsed.left_out:
            result = dataclasses.replace(result, removed=removed, left_out=parsed.left_out)
        return result

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

    def near_misses(self, actor: Actor, document_id: str) -> dict[str, list[NearMissView]]:
        """For each required competency no section addresses and no suggestion waits for, the
        best sections of the current version the engine did not suggest for it (at most three,
        best first; a section that already has a link for it is left out): where a reviewer
        looks first.
        Reviewers and admins only: it is the engine's working, not a decision."""
        a = self._current(actor)
        if a.role not in ("reviewer", "admin"):
            raise PermissionDenied("only reviewers see where the engine would look next")
        with self.repo.document(document_id) as tx:
            rec = tx.get()
            self._visible(a, rec)
            number = int(rec["current_version"])
            v = tx.version(number)
            rows = tx.links(number)
            # the coverage from the same read (a reviewer or an admin: nothing withheld)
            coverage, _, _ = self._coverage_rows(tx, rec, self._agency(rec["agency_id"]), False)
        linked = {(r["section_id"], r["competency"]) for r in rows}
        pending = {r["competency"] for r in rows if r["state"] == "suggested"}
        gaps = {row.competency for row in coverage if row.status == "not_addressed"}
        titles = {  # as the reviewer sees them: with the Word number of the heading
            s.id: s.shown_title or "(untitled section)"
            for s in ParsedDocument.from_dict(v["parsed"]).sections
        }
        out: dict[str, list[NearMissView]] = {}
        for comp, misses in (v.get("near_misses") or {}).items():
            if comp not in gaps or comp in pending:  # a suggestion still waits for a decision
                continue
            views = [
                NearMissView(
                    str(m["section_id"]),
                    titles[str(m["section_id"])],
                    float(m["score"]),
                    str(m.get("sentence") or ""),
                )
                for m in misses
                if str(m.get("section_id")) in titles and (str(m["section_id"]), comp) not in linked
            ]
            if views:
                out[comp] = views
        return out

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
