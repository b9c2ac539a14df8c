"""Load test of the services: simulated users acting at once, then a full consistency check.

Each simulated user is a persona (agency user, reviewer, admin) doing a realistic mix through
``ReviewService`` — uploads and revised versions, submit/retract, claims, link decisions,
request changes / approve / reopen, comments, worklists, document views and report generation —
for ``--duration`` seconds. Every operation's latency is recorded, and every write that returned
(upload, transition, decision, comment) is remembered. Afterwards the store is reopened and
checked: every returned write is in it, no (version, section, competency) link is duplicated,
each document's history holds exactly the transitions that returned (no more, no fewer), states
follow the history, the index agrees with the documents, every original is there, byte for byte.

Two shapes (``--mode``): ``threads`` — N threads sharing one service object, as the sessions of
one Streamlit server do; ``processes`` — P processes × T threads, each process with its own
service, so the store's *file* locks do the excluding. Prints figures; asserts nothing about
speed. Exit status 1 when the consistency check fails or an operation raised an unexpected error.

    .venv/bin/python bench/load_services.py [--duration 60] [--mode threads|processes|both]
        [--threads 20] [--processes 4] [--threads-per-process 5] [--data DIR]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from review.auth import SYSTEM, Actor  # noqa: E402
from review.errors import ReviewError, StoreError  # noqa: E402
from review.services import ReviewService  # noqa: E402

PASSWORD = "load test password"  # throwaway users in a temporary store
COMMENT_TEXT = "load test comment"

# --------------------------------------------------------------------------- policies


def make_policies(n: int = 8, seed: int = 11) -> list[bytes]:
    """Invented policies of 12-40 sections (sample texts from the test harness plus generated
    sentences), different enough that revisions change some sections and keep others."""
    from tests.e2e_support import SAMPLE_POLICY, policy_docx

    rng = random.Random(seed)
    vocab = [
        "staff",
        "youth",
        "shelter",
        "safety",
        "plan",
        "report",
        "training",
        "supervision",
        "confidential",
        "record",
        "advocate",
        "referral",
        "hotline",
        "screening",
        "assessment",
        "trauma",
        "informed",
        "care",
        "consent",
        "guardian",
        "placement",
        "exploitation",
        "trafficking",
        "notify",
        "policy",
        "procedure",
        "review",
        "secure",
        "location",
    ]
    out = []
    for i in range(n):
        sections = []
        for k in range(rng.randint(12, 40)):
            head, text = SAMPLE_POLICY[k % len(SAMPLE_POLICY)]
            extra = " ".join(rng.choice(vocab) for _ in range(rng.randint(20, 60)))
            sections.append((f"{k + 1}. {head}", f"{text} {extra.capitalize()}."))
        out.append(policy_docx(sections, title=f"Load Policy {i + 1}"))
    return out


# --------------------------------------------------------------------------- recording


@dataclass
class Log:
    """What one worker saw: op latencies and the writes that returned."""

    ops: list[tuple[str, float, str]] = field(default_factory=list)  # (kind, seconds, outcome)
    uploads: list[tuple[str, int, str | None, str]] = field(default_factory=list)
    transitions: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    decisions: list[tuple[int, str, str, str, str]] = field(default_factory=list)
    comments: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def merge(self, other: Log) -> None:
        for name in ("ops", "uploads", "transitions", "decisions", "comments", "errors"):
            getattr(self, name).extend(getattr(other, name))

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Log:
        log = cls()
        for k in cls.__dataclass_fields__:
            getattr(log, k).extend(tuple(x) if isinstance(x, list) else x for x in d[k])
        return log


class Timer:
    def __init__(self, log: Log):
        self.log = log
        self.ok = False  # whether the last operation returned normally

    def __call__(self, kind: str, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        """Run one operation; a ReviewError is a refusal (races make some expected), anything
        else an error. Returns the result or None."""
        t0 = time.perf_counter()
        self.ok = False
        try:
            result = fn(*args, **kw)
        except StoreError:  # the store unavailable (a database restart): reported, not a bug
            self.log.ops.append((kind, time.perf_counter() - t0, "unavailable"))
            return None
        except ReviewError:
            self.log.ops.append((kind, time.perf_counter() - t0, "refused"))
            return None
        except Exception:
            self.log.ops.append((kind, time.perf_counter() - t0, "error"))
            self.log.errors.append(f"{kind}: {traceback.format_exc()}")
            return None
        self.log.ops.append((kind, time.perf_counter() - t0, "ok"))
        self.ok = True
        return result


# --------------------------------------------------------------------------- personas


@dataclass(frozen=True)
class Persona:
    username: str
    role: str
    agency_id: str | None


def personas(n: int, agencies: list[str]) -> list[Persona]:
    """Half agency users (spread over the agencies), 40 % reviewers, 10 % admins (at least 1)."""
    n_admin = max(1, n // 10)
    n_rev = max(1, (n * 4) // 10)
    n_ag = max(1, n - n_admin - n_rev)
    out = [Persona(f"ag{i}", "agency_user", agencies[i % len(agencies)]) for i in range(n_ag)]
    out += [Persona(f"rev{i}", "reviewer", None) for i in range(n_rev)]
    out += [Persona(f"adm{i}", "admin", None) for i in range(n_admin)]
    return out


def setup_store(data_dir: Path, n_users: int, policies: list[bytes]) -> tuple[list[Persona], Log]:
    svc = ReviewService(data_dir=data_dir)
    agencies = [
        svc.create_agency(SYSTEM, f"Load Agency {i}", "general" if i % 2 else "specialised").id
        for i in range(4)
    ]
    people = personas(n_users, agencies)
    for p in people:
        svc.create_user(SYSTEM, p.username, PASSWORD, p.role, p.agency_id)
    log = Log()
    # a little work waiting for the reviewers at the start
    for i, p in enumerate(x for x in people if x.role == "agency_user"):
        actor = Actor(p.username, p.role, p.agency_id)
        r = svc.upload(actor, policies[i % len(policies)], f"seed-{i}.docx")
        log.uploads.append((r.document_id, r.version, r.transition, p.username))
        svc.transition(actor, r.document_id, "submit")
        log.transitions.append((r.document_id, "submit", "draft", "submitted", p.username))
    return people, log


# --------------------------------------------------------------------------- behaviour


_stamp_lock = threading.Lock()
_stamp = [0]


def _next_stamp() -> int:
    """A strictly increasing stamp across the process, taken after a write returned."""
    with _stamp_lock:
        _stamp[0] += 1
        return time.monotonic_ns() * 1000 + _stamp[0] % 1000


def run_persona(
    svc: ReviewService,
    p: Persona,
    deadline: float,
    policies: list[bytes],
    seed: int,
    log: Log,
) -> None:
    rng = random.Random(seed)
    timed = Timer(log)
    actor = timed("sign_in", svc.authenticate, p.username, PASSWORD, f"client-{p.username}")
    if actor is None:
        return
    n = 0
    while time.monotonic() < deadline:
        n += 1
        if n % 40 == 0:  # now and then a fresh sign-in (scrypt on purpose)
            timed("sign_in", svc.authenticate, p.username, PASSWORD, f"client-{p.username}")
        try:
            if p.role == "agency_user":
                _agency_step(svc, actor, rng, policies, timed, log)
            elif p.role == "reviewer":
                _reviewer_step(svc, actor, rng, timed, log)
            else:
                _admin_step(svc, actor, rng, timed, log)
        except Exception:  # a bug in this script, not in the app: still report it
            log.errors.append(f"driver: {traceback.format_exc()}")
        time.sleep(rng.uniform(0.0, 0.02))  # a little think time


def _transition(svc, actor, doc, action, timed, log, comment=""):  # type: ignore[no-untyped-def]
    from review.workflow import WORKFLOW

    t = WORKFLOW.transitions[action]
    extra = {}
    if action == "approve":  # a reviewer approving with open gaps concludes and accepts them
        comment = comment or "approved with the open findings accepted"
        summary = timed("coverage", svc.coverage_summary, actor, doc)
        extra["accept_open_findings"] = summary.gaps if summary else 0
    view = timed(f"t:{action}", svc.transition, actor, doc, action, comment, **extra)
    if timed.ok:  # each transition has one from-state, so the returned move is known exactly
        log.transitions.append((doc, action, t.from_states[0], t.to_state, actor.username))
    return view


def _agency_step(svc, actor, rng, policies, timed, log) -> None:  # type: ignore[no-untyped-def]
    docs = timed("list_documents", svc.list_documents, actor) or []
    by_state: dict[str, list[Any]] = defaultdict(list)
    for d in docs:
        by_state[d.state].append(d)
    options: list[tuple[float, str]] = [
        (3.0 if len(docs) < 12 else 0.3, "upload"),
        (4.0 if by_state["changes_requested"] else 0, "revise"),
        (0.7 if by_state["draft"] else 0, "new_version"),
        (4.0 if by_state["draft"] else 0, "submit"),
        (0.3 if by_state["submitted"] else 0, "retract"),
        (2.0 if docs else 0, "view"),
        (1.0 if docs else 0, "report"),
        (0.4 if docs else 0, "comment"),
        (0.5, "worklists"),
    ]
    choice = _pick(rng, options)
    if choice == "upload":
        r = timed(
            "upload", svc.upload, actor, rng.choice(policies), f"policy-{rng.randrange(1000)}.docx"
        )
        if r is not None:
            log.uploads.append((r.document_id, r.version, r.transition, actor.username))
    elif choice in ("revise", "new_version"):
        d = rng.choice(by_state["changes_requested" if choice == "revise" else "draft"])
        r = timed(
            "upload_version",
            svc.upload,
            actor,
            rng.choice(policies),
            "revised.docx",
            document_id=d.id,
        )
        if r is not None:
            log.uploads.append((r.document_id, r.version, r.transition, actor.username))
    elif choice == "submit":
        _transition(svc, actor, rng.choice(by_state["draft"]).id, "submit", timed, log)
    elif choice == "retract":
        _transition(svc, actor, rng.choice(by_state["submitted"]).id, "retract", timed, log)
    elif choice == "view":
        d = rng.choice(docs)
        timed("get_document", svc.get_document, actor, d.id)
        timed("links", svc.links, actor, d.id)
    elif choice == "report":
        _report(svc, actor, rng.choice(docs).id, timed)
    elif choice == "comment":
        d = rng.choice(docs)
        text = f"{COMMENT_TEXT} {rng.randrange(10**6)}"
        timed("comment", svc.comment, actor, d.id, text)
        if timed.ok:
            log.comments.append((d.id, text))
    else:
        timed("worklists", svc.worklists, actor)


def _report(svc, actor, doc, timed) -> None:  # type: ignore[no-untyped-def]
    from review.reports import review_report

    def build() -> bytes:
        ctx = svc.report_context(actor, doc)
        return review_report(ctx, svc.framework(ctx.framework_id))

    timed("report", build)


def _reviewer_step(svc, actor, rng, timed, log) -> None:  # type: ignore[no-untyped-def]
    mine = timed("worklist", svc.worklist, actor, "my_reviews")
    mine = list(mine.documents) if mine else []
    if mine and rng.random() < 0.85:
        d = rng.choice(mine)
        links = timed("links", svc.links, actor, d.id) or []
        undecided = [lk for lk in links if lk.state == "suggested"]
        if undecided:
            for lk in rng.sample(undecided, min(len(undecided), rng.randint(3, 8))):
                if rng.random() < 0.2:
                    reason = f"not about this ({rng.randrange(1000)})"
                    timed("decide", svc.reject_link, actor, d.id, lk.id, reason)
                    if timed.ok:
                        log.decisions.append((_next_stamp(), d.id, lk.id, "rejected", reason))
                else:
                    timed("decide", svc.confirm_link, actor, d.id, lk.id)
                    if timed.ok:
                        log.decisions.append((_next_stamp(), d.id, lk.id, "confirmed", ""))
        elif rng.random() < 0.3:
            _transition(svc, actor, d.id, "request_changes", timed, log, "please add training")
        else:
            _transition(svc, actor, d.id, "approve", timed, log)
        return
    waiting = timed("worklist", svc.worklist, actor, "awaiting_review")
    waiting = list(waiting.documents) if waiting else []
    if waiting and len(mine) < 3:
        d = rng.choice(waiting[:3])  # the oldest few: reviewers collide on purpose
        _transition(svc, actor, d.id, "claim", timed, log)
    elif mine:
        _report(svc, actor, rng.choice(mine).id, timed)
    else:
        timed("list_documents", svc.list_documents, actor)


def _admin_step(svc, actor, rng, timed, log) -> None:  # type: ignore[no-untyped-def]
    docs = timed("list_documents", svc.list_documents, actor) or []
    approved = [d for d in docs if d.state == "approved"]
    r = rng.random()
    if approved and r < 0.15:
        _transition(svc, actor, rng.choice(approved).id, "reopen", timed, log, "audit finding")
    elif docs and r < 0.5:
        _report(svc, actor, rng.choice(docs).id, timed)
    elif docs and r < 0.8:
        d = rng.choice(docs)
        timed("get_document", svc.get_document, actor, d.id)
        timed("history", svc.history, actor, d.id)
    else:
        timed("list_users", svc.list_users, actor)


def _pick(rng: random.Random, options: list[tuple[float, str]]) -> str:
    total = sum(w for w, _ in options)
    x = rng.uniform(0, total)
    for w, name in options:
        x -= w
        if x <= 0 and w > 0:
            return name
    return next(name for w, name in reversed(options) if w > 0)


# --------------------------------------------------------------------------- running


def run_threads(
    data_dir: Path, people: list[Persona], duration: float, policies: list[bytes], seed: int
) -> Log:
    svc = ReviewService(data_dir=data_dir)  # shared, like one Streamlit server's sessions
    deadline = time.monotonic() + duration
    logs = [Log() for _ in people]
    threads = [
        threading.Thread(
            target=run_persona, args=(svc, p, deadline, policies, seed * 1000 + i, logs[i])
        )
        for i, p in enumerate(people)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = Log()
    for lg in logs:
        total.merge(lg)
    return total


def _process_main(args: tuple[str, list[dict], float, float, int, str]) -> None:
    data_dir, people, deadline_wall, _, seed, out = args
    policies = make_policies()
    persons = [Persona(**p) for p in people]
    duration = max(0.0, deadline_wall - time.time())
    log = run_threads(Path(data_dir), persons, duration, policies, seed)
    Path(out).write_text(json.dumps(log.to_json()))


def run_processes(
    data_dir: Path, people: list[Persona], duration: float, n_proc: int, seed: int, tmp: Path
) -> Log:
    ctx = mp.get_context("spawn")
    groups = [people[i::n_proc] for i in range(n_proc)]
    start_at = time.time() + 3.0  # let every process import and load the framework first
    procs = []
    for k, group in enumerate(groups):
        out = tmp / f"proc{k}.json"
        args = (
            str(data_dir),
            [p.__dict__ for p in group],
            start_at + duration,
            start_at,
            seed + k,
            str(out),
        )
        proc = ctx.Process(target=_process_main, args=(args,))
        proc.start()
        procs.append((proc, out))
    total = Log()
    for proc, out in procs:
        proc.join()
        if proc.exitcode != 0 or not out.exists():
            total.errors.append(f"worker process exited with {proc.exitcode}")
            continue
        total.merge(Log.from_json(json.loads(out.read_text())))
    return total


# --------------------------------------------------------------------------- the check


def check_consistency(data_dir: Path, log: Log) -> list[str]:
    """Problems found in the reopened store (an empty list: consistent)."""
    import hashlib

    from review.storage import open_repository, summary_of
    from review.workflow import WORKFLOW

    # a fresh TinyDB repository (nothing cached from the run), or the PostgreSQL store (no cache)
    repo = open_repository(data_dir)
    problems: list[str] = []
    ids = set(repo.document_ids())

    returned_uploads: dict[str, list[int]] = defaultdict(list)
    expected_moves: dict[str, Counter] = defaultdict(Counter)
    for doc, version, transition, _user in log.uploads:
        returned_uploads[doc].append(version)
        if transition:
            t = WORKFLOW.transitions[transition]
            expected_moves[doc][(transition, t.from_states[0], t.to_state)] += 1
    for doc, action, from_state, to_state, _user in log.transitions:
        expected_moves[doc][(action, from_state, to_state)] += 1
    last_decision: dict[tuple[str, str], tuple[int, str, str]] = {}
    for stamp, doc, link, state, reason in log.decisions:
        key = (doc, link)
        if key not in last_decision or stamp > last_decision[key][0]:
            last_decision[key] = (stamp, state, reason)
    comments: dict[str, Counter] = defaultdict(Counter)
    for doc, text in log.comments:
        comments[doc][text] += 1

    for doc in set(returned_uploads) | set(expected_moves):
        if doc not in ids:
            problems.append(f"{doc}: a returned write's document is missing")
    summaries = {s["id"]: s for s in repo.summaries()}
    if set(summaries) != ids:
        problems.append(f"index rows {len(summaries)} != documents {len(ids)}")
    for doc in sorted(ids):
        with repo.document(doc) as tx:
            rec = tx.get()
            versions = tx.versions()
            history = tx.history()
            links = {v["number"]: tx.links(v["number"]) for v in versions}
        if summaries.get(doc) != summary_of(rec):
            problems.append(f"{doc}: index row differs from the document")
        numbers = [v["number"] for v in versions]
        if numbers != list(range(1, int(rec["current_version"]) + 1)):
            problems.append(f"{doc}: versions {numbers} for current {rec['current_version']}")
        for n in returned_uploads.get(doc, []):
            if n not in numbers:
                problems.append(f"{doc}: returned version {n} missing")
        uploads_in_history = sum(1 for h in history if h["action"] == "upload")
        if uploads_in_history != len(returned_uploads.get(doc, [])):
            problems.append(
                f"{doc}: {uploads_in_history} uploads in history, "
                f"{len(returned_uploads.get(doc, []))} returned"
            )
        for v in versions:
            try:
                data = repo.read_original(v["sha256"], v["ext"])
            except ReviewError:
                problems.append(f"{doc}: original of version {v['number']} missing")
                continue
            if hashlib.sha256(data).hexdigest() != v["sha256"]:
                problems.append(f"{doc}: original of version {v['number']} damaged")
            keys = [(lk["section_id"], lk["competency"]) for lk in links[v["number"]]]
            if len(keys) != len(set(keys)):
                problems.append(f"{doc}: duplicated link in version {v['number']}")
        moves = Counter(
            (h["action"], h["from_state"], h["to_state"])
            for h in history
            if h["action"] in WORKFLOW.transitions
        )
        if moves != expected_moves.get(doc, Counter()):
            problems.append(
                f"{doc}: history transitions {dict(moves)} != returned {dict(expected_moves.get(doc, {}))}"
            )
        chain = [h for h in history if h["action"] in WORKFLOW.transitions]
        state = "draft"
        for h in chain:
            if h["from_state"] != state:
                problems.append(
                    f"{doc}: history jumps from {state} to a move out of {h['from_state']}"
                )
            state = h["to_state"]
        if state != rec["state"]:
            problems.append(f"{doc}: state {rec['state']} but history ends in {state}")
        got = Counter(h["comment"] for h in history if h["action"] == "comment")
        for text, k in comments.get(doc, Counter()).items():
            if got[text] != k:
                problems.append(f"{doc}: comment {text!r} x{k} returned, x{got[text]} stored")
        by_id = {lk["id"]: lk for ls in links.values() for lk in ls}
        for (d, link_id), (_, state_, reason) in last_decision.items():
            if d != doc:
                continue
            lk = by_id.get(link_id)
            if lk is None:
                problems.append(f"{doc}: decided link {link_id} missing")
            elif lk["state"] != state_ or (state_ == "rejected" and lk["reason"] != reason):
                problems.append(f"{doc}: link {link_id} is {lk['state']}, last returned {state_}")
    return problems


# --------------------------------------------------------------------------- figures


def _pct(xs: list[float], p: float) -> float:
    if not xs:
        return 0.0
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, int(round(p / 100 * len(xs) + 0.5)) - 1))
    return xs[k]


def print_figures(title: str, log: Log, seconds: float, problems: list[str]) -> None:
    ok_ops = [o for o in log.ops if o[2] != "error"]
    writes = len(log.uploads) + len(log.transitions) + len(log.decisions) + len(log.comments)
    print(f"\n## {title}")
    print(
        f"{len(log.ops)} operations in {seconds:.1f} s = {len(log.ops) / seconds:.1f} ops/s "
        f"({writes} writes returned = {writes / seconds:.1f} writes/s); "
        f"p50 {_pct([o[1] for o in ok_ops], 50) * 1000:.0f} ms, "
        f"p95 {_pct([o[1] for o in ok_ops], 95) * 1000:.0f} ms; "
        f"refused {sum(1 for o in log.ops if o[2] == 'refused')}, "
        f"store unavailable {sum(1 for o in log.ops if o[2] == 'unavailable')}, "
        f"errors {sum(1 for o in log.ops if o[2] == 'error') + len([e for e in log.errors if e.startswith('driver')])}"
    )
    print(
        f"{'operation':<20} {'count':>6} {'refused':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"
    )
    kinds: dict[str, list[tuple[str, float, str]]] = defaultdict(list)
    for o in log.ops:
        kinds[o[0]].append(o)
    for kind in sorted(kinds):
        xs = [o[1] for o in kinds[kind] if o[2] != "error"]
        refused = sum(1 for o in kinds[kind] if o[2] == "refused")
        print(
            f"{kind:<20} {len(kinds[kind]):>6} {refused:>8} {_pct(xs, 50) * 1000:>8.0f} "
            f"{_pct(xs, 95) * 1000:>8.0f} {max(xs, default=0) * 1000:>8.0f}"
        )
    print(
        f"consistency: {len(log.uploads)} uploads, {len(log.transitions)} transitions, "
        f"{len(log.decisions)} decisions, {len(log.comments)} comments checked -> "
        + ("OK" if not problems else f"{len(problems)} PROBLEMS")
    )
    for p in problems[:20]:
        print("  !", p)
    for e in log.errors[:5]:
        lines = e.strip().splitlines()
        print("  error:", lines[0], "|", " | ".join(x.strip() for x in lines[-5:]))


def _restart_server(pg_server: Any, down_s: float) -> None:
    """Crash the database (immediate stop: no clean shutdown), keep it down, start it again."""
    t0 = time.perf_counter()
    pg_server.stop(mode="immediate")
    time.sleep(down_s)
    pg_server._start()
    print(f"(database crashed and restarted: down {time.perf_counter() - t0:.1f} s)", flush=True)


def _own_cpu() -> float:
    """CPU seconds of this process and its finished (joined) worker processes."""
    import os

    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _server_cpu(pg_server: Any) -> float:
    """CPU seconds of every process of the PostgreSQL server (postmaster and its backends)."""
    import os

    if pg_server is None:
        return 0.0
    try:
        master = int((pg_server.root / "data" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError):
        return 0.0
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(d.name), int(fields[1])
        if pid == master:  # its own time plus that of backends that already exited
            total += sum(int(x) for x in fields[11:15]) / tick  # utime stime cutime cstime
        elif ppid == master:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def run(mode: str, args: argparse.Namespace, pg_server: Any = None) -> bool:
    policies = make_policies()
    if pg_server is not None:  # a fresh database per run; spawned workers inherit the setting
        import os

        os.environ["COMPETENCY_REVIEW_DATABASE_URL"] = pg_server.create_database(f"load_{mode}")
    with tempfile.TemporaryDirectory(prefix="cr-load-") as tmp:
        data_dir = Path(args.data) / mode if args.data else Path(tmp) / "data"
        data_dir.mkdir(parents=True, exist_ok=True)
        restart = None
        if pg_server is not None and args.restart_db_at:
            restart = threading.Timer(
                args.restart_db_at + (0 if mode == "threads" else 3.0),
                _restart_server,
                args=(pg_server, args.restart_db_down),
            )
        if mode == "threads":
            people, seed_log = setup_store(data_dir, args.threads, policies)
            if restart:
                restart.start()
            t0 = time.perf_counter()
            cpu0 = (_server_cpu(pg_server), _own_cpu())
            log = run_threads(data_dir, people, args.duration, policies, args.seed)
            cpu1 = (_server_cpu(pg_server), _own_cpu())
            title = f"threads: {len(people)} users in one process, {args.duration:.0f} s"
        else:
            n = args.processes * args.threads_per_process
            people, seed_log = setup_store(data_dir, n, policies)
            if restart:
                restart.start()
            t0 = time.perf_counter() + 3.0  # the processes start together 3 s from now
            cpu0 = (_server_cpu(pg_server), _own_cpu())
            log = run_processes(
                data_dir, people, args.duration, args.processes, args.seed, Path(tmp)
            )
            cpu1 = (_server_cpu(pg_server), _own_cpu())
            title = (
                f"processes: {args.processes} processes x {args.threads_per_process} threads, "
                f"{args.duration:.0f} s"
            )
        seconds = max(0.001, time.perf_counter() - t0)
        log.merge(seed_log)
        problems = check_consistency(data_dir, log)
        if pg_server is not None:
            title += ", PostgreSQL"
        print_figures(title, log, seconds, problems)
        app_cpu = cpu1[1] - cpu0[1]
        line = f"CPU: app {app_cpu:.1f} s ({app_cpu / seconds:.2f} cores)"
        if pg_server is not None:
            db_cpu = cpu1[0] - cpu0[0]
            line += f", database {db_cpu:.1f} s ({db_cpu / seconds:.2f} cores)"
        print(line + f" over {seconds:.1f} s of load")
        return not problems and not log.errors


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    p.add_argument("--mode", choices=("threads", "processes", "both"), default="both")
    p.add_argument("--threads", type=int, default=20, help="users in threads mode")
    p.add_argument("--processes", type=int, default=4)
    p.add_argument("--threads-per-process", type=int, default=5)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--data", help="keep the store here (default: a temporary directory)")
    p.add_argument(
        "--store",
        choices=("tinydb", "postgres"),
        default="tinydb",
        help="postgres: a throwaway PostgreSQL server (fsync on) started for the run",
    )
    p.add_argument(
        "--restart-db-at",
        type=float,
        default=0.0,
        metavar="S",
        help="with --store postgres: crash and restart the database S seconds into each run",
    )
    p.add_argument("--restart-db-down", type=float, default=3.0, metavar="S")
    args = p.parse_args(argv)
    modes = ("threads", "processes") if args.mode == "both" else (args.mode,)
    ok = True
    server = None
    if args.store == "postgres":
        from tests.pg_server import start_server

        server = start_server(durable=True)
    try:
        for mode in modes:
            ok = run(mode, args, server) and ok
    finally:
        if server is not None:
            server.cleanup()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
