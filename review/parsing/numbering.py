"""Word's automatic numbering: the number label Word draws before a numbered paragraph.

A paragraph is numbered by a ``w:numPr`` (``w:numId``, ``w:ilvl``) of its own or of its
paragraph style (along ``w:basedOn``); ``w:numId`` 0 takes numbering away. ``word/numbering.xml``
maps a ``w:num`` (a list instance) to a ``w:abstractNum`` (the list's definition: per level
``w:start``, ``w:numFmt``, ``w:lvlText`` such as ``"%1.%2."``, ``w:lvlRestart``, ``w:isLgl``);
a ``w:num`` may override a level (``w:lvlOverride``: ``w:startOverride``, a whole ``w:lvl``), and
an abstract definition may borrow another's levels through a numbering style
(``w:numStyleLink`` → the definition with that ``w:styleLink``).

Counting follows Word (and LibreOffice): every numbered paragraph of the body in document order
counts, shown or not (a hidden paragraph, an empty one); the counters belong to the abstract
definition, so two ``w:num`` of one definition continue one another, and a ``w:startOverride``
sets its level's counter the first time its ``w:num`` numbers a paragraph at that level; a level
starts again when a higher level advances (``w:lvlRestart`` says which levels restart it, 0
none). ``none`` levels have no label (""), nor have bullets unless asked for (a list item's
bullet, :class:`Bullet`; a heading shows none); number formats other than the ones below are
drawn as decimal numbers.

Written here rather than taken from a library: the maintained Python reader that computes list
numbers (docx2python) parses the whole package again into its own text model, which is not keyed
to this parser's paragraph index (tables, text boxes, the rendered ``mc:AlternateContent``
branch); the counting is small enough to own.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from dataclasses import dataclass, field, replace

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


W_VAL = _w("val")
W_ABSTRACTNUM, W_NUM, W_LVL, W_ILVL = _w("abstractNum"), _w("num"), _w("lvl"), _w("ilvl")
W_ABSTRACTNUMID, W_NUMID = _w("abstractNumId"), _w("numId")
W_LVLOVERRIDE, W_STARTOVERRIDE = _w("lvlOverride"), _w("startOverride")
W_START, W_NUMFMT, W_LVLTEXT = _w("start"), _w("numFmt"), _w("lvlText")
W_LVLRESTART, W_ISLGL, W_PSTYLE = _w("lvlRestart"), _w("isLgl"), _w("pStyle")
W_STYLELINK, W_NUMSTYLELINK = _w("styleLink"), _w("numStyleLink")
W_RPR, W_RFONTS, W_ASCII, W_HANSI = _w("rPr"), _w("rFonts"), _w("ascii"), _w("hAnsi")

#: levels of a list definition (w:ilvl 0..8)
LEVELS = 9
_NO_LABEL = frozenset({"bullet", "none"})


@dataclass(slots=True)
class Level:
    """One level of a list definition, as far as its label goes."""

    start: int = 1
    fmt: str = "decimal"
    text: str | None = None  # w:lvlText; None: absent (Word draws nothing)
    restart: int | None = None  # w:lvlRestart: restarted by levels below this (1-based); 0 never
    legal: bool = False  # w:isLgl: every level's number drawn in decimal
    style: str | None = None  # w:pStyle: the paragraph style linked to this level
    font: str = ""  # w:rPr/w:rFonts (w:ascii, else w:hAnsi): the font of a bullet's glyph


@dataclass(slots=True)
class _Abstract:
    levels: dict[int, Level] = field(default_factory=dict)
    style_link: str | None = None  # w:numStyleLink: the levels are another definition's


@dataclass(slots=True)
class _Num:
    abstract: str
    starts: dict[int, int] = field(default_factory=dict)  # w:startOverride by level
    levels: dict[int, Level] = field(default_factory=dict)  # w:lvlOverride/w:lvl by level


def _int(val: str | None, default: int | None = None) -> int | None:
    try:
        return int(val or "")
    except ValueError:
        return default


def _level(el: etree._Element, base: Level | None = None) -> Level:
    """A ``w:lvl`` read over ``base`` (a ``w:lvlOverride``'s level keeps what it does not say)."""
    out = Level() if base is None else replace(base)
    for c in el:
        tag, val = c.tag, c.get(W_VAL)
        if tag == W_START:
            start = _int(val)
            out.start = 1 if start is None else start
        elif tag == W_NUMFMT:
            out.fmt = val or "decimal"
        elif tag == W_LVLTEXT:
            out.text = val or ""
        elif tag == W_LVLRESTART:
            out.restart = _int(val)
        elif tag == W_ISLGL:
            out.legal = val is None or val.lower() not in ("0", "false", "off")
        elif tag == W_PSTYLE:
            out.style = val
        elif tag == W_RPR:
            fonts = c.find(W_RFONTS)
            if fonts is not None:
                out.font = fonts.get(W_ASCII) or fonts.get(W_HANSI) or out.font
    return out


class Bullet(str):
    """A list item's bullet as Word draws it ("•"): a label, told apart from a number."""

    __slots__ = ()


#: the glyphs Word's bullet lists draw from symbol fonts (their characters are the font's own
#: codes, U+F0xx or the byte itself), as Unicode; any other symbol-font glyph shows as "•"
_SYMBOL_GLYPHS = {
    "symbol": {0xB7: "•", 0xA8: "♦", 0xDE: "⇒", 0xAE: "→", 0x2D: "−", 0x6F: "ο"},
    "wingdings": {
        0xA7: "▪",
        0xD8: "➢",
        0xFC: "✓",
        0x76: "❖",
        0x6E: "■",
        0x6C: "●",
        0x71: "❑",
        0xA8: "◻",
        0x77: "⬥",
        0xFB: "✗",
        0xE8: "➔",
    },
}
#: a letter "o" in Courier New is how Word's default second-level bullet draws a small circle
_TEXT_GLYPHS = {("courier new", "o"): "◦"}


def bullet_glyph(text: str | None, font: str) -> Bullet:
    """The bullet a level draws: its ``w:lvlText`` in its font, as a Unicode character."""
    text = (text or "").strip()
    if not text:
        return Bullet("")
    key = font.strip().lower()
    if (key, text) in _TEXT_GLYPHS:
        return Bullet(_TEXT_GLYPHS[(key, text)])
    table = _SYMBOL_GLYPHS.get(key)
    code = ord(text[0])
    private = 0xF000 <= code <= 0xF0FF  # a symbol font's code, as Word stores it
    if table is not None or private:
        return Bullet((table or {}).get(code - 0xF000 if private else code, "•"))
    return Bullet(" ".join(text[:MAX_BULLET].split()))


# --------------------------------------------------------------------------- number formats

_ROMAN = (
    (1000, "m"),
    (900, "cm"),
    (500, "d"),
    (400, "cd"),
    (100, "c"),
    (90, "xc"),
    (50, "l"),
    (40, "xl"),
    (10, "x"),
    (9, "ix"),
    (5, "v"),
    (4, "iv"),
    (1, "i"),
)


#: past these, a number is drawn in decimal: Roman numerals stop at 3999, and a crafted start
#: value must not make one label megabytes long (letters repeat: 27 is "aa", 780 is 30 "z")
MAX_ROMAN, MAX_LETTER = 3999, 780
#: a bullet's text is a character or two; a crafted one is cut
MAX_BULLET = 8


def roman(n: int) -> str:
    """``n`` in lower-case Roman numerals (0, negatives and numbers past 3999 in decimal)."""
    if n <= 0 or n > MAX_ROMAN:
        return str(n)
    out = []
    for value, digits in _ROMAN:
        while n >= value:
            out.append(digits)
            n -= value
    return "".join(out)


def letter(n: int) -> str:
    """Word's lower-case letter numbering: a..z, then aa..zz, aaa.. (the letter repeated; 0,
    negatives and numbers past 780 in decimal)."""
    if n <= 0 or n > MAX_LETTER:
        return str(n)
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def format_number(n: int, fmt: str) -> str:
    """Counter value ``n`` drawn in number format ``fmt`` (``w:numFmt``)."""
    if fmt in _NO_LABEL:
        return ""
    if fmt == "lowerRoman":
        return roman(n)
    if fmt == "upperRoman":
        return roman(n).upper()
    if fmt == "lowerLetter":
        return letter(n)
    if fmt == "upperLetter":
        return letter(n).upper()
    if fmt == "decimalZero":
        return f"{n:02d}" if 0 <= n < 10 else str(n)
    return str(n)


# --------------------------------------------------------------------------- definitions


class ListDefinitions:
    """``word/numbering.xml`` read once: list instances, their definitions and levels."""

    def __init__(self, root: etree._Element | None) -> None:
        self._abstracts: dict[str, _Abstract] = {}
        self._nums: dict[str, _Num] = {}
        self._links: dict[str, str] = {}  # w:styleLink name -> abstractNumId
        #: the w:lvl of each w:lvlOverride, read over the definition's level once all are known
        redrawn: dict[str, dict[int, etree._Element]] = {}
        if root is None:
            return
        for el in root:
            if el.tag == W_ABSTRACTNUM:
                aid = el.get(_w("abstractNumId"))
                if aid is None:
                    continue
                ab = _Abstract()
                for c in el:
                    if c.tag == W_LVL:
                        ilvl = _int(c.get(W_ILVL))
                        if ilvl is not None and 0 <= ilvl < LEVELS:
                            ab.levels[ilvl] = _level(c)
                    elif c.tag == W_NUMSTYLELINK:
                        ab.style_link = c.get(W_VAL)
                    elif c.tag == W_STYLELINK and c.get(W_VAL):
                        self._links.setdefault(c.get(W_VAL) or "", aid)
                self._abstracts[aid] = ab
            elif el.tag == W_NUM:
                nid = el.get(W_NUMID)
                ref = next((c for c in el if c.tag == W_ABSTRACTNUMID), None)
                if nid is None or ref is None or ref.get(W_VAL) is None:
                    continue
                num = _Num(ref.get(W_VAL) or "")
                for ov in el:
                    if ov.tag != W_LVLOVERRIDE:
                        continue
                    ilvl = _int(ov.get(W_ILVL))
                    if ilvl is None or not 0 <= ilvl < LEVELS:
                        continue
                    for c in ov:
                        if c.tag == W_STARTOVERRIDE:
                            start = _int(c.get(W_VAL))
                            if start is not None:
                                num.starts[ilvl] = start
                        elif c.tag == W_LVL:
                            redrawn.setdefault(nid, {})[ilvl] = c
                self._nums[nid] = num
        for nid, lvls in redrawn.items():
            num = self._nums.get(nid)
            if num is None:
                continue
            ab = self.abstract_id(num.abstract)
            base = self._abstracts[ab].levels if ab in self._abstracts else {}
            num.levels = {i: _level(el, base.get(i)) for i, el in lvls.items()}

    def abstract_id(self, aid: str) -> str:
        """The definition whose levels ``aid`` uses (following ``w:numStyleLink``)."""
        seen = {aid}
        ab = self._abstracts.get(aid)
        while ab is not None and ab.style_link is not None:
            target = self._links.get(ab.style_link)
            if target is None or target in seen:
                break
            seen.add(target)
            aid, ab = target, self._abstracts.get(target)
        return aid

    def resolve(self, num_id: str) -> tuple[str, _Num] | None:
        """The definition (its counters' owner) and the instance of list ``num_id``."""
        num = self._nums.get(num_id)
        if num is None:
            return None
        aid = self.abstract_id(num.abstract)
        return (aid, num) if aid in self._abstracts else None

    def level(self, aid: str, num: _Num, ilvl: int) -> Level | None:
        lv = num.levels.get(ilvl)
        return lv if lv is not None else self._abstracts[aid].levels.get(ilvl)

    def styled_level(self, num_id: str, style: str | None) -> int:
        """The level of list ``num_id`` linked to paragraph style ``style`` (``w:pStyle`` in a
        level), else 0: a style's ``w:numPr`` without ``w:ilvl`` means that level."""
        if style is None:
            return 0
        found = self.resolve(num_id)
        if found is None:
            return 0
        aid, _ = found
        for i, lv in sorted(self._abstracts[aid].levels.items()):
            if lv.style == style:
                return i
        return 0


# --------------------------------------------------------------------------- counting


class Counter:
    """Word's list counters as the body is read in document order: :meth:`label` once for
    every numbered paragraph (shown or not)."""

    def __init__(self, defs: ListDefinitions, bullets: bool = False) -> None:
        self.defs = defs
        self.bullets = bullets  # draw a bullet level's glyph (:class:`Bullet`) instead of ""
        self._counts: dict[str, list[int | None]] = {}
        self._overridden: set[tuple[str, int]] = set()

    def label(self, num_id: str, ilvl: int, draw: bool = True) -> str:
        """Count a paragraph of list ``num_id`` at level ``ilvl``; its label as Word draws it
        ("4.2", "Article IV.", "(c)"), "" for a bullet, ``none`` or an unknown list (and when
        ``draw`` is false: counted only)."""
        found = self.defs.resolve(num_id)
        if found is None or not 0 <= ilvl < LEVELS:
            return ""
        aid, num = found
        lv = self.defs.level(aid, num, ilvl)
        if lv is None:
            return ""
        counts = self._counts.setdefault(aid, [None] * LEVELS)
        start = num.starts.get(ilvl)
        if start is not None and (num_id, ilvl) not in self._overridden:
            self._overridden.add((num_id, ilvl))
            counts[ilvl] = start
        else:
            cur = counts[ilvl]
            counts[ilvl] = lv.start if cur is None else cur + 1
        for k in range(ilvl + 1, LEVELS):  # deeper levels start again, unless told otherwise
            deeper = self.defs.level(aid, num, k)
            restart = deeper.restart if deeper is not None and deeper.restart is not None else k
            if restart > k:  # a "restart after" level at or below this one: ignored
                restart = k
            if restart != 0 and ilvl < restart:
                counts[k] = None
        if draw and lv.fmt == "bullet" and self.bullets:
            return bullet_glyph(lv.text, lv.font)
        if not draw or lv.fmt in _NO_LABEL or not lv.text:
            return ""
        return self._render(aid, num, lv, counts)

    def _render(self, aid: str, num: _Num, lv: Level, counts: list[int | None]) -> str:
        text = lv.text or ""
        out: list[str] = []
        i = 0
        while i < len(text):
            ch = text[i]
            if ch == "%" and i + 1 < len(text) and text[i + 1] in "123456789":
                k = int(text[i + 1]) - 1
                ref = self.defs.level(aid, num, k)
                value = counts[k]
                if value is None:  # a level not used yet shows its start value
                    value = ref.start if ref is not None else 1
                fmt = ref.fmt if ref is not None else "decimal"
                if lv.legal and fmt not in _NO_LABEL:
                    fmt = "decimal"
                out.append(format_number(value, fmt))
                i += 2
                continue
            out.append(ch)
            i += 1
        return " ".join("".join(out).split())


def numbered_labels(
    defs: ListDefinitions,
    paragraphs: Iterable[tuple[str | None, int | None, str | None]],
    wanted: Container[int] | None = None,
    bullets: bool = False,
) -> list[str]:
    """The label of each paragraph given as ``(numId, ilvl, paragraph style id)`` in document
    order (numId None or "0": not numbered, ""; ilvl None: the style's level, see
    :meth:`ListDefinitions.styled_level`). With ``wanted``, only the paragraphs at those
    positions are drawn (every one is counted); the others get "". With ``bullets``, a bullet
    level's paragraphs get its glyph, a :class:`Bullet`."""
    counter = Counter(defs, bullets)
    out: list[str] = []
    for i, (num_id, ilvl, style) in enumerate(paragraphs):
        if num_id is None or num_id == "0":
            out.append("")
            continue
        level = ilvl if ilvl is not None else defs.styled_level(num_id, style)
        out.append(counter.label(num_id, level, wanted is None or i in wanted))
    return out
