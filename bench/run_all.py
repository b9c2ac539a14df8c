"""Run every benchmark script in bench/ (bench_*.py) in turn and print its figures.

``make bench`` calls this. Load tests (load_*.py) run for a minute or more each; they are run
only with ``--load``. Benchmarks print figures; none of them asserts a time.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if "--load" in argv:
        scripts += sorted(HERE.glob("load_*.py"))
    failed = []
    for script in scripts:
        print(f"\n=== {script.name} " + "=" * max(0, 60 - len(script.name)), flush=True)
        t0 = time.perf_counter()
        rc = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        print(f"--- {script.name}: exit {rc} in {time.perf_counter() - t0:.1f} s", flush=True)
        if rc:
            failed.append(script.name)
    if failed:
        print("failed:", ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
