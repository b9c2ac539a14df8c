"""Whole-analyze speed and memory (parse + match) on a 5,000-section policy manual.

Beside the floor: python-docx loading the file and reading every paragraph's text, which any
python-docx based reader pays at least. Target: the whole analyze within 2.5x the floor and under
300 MB. The matcher is measured cold (a new Suggester each run, so the fuzzy vocabulary cache is
rebuilt), which is what one ``competency-review analyze`` pays. Prints figures only.

    .venv/bin/python bench/bench_analyze.py [--sections N] [--repeat R]
"""

from __future__ import annotations

import argparse
import gc
import json
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

import docx  # noqa: E402
from corpus import make_policy_manual  # noqa: E402

from review.framework import get_framework  # noqa: E402
from review.matching import Suggester  # noqa: E402
from review.parsing import parse_file  # noqa: E402


def floor(path: Path) -> int:
    d = docx.Document(str(path))
    return sum(len(p.text) for p in d.paragraphs)


def analyze(path: Path) -> tuple[int, int]:
    parsed = parse_file(path)
    suggestions = Suggester(get_framework()).suggest(parsed.sections, tier="all")
    return len(parsed.sections), sum(len(s) for s in suggestions)


def _median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def child(path: Path, what: str) -> None:
    """Run one step in a fresh process and report its peak resident memory."""
    (floor if what == "floor" else analyze)(path)
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


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sections", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child", choices=("floor", "analyze"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    path = HERE / "out" / f"manual-{args.sections}.docx"
    if not path.exists():
        make_policy_manual(path, sections=args.sections)
    if args.child:
        child(path, args.child)
        return 0

    fw = get_framework()
    t_floor = _median_time(lambda: floor(path), args.repeat)
    t_parse = _median_time(lambda: parse_file(path), args.repeat)
    parsed = parse_file(path)
    sections = parsed.sections
    t_build = _median_time(lambda: Suggester(fw), args.repeat)
    t_match = _median_time(lambda: Suggester(fw).suggest(sections, tier="all"), args.repeat)
    warm = Suggester(fw)
    warm.suggest(sections)
    t_warm = _median_time(lambda: warm.suggest(sections, tier="all"), args.repeat)
    n_sugg = sum(len(s) for s in warm.suggest(sections))
    t_total = t_parse + t_match

    gc.collect()
    tracemalloc.start()
    analyze(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    rss = {}
    for what in ("floor", "analyze"):
        r = subprocess.run(
            [sys.executable, __file__, "--sections", str(args.sections), "--child", what],
            capture_output=True,
            text=True,
            check=True,
        )
        rss[what] = json.loads(r.stdout.strip().splitlines()[-1])["maxrss_mb"]

    n = len(sections)
    words = sum(len(s.full_text.split()) for s in sections)
    print(f"document: {path.name}, {path.stat().st_size / 1e6:.1f} MB, {n} sections, {words} words")
    print(f"floor (python-docx load + every paragraph's text): {t_floor:.2f} s")
    print(f"parse:                                            {t_parse:.2f} s")
    print(f"suggester construction (framework compile):       {t_build * 1000:.0f} ms")
    print(
        f"match, cold (new Suggester):                      {t_match:.2f} s"
        f"  = {t_match / n * 1e6:.0f} us/section, {n / t_match:,.0f} sections/s"
    )
    print(
        f"match, warm (fuzzy cache filled):                 {t_warm:.2f} s  = {t_warm / n * 1e6:.0f} us/section"
    )
    print(
        f"whole analyze (parse + cold match):               {t_total:.2f} s  = {t_total / t_floor:.2f}x the floor (target <= 2.5x)"
    )
    print(f"suggestions made: {n_sugg} ({n_sugg / n:.2f} a section)")
    print(f"peak traced memory, analyze (tracemalloc):        {peak / 2**20:.0f} MB")
    print(
        f"peak RSS, fresh process: floor {rss['floor']:.0f} MB, analyze {rss['analyze']:.0f} MB (target < 300 MB)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
