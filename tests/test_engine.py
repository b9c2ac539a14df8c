"""The calibrated suggester on hand-written sections: the standard's rules move the probability
the way a reviewer would, and every suggestion names the sentence that carries it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from review.engine import (
    _BOUNDARY_SPLIT,
    _CITE_SIGNAL,
    _OBLIGE,
    FEATURES,
    FeatureBuilder,
    Suggester,
    _cite_tokens,
    _may_cite,
    _obliges,
    _tokens_on_line,
    evidence_sentences,
)
from review.framework import get_framework
from review.matching import _TOKEN_RE, split_words
from review.models import Evidence, Section


@pytest.fixture(scope="module")
def engine() -> Suggester:
    return Suggester(get_framework())


def sec(title: str, text: str, sid: str = "s") -> Section:
    return Section(sid, title, 1, (title,), text, 0, 1)


def prob(engine: Suggester, sections: list[Section], k: int, item: str) -> float:
    cands, probs, _ = engine.probabilities(sections)
    for c, p in zip(cands, probs, strict=True):
        if c.section == k and engine.items[c.item].id == item:
            return p
    return 0.0


def test_each_suggestion_names_the_sentences_that_carry_it(engine: Suggester):
    text = (
        "The shelter has a front desk. Supervisors watch for vicarious trauma and secondary "
        "traumatic stress in every staff member. Lunch is served at noon."
    )
    s = sec("Staff support", text)
    out = engine.suggest([s])[0]
    c5 = next(g for g in out if g.competency == "C5")
    assert c5.sentences == (
        "Supervisors watch for vicarious trauma and secondary traumatic stress in every staff member.",
    )
    assert 0 < c5.score <= 100


def test_an_items_own_condition_must_be_in_view():
    """C5 needs vicarious trauma or compassion fatigue: an assistance program alone is weaker."""
    fb = FeatureBuilder(get_framework())
    idx = FEATURES.index("condition_in_section")
    with_vt = sec(
        "Staff wellness",
        "Staff who feel burnout from vicarious trauma may use the employee assistance program.",
    )
    without = sec(
        "Staff wellness",
        "Staff may use the employee assistance program for help with money and housing.",
    )
    c5 = [i for i, it in enumerate(fb.items) if it.id == "C5"][0]
    feats = {}
    for s in (with_vt, without):
        cands, _ = fb.build([s])
        feats[s.text] = next((c.features for c in cands if c.item == c5), None)
    assert feats[with_vt.text][idx] == 1.0
    assert feats[without.text] is None or feats[without.text][idx] == 0.0


def test_a_list_of_statutes_scores_below_a_section_that_states_practice(engine: Suggester):
    practice = sec(
        "Reporting suspected abuse",
        "Every staff member is a mandated reporter. Staff must report suspected child abuse or "
        "neglect to the child abuse hotline immediately and tell their supervisor.",
        "a",
    )
    citations = sec(
        "Legal references",
        "Wis. Stat. § 48.981 (mandated reporters of child abuse and neglect)\n"
        "42 U.S.C. § 5106a (Child Abuse Prevention and Treatment Act)\n"
        "Wis. Admin. Code ch. DCF 52",
        "b",
    )
    secs = [practice, citations]
    assert prob(engine, secs, 0, "C3") > prob(engine, secs, 1, "C3")


def test_a_definitions_section_is_evidence_only_for_items_that_say_so():
    fb = FeatureBuilder(get_framework())
    s = sec(
        "Definitions", "Sex trafficking means the recruitment of a child for a commercial sex act."
    )
    cands, _ = fb.build([s])
    ids = {fb.items[c.item].id: c.features for c in cands}
    bad, ok = FEATURES.index("definitions_section"), FEATURES.index("definitions_allowed")
    assert ids["A2"][ok] == 1.0 and ids["A2"][bad] == 0.0
    assert ids["A3"][bad] == 1.0 and ids["A3"][ok] == 0.0


def test_tier_and_item_filters_are_honoured(engine: Suggester):
    s = sec(
        "Privacy",
        "The shelter address is confidential. Staff never disclose the location of the program and "
        "visitors may not take photographs.",
    )
    assert any(g.competency == "A10" for g in engine.suggest([s], tier="all")[0])
    assert not any(g.competency.startswith("A") for g in engine.suggest([s], tier="core")[0])
    assert engine.suggest([s], items=["C1"])[0] == []


def test_evidence_sentences_pick_the_sentences_with_most_hits():
    text = "One. Two vicarious trauma words here. Three."
    ev = (Evidence("vicarious trauma", "vicarious trauma", 9, 25, 100.0),)
    assert evidence_sentences(text, ev) == ("Two vicarious trauma words here.",)
    assert evidence_sentences(text, ()) == ()


def test_stored_links_carry_their_evidence_sentences(data_dir):
    from tests.test_services import World

    w = World(data_dir)
    doc = w.to_state("in_review")
    links = w.svc.links(w.rita, doc)
    texts = {s.id: " ".join(s.full_text.split()) for s in w.svc.sections(w.rita, doc)}
    assert links and all(lk.sentences for lk in links if lk.evidence)
    for lk in links:
        for sentence in lk.sentences:
            assert sentence in texts[lk.section_id]


def test_each_suggestion_says_what_raised_and_lowered_its_score(engine: Suggester):
    """The reasons are the model's own largest terms: each "+" term raises the logit by at least
    ``MIN_EFFECT``, each "-" term lowers it by as much, and a list of statutes is told so."""
    from review.explain import _SAYS, MIN_EFFECT, reasons

    doc = [
        sec(
            "Staff support",
            "Supervisors must watch for vicarious trauma and secondary traumatic stress in every "
            "staff member and shall offer debriefing after a critical incident.",
            "a",
        ),
        sec(
            "Legal references",
            "Wis. Stat. § 48.981 (vicarious trauma).\n42 U.S.C. § 5106a.\nWis. Stat. § 948.051.",
            "b",
        ),
        sec("Meals", "Lunch is served at noon in the dining room.", "c"),
    ]
    out = engine.suggest(doc)
    c5 = next(g for g in out[0] if g.competency == "C5")
    signs = [s for s, _t in c5.reasons]
    assert "+" in signs and signs == sorted(signs)  # what raised it first, then what lowered it
    assert ("+", "the section uses the competency's phrases") in c5.reasons
    cands, _probs, _ = engine.probabilities(doc)
    m = engine.model
    checked = 0
    for c in cands:
        rs = reasons(m.features, m.weights, c.features, engine.items[c.item])
        for sign, t in rs:
            term = sum(  # the model's terms that say this (the phrase features are one reason)
                m.weights[m.features.index(n)] * c.features[FEATURES.index(n)]
                for n, said in _SAYS.items()
                if said == t and c.features[FEATURES.index(n)] > 0
            )
            assert term >= MIN_EFFECT if sign == "+" else term <= -MIN_EFFECT
            checked += 1
        if c.section == 1:  # the statutes
            assert ("-", "the evidence lines cite laws or codes") in rs
    assert checked and any(c.section == 1 for c in cands)


def test_a_missing_condition_is_a_reason_against():
    """A5-style items need their subject in view: a section without it is told so in words."""
    from review.explain import reasons
    from review.framework import Item

    it = Item("X1", "X1", "advanced", "statement", ("p",), requires=("sexual exploitation",))
    names = ("phrase_score", "condition_in_section", "citation_lines", "advanced_item")
    weights = (4.0, 1.0, -1.5, 3.0)
    rs = reasons(names, weights, (0.5, 0.0, 1.0, 1.0), it)
    assert rs == (
        ("+", "the section uses the competency's phrases"),
        ("-", "the evidence lines cite laws or codes"),
        ("-", "the section does not mention “sexual exploitation”"),
    )
    # the item's tier is no reason, and small terms are not named
    assert reasons(names, weights, (0.05, 1.0, 0.1, 1.0), it) == (
        ("+", "the section has the competency's subject in view"),
    )


_CITE_ALPHABET = "abcdeforstuwyACFRSUW0123456789 .,;:()§-'’\n\t_"
_CITE_PIECES = [
    "stat",
    "Code",
    "U.S.C",
    "C. F. R",
    "act",
    "(3)(b)",
    "48.981(2)",
    "....",
    " 12",
    "é",
]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.one_of(st.text(alphabet=_CITE_ALPHABET, max_size=12), st.sampled_from(_CITE_PIECES)),
        max_size=12,
    )
)
def test_the_citation_prefilter_never_skips_a_line_the_signal_matches(parts):
    # the features skip the citation scan of a section the prefilter rules out
    text = "".join(parts)
    words, _ = split_words(text)
    if not _may_cite(text, words, _cite_tokens(set(words))):
        assert _CITE_SIGNAL.search(text) is None


_OBLIGE_PIECES = [
    "shall",
    "Must",
    "WILL",
    "shoulder",
    "required",
    "Requires",
    "ensures",
    "responsible  for",
    "responsible for",
    "is expected",
    "may not",
    "agree to",
    "commits to",
    "is to",
    "are to",
    "ſhall",  # a long s: the case-blind match folds it to "s"
    "_",
    "é",
]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.one_of(st.text(alphabet=_CITE_ALPHABET, max_size=8), st.sampled_from(_OBLIGE_PIECES)),
        max_size=10,
    )
)
def test_the_obligation_shortcut_agrees_with_the_expression(parts):
    line = "".join(parts)
    assert _obliges(line) == bool(_OBLIGE.search(line))


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="ab1 -'’.;!?\n\t", max_size=80))
def test_tokens_on_a_line_are_counted_from_the_segments(text):
    # the short-line feature counts a line's tokens from the segments split_words numbered
    words, segs = split_words(text)
    seps = _BOUNDARY_SPLIT.findall(text)
    seg_line = [0]
    for sep in seps:
        seg_line.append(seg_line[-1] + (sep == "\n"))
    for li, line in enumerate(text.split("\n")):
        assert _tokens_on_line(li, seg_line, segs) == len(_TOKEN_RE.findall(line))


def test_analyze_lists_where_to_look_next_for_each_competency(engine: Suggester):
    """Besides the suggestions, each competency's best sections it was not suggested for, best
    first, at most three, none below the floor and none that is a suggestion."""
    from review.engine import NEAR_MISS_FLOOR, NEAR_MISSES

    doc = [
        sec(
            "Staff support",
            "Supervisors must watch for vicarious trauma and secondary traumatic stress in every "
            "staff member and shall offer debriefing after a critical incident.",
            "a",
        ),
        sec("Training", "Staff complete training on trauma and on the agency's policies.", "b"),
        sec("Supervision", "Supervisors meet staff monthly to discuss their caseload.", "c"),
        sec("Meals", "Lunch is served at noon in the dining room.", "d"),
    ]
    suggestions, misses = engine.analyze(doc)
    assert suggestions == engine.suggest(doc)
    suggested = {(s.id, g.competency) for s, row in zip(doc, suggestions, strict=True) for g in row}
    assert misses  # weaker evidence elsewhere is listed
    cands, probs, _ = engine.probabilities(doc)
    p_of = {
        (doc[c.section].id, engine.items[c.item].id): p for c, p in zip(cands, probs, strict=True)
    }
    for comp, near in misses.items():
        assert 1 <= len(near) <= NEAR_MISSES
        assert [m.score for m in near] == sorted((m.score for m in near), reverse=True)
        for m in near:
            assert (m.section_id, comp) not in suggested
            assert m.score == round(100 * p_of[(m.section_id, comp)], 1)
            assert m.score >= 100 * NEAR_MISS_FLOOR
        # nothing better was left out: an unlisted candidate above the floor means the list is
        # full and it ranks no higher than the last one listed
        listed = {m.section_id for m in near}
        for (sid, c), p in p_of.items():
            if (
                c == comp
                and (sid, c) not in suggested
                and sid not in listed
                and p >= NEAR_MISS_FLOOR
            ):
                assert len(near) == NEAR_MISSES and round(100 * p, 1) <= near[-1].score
    assert engine.analyze(doc, near_misses=0)[1] == {}


def _manual_with_contents(page_numbers: bool = True) -> bytes:
    """A manual whose contents are Word's "toc 1" entries: a title, a tab with dot leaders, a
    page number (without ``page_numbers``: the entry's number and title, as Word writes a
    contents of links with page numbers turned off); then the sections they name."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_TAB_ALIGNMENT, WD_TAB_LEADER
    from docx.shared import Inches

    from tests.docx_factory import new_document, to_bytes

    doc = new_document()
    doc.add_paragraph("Youth Shelter Policy Manual", style="Title")
    toc = doc.styles.add_style("toc 1", WD_STYLE_TYPE.PARAGRAPH)
    toc.paragraph_format.tab_stops.add_tab_stop(
        Inches(6), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS
    )
    doc.add_paragraph("Table of Contents")
    bodies = {
        "Mandated reporting of child abuse and neglect": "Every staff member is a mandated "
        "reporter and calls the child abuse hotline at once when abuse is suspected.",
        "Human trafficking training for staff": "All staff complete training on the signs of "
        "sex trafficking and commercial sexual exploitation within 30 days of hire.",
        "Vicarious trauma and employee assistance": "Supervisors watch for vicarious trauma "
        "and compassion fatigue and offer the employee assistance program.",
        "Safety planning with youth": "Each youth and the case manager write a safety plan "
        "together within three days of intake.",
        "Confidentiality of the shelter's location": "Staff never disclose the shelter's "
        "address; visitors are met at a separate office.",
    }
    for page, title in enumerate(bodies, 3):
        entry = f"{title}\t{page}" if page_numbers else f"{page - 2}.\t{title.upper()}"
        doc.add_paragraph(entry, style=toc)
    for title, body in bodies.items():
        doc.add_heading(title, 1)
        doc.add_paragraph(body)
    return to_bytes(doc)


def test_a_word_table_of_contents_is_never_suggested(engine):
    """The contents name every topic of the policy: the preamble holding them gets no
    suggestion, the sections do."""
    from review.parsing import parse_bytes

    parsed = parse_bytes(_manual_with_contents(), "manual.docx")
    preamble, *sections = parsed.sections
    assert preamble.text.startswith("Table of Contents\nMandated reporting")  # shown as Word does
    found = engine.suggest(parsed.sections)
    assert found[0] == []
    assert all(found[1:]) and {g.competency for g in found[1]} >= {"C3"}


def test_a_table_of_contents_without_page_numbers_is_never_suggested(engine):
    """Contents whose entries only repeat the titles of the sections (numbered, in capitals):
    no suggestion for them; without the document's titles they would draw some."""
    from review.matching import without_contents
    from review.parsing import parse_bytes

    parsed = parse_bytes(_manual_with_contents(page_numbers=False), "manual.docx")
    preamble, *sections = parsed.sections
    assert preamble.text.split("\n")[1] == "1.\tMANDATED REPORTING OF CHILD ABUSE AND NEGLECT"
    assert without_contents(preamble.full_text) == preamble.full_text  # (no page numbers)
    found = engine.suggest(parsed.sections)
    assert found[0] == []
    assert len(sections) == 5 and all(found[1:])


@pytest.mark.office
def test_contents_without_page_numbers_printed_to_pdf_are_text_and_never_suggested(
    engine, tmp_path
):
    """LibreOffice prints the entries with dot leaders after their numbers, in capitals, as
    lines the PDF reader reads as headings: they name the sections that follow, so they are the
    preamble's text again, and blanked from what the matcher reads."""
    from conftest import require_tool

    from review.matching import without_contents
    from review.parsing import parse_file
    from review.parsing.sections import title_key
    from tests.office import soffice_convert

    soffice = require_tool("soffice", "libreoffice")
    src = tmp_path / "manual.docx"
    src.write_bytes(_manual_with_contents(page_numbers=False))
    soffice_convert(soffice, "pdf", [src], tmp_path / "out", tmp_path / "profile", timeout=300)
    parsed = parse_file(tmp_path / "out" / "manual.pdf")
    preamble, *sections = parsed.sections
    assert [s.kind for s in sections] == ["heading"] * 5
    heading, *entries = preamble.text.split("\n")
    assert heading == "Table of Contents" and len(entries) == 5
    assert "MANDATED REPORTING OF CHILD ABUSE AND NEGLECT" in entries[0]
    keys = {title_key(s.title) for s in sections}
    blank = without_contents(preamble.text, keys, title_key(preamble.title)).split("\n")
    assert not "".join(blank[1:]).strip()
    found = engine.suggest(parsed.sections)
    assert found[0] == [] and all(found[1:])


@pytest.mark.office
def test_the_contents_of_a_manual_printed_to_pdf_are_never_suggested(engine, tmp_path):
    """The same manual printed to PDF by LibreOffice: the tab becomes a row of dot leaders,
    which the contents rule reads as such (the citation rule, which reads "...." as a sign of
    a citation, also lowers those lines' score)."""
    from conftest import require_tool

    from review.matching import without_contents
    from review.parsing import parse_file
    from tests.office import soffice_convert

    soffice = require_tool("soffice", "libreoffice")
    src = tmp_path / "manual.docx"
    src.write_bytes(_manual_with_contents())
    soffice_convert(soffice, "pdf", [src], tmp_path / "out", tmp_path / "profile", timeout=300)
    parsed = parse_file(tmp_path / "out" / "manual.pdf")
    preamble, *sections = parsed.sections
    assert "Mandated reporting of child abuse and neglect....." in preamble.text
    heading, *entries = without_contents(preamble.text).split("\n")
    assert heading == "Table of Contents" and len(entries) == 5
    assert not any(e.strip() for e in entries)  # every entry blanked out
    found = engine.suggest(parsed.sections)
    assert found[0] == []
    assert len(sections) == 5 and all(found[1:])
