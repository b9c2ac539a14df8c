"""Measure the suggester on a labeled set of policies (``docs/`` and ``gold.json``).

The format and the scoring follow ``eval-dev/README.md``: a gold section is *found* when the parser
produced a section whose title equals the gold ``section_title`` after whitespace is collapsed and
case is ignored; the suggestions made at the given (default) settings over all items (core and
advanced) are compared with the gold competencies; precision, recall and F1 are micro-averaged over
(section, competency) pairs, and gold sections that were not found count their competencies as
missed. Sections the gold set does not mention are not scored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from review.errors import UnreadableDocument
from review.framework import Framework
from review.matching import MatchSettings


@dataclass(frozen=True)
class GoldEntry:
    doc: str
    section_title: str
    competencies: tuple[str, ...]
    source_url: str = ""


def normalise_title(title: str) -> str:
    """Whitespace collapsed, case ignored: how gold titles meet parsed ones."""
    return re.sub(r"\s+", " ", title).strip().casefold()


def load_gold(directory: Path) -> list[GoldEntry]:
    """The entries of ``directory/gold.json``; a malformed file is an :class:`UnreadableDocument`
    naming the entry at fault."""
    path = Path(directory) / "gold.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableDocument(
            f"{path}: cannot read the gold file ({exc})", filename=str(path)
        ) from exc
    if not isinstance(raw, list):
        raise UnreadableDocument(f"{path}: the gold file must be a JSON list", filename=str(path))
    out: list[GoldEntry] = []
    for i, e in enumerate(raw):
        ok = (
            isinstance(e, dict)
            and isinstance(e.get("doc"), str)
            and isinstance(e.get("section_title"), str)
            and isinstance(e.get("competencies"), list)
            and all(isinstance(c, str) for c in e["competencies"])
        )
        if not ok:
            raise UnreadableDocument(
                f"{path}: entry #{i + 1} needs 'doc', 'section_title' and a 'competencies' list",
                filename=str(path),
            )
        out.append(
            GoldEntry(
                e["doc"],
                e["section_title"],
                tuple(dict.fromkeys(e["competencies"])),
                str(e.get("source_url", "")),
            )
        )
    return out


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


@dataclass
class SectionOutcome:
    doc: str
    title: str
    gold: tuple[str, ...]
    found: bool
    suggested: tuple[str, ...] = ()

    @property
    def tp(self) -> set[str]:
        return set(self.gold) & set(self.suggested)

    @property
    def fp(self) -> set[str]:
        return set(self.suggested) - set(self.gold)

    @property
    def fn(self) -> set[str]:
        return set(self.gold) - set(self.suggested)


@dataclass
class EvalResult:
    tp: int
    fp: int
    fn: int
    gold_sections: int
    found_sections: int
    per_competency: dict[str, dict[str, float]]
    missed_titles: list[str]
    per_document: list[dict[str, Any]]
    sections: list[SectionOutcome] = field(default_factory=list)
    settings: MatchSettings = field(default_factory=MatchSettings)
    threshold: float = 0.5  # the calibrated model's probability threshold
    top_k: int = 4

    @property
    def precision(self) -> float:
        return _prf(self.tp, self.fp, self.fn)[0]

    @property
    def recall(self) -> float:
        return _prf(self.tp, self.fp, self.fn)[1]

    @property
    def f1(self) -> float:
        return _prf(self.tp, self.fp, self.fn)[2]

    def to_dict(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "gold_sections": self.gold_sections,
            "found_sections": self.found_sections,
            "per_competency": self.per_competency,
            "missed_titles": self.missed_titles,
            "per_document": self.per_document,
            "settings": {"threshold": round(self.threshold, 4), "top_k": self.top_k},
        }

    def format_table(self) -> str:
        """A readable summary, then one row per competency."""
        lines = [
            f"micro precision {self.precision:.3f}  recall {self.recall:.3f}  F1 {self.f1:.3f}"
            f"  (tp {self.tp}, fp {self.fp}, fn {self.fn})",
            f"gold sections found {self.found_sections}/{self.gold_sections}"
            f"  (model threshold {self.threshold:.2f}, top-k {self.top_k})",
        ]
        for d in self.per_document:
            err = f"  ERROR: {d['error']}" if d.get("error") else ""
            lines.append(
                f"  {d['doc']}: found {d['found_sections']}/{d['gold_sections']},"
                f" tp {d['tp']} fp {d['fp']} fn {d['fn']}{err}"
            )
        if self.missed_titles:
            lines.append("sections not found: " + "; ".join(self.missed_titles))
        lines.append("")
        lines.append(
            f"{'competency':<11} {'tp':>4} {'fp':>4} {'fn':>4} {'P':>6} {'R':>6} {'F1':>6}"
        )
        for cid, m in self.per_competency.items():
            lines.append(
                f"{cid:<11} {m['tp']:>4} {m['fp']:>4} {m['fn']:>4}"
                f" {m['precision']:>6.2f} {m['recall']:>6.2f} {m['f1']:>6.2f}"
            )
        return "\n".join(lines)


def evaluate(
    directory: Path,
    framework: Framework,
    settings: MatchSettings | None = None,
    threshold: float | None = None,
) -> EvalResult:
    """Parse every labeled document, suggest over all items, score against the gold set."""
    from review.parsing import parse_file  # the parser is only needed here

    directory = Path(directory)
    gold = load_gold(directory)
    settings = settings or MatchSettings()
    from review.engine import Suggester

    suggester = Suggester(framework, settings)
    outcomes: list[SectionOutcome] = []
    per_document: list[dict[str, Any]] = []
    for doc in dict.fromkeys(g.doc for g in gold):  # first-appearance order
        entries = [g for g in gold if g.doc == doc]
        error = ""
        by_title: dict[str, list[tuple[str, ...]]] = {}
        try:
            parsed = parse_file(directory / "docs" / doc)
        except (UnreadableDocument, OSError) as exc:
            error = str(exc) or type(exc).__name__
        else:
            suggestions = suggester.suggest(parsed.sections, tier="all", threshold=threshold)
            for sec, sugg in zip(parsed.sections, suggestions, strict=True):
                by_title.setdefault(normalise_title(sec.title), []).append(
                    tuple(g.competency for g in sugg)
                )
        doc_outcomes = []
        for g in entries:
            candidates = by_title.get(normalise_title(g.section_title))
            if candidates:  # repeated titles pair up in document order
                doc_outcomes.append(
                    SectionOutcome(doc, g.section_title, g.competencies, True, candidates.pop(0))
                )
            else:
                doc_outcomes.append(SectionOutcome(doc, g.section_title, g.competencies, False))
        outcomes.extend(doc_outcomes)
        per_document.append(
            {
                "doc": doc,
                "gold_sections": len(doc_outcomes),
                "found_sections": sum(o.found for o in doc_outcomes),
                "tp": sum(len(o.tp) for o in doc_outcomes),
                "fp": sum(len(o.fp) for o in doc_outcomes),
                "fn": sum(len(o.fn) for o in doc_outcomes),
                "error": error,
            }
        )
    res = _summarise(outcomes, per_document, framework, settings)
    res.threshold = suggester.model.threshold if threshold is None else threshold
    res.top_k = suggester.model.top_k
    return res


def _summarise(
    outcomes: Sequence[SectionOutcome],
    per_document: list[dict[str, Any]],
    framework: Framework,
    settings: MatchSettings,
) -> EvalResult:
    counts: dict[str, list[int]] = {}
    for o in outcomes:
        for kind, ids in (("tp", o.tp), ("fp", o.fp), ("fn", o.fn)):
            for cid in ids:
                counts.setdefault(cid, [0, 0, 0])[("tp", "fp", "fn").index(kind)] += 1
    order = {it.id: i for i, it in enumerate(framework.items)}
    per_competency: dict[str, dict[str, float]] = {}
    for cid in sorted(counts, key=lambda c: (order.get(c, len(order)), c)):
        tp, fp, fn = counts[cid]
        p, r, f = _prf(tp, fp, fn)
        per_competency[cid] = {
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(f, 4),
        }
    return EvalResult(
        tp=sum(len(o.tp) for o in outcomes),
        fp=sum(len(o.fp) for o in outcomes),
        fn=sum(len(o.fn) for o in outcomes),
        gold_sections=len(outcomes),
        found_sections=sum(o.found for o in outcomes),
        per_competency=per_competency,
        missed_titles=[f"{o.doc}: {o.title}" for o in outcomes if not o.found],
        per_document=per_document,
        sections=list(outcomes),
        settings=settings,
    )
