"""Report contexts that do not come from the store: a one-off analysis of a file (CLI ``analyze``).

The store-backed context is built by ``ReviewService.report_context``; this module only turns a
parse plus the suggester's output into the same :class:`~review.models.ReportContext`, flagged
``reviewed=False`` so both reports label every link "suggested, not reviewed".
"""

from __future__ import annotations

from datetime import UTC, datetime
from hashlib import sha256
from pathlib import PurePath

from review.framework import Framework, Item
from review.models import CoverageRow, ParsedDocument, ReportContext, ReportLink, Suggestion

GENERIC_RECOMMENDATION = (
    "Add written policy or procedure that addresses this competency: say who is responsible, "
    "what staff do, and how staff are trained."
)


def recommendation_for(item: Item) -> str:
    """The framework's own recommendation for a gap, or a generic one built from the statement."""
    return item.recommendation or GENERIC_RECOMMENDATION


def suggested_coverage(
    framework: Framework, required: tuple[Item, ...], links: list[ReportLink]
) -> list[CoverageRow]:
    """Coverage of ``required`` from suggested links: a competency with a suggestion is "met"
    (the reports label it suggested); a parent with no suggestion of its own is "met" when every
    required sub-skill is and "partial" when some are; anything else is "not addressed".

    Sections are listed best score first so the matrix cites the strongest evidence.
    """
    by_competency: dict[str, list[ReportLink]] = {}
    for link in links:
        if link.state in ("suggested", "confirmed", "added"):
            by_competency.setdefault(link.competency, []).append(link)
    required_ids = {it.id for it in required}
    children: dict[str, list[str]] = {}
    for it in required:
        if it.parent and it.parent in required_ids:
            children.setdefault(it.parent, []).append(it.id)

    rows: list[CoverageRow] = []
    for it in required:
        own = sorted(by_competency.get(it.id, []), key=lambda lk: -(lk.score or 0.0))
        kids = children.get(it.id, [])
        covered_kids = [k for k in kids if by_competency.get(k)]
        if own or (kids and len(covered_kids) == len(kids)):
            status = "met"
        elif covered_kids:
            status = "partial"
        else:
            status = "not_addressed"
        gap = status != "met"
        rows.append(
            CoverageRow(
                competency=it.id,
                label=it.label,
                statement=it.statement,
                status=status,
                sections=tuple(dict.fromkeys(lk.section_id for lk in own)),
                justification=(
                    f"Sub-skills suggested: {', '.join(covered_kids)}"
                    if covered_kids and not own
                    else ""
                ),
                recommendation=recommendation_for(it) if gap else "",
                training=it.training if gap else (),
            )
        )
    return rows


def analysis_context(
    parsed: ParsedDocument,
    suggestions: list[list[Suggestion]],
    framework: Framework,
    original: bytes | None,
    tier: str = "all",
    agency_name: str = "",
    agency_kind: str | None = None,
) -> ReportContext:
    """A context for reports of an unreviewed file: every suggestion becomes a ``suggested`` link,
    coverage is derived from them (:func:`suggested_coverage`), ``reviewed`` is False.

    ``agency_kind`` decides the required competencies when given; otherwise ``tier`` does
    ("core" reads as a general agency, "all" as a specialised one).
    """
    if len(suggestions) != len(parsed.sections):
        raise ValueError(f"{len(suggestions)} suggestion lists for {len(parsed.sections)} sections")
    kind = agency_kind or ("general" if tier == "core" else "specialised")
    required = (
        framework.required_items(agency_kind)
        if agency_kind
        else framework.items_for_tier_option(tier)
    )
    links = [
        ReportLink(
            section_id=section.id,
            competency=s.competency,
            state="suggested",
            score=s.score,
            evidence=s.evidence,
        )
        for section, group in zip(parsed.sections, suggestions, strict=True)
        for s in group
    ]
    now = datetime.now(UTC).isoformat(timespec="seconds")
    digest = sha256(original).hexdigest()[:12] if original else ""
    return ReportContext(
        agency_name=agency_name,
        agency_kind=kind,
        document_id=digest,
        document_title=parsed.title or PurePath(parsed.filename).stem,
        version_number=1,
        original_filename=parsed.filename,
        framework_id=framework.id,
        framework_title=framework.title,
        framework_version=framework.version,
        state="draft",
        reviewer="",
        created_at=now,
        updated_at=now,
        sections=list(parsed.sections),
        links=links,
        coverage=suggested_coverage(framework, required, links),
        history=[],
        original=original,
        reviewed=False,
        extra={"tier": tier},
    )
