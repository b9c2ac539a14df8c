"""The review report, the annotated policy and the statement of applicability, re-opened with
python-docx / csv / openpyxl and checked for content."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook
from test_reports_fixtures import (
    AGENCY,
    FOOTER_TEXT,
    HEADER_TEXT,
    REVIEWER,
    body_paragraphs,
    framework,
    make_context,
    make_policy,
    paragraph_text,
)

from review.errors import UnreadableDocument, ValidationFailed
from review.models import Evidence, ParsedDocument, Suggestion
from review.reports import (
    analysis_context,
    annotated_policy,
    coverage_csv,
    coverage_xlsx,
    review_report,
)
from review.reports.annotate import EVIDENCE_FILL, SUGGESTER_AUTHOR

W_COMMENT_START = qn("w:commentRangeStart")


def _open(data: bytes):
    return Document(io.BytesIO(data))


def _all_text(doc) -> str:
    parts = [paragraph_text(p) for p in doc.element.body.iter(qn("w:p"))]
    return "\n".join(parts)


def _table_with_header(doc, first: str):
    for t in doc.tables:
        if t.rows and t.rows[0].cells[0].text.strip() == first:
            return t
    raise AssertionError(f"no table whose header starts with {first!r}")


def _comments_by_paragraph(doc) -> dict[int, list[int]]:
    """Body paragraph index → ids of the comments whose range starts in it."""
    out: dict[int, list[int]] = {}
    for i, p in enumerate(body_paragraphs(doc)):
        ids = [int(el.get(qn("w:id"))) for el in p.iter(W_COMMENT_START)]
        if ids:
            out[i] = ids
    return out


# --------------------------------------------------------------------------- review report


@pytest.fixture(scope="module")
def reviewed():
    ctx = make_context()
    return ctx, _open(review_report(ctx, framework()))


def test_report_matrix_lists_every_required_competency_with_its_status(reviewed):
    ctx, doc = reviewed
    matrix = _table_with_header(doc, "Competency")
    assert matrix.rows[0].cells[1].text == "Status"
    rows = {}
    for row in matrix.rows[1:]:
        first_line = row.cells[0].paragraphs[0].text
        cid = first_line.split(" – ")[0]
        rows[cid] = (row.cells[1].paragraphs[0].text, row.cells[2].text)
    required = [it.id for it in framework().required_items("specialised")]
    assert list(rows) == required  # every one, in framework order
    expected = {
        "met": "Met",
        "partial": "Partial",
        "not_addressed": "Not addressed",
        "not_applicable": "Not applicable",
    }
    for cov in ctx.coverage:
        assert rows[cov.competency][0] == expected[cov.status], cov.competency
    # cited sections: title and a quote around the evidence
    assert "1. Vicarious trauma" in rows["C5"][1]
    assert "secondary traumatic stress" in rows["C5"][1]
    assert "2. Confidential location" in rows["A10"][1]
    assert "No section cited." in rows["C1"][1]


def test_report_cover_summary_gaps_notes_history_and_signoff(reviewed):
    ctx, doc = reviewed
    text = _all_text(doc)
    for expected in (
        AGENCY,
        "Staff Policy Manual",
        "staff-policy.docx",
        ctx.framework_title,
        "version 2017-03-21",
        REVIEWER,
        "In review",
        "2024-05-01 09:00 UTC",
    ):
        assert expected in text, expected
    # summary figures: 3 met, 1 partial, 1 not applicable, the rest not addressed
    summary = _table_with_header(doc, "Met")
    figures = dict(
        zip(
            (c.text for c in summary.rows[0].cells),
            (c.text for c in summary.rows[1].cells),
            strict=True,
        )
    )
    n = len(ctx.coverage)
    assert figures == {
        "Met": "3",
        "Partially met": "1",
        "Not addressed": str(n - 5),
        "Not applicable": "1",
        "Required": str(n),
    }
    # findings: C1 with its recommendation and the training module's title
    assert "Write a training plan on trafficking indicators." in text
    assert framework().training_module("HT101-4").title in text
    # notes, rejected suggestions with the reason, history, sign-off
    notes = next(
        t
        for t in doc.tables
        if [c.text for c in t.rows[0].cells][:3] == ["Competency", "Section", "Note"]
    )
    noted = {r.cells[0].text: (r.cells[1].text, r.cells[2].text) for r in notes.rows[1:]}
    assert noted[f"C5 – {framework().item('C5').title}"] == (
        "1. Vicarious trauma",
        "Covers vicarious trauma well.",
    )
    c3 = next(v for k, v in noted.items() if k.startswith("C3 ") and k.endswith("(added by hand)"))
    assert c3 == ("Mandatory reporting", "Mandated reporting is explicit.")
    assert "The agency runs no residential program." in text
    assert "Location secrecy is not a trauma-informed care policy." in text
    history = _table_with_header(doc, "When")
    assert [r.cells[1].text for r in history.rows[1:]] == [
        "Submitted for review",
        "Claimed for review",
    ]
    assert "Uma Uploader" in history.rows[1].cells[2].text
    assert "Review in progress: no decision yet" in text
    assert "1 suggestion is not decided yet; undecided suggestions are not counted" in text


def test_report_header_names_agency_and_document_and_footer_numbers_pages(reviewed):
    _, doc = reviewed
    header = doc.sections[0].header
    assert AGENCY in header.paragraphs[0].text
    assert "Staff Policy Manual (version 2)" in header.paragraphs[0].text
    footer_xml = doc.sections[0].footer._element.xml
    assert "PAGE" in footer_xml and "NUMPAGES" in footer_xml
    assert "{page}" not in footer_xml and "{agency}" not in header._element.xml


def test_report_tables_repeat_their_header_row(reviewed):
    _, doc = reviewed
    matrix = _table_with_header(doc, "Competency")
    assert matrix.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert matrix.style.name == "Review Table"


def test_report_uses_template_styles_and_an_agency_template_overrides(tmp_path):
    ctx = make_context()
    doc = _open(review_report(ctx, framework()))
    assert doc.paragraphs[0].style.name == "Title"
    assert any(p.style.name == "Banner" for p in doc.paragraphs) is False  # reviewed: no banner
    # a bare agency template: none of our styles, a header with our placeholders and a logo line
    agency = Document()
    agency.sections[0].header.paragraphs[0].text = "ACME HEADER {agency} / {document}"
    agency.sections[0].footer.paragraphs[0].text = "p. {page}"
    agency.add_paragraph("specimen to be dropped")
    buf = io.BytesIO()
    agency.save(buf)
    path = tmp_path / "agency.docx"
    path.write_bytes(buf.getvalue())
    for template in (buf.getvalue(), path):
        out = _open(review_report(ctx, framework(), template=template))
        assert out.sections[0].header.paragraphs[0].text.startswith(f"ACME HEADER {AGENCY} / ")
        assert "PAGE" in out.sections[0].footer._element.xml
        text = _all_text(out)
        assert "specimen to be dropped" not in text
        assert "Coverage matrix" in text


def test_unreviewed_report_is_labelled_suggested():
    ctx = make_context()
    ctx.reviewed = False
    ctx.reviewer = ""
    doc = _open(review_report(ctx, framework()))
    banners = [p.text for p in doc.paragraphs if p.style.name == "Banner"]
    assert banners and banners[0].startswith("Suggested, not reviewed")
    matrix = _table_with_header(doc, "Competency")
    statuses = {r.cells[1].paragraphs[0].text for r in matrix.rows[1:]}
    assert "Met (suggested)" in statuses and "Met" not in statuses


def test_approved_report_signoff_names_approver_and_date():
    ctx = make_context(state="approved")
    ctx.approver = "Alex Approver"
    ctx.approved_at = "2024-05-03T12:00:00+00:00"
    doc = _open(review_report(ctx, framework()))
    signoff = doc.tables[-1]
    values = {r.cells[0].text: r.cells[1].text for r in signoff.rows}
    n_open = sum(1 for r in ctx.coverage if r.status in ("not_addressed", "partial"))
    assert values["Decision"] == f"Approved with {n_open} open findings"
    assert values["Approved by"] == "Alex Approver"
    assert values["Date"] == "2024-05-03"


# --------------------------------------------------------------------------- annotated policy


@pytest.fixture(scope="module")
def annotated():
    policy = make_policy()
    ctx = make_context(policy)
    return policy, ctx, _open(annotated_policy(ctx))


def test_annotated_copy_keeps_every_paragraph_style_table_and_header(annotated):
    policy, _, doc = annotated
    original = _open(policy.data)
    assert [paragraph_text(p) for p in body_paragraphs(doc)] == policy.paragraph_texts
    assert [p.style.name for p in doc.paragraphs] == [p.style.name for p in original.paragraphs]
    assert doc.paragraphs[3].style.name == "Policy Body"
    assert [c.text for r in doc.tables[0].rows for c in r.cells] == [
        c.text for r in original.tables[0].rows for c in r.cells
    ]
    assert doc.sections[0].header.paragraphs[0].text == HEADER_TEXT
    assert doc.sections[0].footer.paragraphs[0].text == FOOTER_TEXT


def _shaded(run) -> bool:
    rpr = run._r.rPr
    shd = rpr.find(qn("w:shd")) if rpr is not None else None
    return shd is not None and shd.get(qn("w:fill")) == EVIDENCE_FILL


def test_annotated_copy_comments_sit_on_the_linked_sections(annotated):
    _, ctx, doc = annotated
    comments = {c.comment_id: c for c in doc.comments}
    anchors = _comments_by_paragraph(doc)

    (vt,) = anchors[2]  # "1. Vicarious trauma" heading
    assert "Confirmed by the reviewer" in comments[vt].text
    assert "C5" in comments[vt].text and "Covers vicarious trauma well." in comments[vt].text
    (loc,) = anchors[4]
    assert "A10" in comments[loc].text
    assert "C7" not in comments[loc].text  # rejected links are not annotated
    (rep,) = anchors[6]  # bold pseudo-heading
    assert "C3" in comments[rep].text and "added by the reviewer" in comments[rep].text
    (pending,) = anchors[12]  # the heading paragraph with no run at all
    assert "Undecided suggestions (not counted" in comments[pending].text
    assert "C2" in comments[pending].text

    # the reviewer's decisions are the reviewer's, with the decision's date; the engine's
    # suggestion and the summary are the product's; initials are letters
    for cid in (vt, loc, rep):
        assert comments[cid].author == REVIEWER and comments[cid].initials == "RR"
    assert comments[vt].timestamp.isoformat() == "2024-05-02T10:00:00+00:00"
    assert comments[rep].timestamp.isoformat() == "2024-05-02T10:07:00+00:00"
    assert comments[pending].author == SUGGESTER_AUTHOR == "Competency Review"
    assert all(c.initials.isalpha() for c in comments.values())

    # the gaps: one summary comment, the only comment on the title paragraph
    gap_rows = [r for r in ctx.coverage if r.status in ("not_addressed", "partial")]
    (summary_id,) = anchors[0]
    summary = comments[summary_id].text
    assert comments[summary_id].author == "Competency Review"
    assert summary.startswith("Competency review: Review in progress")
    assert f"Findings ({len(gap_rows)})" in summary
    assert "C1 – " in summary and "not addressed" in summary
    assert "Write a training plan on trafficking indicators." in summary
    assert "C4 – " in summary and "partially met" in summary
    assert "Reviewer: From its sub-skills" not in summary
    assert len(comments) == 5
    # every range is closed and referenced; the styles the comments use are defined
    xml = doc.element.body.xml
    for cid in comments:
        assert f'<w:commentRangeEnd w:id="{cid}"/>' in xml
        assert f'<w:commentReference w:id="{cid}"/>' in xml
    ids = {s.style_id for s in doc.styles}
    assert {"CommentText", "CommentReference"} <= ids


def test_annotated_copy_says_what_the_report_says_about_undecided_suggestions(annotated):
    """Both come from one decisions view: C2 has only an undecided suggestion, so it is a
    finding (not addressed) in the report and in the summary comment, and the suggestion is
    "undecided" in both."""
    _, ctx, doc = annotated
    report = _open(review_report(ctx, framework()))
    text = _all_text(report)
    assert "Undecided suggestion (not counted): (untitled), score 61" in text
    findings = next(
        t
        for t in report.tables
        if [c.text for c in t.rows[0].cells][1:3] == ["Competency", "Severity"]
    )
    assert any(r.cells[1].text.startswith("C2 – ") for r in findings.rows[1:])
    summary = next(c.text for c in doc.comments if c.text.startswith("Competency review:"))
    assert "C2 – " in summary


def test_annotated_copy_highlights_exactly_the_confirmed_evidence_when_asked():
    policy = make_policy()
    doc = _open(annotated_policy(make_context(policy), highlight=True))
    p = doc.paragraphs[3]
    marked = [r for r in p.runs if _shaded(r)]
    assert "".join(r.text for r in marked) == "secondary traumatic stress"
    assert [r.bold for r in marked] == [True, None]  # the bold run was split, its bold kept
    assert (
        p.text == "Staff exposed to secondary traumatic stress may use the employee "
        "assistance program at no cost."
    )
    loc = doc.paragraphs[5]
    assert "".join(r.text for r in loc.runs if _shaded(r)) == "do not disclose the address"
    assert all(r.font.name is None for r in loc.runs)  # formatting copied, nothing invented
    # not a highlighter color; the undecided suggestion's words are not marked
    assert not any(r.font.highlight_color for p in doc.paragraphs for r in p.runs)
    shaded = [
        t.text
        for r in doc.element.body.iter(qn("w:r"))
        if r.find(qn("w:rPr")) is not None and r.find(qn("w:rPr")).find(qn("w:shd")) is not None
        for t in r.iter(qn("w:t"))
    ]
    assert "".join(shaded) == "secondary traumatic stressdo not disclose the address"


def test_annotated_copy_is_not_highlighted_by_default():
    policy = make_policy()
    doc = _open(annotated_policy(make_context(policy)))
    original = _open(policy.data)
    assert [len(p.runs) for p in original.paragraphs] == [
        len([r for r in p.runs if r.text]) for p in doc.paragraphs
    ]
    assert not any(_shaded(r) or r.font.highlight_color for p in doc.paragraphs for r in p.runs)


def test_unreviewed_annotation_is_labelled_and_signed_by_the_suggester():
    policy = make_policy()
    parsed = ParsedDocument(
        "staff-policy.docx",
        "docx",
        tuple(policy.sections),
        len(policy.paragraph_texts),
        "Staff Wellbeing and Safety Policy",
    )
    sugg = [[] for _ in policy.sections]
    vt = policy.sections[1]
    at = vt.full_text.find("employee assistance program")
    sugg[1] = [
        Suggestion(
            "C5",
            84.0,
            (
                Evidence(
                    "employee assistance program", "employee assistance program", at, at + 27, 100.0
                ),
            ),
        )
    ]
    ctx = analysis_context(parsed, sugg, framework(), policy.data, tier="core")
    assert not ctx.reviewed and ctx.agency_kind == "general"
    doc = _open(annotated_policy(ctx, highlight=True))
    comments = list(doc.comments)
    assert {c.author for c in comments} == {SUGGESTER_AUTHOR}
    anchors = _comments_by_paragraph(doc)
    (c5,) = anchors[2]
    text = next(c.text for c in comments if c.comment_id == c5)
    assert text.startswith("Suggested, not reviewed:") and "C5" in text and "score 84" in text
    (summary,) = anchors[0]
    summary_text = next(c.text for c in comments if c.comment_id == summary)
    assert "Not reviewed" in summary_text and "suggested, not reviewed" in summary_text
    # nothing is confirmed, so nothing is shaded even when asked
    assert not any(_shaded(r) for p in doc.paragraphs for r in p.runs)
    core = framework().items_for_tier_option("core")
    assert len(comments) == 2
    assert [r.competency for r in ctx.coverage] == [it.id for it in core]


def test_annotating_needs_a_docx_original():
    ctx = make_context()
    ctx.original = None
    with pytest.raises(ValidationFailed):
        annotated_policy(ctx)
    ctx.original = b"plain text, not a zip"
    with pytest.raises(UnreadableDocument):
        annotated_policy(ctx)


def test_sections_pointing_past_the_document_are_skipped_not_fatal():
    policy = make_policy()
    ctx = make_context(policy)
    s = ctx.sections[1]
    ctx.sections[1] = s.__class__(s.id, s.title, s.level, s.path, s.text, 999, 1005)
    doc = _open(annotated_policy(ctx))
    assert 2 not in _comments_by_paragraph(doc)
    assert [paragraph_text(p) for p in body_paragraphs(doc)] == policy.paragraph_texts


# --------------------------------------------------------------------------- analysis context


def test_analysis_coverage_parent_is_partial_or_met_through_its_sub_skills():
    fw = framework()
    policy = make_policy()
    parsed = ParsedDocument("p.docx", "docx", tuple(policy.sections), len(policy.paragraph_texts))
    subs = [it.id for it in fw.items if it.parent == "C6"]
    assert subs, "the framework has C6 sub-skills"
    sugg = [[] for _ in policy.sections]
    sugg[1] = [Suggestion(subs[0], 70.0)]
    rows = {r.competency: r for r in analysis_context(parsed, sugg, fw, None, "core").coverage}
    assert rows["C6"].status == "partial" and rows[subs[0]].status == "met"
    assert rows[subs[0]].sections == ("s-vt",)
    assert rows["C1"].status == "not_addressed" and rows["C1"].recommendation
    sugg[1] = [Suggestion(s, 70.0) for s in subs]
    rows = {r.competency: r for r in analysis_context(parsed, sugg, fw, None, "core").coverage}
    assert rows["C6"].status == "met"
    with pytest.raises(ValueError):
        analysis_context(parsed, sugg[:2], fw, None)


# --------------------------------------------------------------------------- statement of applicability


def test_coverage_csv_is_excel_friendly_and_complete():
    ctx = make_context()
    ctx.coverage[0] = ctx.coverage[0].__class__(
        **{**ctx.coverage[0].__dict__, "justification": '=HYPERLINK("http://x")'}
    )
    data = coverage_csv(ctx)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Competency", "Label", "Statement", "Status"]
    body = {r[0]: r for r in rows[1:]}
    assert list(body) == [r.competency for r in ctx.coverage]
    assert body["C5"][3] == "Met" and body["C5"][5] == "1. Vicarious trauma"
    assert body["A1"][3] == "Not applicable" and body["A1"][4] == "No"
    assert body["C1"][6].startswith("'=")  # never a live formula
    assert body["C1"][8] == "HT101-4"


def test_coverage_xlsx_has_one_sheet_with_every_row():
    ctx = make_context()
    wb = load_workbook(io.BytesIO(coverage_xlsx(ctx)))
    assert wb.sheetnames == ["Statement of applicability"]
    ws = wb.active
    assert ws["A2"].value == "Competency" and ws["D2"].value == "Status"
    ids = [ws.cell(row=i, column=1).value for i in range(3, ws.max_row + 1)]
    assert ids == [r.competency for r in ctx.coverage]
    assert ws.freeze_panes == "B3"


# --------------------------------------------------------------------------- highlighting units


def _para(*runs: tuple[str, dict]):
    doc = Document()
    p = doc.add_paragraph()
    for text, fmt in runs:
        r = p.add_run(text)
        for k, v in fmt.items():
            setattr(r, k, v)
    return p


def test_evidence_marks_the_reported_occurrence_not_every_repetition():
    from review.models import Section
    from review.reports.annotate import evidence_spans, mark_spans, paragraph_text

    p = _para(
        ("Staff ", {}),
        ("training", {"italic": True}),
        (" first; then staff train", {}),
        ("ing again.", {"bold": True}),
    )
    text = paragraph_text(p._p)
    assert text == "Staff training first; then staff training again."
    section = Section("s", "Heading", 1, ("Heading",), text, 0, 0)
    second = section.full_text.lower().rindex("staff training")
    ev = Evidence("staff training", "staff training", second, second + 14, 100.0)
    spans = evidence_spans(section, [ev], [text])
    assert spans == {0: [(27, 41)]}
    assert mark_spans(p._p, spans[0]) == 1
    marked = [(r.text, r.bold) for r in p.runs if _shaded(r)]
    assert marked == [("staff train", None), ("ing", True)]  # split inside the bold run
    assert p.text == text
    assert [r.italic for r in p.runs if r.text == "training"] == [True]


def test_mark_spans_highlights_a_run_with_a_tab_whole_and_merges_overlaps():
    from review.reports.annotate import mark_spans, paragraph_text

    p = _para(("Alpha\tbeta", {}), (" gamma delta", {"underline": True}))
    assert paragraph_text(p._p) == "Alpha\tbeta gamma delta"
    assert mark_spans(p._p, [(6, 10), (8, 16), (30, 20)]) == 1  # overlapping, one empty
    marked = [r.text for r in p.runs if _shaded(r)]
    assert marked == ["Alpha\tbeta", " gamma"]
    assert all(r.underline for r in p.runs if r.text in (" gamma", " delta"))
    assert p.text == "Alpha\tbeta gamma delta"


def test_split_run_pieces_are_copies_of_the_run_down_to_odd_attributes_and_stray_text():
    """Every piece of a split run is exactly the run with its text cut, even for a run written
    out of schema order with stray text and foreign attributes."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    from lxml import etree

    from review.reports.annotate import mark_spans

    xml = (
        f'<w:p {nsdecls("w")} xmlns:x="urn:x"><w:r w:rsidR="00AB" x:a="1">A'
        '<w:t x:z="3">Hello brave world</w:t>B<w:rPr x:q="2"><w:b/>C</w:rPr>D</w:r>E</w:p>'
    )
    p_el = parse_xml(xml)
    assert mark_spans(p_el, [(3, 5), (9, 11)]) == 2
    runs = p_el.findall(qn("w:r"))
    expected = etree.tostring(parse_xml(xml)[0]).decode()
    for r, piece in zip(runs, ["Hel", "lo", " bra", "ve", " world"], strict=True):
        got = etree.tostring(r).decode()
        hl = f'<w:shd w:val="clear" w:color="auto" w:fill="{EVIDENCE_FILL}"/>'
        assert got.replace(hl, "") == expected.replace(
            ">Hello brave world<", f' xml:space="preserve">{piece}<'
        ), got
        assert (hl in got) == (piece in ("lo", "ve"))


def test_annotating_keeps_existing_comments_and_reaches_content_controls_and_insertions():
    from docx_factory import add_tracked_change, wrap_in_content_control

    from review.models import ReportLink
    from review.parsing import parse_bytes

    doc = Document()
    doc.add_heading("Safety planning", level=1)
    body = doc.add_paragraph("Each youth has a written plan. ")
    add_tracked_change(body, inserted="Plans include harm reduction steps.", deleted="Old text.")
    doc.add_comment(
        body.runs[0], "An earlier comment from the agency.", author="Agency", initials="AG"
    )
    wrap_in_content_control(doc.add_heading("Runaway response", level=1))
    doc.add_paragraph("Staff report a missing youth to police within two hours.")
    buf = io.BytesIO()
    doc.save(buf)
    data = buf.getvalue()

    parsed = parse_bytes(data, "p.docx")
    by_title = {s.title: s for s in parsed.sections}
    plan, runaway = by_title["Safety planning"], by_title["Runaway response"]

    def ev(section, text):
        at = section.full_text.find(text)
        assert at >= 0, text
        return Evidence(text, text, at, at + len(text), 100.0)

    ctx = make_context()
    ctx.original, ctx.sections = data, list(parsed.sections)
    ctx.links = [
        ReportLink(plan.id, "A9", "confirmed", 90.0, (ev(plan, "harm reduction"),), note="Good."),
        ReportLink(runaway.id, "A11", "confirmed", 90.0, (ev(runaway, "missing youth"),)),
    ]
    ctx.coverage = []
    out = _open(annotated_policy(ctx, highlight=True))
    comments = {c.comment_id: c for c in out.comments}
    assert (
        comments[0].text == "An earlier comment from the agency." and comments[0].author == "Agency"
    )
    assert len(comments) == 4  # the agency's, two sections, the summary
    anchors = _comments_by_paragraph(out)
    # the first paragraph keeps only the summary; its section's comment moves to the next one
    (summary,) = anchors[plan.first_par]
    assert comments[summary].text.startswith("Competency review:")
    assert any("A9" in comments[c].text for c in anchors[plan.first_par + 1])
    assert any("A11" in comments[c].text for c in anchors[runaway.first_par])
    pars = body_paragraphs(out)
    assert [paragraph_text(p) for p in pars] == [
        paragraph_text(p) for p in body_paragraphs(_open(data))
    ]
    inserted = [
        r for r in pars[plan.first_par + 1].iter(qn("w:r")) if r.getparent().tag == qn("w:ins")
    ]
    lit = [
        "".join(t.text for t in r.iter(qn("w:t")))
        for r in inserted
        if r.find(qn("w:rPr")) is not None and r.find(qn("w:rPr")).find(qn("w:shd")) is not None
    ]
    assert lit == ["harm reduction"]
    deleted = pars[plan.first_par + 1].find(qn("w:del"))
    assert next(deleted.iter(qn("w:shd")), None) is None


@pytest.mark.parametrize("prefix", ["w", "wx"])
def test_new_comments_join_an_existing_comments_part_whatever_its_prefix(prefix):
    """The comments part is normally re-parsed whole with the new comments spliced in; a part
    that binds WordprocessingML to another prefix takes the append path. Both keep the agency's
    comment and give the new ones fresh ids."""
    import re

    doc = Document()
    doc.add_heading("Safety planning", level=1)
    body = doc.add_paragraph("Each youth has a written plan.")
    doc.add_comment(body.runs[0], "Agency remark.", author="Agency", initials="AG")
    buf = io.BytesIO()
    doc.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            blob = src.read(info)
            if info.filename == "word/comments.xml":
                blob = re.sub(rb"(?<=[<\s/])w:", prefix.encode() + b":", blob)
                blob = blob.replace(b'xmlns:w="', b'xmlns:%s="' % prefix.encode())
                assert (b"<%s:comments" % prefix.encode()) in blob
            z.writestr(info, blob)
    ctx = make_context()
    ctx.original = out.getvalue()
    annotated = _open(annotated_policy(ctx))
    comments = list(annotated.comments)
    assert comments[0].text == "Agency remark." and comments[0].author == "Agency"
    assert len(comments) > 1
    ids = [c.comment_id for c in comments]
    assert len(set(ids)) == len(ids)
    assert SUGGESTER_AUTHOR in {c.author for c in comments[1:]}  # at least the summary


def test_evidence_spans_finds_later_occurrences_after_other_phrases_were_searched():
    """Phrase searches are resumed lazily; a resumed search must keep its own phrase even after
    other phrases were looked up in between, across paragraphs, in ASCII and non-ASCII text."""
    from review.models import Section
    from review.reports.annotate import evidence_spans

    for texts in (
        ["Staff training comes first.", "Then the policy.", "More STAFF\ttraining later."],
        ["Staff training für alle.", "Then the policy.", "More STAFF\ttraining später."],
    ):
        full = "\n".join(texts)
        section = Section("s", "Heading", 1, ("Heading",), full, 0, 2)
        second = full.lower().rindex("staff")
        evidence = [
            Evidence("staff training", "staff training", 0, 14, 100.0),
            Evidence("policy", "policy", full.index("policy"), full.index("policy") + 6, 90.0),
            Evidence("staff training", "STAFF\ttraining", second, second + 14, 100.0),
        ]
        assert evidence_spans(section, evidence, texts) == {
            0: [(0, 14)],
            1: [(9, 15)],
            2: [(5, 19)],
        }, texts


def test_ascii_phrase_search_finds_exactly_what_the_case_insensitive_one_finds():
    """The fast search (lower-cased text, first word leading) against the plain
    case-insensitive regex, on random ASCII text built from the phrase's own pieces."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from review.reports.annotate import _compile_ascii_phrase, _compile_phrase

    word = st.sampled_from(["staff", "Staff", "STAFF", "c++", "a.b", "x", "train", "-"])
    glue = st.sampled_from([" ", "  ", "\t", "\n", "", "_", "s", ".", "9", "-"])

    @settings(max_examples=300, deadline=None)
    @given(st.lists(word, min_size=1, max_size=3), st.lists(st.tuples(glue, word), max_size=12))
    def check(phrase, pieces):
        text = "".join(g + w for g, w in pieces)
        words = tuple(phrase)
        fast = _compile_ascii_phrase(words)
        slow = [m.span() for m in _compile_phrase(words).finditer(text)]
        assert [m.span() for m in fast.finditer(text.lower())] == slow

    check()
    assert _compile_ascii_phrase(("ſtaff",)) is None  # matches "staff" case-insensitively
