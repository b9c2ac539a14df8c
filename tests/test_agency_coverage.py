"""Agency coverage across documents (review/services/agency_coverage.py) and its .docx report,
on the real store, parser and suggester; and single-document reports naming what the agency's
other documents already cover."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from test_services import World

from review.demo import CONFIDENTIALITY, MANDATED_REPORTING, STAFF_WELLNESS
from review.errors import NotFound
from review.services.agency_coverage import (
    agency_choices,
    agency_coverage,
    agency_coverage_report,
)


@pytest.fixture
def w(data_dir: Path) -> World:
    return World(data_dir)


def _text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    return "\n".join(
        "".join(t.text or "" for t in p.iter(qn("w:t"))) for p in doc.element.body.iter(qn("w:p"))
    )


def _met_by(w: World, doc_id: str) -> set[str]:
    return {r.competency for r in w.svc.coverage(w.rita, doc_id) if r.status == "met"}


def test_agency_coverage_combines_approved_and_in_review_documents(w: World):
    wellness = w.to_state("approved", STAFF_WELLNESS)
    reporting = w.to_state("in_review", MANDATED_REPORTING)
    w.decide_all(reporting)
    draft = w.to_state("draft", CONFIDENTIALITY)
    cov = agency_coverage(w.svc, w.rita, "agA")
    assert cov.agency_name == "Northwoods" and cov.agency_kind == "general"
    basis = {d.document_id: d.basis for d in cov.documents}
    assert basis == {wellness: "approved", reporting: "in review", draft: "not counted"}
    rows = {r.competency: r for r in cov.rows}
    assert list(rows) == [it.id for it in w.svc.framework().required_items("general")]
    met_w, met_r = _met_by(w, wellness), _met_by(w, reporting)
    assert met_w and met_r
    for cid in met_w:
        assert rows[cid].status == "met" and not rows[cid].provisional
        assert wellness in {c.document_id for c in rows[cid].met_in}
    for cid in met_r - met_w:
        assert rows[cid].status == "met" and rows[cid].provisional  # only the in-review one
    for cid, row in rows.items():
        if cid not in met_w | met_r and row.status == "not_addressed":
            assert row.recommendation and not row.met_in
    assert sum(cov.counts.values()) == len(rows)


def test_agency_user_sees_own_agency_only_and_in_review_documents_not_yet(w: World):
    w.to_state("approved", STAFF_WELLNESS)
    reporting = w.to_state("in_review", MANDATED_REPORTING)
    mine = agency_coverage(w.svc, w.alice)  # their own agency by default
    assert mine.agency_id == "agA"
    (doc,) = [d for d in mine.documents if d.document_id == reporting]
    assert doc.basis == "not counted" and "finished" in doc.reason
    with pytest.raises(NotFound):
        agency_coverage(w.svc, w.alice, "agB")
    with pytest.raises(NotFound):
        agency_coverage(w.svc, w.bert, "agA")
    assert agency_choices(w.svc, w.alice) == [("agA", "Northwoods")]
    assert {a for a, _ in agency_choices(w.svc, w.rita)} == {"agA", "agB"}
    with pytest.raises(NotFound):
        agency_coverage(w.svc, w.rita, "no-such-agency")


def test_a_revised_document_keeps_counting_with_its_approved_version(w: World):
    doc = w.to_state("approved", STAFF_WELLNESS)
    met = _met_by(w, doc)
    w.svc.transition(w.ada, doc, "reopen", "one more look")
    w.svc.transition(w.rita, doc, "request_changes", "add training")
    cov = agency_coverage(w.svc, w.rita, "agA")
    (d,) = cov.documents
    # reopened: the approval was undone, so nothing counts until it is approved again
    assert d.basis == "not counted"
    assert all(r.status == "not_addressed" for r in cov.rows if r.competency in met)


def test_agency_report_docx_lists_documents_coverage_and_gaps(w: World):
    wellness = w.to_state("approved", STAFF_WELLNESS)
    data = agency_coverage_report(w.svc, w.rita, "agA")
    doc = Document(io.BytesIO(data))
    text = _text(data)
    assert doc.paragraphs[0].text == "Agency coverage report"
    for heading in ("Summary", "Documents", "Coverage across the policy set", "Gaps across"):
        assert heading in text
    title = w.svc.get_document(w.rita, wellness).summary.title
    assert title in text
    coverage = next(t for t in doc.tables if [c.text for c in t.rows[0].cells][2:] == ["Met in"])
    ids = [it.id for it in w.svc.framework().required_items("general")]
    assert len(coverage.rows) == len(ids) + 1
    for cid in _met_by(w, wellness):
        row = next(r for r in coverage.rows if r.cells[0].text.startswith(f"{cid} – "))
        assert row.cells[1].text.startswith("Met") and title in row.cells[2].text
    assert "Northwoods" in doc.sections[0].header.paragraphs[0].text
    with pytest.raises(NotFound):
        agency_coverage_report(w.svc, w.bert, "agA")


def test_single_document_report_says_what_other_documents_cover(w: World):
    wellness = w.to_state("approved", STAFF_WELLNESS)
    reporting = w.to_state("approved", MANDATED_REPORTING)
    ctx = w.svc.report_context(w.rita, reporting, with_original=False)
    elsewhere = ctx.extra["elsewhere"]
    only_wellness = _met_by(w, wellness) - _met_by(w, reporting)
    assert only_wellness
    for cid in only_wellness:
        assert [e["document_id"] for e in elsewhere[cid]] == [wellness]
    text = _text(w.svc.review_report(w.rita, reporting))
    title = w.svc.get_document(w.rita, wellness).summary.title
    assert f"Met in another document: {title}" in text
    assert "Other documents of the agency already cover" in text


def test_reviewer_edits_a_remediation_owner_and_due_date_and_the_report_uses_them(w: World):
    from review.errors import PermissionDenied, ValidationFailed
    from review.services.remediation import set_remediation

    doc = w.to_state("in_review", STAFF_WELLNESS)
    gaps = [r.competency for r in w.svc.coverage(w.rita, doc) if r.status == "not_addressed"]
    target = gaps[0]
    set_remediation(
        w.svc,
        w.rita,
        doc,
        target,
        text="Add a section on trafficking indicators to chapter 2.",
        owner="HR director",
        due="2025-06-30",
    )
    with pytest.raises(ValidationFailed):
        set_remediation(w.svc, w.rita, doc, target, due="next month")
    with pytest.raises(ValidationFailed):
        set_remediation(w.svc, w.rita, doc, "A1", text="not required for a general agency")
    with pytest.raises(PermissionDenied):
        set_remediation(w.svc, w.alice, doc, target, text="agency users cannot")
    history = w.svc.history(w.rita, doc)
    assert history[-1].action == "edit_remediation" and target in history[-1].comment
    report = Document(io.BytesIO(w.svc.review_report(w.rita, doc)))
    findings = next(
        t
        for t in report.tables
        if [c.text for c in t.rows[0].cells][1:3] == ["Competency", "Severity"]
    )
    row = next(r for r in findings.rows if r.cells[1].text.startswith(f"{target} – "))
    assert row.cells[4].text.startswith("Reviewer: Add a section on trafficking indicators")
    plan = next(
        t for t in report.tables if [c.text for c in t.rows[0].cells][:2] == ["#", "Action"]
    )
    prow = next(r for r in plan.rows if r.cells[1].text.startswith(f"{target}: "))
    assert [prow.cells[2].text, prow.cells[3].text] == ["HR director", "2025-06-30"]
    text = _text(w.svc.review_report(w.rita, doc))
    assert "Remediation edited" in text


def test_a_damaged_document_file_is_listed_not_counted_and_hides_nothing(w: World, data_dir: Path):
    wellness = w.to_state("approved", STAFF_WELLNESS)
    other = w.to_state("approved", MANDATED_REPORTING)
    (data_dir / "store" / "documents" / f"{other}.json").write_text("{ not json")
    cov = agency_coverage(w.svc, w.rita, "agA")
    basis = {d.document_id: d.basis for d in cov.documents}
    assert basis[wellness] == "approved"
    (damaged,) = [d for d in cov.documents if d.document_id == other]
    assert damaged.basis == "not counted" and damaged.reason
    assert {r.competency for r in cov.rows if r.status == "met"} >= _met_by(w, wellness)
