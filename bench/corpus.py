"""Synthetic documents for benchmarks (reused by other bench scripts).

``make_policy_manual(path, sections=5000)`` writes a large, realistic-looking policy manual: two
heading levels (Heading 1 chapters of 10 Heading 2 sections), ~80 words of body text a section
over two paragraphs, and a small table every 50 sections. The text is generated from a fixed
vocabulary with a seeded RNG, so every run produces the same file.
"""

from __future__ import annotations

import random
from pathlib import Path

import docx

_VOCAB = [
    "staff",
    "agency",
    "youth",
    "shelter",
    "safety",
    "plan",
    "report",
    "incident",
    "training",
    "supervision",
    "confidential",
    "record",
    "client",
    "advocate",
    "referral",
    "hotline",
    "screening",
    "assessment",
    "trauma",
    "informed",
    "care",
    "consent",
    "guardian",
    "placement",
    "runaway",
    "exploitation",
    "trafficking",
    "law",
    "enforcement",
    "notify",
    "within",
    "hours",
    "policy",
    "procedure",
    "review",
    "annual",
    "document",
    "secure",
    "location",
    "visitor",
    "access",
    "emergency",
    "contact",
    "case",
    "manager",
    "service",
    "provider",
    "community",
    "partner",
    "interpreter",
    "language",
    "culturally",
    "responsive",
    "debriefing",
    "wellness",
    "support",
    "employee",
    "assistance",
    "program",
    "caseload",
    "quality",
    "improvement",
    "data",
]


def _sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(_VOCAB) for _ in range(n)]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def make_policy_manual(path: str | Path, sections: int = 5000, seed: int = 7) -> Path:
    """Write a ``sections``-section manual to ``path`` and return the path."""
    rng = random.Random(seed)
    doc = docx.Document()
    doc.add_paragraph("Agency Policy Manual", style="Title")
    doc.add_paragraph("Adopted by the board of directors. " + _sentence(rng, 20))
    for i in range(sections):
        if i % 10 == 0:
            doc.add_heading(f"Chapter {i // 10 + 1}: {_sentence(rng, 3)[:-1]}", level=1)
        doc.add_heading(f"{i // 10 + 1}.{i % 10 + 1} {_sentence(rng, 3)[:-1]}", level=2)
        doc.add_paragraph(" ".join(_sentence(rng, 10) for _ in range(4)))
        doc.add_paragraph(" ".join(_sentence(rng, 10) for _ in range(4)))
        if i % 50 == 49:
            table = doc.add_table(rows=3, cols=3)
            for r in range(3):
                for c in range(3):
                    table.cell(r, c).text = rng.choice(_VOCAB)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


if __name__ == "__main__":  # pragma: no cover
    import sys

    out = make_policy_manual(sys.argv[1] if len(sys.argv) > 1 else "bench/out/manual.docx")
    print(out)
