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
