"""The review report: a .docx written with python-docx on the styles of ``templates/``.

Sections: cover, summary (figures and chart), coverage matrix, gaps, reviewer notes, rejected
suggestions, review history, sign-off; header and footer name the agency and document and number
the pages. Every style is looked up by name with a fallback, so an agency's own template that lacks
one of ours still works (it just looks plainer).
"""

from __future__ import annotations

import copy
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Inches, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from review.config import TEMPLATES_DIR
from review.coverage import recommendation_for
from review.framework import Framework, Item
from review.models import CoverageRow, ReportContext, ReportLink, Section
from review.reports._text import (
    AGENCY_KIND_LABELS,
    STATUS_LABELS,
    STATUS_STYLES,
    SUGGESTED_LABEL,
    human_date,
    human_time,
    one_line,
    shorten,
    state_label,
    status_label,
    xml_safe,
)
from review.reports.chart import chart_png, status_counts

DEFAULT_TEMPLATE = TEMPLATES_DIR / "review-report.docx"
MAX_CITED_SECTIONS = 5  # per matrix row; the rest are counted ("+ 12 more sections")
QUOTE_CHARS = 180
ROW_SPLIT_CHARS = 1200  # rows with more text than this may break across pages

#: fallbacks for each style the report uses, for agency templates that lack ours
_PARAGRAPH_FALLBACKS = {
    "Report Label": ("Normal",),
    "Report Value": ("Normal",),
    "Table Text": ("Normal",),
    "Table Heading": ("Table Text", "Normal"),
    "Evidence Quote": ("Quote", "Table Text", "Normal"),
    "Figure Caption": ("Caption", "Normal"),
    "Banner": ("Intense Quote", "Normal"),
    "Sign-off Line": ("Normal",),
    "Subtitle": ("Normal",),
    "Title": ("Heading 1", "Normal"),
}
_TOKEN = re.compile(r"\{(agency|document|page|pages)\}")


class _Styles:
    """Style ids by name, looked up once, with fallbacks (python-docx raises on a missing name).

    Styles are applied by id on the XML: assigning style *objects* through python-docx scans
    every style of the document on each call, which dominated a report with thousands of rows.
    """

    def __init__(self, doc: DocxDocument) -> None:
        self._by_name = {s.name: (s.type, s.style_id) for s in doc.styles}

    def _find(self, names: Iterable[str], kind) -> str | None:
        for candidate in names:
            found = self._by_name.get(candidate)
            if found is not None and found[0] == kind:
                return found[1]
        return None

    def paragraph(self, name: str) -> str | None:
        return self._find(
            (name, *_PARAGRAPH_FALLBACKS.get(name, ("Normal",))), WD_STYLE_TYPE.PARAGRAPH
        )

    def character(self, name: str) -> str | None:
        return self._find((name,), WD_STYLE_TYPE.CHARACTER)

    def table(self) -> str | None:
        return self._find(("Review Table", "Table Grid"), WD_STYLE_TYPE.TABLE)


def _cells(table: Table, tr) -> list[_Cell]:
    """The cells of a row without python-docx's ``row.cells``, which lays out the whole table's
    grid on every call (quadratic over a table of thousands of rows). No cell here is merged."""
    return [_Cell(tc, table) for tc in tr.tc_lst]


@dataclass
class _Report:
    """The document being written plus the lookups every part of the report needs."""

    doc: DocxDocument
    styles: _Styles
    ctx: ReportContext
    framework: Framework
    sections: dict[str, Section]
    links: dict[tuple[str, str], ReportLink]
    items: dict[str, Item] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.items:
            self.items = {it.id: it for it in self.framework.items}

    # ------------------------------------------------------------------ writing helpers

    def para(self, text: str = "", style: str = "Normal", *, bold: bool = False) -> Paragraph:
        p = self.doc.add_paragraph()
        p._p.style = self.styles.paragraph(style)
        if text:
            p.add_run(xml_safe(text)).bold = bold or None
        return p

    def heading(self, text: str, level: int = 1) -> Paragraph:
        return self.para(text, f"Heading {level}")

    def table(self, headers: Sequence[str], widths: Sequence[float]) -> Table:
        """A table in the report's table style with a header row repeated on each page."""
        table = self.doc.add_table(rows=1, cols=len(headers))
        table._tbl.tblStyle_val = self.styles.table()
        table.autofit = False
        for col, width in zip(table.columns, widths, strict=True):
            col.width = Inches(width)
        row = table.rows[0]
        trPr = row._tr.get_or_add_trPr()
        trPr.append(OxmlElement("w:cantSplit"))
        trPr.append(OxmlElement("w:tblHeader"))
        for cell, text, width in zip(_cells(table, row._tr), headers, widths, strict=True):
            cell.width = Inches(width)
            self.cell_text(cell, text, "Table Heading")
        return table

    def row(self, table: Table, cells: Sequence[str | None] = ()) -> list[_Cell]:
        """Append a row; string cells are filled in "Table Text", None leaves the cell empty."""
        row = table.add_row()
        out = _cells(table, row._tr)
        for cell, text in zip(out, cells, strict=False):
            if text is not None:
                self.cell_text(cell, text)
        if sum(len(t or "") for t in cells) < ROW_SPLIT_CHARS:
            row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        return out

    def cell_text(
        self,
        cell: _Cell,
        text: str,
        style: str = "Table Text",
        *,
        bold: bool = False,
        first: bool = True,
    ) -> Paragraph:
        """Write into the cell's first (empty) paragraph, or a new one when ``first`` is False."""
        p = cell.paragraphs[0] if first else cell.add_paragraph()
        p._p.style = self.styles.paragraph(style)
        if text:
            p.add_run(xml_safe(text)).bold = bold or None
        return p

    def text_rows(self, table: Table, rows: Iterable[Sequence[str]]) -> int:
        """Append plain-text rows in "Table Text" in one XML parse.

        Same markup python-docx writes cell by cell (width, style, ``w:br`` for line breaks), but
        building it as text and parsing once is many times faster for the thousands of rows a
        large document's rejected suggestions can fill. Returns the number of rows added.
        """
        widths = [gc.get(qn("w:w")) for gc in table._tbl.tblGrid.iterchildren(qn("w:gridCol"))]
        style = self.styles.paragraph("Table Text")
        ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
        out: list[str] = []
        for cells in rows:
            keep = (
                "<w:trPr><w:cantSplit/></w:trPr>" if sum(map(len, cells)) < ROW_SPLIT_CHARS else ""
            )
            tcs = []
            for text, width in zip(cells, widths, strict=False):
                runs = "<w:br/>".join(
                    f'<w:t xml:space="preserve">{escape(line)}</w:t>'
                    for line in xml_safe(text).split("\n")
                )
                tcs.append(
                    f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>'
                    f"<w:p>{ppr}<w:r>{runs}</w:r></w:p></w:tc>"
                )
            out.append(f"<w:tr>{keep}{''.join(tcs)}</w:tr>")
        if out:
            parsed = parse_xml(f"<w:tbl {nsdecls('w')}>{''.join(out)}</w:tbl>")
            for tr in list(parsed):
                table._tbl.append(tr)
        return len(out)

    def status_run(self, p: Paragraph, status: str) -> None:
        run = p.add_run(status_label(status, suggested=not self.ctx.reviewed))
        style = self.styles.character(STATUS_STYLES.get(status, ""))
        if style is not None:
            run._r.style = style
        else:
            run.bold = True

    # ------------------------------------------------------------------ lookups

    def item(self, competency: str) -> Item | None:
        return self.items.get(competency)

    def section_name(self, section_id: str) -> str:
        s = self.sections.get(section_id)
        if s is None:
            return "(a section of an earlier version)"
        name = " › ".join(p for p in s.path if p) if s.path else s.title
        return shorten(name or s.title or "(untitled section)", 140)

    def quote(self, section_id: str, competency: str) -> str:
        link = self.links.get((section_id, competency))
        if link is not None:
            for ev in link.evidence:
                if one_line(ev.matched):
                    return self._context_quote(section_id, ev.matched)
        s = self.sections.get(section_id)
        return shorten(s.text or s.title, QUOTE_CHARS) if s else ""

    def _context_quote(self, section_id: str, matched: str) -> str:
        """The matched phrase with a little of the sentence around it."""
        s = self.sections.get(section_id)
        m = one_line(matched)
        if s is None:
            return shorten(m, QUOTE_CHARS)
        for text in (one_line(s.text), one_line(s.full_text)):  # the body reads better
            at = text.lower().find(m.lower())
            if at >= 0:
                break
        else:
            return shorten(m, QUOTE_CHARS)
        start = max(0, at - 60)
        if start:
            space = text.find(" ", start)
            start = space + 1 if 0 <= space < at else start
        snippet = shorten(text[start:], QUOTE_CHARS)
        return ("…" if start else "") + snippet

    def competency_name(self, competency: str) -> str:
        it = self.item(competency)
        return f"{competency} – {it.title}" if it and it.title else competency


# --------------------------------------------------------------------------- template handling


def _open_template(template: Path | bytes | None) -> DocxDocument:
    if template is None:
        template = DEFAULT_TEMPLATE
    source = io.BytesIO(template) if isinstance(template, bytes) else str(template)
    doc = Document(source)
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):  # keep page size, margins, header/footer references
            body.remove(child)
    return doc


def _field_runs(instr: str, placeholder: str, rPr) -> list:
    """A complex field (PAGE, NUMPAGES) as Word writes it, with a cached result."""
    runs = []
    for kind in ("begin", "instr", "separate", "text", "end"):
        r = OxmlElement("w:r")
        if rPr is not None:
            r.append(copy.deepcopy(rPr))
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {instr} "
        elif kind == "text":
            el = OxmlElement("w:t")
            el.text = placeholder
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        r.append(el)
        runs.append(r)
    return runs


def _rewrite_placeholder_paragraph(p: Paragraph, values: dict[str, str]) -> None:
    """Replace the paragraph's content with its text, tokens filled and page numbers as fields;
    the first run's formatting is kept for every run written."""
    text = p.text
    first_r = p._p.find(qn("w:r"))
    rPr = first_r.find(qn("w:rPr")) if first_r is not None else None
    rPr = copy.deepcopy(rPr) if rPr is not None else None
    for child in list(p._p):
        if child.tag != qn("w:pPr"):
            p._p.remove(child)
    pos = 0
    pieces: list[tuple[str, str]] = []
    for m in _TOKEN.finditer(text):
        pieces.append(("text", text[pos : m.start()]))
        pieces.append(("token", m.group(1)))
        pos = m.end()
    pieces.append(("text", text[pos:]))
    for kind, value in pieces:
        if kind == "token" and value in ("page", "pages"):
            instr = "PAGE" if value == "page" else "NUMPAGES"
            for r in _field_runs(instr, "1", rPr):
                p._p.append(r)
            continue
        literal = values.get(value, "") if kind == "token" else value
        if not literal:
            continue
        r = OxmlElement("w:r")
        if rPr is not None:
            r.append(copy.deepcopy(rPr))
        t = OxmlElement("w:t")
        t.set(qn("xml:space"), "preserve")
        t.text = xml_safe(literal)
        r.append(t)
        p._p.append(r)


def _header_footer(doc: DocxDocument, styles: _Styles, ctx: ReportContext) -> None:
    """Fill the template's ``{agency}``/``{document}``/``{page}``/``{pages}`` paragraphs, or add a
    header line and a page-number footer when the template has none."""
    document = shorten(
        f"{ctx.document_title or ctx.original_filename} (version {ctx.version_number})", 90
    )
    values = {"agency": shorten(ctx.agency_name or "Agency not named", 60), "document": document}
    for i, section in enumerate(doc.sections):
        for part, default in (
            (section.header, "{agency} · {document}"),
            (section.footer, "Competency review report · page {page} of {pages}"),
        ):
            if i and part.is_linked_to_previous:
                continue
            paragraphs = list(part.paragraphs)
            for t in part.tables:
                for row in t.rows:
                    for cell in row.cells:
                        paragraphs.extend(cell.paragraphs)
            hits = [p for p in paragraphs if _TOKEN.search(p.text)]
            if not hits:
                empty = [
                    p
                    for p in part.paragraphs
                    if not p.text.strip() and not p._p.xpath(".//w:drawing")
                ]
                p = empty[0] if empty else part.add_paragraph()
                p.text = default
                style = styles.paragraph("Header" if part is section.header else "Footer")
                if style is not None:
                    p._p.style = style
                hits = [p]
            for p in hits:
                _rewrite_placeholder_paragraph(p, values)


# --------------------------------------------------------------------------- coverage rows


def _ordered_coverage(ctx: ReportContext, framework: Framework) -> list[CoverageRow]:
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
            )
    order = {it.id: i for i, it in enumerate(framework.items)}
    return sorted(rows.values(), key=lambda r: (order.get(r.competency, len(order)), r.competency))


# --------------------------------------------------------------------------- report parts


def _cover(r: _Report) -> None:
    ctx = r.ctx
    r.para("Competency review report", "Title")
    r.para(
        shorten(ctx.document_title or ctx.original_filename or "Untitled document", 200), "Subtitle"
    )
    if not ctx.reviewed:
        r.para(
            f"{SUGGESTED_LABEL}: every link and status in this report is a machine suggestion "
            "that no reviewer has confirmed yet.",
            "Banner",
        )
    fields = [
        ("Agency", ctx.agency_name or "Not named"),
        ("Agency kind", AGENCY_KIND_LABELS.get(ctx.agency_kind, ctx.agency_kind)),
        ("Document", ctx.document_title),
        ("Version", str(ctx.version_number)),
        ("File name", ctx.original_filename),
        ("Document id", ctx.document_id),
        ("Framework", ctx.framework_title),
        ("Framework id and version", f"{ctx.framework_id}, version {ctx.framework_version}"),
        (
            "Reviewer",
            ctx.reviewer or ("None (not reviewed)" if not ctx.reviewed else "Not assigned"),
        ),
        (
            "State",
            state_label(ctx.state) + ("" if ctx.reviewed else f" ({SUGGESTED_LABEL.lower()})"),
        ),
        ("Created", human_time(ctx.created_at)),
        ("Last updated", human_time(ctx.updated_at)),
    ]
    if ctx.approved_at or ctx.approver:
        fields.append(("Approved", f"{human_time(ctx.approved_at)} by {ctx.approver}".strip()))
    if ctx.extra.get("annotated_copy_note"):  # a PDF or .doc upload (issue 12)
        fields.append(("Annotated copy", str(ctx.extra["annotated_copy_note"])))
    fields.append(("Report generated", human_time(datetime.now(UTC).isoformat(timespec="seconds"))))
    table = r.doc.add_table(rows=0, cols=2)
    table.autofit = False
    for col, width in zip(table.columns, (1.9, 4.8), strict=True):
        col.width = Inches(width)
    for label, value in fields:
        row = table.add_row()
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        cells = _cells(table, row._tr)
        r.cell_text(cells[0], label, "Report Label")
        r.cell_text(cells[1], shorten(value, 600) if value else "—", "Report Value")


def _summary(r: _Report, rows: list[CoverageRow]) -> None:
    r.heading("Summary")
    counts = status_counts(rows)
    total = sum(counts.values())
    r.para(
        f"Of {total} required competencies, {counts['met']} "
        f"{'are' if counts['met'] != 1 else 'is'} met, {counts['partial']} partially met, "
        f"{counts['not_addressed']} not addressed and {counts['not_applicable']} not applicable."
        + ("" if r.ctx.reviewed else " These figures come from suggestions, not from a review.")
    )
    table = r.table(("Status", "Competencies", "Share"), (3.0, 1.6, 1.6))
    for status, n in counts.items():
        cells = r.row(table, (None, str(n), f"{round(100 * n / total) if total else 0}%"))
        r.status_run(r.cell_text(cells[0], ""), status)
    cells = r.row(table, ("Total required", str(total), "100%" if total else "0%"))
    for c in cells:
        for run in c.paragraphs[0].runs:
            run.bold = True
    picture_par = r.doc.add_paragraph()
    picture_par.paragraph_format.keep_with_next = True  # never part the chart from its caption
    picture_par.paragraph_format.space_before = Pt(12)
    run = picture_par.add_run()
    inline = run.add_picture(
        io.BytesIO(chart_png(counts, suggested=not r.ctx.reviewed)), width=Inches(6.3)
    )
    inline._inline.docPr.set(
        "descr",
        "Bar chart of required competencies by status: "
        + ", ".join(f"{STATUS_LABELS[s]} {n}" for s, n in counts.items()),
    )
    r.para("Figure 1. Required competencies by coverage status.", "Figure Caption")


def _matrix(r: _Report, rows: list[CoverageRow]) -> None:
    r.heading("Coverage matrix")
    r.para(
        "Every competency this agency's policies must cover, its status, and the sections of the "
        "document that evidence it."
        + (
            ""
            if r.ctx.reviewed
            else f" {SUGGESTED_LABEL}: sections are the suggester's best matches."
        )
    )
    table = r.table(("Competency", "Status", "Evidence: sections cited"), (2.35, 1.2, 3.15))
    for row in rows:
        cells = r.row(table)
        it = r.item(row.competency)
        label = one_line(row.label) or row.competency
        r.cell_text(
            cells[0], f"{label} ({row.competency})" if label != row.competency else label, bold=True
        )
        if it is not None and it.title:
            r.cell_text(cells[0], it.title, first=False)
        r.cell_text(cells[0], shorten(row.statement, 160), "Evidence Quote", first=False)
        if it is not None and it.parent:
            for p in cells[0].paragraphs:
                p.paragraph_format.left_indent = Pt(10)
        r.status_run(r.cell_text(cells[1], ""), row.status)
        if row.justification:
            r.cell_text(cells[1], shorten(row.justification, 300), "Evidence Quote", first=False)
        cited = list(dict.fromkeys(row.sections))
        if not cited:
            r.cell_text(cells[2], "No section cited." if row.status != "not_applicable" else "—")
        for n, sid in enumerate(cited[:MAX_CITED_SECTIONS]):
            r.cell_text(cells[2], r.section_name(sid), bold=True, first=n == 0)
            q = r.quote(sid, row.competency)
            if q:
                r.cell_text(cells[2], f"“{q}”", "Evidence Quote", first=False)
        if len(cited) > MAX_CITED_SECTIONS:
            more = len(cited) - MAX_CITED_SECTIONS
            r.cell_text(cells[2], f"+ {more} more section{'s' if more != 1 else ''}", first=False)


def _gaps(r: _Report, rows: list[CoverageRow]) -> None:
    r.heading("Gaps and recommendations")
    missing = [row for row in rows if row.status == "not_addressed"]
    partial = [row for row in rows if row.status == "partial"]
    if not missing and not partial:
        r.para("No gaps: every required competency is met or not applicable.")
        return
    for title, group in (("Not addressed", missing), ("Partially met", partial)):
        if not group:
            continue
        r.heading(f"{title} ({len(group)})", 2)
        for row in group:
            it = r.item(row.competency)
            r.heading(
                shorten(
                    f"{row.label or row.competency} – {it.title if it else ''}".rstrip(" –"), 160
                ),
                3,
            )
            r.para(shorten(row.statement, 1200), "Evidence Quote")
            rec = row.recommendation or (recommendation_for(it) if it else "")
            p = r.para("Recommendation: ", bold=True)
            p.add_run(xml_safe(rec))
            modules = list(row.training) or (list(it.training) if it else [])
            if modules:
                names = []
                for mid in modules:
                    m = r.framework.training_module(mid)
                    names.append(f"{m.title} ({m.id})" if m else mid)
                p = r.para("Training that helps close it: ", bold=True)
                p.add_run(xml_safe("; ".join(names)))


def _notes(r: _Report, rows: list[CoverageRow]) -> None:
    r.heading("Reviewer notes")
    general = r.ctx.extra.get("notes")
    for note in [general] if isinstance(general, str) else list(general or []):
        if one_line(note):
            r.para(xml_safe(note))
    noted = [lk for lk in r.ctx.links if lk.state in ("confirmed", "added") and one_line(lk.note)]
    justified = [
        row for row in rows if row.status == "not_applicable" and one_line(row.justification)
    ]
    if not noted and not justified and not general:
        r.para(
            "The reviewer recorded no notes." if r.ctx.reviewed else "Not reviewed: no notes yet."
        )
    if noted:
        table = r.table(("Competency", "Section", "Note", "By, when"), (1.3, 1.6, 2.75, 1.05))
        r.text_rows(
            table,
            (
                (
                    r.competency_name(lk.competency)
                    + (" (added by hand)" if lk.state == "added" else ""),
                    r.section_name(lk.section_id),
                    lk.note,
                    _by_when(lk.decided_by, lk.decided_at),
                )
                for lk in noted
            ),
        )
    if justified:
        r.heading("Competencies marked not applicable", 2)
        table = r.table(("Competency", "Justification"), (2.0, 4.7))
        r.text_rows(table, ((r.competency_name(x.competency), x.justification) for x in justified))


def _by_when(who: str, when: str) -> str:
    return "\n".join(x for x in (one_line(who), human_time(when)) if x) or "—"


def _rejected(r: _Report) -> None:
    r.heading("Rejected suggestions")
    rejected = [lk for lk in r.ctx.links if lk.state == "rejected"]
    pending = sum(1 for lk in r.ctx.links if lk.state == "suggested")
    if not rejected:
        r.para("No suggestion was rejected.")
    else:
        table = r.table(("Competency", "Section", "Reason", "By, when"), (1.3, 1.6, 2.75, 1.05))
        r.text_rows(
            table,
            (
                (
                    r.competency_name(lk.competency),
                    r.section_name(lk.section_id),
                    xml_safe(lk.reason) or "—",
                    _by_when(lk.decided_by, lk.decided_at),
                )
                for lk in rejected
            ),
        )
    if pending:
        r.para(
            f"{pending} suggestion{'s are' if pending != 1 else ' is'} not decided yet"
            + (" (this document has not been reviewed)." if not r.ctx.reviewed else ".")
        )


def _history(r: _Report) -> None:
    r.heading("Review history")
    if not r.ctx.history:
        r.para("No workflow step has been recorded yet.")
        return
    table = r.table(("When", "Action", "Who", "State", "Comment"), (1.15, 1.0, 1.1, 1.45, 2.0))
    r.text_rows(
        table,
        (
            (
                human_time(h.time),
                one_line(h.action).replace("_", " "),
                one_line(h.actor),
                f"{state_label(h.from_state)} → {state_label(h.to_state)}",
                h.comment,
            )
            for h in r.ctx.history
        ),
    )


def _decision(ctx: ReportContext) -> tuple[str, str, str]:
    """(decision, by, date) for the sign-off block, from the state and the latest decisive step."""
    last = next(
        (h for h in reversed(ctx.history) if h.to_state in ("approved", "changes_requested")), None
    )
    if ctx.state == "approved":
        return (
            "Approved",
            ctx.approver or (last.actor if last else ""),
            ctx.approved_at or (last.time if last else ""),
        )
    if ctx.state == "changes_requested":
        return "Changes requested", last.actor if last else ctx.reviewer, last.time if last else ""
    return "Pending: no decision yet", "", ""


def _signoff(r: _Report) -> None:
    r.heading("Sign-off")
    decision, by, when = _decision(r.ctx)
    table = r.doc.add_table(rows=0, cols=2)
    table._tbl.tblStyle_val = r.styles.table()
    table.autofit = False
    for col, width in zip(table.columns, (1.9, 4.8), strict=True):
        col.width = Inches(width)
    for label, value in (
        ("Decision", decision),
        ("Approver", by or "—"),
        ("Date", human_date(when) or "—"),
        ("Signature", ""),
    ):
        row = table.add_row()
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        cells = _cells(table, row._tr)
        r.cell_text(cells[0], label, "Report Label")
        r.cell_text(cells[1], shorten(value, 200), "Report Value")
    # The table's first row is not a header here: turn the style's first-row look off.
    look = table._tbl.tblPr.find(qn("w:tblLook"))
    if look is None:
        look = parse_xml(f"<w:tblLook {nsdecls('w')}/>")
        table._tbl.tblPr.append(look)
    look.set(qn("w:firstRow"), "0")
    look.set(qn("w:val"), "0000")


def _properties(doc: DocxDocument, ctx: ReportContext) -> None:
    props = doc.core_properties
    props.title = shorten(f"Competency review report – {ctx.document_title}", 250)
    props.subject = shorten(f"{ctx.agency_name} – {ctx.framework_title}", 250)
    props.author = shorten(ctx.reviewer or "Competency Review", 250)
    props.keywords = "competency review"
    props.comments = "Suggested, not reviewed" if not ctx.reviewed else state_label(ctx.state)
    props.created = props.modified = datetime.now(UTC).replace(tzinfo=None)
    props.last_modified_by = "Competency Review"
    props.revision = 1


def review_report(
    ctx: ReportContext, framework: Framework, template: Path | bytes | None = None
) -> bytes:
    """The review report of ``ctx`` as .docx bytes, styled by ``template`` (a path or the bytes of
    an agency's own .docx; ``templates/review-report.docx`` by default)."""
    doc = _open_template(template)
    styles = _Styles(doc)
    r = _Report(
        doc=doc,
        styles=styles,
        ctx=ctx,
        framework=framework,
        sections={s.id: s for s in ctx.sections},
        links={(lk.section_id, lk.competency): lk for lk in _best_links(ctx.links)},
    )
    rows = _ordered_coverage(ctx, framework)
    _header_footer(doc, styles, ctx)
    _cover(r)
    _summary(r, rows)
    _matrix(r, rows)
    _gaps(r, rows)
    _notes(r, rows)
    _rejected(r)
    _history(r)
    _signoff(r)
    _properties(doc, ctx)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _best_links(links: Iterable[ReportLink]) -> list[ReportLink]:
    """Confirmed/added links win over suggested ones for the same section and competency, and
    rejected ones never supply a quote."""
    rank = {"confirmed": 3, "added": 3, "suggested": 2}
    best: dict[tuple[str, str], ReportLink] = {}
    for lk in links:
        key = (lk.section_id, lk.competency)
        score = rank.get(lk.state, 0)
        if score and (key not in best or score > rank[best[key].state]):
            best[key] = lk
    return list(best.values())
