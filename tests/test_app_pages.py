"""The Streamlit app under ``streamlit.testing.v1.AppTest``: every page for every role, against
the real services and a real TinyDB store in a temporary data directory."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from review.viewmodels import md_text
from tests.e2e_support import Seed, approve, policy_docx

# every test runs on the TinyDB store and on PostgreSQL (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("store_backend")

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")


@pytest.fixture
def seed(data_dir: Path) -> Seed:
    return Seed(data_dir)


def app_as(seed: Seed | None, username: str | None = None, **query: str) -> AppTest:
    """An AppTest of the whole app, signed in as ``username`` (or signed out), run once."""
    at = AppTest.from_file(APP, default_timeout=60)
    if username is not None:
        assert seed is not None
        at.session_state["actor"] = seed.actor(username)
        at.session_state["last_activity"] = time.time()
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    return at


def goto(at: AppTest, page: str, **query: str) -> AppTest:
    at.switch_page(page)
    for k in list(at.query_params):
        del at.query_params[k]
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def texts(at: AppTest) -> str:
    """All the text a user would read (markdown, captions, alerts, titles), for assertions."""
    parts = (
        [t.value for t in at.title] + [m.value for m in at.markdown] + [c.value for c in at.caption]
    )
    for kind in (at.error, at.warning, at.info, at.success):
        parts += [e.value for e in kind]
    return "\n".join(str(p) for p in parts)


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


# --------------------------------------------------------------------------- sign-in


def test_sign_in_wrong_password_then_right_one(seed: Seed):
    at = app_as(None)
    assert [t.value for t in at.title] == ["Competency Review"]
    at.text_input[0].input("alice")
    at.text_input[1].input("not-the-password")
    at.button[0].click()
    at.run()
    assert any("wrong username or password" in e.value for e in at.error)
    at.text_input[1].input(seed.passwords["alice"])
    at.button[0].click()
    at.run()
    no_exception(at)
    assert at.title[0].value == "My documents"
    assert at.session_state["actor"].username == "alice"


def test_sign_in_is_throttled_after_repeated_failures(seed: Seed):
    at = app_as(None)
    for _ in range(6):
        at.text_input[0].input("rita")
        at.text_input[1].input("wrong-password-123")
        at.button[0].click()
        at.run()
    assert any("too many attempts" in e.value for e in at.error)
    # even the right password is refused while throttled
    at.text_input[1].input(seed.passwords["rita"])
    at.button[0].click()
    at.run()
    assert "actor" not in at.session_state
    assert any("too many attempts" in e.value for e in at.error)


def test_empty_sign_in_form_is_a_message_not_a_call(seed: Seed):
    at = app_as(None)
    at.button[0].click()
    at.run()
    assert any("Enter your username and password" in e.value for e in at.error)


def test_session_expires_after_inactivity(seed: Seed, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("COMPETENCY_REVIEW_SESSION_MINUTES", "5")
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["actor"] = seed.actor("rita")
    at.session_state["last_activity"] = time.time() - 6 * 60
    at.run()
    no_exception(at)
    assert "actor" not in at.session_state
    assert any("expired after 5 minutes" in i.value for i in at.info)
    assert at.title[0].value == "Competency Review"  # the sign-in page


def test_activity_keeps_the_session_alive(seed: Seed, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("COMPETENCY_REVIEW_SESSION_MINUTES", "5")
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["actor"] = seed.actor("rita")
    at.session_state["last_activity"] = time.time() - 4 * 60
    at.run()
    assert at.session_state["actor"].username == "rita"
    assert time.time() - at.session_state["last_activity"] < 60


def test_sign_out(seed: Seed):
    at = app_as(seed, "rita")
    at.button(key="sign_out").click()
    at.run()
    assert "actor" not in at.session_state
    assert any("signed out" in i.value for i in at.info)


def test_deactivated_user_is_signed_out_on_next_run(seed: Seed):
    at = app_as(seed, "rob")
    assert at.title[0].value == "Review queue"
    seed.svc.set_user_active(seed.actor("admin"), "rob", False)
    at.run()
    assert "actor" not in at.session_state
    assert any("not active" in i.value for i in at.info)


# --------------------------------------------------------------------------- navigation by role


@pytest.mark.parametrize(
    ("username", "landing", "allowed", "forbidden"),
    [
        ("alice", "My documents", "pages/agency_upload.py", "pages/review_queue.py"),
        ("rita", "Review queue", "pages/review_workspace.py", "pages/admin_users.py"),
        ("admin", "Review queue", "pages/admin_users.py", "pages/agency_upload.py"),
    ],
)
def test_navigation_shows_only_the_roles_pages(seed: Seed, username, landing, allowed, forbidden):
    at = app_as(seed, username)
    no_exception(at)
    assert at.title[0].value == landing
    goto(at, allowed)
    no_exception(at)
    # the entry point ran too (navigation, expiry, sidebar), not just the page file
    assert at.sidebar.button(key="sign_out").label == "Sign out"
    assert at.title[0].value != landing or allowed.endswith("workspace.py")
    # a page of another role is not registered with st.navigation at all
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(forbidden)


# --------------------------------------------------------------------------- agency user


def test_upload_through_the_file_uploader_shows_a_preview(seed: Seed):
    at = app_as(seed, "alice")
    goto(at, "pages/agency_upload.py")
    at.text_input[0].input("Staff and Youth Safety Policy")
    at.file_uploader[0].set_value(
        (
            "safety.docx",
            policy_docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
    )
    at.button[0].click()  # the form's submit button
    at.run()
    no_exception(at)
    assert any("5 sections" in s.value for s in at.success), texts(at)
    preview = at.dataframe[0].value
    assert list(preview["Section"])[:2] == ["Purpose", "Vicarious Trauma and Staff Wellness"]
    assert "C5" in preview["Competencies"].iloc[1]
    docs = seed.svc.list_documents(seed.actor("alice"))
    assert [d.title for d in docs] == ["Staff and Youth Safety Policy"]


def test_a_bad_file_shows_the_parsers_message_and_stores_nothing(seed: Seed):
    at = app_as(seed, "alice")
    goto(at, "pages/agency_upload.py")
    at.file_uploader[0].set_value(
        ("broken.docx", b"this is not a zip file at all", "application/octet-stream")
    )
    at.button[0].click()
    at.run()
    no_exception(at)
    assert at.error, "a bad file must produce a message"
    assert "Traceback" not in texts(at)
    assert seed.svc.list_documents(seed.actor("alice")) == []


def test_my_documents_lists_state_reviewer_and_last_action(seed: Seed):
    r = seed.upload("alice")
    seed.svc.transition(seed.actor("alice"), r.document_id, "submit")
    at = app_as(seed, "alice")
    no_exception(at)
    body = texts(at)
    assert ":blue-badge[Submitted]" in body
    assert [p.label for p in at.get("page_link") if "Youth Services Policy" in p.label]
    last = at.dataframe[0].value
    assert list(last["Last action"]) == ["Submit for review"]


def test_agency_submits_and_retracts_from_the_document_page(seed: Seed):
    r = seed.upload("alice")
    at = app_as(seed, "alice")
    goto(at, "pages/agency_document.py", doc=r.document_id)
    no_exception(at)
    labels = [b.label for b in at.button]
    assert "Submit for review" in labels and "Retract" not in labels
    at.button(key=f"tr_submit_{r.document_id}").click()
    at.run()
    assert seed.svc.get_document(seed.actor("alice"), r.document_id).state == "submitted"
    assert "Retract" in [b.label for b in at.button]
    assert "Submit for review" not in [b.label for b in at.button]
    at.button(key=f"tr_retract_{r.document_id}").click()
    at.run()
    assert seed.svc.get_document(seed.actor("alice"), r.document_id).state == "draft"


def test_another_agencys_document_is_not_found_by_query_parameter(seed: Seed):
    r = seed.upload("alice")
    at = app_as(seed, "bert")
    goto(at, "pages/agency_document.py", doc=r.document_id)
    no_exception(at)
    assert any("Document not found" in e.value for e in at.error)
    assert "Youth Services Policy" not in texts(at)
    assert not at.dataframe  # no sections preview


def test_unknown_document_id_is_not_found(seed: Seed):
    at = app_as(seed, "rita")
    goto(at, "pages/review_workspace.py", doc="does-not-exist")
    no_exception(at)
    assert any("Document not found" in e.value for e in at.error)


# --------------------------------------------------------------------------- reviewer


def _submitted(seed: Seed) -> str:
    r = seed.upload("alice")
    seed.svc.transition(seed.actor("alice"), r.document_id, "submit")
    return r.document_id


def test_queue_counts_and_claim_opens_the_workspace(seed: Seed):
    doc = _submitted(seed)
    at = app_as(seed, "rita")
    assert [t.label for t in at.tabs] == [
        "Awaiting review (1)",
        "My reviews (0)",
        "All documents (1)",
    ]
    at.button(key=f"claim_{doc}").click()
    at.run()
    no_exception(at)
    assert at.title[0].value == "Youth Services Policy"
    assert any("You claimed" in s.value for s in at.success)
    assert "You hold the review lock" in texts(at)
    view = seed.svc.get_document(seed.actor("rita"), doc)
    assert view.state == "in_review" and view.summary.reviewer == "rita"


def test_workspace_before_claim_offers_claim_only(seed: Seed):
    doc = _submitted(seed)
    at = app_as(seed, "rita")
    goto(at, "pages/review_workspace.py", doc=doc)
    no_exception(at)
    labels = [b.label for b in at.button]
    assert "Claim for review" in labels
    assert not {"Approve", "Request changes", "Confirm", "Reject"} & set(labels)
    assert "Claim the document for review before deciding links." in texts(at)


def _claimed(seed: Seed) -> tuple[str, AppTest]:
    doc = _submitted(seed)
    seed.svc.transition(seed.actor("rita"), doc, "claim")
    at = app_as(seed, "rita")
    goto(at, "pages/review_workspace.py", doc=doc)
    no_exception(at)
    return doc, at


def _links(seed: Seed, doc: str):
    return seed.svc.links(seed.actor("rita"), doc)


def test_text_word_does_not_show_is_told_on_every_document_page(seed: Seed):
    """The uploader is told at upload that hidden or invisible text was left out; whoever opens
    the document later (a reviewer, another agency user) is told on the document's pages too,
    for the current version only."""
    from review.parsing import parse_bytes
    from tests import hostile_files as hf

    data = hf.hidden_text_docx()
    hidden = dict(parse_bytes(data, "policy.docx").left_out)["hidden"]
    notice = (
        f"Version 1: {hidden} words of hidden text that Word does not show were left out of "
        "the review."
    )
    plain = seed.upload("alice")
    r = seed.upload("alice", data)
    for doc in (plain.document_id, r.document_id):
        seed.svc.transition(seed.actor("alice"), doc, "submit")
        seed.svc.transition(seed.actor("rita"), doc, "claim")
    at = app_as(seed, "rita")
    goto(at, "pages/review_workspace.py", doc=r.document_id)
    no_exception(at)
    assert md_text(notice) in [i.value for i in at.info]
    goto(at, "pages/review_findings.py", doc=r.document_id)
    no_exception(at)
    assert md_text(notice) in [i.value for i in at.info]
    goto(at, "pages/review_workspace.py", doc=plain.document_id)
    no_exception(at)
    assert "Word does not show" not in texts(at)
    agency = app_as(seed, "alice")
    goto(agency, "pages/agency_document.py", doc=r.document_id)
    no_exception(agency)
    assert md_text(notice) in [i.value for i in agency.info]
    # a new version without hidden text: the notice goes with the version it was about
    seed.svc.transition(seed.actor("rita"), r.document_id, "request_changes", "Please revise.")
    seed.svc.upload(seed.actor("alice"), policy_docx(), "policy.docx", document_id=r.document_id)
    goto(agency, "pages/agency_document.py", doc=r.document_id)
    no_exception(agency)
    assert "Word does not show" not in texts(agency)


def test_workspace_highlights_evidence_escaped(seed: Seed):
    doc, at = _claimed(seed)
    html = "\n".join(h.value for h in at.get("html"))
    assert "<mark>" in html
    # coverage: progress bar text and gaps
    assert any(
        "required competencies decided" in p.value["text"] if isinstance(p.value, dict) else False
        for p in at.get("progress")
    ) or "required competencies decided" in str([p.proto for p in at.get("progress")])
    assert "Gaps" in texts(at)


def follow_page_link(at: AppTest, link) -> AppTest:  # type: ignore[no-untyped-def]
    """Do what a click on an ``st.page_link`` does: open the page it names (by the script hash
    st.navigation registered it under) with its query string. AppTest cannot click links."""
    from urllib.parse import parse_qsl

    page = at._registered_pages[link.proto.page_script_hash]  # the pages of this run
    target = Path(str(page["script_path"])).resolve().relative_to(Path(APP).parent)
    return goto(at, str(target), **dict(parse_qsl(link.proto.query_string)))


@pytest.mark.parametrize("username", ["rita", "admin"])
def test_workspace_links_to_the_findings_of_the_same_document(seed: Seed, username: str):
    from review.services.remediation import findings_for_editing

    # another document first, so a link that took the wrong one (or the first) would show
    other = seed.upload(
        "alice", policy_docx([("Office supplies", "Toner is ordered monthly.")], "Supplies Policy")
    ).document_id
    seed.svc.transition(seed.actor("alice"), other, "submit")
    doc = _submitted(seed)
    seed.svc.transition(seed.actor("rita"), doc, "claim")
    # one competency not applicable here: this document has one finding fewer than the other
    seed.svc.assess(seed.actor("rita"), doc, "C5", "not_applicable", "no residential program")
    at = app_as(seed, username)
    goto(at, "pages/review_workspace.py", doc=doc)
    no_exception(at)
    (link,) = [p for p in at.get("page_link") if p.proto.label == "Findings and remediation plan"]
    assert link.proto.query_string == f"doc={doc}"
    follow_page_link(at, link)
    no_exception(at)
    assert at.title[0].value == "Youth Services Policy"
    mine = findings_for_editing(seed.svc, seed.actor(username), doc)
    theirs = findings_for_editing(seed.svc, seed.actor(username), other)
    assert len(mine) == len(theirs) - 1  # the two documents' findings tell them apart
    assert [h.value for h in at.subheader] == [f"Findings ({len(mine)})"]
    assert [e.label for e in at.expander] == [f"{f.ref} · {f.name}" for f, _ in mine]
    # and back: the findings page links to the workspace of the same document
    back = [p for p in at.get("page_link") if p.proto.label == "Back to the workspace"]
    assert [b.proto.query_string for b in back] == [f"doc={doc}"]


def test_confirm_and_reject_needs_a_reason(seed: Seed):
    doc, at = _claimed(seed)
    section = at.selectbox(key=f"sec_{doc}").value
    sec_links = [lk for lk in _links(seed, doc) if lk.section_id == section]
    assert len(sec_links) >= 1
    first = sec_links[0]
    at.button(key=f"ok_{first.id}").click()
    at.run()
    no_exception(at)
    assert {lk.id: lk.state for lk in _links(seed, doc)}[first.id] == "confirmed"
    assert any("Confirmed" in s.value for s in at.success)

    # pick a section with another suggestion and reject it without, then with, a reason
    other = next(lk for lk in _links(seed, doc) if lk.state == "suggested")
    at.selectbox(key=f"sec_{doc}").set_value(other.section_id)
    at.run()
    at.button(key=f"rej_{other.id}").click()
    at.run()
    assert any("a rejection needs a reason" in e.value for e in at.error)
    assert {lk.id: lk.state for lk in _links(seed, doc)}[other.id] == "suggested"
    at.text_input(key=f"reason_{other.id}").input("Mentions the term only in passing")
    at.button(key=f"rej_{other.id}").click()
    at.run()
    rejected = {lk.id: lk for lk in _links(seed, doc)}[other.id]
    assert rejected.state == "rejected" and rejected.reason == "Mentions the term only in passing"


def test_add_a_link_by_hand_with_a_note(seed: Seed):
    doc, at = _claimed(seed)
    section = at.selectbox(key=f"sec_{doc}").value
    taken = {lk.competency for lk in _links(seed, doc) if lk.section_id == section}
    comp = next(c for c in ("C2", "C4", "C1", "C3") if c not in taken)
    at.selectbox(key=f"addc_{section}").set_value(comp)
    at.text_input(key=f"addn_{section}").input("Covered by the intake checklist")
    at.button(key=f"FormSubmitter:add_{doc}_{section}-Add link").click()
    at.run()
    no_exception(at)
    added = [lk for lk in _links(seed, doc) if lk.state == "added"]
    assert [(lk.section_id, lk.competency, lk.note) for lk in added] == [
        (section, comp, "Covered by the intake checklist")
    ]


def test_bulk_confirm_selected_rows(seed: Seed):
    doc, at = _claimed(seed)
    table = at.dataframe[0].value
    assert len(table) == len(_links(seed, doc))
    at.session_state[f"tbl_{doc}"] = {"selection": {"rows": [0, 1, 2], "columns": [], "cells": []}}
    at.run()
    no_exception(at)
    bulk = at.button(key=f"bulk_{doc}")
    assert bulk.label == "Confirm 3 selected suggestion(s)"
    bulk.click()
    at.run()
    no_exception(at)
    states = [lk.state for lk in _links(seed, doc)]
    assert states.count("confirmed") == 3
    assert any("Confirmed 3" in s.value for s in at.success)


def test_filters_narrow_the_table(seed: Seed):
    doc, at = _claimed(seed)
    all_rows = len(at.dataframe[0].value)
    at.multiselect(key=f"f_comp_{doc}").set_value(["C5"])
    at.run()
    rows = at.dataframe[0].value
    assert 0 < len(rows) < all_rows
    assert set(rows["Competency"].str.split(" ").str[0]) == {"C5"}
    at.multiselect(key=f"f_comp_{doc}").set_value([])
    at.multiselect(key=f"f_state_{doc}").set_value(["confirmed"])
    at.run()
    assert len(at.dataframe[0].value) == 0


def test_request_changes_needs_a_comment_then_agency_revises(seed: Seed):
    doc, at = _claimed(seed)
    submit = f"FormSubmitter:tr_form_request_changes_{doc}-Request changes"
    at.button(key=submit).click()
    at.run()
    assert any("comment" in e.value.lower() for e in at.error), texts(at)
    assert seed.svc.get_document(seed.actor("rita"), doc).state == "in_review"
    at.text_area(key=f"tr_comment_request_changes_{doc}").input(
        "Please add a section on safety planning."
    )
    at.button(key=submit).click()
    at.run()
    no_exception(at)
    assert seed.svc.get_document(seed.actor("rita"), doc).state == "changes_requested"

    agency = app_as(seed, "alice")
    assert any("Changes requested of my agency (1)" in w.value for w in agency.warning)
    goto(agency, "pages/agency_document.py", doc=doc)
    # the request, in full-contrast text escaped as HTML (issue 12)
    assert any("Please add a section on safety planning." in h.value for h in agency.get("html"))
    sections = [
        *[
            (h, t)
            for h, t in __import__("tests.e2e_support", fromlist=["SAMPLE_POLICY"]).SAMPLE_POLICY
        ],
        ("Safety Planning", "Each youth has a written safety plan reviewed with a case manager."),
    ]
    agency.file_uploader(key=f"rev_{doc}").set_value(
        ("policy-v2.docx", policy_docx(sections), "application/octet-stream")
    )
    agency.button(key=f"FormSubmitter:new_version_{doc}-Upload new version").click()
    agency.run()
    no_exception(agency)
    body = texts(agency)
    assert "Version 2 uploaded" in body
    assert "Carried over (section unchanged)" in body
    assert seed.svc.get_document(seed.actor("alice"), doc).state == "draft"


def test_approve_is_disabled_with_the_reason_until_every_suggestion_is_decided(seed: Seed):
    doc, at = _claimed(seed)
    undecided = len(_links(seed, doc))
    approve = at.button(key=f"tr_approve_{doc}")
    assert approve.label == "Approve" and approve.disabled
    assert f"{undecided} suggestions are still undecided." in texts(at)
    assert approve.help == f"{undecided} suggestions are still undecided."
    for lk in _links(seed, doc):
        seed.svc.confirm_link(seed.actor("rita"), doc, lk.id)
    at.run()
    assert "still undecided." not in texts(at)
    # the sample policy leaves required competencies open: approving asks for a conclusion and
    # the explicit acceptance of the open findings (issue 12; tested in full there)
    gaps = seed.svc.coverage_summary(seed.actor("rita"), doc).gaps
    at.text_area(key=f"tr_comment_approve_{doc}").input("Sound policy; gaps accepted.")
    at.checkbox(key=f"tr_accept_{doc}").check()
    at.button(key=f"FormSubmitter:tr_form_approve_{doc}-Approve with {gaps} open findings").click()
    at.run()
    no_exception(at)
    assert seed.svc.get_document(seed.actor("rita"), doc).state == "approved"
    downloads = [d.label for d in at.get("download_button")]
    assert "Review report (.docx)" in downloads and "Coverage matrix (.csv)" in downloads


def test_a_second_reviewer_sees_who_holds_the_lock_and_cannot_decide(seed: Seed):
    doc, _ = _claimed(seed)
    at = app_as(seed, "rob")
    goto(at, "pages/review_workspace.py", doc=doc)
    no_exception(at)
    assert "Review lock held by **Rita Reviewer**" in texts(at)
    assert not [b for b in at.button if b.label in ("Confirm", "Reject")]
    # the service's reason, with the holder's name, and the transitions shown disabled
    assert any(i.value.startswith("Rita Reviewer holds the review lock") for i in at.info)
    assert at.button(key=f"tr_approve_{doc}").disabled
    assert not at.get("text_area")  # no comment form for a refused "Request changes"
    assert "Release the review lock" not in [b.label for b in at.button]


# --------------------------------------------------------------------------- admin


def test_admin_creates_an_agency_and_a_user_and_deactivates_them(seed: Seed):
    at = app_as(seed, "admin")
    goto(at, "pages/admin_users.py")
    no_exception(at)
    assert set(at.dataframe[0].value["Username"]) == {"admin", "rita", "rob", "alice", "bert"}
    at.text_input(key="na_name").input("Riverside Family Center")
    at.button(key="FormSubmitter:new_agency-Create agency").click()
    at.run()
    assert any("Riverside Family Center" in s.value for s in at.success)
    agency = next(
        a
        for a in seed.svc.list_agencies(seed.actor("admin"))
        if a.name == "Riverside Family Center"
    )
    at.text_input(key="nu_username").input("carol")
    at.text_input(key="nu_display").input("Carol Caseworker")
    at.selectbox(key="nu_role").set_value("agency_user")
    at.selectbox(key="nu_agency").set_value(agency.id)
    at.text_input(key="nu_password").input("short")
    at.button(key="FormSubmitter:new_user-Create user").click()
    at.run()
    assert any("at least" in e.value for e in at.error)  # the service's password rule
    at.text_input(key="nu_username").input("carol")
    at.selectbox(key="nu_role").set_value("agency_user")
    at.selectbox(key="nu_agency").set_value(agency.id)
    at.text_input(key="nu_password").input("a-long-enough-password")
    at.button(key="FormSubmitter:new_user-Create user").click()
    at.run()
    no_exception(at)
    users = {u.username: u for u in seed.svc.list_users(seed.actor("admin"))}
    assert users["carol"].agency_name == "Riverside Family Center"
    at.selectbox(key="ch_user").set_value("carol")
    at.run()
    at.button(key="ch_active").click()
    at.run()
    assert {u.username: u for u in seed.svc.list_users(seed.actor("admin"))}["carol"].active
    at.button(key="ch_confirm").click()  # the confirmation step
    at.run()
    assert not {u.username: u for u in seed.svc.list_users(seed.actor("admin"))}["carol"].active


def test_admin_changes_a_role(seed: Seed):
    at = app_as(seed, "admin")
    goto(at, "pages/admin_users.py")
    at.selectbox(key="ch_user").set_value("rob")
    at.run()
    at.selectbox(key="ch_role").set_value("admin")
    at.button(key="FormSubmitter:change_role-Change role").click()
    at.run()
    assert any("Change the role of rob to administrator?" in w.value for w in at.warning)
    at.button(key="ch_confirm").click()
    at.run()
    no_exception(at)
    assert {u.username: u.role for u in seed.svc.list_users(seed.actor("admin"))}["rob"] == "admin"


def test_admin_changes_a_display_name_and_a_look_alike_is_refused(seed: Seed):
    at = app_as(seed, "admin")
    goto(at, "pages/admin_users.py")
    at.selectbox(key="ch_user").set_value("rob")
    at.run()
    assert at.text_input(key="ch_name_rob").value == "Rob Reviewer"
    # "Rita Reviewer" with a Cyrillic a: refused with the service's message, nothing changed
    at.text_input(key="ch_name_rob").input("Rit\u0430 Reviewer")
    at.button(key="FormSubmitter:change_name-Change display name").click()
    at.run()
    no_exception(at)
    assert any(
        "looks too much like" in e.value and "the name of rita" in e.value for e in at.error
    ), texts(at)
    assert {u.username: u.display_name for u in seed.svc.list_users(seed.actor("admin"))}[
        "rob"
    ] == "Rob Reviewer"
    at.text_input(key="ch_name_rob").input("Robert  Reviewer")
    at.button(key="FormSubmitter:change_name-Change display name").click()
    at.run()
    no_exception(at)
    assert any("rob is now shown as Robert Reviewer." in s.value for s in at.success)
    assert "Robert Reviewer" in list(at.dataframe[0].value["Name"])
    assert at.text_input(key="ch_name_rob").value == "Robert Reviewer"  # as stored
    (event,) = seed.svc.audit_events(seed.actor("admin"), action="user_display_name", limit=None)
    assert event.after == {"display_name": "Robert Reviewer"}


def test_admin_frameworks_lists_items_and_validates_an_import(seed: Seed):
    at = app_as(seed, "admin")
    goto(at, "pages/admin_frameworks.py")
    no_exception(at)
    assert "wisconsin-2017" in list(at.dataframe[0].value["Id"])
    items = at.dataframe[1].value
    assert {"C1", "C6.xi", "A12"} <= set(items["Id"])
    c5 = items[items["Id"] == "C5"].iloc[0]
    assert "vicarious trauma" in c5["Strong phrases"] + c5["Match phrases"]
    bad = "framework_id,id,statement\nx,Q1,\n"
    at.file_uploader(key="fw_import_0").set_value(("bad.csv", bad.encode(), "text/csv"))
    at.run()
    no_exception(at)
    assert any("Q1" in e.value and "empty statement" in e.value for e in at.error)
    shipped = (
        "framework_id,framework_title,framework_version,id,label,tier,statement,phrases\n"
        "wisconsin-2017,Mine,9,D1,Item 1,core,Staff know the policy.,policy\n"
    )
    at.file_uploader(key="fw_import_0").set_value(("shipped.csv", shipped.encode(), "text/csv"))
    at.run()
    assert any("shipped with the application" in e.value for e in at.error)
    assert "Install this framework" not in [b.label for b in at.button]
    good = (
        "framework_id,framework_title,framework_version,id,label,tier,statement,phrases\n"
        "demo,Demo,1,D1,Item 1,core,Staff know the policy.,policy;handbook\n"
    )
    at.file_uploader(key="fw_import_0").set_value(("good.csv", good.encode(), "text/csv"))
    at.run()
    assert any("demo" in s.value and "1 items, valid" in s.value for s in at.success)
    assert not (seed.data_dir / "frameworks" / "demo.yaml").exists()  # validated only
    at.button(key="fw_install").click()
    at.run()
    no_exception(at)
    assert any("Framework demo version 1 installed" in s.value for s in at.success)
    assert (seed.data_dir / "frameworks" / "demo.yaml").is_file()
    listing = at.dataframe[0].value
    assert set(listing["Id"]) == {"wisconsin-2017", "demo"}
    row = listing[listing["Id"] == "demo"].iloc[0]
    assert row["Installed"].startswith("imported by admin")
    assert at.file_uploader(key="fw_import_1").value is None  # a fresh uploader
    assert [i.framework_id for i in seed.svc.framework_imports(seed.actor("admin"))] == ["demo"]


def test_admin_audit_trail_shows_every_transition(seed: Seed):
    doc, _ = _claimed(seed)
    at = app_as(seed, "admin")
    goto(at, "pages/admin_audit.py")
    no_exception(at)
    trail = at.dataframe[1].value
    assert list(trail["Action"]) == ["Claim for review", "Submit for review", "Upload"]
    assert set(trail["Document"]) == {"Youth Services Policy"}


def test_reviewer_cannot_reach_admin_pages(seed: Seed):
    at = app_as(seed, "rita")
    for page in (
        "pages/admin_audit.py",
        "pages/admin_users.py",
        "pages/admin_frameworks.py",
        "pages/admin_learning.py",
    ):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)


def _approved(seed: Seed) -> str:
    doc = _submitted(seed)
    rita = seed.actor("rita")
    seed.svc.transition(rita, doc, "claim")
    for lk in seed.svc.links(rita, doc):
        seed.svc.confirm_link(rita, doc, lk.id)
    approve(seed.svc, rita, doc)
    return doc


def test_agency_downloads_reports_of_its_approved_document(seed: Seed):
    doc = _approved(seed)
    at = app_as(seed, "alice")
    goto(at, "pages/agency_document.py", doc=doc)
    no_exception(at)
    labels = [d.label for d in at.get("download_button")]
    assert labels == [
        "Review report (.docx)",
        "Annotated policy (.docx)",
        "Coverage matrix (.csv)",
        "Coverage matrix (.xlsx)",
    ]


def test_no_downloads_while_the_review_is_in_progress_for_the_agency(seed: Seed):
    doc, _ = _claimed(seed)
    at = app_as(seed, "alice")
    goto(at, "pages/agency_document.py", doc=doc)
    no_exception(at)
    assert not at.get("download_button")
    assert "Reports can be downloaded once the review is finished" in texts(at)


def test_admin_reopens_an_approved_review_with_a_comment(seed: Seed):
    doc = _approved(seed)
    at = app_as(seed, "admin")
    goto(at, "pages/review_workspace.py", doc=doc)
    no_exception(at)
    at.text_area(key=f"tr_comment_reopen_{doc}").input("The agency asked for a second look.")
    at.button(key=f"FormSubmitter:tr_form_reopen_{doc}-Reopen").click()
    at.run()
    no_exception(at)
    assert seed.svc.get_document(seed.actor("admin"), doc).state == "in_review"
    history = seed.svc.history(seed.actor("admin"), doc)
    assert (history[-1].action, history[-1].comment) == (
        "reopen",
        "The agency asked for a second look.",
    )


def test_an_unexpected_failure_shows_a_calm_message_not_a_traceback(seed: Seed, monkeypatch):
    from review.services import ReviewService

    doc, _ = _claimed(seed)

    def boom(self, *a, **k):
        raise RuntimeError("disk on fire at /secret/path")

    monkeypatch.setattr(ReviewService, "links", boom)
    at = app_as(seed, "rita")
    goto(at, "pages/review_workspace.py", doc=doc)
    no_exception(at)
    body = texts(at)
    assert "Something went wrong on our side" in body
    assert "/secret/path" not in body and "Traceback" not in body


# --------------------------------------------------------------------------- second round


def test_confirm_all_shown_is_one_bulk_service_call(seed: Seed, monkeypatch):
    from review.services import ReviewService

    doc, at = _claimed(seed)

    def single(self, *a, **k):
        raise AssertionError("the page must confirm in bulk, not link by link")

    monkeypatch.setattr(ReviewService, "confirm_link", single)
    at.multiselect(key=f"f_comp_{doc}").set_value(["C5"])
    at.run()
    shown = len(at.dataframe[0].value)
    button = at.button(key=f"bulk_shown_{doc}")
    assert button.label == f"Confirm all {shown} undecided suggestion(s) shown"
    button.click()
    at.run()
    no_exception(at)
    assert any(f"Confirmed {shown}" in s.value for s in at.success)
    links = _links(seed, doc)
    assert sorted(lk.competency for lk in links if lk.state == "confirmed") == ["C5"] * shown
    assert any(lk.state == "suggested" for lk in links)


def test_bulk_confirm_after_losing_the_lock_confirms_nothing(seed: Seed):
    doc, at = _claimed(seed)
    at.session_state[f"tbl_{doc}"] = {"selection": {"rows": [0, 1], "columns": [], "cells": []}}
    at.run()
    assert at.button(key=f"bulk_{doc}").label == "Confirm 2 selected suggestion(s)"
    # meanwhile an admin releases the lock and Rob takes it
    seed.svc.release_lock(seed.actor("admin"), doc)
    seed.svc.acquire_lock(seed.actor("rob"), doc)
    at.button(key=f"bulk_{doc}").click()
    at.run()
    no_exception(at)
    assert f"bulk_{doc}" not in [b.key for b in at.button]
    assert any(i.value.startswith("Rob Reviewer holds the review lock") for i in at.info)
    assert {lk.state for lk in _links(seed, doc)} == {"suggested"}


def test_workspace_offers_only_the_reviews_competencies(seed: Seed):
    doc, at = _claimed(seed)  # Northwoods is a general agency: core competencies only
    section = at.selectbox(key=f"sec_{doc}").value
    options = at.selectbox(key=f"addc_{section}").options
    assert options and not [o for o in options if o.startswith("A")]


def test_my_documents_shows_the_last_action_without_reading_histories(seed: Seed, monkeypatch):
    from review.services import ReviewService

    r = seed.upload("alice")
    seed.svc.transition(seed.actor("alice"), r.document_id, "submit")
    seed.svc.comment(seed.actor("rita"), r.document_id, "We will look at it this week.")

    def no_history(self, *a, **k):
        raise AssertionError("My documents must not read each document's history")

    monkeypatch.setattr(ReviewService, "history", no_history)
    at = app_as(seed, "alice")
    no_exception(at)
    last = at.dataframe[0].value
    assert list(last["Last action"]) == ["Comment"]
    assert list(last["By"]) == ["Rita Reviewer"]
    assert list(last["When"])[0] != "—"


def test_sidebar_names_the_agency_user_and_their_agency(seed: Seed):
    at = app_as(seed, "alice")
    assert [m.value for m in at.sidebar.markdown][:1] == ["**Alice Agency**"]
    assert "Agency user · Northwoods Youth Services" in [c.value for c in at.sidebar.caption]
    at = app_as(seed, "rita")
    assert "Reviewer" in [c.value for c in at.sidebar.caption]


def _comments(seed: Seed, doc: str, n: int) -> None:
    rita = seed.actor("rita")
    for i in range(n):
        seed.svc.comment(rita, doc, f"note {i}")


def test_audit_trail_filters_by_agency_and_loads_more(seed: Seed):
    a = seed.upload("alice").document_id
    b = seed.upload("bert").document_id
    _comments(seed, a, 205)  # more than one page of entries
    at = app_as(seed, "admin")
    goto(at, "pages/admin_audit.py")
    no_exception(at)
    trail = at.dataframe[1].value
    assert len(trail) == 200
    assert list(trail["Action"])[:1] == ["Comment"]
    assert "the newest; load more below" in texts(at)
    at.button(key="audit_more").click()
    at.run()
    no_exception(at)
    trail = at.dataframe[1].value
    assert len(trail) == 207  # 205 comments and two uploads
    assert "audit_more" not in [b.key for b in at.button]
    at.selectbox(key="audit_agency").set_value(seed.agency_b.id)
    at.run()
    trail = at.dataframe[1].value
    assert list(trail["Document"]) == ["Youth Services Policy"]
    assert list(trail["Agency"]) == ["Lakeshore Safe Harbor"]
    assert list(trail["By"]) == ["Bert Other-Agency"]
    at.selectbox(key="audit_agency").set_value("")
    at.selectbox(key="audit_action").set_value("upload")
    at.run()
    assert list(at.dataframe[1].value["Action"]) == ["Upload", "Upload"]
    assert b and a


def test_every_role_changes_their_own_password_on_the_account_page(seed: Seed):
    for username in ("alice", "rita", "admin"):
        at = app_as(seed, username)
        goto(at, "pages/account.py")
        no_exception(at)
        assert at.title[0].value == "Account"
        submit = "FormSubmitter:change_password-Change password"
        at.text_input(key="pw_current").input(seed.passwords[username])
        at.text_input(key="pw_new").input("a fresh long password")
        at.text_input(key="pw_again").input("a fresh long passwort")
        at.button(key=submit).click()
        at.run()
        assert any("two new passwords differ" in e.value for e in at.error)
        at.text_input(key="pw_current").input("not my password")
        at.text_input(key="pw_new").input("a fresh long password")
        at.text_input(key="pw_again").input("a fresh long password")
        at.button(key=submit).click()
        at.run()
        assert any("current password is wrong" in e.value for e in at.error)
        at.text_input(key="pw_current").input(seed.passwords[username])
        at.text_input(key="pw_new").input("a fresh long password")
        at.text_input(key="pw_again").input("a fresh long password")
        at.button(key=submit).click()
        at.run()
        no_exception(at)
        assert any("password was changed" in s.value for s in at.success)
        assert seed.svc.authenticate(username, "a fresh long password").username == username


def test_admin_resets_a_password_shown_once(seed: Seed):
    at = app_as(seed, "admin")
    goto(at, "pages/admin_users.py")
    assert "ch_reset" not in [b.key for b in at.button]  # not for the admin's own account
    at.selectbox(key="ch_user").set_value("rob")
    at.run()
    at.button(key="ch_reset").click()
    at.run()
    no_exception(at)
    (code,) = at.code
    new = code.value
    assert any("New password for **rob**" in w.value for w in at.warning)
    assert seed.svc.authenticate("rob", new).username == "rob"
    at.run()
    assert not at.code  # shown once
    assert new not in texts(at)


def test_admin_learning_shows_decisions_and_switches_learning_off_and_resets(seed: Seed):
    doc = _submitted(seed)
    rita = seed.actor("rita")
    seed.svc.transition(rita, doc, "claim")
    links = seed.svc.links(rita, doc)
    seed.svc.confirm_link(rita, doc, links[0].id)
    at = app_as(seed, "admin")
    goto(at, "pages/admin_learning.py")
    no_exception(at)
    assert at.metric[0].value == "1"
    # one reviewed document: the learned model orders, the shipped one sets how many
    assert seed.svc.learning_status(seed.actor("admin")).volume_from_shipped
    assert any("as many as the shipped model" in m.value for m in at.markdown)
    at.toggle(key="learning_enabled").set_value(False)
    at.run()
    no_exception(at)
    assert not seed.svc.learning_status(seed.actor("admin")).enabled
    at.button(key="FormSubmitter:learning_reset-Reset learning").click()
    at.run()
    assert any("Tick the box" in e.value for e in at.error)
    at.checkbox[0].check()
    at.button(key="FormSubmitter:learning_reset-Reset learning").click()
    at.run()
    no_exception(at)
    assert seed.svc.learning_status(seed.actor("admin")).decisions == 0


def test_workspace_quotes_each_suggestions_evidence_sentence_as_text(seed: Seed):
    doc, at = _claimed(seed)
    section = at.selectbox(key=f"sec_{doc}").value
    shown = [lk for lk in _links(seed, doc) if lk.section_id == section and lk.sentences]
    assert shown
    quotes = [m.value for m in at.markdown if m.value.startswith("> ")]
    for lk in shown:
        assert "> " + md_text(lk.sentences[0]) in quotes


def test_workspace_says_why_each_suggestion_has_its_score(seed: Seed):
    """The reasons stored with each suggested link (the model's largest terms) are shown with it,
    and go once it is decided."""
    from review.viewmodels import reasons_lines

    doc, at = _claimed(seed)
    section = at.selectbox(key=f"sec_{doc}").value
    shown = [lk for lk in _links(seed, doc) if lk.section_id == section and lk.reasons]
    assert shown and all(lk.state == "suggested" for lk in shown)
    assert all(any(sign == "+" for sign, _ in lk.reasons) for lk in shown)
    captions = [c.value for c in at.caption]
    for lk in shown:
        lines = reasons_lines(lk.reasons)
        assert lines[0].startswith("Score raised by: ")
        assert all(md_text(line) in captions for line in lines)
    seed.svc.confirm_link(seed.actor("rita"), doc, shown[0].id)
    at.run()
    no_exception(at)
    raised = [c.value for c in at.caption if c.value.startswith("Score raised by")]
    assert len(raised) == len(shown) - 1


def test_workspace_where_to_look_opens_the_engines_next_best_section(seed: Seed):
    """A specialized agency's policy, so the Advanced Competencies are required too; a
    competency whose suggestions are all rejected gets its next-best sections, and a click on
    one opens it."""
    from tests.test_services import STAFF_WELLNESS, docx_bytes

    bert, rita = seed.actor("bert"), seed.actor("rita")
    doc = seed.svc.upload(bert, docx_bytes(STAFF_WELLNESS), "wellness.docx").document_id
    seed.svc.transition(bert, doc, "submit")
    seed.svc.transition(rita, doc, "claim")
    at = app_as(seed, "rita")
    goto(at, "pages/review_workspace.py", doc=doc)
    no_exception(at)
    links = _links(seed, doc)
    near = {}
    for comp in dict.fromkeys(lk.competency for lk in links):
        for lk in links:
            if lk.competency == comp:
                seed.svc.reject_link(rita, doc, lk.id, "mentions it only")
        near = seed.svc.near_misses(rita, doc)
        if comp in near:
            break
    assert near, "no rejected competency has a runner-up section"
    at.run()
    no_exception(at)
    comp, misses = next(iter(near.items()))
    m = misses[0]
    button = at.button(key=f"look_{doc}_{comp}_{m.section_id}")
    assert button.label == f"{md_text(m.section_title)} · score {m.score:.0f}"
    button.click()
    at.run()
    no_exception(at)
    assert at.selectbox(key=f"sec_{doc}").value == m.section_id


@pytest.mark.parametrize(
    ("page", "lists"),
    [
        ("pages/review_workspace.py", ["Awaiting review (1)", "My reviews (1)"]),
        ("pages/review_findings.py", ["My reviews (1)", "All documents (2)"]),
    ],
)
def test_document_pages_without_a_document_list_the_reviewers_worklists(seed: Seed, page, lists):
    claimed = _submitted(seed)
    seed.svc.transition(seed.actor("rita"), claimed, "claim")
    _submitted(seed)  # a second one, awaiting review
    at = app_as(seed, "rita")
    goto(at, page)
    no_exception(at)
    assert [h.value for h in at.subheader] == lists


def test_workspace_shows_list_items_with_the_numbers_word_draws(seed: Seed):
    """A policy's automatically numbered list reads in the workspace as Word shows it ("1. …"),
    with the evidence still marked on its own words."""
    from tests.docx_factory import add_items, define_list, new_document, set_numbering, to_bytes

    doc = new_document()
    n = define_list(doc, 100, [("decimal", "%1.")])
    add_items(doc, [("title", "Reporting Policy"), ("h1", "Mandated reporting")])
    for text in (
        "Every staff member is a mandated reporter of suspected child abuse and neglect.",
        "Staff call the child abuse hotline at once and write up the report the same day.",
    ):
        set_numbering(doc.add_paragraph(text), n, 0)
    r = seed.upload("alice", to_bytes(doc), "reporting.docx")
    seed.svc.transition(seed.actor("alice"), r.document_id, "submit")
    seed.svc.transition(seed.actor("rita"), r.document_id, "claim")
    at = app_as(seed, "rita")
    goto(at, "pages/review_workspace.py", doc=r.document_id)
    no_exception(at)
    html = "\n".join(h.value for h in at.get("html"))
    assert "<br>1. Every staff member is a " in html
    assert "<br>2. Staff call the " in html
    assert "<mark>" in html
