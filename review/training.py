"""Fitting and honestly measuring the calibrated model on a labeled set (``docs/`` + ``gold.json``).

* :func:`collect` turns each labeled document into candidates with features and labels (no text
  is kept: only numbers, item ids and section indices).
* :func:`fit` fits the model from a prior (:func:`review.model.fit_logistic`) and chooses the
  threshold for recall >= 0.85 from *out-of-fold* probabilities (5 folds split by document), so
  the threshold is never chosen on the predictions it is judged by.
* :func:`cross_validate` does all of that inside leave-one-document-out folds: the figure a new
  policy should expect. With ``by="source"`` it holds out every document of one *source* at a
  time (:func:`source_groups`: documents published on a common web host, such as two parts of
  one agency's manual), so no fold is scored on a policy whose sibling it was fitted on.
  :func:`learning_curve` simulates a deployment learning from reviewers.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from review.engine import FEATURES, FeatureBuilder
from review.errors import UnreadableDocument
from review.evaluation import _prf as evaluation_prf
from review.evaluation import load_gold, normalise_title
from review.framework import Framework
from review.model import (
    LogisticModel,
    choose_threshold,
    fit_logistic,
    select,
    topk_mask,
    with_weights,
)

#: recall the default threshold keeps (issue 10: "recall >= 0.85 at the best precision")
MIN_RECALL = 0.85
#: strength of the pull toward the prior weights (fixed, not tuned: nothing to overfit)
LAMBDA = 10.0


@dataclass
class DocData:
    doc: str
    x: np.ndarray  # candidates in labeled sections x features
    items: list[str]  # item id per candidate
    sections: list[int]  # labeled-section number per candidate
    y: np.ndarray  # 1 when the gold set has the pair
    gold: set[tuple[int, str]] = field(default_factory=set)  # (labeled section, item) pairs
    found: int = 0
    labeled: int = 0
    #: the web hosts the labeled sections were copied from (gold.json's ``source_url``)
    sources: frozenset[str] = frozenset()

    @property
    def n_positive(self) -> int:
        return len(self.gold)


def collect(directory: Path, framework: Framework) -> list[DocData]:
    directory = Path(directory)
    from review.parsing import parse_file

    gold = load_gold(directory)
    fb = FeatureBuilder(framework)
    ids = [it.id for it in framework.items]
    out: list[DocData] = []
    for doc in dict.fromkeys(g.doc for g in gold):
        entries = [g for g in gold if g.doc == doc]
        gold_pairs = {(j, c) for j, g in enumerate(entries) for c in g.competencies}
        hosts = frozenset(h for g in entries if (h := _host(g.source_url)))
        try:
            parsed = parse_file(directory / "docs" / doc)
        except (UnreadableDocument, OSError):
            out.append(
                DocData(
                    doc,
                    np.zeros((0, len(FEATURES))),
                    [],
                    [],
                    np.zeros(0),
                    gold_pairs,
                    0,
                    len(entries),
                    hosts,
                )
            )
            continue
        # labeled entry j <- parsed section index (repeated titles pair up in document order)
        by_title: dict[str, list[int]] = {}
        for k, sec in enumerate(parsed.sections):
            by_title.setdefault(normalise_title(sec.title), []).append(k)
        sec_of: dict[int, int] = {}
        for j, g in enumerate(entries):
            ks = by_title.get(normalise_title(g.section_title))
            if ks:
                sec_of[ks.pop(0)] = j
        cands, _ = fb.build(parsed.sections)
        rows, items, secs, ys = [], [], [], []
        for c in cands:
            j = sec_of.get(c.section)
            if j is None:
                continue
            rows.append(c.features)
            items.append(ids[c.item])
            secs.append(j)
            ys.append(1.0 if (j, ids[c.item]) in gold_pairs else 0.0)
        out.append(
            DocData(
                doc,
                np.asarray(rows, dtype=float).reshape(-1, len(FEATURES)),
                items,
                secs,
                np.asarray(ys),
                gold_pairs,
                len(sec_of),
                len(entries),
                hosts,
            )
        )
    return out


def _host(url: str) -> str:
    """The web host of a source address, without a leading ``www.`` ("" for none)."""
    host = urlparse(url.strip()).hostname or ""
    return host.removeprefix("www.")


def source_groups(docs: Sequence[DocData]) -> list[int]:
    """A group number per document: documents whose sources share a web host are one group, and
    so transitively (the parts of one agency's manual, a code and its amendments on one site).
    A document without a source is a group of its own. Groups are numbered by first document."""
    parent = list(range(len(docs)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[str, int] = {}
    for i, d in enumerate(docs):
        for h in sorted(d.sources):
            if h in first:
                a, b = root(first[h]), root(i)
                parent[max(a, b)] = min(a, b)
            else:
                first[h] = i
    number: dict[int, int] = {}
    return [number.setdefault(root(i), len(number)) for i in range(len(docs))]


def _stack(docs: Sequence[DocData]) -> tuple[np.ndarray, np.ndarray]:
    xs = [d.x for d in docs if len(d.y)]
    if not xs:
        return np.zeros((0, len(FEATURES))), np.zeros(0)
    return np.vstack(xs), np.concatenate([d.y for d in docs if len(d.y)])


def fit_weights(
    docs: Sequence[DocData], prior: LogisticModel, lam: float = LAMBDA
) -> LogisticModel:
    x, y = _stack(docs)
    if not len(y):
        return prior
    w, b = fit_logistic(x, y, np.asarray(prior.weights), prior.bias, lam)
    return with_weights(prior, w, b)


def _selected(
    model: LogisticModel, d: DocData, threshold: float | None = None
) -> set[tuple[int, str]]:
    """The pairs the engine suggests in ``d``'s labeled sections (:func:`review.model.select`)."""
    if not len(d.y):
        return set()
    return _pairs(d, select(model, d.x, d.sections, d.items, threshold))


def _pairs(d: DocData, rows: Iterable[int]) -> set[tuple[int, str]]:
    """The (section, item) pairs of candidate rows of ``d``."""
    return {(d.sections[j], d.items[j]) for j in rows}


def score(model: LogisticModel, docs: Sequence[DocData], threshold: float | None = None) -> dict:
    tp = fp = fn = 0
    for d in docs:
        sel = _selected(model, d, threshold)
        tp += len(sel & d.gold)
        fp += len(sel - d.gold)
        fn += len(d.gold - sel)
    return prf(tp, fp, fn)


def prf(tp: int, fp: int, fn: int) -> dict:
    """Micro precision, recall and F1 (as :mod:`review.evaluation` computes them) with the counts."""
    p, r, f = evaluation_prf(tp, fp, fn)
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(f, 4),
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def _folds(docs: Sequence[DocData], k: int, groups: Sequence[int] | None = None) -> list[list[int]]:
    """``k`` folds of document indices, every ``k``-th document in one; with ``groups``, every
    ``k``-th group, so a group's documents are never split between folds."""
    if groups is None:
        idx = list(range(len(docs)))
        return [idx[j::k] for j in range(k)] if len(idx) >= k else [[i] for i in idx]
    members: dict[int, list[int]] = {}
    for i, g in enumerate(groups):
        members.setdefault(g, []).append(i)
    ordered = list(members.values())
    if len(ordered) < k:
        return ordered
    return [[i for m in ordered[j::k] for i in m] for j in range(k)]


def fit(
    docs: Sequence[DocData],
    prior: LogisticModel,
    min_recall: float = MIN_RECALL,
    inner_folds: int = 5,
    groups: Sequence[int] | None = None,
) -> LogisticModel:
    """Weights from all of ``docs``; the threshold from out-of-fold probabilities (folds split by
    document, or by ``groups`` so that a group is never split), at the best precision with
    recall >= ``min_recall``."""
    model = fit_weights(docs, prior)
    if len(docs) < 2:
        return model
    probs: list[float] = []
    labels: list[int] = []
    n_pos = 0
    for fold in _folds(docs, inner_folds, groups):
        held = set(fold)
        m = fit_weights([d for i, d in enumerate(docs) if i not in held], prior)
        for i in fold:
            d = docs[i]
            n_pos += d.n_positive
            if not len(d.y):
                continue
            # what top-k would keep at any threshold: rank within section first
            probs_d = m.predict(d.x)
            keep = topk_mask(probs_d, d.sections, m.top_k)
            probs.extend(p for p, kk in zip(probs_d, keep, strict=True) if kk)
            labels.extend(int(y) for y, kk in zip(d.y, keep, strict=True) if kk)
    thr = choose_threshold(probs, labels, n_pos, min_recall)
    return with_weights(model, np.asarray(model.weights), model.bias, threshold=thr)


def cross_validate(docs: Sequence[DocData], prior: LogisticModel, by: str = "document") -> dict:
    """Leave-one-document-out (``by="document"``) or leave-one-source-out (``by="source"``,
    :func:`source_groups`; the inner folds that choose the threshold are split by source too):
    weights and threshold fitted on the other documents only.

    Beside the figures: their 95 % interval by resampling the held-out units
    (:func:`bootstrap_interval`) and, on the same documents, the prior's own figures without any
    fitting and the paired difference fitted − prior (:func:`paired_difference`): whether
    fitting on labeled policies measurably helps a policy it has not seen."""
    if by not in ("document", "source"):
        raise ValueError(f"cross-validation is by document or by source, not {by!r}")
    groups = source_groups(docs) if by == "source" else list(range(len(docs)))
    tp = fp = fn = 0
    per: dict[str, list[int]] = {}
    counts: list[tuple[int, int, int]] = []
    models: dict[int, LogisticModel] = {}
    held_out: list[tuple[float, float, bool]] = []  # (probability, label, suggested)
    for i, d in enumerate(docs):
        g = groups[i]
        if g not in models:
            rest = [j for j in range(len(docs)) if groups[j] != g]
            inner = [groups[j] for j in rest] if by == "source" else None
            models[g] = fit([docs[j] for j in rest], prior, groups=inner)
        sel: set[tuple[int, str]] = set()
        if len(d.y):
            picked = set(select(models[g], d.x, d.sections, d.items))
            sel = _pairs(d, picked)  # as _selected, from the one select
            probs = models[g].predict(d.x)
            held_out.extend(
                (p, float(y), k in picked) for k, (p, y) in enumerate(zip(probs, d.y, strict=True))
            )
        counts.append((len(sel & d.gold), len(sel - d.gold), len(d.gold - sel)))
        tp, fp, fn = tp + counts[-1][0], fp + counts[-1][1], fn + counts[-1][2]
        for group, k in ((sel & d.gold, 0), (sel - d.gold, 1), (d.gold - sel, 2)):
            for _s, item in group:
                per.setdefault(item, [0, 0, 0])[k] += 1
    out = prf(tp, fp, fn)
    unfitted = document_counts(prior, docs)
    if by == "source":
        out["folds"] = "leave-one-source-out"
        out["groups"] = len(set(groups))
        counts = _summed_by(groups, counts)
        unfitted = _summed_by(groups, unfitted)
        out["interval"] = dict(bootstrap_interval(counts), unit="source")
    else:
        out["folds"] = "leave-one-document-out"
        out["interval"] = bootstrap_interval(counts)
    out["prior"] = prf(*np.sum(np.asarray(unfitted, dtype=int).reshape(-1, 3), axis=0).tolist())
    out["fitted_minus_prior"] = paired_difference(unfitted, counts)
    out["per_competency"] = {c: prf(*v) for c, v in sorted(per.items())}
    out["calibration"] = calibration(held_out)
    return out


#: the probability bins of :func:`calibration`
CALIBRATION_BINS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0)


def calibration(held_out: Sequence[tuple[float, float, bool]]) -> dict:
    """Whether a score means what it says: a suggestion's score is the probability that a
    reviewer confirms it, so among held-out candidates scored about p, about p should be gold
    links. ``held_out``: ``(probability, label, suggested)`` per candidate, each predicted by a
    model fitted without its document. Gives the Brier score beside that of always predicting
    the base rate (a model that knows anything beats it), the confirmed share per probability
    bin, and the mean probability against the confirmed share of the suggestions shown."""
    if not held_out:
        return {"candidates": 0, "brier": 0.0, "brier_base_rate": 0.0, "bins": [], "suggested": {}}
    p = np.asarray([h[0] for h in held_out], dtype=float)
    y = np.asarray([h[1] for h in held_out], dtype=float)
    shown = np.asarray([h[2] for h in held_out], dtype=bool)
    bins = []
    edges = CALIBRATION_BINS
    for lo, hi in zip(edges, edges[1:], strict=False):
        k = (p >= lo) & ((p < hi) if hi < 1.0 else (p <= hi))
        if k.any():
            bins.append(
                {
                    "from": lo,
                    "to": hi,
                    "candidates": int(k.sum()),
                    "mean_probability": round(float(p[k].mean()), 4),
                    "confirmed": round(float(y[k].mean()), 4),
                }
            )
    return {
        "candidates": len(p),
        "brier": round(float(np.mean((p - y) ** 2)), 4),
        "brier_base_rate": round(float(np.mean((y.mean() - y) ** 2)), 4),
        "bins": bins,
        "suggested": {
            "count": int(shown.sum()),
            "mean_probability": round(float(p[shown].mean()), 4) if shown.any() else 0.0,
            "confirmed": round(float(y[shown].mean()), 4) if shown.any() else 0.0,
        },
    }


def _summed_by(
    groups: Sequence[int], counts: Sequence[tuple[int, int, int]]
) -> list[tuple[int, int, int]]:
    """Per-document ``(tp, fp, fn)`` summed per group, in group order: the bootstrap's unit."""
    sums: dict[int, list[int]] = {}
    for g, c in zip(groups, counts, strict=True):
        row = sums.setdefault(g, [0, 0, 0])
        for k in range(3):
            row[k] += c[k]
    return [tuple(sums[g]) for g in sorted(sums)]  # type: ignore[misc]


def document_counts(model: LogisticModel, docs: Sequence[DocData]) -> list[tuple[int, int, int]]:
    """``(tp, fp, fn)`` of ``model`` on each document."""
    out = []
    for d in docs:
        sel = _selected(model, d)
        out.append((len(sel & d.gold), len(sel - d.gold), len(d.gold - sel)))
    return out


#: resamples of the document bootstrap, and its seed (fixed: the same figures every run)
RESAMPLES = 2000
BOOTSTRAP_SEED = 2017


def _f1_of(sums: np.ndarray) -> np.ndarray:
    """Micro F1 of rows ``(tp, fp, fn)``: 2tp / (2tp + fp + fn), 0 where there is nothing."""
    den = 2 * sums[:, 0] + sums[:, 1] + sums[:, 2]
    return np.where(den > 0, 2 * sums[:, 0] / np.maximum(den, 1), 0.0)


def _resampled(counts: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """Summed ``(tp, fp, fn)`` of ``resamples`` samples of the documents drawn with replacement."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(counts), size=(resamples, len(counts)))
    return counts[idx].sum(axis=1)


def bootstrap_interval(
    counts: Sequence[tuple[int, int, int]],
    resamples: int = RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    level: float = 0.95,
) -> dict:
    """Percentile interval of micro precision, recall and F1 when the *documents* are resampled
    with replacement (links within a policy are not independent, so documents are the unit).
    It says how far the figure would move on another set of policies like these: two settings
    whose figures differ by less than about half its width cannot be told apart here."""
    c = np.asarray(counts, dtype=float).reshape(-1, 3)
    if not len(c):
        return {"precision": [0.0, 0.0], "recall": [0.0, 0.0], "f1": [0.0, 0.0]}
    s = _resampled(c, resamples, seed)
    tp, fp, fn = s[:, 0], s[:, 1], s[:, 2]
    p = np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1), 0.0)
    r = np.where(tp + fn > 0, tp / np.maximum(tp + fn, 1), 0.0)
    lo, hi = 100 * (1 - level) / 2, 100 * (1 + level) / 2

    def iv(v: np.ndarray) -> list[float]:
        return [round(float(np.percentile(v, lo)), 4), round(float(np.percentile(v, hi)), 4)]

    return {
        "precision": iv(p),
        "recall": iv(r),
        "f1": iv(_f1_of(s)),
        "level": level,
        "resamples": resamples,
        "unit": "document",
    }


def paired_difference(
    base: Sequence[tuple[int, int, int]],
    other: Sequence[tuple[int, int, int]],
    resamples: int = RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    level: float = 0.95,
) -> dict:
    """F1 of ``other`` minus F1 of ``base``, both scored on the same documents (counts in the
    same order), with its paired bootstrap interval: the same documents are drawn for both in
    every resample, so what the documents have in common cancels out. ``better`` is the share
    of resamples in which ``other`` is ahead."""
    a = np.asarray(base, dtype=float).reshape(-1, 3)
    b = np.asarray(other, dtype=float).reshape(-1, 3)
    if a.shape != b.shape:
        raise ValueError("paired counts need the same documents in the same order")
    observed = float(
        _f1_of(b.sum(axis=0, keepdims=True))[0] - _f1_of(a.sum(axis=0, keepdims=True))[0]
    )
    if not len(a):
        return {"f1": 0.0, "interval": [0.0, 0.0], "better": 0.0}
    both = np.hstack([a, b])
    s = _resampled(both, resamples, seed)
    d = _f1_of(s[:, 3:]) - _f1_of(s[:, :3])
    lo, hi = 100 * (1 - level) / 2, 100 * (1 + level) / 2
    return {
        "f1": round(observed, 4),
        "interval": [round(float(np.percentile(d, lo)), 4), round(float(np.percentile(d, hi)), 4)],
        "better": round(float(np.mean(d > 0)), 4),
        "level": level,
        "resamples": resamples,
    }


#: reviewed documents and confirmed links needed before the threshold is chosen again from the
#: deployment's own decisions (with fewer, out-of-fold probabilities are too noisy to move it)
MIN_DOCS_FOR_THRESHOLD = 12
MIN_POSITIVES_FOR_THRESHOLD = 40


def adapt(base: LogisticModel, docs: Sequence[DocData]) -> LogisticModel:
    """What the engine learns from reviewed documents: weights refitted toward ``base``'s; the
    threshold chosen from the decisions only once there are enough of them.

    With fewer, the refitted model ranks and ``base`` sets the volume: in each new document it
    suggests as many links as ``base`` would there (``volume_from``). Matching the volume on the
    reviewed documents themselves instead is biased - the refit is overconfident on the
    documents it was fitted to - and after a single reviewed document it raised the threshold
    to 0.7-0.9 and cut recall by more than half (README, "Learning from reviewers")."""
    if not docs:
        return base
    if (
        len(docs) >= MIN_DOCS_FOR_THRESHOLD
        and sum(d.n_positive for d in docs) >= MIN_POSITIVES_FOR_THRESHOLD
    ):
        return fit(docs, base)
    m = fit_weights(docs, base)
    return with_weights(m, np.asarray(m.weights), m.bias, volume_from=base)


def learning_curve(docs: Sequence[DocData], prior: LogisticModel, seed: int = 2017) -> list[dict]:
    """Documents in a fixed random order, gold labels as the reviewer's decisions: after each
    reviewed document the model is refitted from the prior on everything reviewed so far
    (:func:`adapt`), and the documents not yet reviewed are scored - by it and, for comparison,
    by the untrained prior."""
    order = list(range(len(docs)))
    random.Random(seed).shuffle(order)
    curve = []
    for n in range(len(order)):
        seen = [docs[i] for i in order[:n]]
        rest = [docs[i] for i in order[n:]]
        m = adapt(prior, seen)
        r = score(m, rest)
        base = score(prior, rest)
        curve.append(
            {
                "reviewed": n,
                "precision": r["precision"],
                "recall": r["recall"],
                "f1": r["f1"],
                "untrained_f1": base["f1"],
            }
        )
    return curve


def learning_orders(
    docs: Sequence[DocData], prior: LogisticModel, orders: int = 20, first: int = 5
) -> dict:
    """:func:`learning_curve` over ``orders`` random orders (seeds 0, 1, ...): one order's gain
    is mostly which documents happen to come first, so the spread is reported beside the fixed
    order's curve. ``gain`` is F1 minus the untrained F1 on the same rest; at half the documents,
    and the worst gain over the first ``first`` documents reviewed."""
    half = len(docs) // 2
    at_half: list[float] = []
    early: list[float] = []
    for seed in range(orders):
        curve = learning_curve(docs, prior, seed)
        gains = [p["f1"] - p["untrained_f1"] for p in curve]
        if half < len(gains):
            at_half.append(gains[half])
        if len(gains) > 1:
            early.append(min(gains[1 : first + 1]))

    def summary(v: list[float]) -> dict:
        if not v:
            return {"mean": 0.0, "min": 0.0, "max": 0.0}
        return {
            "mean": round(float(np.mean(v)), 4),
            "min": round(min(v), 4),
            "max": round(max(v), 4),
        }

    return {
        "orders": orders,
        "half": half,
        "gain_at_half": summary(at_half),
        "worst_gain_first_documents": summary(early),
        "first_documents": first,
    }
