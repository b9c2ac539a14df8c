"""The baseline the suggester is compared with: ``token_set_ratio(section, statement)``.

Every parsed section of the labelled set is scored against every competency statement (all items)
with :func:`rapidfuzz.fuzz.token_set_ratio`; a competency is suggested when the score reaches a
threshold. The threshold is chosen *after the fact* (the best F1 over 0..100), which flatters the
baseline. Scoring is the eval harness's: micro P/R/F1 over (section, competency) pairs. Prints
figures only.

    .venv/bin/python bench/baseline.py [DIR]      # DIR defaults to ../shared/eval-dev
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from rapidfuzz import fuzz, process  # noqa: E402

from review.evaluation import evaluate, load_gold, normalise_title  # noqa: E402
from review.framework import get_framework  # noqa: E402
from review.parsing import parse_file  # noqa: E402


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main(argv: list[str]) -> int:
    directory = Path(argv[0]) if argv else HERE.parent.parent / "shared" / "eval-dev"
    if not (directory / "gold.json").exists():
        print(f"no labelled set at {directory}")
        return 0
    fw = get_framework()
    ids = [it.id for it in fw.items]
    statements = [it.statement for it in fw.items]
    gold = load_gold(directory)
    rows = []  # (gold set, scores row or None when the section is not found)
    parsed = {}
    for g in gold:
        if g.doc not in parsed:
            parsed[g.doc] = list(parse_file(directory / "docs" / g.doc).sections)
        match = next(
            (
                s
                for s in parsed[g.doc]
                if normalise_title(s.title) == normalise_title(g.section_title)
            ),
            None,
        )
        if match is not None:
            parsed[g.doc].remove(match)
            row = process.cdist([match.full_text], statements, scorer=fuzz.token_set_ratio)[0]
            rows.append((set(g.competencies), row))
        else:
            rows.append((set(g.competencies), None))

    def at(threshold: float) -> tuple[int, int, int]:
        tp = fp = fn = 0
        for gs, row in rows:
            got = set() if row is None else {ids[i] for i, v in enumerate(row) if v >= threshold}
            tp += len(gs & got)
            fp += len(got - gs)
            fn += len(gs - got)
        return tp, fp, fn

    print("token_set_ratio(section, statement), all items")
    print(f"{'threshold':>9} {'P':>6} {'R':>6} {'F1':>6}")
    best = (0.0, 0.0)
    for t in range(0, 101, 5):
        p, r, f = prf(*at(t))
        print(f"{t:>9} {p:>6.3f} {r:>6.3f} {f:>6.3f}")
    for t in range(0, 101):
        f = prf(*at(t))[2]
        if f > best[1]:
            best = (t, f)
    p, r, f = prf(*at(best[0]))
    print(f"baseline, best threshold in hindsight ({best[0]}): P {p:.3f} R {r:.3f} F1 {f:.3f}")
    res = evaluate(directory, fw)
    print(
        f"suggester at its defaults:                    P {res.precision:.3f} R {res.recall:.3f}"
        f" F1 {res.f1:.3f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
