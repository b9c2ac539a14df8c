"""ReviewService end to end on real .docx files (python-docx), the real parser and suggester, and
the real TinyDB store on a temporary directory."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import docx
import pytest

from review.auth import Actor, hash_password
from review.demo import CONFIDENTIALITY, MANDATED_REPORTING, STAFF_WELLNESS, policy_docx
from review.errors import (
    LockHeld,
    NotFound,
    PermissionDenied,
    TransitionRefused,
    UnreadableDocument,
    ValidationFailed,
)
from review.services import ReviewService
from tests.conftest import stored_originals
from tests.e2e_support import approve

# every test runs on the TinyDB store and on PostgreSQL (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("store_backend")

PASSWORD = "a long enough password"
_HASH = hash_password(PASSWORD)  # once: scrypt is slow on purpose


_DOCX: dict[str, bytes] = {}


def docx_bytes(policy) -> bytes:
    """The .docx of a policy, built once (python-docx stamps the time into the zip)."""
    if policy[0] not in _DOCX:
        _DOCX[policy[0]] = policy_docx(policy)
    return _DOCX[policy[0]]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)  # every call a little later: orderly timestamps
        return self.now

    def advance(self, **kw) -> None:
        self.now += timedelta(**kw)


class World:
    def __init__(self, data_dir: Path):
        self.clock = Clock()
        self.svc = ReviewService(data_dir=data_dir, clock=self.clock)
        repo = self.svc.repo
        repo.add_agency({"id": "agA", "name": "Northwoods", "kind": "general", "created_at": ""})
        repo.add_agency(
            {"id": "agB", "name": "Harbor Light", "kind": "specialised", "created_at": ""}
        )
        people = {
            "alice": ("agency_user", "agA"),
            "amy": ("agency_user", "agA"),
            "bert": ("agency_user", "agB"),
            "rita": ("reviewer", None),
            "rob": ("reviewer", None),
            "ada": ("admin", None),
        }
        for name, (role, ag) in people.items():
            repo.add_user(
                {
                    "username": name,
                    "display_name": name.title(),
                    "role": role,
                    "agency_id": ag,
                    "active": True,
                    "password": _HASH,
                    "created_at": "",
                }
            )
        self.alice, self.amy, self.bert, self.rita, self.rob, self.ada = (
            Actor(n, people[n][0], people[n][1])
            for n in ("alice", "amy", "bert", "rita", "rob", "ada")
        )

    def upload(self, actor: Actor, policy=STAFF_WELLNESS, **kw):
        return self.svc.upload(actor, docx_bytes(policy), "policy.docx", **kw)

    def to_state(self, state: str, policy=STAFF_WELLNESS) -> str:
        """A document of agency A driven to ``state`` the regular way."""
        s = self.svc
        doc = self.upload(self.alice, policy).document_id
        if state == "draft":
            return doc
        s.transition(self.alice, doc, "submit")
        if state == "submitted":
            return doc
        s.transition(self.rita, doc, "claim")
        if state == "in_review":
            return doc
        if state == "changes_requested":
            s.transition(self.rita, doc, "request_changes", "please add a section on training")
            return doc
        self.decide_all(doc)
        approve(s, self.rita, doc)
        assert state == "approved"
        return doc

    def decide_all(self, doc: str, actor: Actor | None = None) -> None:
        for link in self.svc.links(actor or self.rita, doc):
            if link.state == "suggested":
                self.svc.confirm_link(actor or self.rita, doc, link.id)


@pytest.fixture
def w(data_dir: Path) -> World:
    return World(data_dir)


# --------------------------------------------------------------------------- upload


def test_upload_parses_suggests_and_stores(w: World, data_dir: Path):
    r = w.upload(w.alice, STAFF_WELLNESS)
    assert r.version == 1 and r.state == "draft" and r.transition is None
    assert r.section_count >= 5 and r.suggestion_count > 0
    doc = w.svc.get_document(w.alice, r.document_id)
    assert doc.title == "Staff Wellness and Vicarious Trauma Policy"
    assert doc.summary.agency_name == "Northwoods" and doc.agency_kind == "general"
    assert doc.actions == ("submit",)
    v = doc.versions[0]
    assert v.framework_id == "wisconsin-2017" and v.framework_version and v.uploaded_by == "alice"
    assert stored_originals(data_dir)[v.sha256] == docx_bytes(STAFF_WELLNESS)
    links = w.svc.links(w.alice, r.document_id)
    assert {lk.state for lk in links} == {"suggested"}
    assert "C5" in {lk.competency for lk in links}  # vicarious trauma / EAP sections
    # a general agency: only Core competencies are suggested
    assert all(not lk.competency.startswith("A") for lk in links)
    titles = {s.id: s.title for s in w.svc.sections(w.alice, r.document_id)}
    assert all(lk.section_id in titles for lk in links)
    assert w.svc.history(w.alice, r.document_id)[0].action == "upload"


def test_each_version_says_what_text_word_does_not_show_was_left_out(w: World):
    """The stored version keeps the counts of the text left out (hidden / invisible), and the
    document view reads them back per version, from either store."""
    from review.parsing import parse_bytes
    from tests import hostile_files as hf

    data = hf.hidden_text_docx()
    counted = parse_bytes(data, "policy.docx").left_out
    assert counted and dict(counted)["hidden"] > 0
    r = w.svc.upload(w.alice, data, "hidden.docx")
    w.svc.upload(w.alice, docx_bytes(STAFF_WELLNESS), "plain.docx", document_id=r.document_id)
    first, second = w.svc.get_document(w.rita, r.document_id).versions
    assert first.left_out == counted
    assert first.left_out_note.startswith("Version 1: ")
    assert first.left_out_note.endswith(
        "of hidden text that Word does not show were left out of the review."
    )
    assert second.left_out == () and second.left_out_note == ""


def test_specialised_agency_gets_advanced_suggestions(w: World):
    r = w.upload(w.bert, CONFIDENTIALITY)
    comps = {lk.competency for lk in w.svc.links(w.bert, r.document_id)}
    assert "A10" in comps  # the confidential shelter location


def test_same_original_twice_is_stored_once(w: World, data_dir: Path):
    w.upload(w.alice)
    w.upload(w.amy)
    assert len(stored_originals(data_dir)) == 1
    assert len(w.svc.list_documents(w.alice)) == 2


def test_unreadable_upload_stores_nothing(w: World, data_dir: Path):
    with pytest.raises(UnreadableDocument):
        w.svc.upload(w.alice, b"PK\x03\x04 not really a zip", "broken.docx")
    assert stored_originals(data_dir) == {}
    assert w.svc.list_documents(w.alice) == []


@pytest.mark.parametrize("who", ["rita", "ada"])
def test_only_agency_users_upload(w: World, who: str):
    with pytest.raises(PermissionDenied, match="only an agency user"):
        w.upload(getattr(w, who))


# --------------------------------------------------------------------------- transitions through the service


def test_full_happy_path_and_history(w: World):
    doc = w.to_state("approved")
    d = w.svc.get_document(w.ada, doc)
    assert d.state == "approved" and d.approved_by == "rita" and d.reviewer_name == "Rita"
    assert d.lock is None  # approving releases the lock
    hist = w.svc.history(w.alice, doc)
    assert [(h.action, h.from_state, h.to_state) for h in hist] == [
        ("upload", "", "draft"),
        ("submit", "draft", "submitted"),
        ("claim", "submitted", "in_review"),
        ("approve", "in_review", "approved"),
    ]
    assert [h.actor for h in hist] == ["alice", "alice", "rita", "rita"]
    assert all(h.time.endswith("+00:00") for h in hist)
    w.svc.transition(w.ada, doc, "reopen", "a link was confirmed by mistake")
    assert w.svc.get_document(w.rita, doc).state == "in_review"
    assert w.svc.history(w.rita, doc)[-1].comment == "a link was confirmed by mistake"


@pytest.mark.parametrize(
    "state,action,who,message",
    [
        ("draft", "submit", "rita", "only an agency user can submit"),
        ("draft", "submit", "ada", "only an agency user can submit"),
        ("submitted", "retract", "rita", "only an agency user can retract"),
        ("submitted", "claim", "alice", "only a reviewer or an admin can claim"),
        ("in_review", "approve", "alice", "only a reviewer or an admin can approve"),
        (
            "in_review",
            "request_changes",
            "alice",
            "only a reviewer or an admin can request changes",
        ),
        ("approved", "reopen", "rita", "only an admin can reopen"),
        ("draft", "approve", "rita", "a document that is draft cannot be approved"),
        ("in_review", "submit", "alice", "a document that is in review cannot be submitted"),
    ],
)
def test_refused_transitions_name_the_reason(
    w: World, state: str, action: str, who: str, message: str
):
    doc = w.to_state(state)
    before = w.svc.history(w.ada, doc)
    with pytest.raises(TransitionRefused) as exc:
        w.svc.transition(getattr(w, who), doc, action, "a comment")
    assert str(exc.value) == message
    assert w.svc.get_document(w.ada, doc).state == state
    assert w.svc.history(w.ada, doc) == before  # a refusal leaves no trace


def test_every_allowed_transition_for_each_role(w: World):
    # submit / retract by the agency (any user of the agency)
    doc = w.to_state("draft")
    w.svc.transition(w.amy, doc, "submit")
    w.svc.transition(w.alice, doc, "retract")
    assert w.svc.get_document(w.alice, doc).state == "draft"
    # claim and request changes by an admin acting as reviewer
    w.svc.transition(w.alice, doc, "submit")
    w.svc.transition(w.ada, doc, "claim")
    assert w.svc.get_document(w.ada, doc).summary.reviewer == "ada"
    w.svc.transition(w.ada, doc, "request_changes", "needs training section")
    assert w.svc.get_document(w.alice, doc).state == "changes_requested"
    assert w.svc.worklist(w.alice, "changes_requested").count == 1


def test_request_changes_and_reopen_need_a_comment(w: World):
    doc = w.to_state("in_review")
    with pytest.raises(TransitionRefused, match="a comment is required to request changes"):
        w.svc.transition(w.rita, doc, "request_changes", "  ")
    w.decide_all(doc)
    approve(w.svc, w.rita, doc)
    with pytest.raises(TransitionRefused, match="a comment is required to reopen"):
        w.svc.transition(w.ada, doc, "reopen")


def test_approve_needs_every_suggestion_decided(w: World):
    doc = w.to_state("in_review")
    links = w.svc.links(w.rita, doc)
    assert len(links) >= 2
    w.svc.confirm_link(w.rita, doc, links[0].id)
    with pytest.raises(TransitionRefused) as exc:
        approve(w.svc, w.rita, doc)
    n = len(links) - 1
    assert str(exc.value) == (
        f"{n} suggestions are still undecided" if n > 1 else "1 suggestion is still undecided"
    )
    assert "approve" not in w.svc.get_document(w.rita, doc).actions
    w.decide_all(doc)
    assert "approve" in w.svc.get_document(w.rita, doc).actions


def test_no_self_approval(w: World, data_dir: Path):
    """An agency user promoted to reviewer cannot review (decide, approve) the version they
    uploaded; another reviewer approves only after taking the review lock."""
    doc = w.to_state("in_review")
    w.svc.set_role(w.ada, "alice", "reviewer")
    alice_reviewer = Actor("alice", "reviewer")
    w.svc.release_lock(w.ada, doc)
    with pytest.raises(PermissionDenied, match="you uploaded the version under review"):
        w.decide_all(doc, alice_reviewer)
    with pytest.raises(TransitionRefused, match="you uploaded this version"):
        approve(w.svc, alice_reviewer, doc)
    with pytest.raises(TransitionRefused, match="take the review lock first"):
        approve(w.svc, w.rob, doc)
    w.svc.acquire_lock(w.rob, doc)
    w.decide_all(doc, w.rob)
    approve(w.svc, w.rob, doc)


def test_revise_by_uploading_a_new_version(w: World):
    doc = w.to_state("changes_requested")
    with pytest.raises(TransitionRefused, match="upload a revised version"):
        w.svc.transition(w.alice, doc, "revise")
    r = w.upload(w.alice, STAFF_WELLNESS, document_id=doc)
    assert r.transition == "revise" and r.state == "draft" and r.version == 2
    hist = w.svc.history(w.alice, doc)
    assert [h.action for h in hist][-2:] == ["upload", "revise"]
    assert hist[-1].from_state == "changes_requested" and hist[-1].to_state == "draft"
    assert hist[3].action == "request_changes"  # older history survives the new version


@pytest.mark.parametrize("state", ["submitted", "in_review", "approved"])
def test_agency_cannot_upload_while_not_theirs_to_change(w: World, state: str):
    doc = w.to_state(state)
    with pytest.raises(PermissionDenied) as exc:
        w.upload(w.alice, document_id=doc)
    assert state.replace("_", " ") in str(exc.value)
    assert len(w.svc.get_document(w.alice, doc).versions) == 1


def test_upload_in_draft_just_adds_a_version(w: World):
    doc = w.to_state("draft")
    r = w.upload(w.alice, STAFF_WELLNESS, document_id=doc)
    assert r.transition is None and r.state == "draft" and r.version == 2
    assert len(w.svc.get_document(w.alice, doc).versions) == 2


# --------------------------------------------------------------------------- carry-over on a new version


def _revised(policy, change: dict[str, str], drop: str | None = None):
    title, sections = policy
    out = []
    for heading, paras in sections:
        if heading == drop:
            continue
        if heading in change:
            paras = [*paras, change[heading]]
        out.append((heading, paras))
    return (title, out)


def test_confirmed_links_carry_over_and_changed_sections_come_back(w: World):
    doc = w.to_state("in_review")
    links = w.svc.links(w.rita, doc)
    titles = {s.id: s.title for s in w.svc.sections(w.rita, doc)}
    by_title: dict[str, list] = {}
    for lk in links:
        by_title.setdefault(titles[lk.section_id], []).append(lk)
    assert {"Recognizing Vicarious Trauma", "Employee Assistance Program"} <= set(by_title)
    # decide: confirm all, but reject one in an unchanged section
    rejected = by_title["Employee Assistance Program"][0]
    for lk in links:
        if lk.id == rejected.id:
            w.svc.reject_link(w.rita, doc, lk.id, "only a reminder", note="see HR handbook")
        else:
            w.svc.confirm_link(w.rita, doc, lk.id, note="good")
    w.svc.transition(w.rita, doc, "request_changes", "please expand")
    revised = _revised(
        STAFF_WELLNESS,
        {
            "Recognizing Vicarious Trauma": "Supervisors also watch for signs of compassion fatigue and burnout."
        },
        drop="Self-Care and Leave",
    )
    r = w.svc.upload(w.alice, policy_docx(revised), "policy-v2.docx", document_id=doc)
    assert r.version == 2 and r.transition == "revise"
    new_links = w.svc.links(w.rita, doc)
    assert all(lk.version == 2 for lk in new_links)
    new_titles = {s.id: s.title for s in w.svc.sections(w.rita, doc)}
    # unchanged sections: decisions kept, with the decider, note and reason
    eap = [lk for lk in new_links if new_titles[lk.section_id] == "Employee Assistance Program"]
    assert eap and any(
        lk.state == "rejected" and lk.reason == "only a reminder" and lk.note == "see HR handbook"
        for lk in eap
    )
    assert all(lk.decided_by == "rita" for lk in eap)
    # the changed section: back to suggested and flagged
    changed = [
        lk for lk in new_links if new_titles[lk.section_id] == "Recognizing Vicarious Trauma"
    ]
    assert changed and all(lk.state == "suggested" and lk.flag == "changed" for lk in changed)
    assert {c.competency for c in r.needs_review} >= {
        lk.competency for lk in changed if lk.origin == "carried"
    }
    # the dropped section's decisions are reported
    assert {c.section_title for c in r.dropped} == {"Self-Care and Leave"}
    assert r.carried and all(c.section_title != "Recognizing Vicarious Trauma" for c in r.carried)
    # one link per (section, competency)
    keys = [(lk.section_id, lk.competency) for lk in new_links]
    assert len(keys) == len(set(keys))
    # the old version's links are untouched
    assert all(lk.state in ("confirmed", "rejected") for lk in w.svc.links(w.rita, doc, version=1))


# --------------------------------------------------------------------------- links and the review lock


def test_link_decisions_rules(w: World):
    doc = w.to_state("in_review")
    lk = w.svc.links(w.rita, doc)[0]
    with pytest.raises(ValidationFailed, match="needs a reason"):
        w.svc.reject_link(w.rita, doc, lk.id, "  ")
    v = w.svc.reject_link(w.rita, doc, lk.id, "too vague")
    assert (v.state, v.reason, v.decided_by) == ("rejected", "too vague", "rita")
    v = w.svc.undo_link(w.rita, doc, lk.id)
    assert (v.state, v.reason, v.decided_by) == ("suggested", "", "")
    v = w.svc.confirm_link(w.rita, doc, lk.id, note="clear")
    assert (v.state, v.note) == ("confirmed", "clear")
    with pytest.raises(NotFound):
        w.svc.confirm_link(w.rita, doc, "nope")


def test_add_and_remove_links_by_hand(w: World):
    doc = w.to_state("in_review")
    sections = w.svc.sections(w.rita, doc)
    linked = {(lk.section_id, lk.competency) for lk in w.svc.links(w.rita, doc)}
    target = next(s for s in sections if (s.id, "C2") not in linked)
    added = w.svc.add_link(w.rita, doc, target.id, "C2", note="partner agencies")
    assert added.state == "added" and added.origin == "hand"
    with pytest.raises(ValidationFailed, match="already linked"):
        w.svc.add_link(w.rita, doc, target.id, "C2")
    with pytest.raises(ValidationFailed, match="not a competency this review covers"):
        w.svc.add_link(w.rita, doc, target.id, "A10")  # advanced: not for a general agency
    with pytest.raises(NotFound):
        w.svc.add_link(w.rita, doc, "no-such-section", "C2")
    suggested = next(lk for lk in w.svc.links(w.rita, doc) if lk.state == "suggested")
    with pytest.raises(ValidationFailed, match="reject a suggestion instead"):
        w.svc.remove_link(w.rita, doc, suggested.id)
    w.svc.remove_link(w.rita, doc, added.id)
    assert added.id not in {lk.id for lk in w.svc.links(w.rita, doc)}


@pytest.mark.parametrize("state", ["draft", "submitted", "changes_requested", "approved"])
def test_links_change_only_in_review(w: World, state: str):
    doc = w.to_state(state)
    lk = w.svc.links(w.ada, doc)[0]
    with pytest.raises(PermissionDenied):
        w.svc.confirm_link(w.ada, doc, lk.id)


def test_agency_users_never_decide_links(w: World):
    doc = w.to_state("in_review")
    lk = w.svc.links(w.alice, doc)[0]
    with pytest.raises(PermissionDenied, match="only a reviewer"):
        w.svc.confirm_link(w.alice, doc, lk.id)


def test_review_lock_blocks_others_until_it_expires(w: World):
    doc = w.to_state("in_review")  # rita claimed: she holds the lock
    links = w.svc.links(w.rob, doc)
    info = w.svc.lock_status(w.rob, doc)
    assert info.holder == "rita" and not info.mine and info.holder_name == "Rita"
    with pytest.raises(LockHeld, match="Rita is reviewing this document"):
        w.svc.confirm_link(w.rob, doc, links[0].id)
    with pytest.raises(PermissionDenied, match="only the lock holder or an admin"):
        w.svc.release_lock(w.rob, doc)
    w.decide_all(doc)
    with pytest.raises(TransitionRefused, match="Rita holds the review lock"):
        approve(w.svc, w.rob, doc)
    # a decision refreshes the lock; 31 minutes of inactivity later it has expired
    w.clock.advance(minutes=31)
    assert w.svc.lock_status(w.rob, doc) is None
    w.svc.undo_link(w.rob, doc, links[0].id)  # rob takes the lock over
    assert w.svc.lock_status(w.rita, doc).holder == "rob"
    with pytest.raises(LockHeld):
        w.svc.confirm_link(w.rita, doc, links[0].id)
    w.svc.release_lock(w.ada, doc)  # an admin may release anyone's lock
    w.svc.confirm_link(w.rita, doc, links[0].id)
    assert w.svc.acquire_lock(w.rita, doc).mine


# --------------------------------------------------------------------------- tenant isolation


def test_agency_user_never_sees_another_agencys_document(w: World):
    doc = w.to_state("in_review")
    link = w.svc.links(w.rita, doc)[0]
    section = w.svc.sections(w.rita, doc)[0]
    bert = w.bert
    calls = [
        lambda: w.svc.get_document(bert, doc),
        lambda: w.svc.sections(bert, doc),
        lambda: w.svc.links(bert, doc),
        lambda: w.svc.original(bert, doc),
        lambda: w.svc.history(bert, doc),
        lambda: w.svc.coverage(bert, doc),
        lambda: w.svc.coverage_summary(bert, doc),
        lambda: w.svc.coverage_csv(bert, doc),
        lambda: w.svc.report_context(bert, doc),
        lambda: w.svc.lock_status(bert, doc),
        lambda: w.svc.acquire_lock(bert, doc),
        lambda: w.svc.release_lock(bert, doc),
        lambda: w.svc.comment(bert, doc, "hello"),
        lambda: w.svc.transition(bert, doc, "retract"),
        lambda: w.svc.confirm_link(bert, doc, link.id),
        lambda: w.svc.set_link_note(bert, doc, link.id, "x"),
        lambda: w.svc.add_link(bert, doc, section.id, "C1"),
        lambda: w.svc.remove_link(bert, doc, link.id),
        lambda: w.svc.assess(bert, doc, "C1", "partial", "x"),
        lambda: w.upload(bert, document_id=doc),
    ]
    for call in calls:
        with pytest.raises(NotFound) as exc:
            call()
        assert str(exc.value) == "no such document"  # same answer as for a made-up id
    with pytest.raises(NotFound) as exc:
        w.svc.get_document(bert, "000000000000")
    assert str(exc.value) == "no such document"
    assert w.svc.list_documents(bert) == []
    assert all(wl.count == 0 for wl in w.svc.worklists(bert))
    assert [a.name for a in w.svc.list_agencies(bert)] == ["Harbor Light"]
    # a forged actor claiming another agency is corrected from the store
    assert w.svc.list_documents(Actor("bert", "agency_user", "agA")) == []
    assert w.svc.list_documents(Actor("bert", "admin")) == []


# --------------------------------------------------------------------------- worklists


def test_worklists(w: World):
    submitted = w.to_state("submitted")
    reviewing = w.to_state("in_review", MANDATED_REPORTING)
    sent_back = w.to_state("changes_requested")
    b_doc = w.upload(w.bert, CONFIDENTIALITY).document_id
    w.svc.transition(w.bert, b_doc, "submit")

    labels = [wl.label for wl in w.svc.worklists(w.rita)]
    assert labels == ["Awaiting review (2)", "My reviews (1)", "All documents (4)"]
    assert [d.id for d in w.svc.worklist(w.rita, "awaiting_review").documents] == [
        submitted,
        b_doc,
    ]  # oldest first
    assert [d.id for d in w.svc.worklist(w.rita, "my_reviews").documents] == [reviewing]
    assert w.svc.worklist(w.rob, "my_reviews").count == 0
    alice = {wl.name: wl for wl in w.svc.worklists(w.alice)}
    assert [d.id for d in alice["changes_requested"].documents] == [sent_back]
    assert alice["my_agency"].count == 3
    assert w.svc.worklist(w.bert, "my_agency").count == 1
    with pytest.raises(PermissionDenied):
        w.svc.worklist(w.alice, "awaiting_review")
    # the index follows transitions
    w.svc.transition(w.rob, submitted, "claim")
    assert w.svc.worklist(w.rita, "awaiting_review").count == 1
    assert [d.id for d in w.svc.worklist(w.rob, "my_reviews").documents] == [submitted]


# --------------------------------------------------------------------------- coverage and reports


def test_coverage_statuses(w: World):
    doc = w.to_state("in_review")
    links = w.svc.links(w.rita, doc)
    c5 = [lk for lk in links if lk.competency == "C5"]
    for lk in links:
        if lk.competency == "C5":
            w.svc.confirm_link(w.rita, doc, lk.id)
        else:
            w.svc.reject_link(w.rita, doc, lk.id, "not this one")
    with pytest.raises(ValidationFailed, match="needs a justification"):
        w.svc.assess(w.rita, doc, "C2", "not_applicable")
    w.svc.assess(w.rita, doc, "C2", "not_applicable", "the agency does not work with schools")
    w.svc.assess(w.rita, doc, "C4", "partial", "mentions trauma, not complex trauma")
    rows = {r.competency: r for r in w.svc.coverage(w.rita, doc)}
    assert set(rows) == {it.id for it in w.svc.framework().required_items("general")}
    assert rows["C5"].status == "met" and set(rows["C5"].sections) == {lk.section_id for lk in c5}
    assert rows["C2"].status == "not_applicable" and rows["C2"].justification.startswith(
        "the agency"
    )
    assert rows["C4"].status == "partial" and rows["C4"].recommendation
    assert rows["C1"].status == "not_addressed" and rows["C1"].recommendation
    summary = w.svc.coverage_summary(w.rita, doc)
    assert summary.total == len(rows) and summary.undecided_links == 0
    assert summary.counts["met"] >= 1 and summary.counts["not_applicable"] == 1
    assert summary.text == f"{summary.decided} of {summary.total} required competencies decided"
    w.svc.assess(w.rita, doc, "C2", None)
    assert {r.competency: r for r in w.svc.coverage(w.rita, doc)}["C2"].status == "not_addressed"
    # csv: the statement of applicability, formula-safe (a note is untrusted text)
    w.svc.assess(w.rita, doc, "C6.ix", "partial", "=HYPERLINK(1)")
    raw = w.svc.coverage_csv(w.rita, doc)
    assert raw.startswith(b"\xef\xbb\xbf")
    table = {r["Competency"]: r for r in csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))}
    assert set(table) == set(rows)
    assert table["C5"]["Status"] == "Met" and table["C1"]["Status"] == "Not addressed"
    assert table["C6.ix"]["Justification or note"] == "'=HYPERLINK(1)"
    titles = {s.id: " › ".join(s.path) for s in w.svc.sections(w.rita, doc)}
    cited = table["C5"]["Sections cited"]
    assert set(cited.split("; ")) == {titles[lk.section_id] for lk in c5}


def test_report_context_and_download_permissions(w: World):
    doc = w.to_state("in_review")
    with pytest.raises(PermissionDenied, match="once the review is finished"):
        w.svc.report_context(w.alice, doc)
    ctx = w.svc.report_context(w.rita, doc)
    assert ctx.reviewed and ctx.state == "in_review" and ctx.agency_name == "Northwoods"
    assert ctx.framework_id == "wisconsin-2017" and ctx.version_number == 1
    assert ctx.original == docx_bytes(STAFF_WELLNESS)
    docx.Document(io.BytesIO(ctx.original))  # the stored original opens
    assert {lk.section_id for lk in ctx.links} <= {s.id for s in ctx.sections}
    assert ctx.history[-1].actor == "Rita"
    w.decide_all(doc)
    approve(w.svc, w.rita, doc)
    ctx = w.svc.report_context(w.alice, doc)
    assert ctx.approver == "Rita" and ctx.approved_at and ctx.state == "approved"
    name, data = w.svc.original(w.alice, doc)
    assert name == "policy.docx" and data == ctx.original


def test_report_files_come_from_the_service_with_its_permission(w: World):
    doc = w.to_state("in_review")
    for make in (
        w.svc.review_report,
        w.svc.annotated_policy,
        w.svc.coverage_csv,
        w.svc.coverage_xlsx,
    ):
        with pytest.raises(PermissionDenied, match="once the review is finished"):
            make(w.alice, doc)
    report = docx.Document(io.BytesIO(w.svc.review_report(w.rita, doc)))
    assert "Northwoods" in "".join(report.element.body.itertext())  # the cover names the agency
    annotated = docx.Document(io.BytesIO(w.svc.annotated_policy(w.rita, doc)))
    original = docx.Document(io.BytesIO(docx_bytes(STAFF_WELLNESS)))
    assert [p.text for p in annotated.paragraphs] == [p.text for p in original.paragraphs]
    assert len(annotated.comments) >= 1
    assert w.svc.coverage_xlsx(w.rita, doc)[:2] == b"PK"


def test_a_text_upload_has_no_annotated_copy(w: World):
    text = b"Staff Wellness\n\nSupervisors watch for vicarious trauma and burnout.\n"
    doc = w.svc.upload(w.alice, text, "wellness.txt").document_id
    with pytest.raises(ValidationFailed, match="only a Word"):
        w.svc.annotated_policy(w.rita, doc)
    assert w.svc.review_report(w.rita, doc)[:2] == b"PK"


def test_comments_and_history_are_append_only(w: World):
    doc = w.to_state("submitted")
    w.svc.comment(w.rita, doc, "Looks complete; will claim tomorrow.")
    with pytest.raises(ValidationFailed):
        w.svc.comment(w.rita, doc, " ")
    before = w.svc.history(w.alice, doc)
    w.svc.transition(w.alice, doc, "retract")
    after = w.svc.history(w.alice, doc)
    assert after[: len(before)] == before and len(after) == len(before) + 1


def test_where_to_look_lists_gaps_once_their_suggestions_are_decided(w: World):
    """The upload stores each competency's next-best sections; the workspace's "where to look"
    lists them for gaps with no suggestion waiting (a rejected competency becomes one), never a
    section that already has a link for it, and only to reviewers and admins."""
    doc = w.to_state("in_review")
    links = w.svc.links(w.rita, doc)
    before = w.svc.near_misses(w.rita, doc)
    pending = {lk.competency for lk in links}
    assert not (set(before) & pending)  # a suggestion still waits: nothing to look for yet
    with w.svc.repo.document(doc) as tx:
        stored = tx.version(1)["near_misses"]
    comp = next(c for c in pending if c in stored)  # a suggested competency with runners-up
    for lk in links:
        if lk.competency == comp:
            w.svc.reject_link(w.rita, doc, lk.id, "mentions it only")
    after = w.svc.near_misses(w.rita, doc)
    assert comp in after
    rejected = {lk.section_id for lk in links if lk.competency == comp}
    assert not {m.section_id for m in after[comp]} & rejected
    assert [m.section_id for m in after[comp]] == [
        m["section_id"] for m in stored[comp] if m["section_id"] not in rejected
    ][: len(after[comp])]
    titles = {s.id: s.title for s in w.svc.sections(w.rita, doc)}
    assert all(m.section_title == titles[m.section_id] for m in after[comp])
    assert w.svc.near_misses(w.ada, doc) == after
    with pytest.raises(PermissionDenied):
        w.svc.near_misses(w.alice, doc)
