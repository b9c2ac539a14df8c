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


# --------------------------------------------------------------------------- item 2


def _in_review_with_assessments(seed: Seed) -> tuple[str, str, str]:
    """A claimed document with C5 not applicable, one competency partial on the unchanged
    "Mandated Reporting" section and one partial on "Trauma-Informed Care" (changed in v2)."""
    from tests.test_app_pages import _submitted

    doc = _submitted(seed)
    rita = seed.actor("rita")
    seed.svc.transition(rita, doc, "claim")
    sections = {s.title: s.id for s in seed.svc.sections(rita, doc)}
    links = seed.svc.links(rita, doc)
    stay = next(lk for lk in links if lk.section_id == sections["Mandated Reporting"])
    move = next(
        lk
        for lk in links
        if lk.section_id == sections["Trauma-Informed Care"] and lk.competency != stay.competency
    )
    seed.svc.confirm_link(rita, doc, stay.id)
    seed.svc.confirm_link(rita, doc, move.id)
    seed.svc.assess(rita, doc, "C5", "not_applicable", "No residential program.")
    seed.svc.assess(rita, doc, stay.competency, "partial", "Names the reporter duty only.")
    seed.svc.assess(rita, doc, move.competency, "partial", "Interviews only.")
    seed.svc.transition(rita, doc, "request_changes", "Please expand trauma-informed care.")
    return doc, stay.competency, move.competency


def test_assessments_carry_over_when_their_cited_sections_are_unchanged(seed: Seed):
    from tests.e2e_support import SAMPLE_POLICY, policy_docx

    doc, stay, move = _in_review_with_assessments(seed)
    revised = [
        (
            h,
            t + " Staff complete annual refresher training on it."
            if h == "Trauma-Informed Care"
            else t,
        )
        for h, t in SAMPLE_POLICY
    ]
    result = seed.svc.upload(seed.actor("alice"), policy_docx(revised), "v2.docx", document_id=doc)
    got = _assessments(seed, doc)
    assert got["C5"] == ("not_applicable", "No residential program.")
    assert got[stay] == ("partial", "Names the reporter duty only.")
    assert move not in got  # its cited section changed: assess it again
    assert {a.competency for a in result.assessments_carried} == {"C5", stay}
    assert [a.competency for a in result.assessments_dropped] == [move]
    assert "Assessments: 2 carried over, 1 to assess again." in result.message
    # the previous version keeps its own assessments (decisions are versioned, never rewritten)
    with seed.svc.repo.document(doc) as tx:
        assert len(tx.assessments(1)) == 3


def test_the_upload_summary_lists_the_assessments(seed: Seed):
    from tests.e2e_support import SAMPLE_POLICY, policy_docx

    doc, stay, move = _in_review_with_assessments(seed)
    agency = app_as(seed, "alice")
    goto(agency, "pages/agency_document.py", doc=doc)
    agency.file_uploader(key=f"rev_{doc}").set_value(
        ("policy-v2.docx", policy_docx(SAMPLE_POLICY), "application/octet-stream")
    )
    agency.button(key=f"FormSubmitter:new_version_{doc}-Upload new version").click()
    agency.run()
    no_exception(agency)
    body = texts(agency)
    assert "Competency assessments carried over: 3; to assess again: 0" in body
    frames = [d.value for d in agency.dataframe]
    assert any("Assessment" in f.columns and "C5" in set(f["Competency"]) for f in frames)


# --------------------------------------------------------------------------- item 3


def test_a_ticked_row_stays_on_its_link_after_a_decision_from_a_card(seed: Seed):
    doc, at = _claimed(seed)
    at.multiselect(key=f"f_state_{doc}").set_value(["suggested"])
    at.run()
    table = at.dataframe[0].value
    assert len(table) >= 3
    links = seed.svc.links(seed.actor("rita"), doc)
    # the links in table order; tick the third row, then confirm the first from its card
    keys = [f"{lk.section_id}|{lk.competency}" for lk in links]
    by_key = {f"{lk.section_id}|{lk.competency}": lk for lk in links}
    first = by_key[keys[0]]
    ticked = by_key[keys[2]]
    at.session_state[f"tbl_{doc}"] = {"selection": {"rows": [2], "columns": [], "cells": []}}
    at.run()
    assert at.button(key=f"bulk_{doc}").label == "Confirm 1 selected suggestion(s)"
    at.selectbox(key=f"sec_{doc}").set_value(first.section_id)
    at.run()
    at.button(key=f"ok_{first.id}").click()
    at.run()
    no_exception(at)
    # the confirmed row left the "suggested" table; the tick is still on the same link
    assert at.session_state[f"tbl_{doc}"]["selection"]["rows"] == [1]
    at.button(key=f"bulk_{doc}").click()
    at.run()
    no_exception(at)
    states = {lk.id: lk.state for lk in seed.svc.links(seed.actor("rita"), doc)}
    assert states[ticked.id] == "confirmed"
    assert {i for i, s in states.items() if s == "confirmed"} == {first.id, ticked.id}


def test_reconcile_keeps_ids_and_drops_hidden_rows():
    from review.table_selection import SelectionState, reconcile

    st0 = SelectionState([], ["a", "b", "c", "d"], [])
    st1, tick = reconcile(st0, [2], ["a", "b", "c", "d"])  # the user ticks "c"
    assert st1.ids == ["c"] and tick == [2]
    st2, tick = reconcile(st1, [2], ["b", "c", "d"])  # "a" left the table
    assert st2.ids == ["c"] and tick == [1]
    st3, tick = reconcile(st2, [1], ["b", "d"])  # "c" filtered out: never confirmed unseen
    assert st3.ids == [] and tick == []


# --------------------------------------------------------------------------- item 4


def test_the_last_admin_cannot_demote_or_deactivate_themselves(seed: Seed):
    from review.errors import ValidationFailed

    admin = seed.actor("admin")
    with pytest.raises(ValidationFailed, match="no active admin"):
        seed.svc.set_role(admin, "admin", "reviewer")
    assert seed.svc.repo.user("admin")["role"] == "admin"
    # with a second admin, demoting oneself is allowed; demoting the last one then is not
    seed.svc.set_role(admin, "rob", "admin")
    seed.svc.set_role(admin, "admin", "reviewer")
    rob = seed.actor("rob")
    with pytest.raises(ValidationFailed, match="no active admin"):
        seed.svc.set_role(rob, "rob", "reviewer")
    # deactivating the last other admin is refused too (deactivating oneself always is)
    seed.svc.set_role(rob, "rita", "admin")
    seed.svc.set_user_active(seed.actor("rita"), "rob", False)
    with pytest.raises(ValidationFailed):
        seed.svc.set_user_active(seed.actor("rita"), "rita", False)


def test_demoting_the_last_admin_in_the_page_asks_then_refuses(seed: Seed):
    at = app_as(seed, "admin")
    goto(at, "pages/admin_users.py")
    at.selectbox(key="ch_user").set_value("admin")
    at.run()
    at.selectbox(key="ch_role").set_value("reviewer")
    at.button(key="FormSubmitter:change_role-Change role").click()
    at.run()
    assert any("You will lose the admin pages." in w.value for w in at.warning)
    assert seed.svc.repo.user("admin")["role"] == "admin"  # nothing yet: asked first
    at.button(key="ch_confirm").click()
    at.run()
    no_exception(at)
    assert any("no active admin" in e.value for e in at.error)
    assert seed.svc.repo.user("admin")["role"] == "admin"


# --------------------------------------------------------------------------- item 7


def test_the_uploader_made_a_reviewer_cannot_claim_or_decide(seed: Seed):
    from review.errors import PermissionDenied, TransitionRefused
    from tests.test_app_pages import _submitted

    doc = _submitted(seed)
    seed.svc.set_role(seed.actor("admin"), "alice", "reviewer")
    alice = seed.actor("alice")
    with pytest.raises(TransitionRefused, match="you uploaded this version"):
        seed.svc.transition(alice, doc, "claim")
    seed.svc.transition(seed.actor("rita"), doc, "claim")
    seed.svc.release_lock(seed.actor("rita"), doc)
    link = seed.svc.links(alice, doc)[0]
    with pytest.raises(PermissionDenied, match="you uploaded the version under review"):
        seed.svc.confirm_link(alice, doc, link.id)
    view = seed.svc.get_document(alice, doc)
    assert not view.can_edit_links and "you uploaded" in view.edit_blocked_reason


def test_approve_needs_the_lock_and_the_workspace_offers_to_take_it(seed: Seed):
    doc, _ = _claimed(seed)
    rita, rob = seed.actor("rita"), seed.actor("rob")
    for lk in seed.svc.links(rita, doc):
        seed.svc.confirm_link(rita, doc, lk.id)
    seed.svc.release_lock(rita, doc)
    at = app_as(seed, "rob")
    goto(at, "pages/review_workspace.py", doc=doc)
    no_exception(at)
    approve = at.button(key=f"tr_approve_{doc}")
    assert approve.disabled and "Take the review lock first" in approve.help
    at.button(key=f"take_{doc}").click()
    at.run()
    no_exception(at)
    assert "You hold the review lock" in texts(at)
    n = seed.svc.coverage_summary(rob, doc).gaps
    assert at.button(key=f"FormSubmitter:tr_form_approve_{doc}-Approve with {n} open findings")
    assert seed.svc.lock_status(rob, doc).holder == "rob"


# --------------------------------------------------------------------------- item 5


def _decided(seed: Seed) -> str:
    doc, _ = _claimed(seed)
    rita = seed.actor("rita")
    for lk in seed.svc.links(rita, doc):
        seed.svc.confirm_link(rita, doc, lk.id)
    return doc


def test_approve_with_open_gaps_needs_a_conclusion_and_the_acceptance(seed: Seed):
    from review.errors import TransitionRefused

    doc = _decided(seed)
    rita = seed.actor("rita")
    gaps = [r.competency for r in seed.svc.coverage(rita, doc) if r.status == "not_addressed"]
    assert len(gaps) >= 2
    n = len(gaps)
    with pytest.raises(TransitionRefused, match="write your conclusion"):
        seed.svc.transition(rita, doc, "approve")
    with pytest.raises(TransitionRefused, match=f"accept the {n} open findings"):
        seed.svc.transition(rita, doc, "approve", "Good enough.")
    with pytest.raises(TransitionRefused, match=f"accept the {n} open findings"):
        seed.svc.transition(rita, doc, "approve", "Good enough.", accept_open_findings=n - 1)
    assert seed.svc.get_document(rita, doc).state == "in_review"
    seed.svc.transition(
        rita, doc, "approve", "Sound on reporting; the gaps are accepted.", accept_open_findings=n
    )
    last = seed.svc.history(rita, doc)[-1]
    assert last.action == "approve" and last.comment == "Sound on reporting; the gaps are accepted."
    assert list(last.accepted_findings) == gaps and last.accepted_count == n
    with seed.svc.repo.document(doc) as tx:  # stored on the history entry itself
        raw = tx.history()[-1]
    assert raw["accepted_findings"] == gaps and raw["accepted_count"] == n


def test_the_approve_form_asks_for_the_conclusion_and_the_acceptance(seed: Seed):
    doc = _decided(seed)
    at = app_as(seed, "rita")
    goto(at, "pages/review_workspace.py", doc=doc)
    n = seed.svc.coverage_summary(seed.actor("rita"), doc).gaps
    submit = f"FormSubmitter:tr_form_approve_{doc}-Approve with {n} open findings"
    at.text_area(key=f"tr_comment_approve_{doc}").input("Approved; training gaps accepted.")
    at.button(key=submit).click()
    at.run()
    assert any(f"accept the {n} open findings" in e.value for e in at.error), texts(at)
    assert seed.svc.get_document(seed.actor("rita"), doc).state == "in_review"
    at.checkbox(key=f"tr_accept_{doc}").check()
    at.button(key=submit).click()
    at.run()
    no_exception(at)
    assert seed.svc.get_document(seed.actor("rita"), doc).state == "approved"
    assert "The document is approved." in texts(at)


def test_four_eyes_rule_needs_a_second_reviewer(seed: Seed, monkeypatch: pytest.MonkeyPatch):
    from review.errors import TransitionRefused
    from tests.e2e_support import approve

    monkeypatch.setenv("COMPETENCY_REVIEW_FOUR_EYES", "Northwoods Youth Services")
    doc = _decided(seed)
    rita, rob = seed.actor("rita"), seed.actor("rob")
    view = approve(seed.svc, rita, doc, "First look: fine.")
    assert view.state == "in_review" and view.lock is None
    assert seed.svc.history(rita, doc)[-1].action == "first_approval"
    seed.svc.acquire_lock(rita, doc)
    with pytest.raises(TransitionRefused, match="a second reviewer must approve"):
        approve(seed.svc, rita, doc)
    seed.svc.release_lock(rita, doc)
    seed.svc.acquire_lock(rob, doc)
    assert approve(seed.svc, rob, doc, "Second look: agreed.").state == "approved"
    # another agency is not under the rule
    monkeypatch.setenv("COMPETENCY_REVIEW_FOUR_EYES", "Lakeshore Safe Harbor")
    doc2 = _decided(seed)
    assert approve(seed.svc, rita, doc2).state == "approved"


def test_four_eyes_is_declared_in_the_workflow_data():
    from review.workflow import WORKFLOW, FourEyes

    assert WORKFLOW.four_eyes == FourEyes()  # off by default
    rule = FourEyes(agencies=("agency-1",))
    assert rule.applies("agency-1") and not rule.applies("agency-2")
    assert FourEyes(everywhere=True).applies("any")


# --------------------------------------------------------------------------- item 11


def test_numbered_headings_are_not_numbered_twice():
    from review.wording import numbered

    assert numbered(749, "750. Procedure 750") == "750. Procedure 750"
    assert numbered(2, "Purpose") == "3. Purpose"
    assert numbered(0, "4.2 Training") == "4.2 Training"


def test_add_link_has_no_preset_and_remove_asks_first(seed: Seed):
    doc, at = _claimed(seed)
    section = at.selectbox(key=f"sec_{doc}").value
    assert at.selectbox(key=f"addc_{section}").value is None
    at.button(key=f"FormSubmitter:add_{doc}_{section}-Add link").click()
    at.run()
    assert any("Choose the competency" in e.value for e in at.error)
    assert not [lk for lk in seed.svc.links(seed.actor("rita"), doc) if lk.state == "added"]
    taken = {
        lk.competency for lk in seed.svc.links(seed.actor("rita"), doc) if lk.section_id == section
    }
    comp = next(c for c in ("C2", "C4", "C1", "C3") if c not in taken)
    at.selectbox(key=f"addc_{section}").set_value(comp)
    at.button(key=f"FormSubmitter:add_{doc}_{section}-Add link").click()
    at.run()
    added = next(lk for lk in seed.svc.links(seed.actor("rita"), doc) if lk.state == "added")
    at.button(key=f"rm_{added.id}").click()
    at.run()
    assert any("Remove the link to" in w.value for w in at.warning)
    assert added.id in {lk.id for lk in seed.svc.links(seed.actor("rita"), doc)}  # asked first
    at.button(key=f"rm_yes_{added.id}").click()
    at.run()
    no_exception(at)
    assert added.id not in {lk.id for lk in seed.svc.links(seed.actor("rita"), doc)}


def test_lock_notice_shows_readable_times(seed: Seed):
    import re

    doc, _ = _claimed(seed)
    view = seed.svc.get_document(seed.actor("rob"), doc)
    assert re.search(r"since \d{4}-\d\d-\d\d \d\d:\d\d UTC", view.edit_blocked_reason)
    assert "T" not in view.edit_blocked_reason.split("since ")[1][:16]


def test_transition_message_reads_well(seed: Seed):
    doc, at = _claimed(seed)
    at.text_area(key=f"tr_comment_request_changes_{doc}").input("Add safety planning.")
    at.button(key=f"FormSubmitter:tr_form_request_changes_{doc}-Request changes").click()
    at.run()
    msgs = [s.value for s in at.success]
    assert any("Changes were requested of the agency." in m for m in msgs), msgs
    assert not any("is now changes requested" in m for m in msgs)


def test_resubmission_is_marked_and_the_agency_replies(seed: Seed):
    from tests.e2e_support import SAMPLE_POLICY, policy_docx

    doc, _ = _claimed(seed)
    rita, alice = seed.actor("rita"), seed.actor("alice")
    seed.svc.transition(rita, doc, "request_changes", "Please add safety planning.")
    seed.svc.upload(alice, policy_docx(SAMPLE_POLICY[:-1]), "v2.docx", document_id=doc)
    agency = app_as(seed, "alice")
    goto(agency, "pages/agency_document.py", doc=doc)
    no_exception(agency)
    assert any("last change request" in h.value for h in agency.get("html"))
    agency.text_area(key=f"reply_{doc}").input("Added a safety-planning paragraph.")
    agency.button(key=f"FormSubmitter:resubmit_{doc}-Submit the revision for review").click()
    agency.run()
    no_exception(agency)
    last = seed.svc.history(alice, doc)[-1]
    assert (last.action, last.comment) == ("submit", "Added a safety-planning paragraph.")
    queue = app_as(seed, "rita")
    assert any("resubmission · v2" in m.value for m in queue.markdown)


def test_the_agency_sees_the_outcome_of_an_approved_review(seed: Seed):
    from tests.e2e_support import approve

    doc, _ = _claimed(seed)
    rita = seed.actor("rita")
    links = seed.svc.links(rita, doc)
    seed.svc.reject_link(rita, doc, links[0].id, "Mentions it only in passing")
    for lk in links[1:]:
        seed.svc.confirm_link(rita, doc, lk.id)
    approve(seed.svc, rita, doc)
    agency = app_as(seed, "alice")
    goto(agency, "pages/agency_document.py", doc=doc)
    no_exception(agency)
    assert "Review outcome" in [h.value for h in agency.subheader]
    assert "Gaps" in texts(agency)
    frames = [d.value for d in agency.dataframe]
    assert any(
        "Reason" in f.columns and "Mentions it only in passing" in set(f["Reason"]) for f in frames
    )
