"""Text PDFs → blocks for :func:`review.parsing.sections.build_sections`, and a Word copy of the
extracted text for the annotated report.

Library: **pdfplumber** (on pdfminer.six). We need each word's font size and font name to find
headings the way a reader does (larger or bold short lines, numbering); pdfplumber gives both per
word (``extract_words(extra_attrs=["size", "fontname"])``) with positions, is pure Python on
pdfminer.six, and is actively maintained. pypdf's text extraction gives font information only
through a visitor callback on raw text operators (no words, no lines), which would mean writing
the layout analysis ourselves.

Rules, the same as for .docx and .txt where they apply (the wording rules are the .docx
reader's own functions, called from here):

* lines are words sharing a baseline; a paragraph is consecutive lines of one style (size and
  weight) with no larger gap than the line spacing (scaled to the type size). A line that could
  be a heading (larger, bold or numbered) continues into the next line only when it *wrapped*:
  the next line's first word would not have fitted before the right margin of the text (the
  right edge most body lines reach). A word broken at a hyphen across lines is joined again
  ("department-" + "funded" → "department-funded");
* lines that share their height on the page with another line beside them (table cells, columns)
  are never headings;
* a *heading* is a paragraph of at most three lines that reads like a title (the whole wrapped
  text is judged, so a two-line title counts) and is set apart from the body text: in a larger
  type (levels by size, largest = 1; up to 25 words when it wraps), or all bold at least at body
  size (when bold is not the document's ordinary text: at most 60 % of its paragraphs), or with
  hand-typed numbering the .docx reader accepts in plain text (``numbering``,
  ``strong_numbered_title``: "ARTICLE 3 – …", "IV. …", "4.2 …" used twice, statute numbers
  "182-1.5 …" used twice), a plain numbered series (``numbered_series``: "1. …", "2. …",
  "3. …", each followed by body text), or capitals (``all_caps_title``, used twice and not the
  ordinary text). Numbered headings of codes may end with a period or a colon
  (``numbered_title_ok``); a bold line ending with one that obliges something ("must",
  "shall") is a sentence, not a heading. Bold words opening a body paragraph ("**Visitors.**
  Visitors must …") are a run-in heading when the document does it twice (``run_in_title``).
  Levels nest as in .docx (:class:`~review.parsing.docx_reader.Leveler`);
* page furniture is dropped: lines at the top or bottom of a page (first or last two) whose text
  is there on at least half of the pages (3 pages or more), and bare page numbers there ("7",
  "Page 7 of 20"). A heading repeated in the middle of pages is kept;
* the document title is the first paragraph on page 1 in the document's largest type when no
  other paragraph uses that size; a size several headings share makes them all headings.

A PDF with no text layer (a scan) is refused with a clear message; so is an encrypted one and
one with more pages than :data:`MAX_PAGES`.
"""

from __future__ import annotations

import bisect
import contextlib
import io
import logging
import re
from collections import Counter
from dataclasses import dataclass, field

from review.errors import UnreadableDocument
from review.parsing.docx_reader import (
    MAX_HEADER_WORDS,
    MAX_HEADING_SOURCE,
    MAX_LABEL_WORDS,
    MIN_TABLE_BODY,
    MIN_TABLE_TITLES,
    SENTENCE_VERB,
    LayoutGate,
    Leveler,
    NumberedTitles,
    Numbering,
    SeriesItem,
    all_caps_title,
    numbered_series,
    numbered_title_ok,
    numbering,
    run_in_title,
)
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
#: a bullet opening a line: the usual glyphs, and symbol-font ones (private-use code points)
_BULLET = re.compile(
    "^[\u00b7\u2022\u2023\u2043\u2219\u2666\u2713\u2714\u2756\u25aa\u25ab\u25a0\u25a1"
    "\u25b8\u25ba\u25c6\u25cf\u25cb\u25e6\u27a2\ue000-\uf8ff]+"
)
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
#: a heading is at most this many lines (a longer paragraph in a larger or bold type is text)
_MAX_HEADING_LINES = 3
#: lines compared with each line of a page for a table row (cells of one row are fewer)
_ROW_SCAN = 64
#: full body lines from which the right margin is read (fewer: from the page's width)
_MIN_FULL_LINES = 10
#: lines at each edge of a page where running headers, footers and page numbers sit
_EDGE_LINES = 2
#: a line ending in a hyphen after a letter, continued by a lower-case word: one hyphenated word
_HYPHEN_END = re.compile(r"[^\W\d_]-$")


@dataclass
class _Line:
    page: int
    top: float
    bottom: float
    text: str
    size: float
    bold: bool
    x0: float = 0.0
    x1: float = 0.0
    first_width: float = 0.0  # width of the line's first word
    #: (text, bold or underlined) of each word, in order, and each word's left and right
    words: list[tuple[str, bool]] = field(default_factory=list)
    spans: list[tuple[float, float]] = field(default_factory=list)
    under: bool = False  # underlined (a rule drawn right under the text, no wider than it)
    bullet: bool = False  # opens with a bullet glyph: a list item
    #: the table row (or band of columns) the line is in, -1 for none: lines that share their
    #: height with a line beside them, and the other lines of their cells
    row: int = -1

    @property
    def in_row(self) -> bool:
        return self.row >= 0


def _refuse(message: str, name: str, reason: str) -> UnreadableDocument:
    return UnreadableDocument(message, filename=name, reason=reason)


def _lines(data: bytes, name: str) -> tuple[list[_Line], int, float]:
    """The text lines of every page, the number of pages, and the widest page's width."""
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
    width = 0.0
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
            try:
                rules = [
                    (float(e["top"]), float(e["x0"]), float(e["x1"])) for e in page.horizontal_edges
                ]
            except Exception:  # drawings we cannot read: no rules, rows by text alone
                rules = []
            with contextlib.suppress(Exception):  # a page without a usable box: text decides
                width = max(width, float(page.width))
            page_lines = _group_lines(number, words)
            rules.sort()
            _mark_underlines(page_lines, rules)
            _mark_rows(page_lines, rules)
            lines.extend(page_lines)
            page.flush_cache()
        return lines, len(pages), width


def _group_lines(page: int, words: list[dict]) -> list[_Line]:
    out: list[_Line] = []
    current: list[dict] = []

    def flush() -> None:
        if not current:
            return
        # a list's bullet is drawn, not text (Word does not count it either): the line is an
        # item, and symbol-font glyphs (private-use code points) mean nothing as text
        bullet = bool(_BULLET.match(current[0]["text"]))
        kept = []
        for k, w in enumerate(current):
            t = w["text"]
            if k == 0 and bullet:
                t = _BULLET.sub("", t)
            t = collapse_ws(strip_forbidden(_PRIVATE_USE.sub("", t)))
            if t:
                kept.append((w, t))
        parts = [(t, bool(_BOLD.search(w.get("fontname") or ""))) for w, t in kept]
        text = " ".join(t for t, _ in parts)
        if text:
            sizes = [float(w.get("size") or 0) for w, _ in kept]
            bold = sum(len(t) for t, b in parts if b)
            total = sum(len(t) for t, _ in parts)
            first = kept[0][0]
            out.append(
                _Line(
                    page,
                    min(float(w["top"]) for w in current),
                    max(float(w["bottom"]) for w in current),
                    text,
                    round(max(sizes), 1),
                    total > 0 and bold >= 0.8 * total,
                    x0=min(float(w["x0"]) for w in current),
                    x1=max(float(w["x1"]) for w in current),
                    first_width=float(first["x1"]) - float(first["x0"]),
                    words=parts,
                    spans=[(float(w["x0"]), float(w["x1"])) for w, _ in kept],
                    bullet=bullet,
                )
            )
        current.clear()

    for w in words:
        if current and (
            abs(float(w["top"]) - float(current[-1]["top"])) > 2.0
            or float(w["x0"]) - float(current[-1]["x1"]) > 2.0 * float(w.get("size") or 0)
        ):
            flush()  # a new line, or a cell or column beside this one after a wide gap
        current.append(w)
    flush()
    return out


def _mark_underlines(lines: list[_Line], rules: list[tuple[float, float, float]]) -> None:
    """Underlined words: a horizontal rule (``rules`` sorted by height) just under the text
    that covers the word and does not reach past the line's text (a table's border does)."""
    if not rules:
        return
    ys = [y for y, _, _ in rules]
    for ln in lines:
        lo = bisect.bisect_left(ys, ln.bottom - 0.35 * ln.size)
        hi = bisect.bisect_right(ys, ln.bottom + 0.3 * ln.size)
        near = [(x0, x1) for _, x0, x1 in rules[lo:hi] if x0 >= ln.x0 - 1.5 and x1 <= ln.x1 + 1.5]
        if not near:
            continue
        marks = [any(x0 <= a + 0.5 and x1 >= b - 0.5 for x0, x1 in near) for a, b in ln.spans]
        total = sum(len(t) for t, _ in ln.words)
        under = sum(len(t) for (t, _), m in zip(ln.words, marks, strict=True) if m)
        ln.under = total > 0 and under >= 0.8 * total
        ln.words = [(t, e or m) for (t, e), m in zip(ln.words, marks, strict=True)]


def _mark_rows(lines: list[_Line], rules: list[tuple[float, float, float]] = ()) -> None:
    """Number the table rows of one page (:attr:`_Line.row`; ``rules``, the page's horizontal
    rules, sorted by height as :func:`_lines` sorts them once): lines that share their height
    with another line beside them (not across it) are cells of one row, and so are the lines
    stacked right above or below them in one style (a cell's other lines). Where the page draws
    horizontal rules (a table's borders), lines of a cell stacked with no rule between them are
    one row even when every cell has several lines."""
    parent = list(range(len(lines)))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    marked = [False] * len(lines)
    order = sorted(range(len(lines)), key=lambda k: lines[k].top)
    for n, a in enumerate(order):
        la = lines[a]
        for m in range(n + 1, min(n + 1 + _ROW_SCAN, len(order))):
            b = order[m]
            lb = lines[b]
            if lb.top >= la.bottom - 1.0:
                break
            overlap = min(la.bottom, lb.bottom) - max(la.top, lb.top)
            beside = lb.x0 >= la.x1 - 1.0 or la.x0 >= lb.x1 - 1.0
            if beside and overlap > 0.5 * min(la.bottom - la.top, lb.bottom - lb.top):
                marked[a] = marked[b] = True
                parent[root(b)] = root(a)
    if rules:
        ys = [y for y, _, _ in rules]
        for n, a in enumerate(order):
            la = lines[a]
            if not marked[a]:
                continue
            for m in range(n + 1, min(n + 1 + _ROW_SCAN, len(order))):
                b = order[m]
                lb = lines[b]
                if lb.top - la.bottom > 0.5 * la.size:
                    break
                if marked[b] and _stacked(la, lb) and not _ruled(la, lb, rules, ys):
                    parent[root(b)] = root(a)
    joined = marked[:]
    for seq in (range(len(lines)), range(len(lines) - 1, -1, -1)):
        seq = list(seq)
        for a, b in zip(seq, seq[1:], strict=False):
            if joined[a] and not joined[b] and _stacked(lines[a], lines[b]):
                joined[b] = True
                parent[root(b)] = root(a)
    for k, ln in enumerate(lines):
        if joined[k]:
            ln.row = ln.page * 1_000_000 + root(k)


def _ruled(a: _Line, b: _Line, rules: list[tuple[float, float, float]], ys: list[float]) -> bool:
    """Whether a horizontal rule (``rules`` sorted by height, ``ys`` their heights) runs under
    line ``a`` and above the line ``b`` below it."""
    lo = bisect.bisect_left(ys, a.bottom - 1.0)
    hi = bisect.bisect_right(ys, b.top + 1.0)
    return any(x0 < a.x1 and x1 > a.x0 for _, x0, x1 in rules[lo:hi])


def _stacked(a: _Line, b: _Line) -> bool:
    """Lines one right above the other (either order), aligned left, in one style."""
    gap = b.top - a.bottom if b.top >= a.top else a.top - b.bottom
    return (
        abs(a.x0 - b.x0) < 2.0 and a.size == b.size and a.bold == b.bold and 0 <= gap < 0.5 * a.size
    )


def _edges(lines: list[_Line]) -> set[int]:
    """Indices of the first and last :data:`_EDGE_LINES` lines of each page, top to bottom."""
    by_page: dict[int, list[int]] = {}
    for i, ln in enumerate(lines):
        by_page.setdefault(ln.page, []).append(i)
    out: set[int] = set()
    for idx in by_page.values():
        idx.sort(key=lambda i: lines[i].top)
        out.update(idx[:_EDGE_LINES])
        out.update(idx[-_EDGE_LINES:])
    return out


def _drop_furniture(lines: list[_Line], pages: int) -> list[_Line]:
    edge = _edges(lines)
    repeated: set[str] = set()
    if pages >= 3:
        per_page: dict[str, set[int]] = {}
        for i in edge:
            per_page.setdefault(lines[i].text.casefold(), set()).add(lines[i].page)
        seen = Counter({k: len(v) for k, v in per_page.items()})
        repeated = {k for k, n in seen.items() if n >= max(3, pages / 2)}
    return [
        ln
        for i, ln in enumerate(lines)
        if i not in edge or (ln.text.casefold() not in repeated and not _page_number(ln))
    ]


def _page_number(ln: _Line) -> bool:
    """A page number: "Page 7 of 20", or a bare "7" on a line of its own (not a table cell)."""
    m = _PAGE_NUMBER.match(ln.text.strip())
    return m is not None and (m.group(1) is not None or not ln.in_row)


def _join_text(text: str, more: str) -> str:
    """Append a wrapped line: a word broken after a hyphen is joined without a space."""
    if _HYPHEN_END.search(text) and more[:1].islower():
        return text + more
    return f"{text} {more}"


@dataclass
class _Para:
    lines: list[_Line]
    text: str
    #: a table row's cells, left to right: (the cell's text, its lines top to bottom)
    cells: list[tuple[str, list[_Line]]] = field(default_factory=list)

    @property
    def first(self) -> _Line:
        return self.lines[0]


def _row_cells(lines: list[_Line]) -> list[tuple[str, list[_Line]]]:
    """A table row's cells left to right, each its text and its lines top to bottom; a cell is
    the lines that start at one left edge."""
    cells: list[list[_Line]] = []
    for ln in sorted(lines, key=lambda x: (x.x0, x.top)):
        if cells and abs(cells[-1][0].x0 - ln.x0) < 2.0:
            cells[-1].append(ln)
        else:
            cells.append([ln])
    out = []
    for cell in cells:
        cell.sort(key=lambda x: x.top)
        text = cell[0].text
        for ln in cell[1:]:
            text = _join_text(text, ln.text)
        out.append((text, cell))
    return out


def _row_text(cells: list[tuple[str, list[_Line]]]) -> str:
    """A table row as the .docx reader writes one: its cells' text, " | " between."""
    return " | ".join(text for text, _ in cells)


def _right_margin(lines: list[_Line], body: float, width: float) -> float:
    """The right edge of the text: where most full body lines end, in a document with enough
    of them; else the page's width less the left margin (margins are mostly even), and never
    before the end of the longest line."""
    ends = sorted(ln.x1 for ln in lines if ln.size == body and not ln.in_row and len(ln.text) >= 30)
    if len(ends) >= _MIN_FULL_LINES:
        return ends[int(0.9 * (len(ends) - 1))]
    longest = max((ln.x1 for ln in lines), default=0.0)
    left = min((ln.x0 for ln in lines), default=0.0)
    return max(longest, width - left)


def _wrapped(a: _Line, b: _Line, right: float) -> bool:
    """Whether line ``a`` ended because ``b``'s first word did not fit before the margin."""
    return a.x1 + 0.25 * a.size + b.first_width > right - 0.5


def _continues(para: _Para, ln: _Line, right: float, spacing: float, could_head) -> bool:
    """Whether ``ln`` continues ``para`` (of its style, outside tables)."""
    prev = para.lines[-1]
    if ln.bullet:
        return False  # a list item starts here
    if ln.page == prev.page + 1:
        return _wrapped(prev, ln, right)
    gap = ln.top - prev.bottom
    if prev.page != ln.page or not 0 <= gap <= spacing * 1.6 + 0.5:
        return False
    if _wrapped(prev, ln, right):
        return True
    return gap <= 0.5 * ln.size and not could_head(para.first) and not could_head(ln)


def _obliging(text: str) -> bool:
    """A line ending with a period or a colon that obliges someone: a sentence, not a title."""
    return text.endswith((".", ":")) and SENTENCE_VERB.search(text) is not None


def read_pdf(data: bytes, name: str) -> tuple[list[Block], int, str]:
    """Blocks (one per paragraph, headings marked; the title's paragraph is no block, as in
    .docx), the number of paragraphs, and the document title."""
    blocks, count, title, _ = _read(data, name)
    return blocks, count, title


def _read(data: bytes, name: str) -> tuple[list[Block], int, str, int]:
    """:func:`read_pdf`, and the index of the title's paragraph (-1: none)."""
    raw, pages, width = _lines(data, name)
    chars = sum(len(ln.text) for ln in raw)
    if pages == 0 or chars < MIN_CHARS_PER_PAGE * pages:
        raise _refuse(SCANNED_MESSAGE, name, "scanned_pdf")
    lines = _drop_furniture(raw, pages)
    if not lines:
        raise _refuse(SCANNED_MESSAGE, name, "scanned_pdf")
    weights: Counter[float] = Counter()
    for ln in lines:
        weights[ln.size] += len(ln.text)
    body = weights.most_common(1)[0][0]
    larger = {ln.size for ln in lines if ln.size >= body * 1.15 and not ln.in_row}
    right = _right_margin(lines, body, width)

    def could_head(ln: _Line) -> bool:
        """A line set, numbered or capitalized as a heading may be."""
        return bool(
            ln.bold
            or ln.under
            or ln.size in larger
            or numbering(ln.text)
            or all_caps_title(ln.text)
        )

    # paragraphs: a line continues the one before it, in the same style, when that one wrapped
    # (the spacing between them no larger than a paragraph's; across a page break, the last
    # line of a page and the first of the next); a body line also continues one set close
    # above it (hard line breaks), unless the paragraph could be a heading
    gaps = [
        b.top - a.bottom
        for a, b in zip(lines, lines[1:], strict=False)
        if a.page == b.page and a.size == b.size and b.top > a.bottom
    ]
    # the spacing of lines within a paragraph: the smaller gaps (paragraphs are spaced more)
    spacing = sorted(gaps)[len(gaps) // 5] if gaps else 2.0
    paras: list[_Para] = []
    row_para: dict[int, _Para] = {}
    for ln in lines:
        last = paras[-1] if paras else None
        prev = last.lines[-1] if last is not None else None
        if ln.in_row and ln.row in row_para:  # cells come one after the other
            row_para[ln.row].lines.append(ln)
        elif (
            last is not None
            and prev is not None
            and prev.size == ln.size
            and prev.bold == ln.bold
            and prev.under == ln.under
            and prev.row == ln.row == -1
            and _continues(last, ln, right, spacing * max(1.0, ln.size / body), could_head)
        ):
            last.lines.append(ln)
            last.text = _join_text(last.text, ln.text)
        else:
            paras.append(_Para([ln], ln.text))
            if ln.in_row:
                row_para[ln.row] = paras[-1]
    for p in paras:
        if p.first.in_row:
            p.cells = _row_cells(p.lines)
            p.text = _row_text(p.cells)
    blocks, title, title_at = _decide(paras, body, larger)
    return blocks, len(paras), title, title_at


def _decide(paras: list[_Para], body: float, larger: set[float]) -> tuple[list[Block], str, int]:
    """Headings among the paragraphs, by the rules in the module docstring; the title and
    its paragraph's index."""
    n = len(paras)
    texts = [collapse_ws(p.text) for p in paras]
    numbers: list[Numbering | None] = [
        numbering(t) if len(t) <= 160 and len(p.lines) <= 2 else None
        for t, p in zip(texts, paras, strict=True)
    ]
    titles = NumberedTitles()
    for t, num in zip(texts, numbers, strict=True):
        if num is not None:
            titles.see(t, num)

    # the title: the first paragraph on page 1 in the largest type, when no other uses it
    title_at = -1
    sizes = Counter(p.first.size for p in paras if p.first.size in larger)
    if sizes:
        top = max(sizes)
        at = next(i for i, p in enumerate(paras) if p.first.size == top)
        if sizes[top] == 1 and paras[at].first.page == 0 and _larger_ok(paras[at], texts[at]):
            title_at = at
            larger = larger - {top}
    level_of = {s: i + 1 for i, s in enumerate(sorted(larger, reverse=True)[:3])}

    plain = [
        i
        for i, p in enumerate(paras)
        if not p.first.in_row and p.first.size not in level_of and i != title_at
    ]
    body_paras = [i for i in plain if paras[i].first.size >= body]
    bold_share_ok = sum(paras[i].first.bold for i in body_paras) * 10 <= len(body_paras) * 6
    under_share_ok = sum(paras[i].first.under for i in body_paras) * 10 <= len(body_paras) * 6

    run_in: dict[int, str] = {}
    if bold_share_ok and under_share_ok:
        for i in body_paras:
            head = _run_in_head(paras[i])
            if head is not None:
                run_in[i] = head
    if len(run_in) < 2:
        run_in = {}
    caps = {
        i
        for i in plain
        if len(texts[i]) <= 120 and len(paras[i].lines) <= 2 and all_caps_title(texts[i])
    }
    if len(caps) < 2 or len(caps) * 2 > len(plain):
        caps = set()
    series = numbered_series(
        [
            SeriesItem(
                t,
                num,
                i in plain and not (p.first.bold or p.first.under) and len(t) <= MAX_HEADING_SOURCE,
                len(t.split()),
            )
            for i, (t, num, p) in enumerate(zip(texts, numbers, paras, strict=True))
        ]
    )

    tabled, table_of = _table_titles(paras)
    laid_out = {table_of[i] for i in tabled}
    gate = LayoutGate(lambda b: table_of.get(b.first) in laid_out)

    blocks: list[Block] = []
    title = ""
    lev = Leveler()
    for i, para in enumerate(paras):
        text, num, ln = texts[i], numbers[i], para.first
        followed = i + 1 < n
        if i == title_at:  # the document's title, not its text (as the .docx Title style)
            title = text
            continue
        if i in tabled and gate.allows(table_of[i], blocks):  # "PURPOSE | To establish ..."
            label, body = tabled[i]
            blocks.append(Block(label, i, i, lev.bold(), "table"))
            blocks.append(Block(body, i, i))
            continue
        if ln.in_row or len(para.lines) > _MAX_HEADING_LINES or len(text) > MAX_HEADING_SOURCE:
            blocks.append(Block(text, i, i))
            continue
        if ln.size in level_of and _larger_ok(para, text):
            blocks.append(Block(text, i, i, lev.style(level_of[ln.size]), "heading"))
            continue
        head = run_in.get(i)
        if head is not None:  # "Visitors. Visitors must sign in ...": split it
            blocks.append(Block(head, i, i, lev.bold(), "run-in"))
            blocks.append(Block(text[len(head) :].strip(), i, i))
            continue
        if followed and num is not None and titles.plain_heading(text, num):
            blocks.append(Block(text, i, i, lev.numbered(num), "numbered"))
            continue
        if i in series and num is not None and followed:
            level = lev.sub() if num.kind == "sub" else lev.numbered(num)
            blocks.append(Block(text, i, i, level, "numbered"))
            continue
        how = "bold" if bold_share_ok and ln.bold else ""
        if not how and under_share_ok and ln.under:
            how = "underline"
        if (
            how
            and ln.size >= body
            and followed
            and (reads_like_title(text) or (num is not None and numbered_title_ok(num)))
            and not _obliging(text)
        ):
            if num is not None and num.kind == "sub":
                level = lev.sub()
            elif num is not None and num.kind in ("keyword", "code", "roman", "multi"):
                level = lev.numbered(num)
            else:
                level = lev.bold()
            blocks.append(Block(text, i, i, level, how))
            continue
        if i in caps and followed:
            blocks.append(Block(text, i, i, lev.bold(), "caps"))
            continue
        blocks.append(Block(text, i, i))
    return blocks, title, title_at


def _table_titles(paras: list[_Para]) -> tuple[dict[int, tuple[str, str]], dict[int, int]]:
    """The table rows that lay out a policy's sections, as the .docx reader finds them
    (:func:`~review.parsing.docx_reader._table_titles`): paragraph index → (the label, the
    text beside it), and the table of each row paragraph (the index of the first row of its run
    of rows). A row is one when it has two cells, its label is at most two lines that read like
    a title, bold, underlined or in capitals where the text beside it is not, and that text has
    six words or more; not in a table whose first row names its columns (two short cells, both
    bold); and only when the document has two or more such rows."""
    table_of: dict[int, int] = {}
    headed: set[int] = set()
    out: dict[int, tuple[str, str]] = {}
    for i, p in enumerate(paras):
        if not p.first.in_row:
            continue
        start = table_of[i - 1] if i and i - 1 in table_of else i
        table_of[i] = start
        if start in headed or len(p.cells) != 2:
            continue
        (label, left), (text, right) = p.cells
        label, text = collapse_ws(label), collapse_ws(text)
        if i == start and all(
            len(t.split()) <= MAX_HEADER_WORDS and all(ln.bold for ln in lines)
            for t, lines in ((label, left), (text, right))
        ):
            headed.add(start)
            continue
        if len(left) > 2 or not reads_like_title(label, max_words=MAX_LABEL_WORDS):
            continue
        if len(text.split()) < MIN_TABLE_BODY:
            continue
        first = right[0]
        if (
            (all(ln.bold for ln in left) and not first.bold)
            or (all(ln.under for ln in left) and not first.under)
            or (all_caps_title(label) and not all_caps_title(text))
        ):
            out[i] = (label, text)
    return (out if len(out) >= MIN_TABLE_TITLES else {}), table_of


def _larger_ok(para: _Para, text: str) -> bool:
    """A paragraph in a larger type reads like a title: as a .docx paragraph set larger does,
    or, when it wraps, up to 25 words."""
    num = numbering(text)
    if reads_like_title(text) or (num is not None and numbered_title_ok(num)):
        return not _obliging(text)
    return len(para.lines) > 1 and reads_like_title(text, max_words=25, max_chars=200)


def _run_in_head(para: _Para) -> str | None:
    """The bold or underlined words opening a plain body paragraph, when they are a run-in
    title."""
    first = para.first
    if first.bold or first.under or len(para.text) <= 40:
        return None
    head: list[str] = []
    for word, bold in first.words:
        if not bold:
            break
        head.append(word)
    if not head or len(head) == len(first.words):
        return None
    joined = " ".join(head)
    if not para.text.startswith(joined):
        return None
    return run_in_title(joined, para.text[len(joined) :])


#: heading kinds that share their paragraph with their text: a run-in heading, a table's label
_ONE_PARAGRAPH = ("run-in", "table")


def word_copy(data: bytes, name: str) -> bytes:
    """A .docx of the extracted text — paragraph *i* of its body is paragraph *i* of
    :func:`read_pdf` (a run-in heading and its text are one paragraph, the head in bold), so
    section ranges and the annotator's comments line up — with a closing note saying what it
    is. Headings keep Word's Heading styles."""
    from docx import Document

    blocks, _, title, title_at = _read(data, name)
    doc = Document()
    body = doc.element.body
    for p in list(body.iterchildren()):
        if p.tag.endswith("}p"):
            body.remove(p)
    titled = title_at < 0
    for k, b in enumerate(blocks):
        if not titled and b.first > title_at:  # paragraph *title_at* is the title
            titled = True
            doc.add_paragraph(title, style="Title")
        if k and blocks[k - 1].kind in _ONE_PARAGRAPH and blocks[k - 1].first == b.first:
            continue  # the text of a run-in heading's paragraph, written with it
        if b.kind in _ONE_PARAGRAPH:  # one paragraph: the bold head, then its text
            para = doc.add_paragraph()
            para.add_run(b.text).bold = True
            if k + 1 < len(blocks) and blocks[k + 1].first == b.first:
                para.add_run(" " + blocks[k + 1].text)
        elif b.level:
            doc.add_paragraph(b.text, style=f"Heading {min(b.level, 4)}")
        else:
            doc.add_paragraph(b.text)
    if not titled:
        doc.add_paragraph(title, style="Title")
    doc.add_paragraph(
        f"This Word copy holds the text extracted from the PDF {name}, with the review as "
        "comments; the PDF's layout, images and tables are not reproduced."
    ).runs[0].italic = True
    doc.core_properties.title = title or name
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
