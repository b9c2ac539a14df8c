"""Builders shared by the report tests (no tests here): a policy .docx made with python-docx and a
hand-made :class:`ReportContext` with confirmed, added, rejected and suggested links, gaps and
history. All text is invented for the tests."""

from __future__ import annotations

import io
from dataclasses import dataclass

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt

from review.framework import Framework, get_framework
from review.models import (
    CoverageRow,
    Evidence,
    HistoryEntry,
    ReportContext,
    ReportLink,
    Section,
)
from review.parsing import body_paragraph_elements

AGENCY = "Lakeshore Youth Services"
REVIEWER = "Rita Reviewer"
HEADER_TEXT = "Lakeshore Youth Services – Staff Policy Manual"
FOOTER_TEXT = "Internal use only"


@dataclass
class Policy:
    data: bytes
    sections: list[Section]
    paragraph_texts: list[str]


def body_paragraphs(doc) -> list:
    """The enumeration the parser and the annotator share."""
    return body_paragraph_elements(doc.element.body)


def paragraph_text(p_el) -> str:
    return "".join(t.text or "" for t in p_el.iter(qn("w:t")))


def make_policy(extra_title: str = "", body_extra: str = "") -> Policy:
    """A small policy: title, headings, mixed-format runs, a custom style, a bold pseudo-heading,
    a table, a heading with no runs, a hyperlink paragraph, a header and a footer."""
    doc = Document()
    style = doc.styles.add_style("Policy Body", WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles["Normal"]
    style.font.name = "Georgia"
    style.font.size = Pt(11)
    doc.sections[0].header.paragraphs[0].text = HEADER_TEXT
    doc.sections[0].footer.paragraphs[0].text = FOOTER_TEXT

    doc.add_paragraph("Staff Wellbeing and Safety Policy" + extra_title, style="Title")  # 0
    doc.add_paragraph("This manual applies to every employee and volunteer." + body_extra)  # 1
    doc.add_heading("1. Vicarious trauma", level=1)  # 2
    p = doc.add_paragraph("Staff exposed to ", style="Policy Body")  # 3
    p.add_run("secondary traumatic").bold = True
    p.add_run(" stress may use the employee assistance program at no cost.")
    doc.add_heading("2. Confidential location", level=1)  # 4
    doc.add_paragraph(
        "Staff do not disclose the address of the residence to anyone outside the program.",
        style="Policy Body",
    )  # 5
    doc.add_paragraph().add_run("Mandatory reporting").bold = True  # 6
    doc.add_paragraph("Every staff member is a mandated reporter of suspected child abuse.")  # 7
    table = doc.add_table(rows=2, cols=2)
    table.style = doc.styles["Table Grid"]
    for (r, c), text in {
        (0, 0): "Contact",
        (0, 1): "Role",
        (1, 0): "Hotline",
        (1, 1): "Receives reports of suspected abuse",
    }.items():
        table.cell(r, c).paragraphs[0].text = text  # 8, 9, 10, 11
    doc.add_paragraph(style="Heading 1")  # 12: a heading without any run
    link_p = doc.add_paragraph()  # 13: text only inside a hyperlink
    link_p._p.append(
        parse_xml(
            f'<w:hyperlink {nsdecls("w")} w:anchor="top"><w:r><w:t>Training portal for multi-disciplinary teams</w:t></w:r></w:hyperlink>'
        )
    )
    buf = io.BytesIO()
    doc.save(buf)
    data = buf.getvalue()

    reopened = Document(io.BytesIO(data))
    texts = [paragraph_text(p) for p in body_paragraphs(reopened)]
    sections = [
        Section(
            "s-pre",
            "Staff Wellbeing and Safety Policy" + extra_title,
            0,
            ("Staff Wellbeing and Safety Policy" + extra_title,),
            texts[1],
            0,
            1,
            "preamble",
        ),
        Section("s-vt", "1. Vicarious trauma", 1, ("1. Vicarious trauma",), texts[3], 2, 3),
        Section(
            "s-loc", "2. Confidential location", 1, ("2. Confidential location",), texts[5], 4, 5
        ),
        Section(
            "s-rep",
            "Mandatory reporting",
            1,
            ("Mandatory reporting",),
            "\n".join(texts[7:12]),
            6,
            11,
            "bold",
        ),
        Section("s-empty", "", 1, ("(untitled)",), texts[13], 12, 13),
    ]
    return Policy(data, sections, texts)


def _ev(section: Section, phrase: str, matched: str) -> Evidence:
    at = section.full_text.lower().find(matched.lower())
    return Evidence(phrase, matched, at, at + len(matched), 92.0)


def make_context(
    policy: Policy | None = None,
    *,
    note: str = "Covers vicarious trauma well.",
    reason: str = "Location secrecy is not a trauma-informed care policy.",
    agency: str = AGENCY,
    title: str = "Staff Policy Manual",
    reviewer: str = REVIEWER,
    state: str = "in_review",
) -> ReportContext:
    """A reviewed context for a specialised agency (every competency required)."""
    policy = policy or make_policy()
    fw = get_framework()
    s = {sec.id: sec for sec in policy.sections}
    links = [
        ReportLink(
            "s-vt",
            "C5",
            "confirmed",
            91.0,
            (_ev(s["s-vt"], "secondary traumatic stress", "secondary traumatic stress"),),
            note=note,
            decided_by=reviewer,
            decided_at="2024-05-02T10:00:00+00:00",
        ),
        ReportLink(
            "s-loc",
            "A10",
            "confirmed",
            88.0,
            (_ev(s["s-loc"], "do not disclose the address", "do not disclose the address"),),
            decided_by=reviewer,
            decided_at="2024-05-02T10:05:00+00:00",
        ),
        ReportLink(
            "s-loc",
            "C7",
            "rejected",
            40.0,
            reason=reason,
            decided_by=reviewer,
            decided_at="2024-05-02T10:06:00+00:00",
        ),
        ReportLink(
            "s-rep",
            "C3",
            "added",
            None,
            note="Mandated reporting is explicit.",
            decided_by=reviewer,
            decided_at="2024-05-02T10:07:00+00:00",
        ),
        ReportLink(
            "s-empty",
            "C2",
            "suggested",
            61.0,
            (_ev(s["s-empty"], "multi-disciplinary team", "multi-disciplinary teams"),),
        ),
    ]
    cited = {"C5": ("s-vt",), "A10": ("s-loc",), "C3": ("s-rep",)}
    coverage = []
    for it in fw.required_items("specialised"):
        if it.id in cited:
            status = "met"
        elif it.id == "C4":
            status = "partial"
        elif it.id == "A1":
            status = "not_applicable"
        else:
            status = "not_addressed"
        coverage.append(
            CoverageRow(
                competency=it.id,
                label=it.label,
                statement=it.statement,
                status=status,
                sections=cited.get(it.id, ()),
                justification="The agency runs no residential program." if it.id == "A1" else "",
                recommendation="Write a training plan on trafficking indicators."
                if it.id == "C1"
                else "",
                training=("HT101-4",) if it.id == "C1" else (),
            )
        )
    history = [
        HistoryEntry("submit", "Uma Uploader", "draft", "submitted", "2024-05-01T09:00:00+00:00"),
        HistoryEntry("claim", reviewer, "submitted", "in_review", "2024-05-02T09:30:00+00:00"),
    ]
    return ReportContext(
        agency_name=agency,
        agency_kind="specialised",
        document_id="doc-42",
        document_title=title,
        version_number=2,
        original_filename="staff-policy.docx",
        framework_id=fw.id,
        framework_title=fw.title,
        framework_version=fw.version,
        state=state,
        reviewer=reviewer,
        created_at="2024-05-01T09:00:00+00:00",
        updated_at="2024-05-02T10:07:00+00:00",
        sections=list(policy.sections),
        links=links,
        coverage=coverage,
        history=history,
        original=policy.data,
    )


def framework() -> Framework:
    return get_framework()
