"""Text Word renders invisibly (white on white, near-white, tiny) is left out like hidden text.

Every fixture is a real .docx written by python-docx: a heading, a body sentence in ordinary
text (which must stay) and, beside it, the concealed sentence formatted one way or another. The
parser must keep exactly what Word shows: the concealed words are in no section title or body,
so they are never analyzed or shown as evidence, and the upload summary says how many words
were left out. The LibreOffice check at the end renders the same files to PDF and looks at the
pixels: every word we keep is drawn visibly, every word we leave out is not.
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import docx
import pytest
from conftest import require_tool
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from review.errors import UnreadableDocument
from review.parsing import parse_bytes
from review.parsing.visibility import left_out_note
from tests.office import soffice_convert

SHOWN = "Visitors sign in at the front desk."
CONCEALED = "Staff are mandated reporters and report suspected trafficking to the hotline."
CONCEALED_WORDS = len(CONCEALED.split())  # 11
WHITE = RGBColor(0xFF, 0xFF, 0xFF)
BLACK = RGBColor(0, 0, 0)


# ------------------------------------------------------------------ building the files


def _shd(fill: str, val: str = "clear", color: str = "auto"):
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), val)
    shd.set(qn("w:color"), color)
    shd.set(qn("w:fill"), fill)
    return shd


def _color(run, val: str, theme: str | None = None) -> None:
    rpr = run._r.get_or_add_rPr()
    el = OxmlElement("w:color")
    el.set(qn("w:val"), val)
    if theme:
        el.set(qn("w:themeColor"), theme)
    rpr.append(el)


def _doc(fill) -> bytes:
    """A document: a heading, then a paragraph whose first run is SHOWN (plain) and whose second
    run, CONCEALED, ``fill(doc, paragraph, run)`` formats."""
    doc = docx.Document()
    doc.add_heading("Visitors", level=1)
    p = doc.add_paragraph()
    p.add_run(SHOWN + " ")
    fill(doc, p, p.add_run(CONCEALED))
    doc.add_heading("Records", level=1)
    doc.add_paragraph("Records are kept for seven years.")
    return _bytes(doc)


def _bytes(doc) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def white_run(doc, p, run):
    run.font.color.rgb = WHITE


def white_character_style(doc, p, run):
    st = doc.styles.add_style("Ghost", WD_STYLE_TYPE.CHARACTER)
    st.font.color.rgb = WHITE
    run.style = st


def white_based_character_style(doc, p, run):
    """A character style that inherits the white from the style it is based on."""
    base = doc.styles.add_style("Ghost", WD_STYLE_TYPE.CHARACTER)
    base.font.color.rgb = WHITE
    st = doc.styles.add_style("Ghost Child", WD_STYLE_TYPE.CHARACTER)
    st.base_style = base
    st.font.bold = False
    run.style = st


def white_theme_background1(doc, p, run):
    """``w:themeColor="background1"`` (white in the default theme), as Word writes it."""
    _color(run, "FFFFFF", theme="background1")


def white_theme_background1_stale_value(doc, p, run):
    """Word takes the theme color over ``w:val``: white, whatever ``w:val`` says. (LibreOffice
    7.4 draws ``w:val`` here: not in the LibreOffice comparison.)"""
    _color(run, "000000", theme="background1")


def near_white(doc, p, run):
    run.font.color.rgb = RGBColor(0xF2, 0xF2, 0xF2)


def one_point(doc, p, run):
    run.font.size = Pt(1)


def _in_cell(doc, p, run, fill: str | None, table_style: str | None = None) -> None:
    """Move the run's sentence into a one-cell table after ``p``, shaded ``fill``, in white."""
    p._p.remove(run._r)
    table = doc.add_table(rows=1, cols=1)
    if table_style:
        table.style = doc.styles[table_style]
    cell = table.rows[0].cells[0]
    if fill:
        cell._tc.get_or_add_tcPr().append(_shd(fill))
    cell.paragraphs[0].add_run(CONCEALED).font.color.rgb = WHITE
    p._p.addnext(table._tbl)


def white_on_white_cell(doc, p, run):
    _in_cell(doc, p, run, "FFFFFF")


def white_on_white_paragraph_shading(doc, p, run):
    run.font.color.rgb = WHITE
    p._p.get_or_add_pPr().append(_shd("FFFFFF"))


def white_highlight_white_text(doc, p, run):
    run.font.color.rgb = WHITE
    run.font.highlight_color = WD_COLOR_INDEX.WHITE


def yellow_on_yellow_highlight(doc, p, run):
    run.font.color.rgb = RGBColor(0xFF, 0xFF, 0x00)
    run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def black_on_black_run_shading(doc, p, run):
    run.font.color.rgb = BLACK
    run._r.get_or_add_rPr().append(_shd("000000"))


def white_paragraph_style(doc, p, run):
    """The sentence moves into a paragraph of its own, in a white paragraph style."""
    st = doc.styles.add_style("Ghost Para", WD_STYLE_TYPE.PARAGRAPH)
    st.font.color.rgb = WHITE
    p._p.remove(run._r)
    q = doc.add_paragraph(CONCEALED, style=st)
    p._p.addnext(q._p)


def white_on_dark_cell(doc, p, run):
    _in_cell(doc, p, run, "1F3864")


def white_on_dark_paragraph_shading(doc, p, run):
    run.font.color.rgb = WHITE
    p._p.get_or_add_pPr().append(_shd("000000"))


def white_on_black_highlight(doc, p, run):
    run.font.color.rgb = WHITE
    run.font.highlight_color = WD_COLOR_INDEX.BLACK


def white_on_solid_pattern(doc, p, run):
    """``w:val="solid"``: the pattern color (black), not the fill, is what shows."""
    run.font.color.rgb = WHITE
    run._r.get_or_add_rPr().append(_shd("FFFFFF", val="solid", color="000000"))


def dark_on_dark_shading(doc, p, run):
    """Navy text on a dark gray cell: dark on dark, but a different color: shown."""
    run.font.color.rgb = RGBColor(0x1F, 0x38, 0x64)
    p._p.get_or_add_pPr().append(_shd("404040"))


def auto_color(doc, p, run):
    _color(run, "auto")


def light_gray(doc, p, run):
    run.font.color.rgb = RGBColor(0xD9, 0xD9, 0xD9)  # faint, but a reader sees it


def two_point(doc, p, run):
    run.font.size = Pt(2)


def yellow_highlight(doc, p, run):
    run.font.highlight_color = WD_COLOR_INDEX.YELLOW  # black on yellow: the point of a highlight


def _page_color(doc, color: str, displayed: bool) -> None:
    bg = OxmlElement("w:background")
    bg.set(qn("w:color"), color)
    doc.element.insert(0, bg)
    if displayed:  # what Word adds to settings.xml when an author picks a page color
        doc.settings.element.insert(0, OxmlElement("w:displayBackgroundShape"))


def white_on_dark_page(doc, p, run):
    """A dark page color Word displays: white text on it shows."""
    _page_color(doc, "000000", displayed=True)
    run.font.color.rgb = WHITE


def white_on_undisplayed_page_color(doc, p, run):
    """A page color without ``w:displayBackgroundShape`` is not painted: the page is white."""
    _page_color(doc, "000000", displayed=False)
    run.font.color.rgb = WHITE


def white_in_shaded_table_style(doc, p, run):
    """A cell of a table whose table style shades rows: the fill is not worked out, so the
    white text is kept rather than risk dropping white-on-dark header text."""
    _in_cell(doc, p, run, None, "Medium Shading 1 Accent 1")


INVISIBLE = [
    white_run,
    white_character_style,
    white_based_character_style,
    white_theme_background1,
    white_theme_background1_stale_value,
    near_white,
    one_point,
    white_on_white_cell,
    white_on_white_paragraph_shading,
    white_highlight_white_text,
    yellow_on_yellow_highlight,
    black_on_black_run_shading,
    white_paragraph_style,
    white_on_undisplayed_page_color,
]

VISIBLE = [
    white_on_dark_cell,
    white_on_dark_paragraph_shading,
    white_on_black_highlight,
    white_on_solid_pattern,
    dark_on_dark_shading,
    auto_color,
    light_gray,
    two_point,
    yellow_highlight,
    white_on_dark_page,
    white_in_shaded_table_style,
]


def _text(data: bytes) -> str:
    doc = parse_bytes(data, "policy.docx")
    return " ".join(f"{s.title} {s.text}" for s in doc.sections)


# ------------------------------------------------------------------ the parser


@pytest.mark.parametrize("fill", INVISIBLE, ids=lambda f: f.__name__)
def test_invisible_text_is_left_out_and_counted(fill):
    doc = parse_bytes(_doc(fill), "policy.docx")
    text = " ".join(f"{s.title} {s.text}" for s in doc.sections)
    assert SHOWN in text  # the ordinary sentence beside it stays
    assert "Records are kept for seven years." in text
    for word in ("mandated", "reporters", "trafficking", "hotline"):
        assert word not in text
    assert dict(doc.left_out) == {"invisible": CONCEALED_WORDS}


@pytest.mark.parametrize("fill", VISIBLE, ids=lambda f: f.__name__)
def test_visible_text_is_kept(fill):
    doc = parse_bytes(_doc(fill), "policy.docx")
    text = " ".join(f"{s.title} {s.text}" for s in doc.sections)
    assert SHOWN in text and CONCEALED in text
    assert doc.left_out == ()


def test_document_defaults_white_only_the_black_runs_show():
    doc = docx.Document()
    rpr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    el = OxmlElement("w:color")
    el.set(qn("w:val"), "FFFFFF")
    rpr.append(el)
    doc.styles["Normal"].font.color.rgb = None  # Normal says nothing: the default applies
    p = doc.add_paragraph()
    p.add_run(SHOWN + " ").font.color.rgb = BLACK
    p.add_run(CONCEALED)
    parsed = parse_bytes(_bytes(doc), "policy.docx")
    text = " ".join(s.text for s in parsed.sections)
    assert SHOWN in text and "mandated" not in text
    assert dict(parsed.left_out) == {"invisible": CONCEALED_WORDS}


def test_an_invisible_heading_is_no_section_title():
    doc = docx.Document()
    doc.add_heading("Visitors", level=1)
    doc.add_paragraph(SHOWN)
    h = doc.add_heading("", level=1)
    h.add_run("Mandated Reporting").font.color.rgb = WHITE
    doc.add_paragraph("Records are kept for seven years.")
    parsed = parse_bytes(_bytes(doc), "policy.docx")
    assert [s.title for s in parsed.sections] == ["Visitors"]
    assert "Mandated" not in parsed.sections[0].text
    assert dict(parsed.left_out) == {"invisible": 2}


def test_words_split_over_runs_count_once_and_shown_text_separates():
    doc = docx.Document()
    p = doc.add_paragraph()
    p.add_run("key").font.color.rgb = WHITE
    p.add_run("word").font.size = Pt(1)  # another invisible run, same word: one word
    p.add_run(" " + SHOWN + " ")
    p.add_run("hidden").font.color.rgb = WHITE
    r = p.add_run("again")
    r.font.color.rgb = WHITE
    parsed = parse_bytes(_bytes(doc), "policy.docx")
    assert parsed.sections[0].text == SHOWN
    assert dict(parsed.left_out) == {"invisible": 2}  # "keyword", "hiddenagain"


def test_hidden_and_invisible_are_counted_apart():
    doc = docx.Document()
    p = doc.add_paragraph(SHOWN + " ")
    p.add_run("two hidden").font.hidden = True
    p.add_run(" three white words").font.color.rgb = WHITE
    parsed = parse_bytes(_bytes(doc), "policy.docx")
    assert parsed.sections[0].text == SHOWN
    assert dict(parsed.left_out) == {"hidden": 2, "invisible": 3}


def test_a_text_box_anchored_in_a_white_run_is_still_read(tmp_path):
    """The anchor run's color is not the box's: a white (empty) anchor hides no text box."""
    from tests import hostile_files as hf

    box = (
        b'<w:p><w:r><w:rPr><w:color w:val="FFFFFF"/></w:rPr><w:t>x</w:t>'
        b"<w:pict><v:shape xmlns:v='urn:schemas-microsoft-com:vml'><v:textbox><w:txbxContent>"
        b"<w:p><w:r><w:t>" + SHOWN.encode() + b"</w:t></w:r></w:p>"
        b"</w:txbxContent></v:textbox></v:shape></w:pict></w:r></w:p>"
    )
    parsed = parse_bytes(hf._with_body(box), "policy.docx")
    assert SHOWN in " ".join(s.text for s in parsed.sections)
    assert dict(parsed.left_out) == {"invisible": 1}


def test_a_document_all_in_white_is_refused_saying_why():
    doc = docx.Document()
    doc.add_paragraph().add_run(CONCEALED).font.color.rgb = WHITE
    with pytest.raises(UnreadableDocument) as info:
        parse_bytes(_bytes(doc), "policy.docx")
    assert info.value.reason == "empty"
    assert "no text that Word shows" in str(info.value)
    assert f"{CONCEALED_WORDS} words in white or tiny text" in str(info.value)


def test_the_left_out_note_reads_well():
    assert left_out_note(()) == ""
    assert left_out_note((("invisible", 12),)) == (
        "12 words in white or tiny text that Word does not show (colored like the background "
        "or under 2 pt) were left out of the review."
    )
    assert left_out_note((("hidden", 1),)) == (
        "1 word of hidden text that Word does not show was left out of the review."
    )
    assert left_out_note((("hidden", 1), ("invisible", 1))).startswith(
        "1 word of hidden text and 1 word in white or tiny text"
    )
    assert left_out_note({"invisible": 1}).endswith("was left out of the review.")


def test_left_out_survives_the_stored_form():
    from review.models import ParsedDocument

    parsed = parse_bytes(_doc(white_run), "policy.docx")
    again = ParsedDocument.from_dict(parsed.to_dict())
    assert again.left_out == parsed.left_out == (("invisible", CONCEALED_WORDS),)
    plain = parse_bytes(_doc(auto_color), "policy.docx")
    assert "left_out" not in plain.to_dict()  # documents without it are stored as before


# ------------------------------------------------------------------ the upload summary


def test_the_upload_summary_says_how_much_was_left_out_and_nothing_is_suggested(data_dir):
    from tests import hostile_files as hf
    from tests.e2e_support import Seed

    seed = Seed(data_dir)
    concealed_alone = docx.Document()
    concealed_alone.add_heading("Reporting", level=1)
    concealed_alone.add_paragraph(CONCEALED)
    shown = seed.upload("alice", _bytes(concealed_alone))
    assert shown.suggestion_count > 0  # the sentence alone is suggested ...
    assert "left out" not in shown.message

    white = docx.Document()
    white.add_heading("Reporting", level=1)
    p = white.add_paragraph(SHOWN + " ")
    p.add_run(CONCEALED).font.color.rgb = WHITE
    result = seed.upload("alice", _bytes(white))
    assert result.suggestion_count == 0  # ... in white, it scores nothing
    assert (
        f"{CONCEALED_WORDS} words in white or tiny text that Word does not show (colored like "
        "the background or under 2 pt) were left out of the review."
    ) in result.message

    hidden = seed.upload("alice", hf.hidden_text_docx())
    assert "of hidden text that Word does not show" in hidden.message


# ------------------------------------------------------------------ against LibreOffice


def _ink(ppm: bytes):
    """(width, height, pixel getter) of a binary PPM (P6) as pdftoppm writes it."""
    parts = ppm.split(maxsplit=4)
    assert parts[0] == b"P6"
    w, h, data = int(parts[1]), int(parts[2]), parts[4]

    def px(x: int, y: int) -> tuple[int, int, int]:
        i = 3 * (y * w + x)
        return data[i], data[i + 1], data[i + 2]

    return w, h, px


def _drawn_words(pdf: Path, work: Path) -> list[str]:
    """The words of a PDF that are visibly drawn: at least 2 pt tall, with pixels in their box
    that differ from the box's most common color (what the text sits on) by more than the
    parser's tolerance on some channel."""
    import re
    from collections import Counter

    from review.parsing.visibility import COLOR_TOLERANCE

    pdftotext = require_tool("pdftotext")
    pdftoppm = require_tool("pdftoppm")
    html = subprocess.run(
        [pdftotext, "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    scale = 2  # 144 dpi: 2 px a point
    subprocess.run(
        [pdftoppm, "-r", str(72 * scale), "-f", "1", "-l", "1", str(pdf), str(work / "page")],
        check=True,
        capture_output=True,
    )
    ppm = next(work.glob("page*.ppm")).read_bytes()
    w, h, px = _ink(ppm)
    page = html.split("</page>")[0]
    out = []
    pat = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
    for m in re.finditer(pat, page):
        x0, y0, x1, y1 = (float(v) for v in m.groups()[:4])
        if y1 - y0 < 2:
            continue
        # the middle half of the box, where every glyph has ink and a highlight band or a
        # shading covers it all (the full box can reach past them into the page)
        mid, half = (y0 + y1) / 2 * scale, (y1 - y0) / 4 * scale
        bx0, bx1 = max(int(x0 * scale) + 1, 0), min(int(x1 * scale) - 1, w - 1)
        by0, by1 = max(int(mid - half), 0), min(int(mid + half), h - 1)
        box = [px(x, y) for y in range(by0, by1 + 1) for x in range(bx0, bx1 + 1)]
        ground = Counter(box).most_common(1)[0][0]
        seen = any(
            max(abs(a - b) for a, b in zip(c, ground, strict=True)) > COLOR_TOLERANCE for c in box
        )
        if seen:
            out.append(m.group(5))
    return out


@pytest.mark.office
def test_kept_text_is_what_libreoffice_draws(tmp_path):
    """Each fixture rendered by LibreOffice to PDF, the PDF to pixels: the words the parser
    keeps are exactly the words drawn visibly on the page (pdftotext alone would not do: a PDF
    keeps white and tiny text as text)."""
    soffice = require_tool("soffice", "libreoffice")
    cases = {
        f.__name__: _doc(f)
        for f in INVISIBLE + VISIBLE
        if f is not white_theme_background1_stale_value
    }
    for name, data in cases.items():
        (tmp_path / f"{name}.docx").write_bytes(data)
    out = tmp_path / "out"
    files = [tmp_path / f"{n}.docx" for n in cases]
    soffice_convert(soffice, "pdf", files, out, tmp_path / "profile", timeout=300)
    mismatched = {}
    for name, data in cases.items():
        work = tmp_path / name
        work.mkdir()
        drawn = _drawn_words(out / f"{name}.pdf", work)
        kept = _text(data).split()
        if sorted(drawn) != sorted(kept):
            mismatched[name] = (sorted(set(drawn) ^ set(kept)), drawn, kept)
    assert not mismatched, mismatched
