"""Store benchmark on PostgreSQL: confirm a link at 1 vs N documents, the worklist at N.

Starts a throwaway PostgreSQL server (tests/pg_server.py) with its default durability (fsync on,
synchronous commit: every confirm waits for its WAL flush, as a TinyDB confirm waits for its
fsyncs), builds two databases through the repository exactly like bench/bench_store.py (N
documents × 100 sections × 2 links), then times the full ``ReviewService.confirm_link`` call,
interleaved between the stores, and the "awaiting review" worklist (an indexed query).
``--tinydb`` builds the two TinyDB stores too and interleaves all four, so both stores are
measured under the same machine load.

Targets (issue 14): confirm at 5,000 documents within 1.2× of confirm at 1 document; the
worklist under 50 ms at 5,000. Prints figures; asserts nothing.
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
sys.path.insert(0, str(ROOT / "bench"))

from bench_store import RITA, build, pct, populate  # noqa: E402

from review.services import ReviewService  # noqa: E402
from review.storage import TinyDBRepository  # noqa: E402
from review.storage_pg import PostgresRepository  # noqa: E402
from tests.pg_server import start_server  # noqa: E402

CONFIRMS = 200


def time_confirms(svcs: list[tuple[ReviewService, str]]) -> list[list[float]]:
    ids = [[lk.id for lk in svc.links(RITA, doc)][:CONFIRMS] for svc, doc in svcs]
    out: list[list[float]] = [[] for _ in svcs]
    for i in range(CONFIRMS):
        for k, (svc, doc) in enumerate(svcs):
            t0 = time.perf_counter()
            svc.confirm_link(RITA, doc, ids[k][i])
            out[k].append((time.perf_counter() - t0) * 1000)
    return out


def time_worklist(svc: ReviewService, repeats: int = 20) -> tuple[float, float, int]:
    t0 = time.perf_counter()
    wl = svc.worklist(RITA, "awaiting_review")
    cold = (time.perf_counter() - t0) * 1000
    warm = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        wl = svc.worklist(RITA, "awaiting_review")
        warm.append((time.perf_counter() - t0) * 1000)
    return cold, statistics.median(warm), wl.count


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=5000)
    ap.add_argument("--tinydb", action="store_true", help="measure the TinyDB store alongside")
    args = ap.parse_args(argv)
    server = start_server(durable=True)
    tmp = Path(tempfile.mkdtemp(prefix="bench-store-pg-"))
    repos: list[PostgresRepository] = []
    try:
        pg_one = PostgresRepository(server.create_database("one"), max_size=2)
        pg_many = PostgresRepository(server.create_database("many"), max_size=2)
        repos += [pg_one, pg_many]
        doc = populate(pg_one, 1)
        t0 = time.perf_counter()
        doc_big = populate(pg_many, args.docs)
        print(
            f"PostgreSQL: {args.docs} documents × 100 sections × 2 links built in "
            f"{time.perf_counter() - t0:.0f} s"
        )
        with pg_many._tx() as cur:
            cur.execute("ANALYZE")
            size = cur.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        print(f"  database size {size / 1e6:.0f} MB")
        stores = [("PostgreSQL, 1 document", ReviewService(pg_one), doc)]
        stores.append((f"PostgreSQL, {args.docs} documents", ReviewService(pg_many), doc_big))
        if args.tinydb:
            t0 = time.perf_counter()
            _, tdoc = build(tmp / "one", 1)
            _, tdoc_big = build(tmp / "many", args.docs)
            print(f"TinyDB: built in {time.perf_counter() - t0:.0f} s")
            stores.append(
                ("TinyDB, 1 document", ReviewService(TinyDBRepository(tmp / "one")), tdoc)
            )
            stores.append(
                (
                    f"TinyDB, {args.docs} documents",
                    ReviewService(TinyDBRepository(tmp / "many")),
                    tdoc_big,
                )
            )
        lat = time_confirms([(svc, d) for _, svc, d in stores])
        for (name, _, _), values in zip(stores, lat, strict=True):
            print(
                f"confirm a link, {name:28s} median {statistics.median(values):6.2f} ms"
                f"   p95 {pct(values, 95):6.2f} ms   ({len(values)} confirms)"
            )
        print(
            f"PostgreSQL ratio of medians {args.docs} / 1: "
            f"{statistics.median(lat[1]) / statistics.median(lat[0]):.2f}× (target ≤ 1.2×)"
        )
        for name, svc, _ in stores:
            if name.endswith(f"{args.docs} documents"):
                cold, warm, count = time_worklist(svc)
                print(
                    f"'awaiting review' worklist, {name} ({count} rows): cold {cold:.1f} ms, "
                    f"warm median {warm:.1f} ms (target < 50 ms)"
                )
    finally:
        for r in repos:
            r.close()
        server.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
