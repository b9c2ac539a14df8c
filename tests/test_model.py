"""The calibrated model's fit, threshold choice and shipped weights."""

from __future__ import annotations

import numpy as np

from review.engine import FEATURES
from review.framework import get_framework
from review.model import choose_threshold, default_model, fit_logistic, prior_model


def _data(seed=7, n=400, d=5):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    true = rng.normal(size=d)
    y = (rng.random(n) < 1 / (1 + np.exp(-(x @ true - 0.5)))).astype(float)
    return x, y


def test_fit_meets_its_optimality_conditions():
    """At the MAP solution the penalised log-loss has zero gradient, whatever the prior."""
    x, y = _data()
    w0 = np.array([0.5, -1.0, 0.0, 2.0, 0.3])
    for prior_w, prior_b, lam in ((None, 0.0, 1.0), (w0, -0.4, 3.0)):
        w, b = fit_logistic(x, y, prior_w, prior_b, lam)
        p = 1 / (1 + np.exp(-(x @ w + b)))
        pw = np.zeros(5) if prior_w is None else prior_w
        grad_w = x.T @ (p - y) + lam * (w - pw)
        grad_b = float(np.sum(p - y) + lam * (b - prior_b))
        assert np.max(np.abs(grad_w)) < 1e-6 and abs(grad_b) < 1e-6


def test_a_strong_prior_keeps_the_prior_weights_and_no_prior_fits_the_data():
    x, y = _data()
    w0 = np.array([3.0, 3.0, 3.0, 3.0, 3.0])
    w_strong, _ = fit_logistic(x, y, w0, 0.0, lam=1e6)
    assert np.allclose(w_strong, w0, atol=1e-2)
    w_free, _ = fit_logistic(x, y, w0, 0.0, lam=1e-3)
    assert not np.allclose(w_free, w0, atol=0.5)


def test_threshold_keeps_the_recall_asked_for_at_the_best_precision():
    probs = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3]
    labels = [1, 0, 1, 1, 0, 1, 0]
    # 5 gold links, 4 of them candidates: recall 0.6 is first reached at 0.6 (3 of 5)
    assert choose_threshold(probs, labels, n_positive=5, min_recall=0.6) == 0.6
    # recall 0.9 is out of reach (4 of 5 at best): the best F1 instead
    t = choose_threshold(probs, labels, n_positive=5, min_recall=0.9)
    assert t in probs


def test_shipped_model_names_every_feature_and_is_fitted_from_the_prior():
    shipped = default_model(get_framework())
    prior = prior_model()
    assert shipped.features == FEATURES == prior.features
    assert shipped.weights != prior.weights
    meta = shipped.meta
    assert meta["cross_validated"]["folds"] == "leave-one-document-out"
    assert 0 < shipped.threshold < 1
