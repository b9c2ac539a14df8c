"""review.viewmodels: escaping, highlighting, rows, filters, coverage, session arithmetic."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from review import viewmodels as vm
from review.models import CoverageRow, Evidence, ReportLink, Section


def _section(title: str, text: str, sid: str = "s1") -> Section:
    return Section(id=sid, title=title, level=1, path=(title,), text=text, first_par=0, last_par=1)


def test_highlight_escapes_untrusted_text_and_marks_spans():
    text = 'Staff <script>alert("x")</script> get vicarious trauma support & care'
    start = text.index("vicarious trauma")
    out = vm.highlight_html(text, [(start, start + len("vicarious trauma"))])
    assert "<script>" not in out
    assert "&lt;script&gt;" in out
    assert "<mark>vicarious trauma</mark>" in out
    assert "&amp; care" in out


def test_highlight_merges_overlapping_spans_and_clips_to_text():
    text = "trauma-informed care is provided"
    out = vm.highlight_html(text, [(0, 15), (0, 20), (10, 20), (25, 999)])
    assert out.count("<mark>") == 2
    assert out.startswith("<mark>trauma-informed care</mark>")
    assert out.endswith("<mark>rovided</mark>")


def test_highlight_offsets_relative_to_a_larger_string():
    # evidence offsets refer to Section.full_text = title + "\n" + text
    sec = _section("Confidentiality", "Do not disclose the address of the shelter.")
    phrase = "disclose the address"
    start = sec.full_text.index(phrase)
    out = vm.section_html(sec, [(start, start + len(phrase))])
    assert f"<mark>{phrase}</mark>" in out
    assert "<strong>Confidentiality</strong>" in out


def test_highlight_newlines_become_breaks():
    assert vm.highlight_html("a\nb", []) == "a<br>b"


@given(
    st.text(max_size=200),
    st.lists(st.tuples(st.integers(-5, 220), st.integers(-5, 220)), max_size=6),
)
def test_highlight_never_lets_markup_through(text, spans):
    out = vm.highlight_html(text, spans)
    # the only tags are the ones we add
    tags = re.findall(r"<[^>]*>", out)
    assert set(tags) <= {"<mark>", "</mark>", "<br>"}
    # stripping our tags and unescaping gives back the text (newlines aside)
    plain = re.sub(r"</?mark>", "", out).replace("<br>", "\n")
    import html

    assert html.unescape(plain) == text.replace("\r\n", "\n")


def test_merge_spans():
    assert vm.merge_spans([(5, 7), (0, 3), (2, 4), (7, 9), (10, 10)]) == [(0, 4), (5, 9)]


def test_state_badges_and_labels():
    assert vm.state_badge("changes_requested") == ":orange-badge[Changes requested]"
    assert vm.state_label("weird_state") == "Weird state"
    assert vm.link_state_badge("rejected") == ":red-badge[Rejected]"
    assert vm.transition_label("request_changes") == "Request changes"


def _links():
    ev = (Evidence("vicarious trauma", "vicarious trauma", 10, 26, 100.0),)
    return [
        ReportLink("s2", "C5", "suggested", 80.0, ev),
        ReportLink("s1", "C1", "confirmed", 60.0, note="clear"),
        ReportLink("s1", "C3", "rejected", 90.0, reason="only mentions it"),
        ReportLink("gone", "A1", "added", None, note="by hand"),
    ]


def test_link_rows_document_order_then_score():
    sections = [_section("One", "x", "s1"), _section("Two", "y", "s2")]
    rows = vm.link_rows(_links(), sections, {"C5": "C5 – Vicarious trauma"})
    assert [(r["section_id"], r["competency"]) for r in rows] == [
        ("s1", "C3"),
        ("s1", "C1"),
        ("s2", "C5"),
        ("gone", "A1"),
    ]
    assert rows[2]["Competency"] == "C5 – Vicarious trauma"
    assert rows[2]["Evidence"] == "vicarious trauma"
    assert rows[0]["Note"] == "only mentions it"
    assert rows[3]["Section"] == "(section no longer in document)"
    assert rows[3]["Score"] is None


def test_filters_combine():
    links = _links()
    assert len(vm.filter_links(links, vm.LinkFilter())) == 4
    assert [lk.competency for lk in vm.filter_links(links, vm.LinkFilter(section_ids=("s1",)))] == [
        "C1",
        "C3",
    ]
    f = vm.LinkFilter(states=("suggested", "rejected"), min_score=85)
    assert [lk.competency for lk in vm.filter_links(links, f)] == ["C3"]
    assert vm.filter_links(links, vm.LinkFilter(competencies=("A1",)))[0].state == "added"


def test_link_key_round_trip_and_counts():
    lk = _links()[0]
    assert vm.parse_link_key(vm.link_key(lk)) == ("s2", "C5")
    counts = vm.link_state_counts(_links())
    assert counts == {"suggested": 1, "confirmed": 1, "rejected": 1, "added": 1}


def _coverage():
    return [
        CoverageRow("C1", "Competency 1", "s", "met", ("s1",)),
        CoverageRow("C2", "Competency 2", "s", "not_addressed", recommendation="=HYPERLINK(1)"),
        CoverageRow("C3", "Competency 3", "s", "not_addressed"),
        CoverageRow("C4", "Competency 4", "s", "not_applicable", justification="no staff"),
    ]


def test_coverage_chart_rows_include_zero_counts_in_order():
    rows = vm.coverage_chart_rows(_coverage())
    assert [(r["status"], r["count"]) for r in rows] == [
        ("Met", 1),
        ("Partial", 0),
        ("Not addressed", 2),
        ("Not applicable", 1),
    ]
    assert [g.competency for g in vm.gaps(_coverage())] == ["C2", "C3"]


def test_session_expiry(monkeypatch):
    assert vm.session_expired(None, 1000.0, 30)
    assert not vm.session_expired(1000.0, 1000.0 + 30 * 60, 30)
    assert vm.session_expired(1000.0, 1000.0 + 30 * 60 + 1, 30)
    monkeypatch.setenv("COMPETENCY_REVIEW_SESSION_MINUTES", "5")
    assert vm.session_minutes() == 5
    monkeypatch.setenv("COMPETENCY_REVIEW_SESSION_MINUTES", "nonsense")
    assert vm.session_minutes() == 30


def test_format_time_and_snippet():
    assert vm.format_time("2024-05-01T14:03:09+00:00") == "2024-05-01 14:03 UTC"
    assert vm.format_time("2024-05-01T16:03:09+02:00") == "2024-05-01 14:03 UTC"
    assert vm.format_time("") == "—"
    assert vm.snippet("word " * 100, 20).endswith("…")
    assert vm.snippet("a  b\n c") == "a b c"
