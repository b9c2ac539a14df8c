"""Build ``templates/review-report.docx``: the styles and page set-up of the review report.

Run ``python templates/build_templates.py`` after changing it; the built file is committed so an
admin can open it in Word, restyle it (fonts, colours, the table style, the header) and save it
back, or save a copy as an agency-specific template. The report generator
(:func:`review.reports.review_report`) keeps the template's styles, page size, margins and
header/footer, throws the specimen body away, and writes the report with these style names:

paragraph  Title, Subtitle, Heading 1-3, Normal, Report Label, Report Value, Table Text,
           Table Heading, Evidence Quote, Banner, Figure Caption, Sign-off Line
character  Status Met, Status Partial, Status Not Addressed, Status Not Applicable
table      Review Table (header row repeated on every page, rows never split)

Header and footer: a paragraph containing ``{agency}``, ``{document}``, ``{report}``, ``{page}`` or ``{pages}``
is rewritten with the values and live PAGE / NUMPAGES fields; if none does, the generator adds its
own line. Anything else in the header (a logo) is kept.

Built with python-docx from its default template, so the result is deterministic apart from the
zip timestamps python-docx writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Inches, Pt, RGBColor

HERE = Path(__file__).resolve().parent
OUT = HERE / "review-report.docx"

FONT = "Arial"  # on every Windows/Mac Word; LibreOffice maps it to Liberation Sans or DejaVu Sans
INK = RGBColor(0x1F, 0x2A, 0x37)
ACCENT = RGBColor(0x1F, 0x4E, 0x79)
MUTED = RGBColor(0x59, 0x62, 0x6D)

STATUS_COLOURS = {
    "Status Met": RGBColor(0x1B, 0x6E, 0x3A),
    "Status Partial": RGBColor(0x9A, 0x5B, 0x00),
    "Status Not Addressed": RGBColor(0xB0, 0x1E, 0x23),
    "Status Not Applicable": RGBColor(0x59, 0x62, 0x6D),
}
SEVERITY_COLOURS = {
    "Severity High": RGBColor(0xB0, 0x1E, 0x23),
    "Severity Medium": RGBColor(0x9A, 0x5B, 0x00),
    "Severity Low": RGBColor(0x59, 0x62, 0x6D),
}


def _paragraph_style(
    doc,
    name: str,
    base: str = "Normal",
    *,
    size: float | None = None,
    bold: bool | None = None,
    italic: bool | None = None,
    colour: RGBColor | None = None,
    before: float | None = None,
    after: float | None = None,
    keep_next: bool | None = None,
):
    styles = doc.styles
    style = (
        styles[name]
        if name in [s.name for s in styles]
        else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    )
    if style.name != base and base:
        style.base_style = styles[base]
    style.quick_style = True
    f = style.font
    f.name = FONT
    if size is not None:
        f.size = Pt(size)
    if bold is not None:
        f.bold = bold
    if italic is not None:
        f.italic = italic
    if colour is not None:
        f.color.rgb = colour
    pf = style.paragraph_format
    if before is not None:
        pf.space_before = Pt(before)
    if after is not None:
        pf.space_after = Pt(after)
    if keep_next is not None:
        pf.keep_with_next = keep_next
    return style


def _table_style(doc) -> None:
    """A bordered table style with a lightly shaded, bold header row and roomy cell margins.

    python-docx cannot describe table-style borders, so the ``w:tblPr`` and the first-row
    conditional formatting are written as XML. The header text colour comes from the "Table
    Heading" paragraph style (dark on light), so the header stays readable in an office suite that
    ignores a table style's conditional formatting.
    """
    style = doc.styles.add_style("Review Table", WD_STYLE_TYPE.TABLE)
    style.base_style = doc.styles["Normal Table"]
    style.font.name = FONT
    style.font.size = Pt(9)
    el = style.element
    for child in el.findall(qn("w:tblPr")):
        el.remove(child)
    el.append(
        parse_xml(
            f"<w:tblPr {nsdecls('w')}>"
            "<w:tblBorders>"
            '<w:top w:val="single" w:sz="6" w:space="0" w:color="8496B0"/>'
            '<w:left w:val="single" w:sz="4" w:space="0" w:color="BFC7D1"/>'
            '<w:bottom w:val="single" w:sz="6" w:space="0" w:color="8496B0"/>'
            '<w:right w:val="single" w:sz="4" w:space="0" w:color="BFC7D1"/>'
            '<w:insideH w:val="single" w:sz="4" w:space="0" w:color="BFC7D1"/>'
            '<w:insideV w:val="single" w:sz="4" w:space="0" w:color="BFC7D1"/>'
            "</w:tblBorders>"
            "<w:tblCellMar>"
            '<w:top w:w="57" w:type="dxa"/><w:left w:w="85" w:type="dxa"/>'
            '<w:bottom w:w="57" w:type="dxa"/><w:right w:w="85" w:type="dxa"/>'
            "</w:tblCellMar>"
            "</w:tblPr>"
        )
    )
    el.append(
        parse_xml(
            f'<w:tblStylePr {nsdecls("w")} w:type="firstRow">'
            "<w:rPr><w:b/></w:rPr>"
            "<w:tblPr/>"
            "<w:trPr><w:tblHeader/></w:trPr>"
            "<w:tcPr>"
            '<w:tcBorders><w:bottom w:val="single" w:sz="12" w:space="0" w:color="1F4E79"/></w:tcBorders>'
            '<w:shd w:val="clear" w:color="auto" w:fill="E3EAF3"/>'
            "</w:tcPr>"
            "</w:tblStylePr>"
        )
    )


def build(out: Path = OUT) -> Path:
    doc = Document()
    props = doc.core_properties
    props.title = "Competency review report"
    props.subject = "Template: styles and page set-up of the review report"
    props.author = "Competency Review"
    props.comments = (
        "Restyle in Word and save; the report generator keeps styles, margins and header."
    )

    section = doc.sections[0]
    section.page_width, section.page_height = Inches(8.5), Inches(11)  # US Letter
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Inches(0.9))
    section.top_margin, section.bottom_margin = Inches(0.9), Inches(0.8)
    section.header_distance = section.footer_distance = Inches(0.4)

    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(10.5)
    normal.font.color.rgb = INK
    normal.paragraph_format.space_after = Pt(6)
    # East-Asian and complex-script fonts too, so right-to-left text picks a font with glyphs
    rfonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        rfonts.set(qn(attr), FONT)

    _paragraph_style(doc, "Title", size=26, bold=True, colour=ACCENT, after=4)
    _paragraph_style(doc, "Subtitle", size=13, italic=False, colour=MUTED, after=18)
    _paragraph_style(
        doc, "Heading 1", size=16, bold=True, colour=ACCENT, before=18, after=6, keep_next=True
    )
    _paragraph_style(
        doc, "Heading 2", size=12.5, bold=True, colour=ACCENT, before=12, after=4, keep_next=True
    )
    _paragraph_style(
        doc, "Heading 3", size=11, bold=True, colour=INK, before=8, after=2, keep_next=True
    )
    _paragraph_style(doc, "Report Label", size=8.5, bold=True, colour=MUTED, after=0)
    _paragraph_style(doc, "Report Value", size=10.5, after=0)
    _paragraph_style(doc, "Table Text", size=9, after=0)
    _paragraph_style(
        doc, "Table Heading", size=9, bold=True, colour=ACCENT, after=0, keep_next=True
    )
    _paragraph_style(doc, "Evidence Quote", size=8.5, italic=True, colour=MUTED, after=2)
    _paragraph_style(doc, "Figure Caption", size=8.5, italic=True, colour=MUTED, after=10)
    banner = _paragraph_style(
        doc, "Banner", size=10.5, bold=True, colour=RGBColor(0x8A, 0x4B, 0x00), before=6, after=10
    )
    banner.element.get_or_add_pPr().append(
        parse_xml(
            f"<w:pBdr {nsdecls('w')}>"
            '<w:top w:val="single" w:sz="8" w:space="4" w:color="C58B00"/>'
            '<w:left w:val="single" w:sz="8" w:space="4" w:color="C58B00"/>'
            '<w:bottom w:val="single" w:sz="8" w:space="4" w:color="C58B00"/>'
            '<w:right w:val="single" w:sz="8" w:space="4" w:color="C58B00"/>'
            "</w:pBdr>"
        )
    )
    _paragraph_style(doc, "Sign-off Line", size=10.5, before=14, after=2)
    conclusion = _paragraph_style(doc, "Conclusion", size=11, colour=INK, before=2, after=6)
    conclusion.element.get_or_add_pPr().append(
        parse_xml(
            f"<w:pBdr {nsdecls('w')}>"
            '<w:left w:val="single" w:sz="18" w:space="8" w:color="1F4E79"/>'
            "</w:pBdr>"
        )
    )
    conclusion.paragraph_format.left_indent = Inches(0.15)
    _paragraph_style(doc, "Decision", size=15, bold=True, colour=ACCENT, before=6, after=6)
    _paragraph_style(doc, "Compact Text", size=8.5, after=0)
    _paragraph_style(doc, "TOC Heading", size=12.5, bold=True, colour=ACCENT, before=6, after=4)
    _paragraph_style(doc, "TOC 1", size=10, after=2)
    _paragraph_style(doc, "TOC 2", size=9.5, after=1).paragraph_format.left_indent = Inches(0.25)
    for name in ("Header", "Footer"):
        _paragraph_style(doc, name, size=8.5, colour=MUTED)

    for name, colour in STATUS_COLOURS.items():
        cs = doc.styles.add_style(name, WD_STYLE_TYPE.CHARACTER)
        cs.font.bold = True
        cs.font.color.rgb = colour
        cs.quick_style = True
    for name, colour in SEVERITY_COLOURS.items():
        cs = doc.styles.add_style(name, WD_STYLE_TYPE.CHARACTER)
        cs.font.bold = True
        cs.font.color.rgb = colour
        cs.quick_style = True
    _table_style(doc)

    # Header and footer placeholders (see the module docstring).
    header = section.header.paragraphs[0]
    header.text = "{agency} · {document}"
    header.style = doc.styles["Header"]
    footer = section.footer.paragraphs[0]
    footer.text = "{report} · page {page} of {pages}"
    footer.style = doc.styles["Footer"]
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT

    # A specimen body, so an admin sees every style; the generator replaces it.
    doc.add_paragraph("Competency review report", style="Title")
    doc.add_paragraph(
        "Specimen of every style the generated report uses — restyle them here.", style="Subtitle"
    )
    doc.add_paragraph(
        "Suggested, not reviewed: this banner marks machine suggestions.", style="Banner"
    )
    doc.add_heading("Heading 1", level=1)
    doc.add_heading("Heading 2", level=2)
    doc.add_heading("Heading 3", level=3)
    doc.add_paragraph("Report Label", style="Report Label")
    doc.add_paragraph("Report Value", style="Report Value")
    doc.add_paragraph("Normal paragraph text.")
    p = doc.add_paragraph("Status styles: ", style="Normal")
    for name in STATUS_COLOURS:
        p.add_run(name.removeprefix("Status "), style=name)
        p.add_run("  ")
    table = doc.add_table(rows=2, cols=3)
    table.style = doc.styles["Review Table"]
    for i, text in enumerate(("Competency", "Status", "Evidence")):
        table.rows[0].cells[i].paragraphs[0].text = text
        table.rows[0].cells[i].paragraphs[0].style = doc.styles["Table Heading"]
    table.rows[1].cells[0].paragraphs[0].text = "Table Text"
    table.rows[1].cells[0].paragraphs[0].style = doc.styles["Table Text"]
    table.rows[1].cells[1].paragraphs[0].add_run("Met", style="Status Met")
    table.rows[1].cells[2].paragraphs[0].text = "“Evidence Quote”"
    table.rows[1].cells[2].paragraphs[0].style = doc.styles["Evidence Quote"]
    doc.add_paragraph("Figure Caption", style="Figure Caption")
    doc.add_paragraph("Sign-off Line ______________________", style="Sign-off Line")

    doc.save(str(out))
    return out


if __name__ == "__main__":
    path = build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
    print(f"wrote {path}")
