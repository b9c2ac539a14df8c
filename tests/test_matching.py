"""The suggester on synthetic sections written for these tests (never eval-dev text)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from review.framework import framework_from_csv, get_framework
from review.matching import MatchSettings, highlight_spans, phrase_patterns, stem
from review.matching import PhraseMatcher as Suggester
from review.models import Evidence, Section

ROOT = Path(__file__).resolve().parent.parent


def sec(title: str, text: str, sid: str = "s") -> Section:
    return Section(id=sid, title=title, level=1, path=(title,), text=text, first_par=0, last_par=1)


@pytest.fixture(scope="module")
def suggester() -> Suggester:
    return Suggester(get_framework())


def ids(suggestions) -> list[str]:
    return [g.competency for g in suggestions]


WELLNESS = sec(
    "Staff wellness",
    "Work with exploited youth can cause vicarious trauma. Supervisors meet each employee monthly, "
    "and every employee may use the employee assistance program for confidential counseling.",
)
VEHICLES = sec(
    "Vehicle use",
    "Employees using private vehicles for county business are reimbursed for mileage. Travel "
    "reimbursement claims are filed monthly with receipts for parking and tolls. Pool cars are "
    "returned with a full tank.",
)


def test_vicarious_trauma_section_suggests_c5_with_exact_evidence(suggester):
    [got] = suggester.suggest([WELLNESS])
    assert "C5" in ids(got)
    c5 = next(g for g in got if g.competency == "C5")
    phrases = {e.phrase for e in c5.evidence}
    assert {"vicarious trauma", "employee assistance program"} <= phrases
    full = WELLNESS.full_text
    for e in c5.evidence:
        assert full[e.start : e.end] == e.matched
        assert 0 < e.score <= 100
    vt = next(e for e in c5.evidence if e.phrase == "vicarious trauma")
    assert full[vt.start : vt.end] == "vicarious trauma"
    assert c5.score >= suggester.settings.threshold


def test_off_topic_section_gets_nothing(suggester):
    assert suggester.suggest([VEHICLES]) == [[]]


def test_tier_core_excludes_advanced_items(suggester):
    runaway = sec(
        "Missing youth",
        "When a youth runs away or is missing from care, staff report the absence to the on-call "
        "supervisor and hold a return interview after the youth comes back.",
    )
    [all_items] = suggester.suggest([runaway], tier="all")
    [core] = suggester.suggest([runaway], tier="core")
    assert "A11" in ids(all_items)
    assert all(not c.startswith("A") for c in ids(core))
    [only] = suggester.suggest([runaway], items=["C3"])
    assert set(ids(only)) <= {"C3"}
    with pytest.raises(ValueError, match="Z9"):
        suggester.suggest([runaway], items=["Z9"])
    with pytest.raises(ValueError, match="tier"):
        suggester.suggest([runaway], tier="advanced-only")


def test_typos_inflections_hyphens_and_uk_spelling_still_hit(suggester):
    sections = [
        sec(
            "Support",
            "Staff exposed to compasion fatigue may use the Employe Assistance Programme.",
        ),
        sec(
            "Reports",
            "All staff are mandatory reporters; suspected child abuse is reported at once.",
        ),
        sec("Approach", "Staff avoid re-traumatising children through a trauma informed approach."),
        sec("Care of staff", "Supervisors encourage self care and regular debriefing."),
    ]
    got = suggester.suggest(sections)
    assert "C5" in ids(got[0]) and "C6.x" in ids(got[0])
    matched = {e.matched for g in got[0] for e in g.evidence}
    assert "compasion fatigue" in matched and "Employe Assistance Programme" in matched
    assert "C3" in ids(got[1])
    assert "C6.ii" in ids(got[2])
    assert "C6.x" in ids(got[3])


def test_weak_words_alone_suggest_nothing(suggester):
    """Generic words ("staff", "support", "stress") never make a suggestion on their own."""
    weak_only = sec("Notes", "Staff support. Stress. Supervisor. Employees. Personnel. Reactions.")
    assert suggester.suggest([weak_only]) == [[]]


def test_one_strong_phrase_is_enough_and_one_ordinary_is_not(suggester):
    strong = sec("Conduct", "Each shelter keeps a confidential location known only to staff.")
    ordinary = sec("Conduct", "The office keeps the photographs in a drawer.")
    got = suggester.suggest([strong, ordinary])
    assert "A10" in ids(got[0])
    assert "A10" not in ids(got[1])


def test_ranking_threshold_and_top_k():
    fw = get_framework()
    busy = sec(
        "Everything",
        "Staff are mandated reporters. Vicarious trauma is addressed through the employee assistance "
        "program. Youth who run away are reported missing from care. The shelter keeps a confidential "
        "location. Each youth has an individualized safety plan and staff use harm reduction.",
    )
    for k in (1, 2, 3):
        [got] = Suggester(fw, MatchSettings(top_k=k)).suggest([busy])
        assert len(got) == k
    s = Suggester(fw, MatchSettings(top_k=10))
    [got] = s.suggest([busy])
    assert len(got) >= 5
    keys = [(-g.score, g.competency) for g in got]
    assert keys == sorted(keys)
    assert all(g.score >= s.settings.threshold for g in got)
    [none] = Suggester(fw, MatchSettings(threshold=100.01)).suggest([busy])
    assert none == []


def test_parent_c6_needs_its_own_evidence_or_several_skills(suggester):
    one_skill = sec("Engagement", "Staff build rapport with each youth before any interview.")
    several = sec(
        "Practice",
        "Staff build rapport with each youth, use a strengths-based approach, engage the family "
        "and peer support network, and affirm each youth's sexual orientation and gender identity.",
    )
    own = sec(
        "Treatment", "Clinicians deliver trauma-focused cognitive behavioral therapy (TF-CBT)."
    )
    got = suggester.suggest([one_skill, several, own])
    assert "C6.i" in ids(got[0]) and "C6" not in ids(got[0])
    assert "C6" in ids(got[1])
    assert "C6" in ids(got[2])


def test_deterministic_across_instances_and_calls(suggester):
    sections = [
        WELLNESS,
        VEHICLES,
        sec("Runaways", "Prevent running away; AWOL youth are reported."),
    ]
    first = suggester.suggest(sections)
    again = Suggester(get_framework()).suggest(sections)
    assert first == again == suggester.suggest(list(sections))


def test_deterministic_across_hash_seeds():
    """Same input, different PYTHONHASHSEED: byte-identical output."""
    code = (
        "import json;from review.framework import get_framework;from review.engine import Suggester;"
        "from review.models import Section;"
        "t='Mandated reporters report child abuse. Vicarious trauma and burnout are addressed in "
        "supervision. The shelter address is confidential and visitors sign in.';"
        "s=[Section('a','Policy',1,('Policy',),t,0,1)];"
        "print(json.dumps([[g.to_dict() for g in x] for x in Suggester(get_framework()).suggest(s)]))"
    )
    outs = set()
    for seed in ("1", "2", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        r = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT
        )
        assert r.returncode == 0, r.stderr
        outs.add(r.stdout)
    assert len(outs) == 1
    assert json.loads(outs.pop())[0]


def test_score_matrix_agrees_with_suggest(suggester):
    m = suggester.score_matrix([WELLNESS, VEHICLES])
    assert len(m.item_ids) == 29 and len(m.scores) == 2
    c5 = m.item_ids.index("C5")
    [got] = suggester.suggest([WELLNESS])
    assert m.scores[0][c5] == pytest.approx(
        next(g.score for g in got if g.competency == "C5"), abs=0.1
    )
    assert max(m.scores[1]) < suggester.settings.threshold
    sub = suggester.score_matrix([WELLNESS], items=["C5", "A10"])
    assert sub.item_ids == ("C5", "A10")


def test_plain_phrase_framework_is_graded_by_length():
    """An imported framework with only plain phrases still works."""
    fw = framework_from_csv(
        "framework_id,id,statement,phrases\n"
        "imp,K1,Keep records locked.,locked filing cabinet;records\n"
        "imp,K2,Train staff.,annual training\n",
        "import.csv",
    )
    s = Suggester(fw)
    got = s.suggest(
        [
            sec("Records", "Case files stay in a locked filing cabinet."),
            sec("Training", "Annual training is required, with refresher training for new staff."),
            sec("Records only", "Records are kept."),
        ]
    )
    assert ids(got[0]) == ["K1"]  # three words: a strong phrase, evidence on its own
    assert ids(got[2]) == []  # one generic word alone is not evidence
    # two words: an ordinary phrase, scored but below the threshold without company
    assert ids(got[1]) == []
    k2 = s.score_matrix([sec("T", "Annual training is required.")]).scores[0][1]
    assert 0 < k2 < s.settings.threshold


def test_hit_nested_in_a_longer_phrase_of_another_item_is_dropped(suggester):
    """'secondary traumatic stress' is C5 evidence; C4's 'traumatic stress' must not fire from it."""
    got = suggester.score_matrix([sec("Staff", "Secondary traumatic stress affects employees.")])
    c4 = got.item_ids.index("C4")
    assert got.scores[0][c4] == 0.0


def test_phrase_patterns_and_stem():
    assert stem("Reporting") == stem("reporter") == "report"
    assert stem("self-care") == "selfcar"
    pats = phrase_patterns("self-care")
    assert [p.stems for p in pats] == [("selfcar",), ("self", "care")]
    assert phrase_patterns("the life")[0].contiguous  # mostly stopwords: exact sequence
    assert phrase_patterns("report suspected abuse")[0].stems == ("report", "suspect", "abus")


def test_highlight_spans_merge_and_sort():
    ev = [
        Evidence("b", "x", 10, 15, 100),
        Evidence("a", "y", 2, 5, 100),
        Evidence("c", "z", 12, 20, 90),
        Evidence("d", "w", 20, 22, 90),
        Evidence("e", "", 30, 30, 90),
        Evidence("f", "far", 40, 99, 90),
    ]
    assert highlight_spans("x" * 50, ev) == [(2, 5), (10, 22), (40, 50)]
    assert highlight_spans("", ev) == []


def test_empty_input(suggester):
    assert suggester.suggest([]) == []
    assert suggester.suggest([sec("", "")]) == [[]]


# --------------------------------------------------------------------------- tables of contents

CONTENTS = [
    "Mandated reporting of child abuse and neglect\t3",
    "Human trafficking training for all staff ........ 5",
    "Vicarious trauma and the employee assistance program . . . . 7",
    "Safety planning with youth … 9",
    "Confidentiality of the program's location\txi",
]


def test_a_table_of_contents_is_blanked_out_offsets_kept():
    from review.matching import without_contents

    body = "Every staff member is a mandated reporter of child abuse."
    text = "Table of Contents\n" + "\n".join(CONTENTS) + "\n" + body
    out = without_contents(text)
    assert len(out) == len(text) and out.count("\n") == text.count("\n")
    assert out.split("\n")[0] == "Table of Contents" and out.endswith("\n" + body)
    assert not any(out.split("\n")[1:6][k].strip() for k in range(5))
    # two such lines, or lines apart from each other, are not a table of contents
    two = "\n".join(CONTENTS[:2]) + "\n" + body
    assert without_contents(two) == two
    apart = "\n".join(f"{line}\n{body}" for line in CONTENTS)
    assert without_contents(apart) == apart
    # ordinary text, and lines that end in a number without a leader, are left alone
    plain = "Staff renew training every 12\nmonths and log it within 30\ndays of 2\n" + body
    assert without_contents(plain) == plain
    # a tabbed table whose last column holds words of Roman-numeral letters is no contents
    table = "Offense\tcivil\nStatus\till\nCourt\tCivic\n" + body
    assert without_contents(table) == table


def test_lines_that_repeat_the_documents_titles_are_contents():
    from review.matching import without_contents
    from review.parsing.sections import title_key

    titles = ["Mandated Reporting", "Staff Training", "Safety Planning", "Visitors"]
    keys = {title_key(t) for t in titles}
    body = "Every staff member is a mandated reporter of child abuse."
    entries = ["1. MANDATED REPORTING", "2.\tStaff training", "  Safety planning:"]
    text = "Contents\n" + "\n".join(entries) + "\n" + body
    out = without_contents(text, keys, title_key("Contents"))
    assert len(out) == len(text) and out.split("\n")[0] == "Contents"
    assert not "".join(out.split("\n")[1:4]).strip() and out.endswith("\n" + body)
    # two such lines, or lines apart, or the section's own title among them, are no contents
    two = "Contents\n" + "\n".join(entries[:2]) + "\n" + body
    assert without_contents(two, keys, "contents") == two
    apart = "\n".join(f"{line}\n{body}" for line in entries)
    assert without_contents(apart, keys, "contents") == apart
    own = "Staff Training\n" + "\n".join(entries) + "\n" + body
    assert without_contents(own, keys, title_key("Staff Training")) == own
    # a line that only starts with a title, or a word that is no outline number, is text
    longer = "\n".join(f"{t} is required of all staff" for t in titles[:3])
    assert without_contents(longer, keys) == longer
    assert title_key("Staff. Training") == "staff. training"
    assert title_key("(b) Visitors.") == title_key("2.3 visitors") == "visitors"


def test_a_table_of_contents_is_no_evidence_and_the_sections_it_names_still_are(suggester):
    toc = sec("Shelter Policy Manual", "Table of Contents\n" + "\n".join(CONTENTS), "toc")
    reporting = sec(
        "Mandated reporting of child abuse and neglect",
        "Every staff member is a mandated reporter and calls the child abuse hotline at once "
        "when abuse or neglect is suspected; a supervisor reviews every report.",
        "rep",
    )
    got = suggester.suggest([toc, reporting])
    assert got[0] == []  # every topic is named in the contents: none is evidence
    assert "C3" in ids(got[1])
    # the same lines as body text (no page numbers) do suggest: it is the contents that is not
    listed = sec("Topics", "\n".join(line.rsplit(None, 1)[0] for line in CONTENTS), "lst")
    assert suggester.suggest([listed])[0]
    # evidence offsets still point into the section's own text
    mixed = sec("Reporting", "\n".join(CONTENTS) + "\n" + reporting.text, "mix")
    (found,) = suggester.suggest([mixed])
    contents_end = mixed.full_text.index(reporting.text)
    assert found
    for g in found:
        for ev in g.evidence:
            assert mixed.full_text[ev.start : ev.end] == ev.matched
            assert not mixed.body_start <= ev.start < contents_end  # none in the contents
