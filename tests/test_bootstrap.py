"""The document bootstrap behind the evaluation's intervals (review.training): checked on counts
whose answer is known by hand."""

from __future__ import annotations

import pytest

from review.training import bootstrap_interval, paired_difference


def test_identical_documents_give_an_interval_of_width_zero():
    # every resample of identical documents has the same micro figures: P 2/3, R 2/4, F1 4/7
    iv = bootstrap_interval([(2, 1, 2)] * 10)
    assert iv["precision"] == [round(2 / 3, 4)] * 2
    assert iv["recall"] == [0.5, 0.5]
    assert iv["f1"] == [round(4 / 7, 4)] * 2


def test_the_interval_holds_the_figure_widens_with_fewer_documents_and_repeats():
    varied = [(5, 0, 0), (0, 5, 5), (3, 1, 1), (1, 3, 3), (4, 2, 0), (0, 0, 4)]
    few = bootstrap_interval(varied)
    many = bootstrap_interval(varied * 8)
    tp = sum(c[0] for c in varied)
    f1 = 2 * tp / (2 * tp + sum(c[1] + c[2] for c in varied))
    for iv in (few, many):
        assert iv["f1"][0] < f1 < iv["f1"][1]
    assert many["f1"][1] - many["f1"][0] < few["f1"][1] - few["f1"][0]
    assert bootstrap_interval(varied) == few  # fixed seed: the same figures every run
    assert bootstrap_interval([])["f1"] == [0.0, 0.0]


def test_paired_difference_of_a_setting_with_itself_is_zero_and_a_uniform_gain_is_certain():
    base = [(2, 2, 2), (1, 3, 1), (4, 0, 2), (0, 1, 3)]
    same = paired_difference(base, base)
    assert same["f1"] == 0.0 and same["interval"] == [0.0, 0.0] and same["better"] == 0.0
    # one more true positive (and one fewer miss) in every document: ahead in every resample
    better = [(tp + 1, fp, max(fn - 1, 0)) for tp, fp, fn in base]
    d = paired_difference(base, better)
    assert d["better"] == 1.0 and 0 < d["interval"][0] <= d["f1"] <= d["interval"][1]
    with pytest.raises(ValueError):
        paired_difference(base, base[:2])


# ------------------------------------------------------------- cross-validation by source


def _doc(name: str, *hosts: str):
    import numpy as np

    from review.engine import FEATURES
    from review.training import DocData

    return DocData(
        name, np.zeros((0, len(FEATURES))), [], [], np.zeros(0), sources=frozenset(hosts)
    )


def test_documents_sharing_a_web_host_are_one_source_transitively():
    from review.training import source_groups

    docs = [
        _doc("a", "manual.example.gov"),
        _doc("b", "rules.example.org"),
        _doc("c", "manual.example.gov", "mirror.example.net"),
        _doc("d"),  # no source: a group of its own
        _doc("e", "mirror.example.net", "rules.example.org"),  # joins a+c with b
        _doc("f", "other.example.com"),
    ]
    assert source_groups(docs) == [0, 0, 0, 1, 0, 2]
    assert source_groups([]) == []


def test_a_source_address_is_read_as_its_host():
    from review.training import _host

    assert _host("https://www.Example.gov/policies/4.2#x") == "example.gov"
    assert _host("http://manual.example.gov:8080/a") == "manual.example.gov"
    assert _host("") == "" and _host("not a url") == ""


def test_folds_by_group_never_split_a_group_and_cover_every_document_once():
    from review.training import _folds

    groups = [0, 1, 0, 2, 3, 1, 4, 5, 6, 0]
    docs = [_doc(str(i)) for i in range(len(groups))]
    folds = _folds(docs, 3, groups)
    assert sorted(i for f in folds for i in f) == list(range(len(groups)))
    for f in folds:
        for g in {groups[i] for i in f}:
            assert {i for i, h in enumerate(groups) if h == g} <= set(f)
    assert len(folds) == 3
    # fewer groups than folds: one fold a group
    assert _folds(docs[:3], 5, [0, 1, 0]) == [[0, 2], [1]]
    # without groups: every k-th document, as before
    assert _folds(docs, 3) == [[0, 3, 6, 9], [1, 4, 7], [2, 5, 8]]


# ------------------------------------------------------------- calibration of held-out scores


def test_calibration_bins_and_brier_by_hand():
    from review.training import calibration

    held = [(0.05, 0.0, False), (0.05, 1.0, False), (0.15, 0.0, False), (0.6, 1.0, True)]
    held += [(0.6, 0.0, True), (0.9, 1.0, True)]
    c = calibration(held)
    assert c["candidates"] == 6
    sq = [0.05**2, 0.95**2, 0.15**2, 0.4**2, 0.6**2, 0.1**2]
    assert c["brier"] == round(sum(sq) / 6, 4)
    assert c["brier_base_rate"] == 0.25  # half are links: (0.5 - y)^2 for every candidate
    assert [(b["from"], b["to"], b["candidates"], b["confirmed"]) for b in c["bins"]] == [
        (0.0, 0.1, 2, 0.5),
        (0.1, 0.2, 1, 0.0),
        (0.5, 0.7, 2, 0.5),
        (0.7, 1.0, 1, 1.0),
    ]
    assert c["suggested"] == {"count": 3, "mean_probability": 0.7, "confirmed": round(2 / 3, 4)}
    assert calibration([(1.0, 1.0, True)])["bins"][-1]["to"] == 1.0  # 1.0 is in the last bin
    assert calibration([])["candidates"] == 0
