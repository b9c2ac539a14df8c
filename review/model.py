"""The suggester's calibrated model: logistic regression over the named features of
:data:`review.engine.FEATURES`, its weights in ``data/model/<framework id>.json``.

``p = σ(bias + Σ wᵢ·xᵢ)`` is the probability that a reviewer confirms the link. Fitting is
maximum a posteriori with a Gaussian prior centred on *prior* weights
(``½·λ·‖w − w₀‖²``): with ``w₀ = 0`` that is ordinary L2-regularised logistic regression
(``tests/test_model.py`` checks the solution by its optimality conditions);
with ``w₀`` = the shipped weights it is how the engine learns from a deployment's reviewers
without forgetting what it shipped with (scikit-learn cannot centre the penalty elsewhere than 0,
hence these twenty lines of Newton's method). The intercept is penalised too, toward its prior.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import numpy as np

from review.framework import Framework

MODEL_DIR = Path(__file__).resolve().parent.parent / "data" / "model"


@dataclass(frozen=True)
class LogisticModel:
    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    #: a suggestion needs at least this probability
    threshold: float = 0.5
    #: at most this many suggestions per section
    top_k: int = 4
    #: what the weights were fitted on, for the admin page and the README
    meta: dict = field(default_factory=dict, compare=False)
    #: set on a model that learned its ranking from few reviewed documents: in each document it
    #: suggests as many links as this model would there (its own ``threshold`` is not used), so
    #: a handful of decisions reorders the suggestions without swinging how many there are
    volume_from: LogisticModel | None = field(default=None, compare=False)

    def logits(self, rows: Sequence[Sequence[float]]) -> np.ndarray:
        if not len(rows):
            return np.zeros(0)
        x = np.asarray(rows, dtype=float)
        return x @ np.asarray(self.weights) + self.bias

    def predict(self, rows: Sequence[Sequence[float]], item_ids: Sequence[str] = ()) -> list[float]:
        z = self.logits(rows)
        return (1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))).tolist()

    def to_dict(self) -> dict:
        return {
            "features": list(self.features),
            "weights": {n: round(w, 6) for n, w in zip(self.features, self.weights, strict=True)},
            "bias": round(self.bias, 6),
            "threshold": round(self.threshold, 6),
            "top_k": self.top_k,
            "meta": self.meta,
        }

    @classmethod
    def from_dict(cls, d: dict, features: Sequence[str]) -> LogisticModel:
        """Weights by name; a feature the file does not name weighs 0 (older files keep working)."""
        w = d.get("weights", {})
        if not isinstance(w, dict):
            raise ValueError("model weights must be a mapping of feature name to weight")
        return cls(
            tuple(features),
            tuple(float(w.get(n, 0.0)) for n in features),
            float(d.get("bias", 0.0)),
            float(d.get("threshold", 0.5)),
            int(d.get("top_k", 4)),
            dict(d.get("meta", {})),
        )


def fit_logistic(
    x: np.ndarray,
    y: np.ndarray,
    prior_w: np.ndarray | None = None,
    prior_b: float = 0.0,
    lam: float = 1.0,
    sample_weight: np.ndarray | None = None,
    iterations: int = 50,
) -> tuple[np.ndarray, float]:
    """MAP logistic regression by Newton's method: minimises
    ``Σ sᵢ·logloss(yᵢ, σ(b + xᵢ·w)) + ½·λ·(‖w − w₀‖² + (b − b₀)²)``."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n, d = x.shape
    s = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    w0 = np.zeros(d) if prior_w is None else np.asarray(prior_w, dtype=float)
    theta0 = np.concatenate([w0, [prior_b]])
    xa = np.hstack([x, np.ones((n, 1))])
    theta = theta0.copy()
    reg = lam * np.eye(d + 1)

    def objective(t: np.ndarray) -> float:
        z = xa @ t
        return float(
            np.sum(s * (np.logaddexp(0.0, z) - y * z)) + 0.5 * lam * np.sum((t - theta0) ** 2)
        )

    f = objective(theta)
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(xa @ theta, -30, 30)))
        grad = xa.T @ (s * (p - y)) + lam * (theta - theta0)
        if float(np.max(np.abs(grad))) < 1e-10:
            break
        h = (xa * (s * p * (1 - p))[:, None]).T @ xa + reg
        step = np.linalg.solve(h, grad)
        # backtracking: a full Newton step can overshoot where the prior saturates the logits
        t = 1.0
        while t > 1e-8:
            cand = theta - t * step
            fc = objective(cand)
            if fc <= f - 1e-4 * t * float(grad @ step):
                break
            t *= 0.5
        theta, f = cand, fc
        if float(np.max(np.abs(t * step))) < 1e-12:
            break
    return theta[:d], float(theta[d])


def choose_threshold(
    probs: Sequence[float], labels: Sequence[int], n_positive: int, min_recall: float = 0.85
) -> float:
    """The highest threshold whose recall (over ``n_positive`` gold links, candidates or not) is
    at least ``min_recall`` - the best precision at that recall; when no threshold reaches it,
    the one with the best F1."""
    order = sorted(zip(probs, labels, strict=True), key=lambda t: -t[0])
    tp = fp = 0
    best_f1, best_f1_t = -1.0, 0.5
    chosen = None
    for j, (p, lab) in enumerate(order):
        tp += lab
        fp += 1 - lab
        if j + 1 < len(order) and order[j + 1][0] == p:
            continue  # ties: a threshold takes all of them
        r = tp / n_positive if n_positive else 0.0
        pr = tp / (tp + fp)
        f1 = 2 * pr * r / (pr + r) if pr + r else 0.0
        if f1 > best_f1:
            best_f1, best_f1_t = f1, p
        if chosen is None and r >= min_recall:
            chosen = p
    t = chosen if chosen is not None else best_f1_t
    return float(max(min(t, 0.99), 0.01))


def topk_mask(probs: Sequence[float], sections: Sequence[int], k: int) -> list[bool]:
    """Which candidates are among the ``k`` most probable of their section."""
    by: dict[int, list[tuple[float, int]]] = {}
    for j, (p, s) in enumerate(zip(probs, sections, strict=True)):
        by.setdefault(s, []).append((p, j))
    keep = [False] * len(probs)
    for row in by.values():
        row.sort(key=lambda t: -t[0])
        for _, j in row[:k]:
            keep[j] = True
    return keep


def select(
    model: LogisticModel,
    rows: Sequence[Sequence[float]],
    sections: Sequence[int],
    names: Sequence[str],
    threshold: float | None = None,
    probs: Sequence[float] | None = None,
) -> list[int]:
    """The candidates of one document the engine suggests, by index: probability at least the
    threshold, then at most ``top_k`` per section, best first (ties by ``names``, the competency
    ids). Without an explicit ``threshold``: the model's, or for a model with ``volume_from`` the
    probability at which it suggests as many links as that model would in this document."""
    if probs is None:
        probs = model.predict(rows)
    if threshold is None:
        threshold = model.threshold
        if model.volume_from is not None and len(probs):
            threshold = _volume_threshold(model, rows, probs, sections, names)
    per: dict[int, list[tuple[float, str, int]]] = {}
    for j, (p, s) in enumerate(zip(probs, sections, strict=True)):
        if p >= threshold:
            per.setdefault(s, []).append((p, names[j], j))
    out: list[int] = []
    for row in per.values():
        row.sort(key=lambda t: (-round(t[0], 4), t[1]))
        out.extend(j for _p, _n, j in row[: model.top_k])
    return out


def _volume_threshold(
    model: LogisticModel,
    rows: Sequence[Sequence[float]],
    probs: Sequence[float],
    sections: Sequence[int],
    names: Sequence[str],
) -> float:
    """The probability of ``model``'s n-th best candidate (top-k per section), where n is how
    many links ``model.volume_from`` suggests in the same document; above every probability
    when it suggests none."""
    base = model.volume_from
    assert base is not None
    n = len(select(base, rows, sections, names))
    if n == 0:
        return math.inf
    keep = topk_mask(probs, sections, model.top_k)
    ranked = sorted((p for p, k in zip(probs, keep, strict=True) if k), reverse=True)
    return ranked[min(n, len(ranked)) - 1]


def load_model(path: Path, features: Sequence[str]) -> LogisticModel:
    return LogisticModel.from_dict(json.loads(Path(path).read_text(encoding="utf-8")), features)


@cache
def _shipped(path: str, mtime_ns: int) -> LogisticModel:
    from review.engine import FEATURES

    return load_model(Path(path), FEATURES)


def prior_model() -> LogisticModel:
    """The hand-set starting weights (``data/model/prior.json``): what the engine knows before
    any labeled decision, set from the labeling standard's rules, not fitted."""
    p = MODEL_DIR / "prior.json"
    return _shipped(str(p), p.stat().st_mtime_ns)


def default_model(framework: Framework) -> LogisticModel:
    """The framework's shipped model (``data/model/<id>.json``), else the prior: an imported
    framework starts from the prior weights and learns from its reviewers."""
    p = MODEL_DIR / f"{framework.id}.json"
    if p.is_file():
        return _shipped(str(p), p.stat().st_mtime_ns)
    return prior_model()


def with_weights(model: LogisticModel, w: np.ndarray, b: float, **changes) -> LogisticModel:
    return replace(model, weights=tuple(float(v) for v in w), bias=float(b), **changes)


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))
