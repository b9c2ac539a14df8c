"""Parser speed and memory on a 5,000-section policy manual, beside the python-docx floor.

The floor is what any python-docx based reader pays at least: ``Document(path)`` plus reading
every paragraph's ``.text``. The target is parse time within ~1.5x the floor. Also prints where a
.docx parse spends its time, stage by stage (best of the runs), to show what is left to shave.
Prints figures only.

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

from corpus import make_policy_manual, read_floor  # noqa: E402

from review.config import UploadLimits  # noqa: E402
from review.parsing import docx_reader, parse_bytes, sections, upload  # noqa: E402


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


def _stages(data: bytes, name: str, repeat: int) -> dict[str, float]:
    """Best time (s) of each stage of a .docx parse, run the way ``parse_bytes`` runs them."""
    best: dict[str, float] = {}
    for _ in range(repeat):
        gc.collect()
        marks = [("start", time.perf_counter())]
        pkg = upload.open_package(data, name, UploadLimits())
        marks.append(("open zip + content types", time.perf_counter()))
        raw = pkg.read(pkg.main_part)
        marks.append(("inflate document.xml", time.perf_counter()))
        body = upload.parse_xml(raw, pkg.main_part, name).find(docx_reader.W_BODY)
        marks.append(("lxml parse", time.perf_counter()))
        styles = docx_reader.Styles(pkg.xml(pkg.related(pkg.main_part, upload.REL_STYLES)))
        marks.append(("styles", time.perf_counter()))
        paras = docx_reader.body_paragraph_elements(body)
        # as read_docx walks: every run checked for text Word does not show
        walker = docx_reader._Walker({p: i for i, p in enumerate(paras)}, styles, hides=True)
        marks.append(("paragraph index", time.perf_counter()))
        walker.blocks(body)
        marks.append(("walk (text, properties)", time.perf_counter()))
        blocks, title, _ = docx_reader._decide_headings(walker.items, styles)
        marks.append(("heading decisions", time.perf_counter()))
        sections.build_sections(blocks, paragraph_count=len(paras), doc_title=title)
        marks.append(("sections (text, ids)", time.perf_counter()))
        pkg.zf.close()
        for (_, a), (stage, b) in zip(marks, marks[1:], strict=False):
            best[stage] = min(best.get(stage, float("inf")), b - a)
    return best


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

    floor = _timed(lambda: read_floor(path), args.repeat)
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
    print("stages of the parse (best of the runs):")
    for stage, t in _stages(data, path.name, args.repeat).items():
        print(f"  {stage:<32} {t * 1000:7.1f} ms")
    print(f"peak   traced memory, floor         : {_peak_mb(lambda: read_floor(path)):.1f} MiB")
    print(
        f"peak   traced memory, parse         : {_peak_mb(lambda: parse_bytes(data, path.name)):.1f} MiB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
