"""The hostile-upload corpus (``tests/hostile_files.py``) driven end to end: through the upload
service as an agency user (new documents and new versions), through ``competency-review analyze``
(in-process and as a real process) and through the upload page (AppTest ``file_uploader``).

For every file the parser must refuse: a typed :class:`UnreadableDocument` with the expected
reason and a clear message (no traceback, no server path, nothing of the file's hostile payload),
and the data directory byte-for-byte unchanged — no original written, no record touched. For every
file it must accept: the document is stored, its original kept byte for byte under a safe name.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from functools import cache
from pathlib import Path

import pytest

from review.auth import SYSTEM, Actor
from review.cli import main
from review.errors import UnreadableDocument
from review.services import ReviewService
from review.viewmodels import md_text
from tests.conftest import store_hash
from tests.hostile_files import HostileCase, _cases, generate_corpus

ROOT = Path(__file__).resolve().parent.parent
ALICE = Actor("alice", "agency_user", "agA", "Alice")
CASES = [(c[0], c[3]) for c in _cases()]  # (name, expected reason or None): cheap, no bytes
REFUSED = [n for n, exp in CASES if exp is not None]
ACCEPTED = [n for n, exp in CASES if exp is None]
#: words a refusal message must not carry: internals, or the payload of a hostile file
NOT_IN_MESSAGES = ("Traceback", "Error(", "Exception", "root:x:0", "lollol", 'File "')


def test_the_corpus_is_big_enough():
    assert len(CASES) >= 25 and len(REFUSED) >= 25 and ACCEPTED


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, HostileCase]:
    return {c.name: c for c in generate_corpus(tmp_path_factory.mktemp("hostile"))}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A store with an agency, its user (alice) and one draft document of hers."""
    from tests.e2e_support import policy_docx

    root = tmp_path_factory.mktemp("hstore") / "data"
    svc = ReviewService(data_dir=root)
    svc.repo.add_agency({"id": "agA", "name": "Northwoods", "kind": "general", "created_at": ""})
    svc.create_user(SYSTEM, "alice", "hostile password 1", "agency_user", "agA", "Alice")
    doc = svc.upload(ALICE, policy_docx(), "policy.docx").document_id
    return root, doc


@cache
def _suggester():
    from review.engine import Suggester
    from review.framework import get_framework

    return Suggester(get_framework())


@pytest.fixture
def store(template, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    src, doc = template
    dst = tmp_path / "data"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("*.lock"))
    monkeypatch.setenv("COMPETENCY_REVIEW_DATA", str(dst))
    svc = ReviewService(data_dir=dst, suggester_factory=lambda fw: _suggester())
    return svc, dst, doc


def _limits(case: HostileCase, monkeypatch: pytest.MonkeyPatch) -> None:
    if case.max_upload_bytes:
        mb = case.max_upload_bytes // (1024 * 1024)
        assert mb * 1024 * 1024 == case.max_upload_bytes, "the env setting counts whole MB"
        monkeypatch.setenv("COMPETENCY_REVIEW_MAX_UPLOAD_MB", str(mb))


def assert_clear_message(message: str, data_dir: Path) -> None:
    assert len(message) >= 30 and message[0].isupper(), message
    for bad in NOT_IN_MESSAGES:
        assert bad not in message, (bad, message)
    assert str(data_dir) not in message and "/tmp/" not in message, message


# --------------------------------------------------------------------------- services


@pytest.mark.parametrize("name", REFUSED)
def test_refused_upload_leaves_the_store_unchanged(corpus, store, name: str, monkeypatch):
    svc, data_dir, doc = store
    case = corpus[name]
    _limits(case, monkeypatch)
    data = case.path.read_bytes()
    before = store_hash(data_dir)
    originals = sorted(p.name for p in (data_dir / "originals").iterdir())

    with pytest.raises(UnreadableDocument) as info:
        svc.upload(ALICE, data, case.filename)
    assert info.value.reason == case.expected, str(info.value)
    assert_clear_message(str(info.value), data_dir)
    assert store_hash(data_dir) == before

    # the same file as a new version of an existing draft: refused the same way, nothing changes
    with pytest.raises(UnreadableDocument) as again:
        svc.upload(ALICE, data, case.filename, document_id=doc)
    assert again.value.reason == case.expected
    assert store_hash(data_dir) == before
    assert sorted(p.name for p in (data_dir / "originals").iterdir()) == originals
    assert [d.id for d in svc.list_documents(ALICE)] == [doc]
    assert svc.get_document(ALICE, doc).summary.current_version == 1


@pytest.mark.parametrize("name", ACCEPTED)
def test_accepted_upload_is_stored_whole(corpus, store, name: str, monkeypatch):
    svc, data_dir, _ = store
    case = corpus[name]
    _limits(case, monkeypatch)
    data = case.path.read_bytes()
    result = svc.upload(ALICE, data, case.filename)
    view = svc.get_document(ALICE, result.document_id)
    assert view.state == "draft" and result.section_count >= 1
    filename, original = svc.original(ALICE, result.document_id)
    if result.removed:  # made inert (review.parsing.sanitize): the stored copy is the clean one
        import io
        import zipfile

        names = zipfile.ZipFile(io.BytesIO(original)).namelist()
        assert not any(n.lower().startswith("word/embeddings/") for n in names)
        assert "Removed from the stored copy" in result.message
        data = original
    assert original == data
    if case.expected_safe_name is not None:
        assert filename == case.expected_safe_name
    for bad in ("/", "\\", "\x00", "\u202e", "\r", "\n"):
        assert bad not in filename, repr(filename)
    stored = [p for p in (data_dir / "originals").iterdir() if p.is_file()]
    sha = hashlib.sha256(data).hexdigest()
    mine = [p for p in stored if p.name.startswith(sha)]
    assert len(mine) == 1 and mine[0].read_bytes() == data
    # the stored copy lives in originals/, named by its hash: the upload's name chose no path
    assert mine[0].parent == data_dir / "originals"
    assert all(p.resolve().is_relative_to(data_dir.resolve()) for p in data_dir.rglob("*"))
    text = " ".join(s.full_text for s in svc.sections(ALICE, result.document_id))
    assert "root:x:0" not in text


@pytest.mark.parametrize("filename", ["invoice\u202excod.exe", "policy.d\u043ecx"])
def test_original_is_kept_under_its_real_format(store, filename: str):
    from tests.e2e_support import policy_docx

    svc, data_dir, _ = store
    data = policy_docx()
    svc.upload(ALICE, data, filename)
    sha = hashlib.sha256(data).hexdigest()
    assert (data_dir / "originals" / f"{sha}.docx").read_bytes() == data


# --------------------------------------------------------------------------- command line


@pytest.mark.parametrize("name", [n for n, _ in CASES])
def test_cli_analyze(corpus, tmp_path: Path, name: str, monkeypatch, capsys):
    from review.parsing import safe_filename

    case = corpus[name]
    _limits(case, monkeypatch)
    path = tmp_path / safe_filename(case.filename)
    shutil.copyfile(case.path, path)
    rc = main(["analyze", str(path)])
    out, err = capsys.readouterr()
    if case.expected is None:
        assert rc == 0, err
        assert "sections, framework" in out
        return
    assert rc == 3, (rc, err)
    assert err.startswith("competency-review: ") and err.count("\n") == 1, err
    assert_clear_message(err.removeprefix("competency-review: ").strip(), tmp_path / "nothing")
    assert out == ""


REPRESENTATIVE = ["zip_bomb_ratio", "encrypted_word", "macro_docm", "external_entity"]


@pytest.mark.parametrize("name", REPRESENTATIVE)
def test_cli_analyze_as_a_process(corpus, tmp_path: Path, name: str):
    case = corpus[name]
    path = tmp_path / Path(case.filename).name
    shutil.copyfile(case.path, path)
    p = subprocess.run(
        [sys.executable, "-m", "review", "analyze", str(path)],
        cwd=ROOT,
        env={**os.environ, "COMPETENCY_REVIEW_DATA": str(tmp_path / "data")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 3, p.stderr
    assert "Traceback" not in p.stderr and p.stdout == ""
    assert p.stderr.startswith("competency-review: ")


# --------------------------------------------------------------------------- the upload page


# .docx names only: the uploader widget itself refuses other extensions (a .docm never reaches us)
@pytest.mark.parametrize("name", ["zip_bomb_ratio", "encrypted_word", "macro_renamed_docx"])
def test_upload_page_shows_the_message_and_stores_nothing(corpus, store, name: str):
    from streamlit.testing.v1 import AppTest

    svc, data_dir, doc = store
    case = corpus[name]
    data = case.path.read_bytes()
    with pytest.raises(UnreadableDocument) as info:  # the message the page must show
        svc.upload(ALICE, data, case.filename)
    actor = svc.authenticate("alice", "hostile password 1", "t")  # (clears failures: a write)
    before = store_hash(data_dir)

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.session_state["actor"] = actor
    at.session_state["last_activity"] = time.time()
    at.run()
    upload_page = next((ROOT / "pages").glob("*upload*.py"))  # the UI's file names may change
    at.switch_page(str(upload_page.relative_to(ROOT))).run()
    at.file_uploader[0].set_value((case.filename, data, "application/octet-stream"))
    at.button[0].click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    # shown as text (review.viewmodels.md_text: Markdown characters escaped), naming the file
    assert any(md_text(str(info.value)) in e for e in errors), errors
    shown = " ".join(str(m.value) for m in [*at.markdown, *at.error, *at.caption])
    assert "Traceback" not in shown
    assert store_hash(data_dir) == before
    assert [d.id for d in svc.list_documents(ALICE)] == [doc]


# --------------------------------------------------------------------------- concurrent uploads


def test_stemming_is_thread_safe():
    import random
    import string
    import threading

    import snowballstemmer

    from review.matching import stem

    rng = random.Random(3)
    ends = ["ing", "ation", "ness", "ers", "ised", "ically", "ments", "fulness", "ously"]
    batches = [
        [
            "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 9)))
            + rng.choice(ends)
            for _ in range(1500)
        ]
        for _ in range(6)
    ]
    ref = snowballstemmer.stemmer("english")
    expected = {w: ref.stemWord(w) for batch in batches for w in batch}
    problems: list[str] = []

    def work(batch: list[str]) -> None:
        for w in batch:
            try:
                got = stem(w)
            except Exception as exc:  # the bug shows as IndexError
                problems.append(repr(exc))
                continue
            if got != expected[w]:
                problems.append(f"{w} -> {got}, not {expected[w]}")

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, as a busy server does
    try:
        threads = [threading.Thread(target=work, args=(b,)) for b in batches]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    assert not problems, f"{len(problems)} wrong stems, e.g. {problems[:3]}"
