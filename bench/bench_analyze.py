"""Whole-analyze speed and memory (parse + match) on a 5,000-section policy manual.

Beside the floor: python-docx loading the file and reading every paragraph's text, which any
python-docx based reader pays at least. Target: the whole analyze within 2.5x the floor and under
300 MB. Two corpora (``bench/corpus.py``): ``realistic`` policy prose with a few domain terms a
section (the primary measure) and ``stress``, word salad of domain words where nearly every word
is a phrase word (the matcher's worst case).

The matcher is measured cold (a new Suggester each run, so the fuzzy vocabulary cache is rebuilt),
which is what one ``competency-review analyze`` pays. Every step runs ``--repeat`` times,
interleaved with the floor (so a burst of load on the machine hits both alike), and the median is
printed; the median CPU time of this process (``time.process_time``) is printed beside the wall
time for the floor and the whole analyze, since other jobs on a shared machine stretch wall time
more than CPU time. Peak memory: tracemalloc's peak in this process, and the peak resident set (VmHWM) of a
fresh process that runs only the floor or only the analyze. Prints figures only.

    .venv/bin/python bench/bench_analyze.py [--sections N] [--repeat R] [--corpus realistic stress]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from corpus import STYLES, make_policy_manual, read_floor  # noqa: E402

from review.cli import analysis_json_text  # noqa: E402
from review.engine import Suggester  # noqa: E402
from review.framework import get_framework  # noqa: E402
from review.parsing import parse_file  # noqa: E402


def analyze(path: Path) -> tuple[int, int]:
    """What ``competency-review analyze FILE`` computes: parse, build a suggester, suggest."""
    parsed = parse_file(path)
    suggestions = Suggester(get_framework()).suggest(parsed.sections, tier="all")
    return len(parsed.sections), sum(len(s) for s in suggestions)


def analyze_json(path: Path) -> int:
    """``competency-review analyze FILE --json``: the analysis, then its JSON text (built as the
    command builds it)."""
    fw = get_framework()
    parsed = parse_file(path)
    suggestions = Suggester(fw).suggest(parsed.sections, tier="all")
    return len(analysis_json_text(parsed, suggestions, fw, "all"))


def _timed(fn, cpu: list[float] | None = None) -> float:
    """Wall time of one call; its CPU time is appended to ``cpu`` when given."""
    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    if cpu is not None:
        cpu.append(time.process_time() - c0)
    return time.perf_counter() - t0


def child(path: Path, what: str) -> None:
    """Run one step in a fresh process and report its peak resident memory."""
    (read_floor if what == "floor" else analyze)(path)
    # VmHWM is this process's own peak; ru_maxrss can carry the parent's peak across fork/exec
    hwm = next(
        (
            int(ln.split()[1])
            for ln in Path("/proc/self/status").read_text().splitlines()
            if ln.startswith("VmHWM")
        ),
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    )
    print(json.dumps({"maxrss_mb": hwm / 1024}))


def manual(sections: int, style: str) -> Path:
    path = HERE / "out" / f"manual-{sections}-{style}.docx"
    if not path.exists():
        make_policy_manual(path, sections=sections, style=style)
    return path


def measure(path: Path, sections: int, repeat: int) -> None:
    fw = get_framework()
    parsed = parse_file(path)
    secs = parsed.sections
    steps = {
        "floor": lambda: read_floor(path),
        "parse": lambda: parse_file(path),
        "build": lambda: Suggester(fw),
        "match": lambda: Suggester(fw).suggest(secs, tier="all"),
        "analyze": lambda: analyze(path),
        "json": lambda: analyze_json(path),
    }
    times: dict[str, list[float]] = {k: [] for k in steps}
    cpu: dict[str, list[float]] = {k: [] for k in steps}
    for _ in range(repeat):  # interleaved: load bursts affect every step alike
        for k, fn in steps.items():
            times[k].append(_timed(fn, cpu[k]))
    med = {k: statistics.median(v) for k, v in times.items()}
    med_cpu = {k: statistics.median(v) for k, v in cpu.items()}
    warm = Suggester(fw)
    n_sugg = sum(len(s) for s in warm.suggest(secs))
    t_warm = statistics.median(_timed(lambda: warm.suggest(secs)) for _ in range(repeat))

    gc.collect()
    tracemalloc.start()
    analyze(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    rss = {}
    for what in ("floor", "analyze"):
        r = subprocess.run(
            [sys.executable, __file__, "--sections", str(sections), "--child", what, str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
        rss[what] = json.loads(r.stdout.strip().splitlines()[-1])["maxrss_mb"]

    n = len(secs)
    words = sum(len(s.full_text.split()) for s in secs)
    f, t = med["floor"], med["analyze"]
    print(f"document: {path.name}, {path.stat().st_size / 1e6:.1f} MB, {n} sections, {words} words")
    print(f"  floor (python-docx load + every paragraph's text): {f:.2f} s")
    print(f"  parse:                                            {med['parse']:.2f} s")
    print(f"  suggester construction (framework compile):       {med['build'] * 1000:.0f} ms")
    print(
        f"  match, cold (new Suggester, build included):      {med['match']:.2f} s"
        f"  = {med['match'] / n * 1e6:.0f} us/section, {n / med['match']:,.0f} sections/s"
    )
    print(
        f"  match, warm (fuzzy cache filled):                 {t_warm:.2f} s"
        f"  = {t_warm / n * 1e6:.0f} us/section"
    )
    print(
        f"  whole analyze (parse + build + match), measured:  {t:.2f} s  = {t / f:.2f}x the floor"
        f" (target <= 2.5x), {n / t:,.0f} sections/s"
    )
    j = med["json"]
    print(
        f"  whole analyze --json (JSON text built too):       {j:.2f} s  = {j / f:.2f}x the floor"
        " (target <= 2.5x)"
    )
    fc, jc = med_cpu["floor"], med_cpu["json"]
    print(
        f"  CPU time: floor {fc:.2f} s, parse {med_cpu['parse']:.2f} s,"
        f" cold match {med_cpu['match']:.2f} s, analyze --json {jc:.2f} s = {jc / fc:.2f}x the floor"
    )
    print(
        f"  sum of the steps (parse + cold match):            {med['parse'] + med['match']:.2f} s"
        f"  = {(med['parse'] + med['match']) / f:.2f}x the floor"
    )
    print(f"  suggestions made: {n_sugg} ({n_sugg / n:.2f} a section)")
    print(f"  peak traced memory, analyze (tracemalloc):        {peak / 2**20:.0f} MB")
    print(
        f"  peak RSS, fresh process: floor {rss['floor']:.0f} MB, analyze {rss['analyze']:.0f} MB"
        " (target < 300 MB)"
    )


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sections", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--corpus", nargs="+", choices=STYLES, default=list(STYLES))
    ap.add_argument("--child", choices=("floor", "analyze"), help=argparse.SUPPRESS)
    ap.add_argument("path", nargs="?", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child:
        child(Path(args.path), args.child)
        return 0
    load = os.getloadavg()
    print(
        f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
        f" (other jobs may be running); medians of {args.repeat} interleaved runs"
    )
    for style in args.corpus:
        print(f"\n[{style}]")
        measure(manual(args.sections, style), args.sections, args.repeat)
    load = os.getloadavg()
    print(f"\nload average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
