"""Property-based tests: random documents, random damage.

1. Documents built from random sequences of headings, paragraphs, bold lines, hand-numbered lines,
   list items, tables (some nested), tracked changes, content controls and Title paragraphs: the
   parser never fails (except "empty" for a document without text), every paragraph's text lands
   in exactly one section and in order, the paragraph ranges tile the document in the index
   space of ``body_paragraph_elements``, ids are unique and parsing is deterministic.
2. Valid .docx files with random bytes flipped or cut off, and random text files: the only
   exception ever raised is UnreadableDocument.
"""

from __future__ import annotations

import io
import zipfile

import docx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from review.errors import UNREADABLE_REASONS, UnreadableDocument
from review.parsing import body_paragraph_elements, parse_bytes
from review.parsing.sections import collapse_ws
from tests.docx_factory import (
    add_table,
    add_tracked_change,
    new_document,
    to_bytes,
    wrap_in_content_control,
)

WORDS = [
    "staff",
    "Youth",
    "shelter",
    "SAFETY",
    "report",
    "Training",
    "policy",
    "client",
    "the",
    "and",
    "of",
    "4.2",
    "IV.",
    "(4)",
    "ARTICLE",
    "Section",
    "1.",
    "(b)",
    "must",
    "shall",
    "Confidentiality",
    "\u05de\u05d3\u05d9\u05e0\u05d9\u05d5\u05ea",
    "caf\u00e9",
    "\u2013",
    "|",
    "#",
    "**",
    ";",
    ":",
    ".",
    ",",
]
ALPHABET = st.characters(codec="utf-8", categories=("L", "N", "P", "Zs", "S"))

words_text = st.lists(st.sampled_from(WORDS), min_size=0, max_size=14).map(" ".join)
free_text = st.text(ALPHABET, max_size=40)
text = st.one_of(words_text, words_text, free_text)
numbered = st.tuples(
    st.sampled_from(
        ["4.2", "4.2.1", "1", "1.1", "ARTICLE 3 \u2013", "Section IV.", "IV.", "(4)", "2."]
    ),
    words_text,
).map(lambda t: f"{t[0]} {t[1]}")

element = st.one_of(
    st.tuples(st.just("h"), st.integers(1, 4), text),
    st.tuples(st.just("p"), text),
    st.tuples(st.just("p"), text),
    st.tuples(st.just("bold"), text),
    st.tuples(st.just("p"), numbered),
    st.tuples(st.just("bold"), numbered),
    st.tuples(st.just("list"), text),
    st.tuples(st.just("title"), text),
    st.tuples(st.just("empty")),
    st.tuples(st.just("ins"), text, text, text),
    st.tuples(st.just("sdt"), text),
    st.tuples(
        st.just("table"), st.lists(st.lists(text, min_size=1, max_size=3), min_size=1, max_size=3)
    ),
    st.tuples(
        st.just("nested"),
        text,
        st.lists(st.lists(text, min_size=1, max_size=2), min_size=1, max_size=2),
    ),
)


def _row_line(cells: list[str]) -> str | None:
    parts = [collapse_ws(c) for c in cells]
    parts = [p for p in parts if p]
    return " | ".join(parts) if parts else None


def build(elements) -> tuple[bytes, list[tuple[str, str]]]:
    """The document and its expected units in reading order: (kind, collapsed text)."""
    doc = new_document()
    doc.core_properties.title = ""
    units: list[tuple[str, str]] = []

    def unit(kind: str, value: str) -> None:
        v = collapse_ws(value)
        if v:
            units.append((kind, v))

    for el in elements:
        kind = el[0]
        if kind == "h":
            doc.add_heading(el[2], level=el[1])
            unit("p", el[2])
        elif kind == "p":
            doc.add_paragraph(el[1])
            unit("p", el[1])
        elif kind == "bold":
            doc.add_paragraph().add_run(el[1]).bold = True
            unit("p", el[1])
        elif kind == "list":
            doc.add_paragraph(el[1], style="List Bullet")
            unit("p", el[1])
        elif kind == "title":
            doc.add_paragraph(el[1], style="Title")
            unit("title", el[1])
        elif kind == "empty":
            doc.add_paragraph()
        elif kind == "ins":
            p = doc.add_paragraph(el[1])
            add_tracked_change(p, inserted=el[2], deleted=el[3])
            unit("p", el[1] + el[2])
        elif kind == "sdt":
            wrap_in_content_control(doc.add_paragraph(el[1]))
            unit("p", el[1])
        elif kind == "table":
            add_table(doc, el[1])
            for row in el[1]:
                line = _row_line(row)
                if line:
                    units.append(("row", line))
        elif kind == "nested":
            add_table(doc, [[el[1], el[2]]])
            line = _row_line([el[1]])
            if line:
                units.append(("row", line))
            for row in el[2]:
                line = _row_line(row)
                if line:
                    units.append(("row", line))
    return to_bytes(doc), units


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(element, max_size=25))
def test_every_paragraph_lands_in_exactly_one_section(elements):
    data, units = build(elements)
    try:
        parsed = parse_bytes(data, "fuzz.docx")
    except UnreadableDocument as err:
        assert err.reason == "empty"
        assert not units
        return
    assert units

    # the document title is the first Title paragraph, when one was taken
    expected = [v for _, v in units]
    if parsed.title:
        first_title = next(
            i for i, (k, v) in enumerate(units) if k == "title" and v == parsed.title
        )
        del expected[first_title]

    seen: list[str] = []
    for s in parsed.sections:
        if s.kind in (
            "heading",
            "numbered",
            "bold",
            "underline",
            "larger",
            "boxed",
            "caps",
            "run-in",
        ):
            seen.append(s.title)
        seen.extend(line for line in s.text.split("\n") if line.strip())
    # same tokens, same order: nothing lost, nothing duplicated, nothing moved
    assert " ".join(seen).split() == " ".join(expected).split()

    paras = body_paragraph_elements(docx.Document(io.BytesIO(data)).element.body)
    assert parsed.paragraph_count == len(paras)
    secs = parsed.sections
    for a, b in zip(secs, secs[1:], strict=False):
        assert a.last_par + 1 == b.first_par  # ranges tile
    for s in secs:
        assert 0 <= s.first_par <= s.last_par < max(len(paras), 1)
        assert s.path[-1] == s.title and len(s.path) >= 1
    assert len({s.id for s in secs}) == len(secs)
    assert parse_bytes(data, "again.docx").sections == parsed.sections


_BASE = None


def _base_docx() -> bytes:
    global _BASE
    if _BASE is None:
        doc = new_document()
        doc.add_paragraph("Handbook", style="Title")
        for i in range(5):
            doc.add_heading(f"Part {i}", level=1)
            doc.add_paragraph("Staff keep youth safe and report concerns. " * 3)
        add_table(doc, [["a", "b"], ["c", "d"]])
        buf = io.BytesIO()
        doc.save(buf)
        _BASE = buf.getvalue()
    return _BASE


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_damaged_docx_only_raises_unreadable_document(data):
    raw = bytearray(_base_docx())
    how = data.draw(st.sampled_from(["flip", "cut", "splice"]))
    if how == "flip":
        for _ in range(data.draw(st.integers(1, 20))):
            pos = data.draw(st.integers(0, len(raw) - 1))
            raw[pos] = data.draw(st.integers(0, 255))
    elif how == "cut":
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    else:
        pos = data.draw(st.integers(0, len(raw)))
        raw[pos:pos] = data.draw(st.binary(max_size=200))
    try:
        parsed = parse_bytes(bytes(raw), "damaged.docx")
    except UnreadableDocument as err:
        assert err.reason in UNREADABLE_REASONS - {"unreadable"}, err.reason
        return
    assert parsed.sections


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from(["x.txt", "x.md", "x.docx", "x"]))
def test_random_bytes_only_raise_unreadable_document(raw, name):
    try:
        parsed = parse_bytes(raw, name)
    except UnreadableDocument:
        return
    for s in parsed.sections:
        assert "\x00" not in s.text


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=600), st.sampled_from(["x.txt", "x.md"]))
def test_random_text_parses_or_is_empty(value, name):
    try:
        parsed = parse_bytes(value.encode("utf-8", "surrogatepass"), name)
    except UnreadableDocument as err:
        assert err.reason in ("empty", "bad_encoding", "unsupported_type")
        return
    for s in parsed.sections:
        assert not any(0xD800 <= ord(ch) <= 0xDFFF for ch in s.text)


def test_damage_fixture_is_a_real_docx():
    with zipfile.ZipFile(io.BytesIO(_base_docx())) as z:
        assert "word/document.xml" in z.namelist()
    assert [s.title for s in parse_bytes(_base_docx(), "b.docx").sections][:2] == [
        "Part 0",
        "Part 1",
    ]
