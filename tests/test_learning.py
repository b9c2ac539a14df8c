"""Learning from reviewers: decisions become training examples (numbers, never text), the
suggester adapts to them, and an admin can see, switch off and reset it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from review.demo import CONFIDENTIALITY, MANDATED_REPORTING, STAFF_WELLNESS
from review.engine import FEATURES
from review.errors import PermissionDenied
from review.learning import as_documents, current_examples, example_record, learned_model
from review.model import default_model
from tests.test_services import World

#: the service-level tests run on both stores (TinyDB and a real PostgreSQL)
pytestmark = pytest.mark.usefixtures("store_backend")

ROOT = Path(__file__).resolve().parent.parent
EVAL_DEV = ROOT.parent / "shared" / "eval-dev"


@pytest.fixture
def w(data_dir: Path) -> World:
    return World(data_dir)


def _reviewed(w: World, policy=STAFF_WELLNESS) -> tuple[str, list]:
    doc = w.to_state("in_review", policy)
    return doc, w.svc.links(w.rita, doc)


def test_a_decision_learns_from_the_features_stored_at_upload(w: World, monkeypatch):
    """Suggested links keep their features from the upload, the same the document's features
    give when rebuilt, so confirming or rejecting one needs no rebuild of the document; a
    hand-added link, which has none, is built on demand."""
    from review.engine import FeatureBuilder
    from review.services.learning import LearningMixin

    doc, links = _reviewed(w)
    with w.svc.repo.document(doc) as tx:
        stored = {
            (r["section_id"], r["competency"]): r["features"]
            for r in tx.links(links[0].version)
            if r["state"] == "suggested"
        }
    fw = w.svc.framework("wisconsin-2017")
    rebuilt = FeatureBuilder(fw).pair_features(w.svc.sections(w.rita, doc))
    calls = []
    real = LearningMixin._pair_features
    monkeypatch.setattr(
        LearningMixin,
        "_pair_features",
        lambda self, *a: calls.append(a) or real(self, *a),
    )
    w.svc.confirm_link(w.rita, doc, links[0].id)
    w.svc.reject_link(w.rita, doc, links[1].id, "mentions it only")
    assert calls == []
    rows = {r["link_id"]: r for r in w.svc.repo.learning_examples("wisconsin-2017")}
    for lk in links[:2]:
        want = rebuilt[(lk.section_id, lk.competency)]
        assert rows[lk.id]["features"] == pytest.approx(list(want), abs=1e-6)
        assert stored[(lk.section_id, lk.competency)] == rows[lk.id]["features"]
    sec = w.svc.sections(w.rita, doc)[-1]
    added = w.svc.add_link(w.rita, doc, sec.id, "C3")
    assert len(calls) == 1
    assert rows.keys() <= {r["link_id"] for r in w.svc.repo.learning_examples("wisconsin-2017")}
    assert added.id in {r["link_id"] for r in w.svc.repo.learning_examples("wisconsin-2017")}


def test_each_decision_is_an_example_of_features_and_ids_only(w: World, data_dir: Path):
    doc, links = _reviewed(w)
    assert len(links) >= 2
    w.svc.confirm_link(w.rita, doc, links[0].id)
    w.svc.reject_link(w.rita, doc, links[1].id, "mentions it only")
    sections = w.svc.sections(w.rita, doc)
    w.svc.add_link(w.rita, doc, sections[-1].id, "C3", note="covers reporting")
    rows = w.svc.repo.learning_examples("wisconsin-2017")
    by_decision = {r["decision"]: r for r in rows}
    assert set(by_decision) == {"confirmed", "rejected", "added"}
    assert by_decision["confirmed"]["label"] == 1 and by_decision["rejected"]["label"] == 0
    assert by_decision["added"]["label"] == 1
    for r in rows:
        assert len(r["features"]) == len(FEATURES)
        assert all(isinstance(x, float) for x in r["features"])
    # no document text in the learning store: not one word of the sections' bodies
    raw = json.dumps(w.svc.repo.learning_examples("wisconsin-2017"))
    words = {t for s in sections for t in s.text.split() if len(t) > 6 and t.isalpha()}
    assert words and not [t for t in words if t in raw]


def test_undo_and_removal_cancel_what_a_link_taught(w: World):
    doc, links = _reviewed(w)
    w.svc.confirm_link(w.rita, doc, links[0].id)
    w.svc.undo_link(w.rita, doc, links[0].id)
    sec = w.svc.sections(w.rita, doc)[-1]
    added = w.svc.add_link(w.rita, doc, sec.id, "C3")
    w.svc.remove_link(w.rita, doc, added.id)
    assert current_examples(w.svc.repo.learning_examples("wisconsin-2017")) == []


def test_bulk_confirmation_records_every_changed_link_in_one_write(w: World):
    doc, links = _reviewed(w)
    n = w.svc.confirm_links(w.rita, doc, [lk.id for lk in links])
    rows = w.svc.repo.learning_examples("wisconsin-2017")
    assert n == len(links) == len(rows) and {r["decision"] for r in rows} == {"confirmed"}


def test_the_suggester_adapts_to_decisions_and_admin_can_switch_it_off_and_reset(w: World):
    fw = w.svc.framework("wisconsin-2017")
    base = default_model(fw)
    assert w.svc._model_for(fw) is base  # nothing learned yet
    for policy in (STAFF_WELLNESS, CONFIDENTIALITY, MANDATED_REPORTING):
        doc, links = _reviewed(w, policy)
        for lk in links:  # a reviewer who rejects everything the engine suggests
            w.svc.reject_link(w.rita, doc, lk.id, "not addressed")
    learned = w.svc._model_for(fw)
    assert learned.weights != base.weights
    # rejections everywhere lower the probabilities of what was suggested
    rows = current_examples(w.svc.repo.learning_examples(fw.id))
    x = np.asarray([r["features"] for r in rows])
    assert np.mean(learned.predict(x)) < np.mean(base.predict(x))
    status = w.svc.learning_status(w.ada)
    assert status.enabled and status.decisions == len(rows) and status.rejected == len(rows)
    # the third policy may get fewer suggestions or none: the engine learned from the first two
    assert 2 <= status.documents <= 3 and status.learned_f1 is not None
    lo, hi = status.effect_interval
    assert lo <= status.learned_f1 - status.shipped_f1 + 1e-9 and hi >= lo
    assert "95% interval" in status.effect_verdict
    with pytest.raises(PermissionDenied):
        w.svc.learning_status(w.rita)
    w.svc.set_learning_enabled(w.ada, False)
    assert w.svc._model_for(fw) is base
    doc, links = _reviewed(w)
    w.svc.confirm_link(w.rita, doc, links[0].id)  # off: not recorded
    assert len(current_examples(w.svc.repo.learning_examples(fw.id))) == len(rows)
    w.svc.set_learning_enabled(w.ada, True)
    stored = len(w.svc.repo.learning_examples(fw.id))
    assert w.svc.reset_learning(w.ada) == stored > 0
    assert w.svc.repo.learning_examples(fw.id) == []
    assert w.svc._model_for(fw) is base


@pytest.mark.tinydb_only
def test_a_broken_learning_store_never_blocks_a_decision(w: World, data_dir: Path):
    doc, links = _reviewed(w)
    path = data_dir / "store" / "learning.jsonl"
    path.mkdir()  # the examples file cannot be written
    view = w.svc.confirm_link(w.rita, doc, links[0].id)
    assert view.state == "confirmed"
    assert w.svc.links(w.rita, doc)[0].state in ("confirmed", "suggested")


@pytest.mark.tinydb_only
def test_latest_decision_per_link_wins_and_torn_lines_are_skipped(data_dir: Path):
    from review.storage import TinyDBRepository

    repo = TinyDBRepository(data_dir)
    f = [0.5] * len(FEATURES)
    common = dict(
        framework_id="fw", competency="C1", features=f, document_id="d", version=1, section_id="s"
    )
    repo.add_learning_examples(
        [
            example_record(
                decision="confirmed", link_id="l1", time="2026-01-01T00:00:00", **common
            ),
            example_record(decision="rejected", link_id="l1", time="2026-01-02T00:00:00", **common),
        ]
    )
    with open(data_dir / "store" / "learning.jsonl", "ab") as fh:
        fh.write(b'{"framework_id": "fw", "trunc')  # a crash mid-append
    rows = current_examples(repo.learning_examples("fw"))
    assert [r["decision"] for r in rows] == ["rejected"]
    docs = as_documents(rows)
    assert len(docs) == 1 and docs[0].gold == set()
    assert learned_model(default_model(type("F", (), {"id": "fw"})()), rows).weights


@pytest.mark.tinydb_only
@pytest.mark.skipif(not EVAL_DEV.is_dir(), reason="needs ../shared/eval-dev")
def test_eval_learning_curve_json_has_the_documented_shape():
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "review",
            "eval",
            str(EVAL_DEV),
            "--cv",
            "--learning-curve",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    r = json.loads(out.stdout)
    assert {"precision", "recall", "f1"} <= set(r["cv"])
    iv = r["cv"]["interval"]
    assert iv["unit"] == "document" and iv["f1"][0] <= r["cv"]["f1"] <= iv["f1"][1]
    dif = r["cv"]["fitted_minus_prior"]
    assert dif["interval"][0] <= dif["f1"] <= dif["interval"][1]
    assert round(r["cv"]["f1"] - r["cv"]["prior"]["f1"], 3) == round(dif["f1"], 3)
    cal = r["cv"]["calibration"]
    assert cal["candidates"] == sum(b["candidates"] for b in cal["bins"])
    assert cal["suggested"]["count"] == r["cv"]["tp"] + r["cv"]["fp"]
    src = r["cv"]["by_source"]  # the stricter split: a policy's siblings held out with it
    assert src["folds"] == "leave-one-source-out" and 1 < src["groups"] < len(r["per_document"])
    assert src["interval"]["unit"] == "source"
    assert src["interval"]["f1"][0] <= src["f1"] <= src["interval"]["f1"][1]
    assert src["tp"] + src["fn"] == r["cv"]["tp"] + r["cv"]["fn"]  # the same gold links
    curve = r["curve"]
    assert curve[0]["reviewed"] == 0 and len(curve) == r["per_document"].__len__()
    assert all({"reviewed", "precision", "recall", "f1"} <= set(p) for p in curve)


def test_the_effect_verdict_says_helps_hurts_or_not_yet_known():
    from review.services.learning import LearningStatus

    def status(shipped, learned, interval):
        return LearningStatus(
            "fw", True, 10, 5, 5, 0, 4, shipped, learned, 0.2, 0.2, False, interval
        )

    assert status(0.40, 0.50, (0.02, 0.18)).effect_verdict.startswith("Learning measurably helps")
    hurts = status(0.50, 0.40, (-0.2, -0.01)).effect_verdict
    assert hurts.startswith("Learning measurably hurts") and "switching it off" in hurts
    unsure = status(0.50, 0.52, (-0.05, 0.09)).effect_verdict
    assert unsure.startswith("Not yet distinguishable") and "+0.02" in unsure
    assert status(None, None, None).effect_verdict == ""
