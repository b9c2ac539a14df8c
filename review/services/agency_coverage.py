"""Agency coverage: which required competencies an agency's whole policy set shows, and where.

An agency rarely meets every competency in one document: Competency 5 is usually in the HR
handbook, Advanced Competency 10 in the shelter security policy. This service combines, per
agency, every document's *counted version*:

* an **approved** document counts with its current version;
* a document approved earlier and being revised since (a new version uploaded, or changes
  requested after a reopen) counts with the version that was approved — the latest version
  uploaded before the last approval;
* a document **in review** counts too, marked *in review* (provisional), when the acting user may
  see its review (reviewers and admins; an agency user only once reviews are finished, as for
  its reports);
* drafts, submissions and change requests without an earlier approval are listed, not counted.

Each required competency takes the best status any counted document gives it — met, then not
applicable (a reviewer's justified judgment applies to the agency), then partial, then not
addressed — and lists the documents (and sections) that meet it. A status that rests only on
in-review documents is *provisional*.

Every call takes the acting user and checks permission like the other services: an agency user
sees their own agency only (any other is ``NotFound``); reviewers and admins see any agency.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from review import workflow
from review.coverage import compute_coverage, recommendation_for
from review.errors import DocumentDamaged, FrameworkError, NotFound, PermissionDenied, StoreError
from review.framework import Framework
from review.models import CoverageRow, ParsedDocument

if TYPE_CHECKING:
    from review.auth import Actor
    from review.services.core import ReviewService

#: how a document's version counts
APPROVED, IN_REVIEW, NOT_COUNTED = "approved", "in review", "not counted"
#: best first (see the module docstring)
STATUS_RANK = ("met", "not_applicable", "partial", "not_addressed")


@dataclass(frozen=True)
class CoveredIn:
    """One document's say on one competency."""

    document_id: str
    title: str
    version: int
    basis: str  # approved | in review
    status: str
    sections: tuple[str, ...] = ()  # section names that evidence it
    note: str = ""


@dataclass(frozen=True)
class AgencyDocument:
    document_id: str
    title: str
    state: str
    version: int | None  # the counted version; None when not counted
    basis: str  # approved | in review | not counted
    reason: str = ""  # why not counted, or which version and why


@dataclass(frozen=True)
class AgencyCoverageRow:
    competency: str
    name: str  # "C5 – Employment policies and vicarious trauma"
    statement: str
    status: str
    provisional: bool  # the status rests on in-review documents only
    met_in: tuple[CoveredIn, ...] = ()
    partial_in: tuple[CoveredIn, ...] = ()
    not_applicable_in: tuple[CoveredIn, ...] = ()
    recommendation: str = ""

    @property
    def gap(self) -> bool:
        return self.status in ("not_addressed", "partial")


@dataclass(frozen=True)
class AgencyCoverage:
    agency_id: str
    agency_name: str
    agency_kind: str
    framework_id: str
    framework_title: str
    framework_version: str
    documents: tuple[AgencyDocument, ...]
    rows: tuple[AgencyCoverageRow, ...]
    generated_at: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def counted(self) -> tuple[AgencyDocument, ...]:
        return tuple(d for d in self.documents if d.basis != NOT_COUNTED)


def _approved_version(rec: dict[str, Any], versions: list[dict[str, Any]], history) -> int | None:
    """The version an earlier approval covers: the latest uploaded before the last approval that
    no reopen undid since (None when there is none)."""
    approved_at = None
    for h in history:
        if h.get("action") == "approve":
            approved_at = h.get("time")
        elif h.get("action") == "reopen":
            approved_at = None
    if not approved_at:
        return None
    before = [v for v in versions if (v.get("uploaded_at") or "") <= approved_at]
    return max((int(v["number"]) for v in before), default=None)


def _counted_version(
    a: Actor, rec: dict[str, Any], versions: list[dict[str, Any]], history
) -> tuple[int | None, str, str]:
    """(version, basis, reason) of one document for this actor."""
    state = rec["state"]
    current = int(rec["current_version"])
    if state == "approved":
        return current, APPROVED, f"version {current}, approved"
    earlier = _approved_version(rec, versions, history)
    if state == "in_review":
        if workflow.permits(state, "download_reports", a.role):
            return current, IN_REVIEW, f"version {current}, review in progress"
        if earlier is not None:
            return earlier, APPROVED, f"version {earlier}, approved (version {current} in review)"
        return None, NOT_COUNTED, "in review: counted once the review is finished"
    if earlier is not None:
        return earlier, APPROVED, f"version {earlier}, approved (a newer version is not yet)"
    reasons = {
        "draft": "draft: not submitted for review",
        "submitted": "submitted: waiting for a reviewer",
        "changes_requested": "changes requested: waiting for a revised version",
    }
    return None, NOT_COUNTED, reasons.get(state, "not reviewed")


@dataclass
class _DocCoverage:
    doc: AgencyDocument
    rows: list[CoverageRow]
    section_names: dict[str, str]


def _section_names(parsed: dict[str, Any]) -> dict[str, str]:
    out = {}
    for s in ParsedDocument.from_dict(parsed).sections:
        name = " › ".join(p for p in s.shown_path if p) if s.path else s.shown_title
        out[s.id] = name or s.shown_title or "(untitled section)"
    return out


def _read_documents(
    svc: ReviewService, a: Actor, agency: dict[str, Any], exclude: str = ""
) -> list[_DocCoverage]:
    out = []
    summaries = svc.repo.summaries(lambda s: s["agency_id"] == agency["id"])
    for s in sorted(summaries, key=lambda s: ((s.get("title") or "").casefold(), s["id"])):
        if s["id"] == exclude:
            continue
        try:
            with svc.repo.document(s["id"]) as tx:
                rec = tx.get()
                versions = tx.versions()
                history = tx.history()
                number, basis, reason = _counted_version(a, rec, versions, history)
                rows: list[CoverageRow] = []
                names: dict[str, str] = {}
                if number is not None:
                    v = tx.version(number)
                    fw = svc.framework(v["framework_id"])
                    rows = compute_coverage(
                        fw,
                        fw.required_items(agency["kind"]),
                        tx.links(number),
                        tx.assessments(number),
                    )
                    names = _section_names(v["parsed"])
        except DocumentDamaged:  # quarantined: listed, not counted, so no gap hides behind it
            title = s.get("title") or s["id"]
            reason = (
                "its stored file is damaged; an administrator can re-check it under Store health"
            )
            bad = AgencyDocument(s["id"], title, s.get("state", ""), None, NOT_COUNTED, reason)
            out.append(_DocCoverage(bad, [], {}))
            continue
        except NotFound:  # deleted meanwhile: not part of the set
            continue
        except (StoreError, FrameworkError) as err:  # one damaged file never hides the others
            title = s.get("title") or s["id"]
            bad = AgencyDocument(s["id"], title, s.get("state", ""), None, NOT_COUNTED, str(err))
            out.append(_DocCoverage(bad, [], {}))
            continue
        out.append(
            _DocCoverage(
                AgencyDocument(
                    rec["id"], rec.get("title") or rec["id"], rec["state"], number, basis, reason
                ),
                rows,
                names,
            )
        )
    return out


def _combine(fw: Framework, kind: str, docs: Iterable[_DocCoverage]) -> list[AgencyCoverageRow]:
    docs = [d for d in docs if d.doc.basis != NOT_COUNTED]
    out = []
    for it in fw.required_items(kind):
        says: dict[str, list[CoveredIn]] = {s: [] for s in STATUS_RANK}
        for d in docs:
            row = next((r for r in d.rows if r.competency == it.id), None)
            if row is None:
                continue
            says.setdefault(row.status, []).append(
                CoveredIn(
                    d.doc.document_id,
                    d.doc.title,
                    int(d.doc.version or 0),
                    d.doc.basis,
                    row.status,
                    tuple(d.section_names.get(sid, "(a section)") for sid in row.sections),
                    row.justification,
                )
            )
        status = next((s for s in STATUS_RANK[:-1] if says[s]), "not_addressed")
        provisional = bool(says.get(status)) and all(c.basis == IN_REVIEW for c in says[status])
        out.append(
            AgencyCoverageRow(
                competency=it.id,
                name=it.short,
                statement=it.statement,
                status=status,
                provisional=provisional,
                met_in=tuple(says["met"]),
                partial_in=tuple(says["partial"]),
                not_applicable_in=tuple(says["not_applicable"]),
                recommendation=recommendation_for(it)
                if status in ("partial", "not_addressed")
                else "",
            )
        )
    return out


def _agency_for(svc: ReviewService, actor: Actor, agency_id: str | None) -> tuple[Actor, dict]:
    a = svc._current(actor)
    if a.role == "agency_user":
        if agency_id not in (None, a.agency_id):
            raise NotFound("no such agency")
        agency_id = a.agency_id
    if not agency_id:
        raise NotFound("no such agency")
    agency = svc.repo.agency(agency_id)
    if agency is None:
        raise NotFound("no such agency")
    return a, agency


def agency_coverage(
    svc: ReviewService, actor: Actor, agency_id: str | None = None
) -> AgencyCoverage:
    """The coverage of an agency's whole policy set (see the module docstring). An agency user's
    own agency when ``agency_id`` is None."""
    a, agency = _agency_for(svc, actor, agency_id)
    fw = svc.framework()
    docs = _read_documents(svc, a, agency)
    rows = _combine(fw, agency["kind"], docs)
    counts = {s: 0 for s in ("met", "partial", "not_addressed", "not_applicable")}
    for r in rows:
        counts[r.status] += 1
    return AgencyCoverage(
        agency_id=agency["id"],
        agency_name=agency["name"],
        agency_kind=agency["kind"],
        framework_id=fw.id,
        framework_title=fw.title,
        framework_version=fw.version,
        documents=tuple(d.doc for d in docs),
        rows=tuple(rows),
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        counts=counts,
    )


def covered_elsewhere(
    svc: ReviewService, actor: Actor, agency_id: str, document_id: str
) -> dict[str, list[dict[str, str]]]:
    """competency → the agency's *other* documents whose counted version meets it, for a
    single-document report ("met in another document: HR handbook (approved)")."""
    a, agency = _agency_for(svc, actor, agency_id)
    out: dict[str, list[dict[str, str]]] = {}
    for d in _read_documents(svc, a, agency, exclude=document_id):
        if d.doc.basis == NOT_COUNTED:
            continue
        for r in d.rows:
            if r.status == "met":
                out.setdefault(r.competency, []).append(
                    {"document_id": d.doc.document_id, "title": d.doc.title, "basis": d.doc.basis}
                )
    return out


def agency_coverage_report(
    svc: ReviewService, actor: Actor, agency_id: str | None = None, template=None
) -> bytes:
    """The agency coverage report (.docx) of :func:`agency_coverage`."""
    from review.reports.agency_report import agency_report

    cov = agency_coverage(svc, actor, agency_id)
    return agency_report(cov, svc.framework(cov.framework_id), template)


def agency_choices(svc: ReviewService, actor: Actor) -> list[tuple[str, str]]:
    """(id, name) of the agencies whose coverage the actor may see: their own for an agency
    user, every agency for reviewers and admins."""
    a = svc._current(actor)
    if a.role not in ("agency_user", "reviewer", "admin"):
        raise PermissionDenied("not allowed")
    return [(ag.id, ag.name) for ag in svc.list_agencies(a)]
