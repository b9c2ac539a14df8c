"""Who may do what, in which state: every service action × persona × document state.

The matrix is *generated from the workflow definition* (``WORKFLOW.transitions``,
``WORKFLOW.permissions``), so a new transition, state or permission lands in this test without
anyone editing it. Expectations are computed from that data plus the small explicit table of
guard facts below (what is true in this setup: who uploaded, who holds the review lock …) —
never by calling the guard functions under test. Each case runs on a fresh copy of a store built
through the real services (parser, suggester, TinyDB), attempts the action through the services
and asserts allowed or refused (with the refusal's type); a refused action must leave the store
byte-for-byte unchanged, an allowed transition must move the state and append to the history.

Personas: a forged actor that is not a stored user (even claiming admin: the services re-load
the actor), a deactivated user, the agency user of the document's agency, an agency user of
another agency (who must get ``NotFound``: no leak), the reviewer who claimed it, another
reviewer, and an admin.

Also here: sign-in hardening (throttling per user and per client, deactivated users, the hash
format, no secrets in the repository, session expiry in the UI).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from review.auth import CLIENT_MAX_FAILURES, SYSTEM, Actor
from review.errors import (
    AuthenticationFailed,
    LockHeld,
    NotFound,
    PermissionDenied,
    ReviewError,
    TransitionRefused,
)
from review.models import STATES
from review.services import ReviewService
from review.workflow import GUARDS, PERMISSIONS, WORKFLOW, Transition
from tests.conftest import DATABASE_URL, pg_restore, pg_snapshot, raw_users, store_hash
from tests.e2e_support import SAMPLE_POLICY, approve, policy_docx

ROOT = Path(__file__).resolve().parent.parent
COMMENT = "matrix comment"

# --------------------------------------------------------------------------- personas


@dataclass(frozen=True)
class Persona:
    key: str
    actor: Actor
    #: what the services must answer before any permission is weighed
    gate: type[ReviewError] | None = None


ALICE = Actor("alice", "agency_user", "agA", "Alice")  # uploaded every document (agency A)
PERSONAS = {
    p.key: p
    for p in (
        # not in the store, claiming the strongest role: the services re-load every actor
        Persona("anonymous", Actor("nobody", "admin", None, "Forged"), AuthenticationFailed),
        Persona("deactivated", Actor("dora", "agency_user", "agA", "Dora"), AuthenticationFailed),
        Persona("agency_same", ALICE),
        Persona("agency_other", Actor("bert", "agency_user", "agB", "Bert"), NotFound),
        Persona("reviewer", Actor("rita", "reviewer", None, "Rita")),  # claimed the document
        Persona("reviewer_other", Actor("rob", "reviewer", None, "Rob")),
        Persona("admin", Actor("ada", "admin", None, "Ada")),
    )
}

# --------------------------------------------------------------------------- guard facts

#: who holds a live review lock on the document in each state of this setup: ``claim`` takes it,
#: ``request_changes`` and ``approve`` drop it, nothing else touches it
LOCK_HOLDER: dict[str, str | None] = {
    "draft": None,
    "submitted": None,
    "in_review": "rita",
    "changes_requested": None,
    "approved": None,
}


def _lock_free_for(p: Persona, state: str, via_upload: bool) -> bool:
    return LOCK_HOLDER[state] in (None, p.actor.username)


#: each guard of the workflow definition → whether it holds in this setup, written out by hand
GUARD_FACTS: dict[str, Callable[[Persona, str, bool], bool]] = {
    "has_version": lambda p, s, up: True,  # every document was uploaded
    "lock_not_held_by_other": _lock_free_for,
    "not_uploader": lambda p, s, up: p.actor.username != ALICE.username,  # alice uploaded all
    "holds_lock": lambda p, s, up: LOCK_HOLDER[s] == p.actor.username,
    # the matrix approves as the UI does: with a conclusion, accepting the open findings
    "open_findings_accepted": lambda p, s, up: True,
    "second_reviewer": lambda p, s, up: True,  # the four-eyes rule is off in this setup
    "all_suggestions_decided": lambda p, s, up: True,  # the setup decides every suggestion
    "new_version_uploaded": lambda p, s, up: up,  # only an upload carries a new version
}


def transition_allowed(t: Transition, p: Persona, state: str, via_upload: bool) -> bool:
    """The expectation, from the definition and the facts above."""
    return (
        state in t.from_states
        and p.actor.role in t.roles
        and (t.manual or via_upload)  # a non-manual transition happens only through its action
        and all(GUARD_FACTS[g](p, state, via_upload) for g in t.guards)
    )


def test_every_guard_has_a_fact_and_every_state_a_setup():
    """A new guard or state must come with its fact here, or the matrix would guess."""
    named = {g for t in WORKFLOW.transitions.values() for g in t.guards}
    assert named <= set(GUARD_FACTS), named - set(GUARD_FACTS)
    assert named <= set(GUARDS)
    assert set(WORKFLOW.states) == set(STATES) == set(LOCK_HOLDER)


# --------------------------------------------------------------------------- the store


def _policy(n: int) -> bytes:
    return policy_docx([(h, f"{t} Copy {n}.") for h, t in SAMPLE_POLICY], title=f"Policy {n}")


def _build_template(root: Path) -> dict[str, Any]:
    """One document of agency A in each state, driven there through the services."""
    svc = ReviewService(data_dir=root)
    # fixed agency ids (the personas carry them), through the repository
    svc.repo.add_agency({"id": "agA", "name": "Northwoods", "kind": "general", "created_at": ""})
    svc.repo.add_agency(
        {"id": "agB", "name": "Harbor Light", "kind": "specialised", "created_at": ""}
    )
    for p in PERSONAS.values():
        if p.key == "anonymous":
            continue
        svc.create_user(
            SYSTEM,
            p.actor.username,
            "matrix password 1",
            p.actor.role,
            p.actor.agency_id,
            p.actor.display_name,
        )
    svc.set_user_active(SYSTEM, "dora", False)
    rita = PERSONAS["reviewer"].actor
    docs: dict[str, str] = {}
    for n, state in enumerate(STATES):
        doc = svc.upload(ALICE, _policy(n), f"policy-{n}.docx").document_id
        docs[state] = doc
        if state == "draft":
            continue
        svc.transition(ALICE, doc, "submit")
        if state == "submitted":
            continue
        svc.transition(rita, doc, "claim")
        for lk in svc.links(rita, doc):
            if lk.state == "suggested":
                svc.confirm_link(rita, doc, lk.id)
        if state == "changes_requested":
            svc.transition(rita, doc, "request_changes", "add a training section")
        elif state == "approved":
            approve(svc, rita, doc)
    # facts the cases need: a link to decide, a (section, competency) pair not linked yet
    facts: dict[str, Any] = {"docs": docs, "link": {}, "free_pair": {}, "competency": {}}
    for state, doc in docs.items():
        with svc.repo.document(doc) as tx:
            rec = tx.get()
            v = tx.version(rec["current_version"])
            links = tx.links(rec["current_version"])
        assert rec["state"] == state
        facts["link"][state] = links[0]["id"]
        linked = {(lk["section_id"], lk["competency"]) for lk in links}
        facts["free_pair"][state] = next(
            (s["id"], c)
            for s in v["parsed"]["sections"]
            for c in v["items"]
            if (s["id"], c) not in linked
        )
        facts["competency"][state] = v["items"][0]
    return facts


@pytest.fixture(
    scope="module", params=["tinydb", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def matrix_store(request: pytest.FixtureRequest) -> str:
    """The matrix runs on both stores: "" (TinyDB) or the PostgreSQL URL (tests/conftest.py)."""
    if request.param == "tinydb":
        return ""
    from review.storage_pg import shared_repository

    url = request.getfixturevalue("pg_server").url
    shared_repository(url).wipe()
    return url


def _use_store(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if url:
        monkeypatch.setenv(DATABASE_URL, url)


@pytest.fixture(scope="module")
def template(matrix_store: str, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("matrix") / "template"
    root.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        _use_store(matrix_store, mp)
        facts = _build_template(root)
        if matrix_store:
            pg_snapshot(matrix_store, "matrix_template")
    return root, facts, matrix_store


@cache
def _suggester():
    from review.engine import Suggester
    from review.framework import get_framework

    return Suggester(get_framework())


@pytest.fixture
def world(
    template, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[ReviewService, dict[str, Any], Path]:
    """A private copy of the template store for one case."""
    src, facts, url = template
    dst = tmp_path / "data"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("*.lock"))
    if url:
        _use_store(url, monkeypatch)
        pg_restore(url, "matrix_template")
    svc = ReviewService(data_dir=dst, suggester_factory=lambda fw: _suggester())
    return svc, facts, dst


# --------------------------------------------------------------------------- transitions


def _transition_cases():
    for t in WORKFLOW.transitions.values():
        for state in WORKFLOW.states:
            for key in PERSONAS:
                yield pytest.param(t.id, state, key, id=f"{t.id}-{state}-{key}")


def _accepting(svc: ReviewService, doc: str, action: str) -> dict[str, int]:
    """What the approve form sends: the acceptance of exactly the open findings."""
    if action != "approve":
        return {}
    return {"accept_open_findings": svc.coverage_summary(SYSTEM, doc).gaps}


@pytest.mark.parametrize(("action", "state", "persona"), list(_transition_cases()))
def test_transition_matrix(world, action: str, state: str, persona: str):
    svc, facts, data_dir = world
    t = WORKFLOW.transitions[action]
    p = PERSONAS[persona]
    doc = facts["docs"][state]
    before = store_hash(data_dir)
    history_before = len(svc.history(SYSTEM, doc))

    if t.manual:
        expected = transition_allowed(t, p, state, via_upload=False)
        if p.gate is not None:
            with pytest.raises(p.gate):
                svc.transition(p.actor, doc, action, COMMENT)
            assert store_hash(data_dir) == before
            return
        if expected:
            view = svc.transition(p.actor, doc, action, COMMENT, **_accepting(svc, doc, action))
            assert view.state == t.to_state
            last = svc.history(SYSTEM, doc)[-1]
            assert (last.action, last.actor, last.from_state, last.to_state) == (
                action,
                p.actor.username,
                state,
                t.to_state,
            )
            assert len(svc.history(SYSTEM, doc)) == history_before + 1
        else:
            with pytest.raises(TransitionRefused):
                svc.transition(p.actor, doc, action, COMMENT, **_accepting(svc, doc, action))
            assert store_hash(data_dir) == before
        return

    # a non-manual transition (revise) happens through its action: uploading a new version
    # never as a bare transition: refused before the document is looked up, with the same answer
    # for every document (so it leaks nothing to another agency)
    bare = AuthenticationFailed if p.gate is AuthenticationFailed else TransitionRefused
    with pytest.raises(bare) as info:
        svc.transition(p.actor, doc, action, COMMENT)
    if bare is TransitionRefused:
        with pytest.raises(TransitionRefused) as missing:
            svc.transition(p.actor, "doesnotexist1", action, COMMENT)
        assert str(info.value) == str(missing.value)
    expected = p.gate is None and transition_allowed(t, p, state, via_upload=True)
    try:
        result = svc.upload(p.actor, _policy(99), "revised.docx", document_id=doc)
    except ReviewError as err:
        assert not expected, f"refused: {err}"
        if p.gate is not None:
            assert isinstance(err, p.gate)
        assert store_hash(data_dir) == before
        return
    assert (result.transition == action) == expected
    if expected:
        assert result.state == t.to_state
        assert svc.get_document(SYSTEM, doc).state == t.to_state
        actions = [h.action for h in svc.history(SYSTEM, doc)[history_before:]]
        assert actions == ["upload", action]


def test_the_ui_offers_exactly_the_allowed_manual_transitions(
    template, monkeypatch: pytest.MonkeyPatch
):
    """``DocumentView.actions`` against the same expectation, for every persona and state."""
    root, facts, url = template
    _use_store(url, monkeypatch)
    if url:
        pg_restore(url, "matrix_template")
    svc = ReviewService(data_dir=root)
    for state, doc in facts["docs"].items():
        for p in PERSONAS.values():
            if p.gate is not None:
                with pytest.raises(p.gate):
                    svc.get_document(p.actor, doc)
                continue
            offered = set(svc.get_document(p.actor, doc).actions)
            expected = {
                t.id
                for t in WORKFLOW.transitions.values()
                if t.manual and transition_allowed(t, p, state, via_upload=False)
            }
            assert offered == expected, (state, p.key)


# --------------------------------------------------------------------------- other actions


@dataclass(frozen=True)
class Action:
    name: str
    permission: str | None  # the workflow permission it needs (None: release_lock's own rule)
    run: Callable[[ReviewService, Actor, dict[str, Any], str], Any]
    edits: bool = False  # needs the review lock as well
    uploads: bool = False


def _view(svc: ReviewService, a: Actor, facts: dict[str, Any], state: str) -> None:
    doc = facts["docs"][state]
    svc.get_document(a, doc)
    svc.sections(a, doc)
    svc.links(a, doc)
    svc.history(a, doc)
    svc.coverage(a, doc)
    svc.lock_status(a, doc)
    name, data = svc.original(a, doc)
    assert data[:2] == b"PK" and name.endswith(".docx")


def _download(svc: ReviewService, a: Actor, facts: dict[str, Any], state: str) -> None:
    from review.reports import review_report

    doc = facts["docs"][state]
    ctx = svc.report_context(a, doc)
    assert review_report(ctx, svc.framework(ctx.framework_id))[:2] == b"PK"
    assert svc.coverage_csv(a, doc).startswith(b"\xef\xbb\xbf")


ACTIONS = [
    Action("view", "view", _view),
    Action(
        "decide_link",
        "edit_links",
        lambda s, a, f, st: s.reject_link(a, f["docs"][st], f["link"][st], reason="not this"),
        edits=True,
    ),
    Action(
        "add_link",
        "edit_links",
        lambda s, a, f, st: s.add_link(a, f["docs"][st], *f["free_pair"][st], note="by hand"),
        edits=True,
    ),
    Action(
        "link_note",
        "edit_links",
        lambda s, a, f, st: s.set_link_note(a, f["docs"][st], f["link"][st], "a note"),
        edits=True,
    ),
    Action(
        "assess",
        "edit_links",
        lambda s, a, f, st: s.assess(a, f["docs"][st], f["competency"][st], "partial", "some"),
        edits=True,
    ),
    Action(
        "acquire_lock",
        "edit_links",
        lambda s, a, f, st: s.acquire_lock(a, f["docs"][st]),
        edits=True,
    ),
    Action(
        "upload_version",
        "upload_version",
        lambda s, a, f, st: s.upload(a, _policy(98), "v2.docx", document_id=f["docs"][st]),
        uploads=True,
    ),
    Action("download_report", "download_reports", _download),
    Action("comment", "comment", lambda s, a, f, st: s.comment(a, f["docs"][st], "a question")),
    Action("release_lock", None, lambda s, a, f, st: s.release_lock(a, f["docs"][st])),
]
assert {a.permission for a in ACTIONS} - {None} == set(PERMISSIONS), "an untested permission"


def expected_refusal(action: Action, p: Persona, state: str) -> type[ReviewError] | None:
    """The error the services must raise, or None when the action is allowed."""
    if p.gate is not None:
        return p.gate
    role = p.actor.role
    if action.uploads and role != "agency_user":
        return PermissionDenied  # only agency users upload
    if action.permission is None:  # release_lock: the holder or an admin; a free lock is no-op
        holder = LOCK_HOLDER[state]
        ok = holder is None or holder == p.actor.username or role == "admin"
        return None if ok else PermissionDenied
    if role not in WORKFLOW.permissions[state][action.permission]:
        return PermissionDenied
    if action.edits and not _lock_free_for(p, state, False):
        return LockHeld
    return None


def _action_cases():
    for action in ACTIONS:
        for state in WORKFLOW.states:
            for key in PERSONAS:
                yield pytest.param(action, state, key, id=f"{action.name}-{state}-{key}")


@pytest.mark.parametrize(("action", "state", "persona"), list(_action_cases()))
def test_action_matrix(world, action: Action, state: str, persona: str):
    svc, facts, data_dir = world
    p = PERSONAS[persona]
    expected = expected_refusal(action, p, state)
    before = store_hash(data_dir)
    if expected is None:
        action.run(svc, p.actor, facts, state)
        return
    with pytest.raises(ReviewError) as info:
        action.run(svc, p.actor, facts, state)
    assert type(info.value) is expected, f"{type(info.value).__name__}: {info.value}"
    assert str(info.value) and "Traceback" not in str(info.value)
    assert store_hash(data_dir) == before, "a refused action changed the store"
    if expected is NotFound:  # no leak: the same answer as for a document that does not exist
        with pytest.raises(NotFound) as missing:
            svc.get_document(p.actor, "doesnotexist1")
        assert str(info.value) == str(missing.value)


def test_lists_and_worklists_never_show_another_agencys_documents(
    template, monkeypatch: pytest.MonkeyPatch
):
    root, facts, url = template
    _use_store(url, monkeypatch)
    if url:
        pg_restore(url, "matrix_template")
    svc = ReviewService(data_dir=root)
    bert = PERSONAS["agency_other"].actor
    theirs = set(facts["docs"].values())
    assert not theirs & {d.id for d in svc.list_documents(bert)}
    assert not theirs & {d.id for d in svc.list_documents(bert, agency_id="agA")}
    for wl in svc.worklists(bert):
        assert not theirs & {d.id for d in wl.documents}
    alice_sees = {d.id for d in svc.list_documents(ALICE)}
    assert alice_sees == theirs
    with pytest.raises(PermissionDenied):
        svc.worklist(bert, "all_documents")
    assert [a.id for a in svc.list_agencies(bert)] == ["agB"]


# --------------------------------------------------------------------------- no actor at all

NONE_CALLS: dict[str, Callable[[ReviewService, str], Any]] = {
    "get_document": lambda s, d: s.get_document(None, d),  # type: ignore[arg-type]
    "list_documents": lambda s, d: s.list_documents(None),  # type: ignore[arg-type]
    "transition": lambda s, d: s.transition(None, d, "submit"),  # type: ignore[arg-type]
    "upload": lambda s, d: s.upload(None, _policy(1), "p.docx"),  # type: ignore[arg-type]
}


@pytest.mark.parametrize("call", sorted(NONE_CALLS))
def test_no_actor_is_refused_with_a_message(world, call: str):
    svc, facts, data_dir = world
    before = store_hash(data_dir)
    with pytest.raises(AuthenticationFailed):
        NONE_CALLS[call](svc, facts["docs"]["draft"])
    assert store_hash(data_dir) == before


# --------------------------------------------------------------------------- sign-in


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def signin(
    template, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[ReviewService, Clock]:
    src, _, url = template
    dst = tmp_path / "signin"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("*.lock"))
    if url:
        _use_store(url, monkeypatch)
        pg_restore(url, "matrix_template")
    clock = Clock()
    return ReviewService(data_dir=dst, clock=clock), clock


def test_throttled_per_user_even_from_many_clients_and_with_the_right_password(signin):
    svc, clock = signin
    for i in range(5):
        with pytest.raises(AuthenticationFailed, match="wrong username or password"):
            svc.authenticate("rita", f"guess number {i}", f"10.0.0.{i}")
    with pytest.raises(AuthenticationFailed, match="too many attempts, try again in 15 minutes"):
        svc.authenticate("rita", "matrix password 1", "10.0.0.99")
    clock.now += timedelta(minutes=15, seconds=1)
    assert svc.authenticate("rita", "matrix password 1", "10.0.0.99").username == "rita"


def test_throttled_per_client_across_usernames(signin):
    svc, clock = signin
    for i in range(CLIENT_MAX_FAILURES):
        with pytest.raises(AuthenticationFailed):
            svc.authenticate(f"user{i}", "not it at all", "203.0.113.5")
    # even a right password from that client waits; another client is not affected
    with pytest.raises(AuthenticationFailed, match="too many attempts"):
        svc.authenticate("rob", "matrix password 1", "203.0.113.5")
    assert svc.authenticate("rob", "matrix password 1", "198.51.100.1").username == "rob"


def test_unknown_and_known_usernames_get_the_same_message(signin):
    svc, _ = signin
    msgs = set()
    for user in ("rita", "no-such-user"):
        with pytest.raises(AuthenticationFailed) as info:
            svc.authenticate(user, "wrong password here", "c")
        msgs.add(str(info.value))
    assert msgs == {"wrong username or password"}


def test_deactivated_user_cannot_sign_in_and_is_refused_mid_session(signin):
    svc, _ = signin
    with pytest.raises(AuthenticationFailed, match="^wrong username or password$"):
        svc.authenticate("dora", "matrix password 1", "c")
    rob = svc.authenticate("rob", "matrix password 1", "c")
    svc.set_user_active(SYSTEM, "rob", False)
    with pytest.raises(AuthenticationFailed):
        svc.list_documents(rob)


def test_password_hashes_are_scrypt_with_parameters_and_no_plaintext(template, monkeypatch):
    root, _, url = template
    _use_store(url, monkeypatch)
    if url:
        pg_restore(url, "matrix_template")
    raw, users = raw_users(root)
    assert "matrix password 1" not in raw
    assert users
    for user in users:
        h = user["password"]
        assert h["algo"] == "scrypt" and h["n"] >= 2**14 and h["r"] >= 8 and h["p"] >= 1
        assert len(h["salt"]) >= 16 and len(h["hash"]) >= 40


#: what a shipped password would look like in source: an assignment or argument with a literal
SECRET_RE = re.compile(
    r"""(?ix)(password|passwd|pwd|secret)["']?\s*[:=]\s*["'](?P<value>[^"'\s]{6,})["']"""
)
#: literals that are tests' own made-up passwords or placeholders, not shipped defaults
ALLOWED_IN = ("tests/",)


def test_no_default_password_is_shipped():
    """Outside tests, no tracked file assigns a literal password; the demo generates its own."""
    files = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert files, "not a git checkout"
    hits = []
    for name in files:
        if name.startswith(ALLOWED_IN) or not name.endswith(
            (".py", ".yaml", ".yml", ".toml", ".md", ".txt", ".json", ".cfg", ".ini", ".env")
        ):
            continue
        path = ROOT / name
        if not path.is_file():
            continue
        for m in SECRET_RE.finditer(path.read_text(errors="replace")):
            hits.append(f"{name}: {m.group(0)}")
    assert not hits, hits
    assert not any(Path(n).name in ("demo-logins.txt", ".env") for n in files)
    demo = (ROOT / "review" / "demo.py").read_text()
    assert "secrets.token_urlsafe" in demo  # demo passwords are generated per seeding


def test_secret_pattern_catches_a_planted_default():
    """The scan above can fail: it finds the shapes a shipped default would take."""
    for line in (
        'DEFAULT_PASSWORD = "changeme123"',
        "password: 'hunter2hunter2'",
        '{"password": "admin1234"}',
    ):
        assert SECRET_RE.search(line), line


def test_session_expires_after_inactivity_in_the_ui(template, tmp_path: Path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    src, facts, url = template
    dst = tmp_path / "ui"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("*.lock"))
    if url:
        _use_store(url, monkeypatch)
        pg_restore(url, "matrix_template")
    monkeypatch.setenv("COMPETENCY_REVIEW_DATA", str(dst))
    monkeypatch.setenv("COMPETENCY_REVIEW_SESSION_MINUTES", "10")
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.session_state["actor"] = ReviewService(data_dir=dst).authenticate(
        "alice", "matrix password 1", "t"
    )
    at.session_state["last_activity"] = time.time() - 11 * 60
    at.query_params["doc"] = facts["docs"]["draft"]
    at.run()
    assert not at.exception
    assert "actor" not in at.session_state
    assert [t.value for t in at.title] == ["Competency Review"]  # the sign-in page
    shown = " ".join(str(m.value) for m in [*at.markdown, *at.caption, *at.info])
    assert "expired" in shown
    assert "Policy 0" not in shown  # nothing of the document behind the expired session
