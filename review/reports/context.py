"""Report contexts that do not come from the store: a one-off analysis of a file (CLI ``analyze``).

The store-backed context is built by ``ReviewService.report_context``; this module only turns a
parse plus the suggester's output into the same :class:`~review.models.ReportContext`, flagged
``reviewed=False`` so both reports label every link "suggested, not reviewed".
"""

from __future__ import annotations

from datetime import UTC, datetime
from hashlib import sha256
from pathlib import PurePath

from review.coverage import CITING_UNREVIEWED, compute_coverage
from review.framework import Framework, Item
from review.models import CoverageRow, ParsedDocument, ReportContext, ReportLink, Suggestion


def suggested_coverage(
    framework: Framework, required: tuple[Item, ...], links: list[ReportLink]
) -> list[CoverageRow]:
    """Coverage of ``required`` from suggested links, by the same rule as a review
    (:func:`review.coverage.compute_coverage`) with suggestions counting as citations; the
    reports label every status "suggested". Sections are cited best score first."""
    ranked = sorted(links, key=lambda lk: -(lk.score or 0.0))
    return compute_coverage(
        framework,
        required,
        (
            {"state": lk.state, "competency": lk.competency, "section_id": lk.section_id}
            for lk in ranked
        ),
        citing=CITING_UNREVIEWED,
    )


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
            sentences=s.sentences,
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
