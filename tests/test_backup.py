"""Backup and restore (review/ops.py, ``competency-review backup|restore``): a store built through
the real services (parser, suggester, TinyDB) is backed up, restored elsewhere and compared record
by record; a backup taken while a writer thread works restores to a consistent store; damaged,
hostile and misplaced restores are refused."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import threading
import time
from pathlib import Path

import pytest

from review.cli import main
from review.errors import AuthenticationFailed
from review.ops import BackupError, backup, read_manifest, restore, store_is_empty
from review.services import ReviewService
from review.storage import TinyDBRepository, summary_of
from tests.e2e_support import SAMPLE_POLICY, Seed, approve, policy_docx

# --------------------------------------------------------------------------- helpers


def _policy(variant: int) -> bytes:
    """A distinct real .docx per variant (invented text; no eval-dev content)."""
    sections = [(h, f"{t} Variant {variant}.") for h, t in SAMPLE_POLICY]
    return policy_docx(sections, title=f"Youth Services Policy {variant}")


def build_store(data_dir: Path) -> Seed:
    """Documents in every state (one revised to version 2), decisions, a hand link, an assessment,
    comments, a held review lock and a failed sign-in, all through the services."""
    seed = Seed(data_dir)
    svc = seed.svc
    alice, bert, rita, admin = (seed.actor(u) for u in ("alice", "bert", "rita", "admin"))

    def upload(actor, variant: int) -> str:
        return svc.upload(actor, _policy(variant), f"policy-{variant}.docx").document_id

    upload(alice, 1)  # draft
    submitted = upload(alice, 2)
    svc.transition(alice, submitted, "submit")

    in_review = upload(bert, 3)  # a specialised agency: advanced competencies too
    svc.transition(bert, in_review, "submit")
    svc.transition(rita, in_review, "claim")
    links = svc.links(rita, in_review)
    svc.confirm_link(rita, in_review, links[0].id, note="clear statement")
    svc.reject_link(rita, in_review, links[1].id, reason="only mentions the word")
    section = svc.sections(rita, in_review)[0]
    svc.add_link(rita, in_review, section.id, "C2", note="added by hand")
    svc.comment(rita, in_review, "looking at the shelter section next")

    revised = upload(alice, 4)
    svc.transition(alice, revised, "submit")
    svc.transition(rita, revised, "claim")
    svc.confirm_link(rita, revised, svc.links(rita, revised)[0].id)
    svc.transition(rita, revised, "request_changes", "please describe staff training")
    svc.upload(alice, _policy(5), "policy-4-rev.docx", document_id=revised)  # revise -> draft

    approved = upload(alice, 6)
    svc.transition(alice, approved, "submit")
    svc.transition(rita, approved, "claim")
    for lk in svc.links(rita, approved):
        if lk.state == "suggested":
            svc.confirm_link(rita, approved, lk.id)
    gaps = [r.competency for r in svc.coverage(rita, approved) if r.status == "not_addressed"]
    if gaps:
        svc.assess(rita, approved, gaps[0], "not_applicable", "the agency runs no shelter")
    approve(svc, rita, approved)
    svc.comment(admin, approved, "signed off at the quarterly meeting")

    with pytest.raises(AuthenticationFailed):
        svc.authenticate("rob", "not the password", "10.0.0.7")
    return seed


def snapshot_records(data_dir: Path, repo=None) -> dict:  # type: ignore[no-untyped-def]
    """Every record of a store, read through the repository API, plus every original's bytes
    (``repo``: any store, e.g. PostgreSQL in tests/test_store_migration.py)."""
    repo = repo if repo is not None else TinyDBRepository(data_dir)
    docs = {}
    originals = {}
    for doc_id in repo.document_ids():
        with repo.document(doc_id) as tx:
            rec = tx.get()
            versions = tx.versions()
            docs[doc_id] = {
                "record": rec,
                "versions": versions,
                "links": {v["number"]: tx.links(v["number"]) for v in versions},
                "assessments": {v["number"]: tx.assessments(v["number"]) for v in versions},
                "history": tx.history(),
                "lock": tx.lock(),
                "summary": repo.summary(doc_id),
            }
        for v in versions:
            originals[v["sha256"]] = repo.read_original(v["sha256"], v["ext"])
    return {
        "schema": repo.schema_version,
        "agencies": sorted(repo.agencies(), key=lambda a: a["id"]),
        "users": sorted(repo.users(), key=lambda u: u["username"]),
        "failures": {
            k: repo.failures(k, "")
            for k in ("user:rob", "client:10.0.0.7", "user:alice", "client:seed")
        },
        "documents": docs,
        "originals": originals,
    }


def assert_consistent(data_dir: Path) -> dict:
    """The invariants a healthy store keeps; returns the records for further checks."""
    recs = snapshot_records(data_dir)
    repo = TinyDBRepository(data_dir)
    assert sorted(s["id"] for s in repo.summaries()) == sorted(recs["documents"])
    agencies = {a["id"] for a in recs["agencies"]}
    users = {u["username"] for u in recs["users"]}
    for doc_id, d in recs["documents"].items():
        rec = d["record"]
        assert d["summary"] == summary_of(rec), doc_id
        assert rec["agency_id"] in agencies
        numbers = [v["number"] for v in d["versions"]]
        assert numbers == list(range(1, rec["current_version"] + 1))
        for v in d["versions"]:
            data = recs["originals"][v["sha256"]]
            assert hashlib.sha256(data).hexdigest() == v["sha256"]
            assert v["uploaded_by"] in users
            keys = [(lk["section_id"], lk["competency"]) for lk in d["links"][v["number"]]]
            assert len(keys) == len(set(keys)), "a duplicated link"
        moves = [h for h in d["history"] if h["from_state"] != h["to_state"]]
        assert moves[-1]["to_state"] == rec["state"], doc_id
        for prev, nxt in zip(moves, moves[1:], strict=False):
            assert prev["to_state"] == nxt["from_state"], doc_id
    return recs


def _tar_with(path: Path, members: dict[str, bytes], links: dict[str, str] | None = None) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tar.addfile(info)


def _manifest_for(members: dict[str, bytes]) -> bytes:
    return json.dumps(
        {
            "format": "competency-review-backup",
            "format_version": 1,
            "schema_version": 1,
            "created_at": "2024-05-01T09:00:00+00:00",
            "counts": {},
            "files": {
                n: {"sha256": hashlib.sha256(d).hexdigest(), "size": len(d)}
                for n, d in members.items()
            },
        }
    ).encode()


# --------------------------------------------------------------------------- round trip


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A store in every state and its backup (built once: uploads parse and match real .docx)."""
    root = tmp_path_factory.mktemp("store")
    data = root / "data"
    data.mkdir()
    build_store(data)
    archive = root / "backup.tar.gz"
    backup(data, archive)
    return data, archive


def test_round_trip_restores_every_record_and_original(built, tmp_path: Path):
    data, archive = built
    before = assert_consistent(data)
    states = {d["record"]["state"] for d in before["documents"].values()}
    assert states == {"draft", "submitted", "in_review", "approved"}
    assert any(d["record"]["current_version"] == 2 for d in before["documents"].values())
    assert before["failures"]["user:rob"] and before["failures"]["client:10.0.0.7"]

    target = tmp_path / "restored"
    result = restore(archive, target)
    assert result.moved_aside is None
    after = assert_consistent(target)
    assert after == before
    # and the restored store works through the services
    svc = ReviewService(data_dir=target)
    docs = svc.list_documents(svc.actor("rita"))
    assert len(docs) == len(before["documents"])


def test_restored_users_sign_in_with_their_passwords(tmp_path: Path):
    data = tmp_path / "data"
    data.mkdir()
    seed = Seed(data)
    backup(data, tmp_path / "b.tar.gz")
    restore(tmp_path / "b.tar.gz", tmp_path / "restored")
    svc = ReviewService(data_dir=tmp_path / "restored")
    for user, pw in seed.passwords.items():
        assert svc.authenticate(user, pw, "test").username == user


def test_manifest_lists_every_file_with_its_checksum(built, tmp_path: Path):
    data, archive = built
    manifest = read_manifest(archive)
    assert manifest["schema_version"] == TinyDBRepository(data).schema_version
    counts = manifest["counts"]
    repo = TinyDBRepository(data)
    assert counts["documents"] == len(repo.document_ids()) == 5
    assert counts["users"] == len(repo.users()) and counts["agencies"] == 2
    assert counts["versions"] == 6 and counts["originals"] == 6
    with tarfile.open(archive) as tar:
        names = {m.name for m in tar.getmembers()}
        assert names == set(manifest["files"]) | {"manifest.json"}
        for name, meta in manifest["files"].items():
            blob = tar.extractfile(name).read()  # type: ignore[union-attr]
            assert hashlib.sha256(blob).hexdigest() == meta["sha256"]
            assert len(blob) == meta["size"]
    assert not any(n.endswith((".lock", ".tmp")) for n in names)
    assert oct(archive.stat().st_mode & 0o777) == oct(0o600)


def test_demo_logins_never_travel_in_a_backup(tmp_path: Path):
    data = tmp_path / "data"
    data.mkdir()
    Seed(data)
    (data / "demo-logins.txt").write_text("admin  secret-demo-password  (admin)\n")
    backup(data, tmp_path / "b.tar.gz")
    with tarfile.open(tmp_path / "b.tar.gz") as tar:
        assert not any("demo-logins" in m.name for m in tar.getmembers())
        for m in tar.getmembers():
            if m.isfile():
                assert b"secret-demo-password" not in tar.extractfile(m).read()  # type: ignore[union-attr]


# --------------------------------------------------------------------------- while a writer works


def test_backup_while_a_writer_thread_works_restores_consistently(tmp_path: Path):
    data = tmp_path / "data"
    data.mkdir()
    seed = Seed(data)
    alice, rita = seed.actor("alice"), seed.actor("rita")
    docs = [policy_docx(title=f"Policy {i}") for i in range(3)]
    done: list[str] = []  # uploads that returned, in order
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        svc = ReviewService(data_dir=data)  # its own service, as another session would have
        i = 0
        try:
            while not stop.is_set():
                doc = svc.upload(alice, docs[i % 3], f"p{i}.docx").document_id
                svc.transition(alice, doc, "submit")
                svc.transition(rita, doc, "claim")
                for lk in svc.links(rita, doc)[:3]:
                    svc.confirm_link(rita, doc, lk.id)
                done.append(doc)
                i += 1
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    t = threading.Thread(target=writer)
    t.start()
    archives = []
    try:
        deadline = time.monotonic() + 60
        while len(done) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        for k in range(3):
            before = list(done)
            archives.append((backup(data, tmp_path / f"b{k}.tar.gz").path, before))
            time.sleep(0.2)
    finally:
        stop.set()
        t.join(timeout=120)
    assert not errors, errors
    assert len(done) >= 2
    for k, (archive, returned_before) in enumerate(archives):
        target = tmp_path / f"restored{k}"
        restore(archive, target)
        recs = assert_consistent(target)
        # every document whose writes had all returned before the backup began is in it, whole
        for doc_id in returned_before:
            d = recs["documents"][doc_id]
            assert d["record"]["state"] == "in_review"
            confirmed = [lk for lk in d["links"][1] if lk["state"] == "confirmed"]
            assert len(confirmed) == min(3, len(d["links"][1]))


# --------------------------------------------------------------------------- refusals


def test_restore_refuses_a_store_with_data_unless_forced(built, tmp_path: Path):
    _, archive = built
    target = tmp_path / "busy"
    target.mkdir()
    other = Seed(target)
    other.upload("alice")
    before = snapshot_records(target)
    with pytest.raises(BackupError, match="already holds a store.*--force"):
        restore(archive, target)
    assert snapshot_records(target) == before  # untouched

    result = restore(archive, target, force=True)
    assert result.moved_aside is not None and result.moved_aside.parent == target
    assert snapshot_records(result.moved_aside) == before  # kept aside, not deleted
    assert len(TinyDBRepository(target).document_ids()) == 5


def test_an_opened_but_empty_store_counts_as_empty(built, tmp_path: Path):
    _, archive = built
    target = tmp_path / "fresh"
    ReviewService(data_dir=target)  # the app opened it: schema row only
    assert store_is_empty(target)
    result = restore(archive, target)
    assert result.moved_aside is None
    assert not any(p.name.startswith(("pre-restore-", ".restore-")) for p in target.iterdir())


def test_a_tampered_archive_is_refused_and_nothing_changes(built, tmp_path: Path):
    _, archive = built
    with tarfile.open(archive) as tar:
        members = {
            m.name: tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar.getmembers()
            if m.isfile()
        }
    name = next(n for n in members if n.startswith("store/documents/"))
    members[name] = members[name] + b" "  # still valid JSON, but not the bytes backed up
    bad = tmp_path / "tampered.tar.gz"
    _tar_with(bad, members)
    target = tmp_path / "target"
    with pytest.raises(BackupError, match="does not match its checksum"):
        restore(bad, target)
    assert store_is_empty(target)
    assert not any(p.name.startswith(".restore-") for p in target.iterdir())


@pytest.mark.parametrize(
    ("members", "links", "message"),
    [
        pytest.param({"store/../../evil.txt": b"x"}, None, "unsafe path", id="dotdot"),
        pytest.param({"/etc/evil.txt": b"x"}, None, "unsafe path", id="absolute"),
        pytest.param({"elsewhere/evil.txt": b"x"}, None, "unsafe path", id="outside-parts"),
        pytest.param({}, {"store/directory.json": "/etc/passwd"}, "link", id="symlink"),
    ],
)
def test_hostile_archives_are_refused(tmp_path: Path, members, links, message):
    listed = dict(members)
    for name in links or {}:
        listed[name] = b""
    bad = tmp_path / "hostile.tar.gz"
    _tar_with(bad, {"manifest.json": _manifest_for(listed), **members}, links)
    target = tmp_path / "target"
    with pytest.raises(BackupError, match=message):
        restore(bad, target)
    assert not (tmp_path / "evil.txt").exists()
    assert store_is_empty(target)


def test_unlisted_member_and_missing_member_are_refused(tmp_path: Path):
    good = {"store/directory.json": b"{}"}
    bad = tmp_path / "extra.tar.gz"
    _tar_with(bad, {"manifest.json": _manifest_for(good), **good, "store/extra.json": b"{}"})
    with pytest.raises(BackupError, match="does not list"):
        restore(bad, tmp_path / "t1")
    short = tmp_path / "short.tar.gz"
    _tar_with(short, {"manifest.json": _manifest_for({**good, "originals/x.docx": b"x"}), **good})
    with pytest.raises(BackupError, match="incomplete"):
        restore(short, tmp_path / "t2")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"not a tar at all", "not a readable backup", id="not-tar"),
        pytest.param(None, "no manifest", id="no-manifest"),
    ],
)
def test_not_a_backup(tmp_path: Path, content, message):
    path = tmp_path / "x.tar.gz"
    if content is None:
        _tar_with(path, {"store/directory.json": b"{}"})
    else:
        path.write_bytes(content)
    with pytest.raises(BackupError, match=message):
        restore(path, tmp_path / "t")


def test_a_newer_schema_is_refused(tmp_path: Path):
    manifest = json.loads(_manifest_for({}))
    manifest["schema_version"] = 99
    path = tmp_path / "future.tar.gz"
    _tar_with(path, {"manifest.json": json.dumps(manifest).encode()})
    with pytest.raises(BackupError, match="schema 99"):
        restore(path, tmp_path / "t")


def test_backup_of_a_missing_store_is_refused(tmp_path: Path):
    with pytest.raises(BackupError, match="no store to back up"):
        backup(tmp_path / "nothing", tmp_path / "b.tar.gz")
    assert not (tmp_path / "b.tar.gz").exists()


# --------------------------------------------------------------------------- command line


def test_cli_backup_and_restore(
    built, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
):
    source, _ = built
    monkeypatch.setenv("COMPETENCY_REVIEW_DATA", str(source))
    out_dir = tmp_path / "backups"
    out_dir.mkdir()
    assert main(["backup", str(out_dir)]) == 0
    out = capsys.readouterr().out
    archives = list(out_dir.glob("competency-review-*.tar.gz"))
    assert len(archives) == 1 and str(archives[0]) in out
    assert "5 documents" in out and "6 originals" in out

    monkeypatch.setenv("COMPETENCY_REVIEW_DATA", str(data_dir))
    assert main(["restore", str(archives[0])]) == 0
    assert "restored the backup" in capsys.readouterr().out
    assert snapshot_records(data_dir) == snapshot_records(source)

    # a second restore onto the now non-empty store: refused with a message, exit 1
    assert main(["restore", str(archives[0])]) == 1
    err = capsys.readouterr().err
    assert "already holds a store" in err and "Traceback" not in err
    assert main(["restore", "--force", str(archives[0])]) == 0
    assert "moved to" in capsys.readouterr().out

    assert main(["restore", str(tmp_path / "missing.tar.gz")]) == 1
    assert "no such backup file" in capsys.readouterr().err


def test_cli_restore_runs_as_a_process(built, tmp_path: Path):
    import subprocess
    import sys

    _, archive = built
    target = tmp_path / "proc"
    env = {**os.environ, "COMPETENCY_REVIEW_DATA": str(target)}
    p = subprocess.run(
        [sys.executable, "-m", "review", "restore", str(archive)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert p.returncode == 0, p.stderr
    assert len(TinyDBRepository(target).document_ids()) == 5


def test_backup_and_restore_keep_the_audit_trail(tmp_path: Path):
    from review.ops import backup, restore
    from review.storage import TinyDBRepository

    src = tmp_path / "src"
    repo = TinyDBRepository(src)
    events = [
        {
            "time": "2026-11-30T10:00:00+00:00",
            "actor": "ada",
            "action": "user_create",
            "target": "rita",
        },
        {
            "time": "2026-12-01T09:00:00+00:00",
            "actor": "rita",
            "action": "sign_in",
            "target": "rita",
        },
    ]
    repo.append_audit(events)
    archive = backup(src, tmp_path / "b.tar.gz").path
    restore(archive, tmp_path / "dst")
    got = TinyDBRepository(tmp_path / "dst").audit_events()
    assert [(e["actor"], e["action"]) for e in got] == [("rita", "sign_in"), ("ada", "user_create")]
