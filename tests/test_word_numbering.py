"""Word's automatic numbering (w:numPr, word/numbering.xml): headings show the number Word draws
before them ("4.2 Confidentiality"), while section ids, titles, paths and the matcher's text stay
what they were without it. Fixtures are generated with python-docx, the list definitions added as
XML (tests/docx_factory.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import require_tool
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from review.cli import analysis_json, main
from review.config import UploadLimits
from review.engine import Suggester
from review.framework import get_framework
from review.models import ParsedDocument, Section
from review.parsing import body_paragraph_elements, parse_bytes, parse_file
from review.parsing.docx_reader import W_BODY, paragraph_labels
from review.parsing.numbering import Bullet, bullet_glyph, format_number
from review.parsing.upload import open_package
from review.reports.context import analysis_context
from review.reports.decisions import section_name
from review.reports.soa import soa_rows
from review.services.agency_coverage import _section_names
from review.viewmodels import section_html, section_label
from tests.docx_factory import (
    add_abstract_numbering,
    add_custom_style,
    add_items,
    add_num,
    define_list,
    new_document,
    set_numbering,
    to_bytes,
)
from tests.office import soffice_convert

DECIMAL_OUTLINE = [("decimal", "%1."), ("decimal", "%1.%2"), ("lowerLetter", "(%3)")]


def _para(doc, text: str, num_id: int | None = None, ilvl: int | None = 0, style=None):
    p = doc.add_paragraph(text, style=style)
    if num_id is not None:
        set_numbering(p, num_id, ilvl)
    return p


def _hide(p) -> None:
    """Hidden text (w:vanish) on every run and on the paragraph mark: Word shows nothing."""
    for r in p.runs:
        r.font.hidden = True
    p._p.get_or_add_pPr().append(parse_xml(f"<w:rPr {nsdecls('w')}><w:vanish/></w:rPr>"))


def _labels(data: bytes) -> dict[str, str]:
    """Each body paragraph's text -> the label Word draws before it ("" none)."""
    pkg = open_package(data, "t.docx", UploadLimits())
    labels = paragraph_labels(pkg)
    paras = body_paragraph_elements(pkg.xml(pkg.main_part).find(W_BODY))
    texts = ["".join(t.text or "" for t in p.iter() if t.tag.endswith("}t")) for p in paras]
    assert len(texts) == len(labels)
    return {t: lb for t, lb in zip(texts, labels, strict=True) if t}


def _shown(data: bytes) -> list[str]:
    return [s.shown_title for s in parse_bytes(data, "t.docx").sections]


# --------------------------------------------------------------------------- counting and formats


def test_multilevel_decimal_and_restart_after_a_higher_level():
    doc = new_document()
    n = define_list(doc, 100, DECIMAL_OUTLINE)
    for text, lvl in [
        ("One", 0),
        ("One-one", 1),
        ("One-two", 1),
        ("One-two-a", 2),
        ("One-two-b", 2),
        ("Two", 0),
        ("Two-one", 1),
        ("Two-one-a", 2),
        ("Three", 0),
    ]:
        _para(doc, text, n, lvl)
    assert _labels(to_bytes(doc)) == {
        "One": "1.",
        "One-one": "1.1",
        "One-two": "1.2",
        "One-two-a": "(a)",
        "One-two-b": "(b)",
        "Two": "2.",
        "Two-one": "2.1",  # restarted after level 1 advanced
        "Two-one-a": "(a)",
        "Three": "3.",
    }


def test_letters_roman_numerals_zero_padding_and_literal_text():
    doc = new_document()
    art = define_list(doc, 100, [("upperRoman", "Article %1."), ("upperLetter", "%2)")])
    low = define_list(doc, 101, [("lowerRoman", "%1."), ("lowerLetter", "%1%2")])
    zero = define_list(doc, 102, [("decimalZero", "%1")])
    for text, num, lvl in [
        ("Staff", art, 0),
        ("Hiring", art, 1),
        ("Training", art, 1),
        ("Clients", art, 0),
        ("Intake", art, 1),
        ("Small one", low, 0),
        ("Small one a", low, 1),
        ("Small one b", low, 1),
        ("Small two", low, 0),
        ("Zero one", zero, 0),
    ]:
        _para(doc, text, num, lvl)
    _para(doc, "Small three", low, 0)
    _para(doc, "Small four", low, 0)
    assert _labels(to_bytes(doc)) == {
        "Staff": "Article I.",
        "Hiring": "A)",
        "Training": "B)",
        "Clients": "Article II.",
        "Intake": "A)",
        "Small one": "i.",
        "Small one a": "ia",
        "Small one b": "ib",
        "Small two": "ii.",
        "Zero one": "01",
        "Small three": "iii.",
        "Small four": "iv.",
    }


@pytest.mark.parametrize(
    ("n", "fmt", "out"),
    [
        (4, "upperRoman", "IV"),
        (1994, "lowerRoman", "mcmxciv"),
        (27, "lowerLetter", "aa"),
        (53, "upperLetter", "AAA"),
        (9, "decimalZero", "09"),
        (12, "decimalZero", "12"),
        (3, "ordinalText", "3"),  # formats we do not draw: decimal
        (3, "bullet", ""),
        (3, "none", ""),
    ],
)
def test_number_formats(n, fmt, out):
    assert format_number(n, fmt) == out


def test_start_values_and_start_override_share_the_definitions_counters():
    doc = new_document()
    n = define_list(doc, 100, [("decimal", "%1.", 5), ("lowerLetter", "%1.%2", 3)])
    again = add_num(doc, 101, 100)  # a second instance of the definition: continues it
    restart = add_num(doc, 102, 100, {0: 10})  # "restart numbering at 10"
    _para(doc, "Five", n, 0)
    _para(doc, "Five c", n, 1)
    _para(doc, "Five d", n, 1)
    _para(doc, "Six", again, 0)
    _para(doc, "Ten", restart, 0)
    _para(doc, "Ten c", restart, 1)
    _para(doc, "Eleven", restart, 0)
    assert _labels(to_bytes(doc)) == {
        "Five": "5.",
        "Five c": "5.c",
        "Five d": "5.d",
        "Six": "6.",
        "Ten": "10.",
        "Ten c": "10.c",
        "Eleven": "11.",
    }


def test_is_legal_draws_every_level_in_decimal_and_lvl_restart_zero_never_restarts():
    doc = new_document()
    legal = define_list(
        doc,
        100,
        [
            ("upperRoman", "Article %1."),
            {"fmt": "lowerLetter", "text": "Section %1.%2", "legal": True},
        ],
    )
    flat = define_list(
        doc, 101, [("decimal", "%1."), {"fmt": "decimal", "text": "Item %2", "restart": 0}]
    )
    _para(doc, "Art one", legal, 0)
    _para(doc, "Art two", legal, 0)
    _para(doc, "Sec two two", legal, 1)
    _para(doc, "Part one", flat, 0)
    _para(doc, "Item one", flat, 1)
    _para(doc, "Part two", flat, 0)
    _para(doc, "Item two", flat, 1)
    assert _labels(to_bytes(doc)) == {
        "Art one": "Article I.",
        "Art two": "Article II.",
        "Sec two two": "Section 2.1",
        "Part one": "1.",
        "Item one": "Item 1",
        "Part two": "2.",
        "Item two": "Item 2",
    }


def test_num_id_zero_takes_the_styles_numbering_away_and_bullets_have_no_label():
    doc = new_document()
    n = define_list(doc, 100, [("decimal", "%1")])
    dots = define_list(doc, 101, [("bullet", "\u2022"), ("none", "")])
    set_numbering(doc.styles["Heading 1"], n, None)
    add_items(doc, [("h1", "Purpose"), "Why the policy exists and whom it covers."])
    set_numbering(doc.add_heading("Unnumbered", 1), 0, 0)  # numId 0: no number, no count
    doc.add_paragraph("A heading the author took out of the list.")
    add_items(doc, [("h1", "Scope"), "Everyone employed by the agency."])
    set_numbering(doc.add_heading("Bulleted", 1), dots, 0)
    doc.add_paragraph("A heading in a bulleted list.")
    set_numbering(doc.add_heading("Nothing", 1), dots, 1)
    doc.add_paragraph("A heading in a list level that draws nothing.")
    data = to_bytes(doc)
    assert _shown(data) == ["1 Purpose", "Unnumbered", "2 Scope", "Bulleted", "Nothing"]
    assert [s.label for s in parse_bytes(data, "t.docx").sections] == ["1", "", "2", "", ""]


def test_a_hidden_numbered_paragraph_counts_but_is_not_shown():
    # Word and LibreOffice both count it (authors hide a heading to skip a number)
    doc = new_document()
    n = define_list(doc, 100, [("decimal", "%1."), ("decimal", "%1.%2")])
    set_numbering(doc.styles["Heading 1"], n, 0)
    set_numbering(doc.styles["Heading 2"], n, 1)
    add_items(doc, [("h1", "Purpose"), "Why the policy exists and whom it covers."])
    _hide(doc.add_heading("Withdrawn", 1))
    _hide(doc.add_paragraph("Text taken out of the policy for now."))
    add_items(doc, [("h1", "Staff"), ("h2", "Hiring"), "References are checked for every hire."])
    assert _shown(to_bytes(doc)) == ["1. Purpose", "3. Staff", "3.1 Hiring"]


def _linked_lists() -> bytes:
    """A definition that borrows another's levels (w:numStyleLink), an instance that redraws a
    level (w:lvlOverride/w:lvl), a numbered paragraph style and a w:ilvl without w:numId."""
    doc = new_document()
    numbering = doc.part.numbering_part.element
    # definition 300 borrows its levels from the one that defines numbering style "Outline"
    add_abstract_numbering(doc, 301, [("upperLetter", "%1."), ("decimal", "%1-%2")])
    (lists,) = numbering.xpath('./w:abstractNum[@w:abstractNumId="301"]')
    lists.insert(0, parse_xml(f'<w:styleLink {nsdecls("w")} w:val="Outline"/>'))
    lists.addprevious(
        parse_xml(
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="300">'
            '<w:numStyleLink w:val="Outline"/></w:abstractNum>'
        )
    )
    linked = add_num(doc, 300, 300)
    # an instance that draws its first level its own way ("Part 1:"), keeping the count
    numbering.append(
        parse_xml(
            f'<w:num {nsdecls("w")} w:numId="302"><w:abstractNumId w:val="301"/>'
            '<w:lvlOverride w:ilvl="0"><w:lvl w:ilvl="0"><w:numFmt w:val="decimal"/>'
            '<w:lvlText w:val="Part %1:"/></w:lvl></w:lvlOverride></w:num>'
        )
    )
    outline = define_list(doc, 303, [("decimal", "%1."), ("lowerRoman", "%1.%2.")])
    style = add_custom_style(doc, "Numbered Body")
    set_numbering(style, outline, 0)
    _para(doc, "Linked one", linked, 0)
    _para(doc, "Linked one one", linked, 1)
    _para(doc, "Own look", 302, 0)
    _para(doc, "Style one", style=style)
    _para(doc, "Style one i", outline, 1, style=style)
    p = _para(doc, "Only a level", style=style)
    set_numbering(p, outline, 1)
    p._p.pPr.numPr.remove(p._p.pPr.numPr.numId)  # w:ilvl alone: the list is the style's
    return to_bytes(doc)


def test_style_links_level_overrides_and_a_level_without_a_list():
    assert _labels(_linked_lists()) == {
        "Linked one": "A.",
        "Linked one one": "A-1",
        "Own look": "Part 2:",
        "Style one": "1.",
        "Style one i": "1.i.",
        "Only a level": "1.ii.",
    }


def test_a_paragraph_deleted_with_tracked_changes_is_not_counted():
    doc = new_document()
    n = define_list(doc, 100, [("decimal", "%1.")])
    set_numbering(doc.styles["Heading 1"], n, 0)
    add_items(doc, [("h1", "Purpose"), "Why the policy exists and whom it covers."])
    gone = doc.add_heading("", 1)
    gone._p.append(
        parse_xml(
            f'<w:del {nsdecls("w")} w:id="7" w:author="A" w:date="2024-01-01T00:00:00Z">'
            "<w:r><w:delText>Withdrawn</w:delText></w:r></w:del>"
        )
    )
    gone._p.get_or_add_pPr().append(
        parse_xml(
            f'<w:rPr {nsdecls("w")}><w:del w:id="8" w:author="A" '
            'w:date="2024-01-01T00:00:00Z"/></w:rPr>'
        )
    )
    add_items(doc, [("h1", "Staff"), "References are checked for every hire."])
    assert _shown(to_bytes(doc)) == ["1. Purpose", "2. Staff"]


def test_crafted_numbering_definitions_stay_cheap_and_harmless():
    doc = new_document()
    big = define_list(doc, 100, [("upperLetter", "%1.", 10**9), ("lowerRoman", "%1.%2", 10**6)])
    numbering = doc.part.numbering_part.element
    # a definition borrowing its levels from itself through a numbering style (a loop), a list
    # of a missing definition, and levels Word would not read
    numbering.append(
        parse_xml(
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="200">'
            '<w:numStyleLink w:val="Loop"/><w:styleLink w:val="Loop"/></w:abstractNum>'
        )
    )
    add_num(doc, 200, 200)
    add_num(doc, 201, 999)
    _para(doc, "Huge", big, 0)
    _para(doc, "Huge sub", big, 1)
    _para(doc, "Loop", 200, 0)
    _para(doc, "Missing", 201, 0)
    _para(doc, "Level nine", big, 9)
    p = _para(doc, "Bad level", big, 0)
    p._p.pPr.numPr.ilvl.set(qn("w:val"), "x")
    assert _labels(to_bytes(doc)) == {
        "Huge": "1000000000.",
        "Huge sub": "1000000000.1000000",
        "Loop": "",
        "Missing": "",
        "Level nine": "",
        "Bad level": "1000000001.",  # an unreadable level is the first, as Word reads it
    }


# --------------------------------------------------------------------------- headings


def _outline_policy(numbered: bool) -> bytes:
    """Heading 1/2 sections; with ``numbered``, Word numbers the headings through their styles
    (Heading 2 and a custom style based on it at level 2, as Word's outline lists do)."""
    doc = new_document()
    sub = add_custom_style(doc, "Policy Sub", based_on="Heading 2")
    if numbered:
        add_abstract_numbering(
            doc,
            100,
            [
                {"fmt": "decimal", "text": "%1", "style": "Heading1"},
                {"fmt": "decimal", "text": "%1.%2", "style": "Heading2"},
            ],
        )
        add_num(doc, 100, 100)
        set_numbering(doc.styles["Heading 1"], 100, None)  # no ilvl: the level linked to it
        set_numbering(doc.styles["Heading 2"], 100, 1)
    add_items(
        doc,
        [
            ("title", "Shelter Operations Manual"),
            "This manual sets out how the shelter runs day to day.",
            ("h1", "Purpose"),
            "All employees are mandated reporters. Suspected child abuse or neglect is reported "
            "to the child abuse hotline and to law enforcement within 24 hours.",
            ("h1", "Client Rights"),
            "Clients are told their rights at intake, in writing and in person.",
            ("h2", "Confidentiality"),
            "Client records are kept in a locked cabinet and shared only with consent.",
        ],
    )
    doc.add_paragraph("Grievances", style=sub)  # basedOn Heading 2: inherits its numbering
    doc.add_paragraph(
        "When a resident runs away or is missing from care, staff notify the on-call "
        "supervisor, search the grounds, and hold a return interview when the youth comes back."
    )
    add_items(
        doc,
        [
            ("h1", "4.2 Visitors"),  # a hand-typed number: kept as the author typed it
            "Visitors sign in at the front desk and wear a badge.",
        ],
    )
    return to_bytes(doc)


def test_heading_styles_numbered_through_the_style_show_their_number():
    parsed = parse_bytes(_outline_policy(True), "t.docx")
    assert [s.shown_title for s in parsed.sections] == [
        "Shelter Operations Manual",
        "1 Purpose",
        "2 Client Rights",
        "2.1 Confidentiality",
        "2.2 Grievances",
        "3 4.2 Visitors",  # what Word draws: its number, then the typed one
    ]
    conf = parsed.sections[3]
    assert conf.label == "2.1" and conf.title == "Confidentiality"
    assert conf.shown_path == ("2 Client Rights", "2.1 Confidentiality")
    assert conf.path == ("Client Rights", "Confidentiality")


def test_numbered_headings_keep_ids_titles_levels_and_matcher_text():
    plain = parse_bytes(_outline_policy(False), "t.docx").sections
    numbered = parse_bytes(_outline_policy(True), "t.docx").sections
    key = [(s.id, s.title, s.level, s.path, s.text, s.full_text, s.kind) for s in plain]
    assert [(s.id, s.title, s.level, s.path, s.text, s.full_text, s.kind) for s in numbered] == key
    assert [s.label for s in plain] == [""] * len(plain)
    assert [s.shown_title for s in plain] == [s.title for s in plain]
    # the typed number is read as before (its level), and no Word number is made up for it
    visitors = plain[-1]
    assert visitors.title == "4.2 Visitors" and visitors.shown_title == "4.2 Visitors"


def _rules(levels, items: list[tuple[str, int]], numbered: bool = True, end: str = "") -> bytes:
    """A "Visitors" section: an opening line, then ``items`` (text, level) in a list of
    ``levels`` (plain paragraphs when not ``numbered``), then ``end`` if given."""
    doc = new_document()
    n = define_list(doc, 100, levels)
    add_items(doc, [("h1", "Visitors"), "Visitors follow these rules:"])
    for text, lvl in items:
        _para(doc, text, n if numbered else None, lvl)
    if end:
        doc.add_paragraph(end)
    return to_bytes(doc)


def _visitor_rules(numbered: bool) -> bytes:
    items = [
        ("Sign in at the desk.", 0),
        ("Wear the badge.", 0),
        ("Keep it visible.", 1),
        ("Return it at the door.", 1),
        ("Leave by nine.", 0),
    ]
    levels = [("decimal", "%1."), ("lowerLetter", "(%2)")]
    return _rules(levels, items, numbered, end="Staff escort every visitor.")


def test_list_items_stay_list_items_and_body_text_is_unchanged():
    plain = parse_bytes(_visitor_rules(False), "t.docx").sections
    parsed = parse_bytes(_visitor_rules(True), "t.docx").sections
    assert [s.shown_title for s in parsed] == ["Visitors"]
    s = parsed[0]
    assert s.text == plain[0].text
    assert s.text.split("\n") == [
        "Visitors follow these rules:",
        "Sign in at the desk.",
        "Wear the badge.",
        "Keep it visible.",
        "Return it at the door.",
        "Leave by nine.",
        "Staff escort every visitor.",
    ]
    assert (s.id, s.full_text) == (plain[0].id, plain[0].full_text)  # the matcher's text
    assert s.line_labels == ("", "1.", "2.", "(a)", "(b)", "3.", "")
    assert plain[0].line_labels == () and plain[0].shown_text == plain[0].text
    assert s.shown_text.split("\n") == [
        "Visitors follow these rules:",
        "1. Sign in at the desk.",
        "2. Wear the badge.",
        "(a) Keep it visible.",
        "(b) Return it at the door.",
        "3. Leave by nine.",
        "Staff escort every visitor.",
    ]


def test_a_list_item_with_a_line_break_is_numbered_once_and_bold_leads_are_run_in_heads():
    doc = new_document()
    n = define_list(doc, 100, [("decimal", "%1.")])
    add_items(doc, [("h1", "Visitors")])
    p = _para(doc, "Sign in at the desk", n, 0)
    p.add_run().add_break()  # a line break inside the numbered paragraph
    p.add_run("and show an ID.")
    _para(doc, "Wear the badge.", n, 0)
    add_items(doc, [("h1", "Grievances")])
    for lead, rest in (
        ("Filing.", " A youth may file a grievance with any staff member at any time of day."),
        ("Appeals.", " A youth may appeal the answer to the director within ten days of it."),
    ):
        item = doc.add_paragraph()
        item.add_run(lead).bold = True
        item.add_run(rest)
        set_numbering(item, n, 0)
    visitors, grievances, filing, appeals = parse_bytes(to_bytes(doc), "t.docx").sections
    assert visitors.text == "Sign in at the desk\nand show an ID.\nWear the badge."
    assert visitors.line_labels == ("1.", "", "2.")
    assert visitors.shown_text == "1. Sign in at the desk\nand show an ID.\n2. Wear the badge."
    # numbered items that open with a bold title are run-in headings, as when a list style
    # numbers them: the item's number goes to its heading, not again to the body it opens
    assert [(s.shown_title, s.kind) for s in (filing, appeals)] == [
        ("3. Filing.", "run-in"),
        ("4. Appeals.", "run-in"),
    ]
    assert filing.text.startswith("A youth may file") and filing.line_labels == ()
    assert filing.shown_path == ("Grievances", "3. Filing.")
    assert grievances.text == ""


def test_the_parts_of_a_long_list_keep_their_items_numbers():
    doc = new_document()
    n = define_list(doc, 100, [("decimal", "%1.")])
    add_items(doc, [("h1", "Training")])
    for i in range(40):
        _para(doc, f"Rule {i + 1} of the training plan. " + "Staff train every year. " * 4, n, 0)
    sections = parse_bytes(to_bytes(doc), "t.docx").sections
    assert len(sections) > 1
    shown = [ln for s in sections for ln in s.shown_text.split("\n")]
    assert len(shown) == 40
    for k, line in enumerate(shown, 1):
        assert line.startswith(f"{k}. Rule {k} of the training plan."), line


def test_a_bold_numbered_heading_keeps_its_level():
    def build(numbered: bool) -> bytes:
        doc = new_document()
        n = define_list(doc, 100, [("upperLetter", "%1.")])
        add_items(doc, [("h1", "Procedures")])
        for title in ("Intake", "Discharge"):
            p = doc.add_paragraph()
            p.add_run(title).bold = True
            if numbered:
                set_numbering(p, n, 0)
            doc.add_paragraph(f"{title} follows the steps the supervisor has set out for it.")
        return to_bytes(doc)

    plain = parse_bytes(build(False), "t.docx").sections
    numbered = parse_bytes(build(True), "t.docx").sections
    assert [(s.id, s.level) for s in numbered] == [(s.id, s.level) for s in plain]
    assert [s.shown_title for s in numbered] == ["Procedures", "A. Intake", "B. Discharge"]


def test_the_parts_of_a_long_numbered_section_show_its_number():
    doc = new_document()
    n = define_list(doc, 100, [("decimal", "%1.")])
    set_numbering(doc.styles["Heading 1"], n, 0)
    add_items(doc, [("h1", "Training")])
    for i in range(12):
        doc.add_paragraph(f"Paragraph {i} of the training rules. " + "Staff train yearly. " * 25)
    sections = parse_bytes(to_bytes(doc), "t.docx").sections
    assert len(sections) > 1
    assert sections[0].shown_title == "1. Training"
    assert all(s.shown_title.startswith("1. Training (part ") for s in sections[1:])
    assert sections[1].shown_path[0] == "1. Training"


# --------------------------------------------------------------------------- titles typed as list items

OUTLINE_LIST = [("decimal", "%1."), ("decimal", "%1.%2")]
POLICY_PARTS = [
    ("Purpose", "This policy sets out how staff keep youth from running away from the program."),
    ("Policy", "Staff assess every youth for the risk of running at intake and every week."),
    ("Procedure", "The case manager writes a safety plan with the youth within three days."),
]


def _list_titled(
    style: str | None = "List Paragraph",
    bold: bool = True,
    caps: bool = False,
    parts: list[tuple[str, str]] = POLICY_PARTS,
) -> bytes:
    """Titles typed as items of a Word list (Word's numbering button puts them in the List
    Paragraph style), each followed by a body paragraph."""
    doc = new_document()
    n = define_list(doc, 100, OUTLINE_LIST)
    doc.add_paragraph("Runaway Prevention Policy", style="Title")
    for title, body in parts:
        p = doc.add_paragraph(style=style)
        p.add_run(title.upper() if caps else title).bold = bold
        set_numbering(p, n, 0)
        doc.add_paragraph(body)
    return to_bytes(doc)


@pytest.mark.parametrize("style", ["List Paragraph", "List Number", None])
@pytest.mark.parametrize(("bold", "caps"), [(True, False), (True, True), (False, True)])
def test_titles_typed_as_numbered_list_items_are_headings(style, bold, caps):
    sections = parse_bytes(_list_titled(style, bold, caps), "t.docx").sections
    names = [t if not caps else t.upper() for t, _ in POLICY_PARTS]
    assert [s.title for s in sections] == names
    assert [s.shown_title for s in sections] == [f"{k}. {t}" for k, t in enumerate(names, 1)]
    assert [s.text for s in sections] == [body for _, body in POLICY_PARTS]
    assert {s.level for s in sections} == {1}
    assert {s.kind for s in sections} == {"bold" if bold else "caps"}


def test_deeper_list_titles_nest_under_their_parent():
    doc = new_document()
    n = define_list(doc, 100, OUTLINE_LIST)
    items = [
        ("Purpose", 0, "This policy sets out how staff keep youth from running away."),
        ("Procedure", 0, None),
        ("Intake", 1, "Staff assess every youth for the risk of running at intake."),
        (
            "Safety planning",
            1,
            "The case manager writes a safety plan with the youth in three days.",
        ),
    ]
    for title, lvl, body in items:
        p = doc.add_paragraph(style="List Paragraph")
        p.add_run(title).bold = True
        set_numbering(p, n, lvl)
        if body:
            doc.add_paragraph(body)
    sections = parse_bytes(to_bytes(doc), "t.docx").sections
    assert [(s.shown_title, s.level) for s in sections] == [
        ("1. Purpose", 1),
        ("2. Procedure", 1),
        ("2.1 Intake", 2),
        ("2.2 Safety planning", 2),
    ]
    assert sections[3].shown_path == ("2. Procedure", "2.2 Safety planning")


def test_list_items_that_are_not_titles_stay_in_the_body():
    def titles(data: bytes) -> list[str]:
        return [s.title for s in parse_bytes(data, "t.docx").sections]

    # plain (not set apart) items followed by text: numbered points, not titles
    assert titles(_list_titled(bold=False)) == ["Runaway Prevention Policy"]
    # only one such line in the document: no pattern of titles
    assert titles(_list_titled(parts=POLICY_PARTS[:1])) == ["Runaway Prevention Policy"]
    # bold items that follow each other: a list of short items, not titles
    doc = new_document()
    n = define_list(doc, 100, OUTLINE_LIST)
    add_items(doc, [("h1", "Visitors"), "Visitors bring these documents to the front desk:"])
    for item in ("Photo identification", "Proof of address", "Court order", "Consent form"):
        p = doc.add_paragraph(style="List Paragraph")
        p.add_run(item).bold = True
        set_numbering(p, n, 0)
    doc.add_paragraph("Staff copy each document and return it to the visitor the same day.")
    (visitors,) = parse_bytes(to_bytes(doc), "t.docx").sections
    assert visitors.shown_text.split("\n")[1:5] == [
        "1. Photo identification",
        "2. Proof of address",
        "3. Court order",
        "4. Consent form",
    ]
    # a bold item followed by a long item of its own list level: both are items of one list
    doc = new_document()
    n = define_list(doc, 100, OUTLINE_LIST)
    add_items(doc, [("h1", "Visitors"), "Visitors bring one of these to the front desk:"])
    for item, bold in (
        ("Photo identification", True),
        ("A signed letter from the youth's guardian or caseworker naming the visitor", False),
        ("Court order", True),
        ("A consent form signed by the youth's parent and witnessed by staff", False),
    ):
        p = doc.add_paragraph(style="List Paragraph")
        p.add_run(item).bold = bold
        set_numbering(p, n, 0)
    assert [s.title for s in parse_bytes(to_bytes(doc), "t.docx").sections] == ["Visitors"]
    # bold items that are sentences (they oblige): list items, however they are followed
    parts = [(f"Staff must {verb} every visitor.", body) for verb, (_, body) in zip(
        ("greet", "log", "escort"), POLICY_PARTS, strict=True
    )]  # fmt: skip
    assert titles(_list_titled(parts=parts)) == ["Runaway Prevention Policy"]
    # bold items followed by a short line (not body text): not titles
    short = [(t, "See below.") for t, _ in POLICY_PARTS]
    assert titles(_list_titled(parts=short)) == ["Runaway Prevention Policy"]


# --------------------------------------------------------------------------- stored records


def test_an_old_section_record_without_label_loads():
    old = {
        "id": "s-0123456789abcdef",
        "title": "Confidentiality",
        "level": 2,
        "path": ["Client Rights", "Confidentiality"],
        "text": "Records are locked.",
        "first_par": 3,
        "last_par": 4,
        "kind": "heading",
    }
    s = Section.from_dict(old)
    assert s.label == "" and s.path_labels == () and s.shown_title == "Confidentiality"
    assert s.shown_path == ("Client Rights", "Confidentiality")
    assert s.to_dict() == old  # an unnumbered section is stored as it always was
    doc = ParsedDocument.from_dict(
        {"filename": "a.docx", "format": "docx", "paragraph_count": 5, "sections": [old]}
    )
    assert doc.sections[0] == s


def test_a_labeled_section_record_round_trips():
    parsed = parse_bytes(_outline_policy(True), "t.docx")
    again = ParsedDocument.from_dict(json.loads(json.dumps(parsed.to_dict())))
    assert again == parsed
    assert again.sections[3].to_dict()["label"] == "2.1"
    assert again.sections[3].to_dict()["path_labels"] == ["2", "2.1"]
    rules = parse_bytes(_visitor_rules(True), "t.docx")
    again = ParsedDocument.from_dict(json.loads(json.dumps(rules.to_dict())))
    assert again == rules
    assert again.sections[0].to_dict()["line_labels"] == ["", "1.", "2.", "(a)", "(b)", "3.", ""]


def test_line_labels_that_do_not_fit_the_text_are_not_shown():
    s = Section("s-1", "Visitors", 1, ("Visitors",), "One.\nTwo.", 0, 2, line_labels=("1.",))
    # a damaged record: no number on the wrong line
    assert s.shown_labels == () and s.shown_text == "One.\nTwo."
    assert "1." not in section_html(s, [])


# --------------------------------------------------------------------------- where it shows


def test_pickers_workspace_and_reports_show_the_number():
    parsed = parse_bytes(_outline_policy(True), "t.docx")
    conf = parsed.sections[3]
    assert section_label(conf) == "2.1 Confidentiality"
    html = section_html(conf, [(0, len("Confidentiality"))])  # evidence in the title
    assert "<strong>2.1 <mark>Confidentiality</mark></strong>" in html
    body_at = conf.body_start + conf.text.index("locked")
    assert "<mark>locked</mark>" in section_html(conf, [(body_at, body_at + 6)])
    by_id = {s.id: s for s in parsed.sections}
    assert section_name(by_id, conf.id) == "2 Client Rights › 2.1 Confidentiality"
    names = _section_names(parsed.to_dict())  # the agency's coverage across documents
    assert names[conf.id] == "2 Client Rights › 2.1 Confidentiality"


def test_the_workspace_shows_list_numbers_and_marks_the_evidence_on_its_words():
    s = parse_bytes(_visitor_rules(True), "t.docx").sections[0]
    at = s.full_text.index("badge")
    html = section_html(s, [(at, at + len("badge"))])
    assert "Visitors follow these rules:<br>1. Sign in at the desk.<br>" in html
    assert "<br>2. Wear the <mark>badge</mark>.<br>(a) Keep it visible.<br>" in html
    assert "<br>3. Leave by nine.<br>Staff escort every visitor.</div>" in html
    # evidence spanning two items is marked on each of its lines, never on a number
    a, b = s.full_text.index("desk"), s.full_text.index("Wear") + 4
    html = section_html(s, [(a, b)])
    assert "1. Sign in at the <mark>desk.</mark><br>2. <mark>Wear</mark> the badge." in html


def _reporting_rules() -> bytes:
    doc = new_document()
    n = define_list(doc, 100, [("decimal", "%1.")])
    add_items(doc, [("h1", "Mandated reporting"), "Staff follow these rules."])
    for text in (
        "Every staff member is a mandated reporter of suspected child abuse and neglect.",
        "Staff call the child abuse hotline at once; a supervisor reviews the report.",
    ):
        _para(doc, text, n, 0)
    return to_bytes(doc)


def test_evidence_sentences_are_quoted_with_their_items_number():
    parsed = parse_bytes(_reporting_rules(), "t.docx")
    (section,) = parsed.sections
    assert section.line_labels == ("", "1.", "2.")
    (found,) = Suggester(get_framework()).suggest(parsed.sections)
    c3 = next(g for g in found if g.competency == "C3")
    assert c3.sentences == (
        "1. Every staff member is a mandated reporter of suspected child abuse and neglect.",
        "2. Staff call the child abuse hotline at once;",
    )
    # the same section without Word numbering: the same sentences, unnumbered
    plain = Section(**{**section.__dict__, "line_labels": ()})
    (found,) = Suggester(get_framework()).suggest([plain])
    c3_plain = next(g for g in found if g.competency == "C3")
    assert c3_plain.sentences == tuple(s.split(" ", 1)[1] for s in c3.sentences)
    assert c3_plain.score == c3.score and c3_plain.evidence == c3.evidence


#: Word's own bulleted list: a Symbol dot, a Courier New "o", a Wingdings square
WORD_BULLETS = [
    {"fmt": "bullet", "text": "\uf0b7", "font": "Symbol"},
    {"fmt": "bullet", "text": "o", "font": "Courier New"},
    {"fmt": "bullet", "text": "\uf0a7", "font": "Wingdings"},
]


def _bulleted_rules() -> bytes:
    items = [
        ("Sign in at the desk.", 0),
        ("Wear the badge.", 1),
        ("Keep it visible.", 2),
        ("Leave by nine.", 0),
    ]
    return _rules(WORD_BULLETS, items)


def test_list_items_show_the_bullets_word_draws_and_headings_none():
    (s,) = parse_bytes(_bulleted_rules(), "t.docx").sections
    assert s.line_labels == ("", "•", "◦", "▪", "•")
    assert s.shown_text.split("\n")[1:] == [
        "• Sign in at the desk.",
        "◦ Wear the badge.",
        "▪ Keep it visible.",
        "• Leave by nine.",
    ]
    # a heading in a bulleted list is named without the bullet (pickers, reports)
    doc = new_document()
    n = define_list(doc, 100, WORD_BULLETS)
    set_numbering(doc.styles["Heading 1"], n, 0)
    add_items(doc, [("h1", "Visitors"), "Visitors sign in at the desk."])
    (s,) = parse_bytes(to_bytes(doc), "t.docx").sections
    assert (s.label, s.shown_title) == ("", "Visitors")
    # paragraph_labels gives numbers only: bullets are drawn for list items alone
    pkg = open_package(_bulleted_rules(), "t.docx", UploadLimits())
    assert paragraph_labels(pkg) == [""] * 6


@pytest.mark.parametrize(
    ("text", "font", "glyph"),
    [
        ("\uf0b7", "Symbol", "•"),
        ("\u00b7", "Symbol", "•"),
        ("o", "Courier New", "◦"),
        ("\uf0a7", "Wingdings", "▪"),
        ("\u00a7", "Wingdings", "▪"),
        ("\uf0d8", "Wingdings", "➢"),
        ("\uf0fc", "Wingdings", "✓"),
        ("\uf0e9", "Wingdings 3", "•"),  # a symbol-font glyph without a table: a plain bullet
        ("\uf06e", "", "•"),
        ("-", "Calibri", "-"),
        ("–", "", "–"),
        ("o", "Calibri", "o"),
        ("", "Symbol", ""),
        ("x" * 10_000, "Arial", "x" * 8),
    ],
)
def test_bullet_glyphs(text: str, font: str, glyph: str):
    got = bullet_glyph(text, font)
    assert got == glyph and isinstance(got, Bullet)


def test_a_list_number_is_text_not_markup():
    doc = new_document()
    n = define_list(doc, 100, [("decimal", "<b>%1</b>*")])
    add_items(doc, [("h1", "Visitors")])
    _para(doc, "Sign in at the desk.", n, 0)
    s = parse_bytes(to_bytes(doc), "t.docx").sections[0]
    assert s.shown_text == "<b>1</b>* Sign in at the desk."
    assert "&lt;b&gt;1&lt;/b&gt;* Sign in" in section_html(s, [])


def test_the_coverage_matrix_names_sections_with_their_numbers():
    data = _outline_policy(True)
    parsed = parse_bytes(data, "t.docx")
    fw = get_framework()
    ctx = analysis_context(parsed, Suggester(fw).suggest(parsed.sections), fw, data)
    cells = " ".join(" ".join(row) for row in soa_rows(ctx))
    assert "1 Purpose" in cells  # the mandated-reporting section, cited for its competency


def test_analyze_shows_the_number(tmp_path: Path, capsys):
    path = tmp_path / "manual.docx"
    path.write_bytes(_outline_policy(True))
    assert main(["analyze", str(path)]) == 0
    out = capsys.readouterr().out
    assert "2.1 Confidentiality" in out and "1 Purpose" in out
    assert main(["analyze", str(path), "--json"]) == 0
    text = capsys.readouterr().out
    data = json.loads(text)
    by_title = {s["title"]: s for s in data["sections"]}
    assert by_title["Confidentiality"]["label"] == "2.1"
    assert "label" not in by_title["Shelter Operations Manual"]
    assert all("line_labels" not in s for s in data["sections"])
    fw = get_framework()
    parsed = parse_file(path)
    expected = analysis_json(parsed, Suggester(fw).suggest(parsed.sections), fw, "all")
    assert text == json.dumps(expected, ensure_ascii=False, indent=2) + "\n"


def test_analyze_json_gives_the_list_numbers(tmp_path: Path, capsys):
    path = tmp_path / "rules.docx"
    path.write_bytes(_visitor_rules(True))
    assert main(["analyze", str(path), "--json"]) == 0
    text = capsys.readouterr().out
    (section,) = json.loads(text)["sections"]
    assert section["line_labels"] == ["", "1.", "2.", "(a)", "(b)", "3.", ""]
    assert list(section)[4:6] == ["text", "line_labels"]
    fw = get_framework()
    parsed = parse_file(path)
    expected = analysis_json(parsed, Suggester(fw).suggest(parsed.sections), fw, "all")
    assert text == json.dumps(expected, ensure_ascii=False, indent=2) + "\n"


# --------------------------------------------------------------------------- re-upload


@pytest.mark.usefixtures("store_backend")
def test_a_re_upload_with_word_numbering_keeps_every_decision(data_dir: Path):
    from tests.test_services import World

    w = World(data_dir)
    s = w.svc
    doc = s.upload(w.alice, _outline_policy(False), "policy.docx").document_id
    s.transition(w.alice, doc, "submit")
    s.transition(w.rita, doc, "claim")
    links = s.links(w.rita, doc)
    assert links
    for lk in links:
        s.confirm_link(w.rita, doc, lk.id, note="ok")
    s.transition(w.rita, doc, "request_changes", "number the headings")
    r = s.upload(w.alice, _outline_policy(True), "policy-v2.docx", document_id=doc)
    assert r.version == 2 and not r.needs_review and not r.dropped
    assert len(r.carried) == len(links)
    new = s.links(w.rita, doc)
    assert {(lk.section_id, lk.competency, lk.state) for lk in new} == {
        (lk.section_id, lk.competency, "confirmed") for lk in links
    }
    shown = {x.id: x.shown_title for x in s.sections(w.rita, doc)}
    assert "2.1 Confidentiality" in shown.values()
    assert {c.section_title for c in r.carried} <= set(shown.values())
    misses = s.near_misses(w.rita, doc)
    assert {m.section_title for ms in misses.values() for m in ms} <= set(shown.values())


# --------------------------------------------------------------------------- LibreOffice


def _libreoffice_fixture() -> bytes:
    """Every counting rule LibreOffice 7.4 draws as Word does (it ignores w:isLgl and
    w:lvlRestart, so those are left to the tests above); no bullets (it prints a bullet)."""
    doc = new_document()
    n = define_list(doc, 100, DECIMAL_OUTLINE)
    art = define_list(doc, 101, [("upperRoman", "Article %1."), ("upperLetter", "%2)", 3)])
    low = define_list(doc, 102, [("lowerRoman", "%1)", 2), ("decimalZero", "%1.%2")])
    again = add_num(doc, 103, 100)
    restart = add_num(doc, 104, 100, {0: 7})
    set_numbering(doc.styles["Heading 1"], n, 0)
    set_numbering(doc.styles["Heading 2"], n, 1)
    items = [
        ("Alpha", None, None, "Heading 1"),
        ("Bravo", None, None, "Heading 2"),
        ("Charlie", n, 2, None),
        ("Delta", n, 2, None),
        ("Echo", None, None, "Heading 2"),
        ("Foxtrot", None, None, "Heading 1"),
        ("Golf", n, 1, None),
        ("Hotel", again, 0, None),
        ("India", art, 0, None),
        ("Juliett", art, 1, None),
        ("Kilo", art, 1, None),
        ("Lima", art, 0, None),
        ("Mike", low, 0, None),
        ("November", low, 1, None),
        ("Oscar", low, 0, None),
        ("Papa", None, None, None),
        ("Quebec", 0, 0, "Heading 1"),
        ("Romeo", restart, 0, None),
        ("Sierra", restart, 1, None),
        ("Tango", None, None, "Heading 1"),
    ]
    for text, num, lvl, style in items:
        p = _para(doc, text, num, lvl, style=style)
        if text == "Golf":
            _hide(p)
    return to_bytes(doc)


def _libreoffice_text(tmp_path: Path, fixtures: dict[str, bytes]) -> dict[str, list[str]]:
    """Each fixture's lines as LibreOffice's text export prints them."""
    soffice = require_tool("soffice", "libreoffice")
    for name, data in fixtures.items():
        (tmp_path / f"{name}.docx").write_bytes(data)
    out = tmp_path / "out"
    files = [tmp_path / f"{name}.docx" for name in fixtures]
    soffice_convert(soffice, "txt:Text", files, out, tmp_path / "profile", timeout=300)
    return {
        name: (out / f"{name}.txt").read_text(encoding="utf-8-sig").splitlines()
        for name in fixtures
    }


@pytest.mark.office
def test_labels_are_the_ones_libreoffice_draws(tmp_path: Path):
    fixtures = {"numbered": _libreoffice_fixture(), "linked": _linked_lists()}
    printed = _libreoffice_text(tmp_path, fixtures)
    for name, data in fixtures.items():
        lines = printed[name]
        ours = _labels(data)
        drawn = {}
        for line in (ln.strip() for ln in lines):
            if line:  # "<label> <text>": the longest paragraph text the line ends with
                text = max((t for t in ours if line == t or line.endswith(" " + t)), key=len)
                drawn[text] = line[: -len(text)].strip()
        assert drawn == ours, name
        if name == "numbered":
            assert ours["Hotel"] == "3." and ours["Romeo"] == "7." and ours["Quebec"] == ""


@pytest.mark.office
def test_the_workspace_text_is_the_text_libreoffice_shows(tmp_path: Path):
    """Heading and body as a reviewer reads them, line by line, against LibreOffice's own text
    export of the same file (numbers included; a tab after a number reads as one space)."""
    fixtures = {
        "rules": _visitor_rules(True),
        "outline": _outline_policy(True),
        "bullets": _bulleted_rules(),
    }
    printed = _libreoffice_text(tmp_path, fixtures)
    for name, data in fixtures.items():
        theirs = [" ".join(ln.split()) for ln in printed[name] if ln.strip()]
        parsed = parse_bytes(data, f"{name}.docx")
        ours = []
        for s in parsed.sections:
            if s.kind != "preamble" or parsed.title:  # (a preamble is titled by the doc's title)
                ours.append(s.shown_title)
            ours.extend(" ".join(ln.split()) for ln in s.shown_text.split("\n") if ln.strip())
        assert ours == theirs, name
        if name == "rules":  # LibreOffice drew the list numbers, and so do we
            assert "(a) Keep it visible." in theirs and "3. Leave by nine." in theirs
        if name == "bullets":  # and Word's three bullets
            assert "◦ Wear the badge." in theirs and "▪ Keep it visible." in theirs
