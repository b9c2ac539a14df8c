"""The agency coverage report: what an agency's whole policy set shows, competency by competency.

Built from :class:`review.services.agency_coverage.AgencyCoverage` on the review report's
template and writing helpers: summary with the figures, the documents and how each counts, the
coverage table (status, and which documents meet each competency), the gaps across the whole set
with the framework's recommendation, and how it was computed.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from docx.shared import Inches, Pt

from review.framework import Framework
from review.labels import agency_kind_label, agency_kind_name, state_label
from review.models import ReportContext
from review.reports._text import STATUS_LABELS, human_time, one_line, shorten, xml_safe
from review.reports.chart import chart_png
from review.reports.review_report import (
    _header_footer,
    _key_table,
    _open_template,
    _page_break,
    _plural,
    _Report,
    _Styles,
)

if TYPE_CHECKING:
    from review.services.agency_coverage import AgencyCoverage, CoveredIn

REPORT_NAME = "Agency coverage report"


def _where(found: tuple[CoveredIn, ...]) -> str:
    parts = []
    for c in found:
        basis = "" if c.basis == "approved" else f", {c.basis}"
        where = f": {shorten('; '.join(c.sections), 80)}" if c.sections else ""
        parts.append(f"{shorten(c.title, 60)} (v{c.version}{basis}){where}")
    return "\n".join(parts)


def agency_report(
    cov: AgencyCoverage, framework: Framework, template: Path | bytes | None = None
) -> bytes:
    doc = _open_template(template)
    styles = _Styles(doc)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    ctx = ReportContext(
        agency_name=cov.agency_name,
        agency_kind=cov.agency_kind,
        document_id="",
        document_title=REPORT_NAME,
        version_number=0,
        original_filename="",
        framework_id=cov.framework_id,
        framework_title=cov.framework_title,
        framework_version=cov.framework_version,
        state="",
        reviewer="",
        created_at=now,
        updated_at=now,
        sections=[],
        links=[],
        coverage=[],
        history=[],
    )
    r = _Report(doc=doc, styles=styles, ctx=ctx, framework=framework, sections={}, links={})
    _header_footer(doc, styles, ctx, document=REPORT_NAME, report=REPORT_NAME)

    counted = cov.counted
    n_app = sum(1 for d in counted if d.basis == "approved")
    n_rev = len(counted) - n_app
    c = cov.counts
    total = sum(c.values())
    r.para(REPORT_NAME, "Title")
    r.para(
        shorten(f"{cov.agency_name} · {agency_kind_name(cov.agency_kind)} agency", 200), "Subtitle"
    )
    r.heading("Summary")
    provisional = sum(1 for row in cov.rows if row.provisional)
    r.para(
        f"Across {_plural(len(counted), 'counted document')} ({n_app} approved, {n_rev} in review) "
        f"of {_plural(len(cov.documents), 'document')} on file, {c['met']} of {total} required "
        f"competencies are met, {c['partial']} partially met, {c['not_addressed']} not addressed "
        f"and {c['not_applicable']} not applicable."
        + (
            f" {_plural(provisional, 'status rests', 'statuses rest')} on documents still in "
            "review (marked provisional)."
            if provisional
            else ""
        )
    )
    table = r.table(
        ("Met", "Partially met", "Not addressed", "Not applicable", "Required"),
        (1.34, 1.34, 1.34, 1.34, 1.34),
    )
    r.row(table, [str(c[s]) for s in STATUS_LABELS] + [str(total)])
    picture = doc.add_paragraph()
    picture.paragraph_format.keep_with_next = True  # never part the chart from its caption
    picture.paragraph_format.space_before = Pt(10)
    inline = picture.add_run().add_picture(io.BytesIO(chart_png(c)), width=Inches(6.0))
    inline._inline.docPr.set(
        "descr",
        "Bar chart of required competencies by status across the policy set: "
        + ", ".join(f"{STATUS_LABELS[s]} {n}" for s, n in c.items()),
    )
    r.para(
        "Required competencies by status across the agency's counted documents.", "Figure Caption"
    )
    _key_table(
        r,
        [
            ("Agency kind", agency_kind_label(cov.agency_kind)),
            ("Framework", f"{cov.framework_title}, version {cov.framework_version}"),
            ("Generated", human_time(cov.generated_at or now)),
        ],
    )

    r.heading("Documents")
    if not cov.documents:
        r.para("The agency has no document on file.")
    else:
        table = r.table(("Document", "State", "Counted as"), (3.0, 1.3, 2.4))
        r.text_rows(
            table,
            ((d.title, state_label(d.state), d.reason or d.basis) for d in cov.documents),
        )

    _page_break(r)
    r.heading("Coverage across the policy set")
    table = r.table(("Competency", "Status", "Met in"), (2.8, 1.2, 2.7))
    for row in cov.rows:
        cells = r.row(table, (shorten(row.name, 90), None, None))
        r.status_run(r.cell_text(cells[1], ""), row.status)
        if row.provisional:
            r.cell_text(cells[1], "provisional (in review)", "Compact Text", first=False)
        found = row.met_in or row.not_applicable_in or row.partial_in
        r.cell_text(cells[2], _where(found) if found else "No document.", "Compact Text")

    r.heading("Gaps across the policy set")
    gaps = [row for row in cov.rows if row.gap]
    if not gaps:
        r.para("None: every required competency is met or not applicable somewhere in the set.")
    else:
        table = r.table(("Competency", "Status", "Recommendation"), (2.2, 1.1, 3.4))
        for row in gaps:
            cells = r.row(table, (shorten(row.name, 90), None, xml_safe(row.recommendation)))
            r.status_run(r.cell_text(cells[1], ""), row.status)
            if row.partial_in:
                r.cell_text(
                    cells[1],
                    "in " + "; ".join(shorten(p.title, 40) for p in row.partial_in),
                    "Compact Text",
                    first=False,
                )
    r.heading("Method and limitations")
    for text in (
        "Each document counts with its approved version; a document in review counts as "
        "provisional; drafts, submissions and change requests without an earlier approval are "
        "listed but not counted.",
        "A competency takes the best status any counted document gives it: met, then not "
        "applicable (a reviewer's justified judgment), then partially met, then not addressed.",
        "The review of each document judges its written text against the framework's "
        "statements; it does not observe practice.",
    ):
        r.para(f"• {text}")
    props = doc.core_properties
    props.title = shorten(f"{REPORT_NAME} – {one_line(cov.agency_name)}", 250)
    props.author = "Competency Review"
    props.created = props.modified = datetime.now(UTC).replace(tzinfo=None)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
