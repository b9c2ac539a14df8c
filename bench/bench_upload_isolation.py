"""Other users' latency while one worst-case upload is analysed (issue 11, item 8).

Four "other users" (threads sharing one ``ReviewService``, as the sessions of one Streamlit
server do) loop over cheap, common calls — a reviewer's worklists, a document view, its links —
first alone (baseline), then while one agency user uploads a worst-case document that is just
inside the upload limits (the most sections allowed, every section a phrase hit). Prints the
others' p50/p95 in both phases, the upload's own time and what the limits refuse. Asserts
nothing about speed.

    .venv/bin/python bench/bench_upload_isolation.py [--sections 9000] [--seconds 8]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from review.config import UploadLimits  # noqa: E402
from review.errors import UnreadableDocument  # noqa: E402
from tests.e2e_support import Seed, policy_docx  # noqa: E402

STRESS = (
    "Staff are mandated reporters; they report suspected trafficking to the hotline, complete "
    "human trafficking 101 training, use trauma-informed care and plan for youth missing from care."
)


def _pctl(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sections", type=int, default=9000)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--others", type=int, default=4)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        seed = Seed(Path(tmp))
        svc = seed.svc
        small = seed.upload("alice")
        svc.transition(seed.actor("alice"), small.document_id, "submit")
        rita = seed.actor("rita")
        doc = small.document_id
        worst = policy_docx([(f"Part {i}", STRESS) for i in range(args.sections)])
        print(f"worst-case upload: {args.sections} sections, {len(worst) / 1024:.0f} KB")
        print(f"limits: {UploadLimits()}")

        stop = threading.Event()
        samples: list[tuple[float, float]] = []  # (start time, latency)
        lock = threading.Lock()

        def other() -> None:
            while not stop.is_set():
                t0 = time.perf_counter()
                svc.worklists(rita)
                svc.get_document(rita, doc)
                svc.links(rita, doc)
                t1 = time.perf_counter()
                with lock:
                    samples.append((t0, t1 - t0))

        threads = [threading.Thread(target=other) for _ in range(args.others)]
        for t in threads:
            t.start()
        time.sleep(args.seconds / 2)
        split = time.perf_counter()
        up0 = time.perf_counter()
        try:
            result = svc.upload(seed.actor("alice"), worst, "worst.docx")
            outcome = (
                f"accepted: {result.section_count} sections, {result.suggestion_count} suggestions"
            )
        except UnreadableDocument as err:
            outcome = f"refused ({err.reason}): {err}"
        up1 = time.perf_counter()
        stop.set()
        for t in threads:
            t.join()

    base = [lat for start, lat in samples if start < split]
    during = [lat for start, lat in samples if up0 <= start <= up1]
    print(f"upload took {up1 - up0:.1f} s — {outcome}")
    for name, xs in (("others alone", base), ("others during the upload", during)):
        if xs:
            print(
                f"{name:26} n={len(xs):5}  p50 {statistics.median(xs) * 1000:7.1f} ms  "
                f"p95 {_pctl(xs, 0.95) * 1000:7.1f} ms  max {max(xs) * 1000:7.1f} ms"
            )
        else:
            print(f"{name:26} no request completed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
