"""Parser speed and memory on a 5,000-section policy manual, beside the python-docx floor.

The floor is what any python-docx based reader pays at least: ``Document(path)`` plus reading
every paragraph's ``.text``. The target is parse time within ~1.5x the floor. Prints figures only.

    .venv/bin/python bench/bench_parse.py [--sections N] [--repeat R]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import docx  # noqa: E402
from corpus import make_policy_manual  # noqa: E402

from review.parsing import parse_bytes  # noqa: E402


def _floor(path: Path) -> int:
    d = docx.Document(str(path))
    return sum(len(p.text) for p in d.paragraphs)


def _timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def _peak_mb(fn) -> float:
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / (1024 * 1024)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sections", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)

    path = HERE / "out" / f"manual-{args.sections}-realistic.docx"  # corpus.py default style
    if not path.exists():
        t0 = time.perf_counter()
        make_policy_manual(path, sections=args.sections)
        print(f"generated {path.name} in {time.perf_counter() - t0:.1f} s")
    data = path.read_bytes()
    parsed = parse_bytes(data, path.name)
    n = len(parsed.sections)

    floor = _timed(lambda: _floor(path), args.repeat)
    ours = _timed(lambda: parse_bytes(path.read_bytes(), path.name), args.repeat)
    f_med, o_med = statistics.median(floor), statistics.median(ours)
    print(
        f"document: {path.name}, {len(data) / 1024:.0f} KiB, {parsed.paragraph_count} paragraphs, {n} sections"
    )
    print(
        f"floor  python-docx Document()+.text : median {f_med * 1000:7.1f} ms (min {min(floor) * 1000:.1f})"
    )
    print(
        f"parse  review.parsing.parse_bytes   : median {o_med * 1000:7.1f} ms (min {min(ours) * 1000:.1f})"
    )
    print(f"ratio  parse / floor                : {o_med / f_med:.2f}x (target <= 1.5x)")
    print(f"rate   sections per second          : {n / o_med:,.0f}")
    print(f"peak   traced memory, floor         : {_peak_mb(lambda: _floor(path)):.1f} MiB")
    print(
        f"peak   traced memory, parse         : {_peak_mb(lambda: parse_bytes(data, path.name)):.1f} MiB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
