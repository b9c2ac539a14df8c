"""Text PDFs → blocks for :func:`review.parsing.sections.build_sections`, and a Word copy of the
extracted text for the annotated report.

Library: **pdfplumber** (on pdfminer.six). We need each word's font size and font name to find
headings the way a reader does (larger or bold short lines, numbering); pdfplumber gives both per
word (``extract_words(extra_attrs=["size", "fontname"])``) with positions, is pure Python on
pdfminer.six, and is actively maintained. pypdf's text extraction gives font information only
through a visitor callback on raw text operators (no words, no lines), which would mean writing
the layout analysis ourselves.

Rules, the same as for .docx and .txt where they apply:

* lines are words sharing a baseline; a paragraph is consecutive lines with no larger gap than
  the line spacing and the same style;
* a *heading* is a short line (``reads_like_title``) set larger than the body text (levels by
  size, largest = 1), or all bold on its own, or with hand-typed numbering (``numbering``, the
  rules of the text reader: "4.2 …" needs the pattern twice);
* page furniture is dropped: lines repeated on at least half of the pages (3 pages or more) and
  bare page numbers ("7", "Page 7 of 20");
* the first heading of the largest size on page 1 becomes the document title.

A PDF with no text layer (a scan) is refused with a clear message; so is an encrypted one and
one with more pages than :data:`MAX_PAGES`.
"""

from __future__ import annotations

import io
import logging
import re
import statistics
from collections import Counter
from dataclasses import dataclass

from review.errors import UnreadableDocument
from review.parsing.sections import Block, collapse_ws, reads_like_title, strip_forbidden

log = logging.getLogger(__name__)

MAX_PAGES = 2000
#: fewer extracted characters than this per page on average: a scan, not a text PDF
MIN_CHARS_PER_PAGE = 20

SCANNED_MESSAGE = (
    "This PDF has no text layer: it looks like a scan or a set of images, so there is no text "
    "to review. Upload the Word document the policy was written in, or a PDF exported from it "
    "(in Word: File › Save As › PDF)."
)
ENCRYPTED_MESSAGE = (
    "This PDF is password-protected. Remove the password (or upload the Word document) and try "
    "again."
)
BROKEN_MESSAGE = (
    "This PDF could not be read (it may be damaged). Export it again from the program it was "
    "written in, or upload the Word document."
)
_PAGE_NUMBER = re.compile(r"^(page\s+)?\d{1,4}(\s+of\s+\d{1,4})?$", re.IGNORECASE)
_BOLD = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)


@dataclass
class _Line:
    page: int
    top: float
    bottom: float
    text: str
    size: float
    bold: bool


def _refuse(message: str, name: str, reason: str) -> UnreadableDocument:
    return UnreadableDocument(message, filename=name, reason=reason)


def _lines(data: bytes, name: str) -> tuple[list[_Line], int]:
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except PDFPasswordIncorrect as exc:
        raise _refuse(ENCRYPTED_MESSAGE, name, "encrypted") from exc
    except (PDFSyntaxError, ValueError, KeyError, TypeError) as exc:
        raise _refuse(BROKEN_MESSAGE, name, "bad_pdf") from exc
    except Exception as exc:  # pdfminer raises many types on damaged files
        if "password" in str(exc).lower() or "encrypt" in type(exc).__name__.lower():
            raise _refuse(ENCRYPTED_MESSAGE, name, "encrypted") from exc
        raise _refuse(BROKEN_MESSAGE, name, "bad_pdf") from exc
    lines: list[_Line] = []
    with pdf:
        try:
            pages = pdf.pages
        except Exception as exc:
            raise _refuse(BROKEN_MESSAGE, name, "bad_pdf") from exc
        if len(pages) > MAX_PAGES:
            raise _refuse(
                f"This PDF has {len(pages)} pages; at most {MAX_PAGES} can be reviewed. Split it "
                "into parts and upload each.",
                name,
                "too_large",
            )
        for number, page in enumerate(pages):
            try:
                words = page.extract_words(
                    extra_attrs=["size", "fontname"], use_text_flow=True, keep_blank_chars=False
                )
            except Exception as exc:
                if "password" in str(exc).lower():
                    raise _refuse(ENCRYPTED_MESSAGE, name, "encrypted") from exc
                raise _refuse(BROKEN_MESSAGE, name, "bad_pdf") from exc
            lines.extend(_group_lines(number, words))
            page.flush_cache()
        return lines, len(pages)


def _group_lines(page: int, words: list[dict]) -> list[_Line]:
    out: list[_Line] = []
    current: list[dict] = []

    def flush() -> None:
        if not current:
            return
        text = collapse_ws(strip_forbidden(" ".join(w["text"] for w in current)))
        if text:
            sizes = [float(w.get("size") or 0) for w in current]
            bold = sum(len(w["text"]) for w in current if _BOLD.search(w.get("fontname") or ""))
            total = sum(len(w["text"]) for w in current)
            out.append(
                _Line(
                    page,
                    min(float(w["top"]) for w in current),
                    max(float(w["bottom"]) for w in current),
                    text,
                    round(max(sizes), 1),
                    total > 0 and bold >= 0.8 * total,
                )
            )
        current.clear()

    for w in words:
        if current and abs(float(w["top"]) - float(current[-1]["top"])) > 2.0:
            flush()
        current.append(w)
    flush()
    return out


def _drop_furniture(lines: list[_Line], pages: int) -> list[_Line]:
    if pages >= 3:
        per_page: dict[str, set[int]] = {}
        for ln in lines:
            per_page.setdefault(ln.text.casefold(), set()).add(ln.page)
        seen = Counter({k: len(v) for k, v in per_page.items()})
        repeated = {k for k, n in seen.items() if n >= max(3, pages / 2)}
    else:
        repeated = set()
    return [
        ln
        for ln in lines
        if ln.text.casefold() not in repeated and not _PAGE_NUMBER.match(ln.text.strip())
    ]


def read_pdf(data: bytes, name: str) -> tuple[list[Block], int, str]:
    """Blocks (one per paragraph, headings marked), their count, and the document title."""
    from review.parsing.docx_reader import numbering, strong_numbered_title

    raw, pages = _lines(data, name)
    chars = sum(len(ln.text) for ln in raw)
    if pages == 0 or chars < MIN_CHARS_PER_PAGE * pages:
        raise _refuse(SCANNED_MESSAGE, name, "scanned_pdf")
    lines = _drop_furniture(raw, pages)
    if not lines:
        raise _refuse(SCANNED_MESSAGE, name, "scanned_pdf")
    weights = Counter()
    for ln in lines:
        weights[ln.size] += len(ln.text)
    body = weights.most_common(1)[0][0]
    heading_sizes = sorted({ln.size for ln in lines if ln.size >= body * 1.15}, reverse=True)
    level_of = {s: i + 1 for i, s in enumerate(heading_sizes[:3])}
    bold_level = min(len(level_of) + 1, 4)
    multi = sum(
        1
        for ln in lines
        if (num := numbering(ln.text)) is not None
        and num.kind == "multi"
        and strong_numbered_title(ln.text, num)
    )

    # paragraphs: consecutive lines of one style with normal spacing
    gaps = [
        b.top - a.bottom
        for a, b in zip(lines, lines[1:], strict=False)
        if a.page == b.page and a.size == b.size and b.top > a.bottom
    ]
    spacing = statistics.median(gaps) if gaps else 2.0
    paras: list[list[_Line]] = []
    for ln in lines:
        prev = paras[-1][-1] if paras else None
        if (
            prev is not None
            and prev.page == ln.page
            and prev.size == ln.size
            and prev.bold == ln.bold
            and 0 <= ln.top - prev.bottom <= spacing * 1.6 + 0.5
            and not _heading_level(prev, body, level_of, bold_level, multi)
        ):
            paras[-1].append(ln)
        else:
            paras.append([ln])

    blocks: list[Block] = []
    title = ""
    for i, para in enumerate(paras):
        text = collapse_ws(" ".join(ln.text for ln in para))
        level = _heading_level(para[0], body, level_of, bold_level, multi) if len(para) == 1 else 0
        if level and not reads_like_title(text):
            level = 0
        if level and not title and para[0].page == 0 and para[0].size == max(level_of, default=0):
            title = text
            blocks.append(Block(text, i, i))  # the title line stays in the preamble's range
            continue
        blocks.append(Block(text, i, i, level=level, kind="heading" if level else ""))
    return blocks, len(paras), title


def _heading_level(
    ln: _Line, body: float, level_of: dict[float, int], bold_level: int, multi: int
) -> int:
    from review.parsing.docx_reader import numbering, strong_numbered_title

    if not reads_like_title(ln.text):
        return 0
    if ln.size in level_of:
        return level_of[ln.size]
    num = numbering(ln.text)
    if num is not None and strong_numbered_title(ln.text, num):
        if num.kind in ("keyword", "roman"):
            return 1
        if num.kind == "multi" and multi >= 2:
            return min(num.depth, 4)
    if ln.bold and ln.size >= body and len(ln.text.split()) <= 12:
        return bold_level
    return 0


def word_copy(data: bytes, name: str) -> bytes:
    """A .docx of the extracted text — paragraph *i* of its body is block *i* of
    :func:`read_pdf`, so section ranges and the annotator's comments line up — with a closing
    note saying what it is. Headings keep Word's Heading styles."""
    from docx import Document

    blocks, _, title = read_pdf(data, name)
    doc = Document()
    body = doc.element.body
    for p in list(body.iterchildren()):
        if p.tag.endswith("}p"):
            body.remove(p)
    for b in blocks:
        if b.level:
            doc.add_paragraph(b.text, style=f"Heading {min(b.level, 4)}")
        elif title and b.text == title and b.first == 0:
            doc.add_paragraph(b.text, style="Title")
        else:
            doc.add_paragraph(b.text)
    doc.add_paragraph(
        f"This Word copy holds the text extracted from the PDF {name}, with the review as "
        "comments; the PDF's layout, images and tables are not reproduced."
    ).runs[0].italic = True
    doc.core_properties.title = title or name
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
