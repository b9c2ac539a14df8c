"""Issue 12, item 9: PDF and legacy .doc uploads, and an upload page that matches the server."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest

from review.errors import UnreadableDocument
from review.parsing import check_upload, parse_bytes
from tests.conftest import require_tool
from tests.e2e_support import Seed, approve, policy_docx
from tests.pdf_factory import policy_pdf, scanned_pdf
from tests.test_app_pages import app_as, goto, no_exception, texts


@pytest.fixture
def seed(data_dir: Path) -> Seed:
    return Seed(data_dir)


def test_a_text_pdf_is_parsed_into_sections_from_font_size_and_weight():
    doc = parse_bytes(policy_pdf(), "policy.pdf")
    assert doc.format == "pdf" and doc.title == "Youth Services Policy"
    titles = [s.title for s in doc.sections]
    # the title is the document's, not a section's text (as the .docx Title style)
    assert titles == [
        "Purpose",
        "Vicarious Trauma and Staff Wellness",
        "Mandated Reporting",
        "Trauma-Informed Care",
        "Interviews",
    ]
    interviews = doc.sections[-1]
    assert interviews.path == ("Trauma-Informed Care", "Interviews")  # bold body-size: a level down
    wellness = doc.sections[1]
    # two lines of one paragraph are joined; the page number is not text
    assert "stress and compassion fatigue" in wellness.text
    assert all(s.text.strip() not in ("1", "2") for s in doc.sections)
    assert check_upload(policy_pdf(), "policy.pdf") == "pdf"


def test_a_scanned_pdf_is_refused_clearly():
    with pytest.raises(UnreadableDocument, match="no text layer") as info:
        parse_bytes(scanned_pdf(), "scan.pdf")
    assert info.value.reason == "scanned_pdf"


def test_a_damaged_pdf_is_refused_without_a_traceback():
    with pytest.raises(UnreadableDocument):
        parse_bytes(b"%PDF-1.4\n" + b"\x00garbage" * 50, "broken.pdf")


def test_pdf_upload_review_and_annotated_word_copy(seed: Seed):
    from docx import Document

    alice, rita = seed.actor("alice"), seed.actor("rita")
    r = seed.svc.upload(alice, policy_pdf(), "policy.pdf")
    assert r.section_count == 5 and r.suggestion_count > 0
    view = seed.svc.get_document(alice, r.document_id)
    assert view.versions[-1].format == "pdf" and view.annotatable
    seed.svc.transition(alice, r.document_id, "submit")
    seed.svc.transition(rita, r.document_id, "claim")
    for lk in seed.svc.links(rita, r.document_id):
        seed.svc.confirm_link(rita, r.document_id, lk.id)
    approve(seed.svc, rita, r.document_id)
    annotated = Document(io.BytesIO(seed.svc.annotated_policy(rita, r.document_id)))
    paragraphs = [p.text for p in annotated.paragraphs]
    assert "Mandated Reporting" in paragraphs
    assert annotated.paragraphs[0].text == "Youth Services Policy"
    assert annotated.paragraphs[0].style.name == "Title"
    assert paragraphs[-1].startswith("This Word copy holds the text extracted from the PDF")
    assert any(p.partname.endswith("comments.xml") for p in annotated.part.package.parts)
    report = Document(io.BytesIO(seed.svc.review_report(rita, r.document_id)))
    cells = [c.text for t in report.tables for row in t.rows for c in row.cells]
    assert any("text extracted from the PDF" in c for c in cells)
    # the original PDF is kept byte for byte
    name, data = seed.svc.original(alice, r.document_id)
    assert name == "policy.pdf" and data == policy_pdf()


@pytest.mark.office
def test_a_legacy_doc_is_converted_through_libreoffice(seed: Seed, tmp_path: Path):
    exe = require_tool("soffice")
    src = tmp_path / "policy.docx"
    src.write_bytes(policy_docx())
    subprocess.run(
        [
            exe,
            f"-env:UserInstallation=file://{tmp_path}/p",
            "--headless",
            "--convert-to",
            "doc",
            "--outdir",
            str(tmp_path),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    data = (tmp_path / "policy.doc").read_bytes()
    parsed = parse_bytes(data, "policy.doc")
    assert parsed.format == "doc"
    assert "Mandated Reporting" in [s.title for s in parsed.sections]
    r = seed.svc.upload(seed.actor("alice"), data, "policy.doc")
    assert seed.svc.get_document(seed.actor("alice"), r.document_id).annotatable


def test_a_legacy_doc_without_libreoffice_is_refused_clearly(monkeypatch: pytest.MonkeyPatch):
    from review.parsing import doc_convert

    monkeypatch.setattr(doc_convert, "soffice", lambda: None)
    fake_doc = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le") + b"\0" * 600
    )
    with pytest.raises(UnreadableDocument, match="LibreOffice is not installed"):
        parse_bytes(fake_doc, "old.doc")


def test_the_upload_page_matches_the_server_and_shows_a_refusal_plainly(seed: Seed):
    from review.config import UploadLimits

    at = app_as(seed, "alice")
    goto(at, "pages/agency_upload.py")
    no_exception(at)
    limit = UploadLimits().max_upload_bytes // (1024 * 1024)
    shown = texts(at).replace("\\", "")  # the page's text is Markdown-escaped (ui.safe)
    assert f"at most {limit} MB" in shown
    assert "PDF with a text layer" in shown and ".txt, .md" in shown
    # a good upload, then a refused one: the refusal is shown and the old results are gone
    at.file_uploader(key="upload_file").set_value(("good.pdf", policy_pdf(), "application/pdf"))
    at.button(key="FormSubmitter:upload-Upload and analyze").click()
    at.run()
    no_exception(at)
    assert any("Open the document" in str(p.proto) for p in at.get("page_link"))
    at.file_uploader(key="upload_file").set_value(("scan.pdf", scanned_pdf(), "application/pdf"))
    at.button(key="FormSubmitter:upload-Upload and analyze").click()
    at.run()
    no_exception(at)
    assert any(
        "scan.pdf was not accepted" in e.value.replace("\\", "") and "no text layer" in e.value
        for e in at.error
    )
    assert not at.get("page_link") or not any(
        "Open the document" in str(p.proto) for p in at.get("page_link")
    )
