"""Plain-text (.txt) and Markdown (.md) readers.

Paragraph indices for these formats count non-empty source lines (see :class:`Section`).

.txt: paragraphs are separated by blank lines; a paragraph's first line is a heading when it is
hand-numbered like a heading ("4.2 Confidentiality", "ARTICLE 3 – Staff", "IV. Client Rights"),
an ALL-CAPS short line, or a short Title Case line standing alone before a longer paragraph.
.md: ATX (``#``) and setext (underlined) headings, a paragraph that is only ``**bold**``, table
rows kept as "cell | cell", fenced code kept as text.
"""

from __future__ import annotations

import codecs
import re

from review.errors import UnreadableDocument
from review.parsing.docx_reader import numbering, strong_numbered_title
from review.parsing.sections import Block, collapse_ws, reads_like_title, strip_forbidden

#: a line longer than this is body text: heading checks (and their regexes) never see it
_MAX_HEADING_LINE = 300

_BINARY_MESSAGE = (
    "This file does not contain readable text (it looks like binary data, not a text file). "
    "Upload a Word document (.docx), a plain-text file (.txt) or a Markdown file (.md)."
)


def decode_text(data: bytes, filename: str | None) -> str:
    """Bytes → text: UTF-8 (BOM or not), UTF-16 with a BOM, else Windows-1252, else Latin-1.
    Binary data (NUL bytes without a UTF-16 BOM) is refused as ``bad_encoding``."""
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise UnreadableDocument(
                _BINARY_MESSAGE, filename=filename, reason="bad_encoding"
            ) from None
    elif b"\x00" in data:
        raise UnreadableDocument(_BINARY_MESSAGE, filename=filename, reason="bad_encoding")
    else:
        for enc in ("utf-8-sig", "cp1252", "latin-1"):
            try:
                text = data.decode(enc)
                break
            except UnicodeDecodeError:
                continue
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return strip_forbidden(text)


# --------------------------------------------------------------------------- shared line model


def _lines(text: str) -> list[tuple[int, str]]:
    """(index among non-empty lines or -1 for blank, line) for every source line."""
    out = []
    k = 0
    for line in text.split("\n"):
        if line.strip():
            out.append((k, line.rstrip()))
            k += 1
        else:
            out.append((-1, ""))
    return out


def _paragraphs(lines: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    paras: list[list[tuple[int, str]]] = []
    cur: list[tuple[int, str]] = []
    for i, line in lines:
        if i < 0:
            if cur:
                paras.append(cur)
                cur = []
        else:
            cur.append((i, line))
    if cur:
        paras.append(cur)
    return paras


_LIST_ITEM = re.compile(r"^\s*(?:[-*+\u2022]|\d{1,3}[.)]|\([a-z0-9]{1,3}\)|[a-z][.)])\s+")


def _join_lines(lines: list[str]) -> str:
    """Hard-wrapped lines become one paragraph; list items keep their own lines."""
    out: list[str] = []
    for line in lines:
        s = line.strip()
        if out and not _LIST_ITEM.match(line):
            out[-1] = f"{out[-1]} {s}"
        else:
            out.append(s)
    return "\n".join(out)


# --------------------------------------------------------------------------- .txt


def _is_caps_heading(t: str) -> bool:
    letters = [ch for ch in t if ch.isalpha()]
    return (
        len(letters) >= 3
        and all(not ch.islower() for ch in letters)
        and reads_like_title(t, max_words=10)
    )


def _is_title_case_line(t: str) -> bool:
    words = t.split()
    if not (1 <= len(words) <= 6) or not reads_like_title(t, max_words=6) or t[-1] in ".:!":
        return False
    significant = [w for w in words if len(w) > 3 or words.index(w) == 0]
    return all(w[0].isupper() or not w[0].isalpha() for w in significant)


def read_txt(text: str) -> tuple[list[Block], int]:
    """Blocks of a plain-text document and its count of non-empty lines."""
    lines = _lines(text)
    paras = _paragraphs(lines)
    n_lines = sum(1 for i, _ in lines if i >= 0)
    multi = 0
    prefixes: set[str] = set()
    for para in paras:
        if len(para[0][1]) > _MAX_HEADING_LINE:
            continue
        t = collapse_ws(para[0][1])
        num = numbering(t)
        if num is not None and num.kind == "multi" and strong_numbered_title(t, num):
            multi += 1
            prefixes.add(num.number.split(".")[0])

    blocks: list[Block] = []
    real_level = 0
    for k, para in enumerate(paras):
        first_i, first = para[0]
        t = collapse_ws(first) if len(first) <= _MAX_HEADING_LINE else ""
        rest = para[1:]
        followed = bool(rest) or k + 1 < len(paras)
        level = 0
        kind = ""
        num = numbering(t)
        if (
            followed
            and num is not None
            and strong_numbered_title(t, num)
            and (
                num.kind in ("keyword", "roman")
                or (num.kind == "multi" and multi >= 2)
                or (num.kind == "single" and multi >= 2 and num.number in prefixes)
            )
        ):
            level = num.depth if num.kind != "keyword" else 1
            kind = "numbered"
        if not level and followed and _is_caps_heading(t):
            level, kind = 1, "heading"
        if (
            not level
            and not rest
            and k + 1 < len(paras)
            and _is_title_case_line(t)
            and len(" ".join(x for _, x in paras[k + 1]).split()) >= 2 * len(t.split())
            and not _is_title_case_line(collapse_ws(paras[k + 1][0][1]))
        ):
            level, kind = real_level + 1, "bold"
        if level:
            if kind != "bold":
                real_level = level
            blocks.append(Block(t, first_i, first_i, level, kind))
            if rest:
                blocks.append(Block(_join_lines([x for _, x in rest]), rest[0][0], rest[-1][0]))
        else:
            blocks.append(Block(_join_lines([x for _, x in para]), first_i, para[-1][0]))
    return blocks, n_lines


# --------------------------------------------------------------------------- .md

#: patterns are applied to stripped lines no longer than _MAX_HEADING_LINE, and written without
#: adjacent quantifiers over the same characters, so no input can make them backtrack badly
_ATX = re.compile(r"^(#{1,6})(?:[ \t]+(.*))?$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_TABLE_SEP = re.compile(r"^\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?$")
_BOLD_LINE = re.compile(r"^\s*(\*\*|__)(.+?)\1\s*$")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(.+?)\1")


def _clean_title(t: str) -> str:
    t = t.strip()
    stripped = t.rstrip("#")
    if stripped != t and (not stripped or stripped[-1].isspace()):  # "## Title ##"
        t = stripped
    return collapse_ws(_EMPHASIS.sub(r"\2", t))


def read_md(text: str) -> tuple[list[Block], int]:
    """Blocks of a Markdown document and its count of non-empty lines."""
    lines = _lines(text)
    n_lines = sum(1 for i, _ in lines if i >= 0)
    blocks: list[Block] = []
    para: list[tuple[int, str]] = []
    in_fence = False

    def flush() -> None:
        if para:
            blocks.append(Block(_join_lines([x for _, x in para]), para[0][0], para[-1][0]))
            para.clear()

    j = 0
    while j < len(lines):
        i, line = lines[j]
        if _FENCE.match(line):
            flush()
            in_fence = not in_fence
            j += 1
            continue
        if in_fence:
            if i >= 0:
                blocks.append(Block(line, i, i))
            j += 1
            continue
        if i < 0:
            flush()
            j += 1
            continue
        m = _ATX.match(line.strip()) if len(line) <= _MAX_HEADING_LINE else None
        if m:
            flush()
            title = _clean_title(m.group(2) or "")
            if title:
                blocks.append(Block(title, i, i, len(m.group(1)), "markdown"))
            j += 1
            continue
        nxt = lines[j + 1] if j + 1 < len(lines) else (-1, "")
        if (
            not para
            and nxt[0] >= 0
            and _SETEXT.match(nxt[1])
            and not line.lstrip().startswith("|")
            and not _LIST_ITEM.match(line)
        ):
            level = 1 if nxt[1].strip().startswith("=") else 2
            blocks.append(Block(_clean_title(line), i, nxt[0], level, "markdown"))
            j += 2
            continue
        if line.lstrip().startswith("|"):
            flush()
            if not _TABLE_SEP.match(line.strip()):
                cells = [c.strip() for c in line.strip().strip("|").split("|")]
                row = " | ".join(c for c in cells if c)
                if row:
                    blocks.append(Block(row, i, i))
            j += 1
            continue
        if not para and len(line) <= _MAX_HEADING_LINE and _BOLD_LINE.match(line) and nxt[0] < 0:
            title = _clean_title(line)
            if reads_like_title(title) and any(k >= 0 for k, _ in lines[j + 1 :]):
                level = max([b.level for b in blocks if b.kind == "markdown"][-1:] or [0]) + 1
                blocks.append(Block(title, i, i, level, "bold"))
                j += 1
                continue
        para.append((i, line))
        j += 1
    flush()
    return blocks, n_lines
