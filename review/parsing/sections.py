"""Format-independent half of the parser: blocks → sections.

The readers (.docx, .txt, .md) turn a file into a flat list of :class:`Block` s, each either body
text or a heading whose level and kind are already decided. :func:`build_sections` then cuts the
list at the headings, computes paths, splits oversized sections into chunks, and gives every
section its stable id. Keeping this in one place means every format gets the same ids, the same
chunking and the same paragraph-range rules.

Also here: the wording rules that say whether a short line *reads* like a heading (shared by the
.docx heuristics and the plain-text reader).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from review.models import Section

# --------------------------------------------------------------------------- blocks


@dataclass(slots=True)
class Block:
    """One paragraph (or one table row) in reading order.

    ``first``/``last`` are indices into the document's paragraph index space (body paragraphs for
    .docx, non-empty source lines for .txt/.md). ``level``/``kind`` are set only for headings;
    ``label`` is the number Word draws before a paragraph it numbers automatically ("4.2" before
    a heading, "1." before a list item), which is not part of ``text`` (see
    :attr:`review.models.Section.label` and :attr:`~review.models.Section.line_labels`).
    """

    text: str
    first: int
    last: int
    level: int = 0  # > 0: this block is a heading
    kind: str = ""  # heading | numbered | bold | boxed | table | caps | run-in | markdown
    label: str = ""  # Word's automatic number of the paragraph ("4.2", "Article IV.", "1.")


# --------------------------------------------------------------------------- text rules

#: characters XML 1.0 forbids (reports write section text back into Word XML), plus DEL
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def strip_forbidden(text: str) -> str:
    """Drop characters that cannot be written back into an XML document."""
    return _XML_FORBIDDEN.sub("", text)


#: a contents entry's end: dot leaders or a tab, and a page number
_CONTENTS_END = re.compile(
    r"(?:[ \t]*(?:\.[ ]?){3,}|[ \t]*…+|\t)[ \t]*(?:\d{1,4}|[ivxlc]{1,7})?[ \t]*$"
)
#: dot leaders inside a contents entry ("1.......... MANDATED REPORTING")
_LEADERS = re.compile(r"(?:\.[ ]?){3,}|…+")
#: an outline number before a title ("1.", "2.3", "iv.", "(a)", "B)", "1 "), left out when a
#: contents entry is compared with the document's titles
_LEADING_NUMBER = re.compile(r"^(?:\(?[0-9a-z]{1,4}[.)]|\d{1,3}(?:\.\d{1,3})*\.?)\s+")


def title_key(text: str) -> str:
    """A title as a table of contents names it: without the dot leaders and page number after
    it or an outline number before it, spaces collapsed, case folded, and no period or colon at
    the end ("1. MANDATED REPORTING ....... 3" names "Mandated reporting")."""
    if "\t" in text or "..." in text or ". ." in text or "…" in text:  # (most titles: none)
        text = _LEADERS.sub(" ", _CONTENTS_END.sub("", text))
    key = " ".join(text.split()).casefold().rstrip(" .:")
    head = key[:8]
    if head[:1].isdigit() or "." in head or ")" in head:  # an outline number may open it
        key = _LEADING_NUMBER.sub("", key, count=1)
    return key


def collapse_ws(text: str) -> str:
    """One line, single spaces: what a heading title looks like. (str.split is ~5x faster than
    a regex here, and this runs on every paragraph.)"""
    return " ".join(text.split())


#: words a heading does not end on ("4. Essential service delivery and collaboration; and")
_DANGLING = frozenset(
    [
        "and",
        "or",
        "nor",
        "but",
        "the",
        "a",
        "an",
        "of",
        "to",
        "for",
        "with",
        "in",
        "on",
        "by",
        "as",
        "that",
        "which",
        "who",
        "than",
    ]
)


def reads_like_title(text: str, max_words: int = 12, max_chars: int = 120) -> bool:
    """Whether a short line could be a heading by its wording alone.

    Headings are short and do not end like a clause of a list or a sentence: no trailing ';' or
    ',', no trailing ':' or '.' after more than a few words, and no dangling conjunction. Lines
    that start in lower case continue a sentence.
    """
    t = text.strip()
    if not t or len(t) > max_chars:
        return False
    words = t.split()
    if len(words) > max_words:
        return False
    if not any(ch.isalpha() for ch in t):
        return False
    last = t[-1]
    if last in ";,":
        return False
    if last in ":." and len(words) > 4:
        return False
    if words[-1].lower().strip(".:") in _DANGLING and len(words) > 1:
        return False
    first_alpha = next(ch for ch in t if ch.isalpha())
    return not first_alpha.islower()


# --------------------------------------------------------------------------- ids


_ID_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
    }
)


def normalise_for_id(text: str) -> str:
    """What must stay equal for a section to keep its id: case, quotes, dashes and spacing are
    not edits a reviewer cares about (Word changes them behind the author's back)."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_ID_TRANSLATE)
    else:
        # fast path, same result: ASCII text whose only whitespace is single spaces between
        # words and newlines needs no split/join (printable ASCII has no whitespace but " ";
        # for ASCII, casefold() is lower())
        flat = text.replace("\n", " ")
        if flat.isprintable() and "  " not in flat and flat[:1] != " " and flat[-1:] != " ":
            return flat.lower()
    return " ".join(text.split()).casefold()


def section_id(path: tuple[str, ...], text: str, occurrence: int = 0) -> str:
    """Hash of heading path + normalised text; ``occurrence`` separates identical twins."""
    return _hash_key(_id_key(path, text), occurrence)


def _id_key(path: tuple[str, ...], text: str, cache: dict[str, str] | None = None) -> str:
    """``cache`` (title -> normalised title) spares re-normalising the ancestors every section of
    a long document shares."""
    if cache is None:
        parts = [normalise_for_id(p) for p in path]
    else:
        parts = []
        for p in path:
            n = cache.get(p)
            if n is None:
                n = cache[p] = normalise_for_id(p)
            parts.append(n)
    return "\x1f".join(parts) + "\x1e" + normalise_for_id(text)


def _hash_key(key: str, occurrence: int) -> str:
    h = hashlib.sha256(key.encode("utf-8"))
    if occurrence:
        h.update(f"\x1d{occurrence}".encode())
    return "s-" + h.hexdigest()[:16]


# --------------------------------------------------------------------------- chunking

#: a section longer than this is split into parts; a document without headings is split when
#: it is longer than CHUNK_MAX_WORDS
CHUNK_TRIGGER_WORDS = 800
CHUNK_TARGET_WORDS = 300
CHUNK_MAX_WORDS = 400
CHUNK_MIN_TAIL_WORDS = 100
#: a word longer than this (no spaces at all) is cut by characters
_MAX_TOKEN_CHARS = 2000

_SENTENCE_END = re.compile(r"(?<=[.!?;])[\"'\u201d\u2019)\]]*\s+")


def _split_long_text(text: str) -> list[str]:
    """Split one enormous paragraph at sentence boundaries into ~CHUNK_TARGET_WORDS pieces
    (falling back to word boundaries, then to characters, for text without sentences)."""
    sentences = [s for s in _SENTENCE_END.split(text) if s.strip()]
    units: list[str] = []
    for s in sentences:
        words = s.split()
        if len(words) <= CHUNK_MAX_WORDS:
            units.append(s.strip())
            continue
        for i in range(0, len(words), CHUNK_TARGET_WORDS):
            units.append(" ".join(words[i : i + CHUNK_TARGET_WORDS]))
    pieces: list[str] = []
    cur: list[str] = []
    n = 0
    for u in units:
        w = len(u.split())
        if cur and n + w > CHUNK_MAX_WORDS:
            pieces.append(" ".join(cur))
            cur, n = [], 0
        cur.append(u)
        n += w
        if n >= CHUNK_TARGET_WORDS:
            pieces.append(" ".join(cur))
            cur, n = [], 0
    if cur:
        pieces.append(" ".join(cur))
    out: list[str] = []
    for p in pieces:  # a "word" of megabytes without a space: cut by characters
        if len(p) > _MAX_TOKEN_CHARS * 4 and len(p.split()) <= 1:
            out.extend(p[i : i + _MAX_TOKEN_CHARS] for i in range(0, len(p), _MAX_TOKEN_CHARS))
        else:
            out.append(p)
    return out


def _word_count(text: str) -> int:
    return len(text.split())


def chunk_blocks(blocks: list[Block]) -> list[list[Block]]:
    """Group body blocks into chunks of about CHUNK_TARGET_WORDS words, cutting only between
    paragraphs except inside a paragraph that is itself too long. Deterministic."""
    units: list[Block] = []
    for b in blocks:
        if _word_count(b.text) > CHUNK_MAX_WORDS or len(b.text) > _MAX_TOKEN_CHARS * 4:
            pieces = _split_long_text(b.text)
            units.extend(
                Block(piece, b.first, b.last, label=b.label if n == 0 else "")
                for n, piece in enumerate(pieces)
            )
        else:
            units.append(b)
    chunks: list[list[Block]] = []
    cur: list[Block] = []
    n = 0
    for u in units:
        w = _word_count(u.text)
        if cur and n + w > CHUNK_MAX_WORDS:
            chunks.append(cur)
            cur, n = [], 0
        cur.append(u)
        n += w
        if n >= CHUNK_TARGET_WORDS:
            chunks.append(cur)
            cur, n = [], 0
    if cur:
        tail = sum(_word_count(b.text) for b in cur)
        if (
            chunks
            and tail < CHUNK_MIN_TAIL_WORDS
            and sum(_word_count(b.text) for b in chunks[-1]) + tail <= CHUNK_MAX_WORDS + 100
        ):
            chunks[-1].extend(cur)
        else:
            chunks.append(cur)
    return chunks


def _range_label(first: int, last: int) -> str:
    a, b = first + 1, last + 1
    return f"paragraph {a}" if a == b else f"paragraphs {a}\u2013{b}"


# --------------------------------------------------------------------------- sections


@dataclass(slots=True)
class _Draft:
    title: str
    level: int
    kind: str
    path: tuple[str, ...]
    first: int
    last: int
    body: list[Block]
    labels: tuple[str, ...] = ()  # Word's number of each title in ``path`` (() when none has)


#: consecutive headings that name later ones make a table of contents
CONTENTS_RUN = 3


def _demote_contents(blocks: list[Block]) -> None:
    """Headings that are the entries of a table of contents become body text again: runs of
    :data:`CONTENTS_RUN` or more headings, each followed directly by another heading and each
    naming a heading further on (:func:`title_key`). Hand-typed contents in capitals or with
    numbers read as headings otherwise, a run of empty sections before the real ones."""
    heads = [k for k, b in enumerate(blocks) if b.level > 0]
    if len(heads) < 2 * CONTENTS_RUN:
        return
    # headings followed directly by another: only runs of them can be contents
    bare = [
        all(not blocks[j].text.strip() for j in range(k + 1, heads[at + 1]))
        for at, k in enumerate(heads[:-1])
    ] + [False]
    longest = streak = 0
    for b in bare:
        streak = streak + 1 if b else 0
        longest = max(longest, streak)
    if longest < CONTENTS_RUN:
        return  # (the usual document: the titles are not read)
    keys = {k: title_key(blocks[k].text) for k in heads}
    later: dict[str, int] = {}  # a key → the last heading with it
    for k in heads:
        later[keys[k]] = k
    run: list[int] = []
    for at, k in enumerate(heads):
        if bare[at] and keys[k] and later[keys[k]] > k:
            run.append(k)
            continue
        _demote(blocks, run)
        run = []
    _demote(blocks, run)


def _demote(blocks: list[Block], run: list[int]) -> None:
    if len(run) >= CONTENTS_RUN:
        for k in run:
            blocks[k].level, blocks[k].kind = 0, ""


def build_sections(
    blocks: list[Block],
    *,
    paragraph_count: int,
    doc_title: str = "",
    preamble_start: int = 0,
) -> list[Section]:
    """Cut ``blocks`` at their headings into sections.

    A section covers the paragraph range from its heading up to the paragraph before the next
    section starts (so the ranges tile the document, which the annotator relies on). Text before
    the first heading becomes a level-0 preamble titled with the document title (or "Preamble")
    when it has any text. Oversized sections, and documents without any heading, are chunked.

    A heading's Word number (:attr:`Block.label`) goes to :attr:`Section.label` and, for it and
    its ancestors, :attr:`Section.path_labels`, and a list item's to its line of
    :attr:`Section.line_labels`, never into the title, the path or the text: the id and the
    matcher's text stay what they were before labels were read.
    """
    _demote_contents(blocks)
    drafts: list[_Draft] = []
    stack: list[tuple[int, str]] = []
    titles: list[str] = []  # the titles in ``stack``, kept alongside to build paths cheaply
    labels: list[str] = []  # the Word numbers of ``titles``
    pre_body: list[Block] = []
    for b in blocks:
        if b.level > 0:
            title = collapse_ws(b.text)
            while stack and stack[-1][0] >= b.level:
                stack.pop()
                titles.pop()
                labels.pop()
            titles.append(title)
            labels.append(b.label)
            path = tuple(titles)
            stack.append((b.level, title))
            shown = tuple(labels) if any(labels) else ()
            drafts.append(_Draft(title, b.level, b.kind, path, b.first, b.last, [], shown))
        elif b.text.strip():
            (drafts[-1].body if drafts else pre_body).append(b)

    last_index = max(paragraph_count - 1, 0)
    # ranges tile: each section ends where the next begins
    for i, d in enumerate(drafts):
        end = drafts[i + 1].first - 1 if i + 1 < len(drafts) else last_index
        d.last = max(d.first, end)

    # (title, level, path, text, body blocks, first, last, kind, path labels)
    out: list[tuple] = []
    if pre_body:
        start = min(preamble_start, pre_body[0].first)
        end = drafts[0].first - 1 if drafts else last_index
        end = max(end, start)
        if not drafts and sum(_word_count(b.text) for b in pre_body) > CHUNK_MAX_WORDS:
            out.extend(_chunk_headless(pre_body, start, end))
        else:
            title = doc_title or "Preamble"
            out.extend(_maybe_chunk(title, 0, "preamble", (title,), start, end, pre_body, ()))
    elif not drafts and doc_title:  # a title and nothing else: still one section to show
        out.append((doc_title, 0, (doc_title,), "", [], preamble_start, last_index, "preamble", ()))
    max_chars = _MAX_TOKEN_CHARS * 40
    for d in drafts:
        text = _join(d.body)
        if len(text) <= max_chars and _at_most_words(text, CHUNK_TRIGGER_WORDS):
            # the usual case
            out.append((d.title, d.level, d.path, text, d.body, d.first, d.last, d.kind, d.labels))
        else:
            out.extend(
                _maybe_chunk(d.title, d.level, d.kind, d.path, d.first, d.last, d.body, d.labels)
            )

    seen: dict[str, int] = {}
    sections: list[Section] = []
    norm_cache: dict[str, str] = {}
    for title, level, path, text, body, first, last, kind, path_labels in out:
        key = _id_key(path, text, norm_cache)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        sections.append(
            Section(
                id=_hash_key(key, occurrence),
                title=title,
                level=level,
                path=path,
                text=text,
                first_par=first,
                last_par=last,
                kind=kind,
                label=path_labels[-1] if path_labels else "",
                path_labels=path_labels,
                line_labels=_line_labels(body),
            )
        )
    return sections


def _join(blocks: list[Block]) -> str:
    return "\n".join([b.text for b in blocks])


def _line_labels(blocks: list[Block]) -> tuple[str, ...]:
    """Per line of ``_join(blocks)``, the Word number of the paragraph it starts ("" for the
    other lines of a paragraph with line breaks); ``()`` when no paragraph has one."""
    if not any(b.label for b in blocks):
        return ()
    out: list[str] = []
    for b in blocks:
        out.append(b.label)
        out.extend([""] * b.text.count("\n"))
    return tuple(out)


def _at_most_words(text: str, limit: int) -> bool:
    """``_word_count(text) <= limit`` without splitting a long text into all its words: n words
    need at least 2n-1 characters, and split() stops after ``limit`` cuts."""
    if len(text) < 2 * limit + 1:
        return True
    return len(text.split(None, limit)) <= limit


def _chunk_ranges(chunks: list[list[Block]], start: int, end: int) -> list[tuple[int, int]]:
    """Paragraph ranges of consecutive chunks that tile [start, end]."""
    starts = [start] + [min(b.first for b in c) for c in chunks[1:]]
    ranges = []
    for i, s in enumerate(starts):
        e = starts[i + 1] - 1 if i + 1 < len(starts) else end
        ranges.append((s, max(s, e)))
    return ranges


def _chunk_headless(body: list[Block], start: int, end: int):
    chunks = chunk_blocks(body)
    for n, (c, (s, e)) in enumerate(zip(chunks, _chunk_ranges(chunks, start, end), strict=True), 1):
        lo, hi = min(b.first for b in c), max(b.last for b in c)
        title = f"Part {n} ({_range_label(lo, hi)})"
        yield (title, 1, (title,), _join(c), c, s, e, "chunk", ())


def _maybe_chunk(title, level, kind, path, first, last, body, labels):
    text = _join(body)
    if len(text) <= _MAX_TOKEN_CHARS * 40 and _at_most_words(text, CHUNK_TRIGGER_WORDS):
        yield (title, level, path, text, body, first, last, kind, labels)
        return
    chunks = chunk_blocks(body)
    ranges = _chunk_ranges(chunks, first, last)
    # the first part keeps the heading, so the section is still found by its title
    (lo, hi), first_part = ranges[0], chunks[0]
    yield (title, level, path, _join(first_part), first_part, lo, hi, kind, labels)
    # the later parts show the heading's number too ("4.2 Confidentiality (part 2, ...)")
    sub_labels = labels + (labels[-1],) if labels else ()
    for n, (c, (s, e)) in enumerate(zip(chunks[1:], ranges[1:], strict=True), 2):
        lo, hi = min(b.first for b in c), max(b.last for b in c)
        sub = f"{title} (part {n}, {_range_label(lo, hi)})"
        yield (sub, level + 1, path + (sub,), _join(c), c, s, e, "chunk", sub_labels)
