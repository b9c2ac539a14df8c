"""A real office suite opens the reports: LibreOffice converts them headless to PDF (pages and
text checked with poppler's pdfinfo/pdftotext) and the annotated copies to ODT, whose
``office:annotation`` elements prove LibreOffice read every Word comment."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile

import pytest
from conftest import require_tool
from docx import Document
from test_reports_fixtures import AGENCY, framework, make_context
from test_reports_hostile import LONG_NOTE, hostile_context

from review.reports import annotated_policy, review_report
from tests.office import soffice_convert

pytestmark = pytest.mark.office


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    soffice = require_tool("soffice", "libreoffice")
    require_tool("pdftotext")
    require_tool("pdfinfo")
    work = tmp_path_factory.mktemp("office")
    ctx = make_context()
    _, hostile = hostile_context()
    unreviewed = make_context()
    unreviewed.reviewed = False
    files = {
        "report.docx": review_report(ctx, framework()),
        "annotated.docx": annotated_policy(ctx),
        "hostile-report.docx": review_report(hostile, framework()),
        "hostile-annotated.docx": annotated_policy(hostile),
        "suggested-report.docx": review_report(unreviewed, framework()),
    }
    paths = []
    for name, data in files.items():
        (work / name).write_bytes(data)
        paths.append(work / name)
    pdf_dir, odt_dir = work / "pdf", work / "odt"
    pdf_dir.mkdir()
    odt_dir.mkdir()
    soffice_convert(soffice, "pdf", paths, pdf_dir, work / "profile")
    soffice_convert(
        soffice,
        "odt",
        [work / "annotated.docx", work / "hostile-annotated.docx"],
        odt_dir,
        work / "profile",
    )
    out = {"dir": work, "docx": files}
    for p in paths:
        pdf = pdf_dir / (p.stem + ".pdf")
        info = subprocess.run(
            ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True
        ).stdout
        text = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        out[p.stem] = (int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1)), text)
    return out


def _flat(text: str) -> str:
    """Text without whitespace or hyphens: cells wrap lines anywhere and pdftotext joins
    words hyphenated at a line end."""
    return re.sub(r"[\s\u00ad-]+", "", text)


def test_review_report_renders_in_libreoffice(converted, output_dir):
    pages, text = converted["report"]
    assert pages >= 3
    flat = _flat(text)
    for expected in (
        "Competency review report",
        AGENCY,
        "Coverage matrix",
        "Executive summary",
        "Reviewer's conclusion",
        "Coverage overview",
        "Findings",
        "Remediation plan",
        "Limitations",
        "Rejected suggestions",
        "Review history",
        "Sign-off",
        "1. Vicarious trauma",
        "Location secrecy is not a trauma-informed care policy.",
    ):
        assert _flat(expected) in flat, expected
    assert f"page1of{pages}" in flat  # the PAGE / NUMPAGES fields were computed
    for item in framework().required_items("specialised"):
        assert _flat(f"{item.id} –") in flat, item.id
    (output_dir / "office-report.pdf").write_bytes(
        (converted["dir"] / "pdf" / "report.pdf").read_bytes()
    )


def test_suggested_report_renders_its_banner(converted):
    pages, text = converted["suggested-report"]
    assert pages >= 3
    assert _flat("Suggested, not reviewed") in _flat(text)


def test_annotated_copy_renders_the_original_and_libreoffice_reads_every_comment(converted):
    pages, text = converted["annotated"]
    assert pages >= 1
    flat = _flat(text)
    for expected in (
        "Staff Wellbeing and Safety Policy",
        "secondary traumatic stress",
        "Receives reports of suspected abuse",
        "Training portal for multi-disciplinary teams",
    ):
        assert _flat(expected) in flat, expected
    n_comments = len(Document(io.BytesIO(converted["docx"]["annotated.docx"])).comments)
    with zipfile.ZipFile(converted["dir"] / "odt" / "annotated.odt") as z:
        content = z.read("content.xml").decode("utf-8")
    assert content.count("<office:annotation ") + content.count("<office:annotation>") == n_comments
    assert "Covers vicarious trauma well." in content
    assert "Rita Reviewer" in content


def test_hostile_files_still_open_in_libreoffice(converted):
    pages, text = converted["hostile-report"]
    assert pages >= 3 and "Verylongnote" * 100 in _flat(text)
    pages, text = converted["hostile-annotated"]
    assert pages >= 1 and "StaffWellbeingandSafetyPolicy" in _flat(text)
    with zipfile.ZipFile(converted["dir"] / "odt" / "hostile-annotated.odt") as z:
        content = z.read("content.xml").decode("utf-8")
    assert LONG_NOTE.strip()[:500] in content
