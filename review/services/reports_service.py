"""Report files, delivered after the download check.

Part of :class:`review.services.core.ReviewService` (mixed in); each call takes the acting user
and checks permission itself.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from review import workflow
from review.auth import Actor
from review.coverage import compute_coverage
from review.errors import PermissionDenied, ValidationFailed
from review.models import Evidence, HistoryEntry, ParsedDocument, ReportContext, ReportLink
from review.storage import Record


class ReportsMixin:
    """Report files, delivered after the download check."""

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
