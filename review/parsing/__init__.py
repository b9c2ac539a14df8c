"""Policy documents (.docx, .pdf, .doc, .txt, .md) → ordered :class:`~review.models.Section` s.

Public API (others code against these names)::

    parse_bytes(data, filename, limits=None) -> ParsedDocument
    parse_file(path, limits=None) -> ParsedDocument
    check_upload(data, filename, limits=None) -> "docx" | "txt" | "md"
    body_paragraph_elements(body) -> list          # the index space of first_par/last_par
    safe_filename(name) -> str
    SUPPORTED_EXTENSIONS

Every refusal is a :class:`~review.errors.UnreadableDocument` with a user-facing message and a
short ``reason`` code (not_zip, truncated, encrypted, macro, template, not_word, missing_part,
bad_xml, empty, too_large, zip_bomb, unsupported_type, bad_encoding; for PDFs scanned_pdf,
bad_pdf). The format is decided by the
content, not by the file name: a zip is read as Word whatever it is called.

Layout: :mod:`.upload` (cheap checks, safe zip and XML), :mod:`.docx_reader`, :mod:`.text_reader`,
:mod:`.sections` (sectioning, chunking, stable ids), :mod:`.names` (file names).
"""

from __future__ import annotations

import logging
import zipfile
import zlib
from pathlib import Path

from lxml import etree

from review.config import UploadLimits
from review.errors import UnreadableDocument
from review.models import ParsedDocument
from review.parsing.docx_reader import body_paragraph_elements, read_docx
from review.parsing.names import safe_filename
from review.parsing.sections import build_sections
from review.parsing.text_reader import decode_text, read_md, read_txt
from review.parsing.upload import (
    OLE_MAGIC,
    SUPPORTED_EXTENSIONS,
    check_all_xml,
    check_complexity,
    check_runs,
    open_package,
    refuse,
    sniff_format,
)
from review.parsing.visibility import left_out_note

__all__ = [
    "SUPPORTED_EXTENSIONS",
    "body_paragraph_elements",
    "check_upload",
    "parse_bytes",
    "parse_file",
    "safe_filename",
    "word_copy",
]

log = logging.getLogger(__name__)

EMPTY_MESSAGE = (
    "The document has no text to review (it is empty or contains only images). Upload the "
    "policy with its text."
)


def check_upload(data: bytes, filename: str, limits: UploadLimits | None = None) -> str:
    """Cheap pre-checks only (size, magic bytes, zip directory, declared sizes, content types,
    text encoding); returns the format ("docx" | "txt" | "md"). Raises UnreadableDocument."""
    limits = limits or UploadLimits()
    name = safe_filename(filename)
    special = _pdf_or_doc(data, name, limits)
    if special is not None:
        return special
    fmt = sniff_format(data, name, limits)
    if fmt == "docx":
        pkg = open_package(data, name, limits)
        pkg.zf.close()
    else:
        decode_text(data, name)
    return fmt


def parse_bytes(data: bytes, filename: str, limits: UploadLimits | None = None) -> ParsedDocument:
    """Parse an upload into sections. ``filename`` is only a label (made safe for display)."""
    limits = limits or UploadLimits()
    name = safe_filename(filename)
    try:
        return _parse(data, name, limits)
    except UnreadableDocument:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise refuse("truncated", "truncated", name) from exc
    except etree.LxmlError as exc:
        raise refuse("bad_xml", "bad_xml", name, detail=type(exc).__name__) from exc
    except RecursionError as exc:
        raise refuse("bad_xml", "bad_xml", name, detail="nested too deeply") from exc
    except Exception as exc:  # a file we did not foresee must still not show a traceback
        log.exception("unexpected error parsing %s", name)
        raise UnreadableDocument(
            "This file could not be read. Open it in Word, save a fresh copy as .docx and upload "
            "that; if it still fails, report the problem.",
            filename=name,
            reason="unreadable",
        ) from exc


def parse_file(path: str | Path, limits: UploadLimits | None = None) -> ParsedDocument:
    """Parse a file on disk (its size is checked before it is read)."""
    limits = limits or UploadLimits()
    p = Path(path)
    size = p.stat().st_size
    if size > limits.max_upload_bytes:
        raise sniff_error_too_large(p.name, size, limits)
    return parse_bytes(p.read_bytes(), p.name, limits)


def sniff_error_too_large(name: str, size: int, limits: UploadLimits) -> UnreadableDocument:
    mb = 1024 * 1024
    return refuse(
        "too_large",
        "too_large",
        safe_filename(name),
        size=f"{size / mb:.1f}",
        limit=f"{limits.max_upload_bytes / mb:.1f}",
    )


def _pdf_or_doc(data: bytes, name: str, limits: UploadLimits) -> str | None:
    """ "pdf" for a PDF, "doc" for a legacy Word document that is not encrypted, else None (the
    other formats go through :func:`sniff_format`, which refuses what it cannot read)."""
    if 0 < len(data) <= limits.max_upload_bytes:
        if data.lstrip()[:5].startswith(b"%PDF"):
            return "pdf"
        if (
            data[:8] == OLE_MAGIC
            and "WordDocument".encode("utf-16-le") in data
            and "EncryptedPackage".encode("utf-16-le") not in data
            and b"EncryptedPackage" not in data
        ):
            return "doc"
    return None


def word_copy(data: bytes, filename: str, fmt: str) -> bytes | None:
    """The Word file the annotated report is written into for an upload that is not a .docx:
    the extracted text of a PDF (:func:`pdf_reader.word_copy`), the LibreOffice conversion of a
    .doc; ``None`` for .docx (the original is used) and text files (no Word file)."""
    name = safe_filename(filename)
    if fmt == "pdf":
        from review.parsing.pdf_reader import word_copy as pdf_word_copy

        return pdf_word_copy(data, name)
    if fmt == "doc":
        from review.parsing.doc_convert import doc_to_docx

        return doc_to_docx(data, name)
    return None


def _parse(data: bytes, name: str, limits: UploadLimits) -> ParsedDocument:
    special = _pdf_or_doc(data, name, limits)
    if special == "pdf":
        from review.parsing.pdf_reader import read_pdf

        blocks, count, title = read_pdf(data, name)
        return _finish(blocks, count, title, 0, name, "pdf", limits)
    if special == "doc":
        from review.parsing.doc_convert import doc_to_docx

        converted = _parse(doc_to_docx(data, name), name, limits)
        return ParsedDocument(
            filename=name,
            format="doc",
            sections=converted.sections,
            paragraph_count=converted.paragraph_count,
            title=converted.title,
            left_out=converted.left_out,
        )
    fmt = sniff_format(data, name, limits)
    title = ""
    preamble_start = 0
    left_out: dict[str, int] = {}
    if fmt == "docx":
        pkg = open_package(data, name, limits)
        try:
            check_runs(pkg, limits)
            content = read_docx(pkg)
            check_all_xml(pkg)
        finally:
            pkg.zf.close()
        blocks, count, title = content.blocks, content.paragraph_count, content.title
        preamble_start = 0
        left_out = content.left_out
    else:
        text = decode_text(data, name)
        blocks, count = read_md(text) if fmt == "md" else read_txt(text)
    return _finish(blocks, count, title, preamble_start, name, fmt, limits, left_out)


def _finish(
    blocks: list,
    count: int,
    title: str,
    preamble_start: int,
    name: str,
    fmt: str,
    limits: UploadLimits,
    left_out: dict[str, int] | None = None,
) -> ParsedDocument:
    empty = EMPTY_MESSAGE
    if left_out:  # all there is to read, Word does not show: say so
        empty = (
            "The document has no text that Word shows: "
            + left_out_note(left_out)[:-1]
            + ". Upload the policy with its text visible."
        )
    if not any(b.text.strip() for b in blocks) and not title:
        raise UnreadableDocument(empty, filename=name, reason="empty")
    sections = build_sections(
        blocks, paragraph_count=count, doc_title=title, preamble_start=preamble_start
    )
    if not sections:
        raise UnreadableDocument(empty, filename=name, reason="empty")
    check_complexity(sections, name, limits)
    return ParsedDocument(
        filename=name,
        format=fmt,
        sections=tuple(sections),
        paragraph_count=count,
        title=title,
        left_out=tuple(sorted((left_out or {}).items())),
    )
