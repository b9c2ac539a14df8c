"""Store benchmark: does confirming a link stay cheap as the store grows?

Builds stores directly through the repository (fast path: the parser and suggester are not what
is measured here), then times the full service call ``ReviewService.confirm_link`` (actor check,
permission and lock checks, one atomic document write) on a 100-section document:

* with 1 document in the store, and
* with 5,000 documents of 100 sections each,

and the "awaiting review" worklist at 5,000 documents (cold: first call in a new repository
object, which parses the index; warm: later calls, served from the signature-checked cache).

Targets (issue 4): confirm at 5,000 documents within 1.5× of confirm at 1 document; the worklist
under 100 ms. Prints figures; asserts nothing. ``--docs N`` changes the big store's size.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_storage_support import make_sections, seed_people  # noqa: E402

from review.auth import Actor  # noqa: E402
from review.models import ParsedDocument  # noqa: E402
from review.services import ReviewService  # noqa: E402
from review.storage import TinyDBRepository, summary_of  # noqa: E402

SECTIONS = 100
LINKS_PER_SECTION = 2
CONFIRMS = 200
NOW = "2024-05-01T09:00:00+00:00"
STATES = ("draft", "submitted", "in_review", "changes_requested", "approved")
RITA = Actor("rita", "reviewer")


def build(root: Path, n_docs: int) -> tuple[TinyDBRepository, str]:
    """A store with ``n_docs`` documents; returns the repository and the id of one in review."""
    repo = TinyDBRepository(root)
    return repo, populate(repo, n_docs)


def populate(repo, n_docs: int) -> str:  # type: ignore[no-untyped-def]
    """Fill any repository (bench/bench_store_pg.py uses PostgreSQL) with ``n_docs`` documents."""
    seed_people(repo)
    parsed = ParsedDocument("p.docx", "docx", make_sections(SECTIONS, words=50), SECTIONS).to_dict()
    comps = ("C1", "C2", "C3", "C4", "C5", "C6", "C6.i", "C6.ii")
    summaries = []
    for d in range(n_docs):
        doc_id = f"d{d:05d}"
        state = "in_review" if d == 0 else STATES[d % len(STATES)]
        rec = {
            "id": doc_id,
            "agency_id": "ag1",
            "title": f"Policy {d}",
            "state": state,
            "current_version": 1,
            "reviewer": "rita" if state == "in_review" else "",
            "uploaded_by": "alice",
            "created_by": "alice",
            "created_at": NOW,
            "updated_at": NOW,
            "submitted_at": f"2024-05-01T09:{d // 60 % 60:02d}:{d % 60:02d}+00:00"
            if state != "draft"
            else "",
            "approved_by": "",
            "approved_at": "",
            "rev": 1,
        }
        links = [
            {
                "id": f"{doc_id}-{i}-{k}",
                "version": 1,
                "section_id": s["id"],
                "competency": comps[(i + k) % len(comps)],
                "state": "suggested",
                "score": 71.5,
                "evidence": [
                    {"phrase": "policy", "matched": "policy", "start": 0, "end": 6, "score": 90.0}
                ],
                "note": "",
                "reason": "",
                "decided_by": "",
                "decided_at": "",
                "flag": "",
                "origin": "suggester",
                "previous": None,
            }
            for i, s in enumerate(parsed["sections"])
            for k in range(LINKS_PER_SECTION)
        ]
        with repo.create_document(rec) as tx:
            tx.add_version(
                {
                    "number": 1,
                    "filename": "p.docx",
                    "sha256": "0" * 64,
                    "ext": ".docx",
                    "size": 0,
                    "uploaded_by": "alice",
                    "uploaded_at": NOW,
                    "framework_id": "wisconsin-2017",
                    "framework_version": "2017-03-21",
                    "items": list(comps),
                    "parsed": parsed,
                }
            )
            tx.add_links(links)
            tx.append_history(
                {
                    "action": "upload",
                    "actor": "alice",
                    "from_state": "",
                    "to_state": "draft",
                    "time": NOW,
                    "comment": "",
                }
            )
        summaries.append(summary_of(rec))
        if len(summaries) == 1000:
            repo.put_summaries(summaries)
            summaries = []
    if summaries:
        repo.put_summaries(summaries)
    return "d00000"


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def time_confirms(stores: list[tuple[Path, str]]) -> list[list[float]]:
    """Confirm latencies per store, interleaved (one confirm in each store in turn) so that disk
    and CPU drift affect both alike."""
    svcs = [ReviewService(TinyDBRepository(root)) for root, _ in stores]
    ids = [
        [lk.id for lk in svc.links(RITA, doc)][:CONFIRMS]
        for svc, (_, doc) in zip(svcs, stores, strict=True)
    ]
    out: list[list[float]] = [[] for _ in stores]
    for i in range(CONFIRMS):
        for k, (svc, (_, doc)) in enumerate(zip(svcs, stores, strict=True)):
            t0 = time.perf_counter()
            svc.confirm_link(RITA, doc, ids[k][i])
            out[k].append((time.perf_counter() - t0) * 1000)
    return out


def time_worklist(root: Path, repeats: int = 20) -> tuple[float, float, int]:
    svc = ReviewService(TinyDBRepository(root))
    t0 = time.perf_counter()
    wl = svc.worklist(RITA, "awaiting_review")
    cold = (time.perf_counter() - t0) * 1000
    warm = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        wl = svc.worklist(RITA, "awaiting_review")
        warm.append((time.perf_counter() - t0) * 1000)
    return cold, statistics.median(warm), wl.count


def du(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=5000)
    ap.add_argument("--keep", action="store_true", help="keep the big store (prints its path)")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-store-"))
    try:
        small, big = tmp / "one", tmp / "many"
        _, doc = build(small, 1)
        t0 = time.perf_counter()
        _, doc_big = build(big, args.docs)
        build_s = time.perf_counter() - t0
        print(
            f"store of {args.docs} documents × {SECTIONS} sections × {LINKS_PER_SECTION} links: built in {build_s:.0f} s, {du(big):.0f} MB"
        )

        one, many = time_confirms([(small, doc), (big, doc_big)])
        m1, m2 = statistics.median(one), statistics.median(many)
        print(
            f"confirm a link, 1 document:       median {m1:6.2f} ms   p95 {pct(one, 95):6.2f} ms   ({len(one)} confirms)"
        )
        print(
            f"confirm a link, {args.docs} documents: median {m2:6.2f} ms   p95 {pct(many, 95):6.2f} ms   ({len(many)} confirms)"
        )
        print(f"ratio of medians: {m2 / m1:.2f}× (target ≤ 1.5×)")
        cold, warm, count = time_worklist(big)
        print(
            f"'awaiting review' worklist at {args.docs} documents ({count} rows): cold {cold:.1f} ms, warm median {warm:.1f} ms (target < 100 ms)"
        )
        if args.keep:
            print(f"kept: {big}")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
