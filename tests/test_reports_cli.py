"""The report commands end to end: ``analyze FILE --report --annotate`` on a real parse and the
real suggester, and ``report DOCUMENT_ID --out DIR`` from the real TinyDB store."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from test_reports_fixtures import body_paragraphs, make_policy, paragraph_text

from review.auth import SYSTEM
from review.cli import main
from review.parsing import parse_bytes
from review.services import ReviewService


def _comment_anchors(doc) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for i, p in enumerate(body_paragraphs(doc)):
        ids = [int(e.get(qn("w:id"))) for e in p.iter(qn("w:commentRangeStart"))]
        if ids:
            out[i] = ids
    return out


def test_analyze_writes_a_suggested_report_and_annotated_copy(tmp_path: Path, capsys):
    policy = make_policy()
    src = tmp_path / "policy.docx"
    src.write_bytes(policy.data)
    report, annotated = tmp_path / "report.docx", tmp_path / "annotated.docx"
    assert main(["analyze", str(src), "--report", str(report), "--annotate", str(annotated)]) == 0
    capsys.readouterr()

    parsed = parse_bytes(policy.data, "policy.docx")
    doc = Document(str(annotated))
    assert [paragraph_text(p) for p in body_paragraphs(doc)] == policy.paragraph_texts
    comments = {c.comment_id: c for c in doc.comments}
    anchors = _comment_anchors(doc)
    texts = {i: [comments[c].text for c in ids] for i, ids in anchors.items()}
    # the suggester finds the confidential-location and mandated-reporting sections in this text
    by_title = {s.title: s for s in parsed.sections}
    loc = by_title["2. Confidential location"]
    rep = by_title["Mandatory reporting"]
    assert any("A10" in t for t in texts[loc.first_par])
    assert any("C3" in t for t in texts[rep.first_par])
    summary = [c for c in comments.values() if c.text.startswith("Competency review: Not reviewed")]
    assert len(summary) == 1
    assert all(
        c.text.startswith("Suggested, not reviewed") for c in comments.values() if c not in summary
    )

    rdoc = Document(str(report))
    banner = [p.text for p in rdoc.paragraphs if p.style.name == "Banner"]
    assert banner and "Suggested, not reviewed" in banner[0]


def _reviewed_store(data_dir: Path) -> tuple[ReviewService, str]:
    svc = ReviewService(data_dir=data_dir)
    agency = svc.create_agency(SYSTEM, "Lakeshore Youth Services", "specialised")
    svc.create_user(
        SYSTEM, "uma", "a long enough passphrase 1", "agency_user", agency.id, "Uma Uploader"
    )
    svc.create_user(SYSTEM, "rita", "a long enough passphrase 2", "reviewer", None, "Rita Reviewer")
    uma, rita = svc.actor("uma"), svc.actor("rita")
    up = svc.upload(uma, make_policy().data, "staff-policy.docx", title="Staff Policy Manual")
    svc.transition(uma, up.document_id, "submit")
    svc.transition(rita, up.document_id, "claim")
    links = svc.links(rita, up.document_id)
    a10 = next(lk for lk in links if lk.competency == "A10")
    svc.confirm_link(rita, up.document_id, a10.id, note="Address secrecy is explicit.")
    others = [lk for lk in links if lk.id != a10.id and lk.state == "suggested"]
    if others:
        svc.reject_link(rita, up.document_id, others[0].id, reason="Too generic to count.")
    return svc, up.document_id


def test_report_command_writes_every_report_from_the_store(data_dir: Path, tmp_path: Path, capsys):
    svc, doc_id = _reviewed_store(data_dir)
    out = tmp_path / "out"
    assert main(["report", doc_id, "--out", str(out)]) == 0
    written = sorted(Path(line).name for line in capsys.readouterr().out.split())
    assert written == sorted(
        f"{doc_id}-v1-{suffix}"
        for suffix in ("review-report.docx", "annotated.docx", "coverage.csv", "coverage.xlsx")
    )
    report = Document(str(out / f"{doc_id}-v1-review-report.docx"))
    text = "\n".join(paragraph_text(p) for p in report.element.body.iter(qn("w:p")))
    assert "Lakeshore Youth Services" in text and "Rita Reviewer" in text
    assert "Address secrecy is explicit." in text

    annotated = Document(str(out / f"{doc_id}-v1-annotated.docx"))
    notes = [c.text for c in annotated.comments if "Address secrecy is explicit." in c.text]
    assert len(notes) == 1 and "A10" in notes[0]
    authors = {c.author: c for c in annotated.comments}
    assert set(authors) == {"Rita Reviewer", "Competency Review"}  # the reviewer; the summary
    assert authors["Competency Review"].text.startswith("Competency review:")

    rows = list(
        csv.reader(
            io.StringIO((out / f"{doc_id}-v1-coverage.csv").read_bytes().decode("utf-8-sig"))
        )
    )
    status = {r[0]: r[3] for r in rows[1:]}
    assert status["A10"] == "Met"
    assert len(rows) - 1 == len(svc.framework().required_items("specialised"))


def test_report_command_only_and_unknown_document(data_dir: Path, tmp_path: Path, capsys):
    _, doc_id = _reviewed_store(data_dir)
    out = tmp_path / "only"
    assert main(["report", doc_id, "--out", str(out), "--only", "csv"]) == 0
    assert [p.name for p in out.iterdir()] == [f"{doc_id}-v1-coverage.csv"]
    assert main(["report", "no-such-document", "--out", str(out)]) == 1
    assert "no such document" in capsys.readouterr().err.lower()
    assert main(["report", doc_id, "--out", str(out), "--only", "pdf"]) == 2


def test_analyze_markdown_writes_the_report_and_explains_the_skipped_annotation(tmp_path, capsys):
    src = tmp_path / "policy.md"
    src.write_text(
        "# Staff wellbeing\n\nStaff may use the employee assistance program after "
        "exposure to secondary traumatic stress.\n\n# Reporting\n\nEvery staff member is a "
        "mandated reporter of suspected child abuse.\n",
        encoding="utf-8",
    )
    report, annotated = tmp_path / "r.docx", tmp_path / "a.docx"
    assert main(["analyze", str(src), "--report", str(report), "--annotate", str(annotated)]) == 0
    assert "--annotate needs a .docx file" in capsys.readouterr().err
    assert not annotated.exists()
    doc = Document(str(report))
    text = "\n".join(paragraph_text(p) for p in doc.element.body.iter(qn("w:p")))
    assert "policy.md" in text and "Coverage matrix" in text


def test_analyze_annotate_writes_an_inert_copy_and_says_what_was_removed(tmp_path: Path, capsys):
    """The CLI's annotated copy goes through the same sanitizing as the app's (issue: it wrote
    the agency's file back with its outside links, template, OLE object and fetching fields)."""
    from review.parsing.sanitize import sanitize_docx
    from tests import hostile_files as hf

    raw = hf.external_content_docx()
    with pytest.raises(AssertionError):  # the fixture carries what must go
        hf.assert_inert(raw)
    src = tmp_path / "hostile.docx"
    src.write_bytes(raw)
    annotated = tmp_path / "annotated.docx"
    assert main(["analyze", str(src), "--annotate", str(annotated)]) == 0
    out = capsys.readouterr().out
    hf.assert_inert(annotated.read_bytes())
    # what went, in the upload summary's words, on its own line after the heading line
    lines = out.splitlines()
    assert lines[0].startswith("hostile.docx: ")
    assert lines[1].startswith(
        "Removed from the annotated copy for safety (only the text is reviewed): "
    )
    for item in sanitize_docx(raw).summary:  # "1 embedded object or control", ...
        assert item in lines[1]
    assert "2 fields that fetch content" in lines[1] and "1 remote attached template" in lines[1]
    # still the annotated policy: the text (a fetching field's last result too) and comments
    doc = Document(str(annotated))
    text = [paragraph_text(p) for p in body_paragraphs(doc)]
    assert "Staff follow the safety plan." in text and "Included text result." in text
    assert any(c.text.startswith("Competency review: Not reviewed") for c in doc.comments)
    # --json keeps stdout JSON and says it on stderr
    assert main(["analyze", str(src), "--json", "--annotate", str(annotated)]) == 0
    both = capsys.readouterr()
    assert json.loads(both.out)["document"] == "hostile.docx"
    assert both.err.startswith("Removed from the annotated copy for safety")
    hf.assert_inert(annotated.read_bytes())


def test_analyze_annotate_of_a_clean_file_reports_nothing_removed(tmp_path: Path, capsys):
    src = tmp_path / "policy.docx"
    src.write_bytes(make_policy().data)
    assert main(["analyze", str(src), "--annotate", str(tmp_path / "a.docx")]) == 0
    captured = capsys.readouterr()
    assert "Removed from" not in captured.out + captured.err
    assert (tmp_path / "a.docx").exists()
