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


def _two_feature_model(w, b, threshold=0.5, top_k=2, **kw):
    from review.model import LogisticModel

    return LogisticModel(("a", "b"), tuple(w), b, threshold, top_k, **kw)


def test_select_keeps_the_threshold_then_top_k_per_section_best_first():
    from review.model import select

    m = _two_feature_model((1.0, 0.0), 0.0, threshold=0.6, top_k=2)
    rows = [(3.0, 0), (2.0, 0), (1.0, 0), (-1.0, 0), (0.5, 0)]
    sections = [0, 0, 0, 1, 1]
    names = ["C1", "C2", "C3", "C4", "C5"]
    # section 0: three above 0.6 (σ(3), σ(2), σ(1)), top-2 keeps the first two; section 1: σ(0.5)
    # = 0.62 passes, σ(-1) does not
    assert sorted(select(m, rows, sections, names)) == [0, 1, 4]
    assert sorted(select(m, rows, sections, names, threshold=0.99)) == []


def test_a_model_with_volume_from_reorders_but_suggests_as_many_as_its_base():
    """A model that learned from few documents ranks by its own weights and takes from each
    document as many links as the base model would give it."""
    from review.model import select

    base = _two_feature_model((1.0, 0.0), 0.0, threshold=0.6, top_k=4)  # likes feature a
    learned = _two_feature_model((0.0, 1.0), 5.0, threshold=0.6, top_k=4, volume_from=base)
    rows = [(2.0, -3.0), (1.0, 0.0), (-2.0, 2.0), (-3.0, 1.0)]
    sections, names = [0, 1, 2, 3], ["C1", "C2", "C3", "C4"]
    assert sorted(select(base, rows, sections, names)) == [0, 1]  # σ(2), σ(1) >= 0.6
    # the learned model's own threshold would keep all four (σ(5 + b) >= 0.6 for every row but
    # the first); volume matching keeps its two best instead
    assert sorted(select(learned, rows, sections, names)) == [2, 3]
    # a document in which the base suggests nothing gets nothing
    assert select(learned, [(-5.0, 3.0)], [0], ["C1"]) == []


def test_adapting_to_one_document_holds_the_volume_and_enough_documents_choose_a_threshold():
    from review import training
    from review.model import prior_model

    rng = np.random.default_rng(3)
    prior = prior_model()

    def doc(name: str) -> training.DocData:
        x = rng.random((12, len(FEATURES)))
        y = (rng.random(12) < 0.4).astype(float)
        secs = list(range(12))
        gold = {(s, "C1") for s, yy in zip(secs, y, strict=True) if yy}
        return training.DocData(name, x, ["C1"] * 12, secs, y, gold, 12, 12)

    one = training.adapt(prior, [doc("a")])
    assert one.volume_from is prior and one.weights != prior.weights
    many = training.adapt(prior, [doc(f"d{i}") for i in range(14)])
    assert many.volume_from is None
