"""Hostile text everywhere a person can type or upload it: XML-forbidden control characters,
10,000-character notes, right-to-left scripts and emoji. Every file must still open."""

from __future__ import annotations

import io

from docx import Document
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from openpyxl import load_workbook
from test_reports_fixtures import (
    body_paragraphs,
    framework,
    make_context,
    make_policy,
    paragraph_text,
)

from review.models import HistoryEntry
from review.reports import annotated_policy, coverage_csv, coverage_xlsx, review_report, xml_safe

CONTROL = "\x00\x01\x08\x0b\x0c\x1b\x1f\ufffe\uffff\ud800"
RTL = "سياسة السرية وحماية الشباب"  # Arabic
HEBREW = "מדיניות הגנה על צעירים"
EMOJI = "🛡️👩‍👧‍👦🚸"
LONG_NOTE = ("Very long note " * 700)[:10_000]


def hostile_context():
    policy = make_policy(extra_title=f" {RTL} {EMOJI}", body_extra=f" {HEBREW}")
    ctx = make_context(
        policy,
        note=f"{CONTROL}{LONG_NOTE}",
        reason=f"{RTL}{CONTROL} {EMOJI} <w:t>not xml</w:t> & ]]>",
        agency=f"Agency{CONTROL} {HEBREW} {EMOJI}",
        title=f"Policy {RTL}{CONTROL}",
        reviewer=f"Rev{CONTROL}iewer {EMOJI}",
    )
    ctx.sections[1] = ctx.sections[1].__class__(
        **{**ctx.sections[1].__dict__, "title": f"1. Vicarious trauma {CONTROL}{EMOJI}"}
    )
    ctx.history.append(
        HistoryEntry(
            "request_changes",
            f"x{CONTROL}",
            "in_review",
            "changes_requested",
            "not a date",
            f"{LONG_NOTE}{CONTROL}",
        )
    )
    ctx.extra["notes"] = [f"General note {RTL} {CONTROL}"]
    return policy, ctx


def _text(doc) -> str:
    return "\n".join(paragraph_text(p) for p in doc.element.body.iter("{*}p"))


def test_hostile_review_report_opens_and_keeps_the_visible_text():
    _, ctx = hostile_context()
    doc = Document(io.BytesIO(review_report(ctx, framework())))
    text = _text(doc)
    assert LONG_NOTE in text  # the reviewer's 10,000-character note, whole
    assert RTL in text and HEBREW in text and EMOJI in text
    assert not any(c in text for c in "\x00\x01\x0b\x1f")
    assert HEBREW in doc.sections[0].header.paragraphs[0].text
    assert "<w:t>not xml</w:t> & ]]>" in text  # markup is text, not XML


def test_hostile_annotated_copy_opens_with_original_text_intact():
    policy, ctx = hostile_context()
    doc = Document(io.BytesIO(annotated_policy(ctx)))
    assert [paragraph_text(p) for p in body_paragraphs(doc)] == policy.paragraph_texts
    assert RTL in policy.paragraph_texts[0] and HEBREW in policy.paragraph_texts[1]
    comments = list(doc.comments)
    assert any(LONG_NOTE.strip() in c.text for c in comments)
    summary = [c for c in comments if c.text.startswith("Competency review:")]
    assert len(summary) == 1 and summary[0].author == "Competency Review"
    decided = [c for c in comments if c.text.startswith("Confirmed by the reviewer")]
    assert decided and all(c.author == f"Reviewer {EMOJI}" for c in decided)
    assert all(c.initials.isalpha() for c in comments)


def test_hostile_statement_of_applicability_opens():
    _, ctx = hostile_context()
    row = ctx.coverage[0]
    ctx.coverage[0] = row.__class__(
        **{**row.__dict__, "justification": f"{CONTROL}{LONG_NOTE}{RTL}"}
    )
    text = coverage_csv(ctx).decode("utf-8-sig")
    assert RTL in text and "\x00" not in text
    ws = load_workbook(io.BytesIO(coverage_xlsx(ctx))).active
    assert ws.cell(row=3, column=7).value.endswith(RTL)
    assert HEBREW in ws["A1"].value


@given(st.text())
def test_xml_safe_output_is_always_accepted_by_lxml(text):
    safe = xml_safe(text)
    el = etree.Element("t")
    el.text = safe  # raises ValueError on any XML-forbidden character
    assert etree.fromstring(etree.tostring(el)).text in (safe, None)
    if all(
        c in "\t\n\r" or (" " <= c <= "\ud7ff") or ("\ue000" <= c <= "\ufffd") or c >= "\U00010000"
        for c in text
    ):
        assert safe == text  # allowed text is never altered
