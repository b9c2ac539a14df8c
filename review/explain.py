"""Why a suggestion has its score, in a reviewer's words.

The model is a logistic regression over named features (:data:`review.engine.FEATURES`), so a
score decomposes exactly: ``logit = bias + Σ wᵢ·xᵢ``. The terms that moved it most, up and down,
are the reasons a reviewer can check against the section in a second ("the evidence states what
must be done", "the evidence lines cite laws or codes"). A missing condition of the item is a
reason too: the weight the section did not earn.
"""

from __future__ import annotations

from collections.abc import Sequence

from review.framework import Item

#: plain words for a feature that is present (its value above zero); features that describe the
#: item rather than the section (tier, skill) are not reasons
_SAYS: dict[str, str] = {
    # the phrase evidence is one reason (its four terms summed)
    "phrase_score": "the section uses the competency's phrases",
    "strong_phrases": "the section uses the competency's phrases",
    "ordinary_phrases": "the section uses the competency's phrases",
    "weak_phrases": "the section uses the competency's phrases",
    "title_hit": "the section title names it",
    "obligation_lines": "the evidence states what must be done (shall, must, will)",
    "actor_lines": "the evidence names who acts (staff, the agency)",
    "citation_lines": "the evidence lines cite laws or codes",
    "short_lines": "the evidence is in short list entries or headings",
    "section_citations": "much of the section is citations",
    "definitions_section": "a definitions section",
    "definitions_allowed": "a definitions section, which can evidence this competency",
    "purpose_section": "a purpose or scope section",
    "reference_section": "a references, forms or history section",
    "condition_in_section": "the section has the competency's subject in view",
    "condition_in_document_only": "the competency's subject is elsewhere in the document",
    "facet_coverage": "it covers several of the parts the competency names",
    "document_share": "it holds much of the document's evidence for this competency",
    "document_spread": "the topic runs through most of the document",
    "top_section": "the document's strongest section for this competency",
    "section_topics": "the section touches many other competencies",
}

#: a term must move the logit at least this much to be named
MIN_EFFECT = 0.25


class Explainer:
    """The reasons of one model's suggestions: which features are reasons, their words and
    weights, looked up once (a large manual has thousands of suggestions)."""

    def __init__(self, features: Sequence[str], weights: Sequence[float]):
        self.terms = [
            (j, _SAYS[n], float(w))
            for j, (n, w) in enumerate(zip(features, weights, strict=True))
            if n in _SAYS and w
        ]
        self.n = len(features)
        cond = [j for j, n in enumerate(features) if n == "condition_in_section"]
        self.cond = cond[0] if cond else -1
        self.cond_w = float(weights[self.cond]) if cond else 0.0

    def __call__(
        self,
        values: Sequence[float],
        item: Item,
        limit_for: int = 3,
        limit_against: int = 2,
    ) -> tuple[tuple[str, str], ...]:
        if len(values) != self.n:
            raise ValueError(f"{len(values)} feature values for {self.n} features")
        terms: dict[str, float] = {}
        for j, text, w in self.terms:
            x = values[j]
            if x > 0:
                terms[text] = terms.get(text, 0.0) + w * x
        if self.cond >= 0 and values[self.cond] <= 0 and item.requires and self.cond_w > 0:
            terms["the section does not mention " + _condition(item)] = -self.cond_w
        ranked = sorted(terms.items(), key=lambda t: -t[1])
        up = [t for t, e in ranked if e >= MIN_EFFECT][:limit_for]
        down = [t for t, e in reversed(ranked) if e <= -MIN_EFFECT][:limit_against]
        return tuple(("+", t) for t in up) + tuple(("-", t) for t in down)


def reasons(
    features: Sequence[str],
    weights: Sequence[float],
    values: Sequence[float],
    item: Item,
    limit_for: int = 3,
    limit_against: int = 2,
) -> tuple[tuple[str, str], ...]:
    """``(("+", text), …, ("-", text), …)``: what raised the score most, then what lowered it.
    Terms that say the same thing (the four phrase-evidence features) are summed."""
    return Explainer(features, weights)(values, item, limit_for, limit_against)


def _condition(item: Item) -> str:
    """The item's condition in words: its first one or two ``requires`` phrases."""
    ph = list(item.requires[:2])
    return " or ".join(f"“{p}”" for p in ph) + (
        " or a related term" if len(item.requires) > 2 else ""
    )


def as_lines(rs: Sequence[Sequence[str]]) -> list[str]:
    """``["Score raised by: …; ….", "Score lowered by: …."]`` (only the lines with reasons)."""
    up = [t for s, t in rs if s == "+"]
    down = [t for s, t in rs if s == "-"]
    lines = []
    if up:
        lines.append("Score raised by: " + "; ".join(up) + ".")
    if down:
        lines.append("Score lowered by: " + "; ".join(down) + ".")
    return lines
