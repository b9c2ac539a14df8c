"""The agency coverage page under AppTest: an agency user sees their own agency, a reviewer any
agency, both with the agency coverage report."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from docx import Document

from review.services.agency_coverage import agency_coverage_report
from tests.e2e_support import Seed
from tests.test_app_pages import _approved, app_as, goto, no_exception, texts


@pytest.fixture
def seed(data_dir: Path) -> Seed:
    return Seed(data_dir)


def test_agency_user_sees_their_agencys_coverage_and_downloads_the_report(seed: Seed):
    doc = _approved(seed)
    at = app_as(seed, "alice")
    goto(at, "pages/agency_coverage.py")
    no_exception(at)
    assert at.title[0].value == "Agency coverage"
    assert not at.selectbox  # no agency to choose: their own
    (table,) = at.dataframe
    rows = table.value
    required = [it.id for it in seed.svc.framework().required_items("general")]
    assert len(rows) == len(required)
    title = seed.svc.get_document(seed.actor("alice"), doc).summary.title
    assert any(title in w for w in rows["Where"])
    assert "Documents counted" in [m.label for m in at.metric]
    (button,) = at.get("download_button")
    assert button.label == "Agency coverage report (.docx)"
    # the button serves the service's report for this user's agency
    report = Document(io.BytesIO(agency_coverage_report(seed.svc, seed.actor("alice"))))
    assert report.paragraphs[0].text == "Agency coverage report"
    assert "Northwoods Youth Services" in report.sections[0].header.paragraphs[0].text


def test_reviewer_chooses_any_agency(seed: Seed):
    _approved(seed)
    at = app_as(seed, "rita")
    goto(at, "pages/agency_coverage.py")
    no_exception(at)
    (box,) = at.selectbox
    assert set(box.options) == {"Northwoods Youth Services", "Lakeshore Safe Harbor"}
    box.select(seed.agency_b.id).run()
    no_exception(at)
    rows = at.dataframe[0].value
    assert len(rows) == len(seed.svc.framework().required_items("specialised"))
    assert "The agency has no document on file." in texts(at)


def test_reviewer_edits_a_findings_remediation_on_the_findings_page(seed: Seed):
    from tests.test_app_pages import _submitted

    doc = _submitted(seed)
    rita = seed.actor("rita")
    seed.svc.transition(rita, doc, "claim")
    at = app_as(seed, "rita")
    goto(at, "pages/review_findings.py", doc=doc)
    no_exception(at)
    rows = at.dataframe[0].value
    assert list(rows.columns)[:3] == ["#", "Severity", "Competency"]
    first = rows["Competency"][0].split(" – ")[0]
    assert rows["Severity"][0] == "High"
    at.text_area[0].input("Add a trafficking indicators section to the training chapter.")
    at.text_input[0].input("Training coordinator")
    at.text_input[1].input("2025-09-30")
    at.button[0].click()
    at.run()
    no_exception(at)
    assert "remediation plan saved" in texts(at)
    assert at.dataframe[0].value["Remediation"][0].startswith("Add a trafficking indicators")
    report = Document(io.BytesIO(seed.svc.review_report(rita, doc)))
    plan = next(
        t for t in report.tables if [c.text for c in t.rows[0].cells][:2] == ["#", "Action"]
    )
    row = next(r for r in plan.rows if r.cells[1].text.startswith(f"{first}: "))
    assert row.cells[2].text == "Training coordinator" and row.cells[3].text == "2025-09-30"
    # a bad date is a message, not a crash, and changes nothing
    at.text_input[1].input("soon")
    at.button[0].click()
    at.run()
    no_exception(at)
    assert any("YYYY-MM-DD" in e.value for e in at.error)


def test_findings_page_is_read_only_for_a_reviewer_without_the_lock(seed: Seed):
    from tests.test_app_pages import _submitted

    doc = _submitted(seed)
    seed.svc.transition(seed.actor("rita"), doc, "claim")
    at = app_as(seed, "rob")
    goto(at, "pages/review_findings.py", doc=doc)
    no_exception(at)
    assert at.text_area and all(t.disabled for t in at.text_area)
