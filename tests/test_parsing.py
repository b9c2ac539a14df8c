"""The .docx parser on real generated documents: one fixture per boundary rule.

Each test builds a .docx with python-docx (see tests/docx_factory.py), parses its bytes and
asserts the exact sections: titles, levels, paths, texts, kinds and paragraph ranges.
"""

from __future__ import annotations

import io

import docx
import pytest

from review.parsing import body_paragraph_elements, parse_bytes, parse_file
from tests.docx_factory import (
    add_custom_style,
    add_items,
    add_tracked_change,
    build_docx,
    new_document,
    set_outline_level,
    to_bytes,
    wrap_in_content_control,
)


def outline(parsed):
    """(level, kind, title, text) per section: the shape the assertions compare."""
    return [(s.level, s.kind, s.title, s.text) for s in parsed.sections]


def parse_items(items, name="policy.docx"):
    return parse_bytes(build_docx(items), name)


# --------------------------------------------------------------------------- heading styles


def test_heading_styles_give_levels_paths_and_texts():
    parsed = parse_items(
        [
            ("h1", "Purpose"),
            "Explains the rules.",
            "A second paragraph.",
            ("h2", "Scope"),
            "All staff.",
            ("h3", "Volunteers"),
            "Volunteers too.",
            ("h1", "Procedure"),
            "Steps follow.",
        ]
    )
    assert outline(parsed) == [
        (1, "heading", "Purpose", "Explains the rules.\nA second paragraph."),
        (2, "heading", "Scope", "All staff."),
        (3, "heading", "Volunteers", "Volunteers too."),
        (1, "heading", "Procedure", "Steps follow."),
    ]
    assert [s.path for s in parsed.sections] == [
        ("Purpose",),
        ("Purpose", "Scope"),
        ("Purpose", "Scope", "Volunteers"),
        ("Procedure",),
    ]
    # ranges tile the document: heading paragraph to the paragraph before the next heading
    assert [(s.first_par, s.last_par) for s in parsed.sections] == [(0, 2), (3, 4), (5, 6), (7, 8)]
    assert parsed.paragraph_count == 9
    assert parsed.format == "docx"


def test_custom_style_based_on_heading_follows_basedon_chain():
    doc = new_document()
    add_custom_style(doc, "Agency Heading", based_on="Heading 2")
    add_custom_style(doc, "Agency Heading Red", based_on="Agency Heading")
    doc.add_heading("Policy", level=1)
    doc.add_paragraph("Intro text.")
    doc.add_paragraph("Training", style="Agency Heading Red")
    doc.add_paragraph("Annual training is required.")
    parsed = parse_bytes(to_bytes(doc), "x.docx")
    assert outline(parsed) == [
        (1, "heading", "Policy", "Intro text."),
        (2, "heading", "Training", "Annual training is required."),
    ]
    assert parsed.sections[1].path == ("Policy", "Training")


def test_outline_level_on_paragraph_and_on_style():
    doc = new_document()
    add_custom_style(doc, "Chapter Line", outline=0)
    add_custom_style(doc, "Not A Heading", based_on="Heading 1", outline=9)
    doc.add_paragraph("Chapter One", style="Chapter Line")
    doc.add_paragraph("Body one.")
    p = doc.add_paragraph("Outlined Paragraph")
    set_outline_level(p, 1)
    doc.add_paragraph("Body two.")
    doc.add_paragraph("Looks like a heading style", style="Not A Heading")
    doc.add_paragraph("Body three.")
    parsed = parse_bytes(to_bytes(doc), "x.docx")
    assert outline(parsed) == [
        (1, "heading", "Chapter One", "Body one."),
        (2, "heading", "Outlined Paragraph", "Body two.\nLooks like a heading style\nBody three."),
    ]


def test_outline_level_nine_on_heading_paragraph_means_body_text():
    doc = new_document()
    doc.add_heading("Real", level=1)
    h = doc.add_heading("Demoted", level=2)
    set_outline_level(h, 9)
    doc.add_paragraph("Text.")
    parsed = parse_bytes(to_bytes(doc), "x.docx")
    assert outline(parsed) == [(1, "heading", "Real", "Demoted\nText.")]


def test_title_style_is_document_title_and_preamble_title():
    parsed = parse_items(
        [
            ("title", "Runaway Prevention Policy"),
            "Approved by the board.",
            "Revised 2020.",
            ("h1", "Purpose"),
            "Why.",
        ]
    )
    assert parsed.title == "Runaway Prevention Policy"
    assert outline(parsed) == [
        (0, "preamble", "Runaway Prevention Policy", "Approved by the board.\nRevised 2020."),
        (1, "heading", "Purpose", "Why."),
    ]
    assert (parsed.sections[0].first_par, parsed.sections[0].last_par) == (0, 2)


def test_preamble_only_when_it_has_text():
    parsed = parse_items([("title", "Handbook"), ("h1", "Purpose"), "Why."])
    assert parsed.title == "Handbook"
    assert outline(parsed) == [(1, "heading", "Purpose", "Why.")]
    parsed = parse_items(["Loose intro.", ("h1", "Purpose"), "Why."])
    assert outline(parsed) == [
        (0, "preamble", "Preamble", "Loose intro."),
        (1, "heading", "Purpose", "Why."),
    ]


# --------------------------------------------------------------------------- typed numbering


def test_hand_typed_numbered_headings_without_bold():
    parsed = parse_items(
        [
            "1 Introduction",
            "Opening words of the manual.",
            "1.1 Purpose of the Manual",
            "It sets the rules.",
            "4.2 Confidentiality",
            "Records are kept private.",
            "4.2.1 Electronic Records",
            "Encrypted at rest.",
        ]
    )
    # "1 Introduction" counts because "1.1" headings follow; 4.2 -> level 2; 4.2.1 -> level 3
    assert outline(parsed) == [
        (1, "numbered", "1 Introduction", "Opening words of the manual."),
        (2, "numbered", "1.1 Purpose of the Manual", "It sets the rules."),
        (2, "numbered", "4.2 Confidentiality", "Records are kept private."),
        (3, "numbered", "4.2.1 Electronic Records", "Encrypted at rest."),
    ]
    assert parsed.sections[3].path == (
        "1 Introduction",
        "4.2 Confidentiality",
        "4.2.1 Electronic Records",
    )


@pytest.mark.parametrize(
    "line",
    [
        "ARTICLE 3 \u2013",
        "ARTICLE 3 \u2014 Staff",
        "Section IV.",
        "IV. Client Rights",
        "Chapter 2: Intake",
    ],
)
def test_keyword_and_roman_headings(line):
    parsed = parse_items(["Opening text.", line, "Body under it."])
    assert outline(parsed) == [
        (0, "preamble", "Preamble", "Opening text."),
        (1, "numbered", line, "Body under it."),
    ]


def test_section_nests_below_article():
    parsed = parse_items(
        [
            "ARTICLE 1 - Governance",
            "Board text.",
            "Section 2. Meetings",
            "Monthly.",
            "ARTICLE 2 - Staff",
            "Staff text.",
        ]
    )
    assert [(s.level, s.title) for s in parsed.sections] == [
        (1, "ARTICLE 1 - Governance"),
        (2, "Section 2. Meetings"),
        (1, "ARTICLE 2 - Staff"),
    ]


def test_list_items_and_clauses_are_not_headings():
    body = [
        ("h1", "Training"),
        "(a) The agency shall ensure all staff complete the following:",
        "1. Pathways to entry and vulnerabilities;",
        "2. Understanding the impact of trauma;",
        "4. Essential service delivery and collaboration; and",
        "5. Motivational Interviewing.",
        "(b) Facility's security plan;",
        "(2) Domestic violence programs must provide the following:",
        "IV. the rest of a sentence that runs on and on and on and on and on.",
        "Section 4 of the Act applies to every contract signed by the agency.",
        "2.5 hours of training are required each year.",
        ("style", "List Number", "Purpose"),
        "Final sentence.",
    ]
    parsed = parse_items(body)
    assert [s.title for s in parsed.sections] == ["Training"]
    assert parsed.sections[0].text.count("\n") == len(body) - 2


def test_single_numbered_plain_lines_are_not_headings_without_a_numbering_scheme():
    parsed = parse_items(
        [
            ("h1", "Overnight Use"),
            "Criteria:",
            "1. Evening Shifts",
            "Staff who work evenings.",
            "2. Weekend Coverage",
            "Staff who work weekends.",
        ]
    )
    assert [s.title for s in parsed.sections] == ["Overnight Use"]


def test_one_multilevel_number_alone_is_not_a_scheme():
    parsed = parse_items([("h1", "Hours"), "2.5 Hours Per Week", "Staff log hours."])
    assert [s.title for s in parsed.sections] == ["Hours"]


# --------------------------------------------------------------------------- bold pseudo-headings


def test_bold_pseudo_headings_nest_one_below_last_real_heading():
    parsed = parse_items(
        [
            ("h1", "Services"),
            "Overview.",
            ("bold", "Shelter"),
            "Beds are available.",
            ("bold", "Hotline"),
            "Answered all day.",
            ("h1", "Staff"),
            "Staff text.",
        ]
    )
    assert outline(parsed) == [
        (1, "heading", "Services", "Overview."),
        (2, "bold", "Shelter", "Beds are available."),
        (2, "bold", "Hotline", "Answered all day."),
        (1, "heading", "Staff", "Staff text."),
    ]
    assert parsed.sections[2].path == ("Services", "Hotline")


def test_bold_numbered_subsections_nest_below_bold_heading():
    parsed = parse_items(
        [
            ("bold", "65X-1.016 Standards for Shelters"),
            "(1) Shelters shall be open.",
            ("bold", "(4) Training"),
            "(a) Staff shall complete training.",
            ("bold", "65X-1.020 Standards for Safe Houses"),
            "Text.",
        ]
    )
    assert outline(parsed) == [
        # statute numbers that recur are headings by their pattern ("numbered"), bold or not
        (1, "numbered", "65X-1.016 Standards for Shelters", "(1) Shelters shall be open."),
        (2, "bold", "(4) Training", "(a) Staff shall complete training."),
        (1, "numbered", "65X-1.020 Standards for Safe Houses", "Text."),
    ]


def test_bold_false_cases():
    doc = new_document()
    doc.add_heading("Rules", level=1)
    doc.add_paragraph().add_run(
        "This bold sentence is long and reads like a sentence, not a heading at all."
    ).bold = True
    doc.add_paragraph().add_run("Bold but ends with a semicolon;").bold = True
    p = doc.add_paragraph()
    p.add_run("Half bold ").bold = True
    p.add_run("half plain")
    r = doc.add_paragraph().add_run("Explicitly not bold")
    r.bold = False
    doc.add_paragraph("Plain closing text.")
    doc.add_paragraph().add_run("Last Bold Line").bold = True  # nothing follows it
    parsed = parse_bytes(to_bytes(doc), "x.docx")
    assert [s.title for s in parsed.sections] == ["Rules"]


def test_bold_from_paragraph_style_and_run_override():
    doc = new_document()
    add_custom_style(doc, "Strong Para", bold=True)
    doc.add_paragraph("Styled Bold Heading", style="Strong Para")
    doc.add_paragraph("Body.")
    p = doc.add_paragraph("Bold style but run unbolded", style="Strong Para")
    p.runs[0].bold = False
    doc.add_paragraph("More body.")
    parsed = parse_bytes(to_bytes(doc), "x.docx")
    assert outline(parsed) == [
        (1, "bold", "Styled Bold Heading", "Body.\nBold style but run unbolded\nMore body."),
    ]


def test_bold_from_run_character_style():
    doc = new_document()
    doc.add_heading("Rules", level=1)
    doc.add_paragraph().add_run("Strong Styled Line", style="Strong")
    doc.add_paragraph("Body under it.")
    doc.add_paragraph().add_run("Emphasis Styled Line", style="Emphasis")  # italic, not bold
    doc.add_paragraph("More body.")
    parsed = parse_bytes(to_bytes(doc), "x.docx")
    assert outline(parsed) == [
        (1, "heading", "Rules", ""),
        (2, "bold", "Strong Styled Line", "Body under it.\nEmphasis Styled Line\nMore body."),
    ]


def test_bold_is_not_a_signal_when_everything_is_bold():
    doc = new_document()
    for i in range(6):
        doc.add_paragraph().add_run(f"Line Number {i}").bold = True
    parsed = parse_bytes(to_bytes(doc), "x.docx")
    assert [s.kind for s in parsed.sections] == ["preamble"]


# --------------------------------------------------------------------------- tables


def test_table_rows_belong_to_their_section_including_nested_tables():
    parsed = parse_items(
        [
            ("h1", "Contacts"),
            "Call these numbers.",
            (
                "table",
                [
                    ["Role", "Phone"],
                    ["Hotline", "555-0100"],
                    ["Shelter", [["Day", "555-0101"], ["Night", "555-0102"]]],
                ],
            ),
            ("h1", "After"),
            "Done.",
        ]
    )
    assert outline(parsed) == [
        (
            1,
            "heading",
            "Contacts",
            "Call these numbers.\nRole | Phone\nHotline | 555-0100\nShelter\nDay | 555-0101\nNight | 555-0102",
        ),
        (1, "heading", "After", "Done."),
    ]
    doc = docx.Document(io.BytesIO(build_docx([("h1", "x")])))
    assert len(body_paragraph_elements(doc.element.body)) == 1


def test_document_that_is_only_a_table_is_valid():
    parsed = parse_items([("table", [["Policy", "Owner"], ["Intake", "Director"]])])
    assert outline(parsed) == [(0, "preamble", "Preamble", "Policy | Owner\nIntake | Director")]


def test_bold_and_heading_styled_text_inside_tables_is_not_a_heading():
    doc = new_document()
    doc.add_heading("Table Section", level=1)
    t = doc.add_table(rows=2, cols=1)
    t.cell(0, 0).paragraphs[0].add_run("Bold Header").bold = True
    t.cell(1, 0).paragraphs[0].style = doc.styles["Heading 2"]
    t.cell(1, 0).paragraphs[0].add_run("Styled In Cell")
    doc.add_paragraph("After table.")
    parsed = parse_bytes(to_bytes(doc), "x.docx")
    assert outline(parsed) == [
        (1, "heading", "Table Section", "Bold Header\nStyled In Cell\nAfter table.")
    ]


# --------------------------------------------------------------------------- text python-docx misses


def test_tracked_insertions_included_deletions_excluded():
    doc = new_document()
    doc.add_heading("Reporting", level=1)
    p = doc.add_paragraph("Staff must report ")
    add_tracked_change(p, inserted="within 24 hours", deleted="eventually")
    parsed = parse_bytes(to_bytes(doc), "x.docx")
    assert p.text == "Staff must report "  # python-docx alone loses the insertion
    assert outline(parsed) == [(1, "heading", "Reporting", "Staff must report within 24 hours")]


def test_body_level_content_control_text_and_headings_are_included():
    doc = new_document()
    doc.add_heading("Intro", level=1)
    doc.add_paragraph("Visible.")
    h = doc.add_heading("Controlled Heading", level=1)
    body = doc.add_paragraph("Inside a content control.")
    wrap_in_content_control(h)
    wrap_in_content_control(body)
    parsed = parse_bytes(to_bytes(doc), "x.docx")
    assert "Inside a content control." not in [q.text for q in doc.paragraphs]
    assert outline(parsed) == [
        (1, "heading", "Intro", "Visible."),
        (1, "heading", "Controlled Heading", "Inside a content control."),
    ]
    assert (parsed.sections[1].first_par, parsed.sections[1].last_par) == (2, 3)


def test_hyperlink_tab_break_and_field_result_text():
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    doc = new_document()
    doc.add_heading("Links", level=1)
    p = doc.add_paragraph("See ")
    p._p.append(
        parse_xml(
            f'<w:hyperlink {nsdecls("w")} w:anchor="x"><w:r><w:t>the guide</w:t></w:r></w:hyperlink>'
        )
    )
    p._p.append(
        parse_xml(f"<w:r {nsdecls('w')}><w:tab/><w:t>col</w:t><w:br/><w:t>next line</w:t></w:r>")
    )
    p._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin"/></w:r>'))
    p._p.append(parse_xml(f"<w:r {nsdecls('w')}><w:instrText> PAGE </w:instrText></w:r>"))
    p._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="separate"/></w:r>'))
    p._p.append(parse_xml(f"<w:r {nsdecls('w')}><w:t> page 7</w:t></w:r>"))
    p._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>'))
    parsed = parse_bytes(to_bytes(doc), "x.docx")
    assert parsed.sections[0].text == "See the guide\tcol\nnext line page 7"


# --------------------------------------------------------------------------- chunking


def _words(n, seed):
    vocab = [
        "staff",
        "policy",
        "shelter",
        "youth",
        "safety",
        "report",
        "training",
        "record",
        "client",
        "agency",
    ]
    return " ".join(vocab[(i * 7 + seed) % len(vocab)] for i in range(n)) + "."


def test_unstructured_text_falls_back_to_chunks_at_paragraph_boundaries():
    paras = [_words(60, i) for i in range(30)]  # 1800 words, no headings
    parsed = parse_items(paras)
    assert all(s.kind == "chunk" and s.level == 1 for s in parsed.sections)
    assert [s.title for s in parsed.sections] == [
        "Part 1 (paragraphs 1\u20135)",
        "Part 2 (paragraphs 6\u201310)",
        "Part 3 (paragraphs 11\u201315)",
        "Part 4 (paragraphs 16\u201320)",
        "Part 5 (paragraphs 21\u201325)",
        "Part 6 (paragraphs 26\u201330)",
    ]
    assert "\n".join(s.text for s in parsed.sections) == "\n".join(paras)
    assert parsed.sections == parse_items(paras).sections  # deterministic


def test_one_enormous_paragraph_is_split_at_sentences():
    sentences = [f"Sentence {i} says {_words(12, i)}" for i in range(200)]
    parsed = parse_items([" ".join(sentences)])
    assert len(parsed.sections) > 5
    for s in parsed.sections:
        assert s.kind == "chunk"
        assert s.title.endswith("(paragraph 1)")
        assert len(s.text.split()) <= 420
        assert s.text.endswith(".")
    assert " ".join(s.text for s in parsed.sections) == " ".join(sentences)


def test_huge_titled_section_keeps_its_title_on_the_first_part():
    paras = [_words(70, i) for i in range(20)]
    parsed = parse_items([("h1", "Procedures"), *paras, ("h1", "Short"), "Tiny."])
    titles = [s.title for s in parsed.sections]
    assert titles[0] == "Procedures"
    assert titles[1].startswith("Procedures (part 2, paragraphs ")
    assert parsed.sections[1].path[0] == "Procedures" and parsed.sections[1].level == 2
    assert titles[-1] == "Short"
    assert "\n".join(s.text for s in parsed.sections[:-1]) == "\n".join(paras)


# --------------------------------------------------------------------------- ids


def test_ids_stable_across_uploads_and_only_edited_section_changes():
    items = [("h1", "Purpose"), "Why.", ("h1", "Scope"), "Who.", ("h2", "Volunteers"), "Also."]
    a = parse_items(items, "v1.docx")
    b = parse_items(items, "renamed.docx")
    assert [s.id for s in a.sections] == [s.id for s in b.sections]
    edited = list(items)
    edited[3] = "Who, and when."
    c = parse_items(edited)
    assert [x.id == y.id for x, y in zip(a.sections, c.sections, strict=True)] == [
        True,
        False,
        True,
    ]


def test_identical_sections_get_distinct_deterministic_ids():
    items = [("h1", "Note"), "Same.", ("h1", "Note"), "Same."]
    a = parse_items(items)
    assert len({s.id for s in a.sections}) == 2
    assert [s.id for s in a.sections] == [s.id for s in parse_items(items).sections]


def test_id_ignores_quote_style_and_spacing():
    a = parse_items([("h1", "Client\u2019s Rights"), "It\u2019s  theirs."])
    b = parse_items([("h1", "Client's Rights"), "It's theirs."])
    assert a.sections[0].id == b.sections[0].id


# --------------------------------------------------------------------------- paragraph index space


def test_first_last_par_index_body_paragraph_elements(tmp_path):
    path = tmp_path / "p.docx"
    build_docx(
        ["Intro.", ("h1", "A"), ("table", [["x", "y"], ["z", "w"]]), "After.", ("h2", "B"), "End."],
        path,
    )
    parsed = parse_file(path)
    doc = docx.Document(str(path))
    paras = body_paragraph_elements(doc.element.body)
    assert parsed.paragraph_count == len(paras)
    texts = ["".join(t.text or "" for t in p.iter(docx.oxml.ns.qn("w:t"))) for p in paras]
    for s in parsed.sections:
        if s.kind != "preamble":
            assert texts[s.first_par] == s.title
    assert parsed.sections[-1].last_par == len(paras) - 1
    assert [(s.first_par, s.last_par) for s in parsed.sections] == [(0, 0), (1, 6), (7, 8)]


def test_add_items_accepts_an_existing_document():
    doc = add_items(new_document(), [("h1", "A"), "b"])
    assert parse_bytes(to_bytes(doc), "x.docx").sections[0].title == "A"


# --------------------------------------------------------------------------- statute and lettered headings


@pytest.mark.parametrize(
    "heading",
    [
        "§ 48.981 - Abused or neglected children",
        "Section 51.12 - Intake requirements",
        "48-2.4 Staff qualifications.",
        "9B.04.020 Confidential records.",
        "SECTION 12:40-1-3. Program standards.",
        "(d) Staff Training Requirements.",
        "C. Reporting and Notification Duties:",
    ],
)
def test_bold_statute_and_lettered_headings_start_sections(heading):
    parsed = parse_items([("bold", heading), "The program shall keep written procedures.", "Text."])
    assert [s.title for s in parsed.sections] == [heading]
    assert parsed.sections[0].text.startswith("The program shall")


def test_recurring_code_numbers_are_headings_even_when_plain():
    parsed = parse_items(
        [
            "14.05.010 Purpose of this chapter.",
            "The county adopts these rules for its youth programs.",
            "14.05.020 Visitors and privacy.",
            "Visitors sign in at the front desk.",
        ]
    )
    assert [s.title for s in parsed.sections] == [
        "14.05.010 Purpose of this chapter.",
        "14.05.020 Visitors and privacy.",
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "(a) Staff shall report every suspected case of abuse to the hotline within one hour of learning of it.",
        "B. The supervisor reviews each incident report and decides whether the youth needs a new plan.",
        "12.3 percent of youth served last year had run away at least once.",
        "(2) when the youth returns.",
    ],
)
def test_bold_body_sentences_with_numbers_are_not_headings(sentence):
    parsed = parse_items([("h1", "Reporting"), ("bold", sentence), "More text follows here."])
    assert [s.title for s in parsed.sections] == ["Reporting"]
    assert sentence in parsed.sections[0].text


# --------------------------------------------------------------------------- run-in, boxed, capitals


def test_recurring_run_in_headings_split_their_paragraph():
    parsed = parse_items(
        [
            ("h1", "Shelter rules"),
            "The rules below apply to every resident and visitor.",
            (
                "runin",
                "Visitors.",
                " Visitors must sign in at the front desk and show identification.",
            ),
            (
                "runin",
                "Photographs:",
                " Nobody may take photographs of residents or of the building.",
            ),
        ]
    )
    assert [(s.kind, s.title, s.text) for s in parsed.sections[1:]] == [
        ("run-in", "Visitors.", "Visitors must sign in at the front desk and show identification."),
        ("run-in", "Photographs:", "Nobody may take photographs of residents or of the building."),
    ]
    assert parsed.sections[1].path == ("Shelter rules", "Visitors.")


def test_run_in_headings_of_eight_words_or_ending_inside_a_word_are_found():
    # (a paragraph whose first eight words hold no period or colon is not read run by run)
    parsed = parse_items(
        [
            ("h1", "Shelter rules"),
            "The rules below apply to every resident and visitor.",
            (
                "runin",
                "Visiting Hours for Parents and Guardians of Residents:",
                " Parents may visit on weekday evenings and on Sunday afternoons.",
            ),
            ("runin", "Curfew.", "Residents return to the shelter by nine in the evening."),
        ]
    )
    assert [(s.kind, s.title) for s in parsed.sections[1:]] == [
        ("run-in", "Visiting Hours for Parents and Guardians of Residents:"),
        ("run-in", "Curfew."),
    ]


def test_a_single_bold_lead_in_or_a_bold_sentence_start_is_not_a_heading():
    parsed = parse_items(
        [
            ("h1", "Reporting"),
            ("runin", "Note:", " staff call the hotline before they call a parent."),
            ("runin", "Staff must always call the hotline first.", " Then they call a parent."),
        ]
    )
    assert [s.title for s in parsed.sections] == ["Reporting"]


def test_a_heading_boxed_in_a_one_cell_table_starts_a_section():
    parsed = parse_items(
        [
            ("h1", "Program"),
            "Intro text.",
            ("table", [["Confidential Location"]]),
            "Staff never disclose the address of the shelter.",
            ("table", [["Name", "Role"], ["Ana", "Director"]]),
        ]
    )
    assert [(s.kind, s.title) for s in parsed.sections] == [
        ("heading", "Program"),
        ("boxed", "Confidential Location"),
    ]
    assert "Ana | Director" in parsed.sections[1].text


def test_recurring_capital_letter_lines_are_headings_unless_capitals_are_the_body():
    parsed = parse_items(
        [
            "STAFF TRAINING",
            "Every new employee completes training in the first month.",
            "CONFIDENTIALITY",
            "Records are kept locked and shared only with consent.",
        ]
    )
    assert [(s.kind, s.title) for s in parsed.sections] == [
        ("caps", "STAFF TRAINING"),
        ("caps", "CONFIDENTIALITY"),
    ]
    shouting = parse_items(
        [
            "STAFF TRAINING",
            "EVERY NEW EMPLOYEE COMPLETES TRAINING",
            "RECORDS ARE KEPT LOCKED",
            "Lower case line.",
        ]
    )
    assert [s.kind for s in shouting.sections] == ["preamble"]


# --------------------------------------------------------------------------- underline, size, series

BODY = "Every new employee completes orientation before working alone with youth."


def test_underlined_and_larger_type_lines_are_headings_as_bold_ones_are():
    underlined = parse_items(
        [("underline", "Staff Training"), BODY, ("underline", "Visitors"), BODY]
    )
    assert [(s.kind, s.title) for s in underlined.sections] == [
        ("underline", "Staff Training"),
        ("underline", "Visitors"),
    ]
    larger = parse_items([("size", 14, "Staff Training"), BODY, ("size", 14, "Visitors"), BODY])
    assert [(s.kind, s.title, s.text) for s in larger.sections] == [
        ("larger", "Staff Training", BODY),
        ("larger", "Visitors", BODY),
    ]


def test_underline_or_a_large_type_that_is_the_body_is_no_heading_signal():
    # every paragraph underlined, or every paragraph in 14 pt: nothing stands out
    for kind, arg in (("underline", None), ("size", 14)):
        items = []
        for title in ("Staff Training", "Visitors"):
            for text in (title, BODY, BODY):
                items.append((kind, text) if arg is None else (kind, arg, text))
        assert [s.kind for s in parse_items(items).sections] == ["preamble"], kind
    # a type only half a point larger is not set apart
    assert [s.kind for s in parse_items([("size", 11.5, "Visitors"), BODY, BODY]).sections] == [
        "preamble"
    ]


def test_underlined_run_in_headings_split_their_paragraph():
    parsed = parse_items(
        [
            ("h1", "House rules"),
            ("runin-underline", "Visitors.", " Visitors sign in at the desk and show an ID."),
            ("runin-underline", "Curfew:", " Residents are back inside by nine in the evening."),
        ]
    )
    assert [(s.kind, s.title) for s in parsed.sections[1:]] == [
        ("run-in", "Visitors."),
        ("run-in", "Curfew:"),
    ]


@pytest.mark.parametrize(
    "labels",
    [("1.", "2.", "3."), ("1)", "2)", "3)"), ("A.", "B.", "C."), ("(a)", "(b)", "(c)")],
)
def test_a_series_of_plain_numbered_titles_each_followed_by_body_text_are_headings(labels):
    titles = ["Staff Training", "Program Requirements.", "Referral and Intake:"]
    items = [("h1", "Operations")]
    for label, title in zip(labels, titles, strict=True):
        items += [f"{label} {title}", BODY]
    parsed = parse_items(items)
    assert [(s.kind, s.title) for s in parsed.sections] == [("heading", "Operations")] + [
        ("numbered", f"{label} {title}") for label, title in zip(labels, titles, strict=True)
    ]
    assert all(s.text == BODY for s in parsed.sections[1:])
    assert all(s.level == 2 for s in parsed.sections[1:])


def test_numbered_lists_sentences_and_out_of_order_labels_are_not_a_heading_series():
    topics = ["Staff Training", "Safety Planning", "Cultural Humility", "Confidentiality"]
    cases = {
        # consecutive items: a list (a training-topics list), not headings
        "list": ["Training covers:"] + [f"{i + 1}. {t}" for i, t in enumerate(topics)] + [BODY],
        # sentences, not titles: they end with a period and are not in title case, or oblige
        "sentences": [
            x
            for i, t in enumerate(
                [
                    "Youth may not leave without permission.",
                    "Records are kept for seven years.",
                    "Staff shall notify the supervisor",
                ]
            )
            for x in (f"{i + 1}. {t}", BODY)
        ],
        # labels out of sequence: not a numbering scheme
        "order": [
            x for label in ("4.", "1.", "9.", "2.") for x in (f"{label} Staff Training", BODY)
        ],
    }
    for name, body in cases.items():
        parsed = parse_items([("h1", "Operations")] + body)
        assert [s.title for s in parsed.sections] == ["Operations"], name


@pytest.mark.parametrize(
    "line",
    [
        "Policy 4.2: Staff Training",
        "Standard 3 - Visitors",
        "Appendix A. Forms",
        "Subchapter 2 Program Requirements",
    ],
)
def test_more_heading_keywords_with_a_number(line):
    parsed = parse_items([("h1", "Manual"), "Intro text.", line, BODY])
    assert [(s.kind, s.title) for s in parsed.sections][1:] == [("numbered", line)]


def test_a_heading_keyword_needs_a_space_before_its_number():
    # "Sections" is not "Section s"; "Standards of care" is not "Standard" + a number
    parsed = parse_items(
        [("h1", "Manual"), "Sections Covered: all of them", BODY, "Standards of care", BODY]
    )
    assert [s.title for s in parsed.sections] == ["Manual"]


def test_entries_of_a_word_table_of_contents_are_never_headings():
    """Word's "toc 1" style: the entries name headings and are none, even in capitals and
    numbered (a run of capital lines is otherwise a heading pattern)."""
    from docx.enum.style import WD_STYLE_TYPE

    doc = new_document()
    toc = doc.styles.add_style("toc 1", WD_STYLE_TYPE.PARAGRAPH)
    doc.add_paragraph("Contents")
    titles = ["Intake", "Visitors", "Discharge"]
    for k, title in enumerate(titles, 1):
        doc.add_paragraph(f"{k}.\t{title.upper()}", style=toc)
    for title in titles:
        doc.add_heading(title, level=1)
        doc.add_paragraph(f"The {title.lower()} rules apply to every youth in the program.")
    parsed = parse_bytes(to_bytes(doc), "x.docx")
    assert [(s.kind, s.title) for s in parsed.sections] == [
        ("preamble", "Preamble"),
        *[("heading", t) for t in titles],
    ]
    assert parsed.sections[0].text == "Contents\n1.\tINTAKE\n2.\tVISITORS\n3.\tDISCHARGE"


def test_a_typed_table_of_contents_is_text_not_a_run_of_empty_sections():
    """Contents typed as numbered capitals (which read as headings) name the sections that
    follow: they are body text again. Headings that name nothing later, or fewer than three in
    a row, stay headings."""
    titles = ["Intake", "Visitors", "Discharge"]
    body = []
    for t in titles:
        body += [("h1", t), f"The {t.lower()} rules apply.", "Staff record each step."]
    entries = ["1. INTAKE", "2. VISITORS ........ 4", "3.\tDISCHARGE"]
    parsed = parse_items(["CONTENTS", *entries, *body])
    assert [(s.kind, s.title) for s in parsed.sections] == [
        ("caps", "CONTENTS"),
        *[("heading", t) for t in titles],
    ]
    assert parsed.sections[0].text == "\n".join(entries)
    # two entries are no contents; nor are empty headings that name no later heading
    two = parse_items(["CONTENTS", *entries[:2], *body])
    assert [s.title for s in two.sections][:3] == ["CONTENTS", *entries[:2]]
    parts = parse_items(["PART ONE", "CHAPTER A", "ARTICLE I", *body])
    assert [s.title for s in parts.sections][:3] == ["PART ONE", "CHAPTER A", "ARTICLE I"]


def test_title_key_names_a_title_as_contents_do():
    from review.parsing.sections import title_key

    assert title_key("Mandated Reporting") == "mandated reporting"
    for entry in (
        "1. MANDATED REPORTING",
        "2.3\tMandated reporting",
        "1.......................MANDATED REPORTING",
        "Mandated reporting ........ 12",
        "Mandated reporting . . . . xi",
        "(b) Mandated reporting:",
        "Mandated   reporting\t7",
    ):
        assert title_key(entry) == "mandated reporting", entry
    assert title_key("Staff. Training") == "staff. training"  # a word is no outline number
