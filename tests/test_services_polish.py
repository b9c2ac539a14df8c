"""The services the pages needed (second round): bulk confirm, the audit trail, the last action on
index rows, framework import, the actor's agency name, transition options with reasons,
lock-aware edit permission, password change and reset, the items a review covers.

Real .docx through the real parser and suggester, the real TinyDB store in ``tmp_path``."""

from __future__ import annotations

import hashlib
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from review import storage
from review.auth import hash_password
from review.demo import CONFIDENTIALITY, MANDATED_REPORTING, STAFF_WELLNESS
from review.errors import (
    AuthenticationFailed,
    FrameworkError,
    LockHeld,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from review.services import ReviewService
from review.storage import TinyDBRepository, summary_of
from tests.conftest import store_hash
from tests.test_services import PASSWORD, World

# both stores (tests/conftest.py); the few tests about TinyDB's files are marked tinydb_only
pytestmark = pytest.mark.usefixtures("store_backend")


@pytest.fixture
def w(data_dir: Path) -> World:
    return World(data_dir)


def _doc_file(data_dir: Path, doc: str) -> Path:
    return data_dir / "store" / "documents" / f"{doc}.json"


# --------------------------------------------------------------------------- 1. bulk confirm


@pytest.mark.tinydb_only
def test_confirm_links_confirms_the_batch_in_one_atomic_write(
    w: World, data_dir: Path, monkeypatch: pytest.MonkeyPatch
):
    doc = w.to_state("in_review")
    links = w.svc.links(w.rita, doc)
    assert len(links) >= 4
    picked = [lk.id for lk in links[:3]]
    writes: list[Path] = []
    real = storage.atomic_write_bytes

    def counting(path: Path, data: bytes) -> None:
        writes.append(Path(path))
        real(path, data)

    monkeypatch.setattr(storage, "atomic_write_bytes", counting)
    n = w.svc.confirm_links(w.rita, doc, picked + [picked[0]], note="covered in 4.2")
    assert n == 3
    assert writes.count(_doc_file(data_dir, doc)) == 1  # one transaction, one write
    after = {lk.id: lk for lk in w.svc.links(w.rita, doc)}
    for i in picked:
        assert after[i].state == "confirmed"
        assert after[i].decided_by == "rita" and after[i].decided_at
        assert after[i].note == "covered in 4.2"
    others = [lk for lk in links[3:]]
    assert all(after[lk.id].state == "suggested" for lk in others)
    # already confirmed links are not counted again
    assert w.svc.confirm_links(w.rita, doc, picked) == 0
    assert w.svc.confirm_links(w.rita, doc, []) == 0


def test_confirm_links_is_all_or_nothing(w: World, data_dir: Path):
    doc = w.to_state("in_review")
    links = w.svc.links(w.rita, doc)
    w.svc.acquire_lock(w.rita, doc)  # so the refusals below change nothing, not even the lock
    before = store_hash(data_dir)
    with pytest.raises(NotFound, match="nothing was confirmed"):
        w.svc.confirm_links(w.rita, doc, [links[0].id, "no-such-link"])
    section = links[0].section_id
    taken = {lk.competency for lk in links if lk.section_id == section}
    comp = next(c for c in ("C1", "C2", "C3", "C4", "C5", "C6") if c not in taken)
    added = w.svc.add_link(w.rita, doc, section, comp)
    before = store_hash(data_dir)
    with pytest.raises(ValidationFailed, match="added by hand"):
        w.svc.confirm_links(w.rita, doc, [links[0].id, added.id])
    assert store_hash(data_dir) == before
    assert {lk.state for lk in w.svc.links(w.rita, doc) if lk.origin != "hand"} == {"suggested"}


def test_confirm_links_has_the_checks_of_confirm_link(w: World, data_dir: Path):
    doc = w.to_state("in_review")
    ids = [lk.id for lk in w.svc.links(w.rita, doc)][:2]
    with pytest.raises(PermissionDenied):
        w.svc.confirm_links(w.alice, doc, ids)
    with pytest.raises(NotFound):  # another agency's document does not exist for bert
        w.svc.confirm_links(w.bert, doc, ids)
    with pytest.raises(LockHeld, match="Rita"):
        w.svc.confirm_links(w.rob, doc, ids)
    submitted = w.to_state("submitted")
    sub_ids = [lk.id for lk in w.svc.links(w.rita, submitted)]
    with pytest.raises(PermissionDenied, match="claim"):
        w.svc.confirm_links(w.rita, submitted, sub_ids)
    # after the lock expires, another reviewer may take over
    w.clock.advance(hours=2)
    assert w.svc.confirm_links(w.rob, doc, ids) == 2
    assert w.svc.lock_status(w.rob, doc).holder == "rob"


# --------------------------------------------------------------------------- 3. last action


def _assert_history_not_newer_than_record(svc: ReviewService, doc: str, actor) -> None:
    with svc.repo.document(doc) as tx:
        rec = tx.get()
        history = tx.history()
    summary = svc.repo.summary(doc)
    assert max(h["time"] for h in history) <= rec["updated_at"]
    assert summary == summary_of(rec)
    last = history[-1]
    assert (rec["last_action"], rec["last_actor"], rec["last_action_at"]) == (
        last["action"],
        last["actor"],
        last["time"],
    )


def test_every_history_append_stamps_the_record_and_its_summary(w: World):
    s = w.svc
    doc = w.upload(w.alice, STAFF_WELLNESS).document_id
    row = next(d for d in s.list_documents(w.alice) if d.id == doc)
    assert (row.last_action, row.last_actor, row.last_actor_name) == ("upload", "alice", "Alice")
    _assert_history_not_newer_than_record(s, doc, w.alice)
    steps = [
        lambda: s.transition(w.alice, doc, "submit"),
        lambda: s.comment(w.rita, doc, "a question before I claim"),
        lambda: s.transition(w.rita, doc, "claim"),
        lambda: s.comment(w.alice, doc, "an answer"),
        lambda: s.transition(w.rita, doc, "request_changes", "add training"),
        lambda: s.upload(w.alice, b"" + _v2(), "v2.docx", document_id=doc),
    ]
    for step in steps:
        w.clock.advance(minutes=5)
        before = s.repo.summary(doc)["updated_at"]
        step()
        _assert_history_not_newer_than_record(s, doc, w.alice)
        assert s.repo.summary(doc)["updated_at"] > before
    wl = s.worklist(w.alice, "my_agency").documents[0]
    assert (wl.last_action, wl.last_actor, wl.state) == ("revise", "alice", "draft")
    assert wl.last_action_at == wl.updated_at


def _v2() -> bytes:
    from tests.test_services import docx_bytes

    return docx_bytes(MANDATED_REPORTING)


@pytest.mark.tinydb_only
def test_old_summaries_without_the_last_action_still_load(w: World, data_dir: Path):
    doc = w.upload(w.alice, STAFF_WELLNESS).document_id
    # rewrite the index as a store written before these fields existed
    index = data_dir / "store" / "index.json"
    raw = json.loads(index.read_text(encoding="utf-8"))
    for row in raw["documents"].values():
        for key in ("last_action", "last_actor", "last_action_at"):
            del row[key]
    index.write_text(json.dumps(raw), encoding="utf-8")
    assert "last_action" not in w.svc.repo.summary(doc)
    row = w.svc.list_documents(w.alice)[0]
    assert (row.last_action, row.last_actor, row.last_action_at) == ("", "", "")
    assert row.title and row.state == "draft"


# --------------------------------------------------------------------------- 2. audit trail


def test_audit_trail_is_admin_only_newest_first_with_document_details(w: World):
    s = w.svc
    a = w.to_state("in_review")
    w.clock.advance(minutes=1)
    b = w.upload(w.bert, CONFIDENTIALITY).document_id
    s.comment(w.rita, a, "checking section 3")
    for who in (w.rita, w.alice, w.bert):
        with pytest.raises(PermissionDenied):
            s.audit_trail(who)
    trail = s.audit_trail(w.ada)
    assert [(e.document_id, e.action) for e in trail] == [
        (a, "comment"),
        (b, "upload"),
        (a, "claim"),
        (a, "submit"),
        (a, "upload"),
    ]
    times = [e.time for e in trail]
    assert times == sorted(times, reverse=True)
    first = trail[0]
    assert first.actor == "rita" and first.actor_name == "Rita"
    assert first.agency_name == "Northwoods" and first.comment == "checking section 3"
    assert first.document_title == "Staff Wellness and Vicarious Trauma Policy"
    assert trail[1].agency_name == "Harbor Light"
    # filters and limit
    assert [e.action for e in s.audit_trail(w.ada, agency_id="agB")] == ["upload"]
    assert [e.document_id for e in s.audit_trail(w.ada, action="upload")] == [b, a]
    assert [e.action for e in s.audit_trail(w.ada, limit=2)] == ["comment", "upload"]
    assert [e.action for e in s.audit_trail(w.ada, since=trail[2].time)] == [
        "comment",
        "upload",
        "claim",
    ]
    assert s.audit_trail(w.ada, limit=0) == []


class CountingRepository(TinyDBRepository):
    """The real store, counting how many document files a call reads."""

    reads = 0

    def document(self, document_id: str, write: bool = False):  # type: ignore[override]
        CountingRepository.reads += 1
        return super().document(document_id, write)


def _synthetic_store(root: Path, n_docs: int, seed: int) -> list[dict]:
    """``n_docs`` documents with random histories written straight to the store (the audit
    query only reads records, histories and summaries); returns every history entry."""
    rng = random.Random(seed)
    repo = TinyDBRepository(root)
    repo.add_agency({"id": "agA", "name": "Northwoods", "kind": "general", "created_at": ""})
    repo.add_agency({"id": "agB", "name": "Harbor Light", "kind": "general", "created_at": ""})
    repo.add_user(
        {
            "username": "ada",
            "display_name": "Ada",
            "role": "admin",
            "agency_id": None,
            "active": True,
            "password": hash_password(PASSWORD),
        }
    )
    start = datetime(2024, 1, 1, tzinfo=UTC)
    every: list[dict] = []
    summaries = []
    for i in range(n_docs):
        t = start + timedelta(minutes=rng.randint(0, 60 * 24 * 30))
        times = []
        for _ in range(rng.randint(1, 6)):
            times.append(t.isoformat(timespec="seconds"))
            t += timedelta(seconds=rng.choice([0, 1, 30, 3600]))  # ties on purpose
        rec = {
            "id": f"d{i:04d}",
            "agency_id": rng.choice(["agA", "agB"]),
            "title": f"Policy {i}",
            "state": "draft",
            "current_version": 1,
            "created_at": times[0],
            "updated_at": times[-1],
            "rev": 1,
        }
        with repo.create_document(rec) as tx:
            for j, when in enumerate(times):
                action = rng.choice(["upload", "submit", "comment"])
                entry = {
                    "action": action,
                    "actor": "ada",
                    "from_state": "draft",
                    "to_state": "draft",
                    "time": when,
                    "comment": f"{i}/{j}",
                }
                tx.append_history(entry)
                every.append({**entry, "doc": rec["id"], "agency": rec["agency_id"], "seq": j})
        summaries.append(summary_of(rec))
    repo.put_summaries(summaries)
    return every


@pytest.mark.tinydb_only
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_audit_trail_equals_every_history_sorted_yet_reads_few_documents(tmp_path: Path, seed: int):
    every = _synthetic_store(tmp_path, 120, seed)
    svc = ReviewService(CountingRepository(tmp_path))
    ada = svc.actor("ada")

    def expected(limit, agency=None, action=None, since=""):
        rows = [
            e
            for e in every
            if (agency is None or e["agency"] == agency)
            and (action is None or e["action"] == action)
            and e["time"] >= since
        ]
        rows.sort(key=lambda e: (e["time"], e["seq"], e["doc"]), reverse=True)
        return [(e["doc"], e["seq"]) for e in rows[:limit]]

    median_time = sorted(e["time"] for e in every)[len(every) // 2]
    for kw in (
        {"limit": 10},
        {"limit": 50},
        {"limit": 1000},
        {"limit": 15, "agency_id": "agB"},
        {"limit": 20, "action": "comment"},
        {"limit": 1000, "since": median_time},
    ):
        got = svc.audit_trail(ada, **kw)
        want = expected(kw["limit"], kw.get("agency_id"), kw.get("action"), kw.get("since", ""))
        assert [(e.document_id, e.seq) for e in got] == want, kw
    CountingRepository.reads = 0
    ten = svc.audit_trail(ada, limit=10)
    assert len(ten) == 10
    # ten entries come from at most ten documents, plus ties at the boundary
    assert CountingRepository.reads <= 14, CountingRepository.reads
    CountingRepository.reads = 0
    svc.audit_trail(ada, limit=1000)
    assert CountingRepository.reads == 120


# --------------------------------------------------------------------------- 4. frameworks

GOOD_CSV = (
    "framework_id,framework_title,framework_version,id,label,tier,statement,phrases\n"
    "county-2025,County Framework,2025.1,K1,Item 1,core,Staff know the intake policy.,intake;handbook\n"
    "county-2025,County Framework,2025.1,K2,Item 2,core,Staff keep records safe.,records;locked cabinet\n"
)


def test_import_framework_installs_yaml_in_the_data_dir_and_records_who(w: World, data_dir: Path):
    s = w.svc
    fw = s.import_framework(w.ada, "county.csv", GOOD_CSV.encode("utf-8"))
    assert (fw.id, fw.version, [it.id for it in fw.items]) == (
        "county-2025",
        "2025.1",
        ["K1", "K2"],
    )
    path = data_dir / "frameworks" / "county-2025.yaml"
    saved = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert saved["id"] == "county-2025" and saved["items"][1]["phrases"] == [
        "records",
        "locked cabinet",
    ]
    assert not list((data_dir / "frameworks").glob(".*.tmp"))
    assert {f.id for f in s.list_frameworks(w.rita)} == {"wisconsin-2017", "county-2025"}
    assert s.framework(w.rita, "county-2025").item("K2").statement == "Staff keep records safe."
    assert s.framework("wisconsin-2017").id == "wisconsin-2017"  # the old signature still works
    (imp,) = s.framework_imports(w.ada)
    assert (imp.framework_id, imp.imported_by, imp.filename, imp.items) == (
        "county-2025",
        "ada",
        "county.csv",
        2,
    )
    assert imp.imported_at and imp.sha256 == hashlib.sha256(GOOD_CSV.encode()).hexdigest()
    # a second service on the same directory (another server process) sees it too
    assert ReviewService(data_dir=data_dir).framework(w.ada, "county-2025").title == (
        "County Framework"
    )
    # nothing of it landed in the repository's shipped directory
    from review.config import FRAMEWORKS_DIR

    assert not (FRAMEWORKS_DIR / "county-2025.yaml").exists()


def test_import_framework_refusals_write_nothing(w: World, data_dir: Path):
    s = w.svc
    with pytest.raises(PermissionDenied):
        s.import_framework(w.rita, "county.csv", GOOD_CSV.encode())
    shipped = GOOD_CSV.replace("county-2025", "wisconsin-2017")
    with pytest.raises(ValidationFailed, match="shipped with the application"):
        s.import_framework(w.ada, "c.csv", shipped.encode())
    with pytest.raises(ValidationFailed, match="shipped"):
        s.import_framework(w.ada, "c.csv", shipped.replace("wisconsin", "WISCONSIN").encode())
    with pytest.raises(FrameworkError, match="empty statement"):
        s.import_framework(w.ada, "bad.csv", b"framework_id,id,statement\nx,Q1,\n")
    with pytest.raises(ValidationFailed, match="not UTF-8"):
        s.import_framework(
            w.ada, "latin.csv", GOOD_CSV.replace("know", "kn\xf6w").encode("latin-1")
        )
    with pytest.raises(ValidationFailed, match=r"\.yaml, \.yml, \.json or \.csv"):
        s.import_framework(w.ada, "county.txt", GOOD_CSV.encode())
    with pytest.raises(ValidationFailed, match="file name"):
        s.import_framework(w.ada, "c.csv", GOOD_CSV.replace("county-2025", "../evil").encode())
    assert not (data_dir / "frameworks").exists() or not list((data_dir / "frameworks").iterdir())
    assert s.framework_imports(w.ada) == []
    s.import_framework(w.ada, "county.csv", GOOD_CSV.encode())
    with pytest.raises(ValidationFailed, match="already installed"):
        s.import_framework(w.ada, "again.csv", GOOD_CSV.replace("2025.1", "2025.2").encode())
    assert s.framework(w.ada, "county-2025").version == "2025.1"
    assert len(s.framework_imports(w.ada)) == 1


def test_preview_framework_validates_without_installing(w: World, data_dir: Path):
    fw = w.svc.preview_framework(w.ada, "county.csv", GOOD_CSV.encode())
    assert fw.id == "county-2025" and len(fw.items) == 2
    assert not (data_dir / "frameworks" / "county-2025.yaml").exists()
    with pytest.raises(PermissionDenied):
        w.svc.preview_framework(w.rita, "county.csv", GOOD_CSV.encode())


# --------------------------------------------------------------------------- 5. agency name


def test_actor_carries_its_agency_name(w: World):
    s = w.svc
    alice = s.authenticate("alice", PASSWORD)
    assert (alice.agency_id, alice.agency_name) == ("agA", "Northwoods")
    assert s.actor("bert").agency_name == "Harbor Light"
    assert s.actor("rita").agency_name == ""


# --------------------------------------------------------------------------- 6. transition options


def test_transition_options_show_refused_transitions_with_the_reason(w: World):
    s = w.svc
    doc = w.to_state("in_review")
    undecided = sum(1 for lk in s.links(w.rita, doc) if lk.state == "suggested")
    assert undecided > 1
    opts = {o.action: o for o in s.transition_options(w.rita, doc)}
    assert set(opts) == {"request_changes", "approve"}
    assert not opts["approve"].allowed
    assert opts["approve"].reason == f"{undecided} suggestions are still undecided"
    assert opts["approve"].label == "Approve"
    # approving with open gaps asks for the reviewer's conclusion (issue 12)
    assert opts["approve"].requires_comment == bool(opts["approve"].open_findings)
    assert opts["request_changes"].allowed and opts["request_changes"].requires_comment
    # the view's actions agree with the allowed options
    assert set(s.get_document(w.rita, doc).actions) == {a for a, o in opts.items() if o.allowed}
    # another reviewer: both refused because Rita holds the lock
    rob = {o.action: o for o in s.transition_options(w.rob, doc)}
    assert (
        not rob["request_changes"].allowed
        and "Rita holds the review lock" in rob["request_changes"].reason
    )
    # the agency has no transition from in_review; after every decision approve is allowed
    assert s.transition_options(w.alice, doc) == []
    w.decide_all(doc)
    assert {o.action: o.allowed for o in s.transition_options(w.rita, doc)}["approve"]
    draft = w.to_state("draft")
    assert [(o.action, o.allowed) for o in s.transition_options(w.alice, draft)] == [
        ("submit", True)
    ]
    assert s.transition_options(w.rita, draft) == []
    with pytest.raises(NotFound):
        s.transition_options(w.bert, draft)


def test_approve_is_refused_to_the_uploader_with_the_reason(w: World, data_dir: Path):
    s = w.svc
    doc = w.to_state("in_review")
    w.decide_all(doc)
    s.set_role(w.ada, "alice", "reviewer")  # the uploader becomes a reviewer
    s.release_lock(w.ada, doc)
    opts = {o.action: o for o in s.transition_options(w.alice, doc)}
    assert not opts["approve"].allowed and "you uploaded this version" in opts["approve"].reason


# --------------------------------------------------------------------------- 7. edit permission


def test_can_edit_links_follows_role_state_and_lock(w: World):
    s = w.svc
    doc = w.to_state("in_review")
    rita = s.get_document(w.rita, doc)
    assert rita.can_edit_links and rita.edit_blocked_reason == "" and rita.can_release_lock
    rob = s.get_document(w.rob, doc)
    assert not rob.can_edit_links and not rob.can_release_lock
    assert rob.edit_blocked_reason.startswith("Rita holds the review lock")
    ada = s.get_document(w.ada, doc)
    assert not ada.can_edit_links and ada.can_release_lock
    alice = s.get_document(w.alice, doc)
    assert (
        not alice.can_edit_links and alice.edit_blocked_reason == "only a reviewer can change links"
    )
    w.clock.advance(hours=2)  # the lock expired: anyone permitted may edit
    assert s.get_document(w.rob, doc).can_edit_links
    submitted = w.to_state("submitted")
    view = s.get_document(w.rita, submitted)
    assert not view.can_edit_links and "claim" in view.edit_blocked_reason


# --------------------------------------------------------------------------- 8. passwords


def test_everyone_changes_their_own_password_with_the_current_one(w: World):
    s = w.svc
    for who in ("alice", "rita", "ada"):
        actor = s.actor(who)
        with pytest.raises(AuthenticationFailed, match="current password is wrong"):
            s.set_password(actor, who, "a brand new password", current_password="wrong one")
        s.set_password(actor, who, "a brand new password", current_password=PASSWORD)
        assert s.authenticate(who, "a brand new password").username == who
    with pytest.raises(ValidationFailed, match="at least"):
        s.set_password(s.actor("rita"), "rita", "short", current_password="a brand new password")


def test_admin_resets_another_users_password_once(w: World):
    s = w.svc
    new = s.reset_password(w.ada, "rob")
    assert len(new) >= 10 and new != PASSWORD
    assert s.authenticate("rob", new).username == "rob"
    with pytest.raises(AuthenticationFailed):
        s.authenticate("rob", PASSWORD)
    assert s.reset_password(w.ada, "rob") != new  # random each time
    with pytest.raises(PermissionDenied):
        s.reset_password(w.rita, "rob")
    with pytest.raises(ValidationFailed, match="Account page"):
        s.reset_password(w.ada, "ada")
    with pytest.raises(NotFound):
        s.reset_password(w.ada, "nobody")


# --------------------------------------------------------------------------- 9. review items


def test_review_items_are_the_agency_kinds_competencies(w: World):
    s = w.svc
    general = w.upload(w.alice, STAFF_WELLNESS).document_id
    special = w.upload(w.bert, STAFF_WELLNESS).document_id
    fw = s.framework()
    assert [it.id for it in s.review_items(w.rita, general)] == [
        it.id for it in fw.required_items("general")
    ]
    assert [it.id for it in s.review_items(w.rita, special)] == [
        it.id for it in fw.required_items("specialised")
    ]
    assert any(it.tier == "advanced" for it in s.review_items(w.rita, special))
    assert not any(it.tier == "advanced" for it in s.review_items(w.rita, general))
    with pytest.raises(NotFound):
        s.review_items(w.bert, general)


# --------------------------------------------------------------------------- 9. view details


def test_document_view_carries_the_latest_change_request_and_annotatable(w: World):
    s = w.svc
    doc = w.to_state("changes_requested")
    view = s.get_document(w.alice, doc)
    req = view.latest_change_request
    assert req is not None
    assert (req.action, req.actor, req.comment) == (
        "request_changes",
        "Rita",
        "please add a section on training",
    )
    assert view.annotatable
    assert s.get_document(w.alice, w.to_state("draft")).latest_change_request is None


def test_a_plain_text_upload_is_not_annotatable(w: World):
    r = w.svc.upload(w.alice, b"Purpose\n\nStaff wellness matters.\n", "policy.txt")
    assert w.svc.get_document(w.alice, r.document_id).versions[0].filename == "policy.txt"
    assert not w.svc.get_document(w.alice, r.document_id).annotatable
