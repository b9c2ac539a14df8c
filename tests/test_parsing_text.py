"""Plain-text and Markdown uploads, safe file names and the cheap upload checks."""

from __future__ import annotations

import pytest

from review.config import UploadLimits
from review.errors import UnreadableDocument
from review.parsing import SUPPORTED_EXTENSIONS, check_upload, parse_bytes, safe_filename
from tests.docx_factory import build_docx


def outline(parsed):
    return [(s.level, s.kind, s.title, s.text) for s in parsed.sections]


# --------------------------------------------------------------------------- .txt

TXT = """Staff Handbook
Effective 2024.

PURPOSE

This handbook sets out how staff
keep young people safe.

1 Reporting
Staff report concerns the same day.

1.1 Who Reports

Every employee and volunteer.

1.2 How to Report

Call the hotline:
- first the supervisor
- then the hotline

Training

New staff complete twelve hours of training in their first month on the job.
"""


def test_txt_headings_by_caps_numbering_and_title_case_lines():
    parsed = parse_bytes(TXT.encode(), "handbook.txt")
    assert parsed.format == "txt"
    assert outline(parsed) == [
        (0, "preamble", "Preamble", "Staff Handbook Effective 2024."),
        (1, "heading", "PURPOSE", "This handbook sets out how staff keep young people safe."),
        (1, "numbered", "1 Reporting", "Staff report concerns the same day."),
        (2, "numbered", "1.1 Who Reports", "Every employee and volunteer."),
        (
            2,
            "numbered",
            "1.2 How to Report",
            "Call the hotline:\n- first the supervisor\n- then the hotline",
        ),
        (
            3,
            "bold",
            "Training",
            "New staff complete twelve hours of training in their first month on the job.",
        ),
    ]
    # indices count non-empty lines
    assert [(s.first_par, s.last_par) for s in parsed.sections] == [
        (0, 1),
        (2, 4),
        (5, 6),
        (7, 8),
        (9, 12),
        (13, 14),
    ]
    assert parsed.paragraph_count == 15


def test_txt_list_lines_and_sentences_are_not_headings():
    text = "Intro line.\n\n1. Pathways to entry and vulnerabilities;\n\n(b) Facility's security plan;\n\nThe end.\n"
    parsed = parse_bytes(text.encode(), "x.txt")
    assert [s.kind for s in parsed.sections] == ["preamble"]


def test_txt_without_headings_is_chunked():
    paras = [" ".join(["word"] * 90) + "." for _ in range(12)]
    parsed = parse_bytes("\n\n".join(paras).encode(), "x.txt")
    assert [s.title for s in parsed.sections] == [
        "Part 1 (paragraphs 1\u20134)",
        "Part 2 (paragraphs 5\u20138)",
        "Part 3 (paragraphs 9\u201312)",
    ]


@pytest.mark.parametrize(
    "data, text",
    [
        ("PURPOSE\n\nCaf\u00e9 na\u00efve \u2013 ok.".encode(), "Caf\u00e9 na\u00efve \u2013 ok."),
        (
            "PURPOSE\n\nCaf\u00e9 na\u00efve \u2013 ok.".encode("utf-8-sig"),
            "Caf\u00e9 na\u00efve \u2013 ok.",
        ),
        ("PURPOSE\n\nCaf\u00e9 \u2013 ok.".encode("cp1252"), "Caf\u00e9 \u2013 ok."),
        (b"PURPOSE\r\n\r\nCaf\xe9 \x81ok.", "Caf\u00e9 \u0081ok."),  # not cp1252: Latin-1
        ("PURPOSE\n\nCaf\u00e9.".encode("utf-16"), "Caf\u00e9."),
    ],
)
def test_txt_encodings(data, text):
    parsed = parse_bytes(data, "x.txt")
    assert [(s.title, s.text) for s in parsed.sections] == [("PURPOSE", text)]


def test_txt_binary_and_blank_are_refused():
    with pytest.raises(UnreadableDocument) as info:
        parse_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image.txt")
    assert info.value.reason == "bad_encoding"
    with pytest.raises(UnreadableDocument) as info:
        parse_bytes(b"  \n\n\t\n", "blank.txt")
    assert info.value.reason == "empty"


# --------------------------------------------------------------------------- .md

MD = """# Youth Shelter Policy

Adopted 2024.

## Confidentiality ##

Records stay *private*.

| Record | Kept |
|:-------|-----:|
| Intake | 7 years |

Safety Planning
---------------

Every resident has a plan.

**Visitors**

Visitors sign in.

```
# not a heading inside code
```

Setext Top
==========

Last words.
"""


def test_markdown_atx_setext_bold_tables_and_code():
    parsed = parse_bytes(MD.encode(), "policy.md")
    assert parsed.format == "md"
    assert outline(parsed) == [
        (1, "markdown", "Youth Shelter Policy", "Adopted 2024."),
        (
            2,
            "markdown",
            "Confidentiality",
            "Records stay *private*.\nRecord | Kept\nIntake | 7 years",
        ),
        (2, "markdown", "Safety Planning", "Every resident has a plan."),
        (3, "bold", "Visitors", "Visitors sign in.\n# not a heading inside code"),
        (1, "markdown", "Setext Top", "Last words."),
    ]
    assert parsed.sections[3].path == ("Youth Shelter Policy", "Safety Planning", "Visitors")


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    "name, safe",
    [
        ("policy.docx", "policy.docx"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\policy.docx", "policy.docx"),
        ("..", "document"),
        ("...docx", "docx"),
        ("a..b.docx", "a.b.docx"),
        ("po\x00li\x1fcy.docx", "policy.docx"),
        ('what?<is>:"this"|*.docx', "what__is___this___.docx"),
        ("CON.docx", "_CON.docx"),
        (
            "\u05de\u05d3\u05d9\u05e0\u05d9\u05d5\u05ea.docx",
            "\u05de\u05d3\u05d9\u05e0\u05d9\u05d5\u05ea.docx",
        ),
        ("report\u202etxt.exe", "reporttxt.exe"),
        ("", "document"),
        ("   .docx", "docx"),
    ],
)
def test_safe_filename(name, safe):
    assert safe_filename(name) == safe


def test_safe_filename_limits_length_and_keeps_extension():
    long = "\u0627" * 500 + ".docx"
    out = safe_filename(long)
    assert len(out) == 120 and out.endswith(".docx")
    assert len(safe_filename("x" * 500)) == 120


# --------------------------------------------------------------------------- check_upload


def test_check_upload_formats_and_limits():
    assert SUPPORTED_EXTENSIONS == (".docx", ".txt", ".md")
    docx_bytes = build_docx([("h1", "A"), "b"])
    assert check_upload(docx_bytes, "a.docx") == "docx"
    assert check_upload(docx_bytes, "renamed.txt") == "docx"
    assert check_upload(b"hello", "a.txt") == "txt"
    assert check_upload(b"# hi", "a.MD") == "md"
    with pytest.raises(UnreadableDocument) as info:
        check_upload(docx_bytes, "a.docx", UploadLimits(max_upload_bytes=1000))
    assert info.value.reason == "too_large"
    with pytest.raises(UnreadableDocument) as info:
        check_upload(b"hello", "a.html")
    assert info.value.reason == "unsupported_type"
    assert ".docx" in str(info.value) and ".txt" in str(info.value) and ".md" in str(info.value)
    with pytest.raises(UnreadableDocument) as info:
        check_upload(docx_bytes, "a.docx", UploadLimits(max_uncompressed_bytes=10_000))
    assert info.value.reason == "zip_bomb"


def test_parse_file_checks_size_before_reading(tmp_path):
    from review.parsing import parse_file

    p = tmp_path / "big.docx"
    p.write_bytes(build_docx([("h1", "A"), "b"]))
    with pytest.raises(UnreadableDocument) as info:
        parse_file(p, UploadLimits(max_upload_bytes=100))
    assert info.value.reason == "too_large"
    assert parse_file(p).sections[0].title == "A"
