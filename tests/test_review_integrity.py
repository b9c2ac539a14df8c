"""Issue 12: the review a compliance office can rely on — the bugs that misfile or lose a
reviewer's work, through the real app (AppTest) and the real services on a real TinyDB store."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e_support import Seed
from tests.test_app_pages import _claimed, app_as, goto, no_exception, texts


@pytest.fixture
def seed(data_dir: Path) -> Seed:
    return Seed(data_dir)


def _assessments(seed: Seed, doc: str) -> dict[str, tuple[str, str]]:
    """The stored assessments of the current version: competency -> (status, note)."""
    with seed.svc.repo.document(doc) as tx:
        number = int(tx.get()["current_version"])
        return {a["competency"]: (a["status"], a["note"]) for a in tx.assessments(number)}


# --------------------------------------------------------------------------- item 1


def test_a_refused_assessment_keeps_the_chosen_competency(seed: Seed):
    doc, at = _claimed(seed)
    at.selectbox(key=f"as_comp_{doc}").set_value("C5")
    at.radio(key=f"as_status_{doc}").set_value("not_applicable")
    at.button(key=f"FormSubmitter:assess_{doc}-Save assessment").click()
    at.run()
    assert any("needs a justification" in e.value for e in at.error)
    # the form still shows C5 / not applicable, so the retry lands on C5
    assert at.selectbox(key=f"as_comp_{doc}").value == "C5"
    assert at.radio(key=f"as_status_{doc}").value == "not_applicable"
    at.text_input(key=f"as_note_{doc}").input("The agency runs no residential program.")
    at.button(key=f"FormSubmitter:assess_{doc}-Save assessment").click()
    at.run()
    no_exception(at)
    got = _assessments(seed, doc)
    assert got.get("C5") == ("not_applicable", "The agency runs no residential program.")
    assert "C1" not in got


def test_admin_new_user_form_keeps_its_fields_after_a_refused_password(seed: Seed):
    at = app_as(seed, "admin")
    goto(at, "pages/admin_users.py")
    at.text_input(key="nu_username").input("carol")
    at.text_input(key="nu_display").input("Carol Case")
    at.selectbox(key="nu_role").set_value("reviewer")
    at.text_input(key="nu_password").input("short")
    at.button(key="FormSubmitter:new_user-Create user").click()
    at.run()
    assert at.error, texts(at)
    assert at.text_input(key="nu_username").value == "carol"
    assert at.text_input(key="nu_display").value == "Carol Case"
    assert at.selectbox(key="nu_role").value == "reviewer"
