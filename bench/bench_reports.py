"""Reports on a 2,000-section policy manual: the review report, the annotated copy (comments on
every linked section; evidence shading is opt-in) against python-docx loading and saving the
original, and the statement of applicability; then an agency of 20 reviewed documents in a real
store: the agency coverage report and a single-document review report through the services
(which read the agency's other documents for "met in another document"). Prints figures (best
and median of ``--repeat`` runs; "x base" compares best runs); asserts nothing.

Targets: review report and annotated copy under 3 s each (issue 6), the annotated copy within 2x
of python-docx's own load + save of the original; review report and agency report under 2 s for
the 2,000-section manual and the 20-document agency (issue 13).

    .venv/bin/python bench/bench_reports.py [--sections 2000] [--repeat 5] [--documents 20]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import docx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from corpus import make_policy_manual  # noqa: E402

from review.engine import Suggester  # noqa: E402
from review.framework import get_framework  # noqa: E402
from review.parsing import parse_bytes  # noqa: E402
from review.reports import (  # noqa: E402
    analysis_context,
    annotated_policy,
    coverage_csv,
    coverage_xlsx,
    review_report,
)
from review.reports.chart import coverage_chart_png  # noqa: E402


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """(best, median) seconds of ``repeat`` runs, and the last result. The best run is the
    figure least disturbed by other processes on a shared machine."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times), out


def reviewed(ctx):
    """Every section's best suggestion confirmed with a note, its second rejected with a reason."""
    seen: set[str] = set()
    links = []
    for lk in ctx.links:
        first = lk.section_id not in seen
        seen.add(lk.section_id)
        if first:
            links.append(
                replace(
                    lk,
                    state="confirmed",
                    note="Clear, specific and assigned to a role.",
                    decided_by="Rita Reviewer",
                    decided_at="2024-05-02T10:00:00+00:00",
                )
            )
        else:
            links.append(
                replace(
                    lk,
                    state="rejected",
                    reason="Mentions the topic only in passing.",
                    decided_by="Rita Reviewer",
                    decided_at="2024-05-02T10:00:00+00:00",
                )
            )
    return replace(ctx, links=links, reviewed=True, reviewer="Rita Reviewer", state="in_review")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sections", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--documents", type=int, default=20, help="agency size (0: skip)")
    args = ap.parse_args(argv)

    path = make_policy_manual(HERE / "out" / f"manual-{args.sections}.docx", sections=args.sections)
    data = path.read_bytes()
    fw = get_framework()
    parsed = parse_bytes(data, path.name)
    suggestions = Suggester(fw).suggest(parsed.sections, tier="all")
    ctx = analysis_context(parsed, suggestions, fw, data, tier="all")
    rctx = reviewed(ctx)
    n_links = len(ctx.links)
    linked = len({lk.section_id for lk in ctx.links})
    print(
        f"document: {path.name}, {len(data) / 1e6:.1f} MB, {parsed.paragraph_count} paragraphs, "
        f"{len(parsed.sections)} sections, {n_links} suggestions on {linked} sections"
    )

    def load_save() -> bytes:
        d = docx.Document(io.BytesIO(data))
        buf = io.BytesIO()
        d.save(buf)
        return buf.getvalue()

    base, base_med, _ = timed(load_save, args.repeat)
    rows = [("python-docx load + save of the original (baseline)", base, base_med, None)]
    for label, fn in (
        (
            "annotated copy, reviewed (default: no shading)",
            lambda: annotated_policy(rctx, False, fw),
        ),
        (
            "annotated copy, reviewed, confirmed evidence shaded",
            lambda: annotated_policy(rctx, True, fw),
        ),
        ("annotated copy, suggestions only", lambda: annotated_policy(ctx, framework=fw)),
        ("review report, reviewed (notes + rejected tables)", lambda: review_report(rctx, fw)),
        ("review report, suggestions only", lambda: review_report(ctx, fw)),
        ("coverage CSV", lambda: coverage_csv(rctx)),
        ("coverage XLSX", lambda: coverage_xlsx(rctx)),
        ("coverage chart PNG", lambda: coverage_chart_png(rctx)),
    ):
        t, med, out = timed(fn, args.repeat)
        rows.append((label, t, med, len(out)))
    width = max(len(r[0]) for r in rows)
    print(f"{'step':<{width}}  {'best s':>7}  {'median s':>8}  {'x base':>6}  {'bytes':>9}")
    for label, t, med, size in rows:
        size_s = size if size is not None else ""
        print(f"{label:<{width}}  {t:7.3f}  {med:8.3f}  {t / base:6.2f}  {size_s:>9}")
    comments = len(docx.Document(io.BytesIO(annotated_policy(rctx, framework=fw))).comments)
    print(f"comments in the reviewed annotated copy: {comments}")
    if args.documents:
        agency_bench(args.documents, args.repeat)
    return 0


def agency_bench(n_docs: int, repeat: int) -> None:
    """An agency of ``n_docs`` documents (100 sections each, every suggestion confirmed; all
    approved but two in review) in a real store in a temporary directory."""
    import secrets
    import tempfile

    from review.auth import SYSTEM
    from review.services import ReviewService
    from review.services.agency_coverage import agency_coverage, agency_coverage_report

    with tempfile.TemporaryDirectory() as tmp:
        svc = ReviewService(data_dir=Path(tmp))
        agency = svc.create_agency(SYSTEM, "Bench Agency", "specialised")
        for name, role, ag, display in (
            ("up", "agency_user", agency.id, "Uma Uploader"),
            ("rev", "reviewer", None, "Rita Reviewer"),
        ):  # throwaway users of a temporary store, with random passwords
            svc.create_user(SYSTEM, name, secrets.token_urlsafe(16), role, ag, display)
        up, rev = svc.actor("up"), svc.actor("rev")
        ids = []
        t0 = time.perf_counter()
        for i in range(n_docs):
            path = make_policy_manual(HERE / "out" / f"agency-doc-{i}.docx", sections=100, seed=i)
            doc = svc.upload(up, path.read_bytes(), f"policy-{i}.docx", title=f"Policy {i + 1}")
            ids.append(doc.document_id)
            svc.transition(up, doc.document_id, "submit")
            svc.transition(rev, doc.document_id, "claim")
            links = [lk.id for lk in svc.links(rev, doc.document_id) if lk.state == "suggested"]
            svc.confirm_links(rev, doc.document_id, links)
            if i >= 2:
                gaps = svc.coverage_summary(rev, doc.document_id).gaps
                svc.transition(
                    rev,
                    doc.document_id,
                    "approve",
                    "Approved for the bench.",
                    accept_open_findings=gaps,
                )
        print(
            f"agency: {n_docs} documents x 100 sections, built in {time.perf_counter() - t0:.1f} s "
            "(upload, review, approve through the services)"
        )
        rows = []
        for label, fn in (
            ("agency coverage (service)", lambda: agency_coverage(svc, rev, agency.id)),
            (
                "agency coverage report .docx (service)",
                lambda: agency_coverage_report(svc, rev, agency.id),
            ),
            (
                f"one document's review report (service, reads the other {n_docs - 1})",
                lambda: svc.review_report(rev, ids[-1]),
            ),
        ):
            t, med, out = timed(fn, repeat)
            rows.append((label, t, med))
        width = max(len(r[0]) for r in rows)
        print(f"{'step':<{width}}  {'best s':>7}  {'median s':>8}")
        for label, t, med in rows:
            print(f"{label:<{width}}  {t:7.3f}  {med:8.3f}")


if __name__ == "__main__":
    raise SystemExit(main())
