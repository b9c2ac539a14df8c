"""Issue 12, item 6: the audit trail of everything that changes a decision or an account —
real services on a real TinyDB store, and the admin page under AppTest."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from review.audit import client_scope
from review.errors import AuthenticationFailed
from tests.e2e_support import Seed, approve
from tests.test_app_pages import app_as, goto, no_exception


@pytest.fixture
def seed(data_dir: Path) -> Seed:
    return Seed(data_dir)


def _journey(seed: Seed) -> str:
    svc = seed.svc
    alice, rita, admin = seed.actor("alice"), seed.actor("rita"), seed.actor("admin")
    doc = seed.upload("alice").document_id
    svc.transition(alice, doc, "submit")
    svc.transition(rita, doc, "claim")
    links = svc.links(rita, doc)
    svc.confirm_link(rita, doc, links[0].id)
    svc.reject_link(rita, doc, links[1].id, "mentions it only in passing")
    svc.confirm_links(rita, doc, [lk.id for lk in links[2:]])
    sections = svc.sections(rita, doc)
    added = svc.add_link(rita, doc, sections[0].id, "C2", "intake checklist")
    svc.remove_link(rita, doc, added.id)
    svc.assess(rita, doc, "C5", "not_applicable", "no residential program")
    approve(svc, rita, doc, "Approved with gaps accepted.")
    svc.set_role(admin, "rob", "admin")
    svc.set_user_active(admin, "bert", False)
    svc.set_display_name(admin, "rob", "Robert Reviewer")
    svc.reset_password(admin, "alice")
    svc.set_password(rita, "rita", "another long password", seed.passwords["rita"])
    with pytest.raises(AuthenticationFailed):
        svc.authenticate("rob", "not the password", "203.0.113.9")
    with pytest.raises(AuthenticationFailed):
        svc.authenticate("my-secret-typed-as-name", "x", "203.0.113.9")
    return doc


def test_every_change_to_a_decision_or_an_account_is_recorded(seed: Seed):
    doc = _journey(seed)
    admin = seed.svc.authenticate("admin", seed.passwords["admin"], "t")
    events = seed.svc.audit_events(admin, limit=None)
    actions = [e.action for e in events]
    for expected in (
        "user_create",
        "sign_in",
        "sign_in_failed",
        "upload",
        "transition",
        "link_decide",
        "link_confirm_bulk",
        "link_add",
        "link_remove",
        "assessment",
        "user_role",
        "user_active",
        "user_display_name",
        "password_reset",
        "password_change",
    ):
        assert expected in actions, expected
    # newest first
    assert [e.time for e in events] == sorted((e.time for e in events), reverse=True)
    reject = next(e for e in events if e.action == "link_decide" and e.after["state"] == "rejected")
    assert reject.actor == "rita" and reject.document_id == doc
    assert reject.before["state"] == "suggested" and reject.after["reason"].startswith("mentions")
    role = next(e for e in events if e.action == "user_role")
    assert (role.target, role.before["role"], role.after["role"]) == ("rob", "reviewer", "admin")
    renamed = next(e for e in events if e.action == "user_display_name")
    assert (renamed.actor, renamed.target) == ("admin", "rob")
    assert renamed.before == {"display_name": "Rob Reviewer"}
    assert renamed.after == {"display_name": "Robert Reviewer"}
    approved = next(e for e in events if e.action == "transition" and e.target == "approve")
    assert approved.after["state"] == "approved"
    assert approved.after["accepted_count"] == len(approved.after["accepted_findings"]) > 0
    failed = [e for e in events if e.action == "sign_in_failed"]
    assert {e.actor for e in failed} == {"rob", ""}  # an unknown username is never stored


def test_no_document_text_or_password_in_the_trail(seed: Seed, data_dir: Path):
    _journey(seed)
    raw = b"".join(p.read_bytes() for p in (data_dir / "store" / "audit").glob("*.jsonl"))
    text = raw.decode("utf-8")
    for pw in seed.passwords.values():
        assert pw not in text
    assert "another long password" not in text and "my-secret-typed-as-name" not in text
    assert "scrypt" not in text and "$" not in text
    from tests.e2e_support import SAMPLE_POLICY

    for _, body in SAMPLE_POLICY:
        assert body[:40] not in text


def test_filters_and_csv_export(seed: Seed):
    doc = _journey(seed)
    admin = seed.svc.authenticate("admin", seed.passwords["admin"], "t")
    mine = seed.svc.audit_events(admin, document_id=doc, limit=None)
    assert mine and {e.document_id for e in mine} == {doc}
    by_rita = seed.svc.audit_events(admin, username="RITA", limit=None)
    assert by_rita and {e.actor for e in by_rita} == {"rita"}
    agency = seed.svc.audit_events(admin, agency_id=seed.agency_a.id, limit=None)
    assert agency and {e.agency_id for e in agency} == {seed.agency_a.id}
    only = seed.svc.audit_events(admin, action="assessment", limit=None)
    assert [e.target for e in only] == ["C5"]
    today = mine[0].time[:10]
    assert seed.svc.audit_events(admin, since=today, until=today, document_id=doc, limit=None)
    assert not seed.svc.audit_events(admin, until="2000-01-01", limit=None)
    rows = list(
        csv.DictReader(io.StringIO(seed.svc.audit_csv(admin, document_id=doc).decode("utf-8-sig")))
    )
    assert len(rows) == len(mine) and {r["document_id"] for r in rows} == {doc}
    with pytest.raises(Exception, match="only an admin"):
        seed.svc.audit_events(seed.svc.actor("rita"))


def test_the_trail_is_append_only_and_names_the_client(seed: Seed, data_dir: Path):
    files = list((data_dir / "store" / "audit").glob("*.jsonl"))
    before = b"".join(p.read_bytes() for p in files)
    with client_scope("web 198.51.100.7"):
        seed.svc.create_agency(seed.actor("admin"), "Harbor House", "general")
    after = b"".join(p.read_bytes() for p in sorted((data_dir / "store" / "audit").glob("*.jsonl")))
    assert after.startswith(before) or len(files) != 1  # appended, never rewritten
    admin = seed.svc.authenticate("admin", seed.passwords["admin"], "t")
    created = seed.svc.audit_events(admin, action="agency_create", limit=1)[0]
    assert created.client == "web 198.51.100.7" and created.after["name"] == "Harbor House"
    repo_methods = {m for m in dir(seed.svc.repo) if "audit" in m}
    assert repo_methods == {"append_audit", "audit_events", "_audit"}  # nothing edits or deletes


def test_a_torn_last_line_is_skipped_and_the_next_append_starts_fresh(seed: Seed, data_dir: Path):
    path = sorted((data_dir / "store" / "audit").glob("*.jsonl"))[-1]
    with path.open("ab") as fh:
        fh.write(b'{"time": "2026-')  # a writer killed mid-line
    seed.svc.create_agency(seed.actor("admin"), "Pine Ridge", "general")
    admin = seed.svc.authenticate("admin", seed.passwords["admin"], "t")
    assert (
        seed.svc.audit_events(admin, action="agency_create", limit=1)[0].after["name"]
        == "Pine Ridge"
    )


def test_admin_page_filters_and_exports(seed: Seed):
    doc = _journey(seed)
    at = app_as(seed, "admin")
    goto(at, "pages/admin_audit.py")
    no_exception(at)
    table = at.dataframe[0].value
    assert {"When", "Action", "By", "Client", "Change"} <= set(table.columns)
    at.text_input(key="ev_doc").input(doc)
    at.selectbox(key="ev_action").set_value("link_decide")
    at.run()
    no_exception(at)
    table = at.dataframe[0].value
    assert len(table) == 2 and set(table["By"]) == {"rita"}
    assert any("suggested → " in c for c in table["Change"])
    assert [d.label for d in at.get("download_button")] == ["Export the filtered trail (.csv)"]


# --------------------------------------------------------------------------- item 8 (services)


def test_sessions_are_revoked_on_password_role_and_deactivation(seed: Seed):
    from review.errors import AuthenticationFailed as Refused

    svc = seed.svc

    def session(username: str) -> str:
        token, max_age = svc.open_session(svc.grant_sign_in(seed.actor(username)), "t")
        assert max_age == 12 * 3600
        assert svc.resume_session(token).username == username
        return token

    t = session("rob")
    svc.set_role(seed.actor("admin"), "rob", "admin")
    with pytest.raises(Refused, match="ended"):
        svc.resume_session(t)
    t = session("alice")
    svc.reset_password(seed.actor("admin"), "alice")
    with pytest.raises(Refused):
        svc.resume_session(t)
    t = session("bert")
    svc.set_user_active(seed.actor("admin"), "bert", False)
    with pytest.raises(Refused):
        svc.resume_session(t)
    t = session("rita")
    svc.end_session(t)
    with pytest.raises(Refused):
        svc.resume_session(t)
    with pytest.raises(Refused):
        svc.resume_session("forged")
    code = svc.grant_sign_in(seed.actor("rita"))
    svc.open_session(code)
    with pytest.raises(Refused, match="expired"):
        svc.open_session(code)  # a code works once
