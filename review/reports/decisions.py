"""One view of a review's decisions, read by the review report *and* the annotated copy.

Both documents are built from :func:`decisions_of`, so they cannot disagree: a competency that
only an undecided suggestion points at is "not addressed" in both, and both name that suggestion
as undecided (it does not count until a reviewer confirms it). In an unreviewed analysis every
suggestion counts, labeled "suggested, not reviewed".

It also holds the rules of the report's findings:

* **Severity** (:func:`severity`): a Core Competency (1–6) not addressed is *high*; a core
  sub-skill (6.i–6.xi) or an Advanced Competency not addressed, or a Core Competency only partly
  met, is *medium*; any other partly met item is *low*.
* **Remediation**: the reviewer's own text when given (an edited remediation, else the note of a
  "partial" assessment), otherwise the framework's recommendation.
* **Where**: the section an undecided suggestion points at, else a section that evidences the
  item's parent or a sibling skill, else none ("add a section").
* **Decision**: from the document's state and the latest approve / request-changes history
  entry, whose comment is the reviewer's conclusion; approving with findings open reads
  "Approved with N open findings".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from review.coverage import recommendation_for
from review.framework import Framework, Item
from review.labels import PRODUCT_NAME
from review.models import CoverageRow, HistoryEntry, ReportContext, ReportLink, Section
from review.reports._text import one_line, shorten

SEVERITY_ORDER = ("high", "medium", "low")
DERIVED_NOTE_PREFIX = "From its sub-skills:"
#: author of everything the engine (not a person) wrote
PRODUCT_AUTHOR = PRODUCT_NAME
CITING_REVIEWED = ("confirmed", "added")


@dataclass(frozen=True)
class Decision:
    """What was decided, by whom and when, in the reviewer's own words."""

    code: str  # approved | approved_open | changes_requested | pending | not_reviewed
    label: str  # "Approved with 3 open findings"
    by: str = ""
    when: str = ""
    conclusion: str = ""  # the comment of the deciding history entry
    open_findings: int = 0


@dataclass(frozen=True)
class Finding:
    number: int  # 1.. in report order (severity, then framework order)
    competency: str
    name: str  # "C5 – Employment policies and vicarious trauma"
    status: str  # not_addressed | partial
    severity: str  # high | medium | low
    statement: str
    cited: tuple[str, ...]  # sections that partly evidence it
    where: str | None  # the section where the addition belongs, when one is related
    where_why: str  # "an undecided suggestion points here", ...
    remediation: str
    remediation_by: str  # "reviewer" | "framework"
    training: tuple[str, ...]
    undecided: tuple[ReportLink, ...] = ()
    recommendation: str = ""  # the framework's, whatever the reviewer wrote
    where_name: str = ""  # the section's name ("Chapter 2 › Training")

    @property
    def ref(self) -> str:
        return f"F{self.number}"


@dataclass
class Decisions:
    """Everything both reports say about the review, computed once."""

    ctx: ReportContext
    rows: list[CoverageRow]  # every required item, framework order
    findings: list[Finding]
    decision: Decision
    counts: dict[str, int]
    #: per section: links that count (confirmed/added; all suggestions when unreviewed)
    counted: dict[str, list[ReportLink]] = field(default_factory=dict)
    #: per section: undecided suggestions of a reviewed document (they do not count)
    undecided: dict[str, list[ReportLink]] = field(default_factory=dict)
    rejected: list[ReportLink] = field(default_factory=list)
    items: dict[str, Item] = field(default_factory=dict)
    framework: Framework | None = None

    @property
    def reviewed(self) -> bool:
        return self.ctx.reviewed

    def name(self, competency: str) -> str:
        it = self.items.get(competency)
        return f"{competency} – {it.title}" if it and it.title else competency

    def undecided_for(self, competency: str) -> list[ReportLink]:
        """Undecided suggestions of a reviewed document that point at ``competency``, best
        score first."""
        found = [
            lk for group in self.undecided.values() for lk in group if lk.competency == competency
        ]
        return sorted(found, key=lambda lk: -(lk.score or 0.0))

    def undecided_count(self) -> int:
        return sum(len(v) for v in self.undecided.values())


def reviewer_note(row: CoverageRow) -> str:
    """The reviewer's own note on a coverage row ("" when the text was derived by the engine)."""
    note = one_line(row.justification)
    if not note or row.note_from == "sub-skills":
        return ""
    if not row.note_from and note.startswith(DERIVED_NOTE_PREFIX):
        return ""
    return note


def severity(item: Item | None, status: str) -> str:
    """The rule in the module docstring."""
    core_top = item is not None and item.tier == "core" and not item.parent
    if status == "not_addressed":
        return "high" if core_top else "medium"
    return "medium" if core_top else "low"


def _ordered_rows(ctx: ReportContext, framework: Framework) -> list[CoverageRow]:
    """The context's coverage in framework order, completed with any required competency it lacks
    (shown "not addressed": nobody recorded it as met)."""
    rows = {r.competency: r for r in ctx.coverage}
    try:
        required = framework.required_items(ctx.agency_kind)
    except ValueError:
        required = ()
    for it in required:
        if it.id not in rows:
            rows[it.id] = CoverageRow(
                competency=it.id,
                label=it.label,
                statement=it.statement,
                status="not_addressed",
                justification="No decision was recorded for this competency.",
                recommendation=recommendation_for(it),
                training=it.training,
                note_from="sub-skills",
            )
    order = {it.id: i for i, it in enumerate(framework.items)}
    return sorted(rows.values(), key=lambda r: (order.get(r.competency, len(order)), r.competency))


def decision_of(ctx: ReportContext, open_findings: int) -> Decision:
    last: HistoryEntry | None = next(
        (h for h in reversed(ctx.history) if h.action in ("approve", "request_changes")),
        None,
    )
    if last is None:  # older stores: the entry that moved the document to its decided state
        last = next(
            (h for h in reversed(ctx.history) if h.to_state in ("approved", "changes_requested")),
            None,
        )
    conclusion = (last.comment or "").strip() if last else ""
    if not ctx.reviewed:
        return Decision("not_reviewed", "Not reviewed: machine suggestions only")
    if ctx.state == "approved":
        by = ctx.approver or (last.actor if last else "")
        when = ctx.approved_at or (last.time if last else "")
        if open_findings:
            s = "s" if open_findings != 1 else ""
            return Decision(
                "approved_open",
                f"Approved with {open_findings} open finding{s}",
                by,
                when,
                conclusion,
                open_findings,
            )
        return Decision("approved", "Approved", by, when, conclusion, 0)
    if ctx.state == "changes_requested":
        return Decision(
            "changes_requested",
            "Changes requested",
            last.actor if last else ctx.reviewer,
            last.time if last else "",
            conclusion,
            open_findings,
        )
    return Decision("pending", "Review in progress: no decision yet", open_findings=open_findings)


def _where(
    it: Item | None,
    row: CoverageRow,
    undecided: list[ReportLink],
    cited_by: dict[str, tuple[str, ...]],
    items: dict[str, Item],
    sections: dict[str, Section],
) -> tuple[str | None, str]:
    if row.sections:
        return row.sections[0], "the section that partly addresses it"
    for lk in undecided:
        if lk.section_id in sections:
            return lk.section_id, "an undecided suggestion points here"
    if it is not None:
        related = []
        if it.parent:
            related.append(it.parent)
            related += [x.id for x in items.values() if x.parent == it.parent and x.id != it.id]
        else:
            related += [x.id for x in items.values() if x.parent == it.id]
        for rid in related:
            for sid in cited_by.get(rid, ()):
                if sid in sections:
                    return sid, f"it covers the related {items[rid].label}"
    return None, ""


def decisions_of(
    ctx: ReportContext, framework: Framework, remediations: dict[str, str] | None = None
) -> Decisions:
    """The one view of ``ctx``'s decisions (see the module docstring). ``remediations`` (or
    ``ctx.extra["remediations"]``) maps a competency to the reviewer's edited remediation."""
    items = {it.id: it for it in framework.items}
    edited = dict(ctx.extra.get("remediations") or {})
    edited.update(remediations or {})
    rows = _ordered_rows(ctx, framework)
    sections = {s.id: s for s in ctx.sections}
    counted: dict[str, list[ReportLink]] = {}
    undecided: dict[str, list[ReportLink]] = {}
    undecided_by_item: dict[str, list[ReportLink]] = {}
    rejected: list[ReportLink] = []
    for lk in _unique(ctx.links):
        if lk.state == "rejected":
            rejected.append(lk)
        elif lk.state in CITING_REVIEWED or not ctx.reviewed:
            counted.setdefault(lk.section_id, []).append(lk)
        elif lk.state == "suggested":
            undecided.setdefault(lk.section_id, []).append(lk)
            undecided_by_item.setdefault(lk.competency, []).append(lk)
    for group in undecided_by_item.values():
        group.sort(key=lambda lk: -(lk.score or 0.0))
    cited_by = {r.competency: r.sections for r in rows if r.sections}
    counts = {s: 0 for s in ("met", "partial", "not_addressed", "not_applicable")}
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    order = {it.id: i for i, it in enumerate(framework.items)}
    gaps = [r for r in rows if r.status in ("not_addressed", "partial")]
    gaps.sort(
        key=lambda r: (
            SEVERITY_ORDER.index(severity(items.get(r.competency), r.status)),
            order.get(r.competency, len(order)),
        )
    )
    findings = []
    for n, r in enumerate(gaps, start=1):
        it = items.get(r.competency)
        pending = undecided_by_item.get(r.competency, [])
        where, why = _where(it, r, pending, cited_by, items, sections)
        own = one_line(edited.get(r.competency, "")) or (
            reviewer_note(r) if r.status == "partial" else ""
        )
        default = one_line(r.recommendation) or (recommendation_for(it) if it else "")
        rec = own or default
        findings.append(
            Finding(
                number=n,
                competency=r.competency,
                name=f"{r.competency} – {it.title}" if it and it.title else r.competency,
                status=r.status,
                severity=severity(it, r.status),
                statement=r.statement,
                cited=r.sections,
                where=where,
                where_why=why,
                remediation=rec,
                remediation_by="reviewer" if own else "framework",
                training=tuple(r.training) or (it.training if it else ()),
                undecided=tuple(pending),
                recommendation=default,
                where_name=section_name(sections, where) if where else "",
            )
        )
    return Decisions(
        ctx=ctx,
        rows=rows,
        findings=findings,
        decision=decision_of(ctx, len(findings)),
        counts=counts,
        counted=counted,
        undecided=undecided,
        rejected=rejected,
        items=items,
        framework=framework,
    )


def _unique(links: Iterable[ReportLink]) -> list[ReportLink]:
    """One link per (section, competency): a decided one wins over a suggestion."""
    rank = {"confirmed": 3, "added": 3, "rejected": 2, "suggested": 1}
    best: dict[tuple[str, str], ReportLink] = {}
    for lk in links:
        key = (lk.section_id, lk.competency)
        if key not in best or rank.get(lk.state, 0) > rank.get(best[key].state, 0):
            best[key] = lk
    return list(best.values())


def section_name(sections: dict[str, Section], section_id: str | None, limit: int = 140) -> str:
    """ "Chapter 2 › Training" for a section id; a placeholder when it is gone."""
    if section_id is None:
        return ""
    s = sections.get(section_id)
    if s is None:
        return "(a section of an earlier version)"
    # as Word shows the titles: with their automatic numbers ("4 Scope › 4.2 Confidentiality")
    name = " › ".join(p for p in s.shown_path if p) if s.path else s.shown_title
    return shorten(name or s.shown_title or "(untitled section)", limit)
