"""The reports as deliverables, on real files: python-docx re-reads the structure (summary first,
findings with severity, one comment on the title, honest authors and dates, styles defined) and
headless LibreOffice converts every report to PDF; the first two pages of an approved review
report are rendered to PNG under ``test-output/`` for a person to look at."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from conftest import require_tool
from docx import Document
from docx.oxml.ns import qn
from test_report_office import _flat
from test_reports_fixtures import REVIEWER, body_paragraphs, framework, make_context
from test_services import World

from review.demo import CONFIDENTIALITY, MANDATED_REPORTING, STAFF_WELLNESS
from review.models import HistoryEntry
from review.reports import annotated_policy, review_report
from review.reports.decisions import SEVERITY_ORDER, severity
from review.services.agency_coverage import agency_coverage_report
from tests.office import soffice_convert

CONCLUSION = (
    "The manual covers staff wellness and mandated reporting well. The agency accepts the open "
    "findings and will add a trafficking-specific training plan within six months."
)


def approved_context():
    ctx = make_context(state="approved")
    ctx.history.append(
        HistoryEntry(
            "approve", REVIEWER, "in_review", "approved", "2024-05-03T11:00:00+00:00", CONCLUSION
        )
    )
    ctx.approver, ctx.approved_at = REVIEWER, "2024-05-03T11:00:00+00:00"
    ctx.links = [lk for lk in ctx.links if lk.state != "suggested"]  # approval decided them all
    return ctx


def _doc(data: bytes):
    return Document(io.BytesIO(data))


def _p_text(p_el) -> str:
    return "".join(t.text or "" for t in p_el.iter(qn("w:t")))


# --------------------------------------------------------------------------- structure


def test_review_report_opens_with_a_summary_a_director_reads_alone():
    ctx = approved_context()
    doc = _doc(review_report(ctx, framework()))
    body = list(doc.element.body.iterchildren())
    first_break = next(
        i
        for i, el in enumerate(body)
        if el.tag == qn("w:p") and el.xpath("./w:pPr/w:pageBreakBefore")
    )
    page1 = doc.paragraphs[: sum(1 for el in body[:first_break] if el.tag == qn("w:p"))]
    styles = [p.style.name for p in page1]
    texts = [p.text for p in page1]
    assert styles[:3] == ["Title", "Subtitle", "Heading 1"] and texts[2] == "Executive summary"
    n_open = sum(1 for r in ctx.coverage if r.status in ("not_addressed", "partial"))
    assert texts[3] == f"Approved with {n_open} open findings"  # never a bare "Approved"
    assert CONCLUSION in [p.text for p in page1 if p.style.name == "Conclusion"]
    assert "Top findings" in texts and "In figures" in texts
    for later in ("Scope", "Method", "Findings", "Coverage matrix"):
        assert later not in texts  # behind the page break
    # the figures agree with the decision, in one sentence
    figures = next(t for t in texts if t.startswith("Of "))
    assert f"approved the document with these {n_open} findings open" in figures
    # top findings: most severe first, each with a severity
    top = next(t for t in doc.tables if [c.text for c in t.rows[0].cells][:2] == ["#", "Severity"])
    sev = [r.cells[1].text.lower() for r in top.rows[1:]]
    assert sev == sorted(sev, key=SEVERITY_ORDER.index) and len(sev) == 5


def test_review_report_findings_have_severity_section_and_remediation():
    ctx = approved_context()
    doc = _doc(review_report(ctx, framework()))
    findings = next(
        t
        for t in doc.tables
        if [c.text for c in t.rows[0].cells]
        == ["#", "Competency", "Severity", "Where in the policy", "Remediation"]
    )
    items = {it.id: it for it in framework().items}
    gaps = {r.competency: r for r in ctx.coverage if r.status in ("not_addressed", "partial")}
    seen = []
    for row in findings.rows[1:]:
        cid = row.cells[1].text.split(" – ")[0]
        seen.append(cid)
        assert row.cells[2].text.lower() == severity(items[cid], gaps[cid].status)
        assert row.cells[3].text and row.cells[4].text
    assert sorted(seen) == sorted(gaps)
    # the rule, as documented: a core competency not addressed is high
    assert severity(items["C1"], "not_addressed") == "high"
    assert severity(items["C6.i"], "not_addressed") == "medium"
    assert severity(items["A2"], "partial") == "low"
    c4 = next(r for r in findings.rows if r.cells[1].text.startswith("C4 – "))
    assert c4.cells[2].text == "Medium"  # a core competency partially met
    # the remediation plan has an owner and a due date column for every finding
    plan = next(t for t in doc.tables if [c.text for c in t.rows[0].cells][:2] == ["#", "Action"])
    assert [c.text for c in plan.rows[0].cells] == ["#", "Action", "Owner", "Due date"]
    assert len(plan.rows) == len(gaps) + 1
    # scope names the framework and why the competencies apply; sign-off is the approver's
    text = "\n".join(_p_text(p) for p in doc.element.body.iter(qn("w:p")))
    assert "Which competencies are required, and why" in text
    assert "recorded as a specialized agency" in text
    assert "wisconsin-2017" not in text and "Document id" not in text
    signoff = {r.cells[0].text: r.cells[1].text for r in doc.tables[-1].rows}
    assert signoff["Approved by"] == REVIEWER and "Approver" not in signoff


def test_changes_requested_signoff_and_history_read_as_english():
    ctx = make_context(state="changes_requested")
    ctx.history += [
        HistoryEntry(
            "comment", REVIEWER, "in_review", "in_review", "2024-05-02T11:00:00+00:00", "Q?"
        ),
        HistoryEntry(
            "request_changes",
            REVIEWER,
            "in_review",
            "changes_requested",
            "2024-05-02T12:00:00+00:00",
            "Please add a training plan.",
        ),
    ]
    ctx.history.insert(
        0, HistoryEntry("upload", "Uma Uploader", "", "draft", "2024-05-01T08:00:00")
    )
    doc = _doc(review_report(ctx, framework()))
    signoff = {r.cells[0].text: r.cells[1].text for r in doc.tables[-1].rows}
    assert signoff["Decision"] == "Changes requested"
    assert signoff["Changes requested by"] == REVIEWER and "Approved by" not in signoff
    history = next(t for t in doc.tables if t.rows[0].cells[0].text == "When")
    states = [r.cells[3].text for r in history.rows[1:]]
    steps = [r.cells[1].text for r in history.rows[1:]]
    assert states[0] == "Draft" and "In review → In review" not in states
    assert "In review" in states and "In review → Changes requested" in states
    assert steps[0] == "Uploaded" and "Comment" in steps
    conclusion = [p.text for p in doc.paragraphs if p.style.name == "Conclusion"]
    assert conclusion == ["Please add a training plan."]


def test_annotated_copy_structure_authors_dates_and_styles():
    ctx = approved_context()
    doc = _doc(annotated_policy(ctx, framework=framework()))
    comments = {c.comment_id: c for c in doc.comments}
    pars = body_paragraphs(doc)
    title_ids = [int(el.get(qn("w:id"))) for el in pars[0].iter(qn("w:commentRangeStart"))]
    assert len(title_ids) == 1  # the summary, nothing else on the title
    summary = comments[title_ids[0]]
    assert summary.author == "Competency Review" and summary.initials == "CR"
    assert summary.text.startswith("Competency review: Approved with")
    assert CONCLUSION in summary.text
    assert summary.timestamp.isoformat() == "2024-05-03T11:00:00+00:00"  # the decision's date
    decided = {lk.section_id: lk for lk in ctx.links if lk.state in ("confirmed", "added")}
    others = [c for cid, c in comments.items() if cid != title_ids[0]]
    assert len(others) == len(decided)
    for c in others:
        assert c.author == REVIEWER and c.initials == "RR"
        assert c.timestamp.isoformat() in {lk.decided_at for lk in decided.values()}
    assert all(re.fullmatch(r"[A-Z]{1,3}", c.initials) for c in comments.values())
    styles = {s.style_id: s for s in doc.styles}
    assert styles["CommentText"].type == 1 and styles["CommentReference"].type == 2


def test_quotes_start_at_a_sentence_and_never_run_the_heading_into_the_body():
    from review.models import Evidence, ReportLink, Section

    body = (
        "Staff attend orientation in the first week. Every employee completes training on "
        "vicarious trauma and secondary stress within 30 days of hire."
    )
    section = Section("s1", "Employee Training", 1, ("Employee Training",), body, 2, 3)
    at = section.full_text.find("vicarious trauma")
    ctx = make_context()
    ctx.sections = [section]
    ctx.links = [
        ReportLink(
            "s1",
            "C5",
            "confirmed",
            90.0,
            (Evidence("vicarious trauma", "vicarious trauma", at, at + 16, 100.0),),
            decided_by=REVIEWER,
            decided_at="2024-05-02T10:00:00+00:00",
        )
    ]
    ctx.coverage = [
        r if r.competency != "C5" else r.__class__(**{**r.__dict__, "sections": ("s1",)})
        for r in ctx.coverage
    ]
    doc = _doc(review_report(ctx, framework()))
    matrix = next(
        t for t in doc.tables if [c.text for c in t.rows[0].cells][:2] == ["Competency", "Status"]
    )
    c5 = next(r for r in matrix.rows if r.cells[0].text.startswith("C5 – "))
    quote = next(p.text for p in c5.cells[2].paragraphs if p.text.startswith("“"))
    assert quote.startswith("“Every employee completes training on vicarious trauma")
    assert "Employee Training Every" not in quote and "orientation" not in quote


def test_analysis_report_header_has_no_agency_placeholder():
    from test_reports_fixtures import make_policy

    from review.models import ParsedDocument
    from review.reports import analysis_context

    policy = make_policy()
    parsed = ParsedDocument("p.docx", "docx", tuple(policy.sections), len(policy.paragraph_texts))
    ctx = analysis_context(parsed, [[] for _ in policy.sections], framework(), policy.data)
    doc = _doc(review_report(ctx, framework()))
    header = doc.sections[0].header.paragraphs[0].text
    assert header == "p (version 1)"  # no " · " left by the empty agency
    text = "\n".join(_p_text(p) for p in doc.element.body.iter(qn("w:p")))
    assert "Agency not named" not in text and "Not named" not in text


def test_pages_and_reports_share_one_wording():
    from review import labels, viewmodels
    from review.reports import _text

    assert viewmodels.STATE_LABELS is labels.STATE_LABELS is _text.STATE_LABELS
    assert viewmodels.COVERAGE_LABELS is labels.COVERAGE_LABELS is _text.STATUS_LABELS
    assert labels.agency_kind_name("specialised") == "Specialized"
    assert labels.state_change("in_review", "in_review") == "In review"
    assert labels.state_change("", "draft") == "Draft"
    assert labels.state_change("submitted", "in_review") == "Submitted → In review"
    british = re.compile(r"(?i)speciali[sz]ed?|recognis|behaviour|counsell|analys(e|ing)\b")
    for table in (labels.STATE_LABELS, labels.ACTION_LABELS, labels.AGENCY_KIND_LABELS):
        for text in table.values():
            assert not british.search(text.replace("Specialized", "")), text


def test_download_names_are_cut_at_a_word_not_mid_word():
    from review.viewmodels import download_stem

    long = "Harbor Light Youth Shelter Residential Security and Confidential Location Policy"
    stem = download_stem(long)
    assert len(stem) <= 60 and long.replace(" ", "-").startswith(stem)
    assert long.replace(" ", "-")[len(stem)] == "-"  # the next character starts a new word
    assert download_stem("Política de confidencialidad") == "Politica-de-confidencialidad"
    assert download_stem("///") == "document"


# --------------------------------------------------------------------------- office


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    soffice = require_tool("soffice", "libreoffice")
    require_tool("pdftotext")
    require_tool("pdftoppm")
    work = tmp_path_factory.mktemp("deliverable")
    w = World(work / "data")
    w.to_state("approved", STAFF_WELLNESS)
    reporting = w.to_state("in_review", MANDATED_REPORTING)
    w.decide_all(reporting)
    w.to_state("draft", CONFIDENTIALITY)
    ctx = approved_context()
    files = {
        "approved-report.docx": review_report(ctx, framework()),
        "approved-annotated.docx": annotated_policy(ctx, highlight=True, framework=framework()),
        "agency-report.docx": agency_coverage_report(w.svc, w.rita, "agA"),
        "store-report.docx": w.svc.review_report(w.rita, reporting),
    }
    for name, data in files.items():
        (work / name).write_bytes(data)
    pdf = work / "pdf"
    pdf.mkdir()
    soffice_convert(soffice, "pdf", [work / n for n in files], pdf, work / "profile")
    return work, pdf


def _pdftext(pdf: Path, first: int | None = None, last: int | None = None, layout=False) -> str:
    cmd = ["pdftotext", *(["-layout"] if layout else []), "-enc", "UTF-8"]
    if first:
        cmd += ["-f", str(first), "-l", str(last or first)]
    return subprocess.run([*cmd, str(pdf), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.office
def test_libreoffice_renders_the_review_report_with_a_working_table_of_contents(rendered):
    _, pdf_dir = rendered
    pdf = pdf_dir / "approved-report.pdf"
    page1 = _flat(_pdftext(pdf, 1))
    assert _flat("Executive summary") in page1 and _flat(CONCLUSION) in page1
    assert _flat("Approved with") in page1 and "Scope" not in page1
    page2 = _pdftext(pdf, 2, layout=True)
    entries = dict(re.findall(r"^\s*([A-Z][A-Za-z -]+?)\s*\.{3,}\s*(\d+)\s*$", page2, re.M))
    assert {"Scope", "Findings", "Remediation plan", "Sign-off"} <= set(entries)
    for heading, page in entries.items():  # the page numbers are real
        assert _flat(heading) in _flat(_pdftext(pdf, int(page))), (heading, page)
    assert len(set(entries.values())) > 3


@pytest.mark.office
def test_the_coverage_overview_fits_on_one_page(rendered):
    _, pdf_dir = rendered
    pdf = pdf_dir / "approved-report.pdf"
    page2 = _pdftext(pdf, 2, layout=True)
    page = int(re.search(r"Coverage overview\s*\.{3,}\s*(\d+)", page2).group(1))
    text = _pdftext(pdf, page, layout=True)
    ids = [it.id for it in framework().required_items("specialised")]
    lines = {line.split()[0] for line in text.splitlines() if line.split()}
    assert set(ids) <= lines, sorted(set(ids) - lines)  # every item on the overview's page


@pytest.mark.office
def test_first_two_pages_are_rendered_to_png_for_a_person(rendered, output_dir):
    _, pdf_dir = rendered
    stem = output_dir / "review-report-page"
    for old in output_dir.glob("review-report-page-*.png"):
        old.unlink()
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "2",
            "-png",
            str(pdf_dir / "approved-report.pdf"),
            str(stem),
        ],
        check=True,
        capture_output=True,
    )
    pngs = sorted(output_dir.glob("review-report-page-*.png"))
    assert len(pngs) == 2
    for png in pngs:
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a page, not a blank


@pytest.mark.office
def test_libreoffice_renders_the_agency_report_and_a_store_report(rendered):
    _, pdf_dir = rendered
    agency = _flat(_pdftext(pdf_dir / "agency-report.pdf"))
    for expected in ("Agency coverage report", "Northwoods", "Coverage across the policy set"):
        assert _flat(expected) in agency, expected
    assert _flat("in review") in agency  # the in-review document is marked as such
    store = _flat(_pdftext(pdf_dir / "store-report.pdf"))
    assert _flat("Review in progress: no decision yet") in store
    assert _flat("Met in another document") in store
    annotated = _flat(_pdftext(pdf_dir / "approved-annotated.pdf"))
    assert _flat("Staff Wellbeing and Safety Policy") in annotated
