"""Fit the shipped model of the Wisconsin 2017 framework from a labelled set, and say how well it
does out of sample.

    .venv/bin/python data/model/fit_model.py ../shared/eval-dev

Starts from the hand-set prior (``prior.json``), fits the weights on every labelled document
(:func:`review.training.fit`; the threshold from out-of-fold probabilities, folds split by
document) and writes ``wisconsin-2017.json`` with the in-sample and the leave-one-document-out
figures in its ``meta``. Only numbers leave the labelled set: weights, a threshold, figures.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from review import training  # noqa: E402
from review.framework import get_framework  # noqa: E402
from review.model import MODEL_DIR, prior_model  # noqa: E402


def main(argv: list[str]) -> int:
    directory = Path(argv[0] if argv else ROOT.parent / "shared" / "eval-dev")
    fw = get_framework()
    docs = training.collect(directory, fw)
    prior = prior_model()
    model = training.fit(docs, prior)
    insample = training.score(model, docs)
    cv = training.cross_validate(docs, prior)
    meta = {
        "about": "Fitted by data/model/fit_model.py from prior.json on a labelled set of real "
        "policies (weights: MAP logistic regression toward the prior; threshold: out-of-fold, "
        "recall >= 0.85 at the best precision, else the best F1).",
        "documents": len(docs),
        "labelled_links": sum(d.n_positive for d in docs),
        "candidates": int(sum(len(d.y) for d in docs)),
        "in_sample": insample,
        "cross_validated": cv,
    }
    out = model.to_dict()
    out["features"] = list(model.features)
    out["meta"] = meta
    path = MODEL_DIR / f"{fw.id}.json"
    path.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}: threshold {model.threshold:.3f}")
    print(
        f"in-sample        P {insample['precision']:.3f} R {insample['recall']:.3f} F1 {insample['f1']:.3f}"
    )
    print(
        f"cross-validated  P {cv['precision']:.3f} R {cv['recall']:.3f} F1 {cv['f1']:.3f} ({cv['folds']})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
