"""Policies laid out as a two-column table: "PURPOSE | To establish ...", a label cell beside the
section's text. Each label row is a section; tables that are data (a header row, short fields,
a list of terms under a heading) stay rows of body text (review/parsing/docx_reader.py,
``_table_titles``)."""

from __future__ import annotations

import dataclasses
import io

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from test_reports_fixtures import REVIEWER, _ev, make_context

from review.models import ReportLink
from review.parsing import parse_bytes, word_copy
from review.reports import annotated_policy
from tests.conftest import require_tool
from tests.docx_factory import define_list, new_document, set_numbering, to_bytes
from tests.office import soffice_convert
from tests.pdf_factory import flow_pdf, label_row, para, row

PURPOSE = "To set out how the program receives visitors and keeps each youth safe."
POLICY = "The program admits a visitor only with the approval of the case manager of the youth."
STEPS = ("Staff check the photo identification of each visitor at the front desk.", "Staff log it.")


def _shade(cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    tcpr.append(parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{fill}"/>'))


def _label(cell, text: str, how: str) -> None:
    """Write a label cell set apart ``how``: bold, underline, caps (typed in capitals), shaded
    (a gray cell), heading (the Heading 3 style) or plain."""
    para = cell.paragraphs[0]
    if how == "heading":
        para.style = "Heading 3"
    run = para.add_run(text.upper() if how == "caps" else text)
    run.bold = True if how == "bold" else None  # (None: as the styles say)
    run.underline = True if how == "underline" else None
    if how == "shaded":
        _shade(cell, "D9D9D9")


def _body(cell, lines) -> list:
    paras = [cell.paragraphs[0]]
    paras[0].add_run(lines[0])
    paras += [cell.add_paragraph(line) for line in lines[1:]]
    return paras


def laid_out(
    how: str = "bold",
    rows=(("Purpose", (PURPOSE,)), ("Policy", (POLICY,)), ("Procedure", STEPS)),
    above=None,
    header=None,
    fields=(("Policy Number", "4.2"),),
    after="Approved by the executive director.",
) -> docx.document.Document:
    """A visitor policy whose sections are the rows of one table."""
    doc = new_document()
    if above is None:
        doc.add_paragraph("Visitor Policy", style="Title")
    else:
        for item in above:
            if isinstance(item, tuple):
                doc.add_heading(item[1], level=item[0])
            else:
                doc.add_paragraph(item)
    table = doc.add_table(rows=0, cols=2)
    if header:
        for cell, text in zip(table.add_row().cells, header, strict=True):
            cell.paragraphs[0].add_run(text).bold = True
    for name, value in fields:
        cells = table.add_row().cells
        _label(cells[0], name, how)
        cells[1].paragraphs[0].add_run(value)
    for name, lines in rows:
        cells = table.add_row().cells
        _label(cells[0], name, how)
        _body(cells[1], lines)
    if after:
        doc.add_paragraph(after)
    return doc


def outline(doc) -> list[tuple[int, str, str, str]]:
    parsed = parse_bytes(to_bytes(doc), "policy.docx")
    return [(s.level, s.kind, s.title, s.text) for s in parsed.sections]


@pytest.mark.parametrize("how", ["bold", "underline", "caps", "shaded", "heading"])
def test_each_label_row_of_a_laid_out_policy_is_a_section(how: str):
    name = str.upper if how == "caps" else str
    assert outline(laid_out(how)) == [
        (0, "preamble", "Visitor Policy", f"{name('Policy Number')} | 4.2"),
        (1, "table", name("Purpose"), PURPOSE),
        (1, "table", name("Policy"), POLICY),
        # the cell's paragraphs are the section's lines; the text after the table follows on
        (1, "table", name("Procedure"), "\n".join(STEPS) + "\nApproved by the executive director."),
    ]


def _styled(doc, first_row: bool, first_col: bool, style: str = "Light Grid Accent 1"):
    """Give the document's table a style whose first row and first column are bold, and turn
    each of those on or off (``w:tblLook``, as Word writes it)."""
    table = doc.tables[0]
    table.style = doc.styles[style]
    tblpr = table._tbl.tblPr
    for old in tblpr.findall(qn("w:tblLook")):
        tblpr.remove(old)
    bits = (0x20 if first_row else 0) | (0x80 if first_col else 0) | 0x400
    tblpr.append(
        parse_xml(
            f'<w:tblLook {nsdecls("w")} w:val="{bits:04X}" w:firstRow="{int(first_row)}"'
            f' w:firstColumn="{int(first_col)}" w:noVBand="1"/>'
        )
    )
    return doc


def test_labels_set_bold_by_the_table_styles_first_column_are_set_apart():
    doc = _styled(laid_out("plain", fields=()), first_row=False, first_col=True)
    assert [(k, t) for _, k, t, _ in outline(doc)] == [
        ("table", "Purpose"),
        ("table", "Policy"),
        ("table", "Procedure"),
    ]
    # the same style with its first column turned off: nothing sets the labels apart
    plain = _styled(laid_out("plain", fields=()), first_row=False, first_col=False)
    assert [k for _, k, _, _ in outline(plain)] == ["preamble"]


def test_a_header_row_set_bold_by_the_table_style_makes_a_data_table():
    doc = laid_out("plain", fields=(), header=("Term", "Meaning"))
    for run in (
        doc.tables[0].rows[0].cells[0].paragraphs[0].runs
        + doc.tables[0].rows[0].cells[1].paragraphs[0].runs
    ):
        run.bold = None  # bold only through the style
    assert [k for _, k, _, _ in outline(_styled(doc, first_row=True, first_col=True))] == [
        "preamble"
    ]
    # (without the header row's look, the first column's bold makes the rows sections)
    assert "table" in [k for _, k, _, _ in outline(_styled(doc, first_row=False, first_col=True))]


def test_label_rows_nest_under_the_policy_name_as_a_heading_above_the_table():
    got = outline(laid_out(above=[(1, "Visitor Policy")], fields=()))
    assert [(level, title) for level, _, title, _ in got] == [
        (1, "Visitor Policy"),
        (2, "Purpose"),
        (2, "Policy"),
        (2, "Procedure"),
    ]


def test_a_policy_laid_out_one_table_per_section():
    doc = new_document()
    doc.add_paragraph("Visitor Policy", style="Title")
    for name, lines in (("Purpose", (PURPOSE,)), ("Policy", (POLICY,))):
        cells = doc.add_table(rows=1, cols=2).rows[0].cells
        _label(cells[0], name, "bold")
        _body(cells[1], lines)
        doc.add_paragraph()
    assert [(k, t, x) for _, k, t, x in outline(doc)] == [
        ("table", "Purpose", PURPOSE),
        ("table", "Policy", POLICY),
    ]


def test_list_numbers_in_a_label_rows_text_are_its_line_labels():
    doc = laid_out(rows=(("Purpose", (PURPOSE,)), ("Procedure", STEPS)), fields=())
    num = define_list(doc, 100, [("decimal", "%1.")])
    steps = doc.tables[0].rows[1].cells[1].paragraphs
    for step in steps:
        set_numbering(step, num)
    parsed = parse_bytes(to_bytes(doc), "policy.docx")
    procedure = parsed.sections[-1]
    assert procedure.title == "Procedure"
    assert procedure.line_labels == ("1.", "2.", "")
    assert procedure.shown_text.splitlines()[:2] == [f"1. {STEPS[0]}", f"2. {STEPS[1]}"]


# --------------------------------------------------------------------------- tables that stay rows


def test_a_table_whose_first_row_names_its_columns_is_data():
    got = outline(laid_out(header=("Term", "Meaning"), fields=()))
    assert [k for _, k, _, _ in got] == ["preamble"]
    assert got[0][3].splitlines()[:2] == ["Term | Meaning", f"Purpose | {PURPOSE}"]


def test_labels_set_apart_from_nothing_are_rows():
    got = outline(laid_out("plain"))
    assert [k for _, k, _, _ in got] == ["preamble"]


def test_a_bold_text_cell_does_not_set_a_bold_label_apart():
    doc = laid_out(fields=())
    for tr in doc.tables[0].rows:
        for cell_para in tr.cells[1].paragraphs:
            for run in cell_para.runs:
                run.bold = True
    assert [k for _, k, _, _ in outline(doc)] == ["preamble"]


def test_short_fields_are_rows_not_sections():
    fields = (
        ("Policy Number", "4.2"),
        ("Effective Date", "January 1, 2026"),
        ("Owner", "Director"),
    )
    got = outline(laid_out(rows=(), fields=fields))
    assert [k for _, k, _, _ in got] == ["preamble"]


def test_one_label_row_in_a_document_is_a_row():
    got = outline(laid_out(rows=(("Purpose", (PURPOSE,)),)))
    assert [k for _, k, _, _ in got] == ["preamble"]


def test_a_sentence_in_the_label_cell_is_no_title():
    rows = (
        ("Staff must report every visit to the supervisor on duty.", (PURPOSE,)),
        ("Visitors who arrive after hours wait in the lobby until approved.", (POLICY,)),
    )
    assert [k for _, k, _, _ in outline(laid_out(rows=rows))] == ["preamble"]


def test_a_list_of_terms_under_a_heading_with_text_is_that_sections_body():
    terms = (
        ("Visitor", ("A person who is not staff and comes to see a youth in the program.",)),
        ("Case manager", ("The staff member who plans and coordinates a youth's services.",)),
    )
    above = [(1, "Purpose"), PURPOSE, (1, "Definitions")]
    got = outline(laid_out(rows=terms, above=above, fields=(), after=""))
    assert [(k, t) for _, k, t, _ in got] == [("heading", "Purpose"), ("heading", "Definitions")]
    assert got[1][3].splitlines()[0] == f"Visitor | {terms[0][1][0]}"


# --------------------------------------------------------------------------- the annotated copy


def test_the_annotated_copy_comments_on_the_label_cell_and_marks_the_text_cell():
    data = to_bytes(laid_out())
    sections = parse_bytes(data, "policy.docx").sections
    policy = next(s for s in sections if s.title == "Policy")
    link = ReportLink(
        policy.id,
        "A10",
        "confirmed",
        88.0,
        (_ev(policy, "approval of the case manager", "approval of the case manager"),),
        decided_by=REVIEWER,
        decided_at="2024-05-02T10:05:00+00:00",
    )
    ctx = dataclasses.replace(
        make_context(), sections=sections, links=[link], original=data, coverage=[]
    )
    out = docx.Document(io.BytesIO(annotated_policy(ctx, highlight=True)))
    label, text = out.tables[0].rows[2].cells
    assert label.paragraphs[0].text == "Policy"
    starts = label.paragraphs[0]._p.xpath(".//w:commentRangeStart/@w:id")
    (comment,) = [c for c in out.comments if str(c.comment_id) in starts]
    assert "A10" in comment.text and comment.author == REVIEWER
    shaded = [r.text for r in text.paragraphs[0].runs if r._r.xpath("./w:rPr/w:shd")]
    assert shaded == ["approval of the case manager"]


# --------------------------------------------------------------------------- PDFs


def _pdf(*rows, before=(), after=()) -> bytes:
    return flow_pdf([para("Visitor Policy", 20, True), *before, *rows, *after])


def test_the_label_rows_of_a_pdf_are_sections_and_the_word_copy_keeps_them_one_paragraph():
    data = _pdf(
        row(["Policy Number", "4.2"]),
        label_row("Purpose", PURPOSE),
        label_row("Policy", POLICY),
        after=[para(STEPS[0])],
    )
    parsed = parse_bytes(data, "policy.pdf")
    assert [(s.kind, s.title, s.text) for s in parsed.sections] == [
        ("preamble", "Visitor Policy", "Policy Number | 4.2"),
        ("table", "Purpose", PURPOSE),
        ("table", "Policy", f"{POLICY}\n{STEPS[0]}"),
    ]
    copy = docx.Document(io.BytesIO(word_copy(data, "policy.pdf", "pdf")))
    at = parsed.sections[2].first_par
    assert copy.paragraphs[at].text == f"Policy {POLICY}"
    assert [r.bold for r in copy.paragraphs[at].runs] == [True, None]


@pytest.mark.parametrize(
    "rows",
    [
        pytest.param([row(["Term", "Meaning"], bold=True)], id="header row"),
        pytest.param([], id="one label row"),
    ],
)
def test_pdf_tables_that_are_data_stay_rows(rows):
    data = _pdf(*rows, label_row("Visitor", PURPOSE), *([label_row("Policy", POLICY)] * bool(rows)))
    assert [s.kind for s in parse_bytes(data, "policy.pdf").sections] == ["preamble"]


@pytest.mark.parametrize(
    "rows",
    [
        pytest.param(
            [
                label_row("Purpose", PURPOSE, text_bold=True),
                label_row("Policy", POLICY, text_bold=True),
            ],
            id="bold text beside bold labels",
        ),
        pytest.param(
            [label_row("Effective Date", "January 1, 2026"), label_row("Owner", "The director")],
            id="short fields",
        ),
        pytest.param(
            [
                label_row("for each visit,", PURPOSE),  # (short: the label cell is narrow)
                label_row("and each call;", POLICY),
            ],
            id="clauses as labels",
        ),
    ],
)
def test_pdf_rows_whose_labels_are_no_titles_stay_rows(rows):
    assert [s.kind for s in parse_bytes(_pdf(*rows), "policy.pdf").sections] == ["preamble"]


def test_pdf_labels_not_set_apart_or_under_a_section_with_text_stay_rows():
    plain = _pdf(label_row("Purpose", PURPOSE, bold=False), label_row("Policy", POLICY, bold=False))
    assert [s.kind for s in parse_bytes(plain, "policy.pdf").sections] == ["preamble"]
    terms = _pdf(
        label_row("Visitor", PURPOSE),
        label_row("Case manager", POLICY),
        before=[para("Scope", 14, True), para(STEPS[0]), para("Definitions", 14, True)],
    )
    assert [s.title for s in parse_bytes(terms, "policy.pdf").sections] == ["Scope", "Definitions"]


@pytest.mark.office
def test_a_libreoffice_pdf_of_a_laid_out_policy_has_the_docxs_sections(tmp_path):
    soffice = require_tool("soffice", "libreoffice")
    fixtures = {
        "bold": laid_out("bold"),
        "caps": laid_out("caps"),
        "style": _styled(laid_out("plain"), first_row=False, first_col=True),
        "data": laid_out("plain"),
    }
    for name, doc in fixtures.items():
        doc.save(tmp_path / f"{name}.docx")
    files = [tmp_path / f"{name}.docx" for name in fixtures]
    soffice_convert(soffice, "pdf", files, tmp_path / "out", tmp_path / "profile")
    for name in fixtures:
        from_docx = parse_bytes((tmp_path / f"{name}.docx").read_bytes(), "policy.docx")
        from_pdf = parse_bytes((tmp_path / "out" / f"{name}.pdf").read_bytes(), "policy.pdf")
        if name == "data":  # (a row's cell of two paragraphs reads differently in a PDF)
            assert [s.kind for s in from_pdf.sections] == ["preamble"]
            continue
        shape = [(s.kind, s.title, s.text) for s in from_docx.sections]
        assert [k for k, _, _ in shape] == ["preamble", "table", "table", "table"]
        got = [(s.kind, s.title, s.text) for s in from_pdf.sections]
        if name == "style":  # (the style sets no space between a cell's paragraphs: in the
            # PDF they read as one)
            got = [(k, t, " ".join(x.split())) for k, t, x in got]
            shape = [(k, t, " ".join(x.split())) for k, t, x in shape]
        assert got == shape, name
