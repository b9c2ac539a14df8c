"""The text a reviewer sees is the text Word and LibreOffice show (issue 11, item 1).

Each attack file of the hostile corpus (tests/hostile_files.py) that hides text from Word is
parsed, and LibreOffice renders the same bytes headless; the two must agree: the shown text in
both, the concealed text in neither. Hidden text (``w:vanish``) is compared with LibreOffice's
PDF (what it prints: its plain-text filter writes hidden text out too, so ``--convert-to txt``
cannot tell), ``mc:AlternateContent`` with its own ``--convert-to txt`` export.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import require_tool

from review.errors import UnreadableDocument
from review.parsing import parse_bytes
from tests import hostile_files as hf
from tests.office import soffice_convert

SOFFICE_TIMEOUT = 240


def _words(text: str) -> list[str]:
    return text.replace("\ufeff", "").split()


def _parsed_words(data: bytes) -> list[str]:
    doc = parse_bytes(data, "policy.docx")
    out: list[str] = []
    for s in doc.sections:
        out += _words(s.title) + _words(s.text)
    return out


# ------------------------------------------------------------------ the parser alone (fast)


def test_hidden_runs_and_styles_are_not_read():
    words = " ".join(_parsed_words(hf.hidden_text_docx()))
    assert hf.SHOWN in words
    assert "Questions go to the director." in words
    assert "mandated reporters" not in words
    assert "hidden heading" not in words


def test_hidden_text_is_never_scored():
    from review.engine import Suggester
    from review.framework import get_framework

    sug = Suggester(get_framework())
    concealed = b"<w:p><w:r><w:t>" + hf.CONCEALED.encode() + b"</w:t></w:r></w:p>"
    plain = parse_bytes(hf._with_body(concealed), "policy.docx")
    assert any(sug.suggest(plain.sections))  # the concealed sentence alone is suggested ...
    doc = parse_bytes(hf.hidden_text_docx(), "policy.docx")
    assert not any(sug.suggest(doc.sections))  # ... and hidden, it scores nothing


def test_alternate_content_reads_the_branch_readers_render():
    assert hf.SHOWN in " ".join(_parsed_words(hf.alternate_unknown_docx()))
    assert "mandated" not in " ".join(_parsed_words(hf.alternate_unknown_docx()))
    assert hf.SHOWN in " ".join(_parsed_words(hf.alternate_understood_docx()))
    assert "mandated" not in " ".join(_parsed_words(hf.alternate_understood_docx()))


@pytest.mark.parametrize(
    "make",
    [hf.alternate_spoofed_prefix_docx, hf.case_duplicate_docx, hf.same_name_duplicate_docx],
)
def test_ambiguous_packages_are_refused(make):
    with pytest.raises(UnreadableDocument) as info:
        parse_bytes(make(), "policy.docx")
    assert info.value.reason == "ambiguous"
    assert "Word" in str(info.value)


def test_identical_branches_are_not_ambiguous():
    """A Word file whose Choice and Fallback say the same (the normal case) is accepted even
    where the readers would pick different branches."""
    body = hf._alternate("wps", "http://example.invalid/x", hf.SHOWN, hf.SHOWN, "wps")
    words = " ".join(_parsed_words(hf._with_body(body)))
    assert words.count(hf.SHOWN) == 1


# ------------------------------------------------------------------ against LibreOffice


def _convert(tmp: Path, files: dict[str, bytes], target: str) -> dict[str, str]:
    soffice = require_tool("soffice", "libreoffice")
    for name, data in files.items():
        (tmp / f"{name}.docx").write_bytes(data)
    out = tmp / "out"
    converted = [tmp / f"{n}.docx" for n in files]
    soffice_convert(soffice, target, converted, out, tmp / "profile", timeout=SOFFICE_TIMEOUT)
    texts = {}
    for name in files:
        if target == "pdf":
            pdftotext = require_tool("pdftotext")
            done = subprocess.run(
                [pdftotext, str(out / f"{name}.pdf"), "-"],
                capture_output=True,
                text=True,
                check=True,
                timeout=60,
            )
            texts[name] = done.stdout
        else:
            texts[name] = (out / f"{name}.txt").read_text(encoding="utf-8-sig")
    return texts


@pytest.mark.office
def test_hidden_text_matches_what_libreoffice_prints(tmp_path):
    data = hf.hidden_text_docx()
    shown = _convert(tmp_path, {"hidden": data}, "pdf")["hidden"]
    assert hf.CONCEALED not in " ".join(_words(shown))  # the fixture really hides it ...
    assert _parsed_words(data) == _words(shown)  # ... and we read exactly what is printed


@pytest.mark.office
def test_alternate_content_matches_libreoffice_text_export(tmp_path):
    files = {
        "unknown": hf.alternate_unknown_docx(),
        "understood": hf.alternate_understood_docx(),
    }
    texts = _convert(tmp_path, files, "txt:Text")
    for name, data in files.items():
        assert hf.SHOWN in " ".join(_words(texts[name]))
        assert _parsed_words(data) == _words(texts[name]), name


@pytest.mark.office
def test_refused_packages_are_read_differently_by_libreoffice(tmp_path):
    """Why they are refused: LibreOffice reads the text a name-blind or prefix-blind reader
    would not (it takes the spoofed ``wps`` Choice, the last of two same-named parts)."""
    files = {
        "spoofed": hf.alternate_spoofed_prefix_docx(),
        "twice": hf.same_name_duplicate_docx(),
    }
    texts = _convert(tmp_path, files, "txt:Text")
    for name in files:
        assert hf.CONCEALED in " ".join(_words(texts[name])), name


def test_hidden_text_is_never_suggested_by_the_upload_service(data_dir):
    """Through the upload service (whatever engine it uses): the concealed sentence alone is
    suggested; hidden in the attack file, it scores nothing."""
    from tests.e2e_support import Seed

    seed = Seed(data_dir)
    concealed = b"<w:p><w:r><w:t>" + hf.CONCEALED.encode() + b"</w:t></w:r></w:p>"
    plain = seed.upload("alice", hf._with_body(concealed))
    assert plain.suggestion_count > 0
    hidden = seed.upload("alice", hf.hidden_text_docx())
    assert hidden.suggestion_count == 0
