"""The eval harness on a small labelled set generated here, with hand-computed figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import EVAL_DEV, require_tool
from docx_factory import build_docx
from office import soffice_convert

from review.errors import UnreadableDocument
from review.evaluation import evaluate, load_gold, normalise_title
from review.framework import framework_from_dict, get_framework

#: a three-item framework whose strong phrases make every suggestion predictable
TINY = framework_from_dict(
    {
        "id": "tiny",
        "title": "Tiny",
        "version": "1",
        "items": [
            {
                "id": "X1",
                "statement": "Report abuse.",
                "strong_phrases": ["mandated reporter"],
                "phrases": [],
            },
            {"id": "X2", "statement": "Care for staff.", "strong_phrases": ["vicarious trauma"]},
            {
                "id": "X3",
                "statement": "Prevent running away.",
                "strong_phrases": ["runaway"],
                "tier": "advanced",
            },
        ],
    },
    "tiny.yaml",
)


def make_set(root: Path) -> Path:
    """Two readable documents, one corrupt one, and a gold file.

    Expected, per gold section (suggested → gold):
      a.docx  "Reporting duties"   {X1}       → {X1}       tp 1
      a.docx  "Staff care"         {X2, X3}   → {X2}       tp 1, fp 1 (X3)
      a.docx  "Vehicles"           {}         → {}         -
      b.docx  "Absences"           {X3}       → {X1, X3}   tp 1, fn 1 (X1)
      b.docx  "Not in the file"    -          → {X2}       fn 1 (not found)
      c.docx  (corrupt)  "Intro"   -          → {X1}       fn 1 (not found)
    tp 3, fp 1, fn 3: P = 3/4, R = 3/6, F1 = 0.6
    """
    docs = root / "docs"
    docs.mkdir(parents=True)
    build_docx(
        [
            ("title", "Agency handbook"),
            ("h1", "Reporting  Duties"),  # double space and case differ from gold: still found
            "Every employee is a mandated reporter under state law.",
            ("h1", "Staff care"),
            "Supervisors watch for vicarious trauma. A runaway resident is reported at once.",
            ("h1", "Vehicles"),
            "Pool cars are returned with a full tank.",
        ],
        docs / "a.docx",
    )
    build_docx(
        [("h1", "Absences"), "Staff log each runaway episode and the return time."], docs / "b.docx"
    )
    (docs / "c.docx").write_bytes(b"this is not a zip file")
    gold = [
        {"doc": "a.docx", "section_title": "reporting duties", "competencies": ["X1"]},
        {"doc": "a.docx", "section_title": "Staff care", "competencies": ["X2"]},
        {"doc": "a.docx", "section_title": "Vehicles", "competencies": []},
        {"doc": "b.docx", "section_title": "Absences", "competencies": ["X3", "X1"]},
        {"doc": "b.docx", "section_title": "Not in the file", "competencies": ["X2"]},
        {
            "doc": "c.docx",
            "section_title": "Intro",
            "competencies": ["X1"],
            "source_url": "https://example.org",
        },
    ]
    (root / "gold.json").write_text(json.dumps(gold), encoding="utf-8")
    return root


def test_hand_computed_micro_scores(tmp_path):
    r = evaluate(make_set(tmp_path / "set"), TINY)
    assert (r.tp, r.fp, r.fn) == (3, 1, 3)
    assert r.precision == pytest.approx(0.75)
    assert r.recall == pytest.approx(0.5)
    assert r.f1 == pytest.approx(0.6)
    assert (r.gold_sections, r.found_sections) == (6, 4)
    assert r.missed_titles == ["b.docx: Not in the file", "c.docx: Intro"]
    assert r.per_competency == {
        "X1": {"tp": 1, "fp": 0, "fn": 2, "precision": 1.0, "recall": 0.3333, "f1": 0.5},
        "X2": {"tp": 1, "fp": 0, "fn": 1, "precision": 1.0, "recall": 0.5, "f1": 0.6667},
        "X3": {"tp": 1, "fp": 1, "fn": 0, "precision": 0.5, "recall": 1.0, "f1": 0.6667},
    }
    docs = {d["doc"]: d for d in r.per_document}
    assert docs["a.docx"]["tp"] == 2 and docs["a.docx"]["fp"] == 1
    assert docs["c.docx"]["found_sections"] == 0 and docs["c.docx"]["error"]
    d = r.to_dict()
    assert {
        "precision",
        "recall",
        "f1",
        "gold_sections",
        "found_sections",
        "per_competency",
    } <= set(d)
    assert d["precision"] == 0.75 and d["f1"] == 0.6
    json.dumps(d)  # serialisable
    table = r.format_table()
    assert "precision 0.750" in table and "recall 0.500" in table and "F1 0.600" in table
    assert "X3" in table and "c.docx" in table


def test_threshold_changes_the_outcome(tmp_path):
    """Settings are honoured: above every score nothing is suggested."""
    r = evaluate(make_set(tmp_path / "set"), TINY, threshold=1.01)  # above every probability
    assert (r.tp, r.fp, r.fn) == (0, 0, 6)
    assert r.precision == 0.0 and r.f1 == 0.0


def test_load_gold_and_its_errors(tmp_path):
    root = make_set(tmp_path / "set")
    gold = load_gold(root)
    assert len(gold) == 6 and gold[3].competencies == ("X3", "X1")
    assert gold[5].source_url == "https://example.org"
    (root / "gold.json").write_text('[{"doc": "a.docx"}]', encoding="utf-8")
    with pytest.raises(UnreadableDocument, match="entry #1"):
        load_gold(root)
    (root / "gold.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(UnreadableDocument, match="gold"):
        load_gold(root)
    with pytest.raises(FileNotFoundError):
        load_gold(tmp_path / "nowhere")


def test_normalise_title():
    assert normalise_title("  Reporting\t Duties \n") == normalise_title("reporting duties")


@pytest.mark.skipif(not (EVAL_DEV / "gold.json").exists(), reason="shared/eval-dev not present")
def test_quality_bar_on_eval_dev():
    """A regression guard, not the target: what main has reached on the labelled development set,
    in-sample (the shipped model) and cross-validated by document and by source (weights and
    threshold fitted without the scored document, or without every document of its source), to
    two decimals; raise these with every improvement, never
    lower them. Every gold section is found."""
    from review import training
    from review.model import prior_model

    r = evaluate(EVAL_DEV, get_framework())
    assert r.found_sections == r.gold_sections, r.missed_titles
    assert round(r.f1, 2) >= 0.55, r.format_table()
    assert round(r.recall, 2) >= 0.68, r.format_table()
    docs = training.collect(EVAL_DEV, get_framework())
    cv = training.cross_validate(docs, prior_model())
    assert round(cv["f1"], 2) >= 0.49, cv
    assert round(cv["recall"], 2) >= 0.54, cv
    # a score is the probability a reviewer confirms: held out, it beats the base rate, and the
    # suggestions shown are confirmed about as often as their scores say (0.44 against 0.51)
    cal = cv["calibration"]
    assert round(cal["brier"], 2) <= 0.11 < cal["brier_base_rate"], cal
    gap = cal["suggested"]["mean_probability"] - cal["suggested"]["confirmed"]
    assert round(abs(gap), 2) <= 0.07, cal
    # held out by source (a policy's siblings from the same site with it): what main reaches
    by_source = training.cross_validate(docs, prior_model(), by="source")
    assert round(by_source["f1"], 2) >= 0.47, by_source
    assert round(by_source["recall"], 2) >= 0.54, by_source


def test_learning_from_reviewers_helps_by_half_way():
    """The simulated deployment (gold labels as reviewers' decisions, refit after each document),
    guarded at what main reaches. On the issue's fixed order: after half the documents, F1 on
    the rest at least 0.04 above the untrained engine's (the target is 0.05: not met). Over 20
    random orders, which say more than one order does: the first documents never cost more than
    0.03 of F1 and on average at most 0.01 (while few documents are reviewed the learned model
    reorders the suggestions and the untrained one sets how many; before that rule one reviewed
    document could cut F1 by 0.25). The mean gain at half way is about zero (README)."""
    from review import training
    from review.model import prior_model

    docs = training.collect(EVAL_DEV, get_framework())
    curve = training.learning_curve(docs, prior_model())
    half = curve[len(docs) // 2]
    assert half["f1"] >= half["untrained_f1"] + 0.04, curve
    orders = training.learning_orders(docs, prior_model())
    assert orders["worst_gain_first_documents"]["min"] >= -0.03, orders
    assert orders["worst_gain_first_documents"]["mean"] >= -0.01, orders
    assert orders["gain_at_half"]["mean"] >= -0.01, orders


@pytest.mark.office
@pytest.mark.skipif(not (EVAL_DEV / "gold.json").exists(), reason="shared/eval-dev not present")
def test_eval_dev_as_libreoffice_pdfs_finds_every_section_as_the_docx(tmp_path):
    """The PDF reader finds the sections the .docx reader does: eval-dev's policies printed to
    PDF by LibreOffice (headings by size, bold, underline, numbering, run-in heads; wrapped
    lines joined, page furniture dropped) give every gold section and the .docx figure."""
    soffice = require_tool("soffice", "libreoffice")
    files = sorted((EVAL_DEV / "docs").glob("*.docx"))
    soffice_convert(soffice, "pdf", files, tmp_path / "docs", tmp_path / "profile")
    gold = json.loads((EVAL_DEV / "gold.json").read_text(encoding="utf-8"))
    for row in gold:
        row["doc"] = str(Path(row["doc"]).with_suffix(".pdf"))
    (tmp_path / "gold.json").write_text(json.dumps(gold), encoding="utf-8")
    r = evaluate(tmp_path, get_framework())
    assert r.found_sections == r.gold_sections, r.missed_titles
    assert round(r.f1, 2) >= 0.55, r.format_table()
    assert round(r.recall, 2) >= 0.68, r.format_table()
