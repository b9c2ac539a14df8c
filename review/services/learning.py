"""The services' side of learning from reviewers (mixed into :class:`ReviewService`).

Every decision on a link (confirm, reject, add; undo and removal cancel) is recorded as a
training example after the decision itself is stored: features and ids, never text
(:mod:`review.learning`). A failure to record never undoes or blocks the decision; it is logged.
The suggester the uploads use is the framework's shipped model adapted to the examples, refitted
when their number changes. Admins see how many decisions it has learned from and its measured
effect, and can switch it off or reset it.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from review.framework import Framework
from review.learning import current_examples, example_record, learned_model, measured_effect
from review.model import LogisticModel, default_model
from review.models import ParsedDocument

log = logging.getLogger(__name__)

_FEATURE_CACHE_SIZE = 8


@dataclass(frozen=True)
class LearningStatus:
    framework_id: str
    enabled: bool
    decisions: int  # current examples (latest decision per link)
    confirmed: int
    rejected: int
    added: int
    documents: int
    #: leave-one-document-out F1 on the deployment's own decisions (None below two documents)
    shipped_f1: float | None
    learned_f1: float | None
    threshold: float  # the threshold in use
    shipped_threshold: float
    #: too few reviewed documents to choose a threshold from: the learned model orders the
    #: suggestions, and each document gets as many as the shipped model would give it
    volume_from_shipped: bool = False
    #: 95 % interval of learned minus shipped F1 over the reviewed documents (None below two)
    effect_interval: tuple[float, float] | None = None

    @property
    def effect_verdict(self) -> str:
        """What the measured effect lets an admin conclude, in plain words."""
        if self.effect_interval is None or self.learned_f1 is None or self.shipped_f1 is None:
            return ""
        lo, hi = self.effect_interval
        diff = self.learned_f1 - self.shipped_f1
        span = f"{diff:+.2f} (95% interval {lo:+.2f} to {hi:+.2f} over the reviewed documents)"
        if lo > 0:
            return f"Learning measurably helps here: {span}."
        if hi < 0:
            return (
                f"Learning measurably hurts here: {span}. Consider switching it off or "
                "resetting it."
            )
        return (
            f"Not yet distinguishable from no effect: {span}. More reviewed documents will "
            "narrow the interval."
        )


class LearningMixin:
    """Needs ``self.repo``, ``self.framework(...)``, ``self._now()``, ``self._current(actor)``
    and ``self._require_admin(actor)`` from :class:`ReviewService`."""

    repo: Any

    def _learning_state(self) -> dict:
        st = self.__dict__.get("_learning_cache")
        if st is None:
            st = self.__dict__["_learning_cache"] = {
                "lock": threading.Lock(),
                "features": OrderedDict(),  # (doc id, version) -> {(section id, item): features}
                "models": {},  # framework id -> (example count, model)
            }
        return st

    # ---------------------------------------------------------------- recording

    def _learn(self, document_id: str, links: Iterable[dict], decision: str) -> None:
        """Record ``decision`` on ``links`` (stored link records) as training examples."""
        try:
            rows = list(links)
            if not rows:
                return
            with self.repo.document(document_id) as tx:
                version = int(rows[0]["version"])
                v = tx.version(version)
            fid = str(v.get("framework_id") or self.framework_id)
            if not self.repo.learning_setting(fid).get("enabled", True):
                return
            from review.engine import FEATURES

            feats: dict | None = None  # built only for links suggested without stored features
            now = self._now()
            examples = []
            for lk in rows:
                f = lk.get("features")
                if not f or len(f) != len(FEATURES):
                    if feats is None:
                        feats = self._pair_features(document_id, version, v, fid)
                    f = feats.get((lk["section_id"], lk["competency"]))
                if f is None:
                    continue
                examples.append(
                    example_record(
                        framework_id=fid,
                        competency=lk["competency"],
                        features=f,
                        decision=decision,
                        document_id=document_id,
                        version=version,
                        section_id=lk["section_id"],
                        link_id=lk["id"],
                        time=now,
                    )
                )
            self.repo.add_learning_examples(examples)
        except Exception:  # learning must never take a decision down
            log.exception("could not record a reviewer decision as a training example")

    def _pair_features(self, document_id: str, version: int, v: dict, fid: str) -> dict:
        from review.engine import FeatureBuilder

        st = self._learning_state()
        key = (document_id, version)
        with st["lock"]:
            hit = st["features"].get(key)
            if hit is not None:
                st["features"].move_to_end(key)
                return hit
        sections = ParsedDocument.from_dict(v["parsed"]).sections
        feats = FeatureBuilder(self.framework(fid)).pair_features(sections)
        with st["lock"]:
            st["features"][key] = feats
            while len(st["features"]) > _FEATURE_CACHE_SIZE:
                st["features"].popitem(last=False)
        return feats

    # ---------------------------------------------------------------- the model in use

    def _model_for(self, fw: Framework) -> LogisticModel:
        """The shipped model adapted to the deployment's decisions (when learning is on)."""
        base = default_model(fw)
        try:
            if not self.repo.learning_setting(fw.id).get("enabled", True):
                return base
            examples = self.repo.learning_examples(fw.id)
        except Exception:
            log.exception("could not read the learning examples; using the shipped model")
            return base
        if not examples:
            return base
        st = self._learning_state()
        cached = st["models"].get(fw.id)
        if cached is not None and cached[0] == len(examples):
            return cached[1]
        model = learned_model(base, examples)
        st["models"][fw.id] = (len(examples), model)
        return model

    # ---------------------------------------------------------------- admin

    def learning_status(self, actor, framework_id: str | None = None) -> LearningStatus:
        self._require_admin(actor)
        fw = self.framework(framework_id or self.framework_id)
        base = default_model(fw)
        examples = self.repo.learning_examples(fw.id)
        cur = current_examples(examples)
        effect = measured_effect(base, examples)
        enabled = bool(self.repo.learning_setting(fw.id).get("enabled", True))
        in_use = self._model_for(fw)
        return LearningStatus(
            fw.id,
            enabled,
            len(cur),
            sum(r["decision"] == "confirmed" for r in cur),
            sum(r["decision"] == "rejected" for r in cur),
            sum(r["decision"] == "added" for r in cur),
            len({(r["document_id"], r["version"]) for r in cur}),
            effect.shipped_f1 if effect else None,
            effect.learned_f1 if effect else None,
            in_use.threshold,
            base.threshold,
            in_use.volume_from is not None,
            effect.interval if effect else None,
        )

    def set_learning_enabled(self, actor, enabled: bool, framework_id: str | None = None) -> None:
        self._require_admin(actor)
        fid = self.framework(framework_id or self.framework_id).id
        self.repo.set_learning_setting(fid, {"enabled": bool(enabled)})
        self._learning_state()["models"].pop(fid, None)

    def reset_learning(self, actor, framework_id: str | None = None) -> int:
        """Forget every example of the framework; how many were dropped."""
        self._require_admin(actor)
        fid = self.framework(framework_id or self.framework_id).id
        n = self.repo.clear_learning_examples(fid)
        self._learning_state()["models"].pop(fid, None)
        return n
