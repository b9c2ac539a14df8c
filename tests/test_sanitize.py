"""Stored originals and the annotated copy fetch, run and import nothing (issue 11, item 5), and
every XML part of a package is checked, not only those the parser reads (item 11)."""

from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import require_tool

from review.errors import UnreadableDocument
from review.parsing import parse_bytes
from review.parsing.sanitize import sanitize_docx
from tests import hostile_files as hf
from tests.e2e_support import Seed, approve
from tests.office import soffice_convert


def test_sanitize_removes_everything_that_fetches_and_keeps_the_text():
    raw = hf.external_content_docx()
    clean = sanitize_docx(raw)
    hf.assert_inert(clean.data)
    assert set(clean.summary) == {
        "1 link to an outside address",
        "1 remote attached template",
        "1 linked sub-document",
        "1 embedded object or control",
        "1 imported HTML/RTF chunk",
        "2 fields that fetch content",
    }
    # the text the reviewer saw, and the paragraph indices comments anchor to, are unchanged
    assert parse_bytes(clean.data, "p.docx").sections == parse_bytes(raw, "p.docx").sections
    with zipfile.ZipFile(io.BytesIO(clean.data)) as z:  # the ordinary hyperlink stays
        assert b"www.dcf.wisconsin.gov" in z.read("word/_rels/document.xml.rels")


def test_a_clean_document_is_stored_byte_for_byte():
    raw = hf._basic_docx()
    clean = sanitize_docx(raw)
    assert clean.data == raw and clean.summary == ()


def test_a_doctype_in_a_part_the_parser_never_reads_is_refused():
    data = hf.header_doctype_docx()
    with pytest.raises(UnreadableDocument) as info:
        sanitize_docx(data)
    assert info.value.reason == "bad_xml"


def _approved(seed: Seed, data: bytes) -> tuple[str, object]:
    svc = seed.svc
    up = svc.upload(seed.actor("alice"), data, "policy.docx")
    doc = up.document_id
    svc.transition(seed.actor("alice"), doc, "submit")
    rita = seed.actor("rita")
    svc.transition(rita, doc, "claim")
    for lk in svc.links(rita, doc):
        if lk.state == "suggested":
            svc.confirm_link(rita, doc, lk.id)
    approve(svc, rita, doc)
    return doc, up


def test_upload_stores_the_inert_copy_and_says_what_was_removed(data_dir: Path):
    seed = Seed(data_dir)
    raw = hf.external_content_docx()
    doc, up = _approved(seed, raw)
    assert "Removed from the stored copy for safety" in up.message
    assert "1 embedded object or control" in up.message
    _, stored = seed.svc.original(seed.actor("alice"), doc)
    hf.assert_inert(stored)
    annotated = seed.svc.annotated_policy(seed.actor("alice"), doc)
    hf.assert_inert(annotated)


@pytest.mark.office
def test_libreoffice_opens_the_annotated_copy(data_dir: Path, tmp_path: Path):
    soffice = require_tool("soffice", "libreoffice")
    pdftotext = require_tool("pdftotext")
    seed = Seed(data_dir)
    doc, _ = _approved(seed, hf.external_content_docx())
    path = tmp_path / "annotated.docx"
    path.write_bytes(seed.svc.annotated_policy(seed.actor("alice"), doc))
    soffice_convert(soffice, "pdf", [path], tmp_path, tmp_path / "profile", timeout=240)
    text = subprocess.run(
        [pdftotext, str(tmp_path / "annotated.pdf"), "-"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "Staff follow the safety plan." in text
    assert "Included text result." in text  # a neutralised field keeps its last result
