"""Headings in text PDFs found as the .docx reader finds them: wrapped titles, bold numbered
titles that end with a period or a colon, statute numbers, numbered series, capitals, run-in
heads, table rows, page furniture and the document title - each with body text that must stay
body text. The PDFs are written by :mod:`tests.pdf_factory`, laid out as a word processor does
(wrapped at the text width, space between paragraphs)."""

from __future__ import annotations

import io

import pytest

from review.parsing import parse_bytes, word_copy
from tests.conftest import require_tool
from tests.office import soffice_convert
from tests.pdf_factory import flow_pdf, item, para, row, run_in

TITLE = "Residential Care Handbook"
#: body paragraphs long enough to wrap over several lines
BODY = (
    "Staff keep the written plan for each resident up to date, review it with the resident "
    "every month, and record each change in the file together with the reasons for it and the "
    "names of the people who agreed to it."
)
BODY2 = (
    "The program manager checks the files every quarter and reports the results to the board, "
    "which decides on the training and support that staff need in the year that follows."
)


def titles(data: bytes) -> list[str]:
    return [s.title for s in parse_bytes(data, "handbook.pdf").sections]


def doc(*paragraphs, **kw) -> bytes:
    return flow_pdf([para(TITLE, 20, True), *paragraphs], **kw)


# --------------------------------------------------------------------------- wrapped headings


def test_a_heading_wrapped_over_two_or_three_lines_is_one_heading():
    two = "Arrangements for the Placement of Children Who Arrive Outside Office Hours"
    three = (
        "Assessment of the Safety, Placement and Support Needs of Young People Who Return to "
        "Their Placement After Going Missing From Care Overnight"
    )
    assert len(para(two, 14, True)) == 2 and len(para(three, 14, True)) == 3
    data = doc(
        para("Scope", 14, True),
        para(BODY),
        para(two, 14, True),
        para(BODY),
        para(three, 14, True),
        para(BODY2),
    )
    assert titles(data) == ["Scope", two, three]


def test_a_wrapped_bold_numbered_heading_at_body_size_is_one_heading():
    head = (
        "7-2.14 Requirements for the staffing, supervision and training of residential programs "
        "for young people"
    )
    assert len(para(head, 11, True)) == 2
    other = "7-2.15 Records of residents."
    data = doc(para(head, 11, True), para(BODY), para(other, 11, True), para(BODY2))
    assert titles(data) == [head, other]


def test_a_title_wrapped_over_two_lines_is_the_whole_title():
    long_title = "Handbook for Foster Carers, Kinship Carers and Residential Staff Members"
    assert len(para(long_title, 20, True)) == 2
    data = flow_pdf([para(long_title, 20, True), para(BODY), para("Scope", 14, True), para(BODY)])
    parsed = parse_bytes(data, "handbook.pdf")
    assert parsed.title == long_title
    assert [s.title for s in parsed.sections] == [long_title, "Scope"]


def test_a_word_broken_at_its_hyphen_is_joined_again():
    head = (
        "Which notices and written records does every small and rural state-licensed provider keep?"
    )
    lines = para(head, 14, True)
    assert "".join(t for t, _ in lines[0].runs).endswith("state-")  # the break is at the hyphen
    data = doc(para("Scope", 14, True), para(BODY), para(head, 14, True), para(BODY2))
    assert titles(data)[-1] == head


def test_short_headings_one_under_the_other_stay_apart():
    # two bold lines with no space between them: the first did not wrap, so they are two
    data = doc(
        para("Purpose", 14, True),
        para(BODY),
        para("Definitions", 14, True) + [_cont(para("Records", 14, True))],
        para(BODY2),
    )
    assert titles(data) == ["Purpose", "Definitions", "Records"]


def _cont(lines):
    (line,) = lines
    line.cont = True
    return line


def test_a_bold_or_large_paragraph_that_wraps_is_text_not_a_heading():
    warning = (
        "Staff who are unsure whether a concern should be reported call the duty manager at "
        "once, whatever the time of day, and write down what they were told and by whom."
    )
    quote = " ".join([BODY] * 2)
    data = doc(
        para("Scope", 14, True),
        para(BODY),
        para(warning, 11, True),
        para(BODY2),
        para(quote, 14, False),
        para(BODY2),
    )
    assert titles(data) == ["Scope"]


# --------------------------------------------------------------------------- numbered titles


def test_bold_numbered_titles_ending_with_a_period_or_a_colon_are_headings():
    data = doc(
        para("(c) Qualifications of Program and Volunteer Staff.", 11, True),
        para(BODY),
        para("B. Referral, Leave or Modified Duty Status:", 11, True),
        para(BODY2),
        para("4.10.020 Keeping of training records.", 11, True),
        para(BODY),
    )
    assert titles(data) == [
        "(c) Qualifications of Program and Volunteer Staff.",
        "B. Referral, Leave or Modified Duty Status:",
        "4.10.020 Keeping of training records.",
    ]


def test_a_short_bold_sentence_that_obliges_is_not_a_heading():
    data = doc(
        para("Scope", 14, True),
        para(BODY),
        para("Staff must sign in.", 11, True),
        para(BODY2),
        para("1. Staff shall call the manager.", 11, True),
        para(BODY),
    )
    assert titles(data) == ["Scope"]


def test_plain_statute_numbered_titles_used_twice_are_headings_once_is_not():
    twice = doc(
        para("12-3.4 Admission of residents"),
        para(BODY),
        para("12-3.5 Discharge planning"),
        para(BODY2),
    )
    assert titles(twice) == ["12-3.4 Admission of residents", "12-3.5 Discharge planning"]
    once = doc(para("Scope", 14, True), para("12-3.4 Admission of residents"), para(BODY))
    assert titles(once) == ["Scope"]


def test_a_plain_numbered_series_each_followed_by_text_is_headings():
    data = doc(
        para("Scope", 14, True),
        para(BODY),
        para("1. Admission"),
        para(BODY),
        para("2. Daily Routine"),
        para(BODY2),
        para("3. Leaving the Home"),
        para(BODY),
    )
    assert titles(data) == [
        "Scope",
        "1. Admission",
        "2. Daily Routine",
        "3. Leaving the Home",
    ]


def test_a_numbered_list_is_not_headings():
    # items one after the other (a contents list), and numbered sentences
    data = doc(
        para("Scope", 14, True),
        para("1. Admission"),
        para("2. Daily Routine"),
        para("3. Leaving the Home"),
        para(BODY),
        para("1. Records are kept for seven years."),
        para(BODY),
        para("2. Files are checked every quarter."),
        para(BODY2),
        para("3. Copies are given to the resident."),
        para(BODY),
    )
    assert titles(data) == ["Scope"]


def test_capital_lines_used_twice_are_headings():
    data = doc(para("ADMISSION AND INTAKE"), para(BODY), para("DAILY ROUTINE"), para(BODY2))
    assert titles(data) == ["ADMISSION AND INTAKE", "DAILY ROUTINE"]
    once = doc(para("Scope", 14, True), para(BODY), para("DAILY ROUTINE"), para(BODY2))
    assert titles(once) == ["Scope"]


# --------------------------------------------------------------------------- run-in heads


def test_bold_run_in_heads_used_twice_split_their_paragraph():
    data = doc(
        para("Scope", 14, True),
        para(BODY),
        run_in("Visitors.", "Visitors sign in at the front desk and wear a badge in the building."),
        run_in("Mealtimes:", "Residents and staff eat together, and menus are agreed each week."),
    )
    parsed = parse_bytes(data, "handbook.pdf")
    assert [s.title for s in parsed.sections] == ["Scope", "Visitors.", "Mealtimes:"]
    assert parsed.sections[1].text == (
        "Visitors sign in at the front desk and wear a badge in the building."
    )
    assert parsed.sections[1].path == ("Scope", "Visitors.")
    # the Word copy keeps one paragraph per PDF paragraph: the head in bold, its text after it
    from docx import Document

    copy = Document(io.BytesIO(word_copy(data, "handbook.pdf", "pdf")))
    texts = [p.text for p in copy.paragraphs]
    assert len(texts) == parsed.paragraph_count + 1  # and the closing note
    visitors = next(p for p in copy.paragraphs if p.text.startswith("Visitors."))
    assert visitors.runs[0].bold and visitors.runs[0].text == "Visitors."


def test_bold_words_inside_or_opening_a_sentence_are_not_run_in_heads():
    data = doc(
        para("Scope", 14, True),
        para(BODY),
        [*run_in("Staff must call first.", "Then they explain why the visit is needed today.")],
        [*run_in("Residents must sign out.", "They say where they are going and for how long.")],
        _mid_bold(),
        _mid_bold(),
    )
    assert titles(data) == ["Scope"]


def _mid_bold():
    from tests.pdf_factory import wrap

    return wrap(
        [("Every visitor ", False), ("must", True), (" sign in at the front desk first.", False)],
        11,
    )


def test_a_single_run_in_head_is_not_a_pattern():
    data = doc(
        para("Scope", 14, True),
        para(BODY),
        run_in("Visitors.", "Visitors sign in at the front desk and wear a badge in the building."),
        para(BODY2),
    )
    assert titles(data) == ["Scope"]


# --------------------------------------------------------------------------- layout


def test_table_cells_are_never_headings_and_a_row_is_one_paragraph():
    data = doc(
        para("Leave", 14, True),
        para(BODY),
        row(["Years", "Monthly Hours", "Annual Hours"], bold=True),
        row(["First year", "8", "96"]),
        row(["Second year", "10", "120"]),
        para(BODY2),
    )
    parsed = parse_bytes(data, "handbook.pdf")
    assert [s.title for s in parsed.sections] == ["Leave"]
    text = parsed.sections[0].text
    assert "Years | Monthly Hours | Annual Hours" in text and "Second year | 10 | 120" in text


def test_a_heading_repeated_mid_page_is_kept_while_running_headers_and_page_numbers_go():
    chapters = []
    for name in ("Admission", "Daily Routine", "Leaving"):
        chapters += [para(name, 14, True), para(BODY), para("Procedure", 12, True), para(BODY2)]
    data = doc(*chapters, page_breaks=(1, 5, 9), header="Agency Manual", page_numbers=True)
    parsed = parse_bytes(data, "handbook.pdf")
    assert [s.title for s in parsed.sections] == [
        "Admission",
        "Procedure",
        "Daily Routine",
        "Procedure",
        "Leaving",
        "Procedure",
    ]
    assert parsed.sections[1].path == ("Admission", "Procedure")
    whole = " ".join(s.text for s in parsed.sections)
    assert "Agency Manual" not in whole
    assert all(s.text.strip()[-1:] not in "1234" for s in parsed.sections)


def test_a_size_several_headings_share_is_not_the_document_title():
    data = flow_pdf([para("Purpose", 16, True), para(BODY), para("Scope", 16, True), para(BODY2)])
    parsed = parse_bytes(data, "handbook.pdf")
    assert parsed.title == ""
    assert [s.title for s in parsed.sections] == ["Purpose", "Scope"]


def test_one_line_paragraphs_spaced_apart_stay_apart():
    # no paragraph wraps, so the usual gap between lines is the gap between paragraphs
    data = flow_pdf(
        [
            para("12-3.4 Admission of residents."),
            para("The program admits residents on weekdays."),
            para("12-3.5 Discharge planning."),
            para("Plans are agreed a month before a resident leaves."),
            para("A copy of the plan goes to the resident."),
        ]
    )
    parsed = parse_bytes(data, "handbook.pdf")
    assert [s.title for s in parsed.sections] == [
        "12-3.4 Admission of residents.",
        "12-3.5 Discharge planning.",
    ]
    assert parsed.paragraph_count == 5
    assert parsed.sections[1].text.split("\n") == [
        "Plans are agreed a month before a resident leaves.",
        "A copy of the plan goes to the resident.",
    ]


def test_a_paragraph_continues_across_a_page_break_and_the_title_is_not_text():
    long = " ".join([BODY, BODY2] * 6)
    before = [para(BODY) for _ in range(8)]
    data = doc(para("Scope", 14, True), *before, para(long), para("Records", 14, True), para(BODY))
    assert data.count(b"/Type /Page ") == 2  # the long paragraph runs onto the second page
    parsed = parse_bytes(data, "handbook.pdf")
    assert [s.title for s in parsed.sections] == ["Scope", "Records"]
    assert parsed.paragraph_count == 13  # title, two headings, ten paragraphs
    assert parsed.sections[0].text.split("\n")[-1] == long
    assert TITLE not in parsed.sections[0].text


def test_bulleted_items_are_paragraphs_of_their_own_without_their_bullets():
    data = doc(
        para("Belongings", 14, True),
        para("Residents may bring:"),
        item("clothes for a week"),
        item("a phone and its charger, which staff keep safe at night when the resident asks"),
        item("1. one piece of furniture"),
        para(BODY),
    )
    parsed = parse_bytes(data, "handbook.pdf")
    assert [s.title for s in parsed.sections] == ["Belongings"]
    text = parsed.sections[0].text
    assert "\u2022" not in text
    assert text.split("\n")[:4] == [
        "Residents may bring:",
        "clothes for a week",
        "a phone and its charger, which staff keep safe at night when the resident asks",
        "1. one piece of furniture",
    ]


# --------------------------------------------------------------------------- underlined heads


def _underlined_docx() -> bytes:
    """Headings and run-in heads set apart by underline alone (Normal style, not bold), as
    many policies type them; body paragraphs that wrap, and one underlined phrase inside a
    sentence that is not a heading."""
    import docx

    d = docx.Document()
    d.add_paragraph(TITLE, style="Title")
    for head in ("Admission", "Daily Schedule", "Discharge Planning"):
        d.add_paragraph().add_run(head).underline = True
        d.add_paragraph(BODY)
    for head in ("Visitors.", "Telephone Calls."):
        p = d.add_paragraph()
        p.add_run(head).underline = True
        p.add_run(" " + BODY2)
    p = d.add_paragraph("Staff record ")
    p.add_run("every").underline = True
    p.add_run(
        " visit in the log kept at the front desk and review the log every week with the "
        "program manager, who signs it and files it with the program's records."
    )
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


@pytest.mark.office
def test_underlined_headings_in_a_libreoffice_pdf_are_found_as_in_the_docx(tmp_path):
    soffice = require_tool("soffice", "libreoffice")
    data = _underlined_docx()
    src = tmp_path / "underlined.docx"
    src.write_bytes(data)
    soffice_convert(soffice, "pdf", [src], tmp_path / "out", tmp_path / "profile")
    pdf = (tmp_path / "out" / "underlined.pdf").read_bytes()
    from_docx = [s.title for s in parse_bytes(data, "underlined.docx").sections]
    assert from_docx == [
        "Admission",
        "Daily Schedule",
        "Discharge Planning",
        "Visitors.",
        "Telephone Calls.",
    ], from_docx
    assert titles(pdf) == from_docx
    # the underlined word inside a sentence stays in the text
    assert "Staff record every visit" in parse_bytes(pdf, "handbook.pdf").sections[-1].text
