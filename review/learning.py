"""Learning from reviewers: every confirmed, rejected and hand-added link is a labeled example.

An example is numbers and ids only - the framework, the competency, the pair's features
(:data:`review.engine.FEATURES`), the label, the decision and when - never document text, so a
model shared across a deployment carries nothing of an agency's policies. The engine adapts to
them with :func:`review.training.adapt`: weights refitted toward the shipped model's; until
enough documents have been reviewed the learned model only orders the suggestions and the
shipped one sets how many each document gets, then the threshold is chosen from the decisions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from review.engine import FEATURES
from review.model import LogisticModel
from review.training import DocData, adapt, document_counts, paired_difference, prf, score

#: decisions that teach: confirmed and added links are positives, rejected ones negatives;
#: an undo or a removed hand link cancels what the same link taught before
LABELS = {"confirmed": 1, "added": 1, "rejected": 0}
CANCELLING = frozenset({"suggested", "removed"})


def example_record(
    *,
    framework_id: str,
    competency: str,
    features: Sequence[float],
    decision: str,
    document_id: str,
    version: int,
    section_id: str,
    link_id: str,
    time: str,
) -> dict:
    return {
        "framework_id": framework_id,
        "competency": competency,
        "features": [round(float(f), 6) for f in features],
        "decision": decision,
        "label": LABELS.get(decision),
        "document_id": document_id,
        "version": int(version),
        "section_id": section_id,
        "link_id": link_id,
        "time": time,
    }


def current_examples(examples: Iterable[dict]) -> list[dict]:
    """The latest decision per link, cancelled ones dropped, malformed rows skipped."""
    latest: dict[str, dict] = {}
    for r in sorted(examples, key=lambda r: str(r.get("time", ""))):
        key = str(
            r.get("link_id") or (r.get("document_id"), r.get("section_id"), r.get("competency"))
        )
        latest[key] = r
    out = []
    for r in latest.values():
        feats = r.get("features")
        if r.get("decision") in CANCELLING or r.get("label") not in (0, 1):
            continue
        if not isinstance(feats, list) or len(feats) != len(FEATURES):
            continue
        out.append(r)
    return out


def as_documents(examples: Iterable[dict]) -> list[DocData]:
    """Examples grouped by reviewed document version, in the shape :mod:`review.training` fits."""
    by_doc: dict[tuple[str, int], list[dict]] = {}
    for r in current_examples(examples):
        by_doc.setdefault((str(r["document_id"]), int(r["version"])), []).append(r)
    docs = []
    for (doc, _v), rows in sorted(by_doc.items()):
        sec_no: dict[str, int] = {}
        secs = [sec_no.setdefault(str(r["section_id"]), len(sec_no)) for r in rows]
        y = np.asarray([float(r["label"]) for r in rows])
        gold = {(s, r["competency"]) for s, r in zip(secs, rows, strict=True) if r["label"] == 1}
        docs.append(
            DocData(
                doc,
                np.asarray([r["features"] for r in rows], dtype=float),
                [r["competency"] for r in rows],
                secs,
                y,
                gold,
                len(sec_no),
                len(sec_no),
            )
        )
    return docs


def learned_model(base: LogisticModel, examples: Iterable[dict]) -> LogisticModel:
    return adapt(base, as_documents(examples))


@dataclass(frozen=True)
class LearningEffect:
    """Leave-one-document-out on the deployment's own decisions: how the shipped model and the
    learned one would have done on each reviewed document, learning from the others only."""

    documents: int
    shipped_f1: float
    learned_f1: float
    #: 95 % interval of learned minus shipped F1, resampling the reviewed documents (paired)
    interval: tuple[float, float] = (0.0, 0.0)
    #: share of the resamples in which learning is ahead
    better: float = 0.0


def measured_effect(base: LogisticModel, examples: Iterable[dict]) -> LearningEffect | None:
    docs = as_documents(examples)
    if len(docs) < 2:
        return None
    learned: list[tuple[int, int, int]] = []
    for i, d in enumerate(docs):
        m = adapt(base, [e for j, e in enumerate(docs) if j != i])
        r = score(m, [d])
        learned.append((r["tp"], r["fp"], r["fn"]))
    shipped = document_counts(base, docs)
    diff = paired_difference(shipped, learned)
    return LearningEffect(
        len(docs),
        prf(*map(sum, zip(*shipped, strict=True)))["f1"],
        prf(*map(sum, zip(*learned, strict=True)))["f1"],
        (diff["interval"][0], diff["interval"][1]),
        diff["better"],
    )
