"""The review report: a .docx written with python-docx on the styles of ``templates/``.

An audit deliverable, built from the decisions view (:mod:`review.reports.decisions`) that the
annotated copy reads too: page 1 an executive summary (decision, the reviewer's conclusion,
figures, top findings); contents; scope; method; a one-page coverage overview; findings with
severity, where they belong and a remediation; the remediation plan (owner, due date); the
coverage matrix; reviewer notes; rejected suggestions; history; limitations; sign-off. Header and
footer name the agency and document and number the pages. Every style is looked up by name with a fallback, so an agency's own template that lacks
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
from review.coverage import training_titles
from review.framework import Framework, Item
from review.labels import (
    PRODUCT_NAME,
    action_label,
    agency_kind_label,
    agency_kind_name,
    severity_label,
    state_change,
)
from review.models import ReportContext, ReportLink, Section
from review.reports._text import (
    STATUS_LABELS,
    STATUS_STYLES,
    SUGGESTED_LABEL,
    UNDECIDED_LABEL,
    human_date,
    human_time,
    one_line,
    shorten,
    state_label,
    status_label,
    xml_safe,
)
from review.reports.decisions import Decisions, decisions_of, reviewer_note, section_name

DEFAULT_TEMPLATE = TEMPLATES_DIR / "review-report.docx"
MAX_CITED_SECTIONS = 3  # per matrix row; the rest are counted ("+ 12 more sections")
QUOTE_CHARS = 200
ROW_SPLIT_CHARS = 600  # rows with more text than this may break across pages (no blank page ends)

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
    "Conclusion": ("Quote", "Normal"),
    "Decision": ("Heading 2", "Normal"),
    "Compact Text": ("Table Text", "Normal"),
    "TOC Heading": ("Heading 2", "Normal"),
    "TOC 1": ("toc 1", "Normal"),
}
_TOKEN = re.compile(r"\{(agency|document|report|page|pages)\}")
_SENTENCE_END = re.compile(r"[.!?;:][\"”’)\]]*\s+")


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
        if self.__dict__.pop("_break", False):  # see _page_break
            p.paragraph_format.page_break_before = True
        if text:
            p.add_run(xml_safe(text)).bold = bold or None
        return p

    def heading(self, text: str, level: int = 1) -> Paragraph:
        return self.para(text, f"Heading {level}")

    def table(self, headers: Sequence[str], widths: Sequence[float]) -> Table:
        """A table in the report's table style with a header row repeated on each page; the
        paragraph just before it keeps with it (no heading or intro alone at a page's end)."""
        last = self.doc.element.body[-2] if len(self.doc.element.body) > 1 else None
        if last is not None and last.tag == qn("w:p"):
            Paragraph(last, self.doc._body).paragraph_format.keep_with_next = True
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

    def row(
        self, table: Table, cells: Sequence[str | None] = (), *, allow_split: bool = False
    ) -> list[_Cell]:
        """Append a row; string cells are filled in "Table Text", None leaves the cell empty.
        Short rows never split across pages; ``allow_split`` rows (filled later) may."""
        row = table.add_row()
        out = _cells(table, row._tr)
        for cell, text in zip(out, cells, strict=False):
            if text is not None:
                self.cell_text(cell, text)
        if not allow_split and sum(len(t or "") for t in cells) < ROW_SPLIT_CHARS:
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
        return section_name(self.sections, section_id)

    def quote(self, section_id: str, competency: str) -> str:
        link = self.links.get((section_id, competency))
        if link is not None:
            # the sentence the suggester named as carrying the evidence, as the reviewer saw it
            for sentence in getattr(link, "sentences", ()):
                if one_line(sentence):
                    return shorten(one_line(sentence), QUOTE_CHARS)
            for ev in link.evidence:
                if one_line(ev.matched):
                    return self._context_quote(section_id, ev.matched)
        s = self.sections.get(section_id)
        if s is None:
            return ""
        first = next((p for p in s.shown_text.split("\n") if one_line(p)), "") or s.shown_title
        return shorten(first, QUOTE_CHARS)

    def _context_quote(self, section_id: str, matched: str) -> str:
        """The sentence that holds the matched phrase, from its start: the body's paragraphs are
        searched one by one (a heading never runs into the body), then the title alone."""
        s = self.sections.get(section_id)
        m = one_line(matched).lower()
        if s is None:
            return shorten(matched, QUOTE_CHARS)
        for raw in (*s.text.split("\n"), s.title):
            text = one_line(raw)
            at = text.lower().find(m)
            if at >= 0:
                break
        else:
            return shorten(matched, QUOTE_CHARS)
        start = 0
        for b in _SENTENCE_END.finditer(text, 0, at):
            start = b.end()
        if at + len(m) - start > QUOTE_CHARS - 10:  # a very long sentence: start at a word
            start = text.rfind(" ", 0, max(0, at - 40)) + 1
            return "…" + shorten(text[start:], QUOTE_CHARS)
        return shorten(text[start:], QUOTE_CHARS)

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
    # an empty token takes its separator along: "{agency} · {document}" without an agency is
    # "Staff Manual", not " · Staff Manual"
    for i, (kind, value) in enumerate(pieces):
        if kind == "token" and value not in ("page", "pages") and not values.get(value):
            if i + 1 < len(pieces) and pieces[i + 1][0] == "text":
                pieces[i + 1] = ("text", pieces[i + 1][1].lstrip(" ·|/–-:,"))
            elif i and pieces[i - 1][0] == "text":
                pieces[i - 1] = ("text", pieces[i - 1][1].rstrip(" ·|/–-:,"))
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


def _header_footer(
    doc: DocxDocument,
    styles: _Styles,
    ctx: ReportContext,
    *,
    document: str | None = None,
    report: str = "Competency review report",
) -> None:
    """Fill the template's ``{agency}``/``{document}``/``{page}``/``{pages}`` paragraphs, or add a
    header line and a page-number footer when the template has none."""
    if document is None:
        document = shorten(
            f"{ctx.document_title or ctx.original_filename} (version {ctx.version_number})", 90
        )
    values = {"agency": shorten(ctx.agency_name, 60), "document": document, "report": report}
    for i, section in enumerate(doc.sections):
        for part, default in (
            (
                section.header,
                "{agency} · {document}" if one_line(ctx.agency_name) else "{document}",
            ),
            (section.footer, "{report} · page {page} of {pages}"),
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


# --------------------------------------------------------------------------- small writers


def _key_table(r: _Report, fields: Sequence[tuple[str, str]], widths=(1.7, 5.0)) -> Table:
    """Label/value rows without a header row (the table style's first-row look turned off)."""
    table = r.doc.add_table(rows=0, cols=2)
    table.autofit = False
    for col, width in zip(table.columns, widths, strict=True):
        col.width = Inches(width)
    for label, value in fields:
        row = table.add_row()
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        cells = _cells(table, row._tr)
        cells[0].width, cells[1].width = Inches(widths[0]), Inches(widths[1])
        r.cell_text(cells[0], label, "Report Label")
        shown = value if value is not None else ""
        r.cell_text(cells[1], shorten(shown, 600) if shown else "—", "Report Value")
    return table


def _no_header_look(table: Table) -> None:
    look = table._tbl.tblPr.find(qn("w:tblLook"))
    if look is None:
        look = parse_xml(f"<w:tblLook {nsdecls('w')}/>")
        table._tbl.tblPr.append(look)
    look.set(qn("w:firstRow"), "0")
    look.set(qn("w:val"), "0000")


def _severity_run(r: _Report, p: Paragraph, severity: str) -> None:
    run = p.add_run(severity_label(severity))
    style = r.styles.character(f"Severity {severity_label(severity)}")
    if style is not None:
        run._r.style = style
    else:
        run.bold = True


def _page_break(r: _Report) -> None:
    """The next paragraph starts a page ("page break before", not an empty paragraph holding a
    break, which leaves a blank page when the previous page is exactly full)."""
    r.__dict__["_break"] = True


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _figures_sentence(d: Decisions) -> str:
    c = d.counts
    total = sum(c.values())
    text = (
        f"Of {_plural(total, 'required competency', 'required competencies')}, "
        f"{c['met']} {'is' if c['met'] == 1 else 'are'} met, {c['partial']} partially met, "
        f"{c['not_addressed']} not addressed and {c['not_applicable']} not applicable."
    )
    n = len(d.findings)
    code = d.decision.code
    if code == "approved_open":
        text += (
            f" The reviewer approved the document with these {_plural(n, 'finding')} open "
            "(listed below with a remediation plan): approval accepts the policy as it stands, "
            "it does not mean every competency is covered."
        )
    elif code == "approved":
        text += " Every required competency is met or not applicable."
    elif code == "changes_requested":
        text += f" The agency is asked to address {_plural(n, 'finding')} and resubmit."
    elif code == "pending":
        text += " The review is not finished; figures may still change."
        if d.undecided_count():
            text += (
                f" {_plural(d.undecided_count(), 'suggestion')} "
                f"{'is' if d.undecided_count() == 1 else 'are'} still undecided and not counted."
            )
    else:
        text += " These figures come from machine suggestions, not from a review."
    return text


# --------------------------------------------------------------------------- report parts


def _executive_summary(r: _Report, d: Decisions) -> None:
    """Page 1, the page a director reads alone."""
    ctx = r.ctx
    r.para("Competency review report", "Title")
    r.para(
        shorten(
            f"{ctx.document_title or ctx.original_filename or 'Untitled document'}"
            + (f" · {ctx.agency_name}" if one_line(ctx.agency_name) else ""),
            200,
        ),
        "Subtitle",
    )
    if not ctx.reviewed:
        r.para(
            f"{SUGGESTED_LABEL}: every link and status in this report is a machine suggestion "
            "that no reviewer has confirmed yet.",
            "Banner",
        )
    r.heading("Executive summary")
    r.para(d.decision.label, "Decision")
    who = d.decision.by or ctx.reviewer
    when = human_date(d.decision.when)
    agency = (
        f"{ctx.agency_name} ({agency_kind_name(ctx.agency_kind)} agency)"
        if one_line(ctx.agency_name)
        else f"Not recorded (checked as a {agency_kind_name(ctx.agency_kind).lower()} agency)"
    )
    fields = [
        (
            "Document",
            f"{ctx.document_title or ctx.original_filename}, version {ctx.version_number}",
        ),
        ("Agency", agency),
        ("Framework", f"{ctx.framework_title}, version {ctx.framework_version}"),
    ]
    if ctx.reviewed:
        fields.append(("Reviewer", ", ".join(x for x in (who, when) if x) or "Not assigned"))
    if ctx.extra.get(
        "annotated_copy_note"
    ):  # a PDF or .doc upload: the copy is a .docx of its text
        fields.append(("Annotated copy", str(ctx.extra["annotated_copy_note"])))
    _key_table(r, fields)
    r.heading("Reviewer's conclusion", 2)
    conclusion = d.decision.conclusion
    if conclusion:
        lines = [x.strip() for x in xml_safe(conclusion).splitlines() if x.strip()]
        shown = 0
        for line in lines:
            if shown + len(line) > CONCLUSION_CHARS:  # page 1 stays one page
                r.para(shorten(line, max(80, CONCLUSION_CHARS - shown)), "Conclusion")
                r.para("(The full text is in the review history.)", "Figure Caption")
                break
            r.para(line, "Conclusion")
            shown += len(line)
    elif d.decision.code in ("approved", "approved_open", "changes_requested"):
        r.para("The reviewer recorded no conclusion with the decision.")
    elif ctx.reviewed:
        r.para("No conclusion yet: the review is in progress.")
    else:
        r.para("None: no reviewer has looked at this document.")
    r.heading("In figures", 2)
    r.para(_figures_sentence(d))
    counts = d.counts
    total = sum(counts.values())
    table = r.table(
        ("Met", "Partially met", "Not addressed", "Not applicable", "Required"),
        (1.34, 1.34, 1.34, 1.34, 1.34),
    )
    r.row(table, [str(counts[s]) for s in STATUS_LABELS] + [str(total)])
    r.heading("Top findings", 2)
    if not d.findings:
        r.para("None: every required competency is met or not applicable.")
    else:
        top = d.findings[:TOP_FINDINGS]
        table = r.table(("#", "Severity", "Competency", "Status"), (0.45, 0.9, 4.15, 1.2))
        for f in top:
            cells = r.row(table, (f.ref, None, shorten(f.name, 90), None))
            _severity_run(r, r.cell_text(cells[1], ""), f.severity)
            r.status_run(r.cell_text(cells[3], ""), f.status)
        more = len(d.findings) - len(top)
        if more:
            r.para(f"… and {_plural(more, 'more finding')}: see Findings.", "Figure Caption")
    elsewhere = _elsewhere(r.ctx)
    if elsewhere and d.findings:
        covered = [f for f in d.findings if elsewhere.get(f.competency)]
        if covered:
            r.para(
                f"Other documents of the agency already cover {_plural(len(covered), 'of these findings', 'of these findings')}"
                f" ({', '.join(f.competency for f in covered[:8])}"
                + (", …" if len(covered) > 8 else "")
                + "): see Findings.",
            )


def _elsewhere(ctx: ReportContext) -> dict[str, list[dict[str, str]]]:
    """competency → the agency's other documents that meet it (filled in by the services)."""
    raw = ctx.extra.get("elsewhere")
    return raw if isinstance(raw, dict) else {}


def _toc(r: _Report) -> None:
    """A table of contents: one line per Heading 1, a link to a bookmark on the heading and a
    PAGEREF field for its page. Not a TOC field: LibreOffice shows a TOC field's cached page
    numbers on conversion without updating them, while it lays out PAGEREF fields itself (and
    Word updates them when it prints)."""
    r.para("Contents", "TOC Heading")
    r._toc_at = r.para("", "TOC 1")  # replaced by the field once every heading is known


def _finish_toc(r: _Report) -> None:
    p = getattr(r, "_toc_at", None)
    if p is None:
        return
    body = r.doc.element.body
    headings = []
    style_h1 = r.styles.paragraph("Heading 1")
    for n, el in enumerate(body.iter(qn("w:p"))):
        ppr = el.pPr
        if ppr is None or ppr.pStyle is None or ppr.pStyle.val != style_h1:
            continue
        text = "".join(t.text or "" for t in el.iter(qn("w:t")))
        if not text or text == "Executive summary":
            continue
        name = f"_Toc{100000 + n}"
        el.insert(
            1 if ppr is not None else 0,
            parse_xml(f'<w:bookmarkStart {nsdecls("w")} w:id="{n}" w:name="{name}"/>'),
        )
        el.append(parse_xml(f'<w:bookmarkEnd {nsdecls("w")} w:id="{n}"/>'))
        headings.append((text, name))
    style = r.styles.paragraph("TOC 1") or ""
    tab = '<w:tabs><w:tab w:val="right" w:leader="dot" w:pos="9350"/></w:tabs>'
    ppr = f'<w:pPr><w:pStyle w:val="{style}"/>{tab}</w:pPr>' if style else f"<w:pPr>{tab}</w:pPr>"
    paras = []
    for text, name in headings:
        paras.append(
            f"<w:p>{ppr}"
            f'<w:hyperlink w:anchor="{name}" w:history="1">'
            f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r><w:r><w:tab/></w:r>'
            '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r><w:instrText xml:space="preserve"> PAGEREF {name} \\h </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>2</w:t></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:hyperlink></w:p>'
        )
    if not paras:
        return
    parsed = parse_xml(f"<w:body {nsdecls('w')}>{''.join(paras)}</w:body>")
    anchor = p._p
    for el in list(parsed):
        anchor.addprevious(el)
    anchor.getparent().remove(anchor)


def _scope(r: _Report, d: Decisions) -> None:
    ctx = r.ctx
    r.heading("Scope")
    uploaded = ", ".join(
        x
        for x in (
            one_line(ctx.extra.get("uploaded_by", "")),
            human_date(str(ctx.extra.get("uploaded_at", ""))),
        )
        if x
    )
    fields = [
        (
            "Document",
            f"{ctx.document_title or ctx.original_filename}, version {ctx.version_number}"
            + (f" (uploaded by {uploaded})" if uploaded else ""),
        ),
        ("File", ctx.original_filename),
        ("State", state_label(ctx.state)),
        ("Agency", f"{ctx.agency_name or 'Not recorded'}: {agency_kind_label(ctx.agency_kind)}"),
        ("Framework", f"{ctx.framework_title}, version {ctx.framework_version}"),
        ("Report generated", human_time(datetime.now(UTC).isoformat(timespec="seconds"))),
    ]
    _key_table(r, fields)
    r.heading("Which competencies are required, and why", 2)
    tiers = r.framework.tiers or {}
    by_tier: dict[str, list[str]] = {}
    for row in d.rows:
        it = r.item(row.competency)
        by_tier.setdefault(it.tier if it else "other", []).append(row.competency)
    kind = agency_kind_name(ctx.agency_kind).lower()
    r.para(
        f"This review covers {_plural(len(d.rows), 'competency', 'competencies')} because the "
        f"agency is recorded as a {kind} agency"
        + (
            ": the Core Competencies apply to every agency that serves children and youth, and "
            "the Advanced Core Competencies to agencies that specialize in youth who have "
            "experienced or are at risk of commercial sexual exploitation or sex trafficking."
            if ctx.agency_kind == "specialised"
            else ": the Core Competencies apply to every agency that serves children and youth "
            "(the Advanced Core Competencies only to agencies that specialize in sexually "
            "exploited or trafficked youth)."
        )
    )
    for tier, ids in by_tier.items():
        label = (tiers.get(tier) or {}).get("label") or tier.capitalize()
        p = r.para(f"{label} ({len(ids)}): ", bold=True)
        p.add_run(xml_safe(", ".join(ids)))


def _method(r: _Report, d: Decisions) -> None:
    ctx = r.ctx
    r.heading("Method")
    states = [lk.state for lk in ctx.links]
    n_conf, n_add = states.count("confirmed"), states.count("added")
    n_rej, n_sug = states.count("rejected"), states.count("suggested")
    r.para(
        f"{PRODUCT_NAME} split the document into {_plural(len(ctx.sections), 'section')} and "
        "suggested which sections address which competencies, from the framework's match "
        "phrases (a score from 0 to 100 and the words that matched)."
    )
    if ctx.reviewed:
        reviewer = ctx.reviewer or "The reviewer"
        r.para(
            f"{reviewer} decided the suggestions: {n_conf} confirmed, {n_rej} rejected with a "
            f"reason, {n_add} added by hand"
            + (f", {n_sug} still undecided (not counted)." if n_sug else ".")
            + " A competency is met when a confirmed or added link cites it; the reviewer may "
            "assess it as partially met or not applicable, with a note. A competency made of "
            "skills (Competency 6) that is not cited itself follows its skills. A competency "
            "not addressed or partly met is a finding, ranked by the severity rule below."
        )
    else:
        r.para(
            f"No reviewer has decided them yet: the {_plural(n_sug, 'suggestion')} count as "
            "evidence in this report, labeled suggested."
        )


def _overview(r: _Report, d: Decisions) -> None:
    r.heading("Coverage overview")
    r.para(
        "Every required competency and its status; the sections cited are listed in the "
        "coverage matrix.",
        "Figure Caption",
    )
    table = r.table(("Item", "Competency", "Status", "Sections cited"), (0.75, 3.85, 1.25, 0.85))
    for row in d.rows:
        it = r.item(row.competency)
        title = it.title if it and it.title else one_line(row.label)
        cells = r.row(table, (row.competency, shorten(title, 64), None, None))
        for c in cells:
            c.paragraphs[0]._p.style = r.styles.paragraph("Compact Text")
        r.status_run(r.cell_text(cells[2], "", "Compact Text"), row.status)
        n = len(row.sections)
        r.cell_text(cells[3], str(n) if n else "—", "Compact Text")
        if it is not None and it.parent:
            cells[0].paragraphs[0].paragraph_format.left_indent = Pt(8)


def _findings(r: _Report, d: Decisions) -> None:
    r.heading("Findings")
    if not d.findings:
        r.para("No findings: every required competency is met or not applicable.")
        return
    r.para(f"{_plural(len(d.findings), 'finding')}, most severe first, by this rule:")
    table = r.table(("Severity", "When"), (1.2, 5.5))
    for sev, rule in SEVERITY_RULES:
        cells = r.row(table, (None, rule))
        _severity_run(r, r.cell_text(cells[0], ""), sev)
    p = r.para(
        "A finding's remediation is the reviewer's text when given, else the framework's "
        'recommendation; "Where" names the related section the addition belongs in (an '
        "undecided suggestion, or the section covering a related competency), if any."
    )
    p.paragraph_format.space_before = Pt(6)
    elsewhere = _elsewhere(r.ctx)
    table = r.table(
        ("#", "Competency", "Severity", "Where in the policy", "Remediation"),
        (0.4, 1.75, 0.75, 1.55, 2.25),
    )
    for f in d.findings:
        cells = r.row(table, (f.ref, None, None, None, None))
        r.cell_text(cells[1], shorten(f.name, 120), bold=True)
        r.status_run(r.cell_text(cells[1], "", first=False), f.status)
        _severity_run(r, r.cell_text(cells[2], ""), f.severity)
        if f.cited:
            r.cell_text(cells[3], "Partly in: " + "; ".join(r.section_name(s) for s in f.cited[:3]))
        elif f.where:
            r.cell_text(cells[3], r.section_name(f.where))
            r.cell_text(cells[3], f"({f.where_why})", "Evidence Quote", first=False)
        else:
            r.cell_text(cells[3], "No related section: add one.")
        for lk in f.undecided[:2]:
            if lk.section_id != f.where:
                r.cell_text(
                    cells[3],
                    f"Undecided suggestion: {r.section_name(lk.section_id)}",
                    "Evidence Quote",
                    first=False,
                )
        for other in elsewhere.get(f.competency, [])[:3]:
            r.cell_text(
                cells[3],
                f"Met in another document: {shorten(other.get('title', ''), 60)}"
                + (f" ({other['basis']})" if other.get("basis") else ""),
                "Evidence Quote",
                first=False,
            )
        who = "Reviewer: " if f.remediation_by == "reviewer" else ""
        r.cell_text(cells[4], who + shorten(f.remediation, 700))
        if f.training:
            r.cell_text(
                cells[4],
                "Training: " + "; ".join(training_titles(r.framework, f.training)),
                "Evidence Quote",
                first=False,
            )


def _plan(r: _Report, d: Decisions) -> None:
    r.heading("Remediation plan")
    if not d.findings:
        r.para("Nothing to remediate.")
        return
    r.para(
        "For the agency to complete: who will make each change and by when. A revised version "
        "of the document is reviewed again."
    )
    table = r.table(("#", "Action", "Owner", "Due date"), (0.45, 4.05, 1.2, 1.0))
    plan = r.ctx.extra.get("plan") if isinstance(r.ctx.extra.get("plan"), dict) else {}
    for f in d.findings:
        entry = plan.get(f.competency) or {}
        action = f"{f.competency}: {shorten(f.remediation, 220)}"
        r.row(
            table, (f.ref, action, one_line(entry.get("owner", "")), one_line(entry.get("due", "")))
        )


def _matrix(r: _Report, d: Decisions) -> None:
    r.heading("Coverage matrix")
    r.para(
        "Each required competency as the framework states it, its status, and the sections of "
        "the document that evidence it."
        + ("" if r.ctx.reviewed else f" {SUGGESTED_LABEL}: sections are the suggester's matches.")
    )
    table = r.table(("Competency", "Status", "Evidence: sections cited"), (3.0, 1.1, 2.6))
    for row in d.rows:
        cells = r.row(table, allow_split=True)
        it = r.item(row.competency)
        r.cell_text(cells[0], r.competency_name(row.competency), bold=True)
        r.cell_text(cells[0], one_line(row.statement), "Compact Text", first=False)
        if it is not None and it.parent:
            for p in cells[0].paragraphs:
                p.paragraph_format.left_indent = Pt(8)
        r.status_run(r.cell_text(cells[1], ""), row.status)
        note = reviewer_note(row)
        if note:
            r.cell_text(cells[1], shorten(note, 300), "Compact Text", first=False)
        elif one_line(row.justification) and row.status != "not_addressed":
            r.cell_text(cells[1], shorten(row.justification, 200), "Compact Text", first=False)
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
            r.cell_text(cells[2], f"+ {_plural(more, 'more section')}", first=False)
        pending = [lk for lk in d.undecided_for(row.competency)] if r.ctx.reviewed else []
        for lk in pending[:2]:
            score = f", score {lk.score:.0f}" if lk.score is not None else ""
            r.cell_text(
                cells[2],
                f"{UNDECIDED_LABEL} (not counted): {r.section_name(lk.section_id)}{score}",
                "Compact Text",
                first=False,
            )


def _notes(r: _Report, d: Decisions) -> None:
    r.heading("Reviewer notes")
    general = r.ctx.extra.get("notes")
    for note in [general] if isinstance(general, str) else list(general or []):
        if one_line(note):
            r.para(xml_safe(note))
    noted = [lk for lk in r.ctx.links if lk.state in ("confirmed", "added") and one_line(lk.note)]
    justified = [
        row for row in d.rows if row.status in ("not_applicable", "partial") and reviewer_note(row)
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
        r.heading("Competencies assessed partial or not applicable", 2)
        table = r.table(("Competency", "Assessment", "Note"), (2.0, 1.2, 3.5))
        r.text_rows(
            table,
            (
                (r.competency_name(x.competency), STATUS_LABELS[x.status], reviewer_note(x))
                for x in justified
            ),
        )


def _by_when(who: str, when: str) -> str:
    return "\n".join(x for x in (one_line(who), human_time(when)) if x) or "—"


def _rejected(r: _Report, d: Decisions) -> None:
    r.heading("Rejected suggestions")
    if not d.rejected:
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
                for lk in d.rejected
            ),
        )
    pending = d.undecided_count() if r.ctx.reviewed else len(r.ctx.links)
    if pending:
        r.para(
            f"{_plural(pending, 'suggestion')} {'is' if pending == 1 else 'are'} not decided yet"
            + (
                " (this document has not been reviewed)."
                if not r.ctx.reviewed
                else "; undecided suggestions are not counted as evidence."
            )
        )


def _history(r: _Report) -> None:
    r.heading("Review history")
    if not r.ctx.history:
        r.para("No workflow step has been recorded yet.")
        return
    table = r.table(("When", "Step", "Who", "State", "Comment"), (1.15, 1.2, 1.1, 1.35, 1.9))
    r.text_rows(
        table,
        (
            (
                human_time(h.time),
                action_label(h.action),
                one_line(h.actor),
                state_change(h.from_state, h.to_state),
                h.comment,
            )
            for h in r.ctx.history
        ),
    )


def _limitations(r: _Report) -> None:
    r.heading("Limitations")
    for text in LIMITATIONS:
        r.para(f"• {text}")
    if not r.ctx.reviewed:
        r.para(
            "• No reviewer has checked this analysis: every status is a machine suggestion and "
            "may be wrong either way."
        )


def _signoff(r: _Report, d: Decisions) -> None:
    r.heading("Sign-off")
    code = d.decision.code
    by_label = {
        "approved": "Approved by",
        "approved_open": "Approved by",
        "changes_requested": "Changes requested by",
    }.get(code, "Reviewer")
    by = d.decision.by or (r.ctx.reviewer if r.ctx.reviewed else "")
    rows = [("Decision", d.decision.label), (by_label, by or "—")]
    rows.append(("Date", human_date(d.decision.when) or "—"))
    if code == "approved_open":
        rows.append(("Open findings accepted", ", ".join(f.competency for f in d.findings)))
    rows.append(("Signature", "_" * 36))
    table = _key_table(r, rows, (1.9, 4.8))
    table._tbl.tblStyle_val = r.styles.table()
    _no_header_look(table)


SEVERITY_RULES = (
    ("high", "A Core Competency (1–6) is not addressed."),
    (
        "medium",
        "A core skill (6.i–6.xi) or an Advanced Competency is not addressed, or a Core "
        "Competency is only partially met.",
    ),
    ("low", "A skill or an Advanced Competency is only partially met."),
)
LIMITATIONS = (
    "The review judges the written policy against the framework's statements; it does not "
    "observe practice, training records or how the policy is applied.",
    "The suggestions come from match phrases in the body text of the document (tables, "
    "content controls and tracked insertions included); headers, footers, footnotes, images "
    "and text in pictures are not read.",
    "Coverage is judged for this document alone unless another document of the agency is "
    "named; a competency may be met elsewhere in the agency's policy set.",
    "A suggestion counts as evidence only once a reviewer has confirmed it.",
)
TOP_FINDINGS = 5
CONCLUSION_CHARS = 1200  # of the reviewer's conclusion on page 1 (all of it is in the history)


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
    d = decisions_of(ctx, framework)
    _header_footer(doc, styles, ctx)
    _executive_summary(r, d)
    _page_break(r)
    _toc(r)
    _scope(r, d)
    _method(r, d)
    _page_break(r)
    _overview(r, d)
    _findings(r, d)
    _plan(r, d)
    _matrix(r, d)
    _notes(r, d)
    _rejected(r, d)
    _history(r)
    _limitations(r)
    _signoff(r, d)
    _finish_toc(r)
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
