"""Every case of the hostile-upload corpus (tests/hostile_files.py) through the real parser.

Refused files must raise UnreadableDocument with the expected reason code and a plain message
(no traceback text, no exception class names); accepted files must parse into sections. Every
case must finish quickly (no hang) and its claimed file name must come out safe.
"""

from __future__ import annotations

import time

import pytest

from review.config import UploadLimits
from review.errors import UNREADABLE_REASONS, UnreadableDocument
from review.parsing import check_upload, parse_bytes, safe_filename
from tests.hostile_files import HostileCase, generate_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, HostileCase]:
    return {c.name: c for c in generate_corpus(tmp_path_factory.mktemp("hostile"))}


def _limits(case: HostileCase) -> UploadLimits:
    if case.max_upload_bytes is not None:
        return UploadLimits(max_upload_bytes=case.max_upload_bytes)
    return UploadLimits()


def test_corpus_is_large_enough(corpus):
    assert len(corpus) >= 25
    # every foreseen kind of refusal is exercised, and files that must be accepted too
    assert {c.expected for c in corpus.values()} >= (UNREADABLE_REASONS - {"unreadable"}) | {None}


def _names():
    from tests.hostile_files import _cases

    return [c[0] for c in _cases()]


@pytest.mark.parametrize("name", _names())
def test_case_outcome(corpus, name):
    case = corpus[name]
    data = case.path.read_bytes()
    t0 = time.perf_counter()
    if case.expected is None:
        parsed = parse_bytes(data, case.filename, _limits(case))
        assert parsed.sections
        assert parsed.filename == safe_filename(case.filename)
        for s in parsed.sections:
            assert not any(ord(ch) < 32 and ch not in "\t\n" for ch in s.text + s.title)
        if case.concealed:  # text Word does not show never reaches a section
            shown = " ".join(s.title + " " + s.text for s in parsed.sections)
            assert case.concealed not in shown
    else:
        with pytest.raises(UnreadableDocument) as info:
            parse_bytes(data, case.filename, _limits(case))
        err = info.value
        assert err.reason == case.expected, str(err)
        message = str(err)
        assert 30 < len(message) < 400
        assert "Traceback" not in message and "Error" not in message and "zipfile" not in message
        assert err.filename == safe_filename(case.filename)
        # the cheap pre-check agrees whenever it can already tell
        try:
            check_upload(data, case.filename, _limits(case))
        except UnreadableDocument as pre:
            assert pre.reason == case.expected
    assert time.perf_counter() - t0 < 30  # a hang guard, not a speed measurement
    if case.expected_safe_name is not None:
        assert safe_filename(case.filename) == case.expected_safe_name


def test_messages_say_what_to_do(corpus):
    def message(name):
        c = corpus[name]
        with pytest.raises(UnreadableDocument) as info:
            parse_bytes(c.path.read_bytes(), c.filename, _limits(c))
        return str(info.value)

    assert message("encrypted_word").startswith("This file is password-protected (encrypted).")
    assert "Word 97-2003" in message("legacy_doc") and ".docx" in message("legacy_doc")
    assert "macro" in message("macro_docm").lower()
    assert "template" in message("template_dotx").lower()
    assert "Excel" in message("xlsx_renamed")
    assert "no text to review" in message("only_images")
    assert "1 MB" in message("above_size_limit")
    assert ".docx" in message("unknown_extension") and ".txt" in message("unknown_extension")


def test_accepted_cases_keep_their_text(corpus):
    big = parse_bytes(corpus["enormous_paragraph"].path.read_bytes(), "big.docx")
    assert big.sections[0].title == "Everything"
    assert sum(len(s.text) for s in big.sections) > 4_900_000
    assert all(len(s.text.split()) <= 420 for s in big.sections)

    blanks = parse_bytes(corpus["empty_paragraphs_50000"].path.read_bytes(), "blank.docx")
    assert blanks.paragraph_count == 50_003
    assert [s.title for s in blanks.sections] == ["Before"]
    assert (
        blanks.sections[0].text
        == "Some text before the blank pages.\nSome text after the blank pages."
    )
    assert blanks.sections[0].last_par == 50_002

    ctl = parse_bytes(corpus["control_chars_txt"].path.read_bytes(), "c.txt")
    assert [(s.title, s.text) for s in ctl.sections] == [("PURPOSE", "Safety first.\nMore.")]

    table = parse_bytes(corpus["only_a_table"].path.read_bytes(), "t.docx")
    assert [s.text for s in table.sections] == ["Role | Duty\nAdvocate | Safety planning"]

    nested = parse_bytes(corpus["nested_tables"].path.read_bytes(), "n.docx")
    assert nested.sections[0].text == "Outer\nInner A\nInnermost | x\nInner B | y"

    utf16 = parse_bytes(corpus["utf16_txt"].path.read_bytes(), "u.txt")
    assert utf16.sections[0].text == "Staff keep youth safe \u2013 always."
    cp = parse_bytes(corpus["cp1252_txt"].path.read_bytes(), "c.txt")
    assert cp.sections[0].text == "Staff\u2019s duty \u2013 safety."


def test_format_is_decided_by_content_not_name(corpus):
    base = corpus["name_path_separators"].path.read_bytes()
    assert parse_bytes(base, "policy.txt").format == "docx"
    assert check_upload(base, "no-extension") == "docx"
    assert check_upload(b"# Title\n\ntext", "notes.md") == "md"


def test_main_part_is_found_through_relationships(corpus):
    import io

    import docx

    data = corpus["main_part_renamed"].path.read_bytes()
    parsed = parse_bytes(data, "renamed.docx")
    assert parsed.title == "Sample Policy"
    assert [(s.title, s.text) for s in parsed.sections] == [
        ("Purpose", "Staff keep youth safe."),
        ("Scope", "All programs."),
    ]
    # python-docx (which the annotator uses) opens it too
    assert docx.Document(io.BytesIO(data)).paragraphs[1].text == "Purpose"
