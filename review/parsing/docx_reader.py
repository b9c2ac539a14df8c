"""The .docx reader: one lxml walk over the main document body.

Why not python-docx's ``paragraph.text``/``paragraph.style``: it drops the text of tracked
insertions (``w:ins``) and of body-level content controls (``w:sdt``), and ``paragraph.style``
re-scans styles.xml on every call. Here the style table is resolved once per document (name,
heading level, outline level, bold, list) and the body is walked once.

Heading rules, strongest first:

1. outline level (on the paragraph, else along its style's ``w:basedOn`` chain; 9 = body text);
2. a Heading style, or a custom style based on one;
3. the Title style (the first one before any heading is the document title);
4. hand-typed numbering that is heading-like even without bold: "ARTICLE 3 – Staff",
   "Section IV.", "IV. Client Rights", "4.2 Confidentiality" (multi-level numbers count only when
   the document uses them at least twice; a plain "4 Scope" only when "4.x" headings follow);
   plain "3. Visitors" / "(c) Program Requirements." lines when the document uses them as a
   series (three or more, in sequence, each followed by body text; :func:`numbered_series`);
5. short paragraphs set apart from the body (pseudo-headings), including "(4) Training" and
   "1. Purpose": all bold, all underlined, or all in a larger type than the document's ordinary
   size - each only when it is not the document's ordinary body formatting;
6. run-in headings ("**Visitors.** Visitors must sign in ...", bold or underlined) and lines in
   capitals, when the document uses the pattern at least twice.

Heuristic headings (4-6) must read like a title (see :func:`reads_like_title`), sit outside
tables, lists and text boxes, and be followed by more text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass, field

from lxml import etree

from review.parsing import visibility as vis
from review.parsing.numbering import Bullet, ListDefinitions, numbered_labels
from review.parsing.sections import Block, collapse_ws, reads_like_title
from review.parsing.upload import REL_CORE, REL_STYLES, Package, refuse

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W_STRICT_NS = "http://purl.oclc.org/ooxml/wordprocessingml/main"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


W_BODY = _w("body")
W_P, W_R, W_T = _w("p"), _w("r"), _w("t")
W_TAB, W_PTAB, W_BR, W_CR = _w("tab"), _w("ptab"), _w("br"), _w("cr")
W_NOBREAKHYPHEN = _w("noBreakHyphen")
W_TBL, W_TR, W_TC = _w("tbl"), _w("tr"), _w("tc")
W_DEL, W_MOVEFROM = _w("del"), _w("moveFrom")
W_PPR, W_RPR, W_PSTYLE, W_RSTYLE = _w("pPr"), _w("rPr"), _w("pStyle"), _w("rStyle")
W_B, W_OUTLINELVL, W_NUMPR, W_VAL = _w("b"), _w("outlineLvl"), _w("numPr"), _w("val")
W_NUMID, W_ILVL = _w("numId"), _w("ilvl")
W_STYLE, W_NAME, W_BASEDON = _w("style"), _w("name"), _w("basedOn")
W_TYPE, W_STYLEID, W_DEFAULT = _w("type"), _w("styleId"), _w("default")
W_DOCDEFAULTS, W_RPRDEFAULT = _w("docDefaults"), _w("rPrDefault")
W_SECTPR = _w("sectPr")
W_DRAWING, W_PICT, W_OBJECT = _w("drawing"), _w("pict"), _w("object")
W_TXBXCONTENT = _w("txbxContent")
MC_FALLBACK = f"{{{MC_NS}}}Fallback"
MC_CHOICE = f"{{{MC_NS}}}Choice"
MC_ALTERNATE = f"{{{MC_NS}}}AlternateContent"
W_VANISH = _w("vanish")
W_U = _w("u")
W_COLOR, W_SZ, W_HIGHLIGHT, W_SHD = _w("color"), _w("sz"), _w("highlight"), _w("shd")
W_TCPR, W_TBLPR, W_TBLSTYLE, W_BACKGROUND = (
    _w("tcPr"),
    _w("tblPr"),
    _w("tblStyle"),
    _w("background"),
)
W_TBLLOOK, W_TBLSTYLEPR = _w("tblLook"), _w("tblStylePr")
W_FIRSTROW, W_FIRSTCOLUMN = _w("firstRow"), _w("firstColumn")
REL_THEME = "/theme"
REL_NUMBERING = "/numbering"

#: elements inside a paragraph whose runs are part of the visible text
_INLINE_CONTAINERS = frozenset(
    _w(t)
    for t in (
        "r",
        "hyperlink",
        "smartTag",
        "sdt",
        "sdtContent",
        "ins",
        "moveTo",
        "fldSimple",
        "customXml",
        "dir",
        "bdo",
        "rubyBase",
        "ruby",
    )
)
#: elements inside a run that may hold a text box (whose paragraphs are read separately)
_EMBEDS = frozenset({W_DRAWING, W_PICT, W_OBJECT, MC_ALTERNATE})
_OFF = frozenset({"0", "false", "off", "none"})


def _on(el: etree._Element) -> bool:
    """A toggle property (``<w:b/>``, ``<w:b w:val="0"/>``): absent val means on."""
    val = el.get(W_VAL)
    return val is None or val.lower() not in _OFF


# --------------------------------------------------------------------------- paragraph index space


def body_paragraph_elements(body) -> list:
    """Every ``w:p`` of the main document body in document order: paragraphs in tables, content
    controls, tracked insertions and text boxes included; the copies in the branch of an
    ``mc:AlternateContent`` that a reader does not render (see :func:`rendered_branch`)
    excluded. ``Section.first_par``/``last_par`` index this list; the report writer anchors
    comments with it, so this is the one definition both sides use."""
    paras = list(body.iter(W_P))
    if next(body.iter(MC_ALTERNATE), None) is None:
        return paras
    excluded: set = set()
    for ac in body.iter(MC_ALTERNATE):
        chosen = rendered_branch(ac)
        for branch in ac:
            if branch is not chosen:
                excluded.update(branch.iter(W_P))
    return [p for p in paras if p not in excluded]


# --------------------------------------------------------------------------- markup compatibility
#
# A conforming reader renders the first ``mc:Choice`` all of whose ``Requires`` prefixes name
# namespaces it understands, else ``mc:Fallback`` (ECMA-376 part 3). We understand the drawing
# namespaces Word 2010+ and LibreOffice both render as a Choice (shapes, groups, canvases, 2010
# word processing markup); for anything else — a future or made-up namespace — we read the
# Fallback, as they do. LibreOffice decides by the *prefix* it sees (``wps``), Word by the
# namespace the prefix is bound to: a known prefix bound to another namespace (or a known
# namespace under another prefix) makes the two disagree, and :func:`ambiguous_alternates`
# refuses such a package when the branches differ in text.

MC_UNDERSTOOD = {
    "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
    "wpg": "http://schemas.microsoft.com/office/word/2010/wordprocessingGroup",
    "wpc": "http://schemas.microsoft.com/office/word/2010/wordprocessingCanvas",
    "w14": "http://schemas.microsoft.com/office/word/2010/wordml",
}
_MC_UNDERSTOOD_URIS = frozenset(MC_UNDERSTOOD.values())


def _requires(choice: etree._Element) -> list[tuple[str, str | None]]:
    nsmap = choice.nsmap
    return [(pfx, nsmap.get(pfx)) for pfx in (choice.get("Requires") or "").split()]


def _by_namespace(choice: etree._Element) -> bool:
    """Word's view: every required prefix is bound to a namespace we understand."""
    req = _requires(choice)
    return bool(req) and all(uri in _MC_UNDERSTOOD_URIS for _, uri in req)


def _by_prefix(choice: etree._Element) -> bool:
    """LibreOffice's view: the Requires value is one understood prefix, whatever it is bound to."""
    return (choice.get("Requires") or "").strip() in MC_UNDERSTOOD


def _pick(ac: etree._Element, understood) -> etree._Element | None:
    fallback = None
    for branch in ac:
        if branch.tag == MC_CHOICE and understood(branch):
            return branch
        if branch.tag == MC_FALLBACK and fallback is None:
            fallback = branch
    return fallback


def rendered_branch(ac: etree._Element) -> etree._Element | None:
    """The branch of ``ac`` we read (None: nothing is rendered)."""
    return _pick(ac, _by_namespace)


def _branch_text(branch: etree._Element | None) -> str:
    if branch is None:
        return ""
    return " ".join("".join(t.text or "" for t in branch.iter(W_T)).split())


def ambiguous_alternates(root: etree._Element) -> bool:
    """Whether some ``mc:AlternateContent`` renders different text in Word and LibreOffice."""
    for ac in root.iter(MC_ALTERNATE):
        a, b = _pick(ac, _by_namespace), _pick(ac, _by_prefix)
        if a is not b and _branch_text(a) != _branch_text(b):
            return True
    return False


def _unrendered(el: etree._Element, stop: etree._Element | None = None) -> bool:
    """``el`` sits in a branch of an ``mc:AlternateContent`` that is not rendered."""
    for a in el.iterancestors():
        if a is stop:
            return False
        if a.tag in (MC_CHOICE, MC_FALLBACK):
            parent = a.getparent()
            if parent is not None and rendered_branch(parent) is not a:
                return True
    return False


# --------------------------------------------------------------------------- styles


@dataclass(slots=True)
class StyleInfo:
    name: str = ""
    heading: int | None = None  # 1..9 from a Heading style name along the chain
    outline: int | None = None  # 0..9 from w:outlineLvl along the chain
    title: bool = False
    bold: bool | None = None  # from the style's rPr along the chain
    is_list: bool = False  # a List style, or a style with numbering
    kind: str = "paragraph"
    hidden: bool | None = None  # w:vanish in the style's rPr along the chain
    underline: bool | None = None  # w:u in the style's rPr along the chain
    sid: str = ""  # the style's id (its run properties: Styles.run_base / Styles.look)
    num_id: str | None = None  # w:numPr/w:numId along the chain (Word's automatic numbering)
    num_ilvl: int | None = None  # w:numPr/w:ilvl along the chain
    contents: bool = False  # one of Word's table-of-contents styles ("toc 1" ...) along the chain


@dataclass(slots=True)
class Look:
    """What decides whether a style's text is visible (:mod:`.visibility`), along ``basedOn``;
    resolved the first time a paragraph, run or table uses the style (documents carry hundreds
    of styles and use a few)."""

    color: int | None = None  # rPr w:color (RGB or vis.AUTO)
    size: int | None = None  # rPr w:sz, half-points
    highlight: int | None = None  # rPr w:highlight (RGB or vis.CLEAR)
    rshd: int | None = None  # rPr w:shd (RGB, vis.CLEAR or vis.UNKNOWN)
    pshd: int | None = None  # pPr w:shd: the paragraph's shading
    table_fill: bool = False  # a table style that shades something (its cells: unknown fill)


_HEADING_NAME = re.compile(r"^heading\s*([1-9])$")
#: Word's styles of table-of-contents entries ("toc 1" … "toc 9"; the user interface says "TOC 1")
_TOC_NAME = re.compile(r"^toc\s*[1-9]$")
#: the run properties a style's chain resolves as on/off (StyleInfo attribute, element)
_STYLE_TOGGLES = (("bold", W_B), ("hidden", W_VANISH), ("underline", W_U))


class Styles:
    """The style table, resolved once: style id → :class:`StyleInfo` with inheritance applied."""

    def __init__(self, root: etree._Element | None, theme: dict[str, int] | None = None):
        raw: dict[str, tuple[etree._Element, str]] = {}
        self.theme = theme or {}
        self.default_paragraph: str | None = None
        self.default_bold = False
        self.default_hidden = False
        self.default_underline = False
        #: document defaults (docDefaults rPr): color, size, highlight, run shading
        self.default_run = Look()
        self._bases: dict[str | None, RunBase] = {}
        self._looks: dict[str, Look] = {}
        if root is not None:
            for st in root.iter(W_STYLE):
                sid = st.get(W_STYLEID)
                if sid is None:
                    continue
                kind = st.get(W_TYPE) or "paragraph"
                raw[sid] = (st, kind)
                if kind == "paragraph" and _on_attr(st.get(W_DEFAULT)):
                    self.default_paragraph = sid
            dd = root.find(W_DOCDEFAULTS)
            if dd is not None:
                rpr = dd.find(f"{W_RPRDEFAULT}/{W_RPR}")
                b = rpr.find(W_B) if rpr is not None else None
                self.default_bold = b is not None and _on(b)
                v = rpr.find(W_VANISH) if rpr is not None else None
                self.default_hidden = v is not None and _on(v)
                u = rpr.find(W_U) if rpr is not None else None
                self.default_underline = u is not None and _on(u)
                if rpr is not None:
                    _look(rpr, self.default_run, self.theme)
        self._raw = raw
        self.info: dict[str, StyleInfo] = {}
        for sid in raw:
            self.info[sid] = self._resolve(sid, raw)

    @staticmethod
    def _resolve(sid: str, raw: dict[str, tuple[etree._Element, str]]) -> StyleInfo:
        out = StyleInfo(kind=raw[sid][1], sid=sid)
        first = True
        for _st, _kind, name_el, ppr, rpr in _style_chain(raw, sid):
            name = (name_el.get(W_VAL) or "") if name_el is not None else ""
            lname = name.strip().lower()
            if first:
                out.name = name
                first = False
            m = _HEADING_NAME.match(lname)
            if m and out.heading is None:
                out.heading = int(m.group(1))
            if lname == "title" and out.heading is None:
                out.title = True
            if _TOC_NAME.match(lname):
                out.contents = True
            if "list" in lname:
                out.is_list = True
            if ppr is not None:
                ol = _child(ppr, W_OUTLINELVL)
                if ol is not None and out.outline is None:
                    out.outline = _int(ol.get(W_VAL), 9)
                numpr = _child(ppr, W_NUMPR)
                if numpr is not None:
                    out.is_list = True
                    num_id, ilvl = _num_pr(numpr)
                    if out.num_id is None:
                        out.num_id = num_id
                    if out.num_ilvl is None:
                        out.num_ilvl = ilvl
            if rpr is not None:
                # toggles: the nearest style in the chain that sets one decides it
                for attr, tag in _STYLE_TOGGLES:
                    if getattr(out, attr) is None:
                        el = _child(rpr, tag)
                        if el is not None:
                            setattr(out, attr, _on(el))
        return out

    def look(self, sid: str | None) -> Look | None:
        """The visibility properties of style ``sid`` (None: no such style), once per style."""
        if sid is None:
            return None
        lk = self._looks.get(sid)
        if lk is not None or sid not in self._raw:
            return lk
        lk = Look()
        theme = self.theme
        for st, kind, _name, ppr, rpr in _style_chain(self._raw, sid):
            if rpr is not None:
                _look(rpr, lk, theme)
            if ppr is not None and lk.pshd is None:
                shd = _child(ppr, W_SHD)
                if shd is not None:
                    lk.pshd = vis.shading_color(shd, theme)
            if kind == "table" and not lk.table_fill:
                lk.table_fill = any(
                    vis.shading_color(shd, theme) not in (vis.CLEAR, vis.WHITE)
                    for shd in st.iter(W_SHD)
                )
        self._looks[sid] = lk
        return lk

    def table_bold(self, sid: str | None) -> tuple[bool | None, bool | None, bool | None]:
        """Whether table style ``sid`` sets its text bold: in the whole table, in the first
        row and in the first column (``w:tblStylePr`` of type firstRow / firstCol), each None
        where the style and those it is based on say nothing."""
        whole = row = col = None
        if sid is None or sid not in self._raw:
            return whole, row, col
        for st, _kind, _name, _ppr, rpr in _style_chain(self._raw, sid):
            b = _child(rpr, W_B) if rpr is not None else None
            if whole is None and b is not None:
                whole = _on(b)
            for cond in st:
                if cond.tag != W_TBLSTYLEPR or cond.get(W_TYPE) not in ("firstRow", "firstCol"):
                    continue
                crpr = _child(cond, W_RPR)
                b = _child(crpr, W_B) if crpr is not None else None
                if b is None:
                    continue
                if cond.get(W_TYPE) == "firstRow" and row is None:
                    row = _on(b)
                elif cond.get(W_TYPE) == "firstCol" and col is None:
                    col = _on(b)
        return whole, row, col

    def get(self, sid: str | None) -> StyleInfo | None:
        if sid is None:
            sid = self.default_paragraph
        return self.info.get(sid) if sid is not None else None

    def run_base(self, sid: str | None) -> RunBase:
        """What a run in a paragraph of style ``sid`` looks like unless it says otherwise
        (the paragraph style, else the document defaults): resolved once per style."""
        base = self._bases.get(sid)
        if base is None:
            info = self.get(sid)
            lk = self.look(sid if sid is not None else self.default_paragraph) or Look()
            d = self.default_run
            hidden = info.hidden if info is not None and info.hidden is not None else None
            base = RunBase(
                self.default_hidden if hidden is None else hidden,
                _first(lk.color, d.color),
                _first(lk.size, d.size),
                _first(lk.highlight, d.highlight),
                _first(lk.rshd, d.rshd),
                lk.pshd,
            )
            self._bases[sid] = base
        return base


@dataclass(slots=True, frozen=True)
class RunBase:
    """A paragraph style's run properties (with the document defaults under them)."""

    hidden: bool
    color: int | None
    size: int | None
    highlight: int | None
    rshd: int | None
    pshd: int | None  # the paragraph style's shading


def _first(a, b):
    return a if a is not None else b


def _look(rpr: etree._Element, out: Look, theme: dict[str, int]) -> None:
    """Fill the visibility fields of ``out`` still unset from a style's ``w:rPr``."""
    for c in rpr:
        tag = c.tag
        if tag == W_COLOR:
            if out.color is None:
                out.color = vis.text_color(c, theme)
        elif tag == W_SZ:
            if out.size is None:
                out.size = _size(c)
        elif tag == W_HIGHLIGHT:
            if out.highlight is None:
                out.highlight = vis.highlight_color(c)
        elif tag == W_SHD and out.rshd is None:
            out.rshd = vis.shading_color(c, theme)


_Props = etree._Element | None


def _style_chain(
    raw: dict[str, tuple[etree._Element, str]], sid: str
) -> Iterator[tuple[etree._Element, str, _Props, _Props, _Props]]:
    """Style ``sid`` and the styles it is ``w:basedOn``, nearest first (a loop or a chain
    longer than 32 ends it): ``(element, kind, w:name, w:pPr, w:rPr)`` of each, found in one
    pass over its children instead of four ElementPath ``find()`` calls."""
    seen: set[str] = set()
    cur: str | None = sid
    while cur is not None and cur in raw and cur not in seen and len(seen) < 32:
        seen.add(cur)
        st, kind = raw[cur]
        name_el = ppr = rpr = based = None
        for c in st:
            tag = c.tag
            if tag == W_NAME:
                if name_el is None:
                    name_el = c
            elif tag == W_PPR:
                if ppr is None:
                    ppr = c
            elif tag == W_RPR:
                if rpr is None:
                    rpr = c
            elif tag == W_BASEDON and based is None:
                based = c
        yield st, kind, name_el, ppr, rpr
        cur = based.get(W_VAL) if based is not None else None


def _num_pr(numpr: etree._Element) -> tuple[str | None, int | None]:
    """``(w:numId, w:ilvl)`` of a ``w:numPr``, each None when it is not given."""
    num_id = ilvl = None
    for c in numpr:
        if c.tag == W_NUMID and num_id is None:
            num_id = c.get(W_VAL)
        elif c.tag == W_ILVL and ilvl is None:
            ilvl = _int(c.get(W_VAL), 0)
    return num_id, ilvl


def _child(el: etree._Element, tag: str) -> etree._Element | None:
    """``el.find(tag)`` for a plain tag, without lxml's ElementPath machinery (~5x faster on
    the handful of children a properties element has)."""
    for c in el:
        if c.tag == tag:
            return c
    return None


def _size(el: etree._Element) -> int | None:
    """A ``w:sz`` in half-points (None when it is not a whole number)."""
    val = el.get(W_VAL)
    if val is None or not val.isdigit():
        return None
    return int(val)


def _on_attr(val: str | None) -> bool:
    return val is not None and val.lower() not in _OFF


def _int(val: str | None, default: int) -> int:
    try:
        return int(val or "")
    except ValueError:
        return default


# --------------------------------------------------------------------------- text


#: what an element inside a paragraph contributes: a string (tab, break, hyphen), _DESCEND for
#: inline containers, _EMBED for possible text boxes; anything else (properties, deleted runs,
#: field instructions) contributes nothing. One dict look-up a child instead of a chain of tests.
_DESCEND, _EMBED, _ALTERNATE = 1, 2, 3
_INLINE_KIND: dict[str, str | int] = {
    **dict.fromkeys(_INLINE_CONTAINERS, _DESCEND),
    **dict.fromkeys(_EMBEDS, _EMBED),
    MC_ALTERNATE: _ALTERNATE,
    W_TAB: "\t",
    W_PTAB: "\t",
    W_BR: "\n",
    W_CR: "\n",
    W_NOBREAKHYPHEN: "-",
}


#: why a run is left out: hidden (``w:vanish``) or invisible (colored like what it sits on, or
#: under 2 pt; see :mod:`.visibility`)
HIDDEN, INVISIBLE = "hidden", "invisible"


@dataclass(slots=True)
class Hidden:
    """What decides whether a run shows in one paragraph: the character styles, the paragraph
    style's (or the document default's) run properties, and the color behind the paragraph's
    text (``bg``: its shading, else the cell's, the text box's or the page's)."""

    styles: Styles
    base: bool  # hidden unless the run says otherwise
    color: int | None = None
    size: int | None = None
    highlight: int | None = None
    rshd: int | None = None
    bg: int = vis.WHITE
    #: why a run that sets nothing of its own is left out (None: it shows)
    plain: str | None = None
    unseen: bool = False  # the paragraph's own run properties are invisible

    @classmethod
    def of(cls, styles: Styles, sid: str | None, bg: int) -> Hidden:
        b = styles.run_base(sid)
        h = cls(styles, b.hidden, b.color, b.size, b.highlight, b.rshd, bg)
        h.unseen = vis.invisible(b.color, b.size, vis.behind(b.highlight, b.rshd, bg))
        h.plain = HIDDEN if b.hidden else INVISIBLE if h.unseen else None
        return h


#: run properties that bear on whether a run shows
_RPR_VANISH, _RPR_RSTYLE, _RPR_COLOR, _RPR_SZ, _RPR_HIGHLIGHT, _RPR_SHD = range(6)
_RPR_KIND = {
    W_VANISH: _RPR_VANISH,
    W_RSTYLE: _RPR_RSTYLE,
    W_COLOR: _RPR_COLOR,
    W_SZ: _RPR_SZ,
    W_HIGHLIGHT: _RPR_HIGHLIGHT,
    W_SHD: _RPR_SHD,
}


def _run_skip(r: etree._Element, hid: Hidden) -> str | None:
    """Why run ``r`` is left out (:data:`HIDDEN`, :data:`INVISIBLE`), or None when it shows.
    Each property: the run's own > its character style (along ``basedOn``) > the paragraph
    style > the document defaults."""
    rpr = r[0] if len(r) and r[0].tag == W_RPR else None
    if rpr is None:
        return hid.plain
    found: list = [None] * 6
    kinds = _RPR_KIND
    any_found = False
    for c in rpr:
        k = kinds.get(c.tag)
        if k is not None and found[k] is None:
            found[k] = c
            any_found = True
    if not any_found:
        return hid.plain
    vanish, rs, color, sz, hl, shd = found
    rsid = rs.get(W_VAL) if rs is not None else None
    if vanish is not None:
        hidden = _on(vanish)
    else:
        ch = hid.styles.info.get(rsid) if rsid is not None else None
        hidden = ch.hidden if ch is not None and ch.hidden is not None else hid.base
    if hidden:
        return HIDDEN
    cs = hid.styles.look(rsid)
    if color is None and sz is None and hl is None and shd is None and cs is None:
        return INVISIBLE if hid.unseen else None  # a w:vanish w:val="0" only
    theme = hid.styles.theme
    col = vis.text_color(color, theme) if color is not None else None
    if col is None:
        col = cs.color if cs is not None and cs.color is not None else hid.color
    size = _size(sz) if sz is not None else None
    if size is None:
        size = cs.size if cs is not None and cs.size is not None else hid.size
    high = vis.highlight_color(hl) if hl is not None else None
    if high is None:
        high = cs.highlight if cs is not None and cs.highlight is not None else hid.highlight
    rshd = vis.shading_color(shd, theme) if shd is not None else None
    if rshd is None:
        rshd = cs.rshd if cs is not None and cs.rshd is not None else hid.rshd
    if vis.invisible(col, size, vis.behind(high, rshd, hid.bg)):
        return INVISIBLE
    return None


def _inline_text(
    el: etree._Element,
    out: list[str],
    embeds: list[bool],
    hid: Hidden | None = None,
    dropped: list[tuple[str | None, str]] | None = None,
) -> None:
    """Visible text of a paragraph (or part of it), in order. Deleted runs (``w:del``), field
    instructions (``w:instrText``), runs Word does not show (when ``hid`` is given: hidden,
    colored like their background, tiny; see :func:`_run_skip`) and paragraph properties are
    skipped by not descending into them; of an ``mc:AlternateContent`` only the rendered branch
    is read; text boxes are noted in ``embeds`` and read as paragraphs of their own. With
    ``dropped``, the text of the runs left out goes there as ``(reason, text)``, and a
    ``(None, "")`` marks shown text between them (see :func:`_count_words`)."""
    kinds = _INLINE_KIND
    for child in el:
        tag = child.tag
        if tag == W_T:
            t = child.text
            if t:
                out.append(t)
            continue
        kind = kinds.get(tag)
        if kind is None:
            continue
        if kind is _DESCEND:
            if hid is not None and tag == W_R:
                # a run without properties looks like its paragraph: no call
                why = _run_skip(child, hid) if len(child) and child[0].tag == W_RPR else hid.plain
                if why is not None:
                    if why == INVISIBLE:  # a text box anchored here still shows
                        gone: list[str] = []
                        _inline_text(child, gone, embeds)
                    elif dropped is not None:
                        gone = []
                        _inline_text(child, gone, [])
                    if dropped is not None:
                        dropped.append((why, "".join(gone)))
                    continue
                if dropped:
                    n = len(out)
                    _inline_text(child, out, embeds, hid, dropped)
                    if len(out) > n and dropped[-1][0] is not None:
                        dropped.append((None, ""))
                    continue
            _inline_text(child, out, embeds, hid, dropped)
        elif kind is _EMBED:
            embeds.append(True)
        elif kind is _ALTERNATE:
            branch = rendered_branch(child)
            if branch is not None:
                _inline_text(branch, out, embeds, hid, dropped)
        else:
            out.append(kind)


def _count_words(dropped: list[tuple[str | None, str]], counts: dict[str, int]) -> None:
    """Add the words of the text left out of one paragraph to ``counts`` (by reason). Runs
    left out for the same reason with no shown text between them are read together, so a
    word split over two runs counts once."""
    reason: str | None = None
    buf: list[str] = []
    for why, text in [*dropped, (None, "")]:
        if why != reason:
            if reason is not None:
                n = len("".join(buf).split())
                if n:
                    counts[reason] = counts.get(reason, 0) + n
            buf = []
            reason = why
        if why is not None:
            buf.append(text)


def _run_text(r: etree._Element, hid: Hidden | None = None) -> str:
    if hid is not None and _run_skip(r, hid) is not None:
        return ""
    parts: list[str] = []
    _inline_text(r, parts, [], hid)
    return "".join(parts)


# --------------------------------------------------------------------------- blocks


@dataclass(slots=True)
class _Para:
    """A body-level paragraph, before heading decisions."""

    el: etree._Element
    text: str
    index: int
    style: StyleInfo | None
    outline: int | None  # direct w:outlineLvl on the paragraph
    numbered: bool  # direct w:numPr
    in_box: bool = False  # inside a text box
    heading: int | str | None = None  # _style_heading(self), set once by _decide_headings
    hid: Hidden | None = None  # set when the document hides text somewhere
    emph: Emphasis | None = None  # _emphasis(self), computed when first asked
    #: in a table cell: whether the table style sets the cell's text bold (None: it does not say)
    table_bold: bool | None = None


def _ppr(p: etree._Element) -> tuple[str | None, int | None, bool, etree._Element | None]:
    """A paragraph's style id, direct outline level, whether it has its own ``w:numPr``, and
    its direct shading."""
    sid = outline = shd = None
    numbered = False
    if len(p):
        ppr = p[0]
        if ppr.tag == W_PPR:
            # one pass over the few property children: lxml's find() goes through
            # ElementPath and costs ~1 us a call, three calls a paragraph
            ps = ol = None
            for c in ppr:
                tag = c.tag
                if tag == W_PSTYLE:
                    if ps is None:
                        ps = c
                elif tag == W_OUTLINELVL:
                    if ol is None:
                        ol = c
                elif tag == W_NUMPR:
                    numbered = True
                elif tag == W_SHD and shd is None:
                    shd = c
            if ps is not None:
                sid = ps.get(W_VAL)
            if ol is not None:
                outline = _int(ol.get(W_VAL), 9)
    return sid, outline, numbered, shd


def _table_look(
    tbl: etree._Element, styles: Styles
) -> tuple[bool | None, bool | None, bool | None]:
    """What a table's style says of the bold of its cells' text: in the whole table, in the
    first row and in the first column, the last two only where the table turns them on
    (``w:tblLook``: ``w:firstRow``/``w:firstColumn``, or the older hexadecimal ``w:val``)."""
    tblpr = _child(tbl, W_TBLPR)
    ts = _child(tblpr, W_TBLSTYLE) if tblpr is not None else None
    if ts is None:
        return None, None, None
    whole, row, col = styles.table_bold(ts.get(W_VAL))
    look = _child(tblpr, W_TBLLOOK)
    first_row = first_col = False
    if look is not None:
        val = look.get(W_VAL)
        bits = int(val, 16) if val and re.fullmatch(r"[0-9A-Fa-f]{1,4}", val) else 0
        fr, fc = look.get(W_FIRSTROW), look.get(W_FIRSTCOLUMN)
        first_row = _on_attr(fr) if fr is not None else bool(bits & 0x0020)
        first_col = _on_attr(fc) if fc is not None else bool(bits & 0x0080)
    return whole, row if first_row else None, col if first_col else None


@dataclass(slots=True)
class _Cell:
    """A table cell with text: the color behind it and its paragraphs with text."""

    bg: int
    paras: list[_Para]


@dataclass(slots=True)
class _Row:
    """A table row of two cells with text: its table (``id``), its place in the table, and the
    cells."""

    table: int
    n: int
    label: _Cell
    body: _Cell


class _Walker:
    """Walks the body once, producing paragraphs (body level) and table rows in reading order.
    ``hides`` says whether runs are checked for text Word does not show (hidden, colored like
    their background, tiny: see :func:`_run_skip`); ``page`` is the page color. The words left
    out are counted in ``left_out`` by reason."""

    def __init__(
        self, index: dict, styles: Styles, hides: bool = False, page: int = vis.WHITE
    ) -> None:
        self.index = index
        self.styles = styles
        self.hides = hides
        self.bg = page  # the color behind the paragraphs being read: the page's or a cell's
        self.items: list[_Para | Block] = []
        #: each two-cell row of a table that is not inside another table, by ``id`` of its row
        #: block, for :func:`_table_titles` to decide whether the row is a section
        #: ("PURPOSE | To establish ..." in a policy laid out as a table)
        self.rows: dict[int, _Row] = {}
        self.nested = 0  # depth of the table being read inside another table's cell
        self.left_out: dict[str, int] = {}
        self._hids: dict[tuple[str | None, int, int | None], Hidden] = {}

    def _idx(self, p: etree._Element) -> int:
        return self.index.get(p, -1)

    def blocks(self, container: etree._Element) -> None:
        for child in container:
            tag = child.tag
            if tag == W_P:
                self.paragraph(child)
            elif tag == W_TBL:
                self.table(child)
            elif tag == MC_ALTERNATE:
                branch = rendered_branch(child)
                if branch is not None:
                    self.blocks(branch)
            elif tag in (W_SECTPR, W_DEL, W_MOVEFROM, MC_FALLBACK, MC_CHOICE):
                continue  # deleted or unrendered content: in the index space, not in the text
            elif isinstance(tag, str):
                self.blocks(child)  # w:sdt, w:sdtContent, w:ins, w:customXml ...

    def _hid(self, sid: str | None, shd: etree._Element | None = None) -> Hidden | None:
        """The run filter of a paragraph of style ``sid`` with direct shading ``shd``, on the
        current background: one per (style, background), shared by its paragraphs."""
        if not self.hides:
            return None
        own = vis.shading_color(shd, self.styles.theme) if shd is not None else None
        key = (sid, self.bg, own)
        hid = self._hids.get(key)
        if hid is None:
            bg = self.bg
            if own is None:  # no shading of its own: the paragraph style's, if any
                pshd = self.styles.run_base(sid).pshd
                if pshd is not None and pshd != vis.CLEAR:
                    bg = pshd
            elif own != vis.CLEAR:  # (an explicit "no shading" clears the style's)
                bg = own
            hid = self._hids[key] = Hidden.of(self.styles, sid, bg)
        return hid

    def _read(self, p: etree._Element, hid: Hidden | None) -> tuple[str, bool]:
        """A paragraph's shown text, whether it anchors text boxes; the words left out
        counted."""
        parts: list[str] = []
        embeds: list[bool] = []
        if hid is None:
            _inline_text(p, parts, embeds)
        else:
            dropped: list[tuple[str | None, str]] = []
            _inline_text(p, parts, embeds, hid, dropped)
            if dropped:
                _count_words(dropped, self.left_out)
        return "".join(parts), bool(embeds)

    def _text(self, p: etree._Element) -> tuple[str, bool]:
        sid, _, _, shd = _ppr(p)
        return self._read(p, self._hid(sid, shd))

    def paragraph(self, p: etree._Element) -> None:
        sid, outline, numbered, shd = _ppr(p)
        hid = self._hid(sid, shd)
        text, embeds = self._read(p, hid)
        para = _Para(
            p,
            text,
            self.index.get(p, -1),
            self.styles.get(sid),
            outline,
            numbered,
        )
        para.hid = hid
        self.items.append(para)
        if embeds:
            self._boxes(p)

    def _boxes(self, p: etree._Element) -> None:
        """Paragraphs inside text boxes anchored in ``p``: plain body text after it."""
        for box in p.iter(W_TXBXCONTENT):
            if _unrendered(box, p):
                continue
            outer = self.bg
            if self.hides:
                fill = vis.shape_fill(box, self.styles.theme)
                if fill != vis.CLEAR:
                    self.bg = fill
            try:
                for q in box.iter(W_P):
                    if q.getparent() is not None and any(
                        a.tag == W_TXBXCONTENT and a is not box for a in _ancestors_until(q, box)
                    ):
                        continue  # a box inside a box: read when that box is visited
                    text, _ = self._text(q)
                    i = self._idx(q)
                    self.items.append(_Para(q, text, i, None, None, False, in_box=True))
            finally:
                self.bg = outer

    def _cell_bg(self, tc: etree._Element, table_bg: int) -> int:
        """The color behind a cell's text: its own shading, else the table's (``table_bg``)."""
        if len(tc) and tc[0].tag == W_TCPR:
            shd = _child(tc[0], W_SHD)
            if shd is not None:
                own = vis.shading_color(shd, self.styles.theme)
                if own != vis.CLEAR:
                    return own
        return table_bg

    def _table_bg(self, tbl: etree._Element) -> int:
        """The color behind a table's cells that set none: the table's shading, else unknown
        when its table style shades anything (banding, header rows), else what is behind it."""
        tblpr = _child(tbl, W_TBLPR)
        if tblpr is None:
            return self.bg
        shd = _child(tblpr, W_SHD)
        if shd is not None:
            own = vis.shading_color(shd, self.styles.theme)
            if own != vis.CLEAR:
                return own
        ts = _child(tblpr, W_TBLSTYLE)
        lk = self.styles.look(ts.get(W_VAL)) if ts is not None else None
        if lk is not None and lk.table_fill:
            return vis.UNKNOWN
        return self.bg

    def table(self, tbl: etree._Element) -> None:
        rows = list(_children(tbl, W_TR))
        # a one-row, one-cell table is how some documents box a heading: marked, decided later
        single = len(rows) == 1 and len(list(_children(rows[0], W_TC))) == 1
        outer = self.bg
        table_bg = self._table_bg(tbl) if self.hides else outer
        whole_bold, row_bold, col_bold = _table_look(tbl, self.styles)
        try:
            for n_row, tr in enumerate(rows):
                cells: list[str] = []
                idxs: list[int] = []
                nested: list[tuple[etree._Element, int]] = []
                shown: list[_Cell] = []  # the cells with text
                for n_col, tc in enumerate(_children(tr, W_TC)):
                    parts: list[str] = []
                    own: list[_Para] = []
                    # the table style's bold: its first row's over its first column's
                    bold = row_bold if n_row == 0 and row_bold is not None else None
                    if bold is None:
                        bold = col_bold if n_col == 0 and col_bold is not None else whole_bold
                    self.bg = self._cell_bg(tc, table_bg) if self.hides else outer
                    for el in _cell_blocks(tc):
                        if el.tag == W_TBL:
                            nested.append((el, self.bg))
                            continue
                        sid, outline, numbered, shd = _ppr(el)
                        hid = self._hid(sid, shd)
                        raw, _ = self._read(el, hid)
                        i = self._idx(el)
                        if i >= 0:
                            idxs.append(i)
                        text = collapse_ws(raw)
                        if text:
                            parts.append(text)
                            if len(shown) < 2:  # (as the heading rules read paragraphs)
                                st = self.styles.get(sid)
                                own.append(
                                    _Para(
                                        el, raw, i, st, outline, numbered, hid=hid, table_bold=bold
                                    )
                                )
                    if parts:
                        cells.append(" ".join(parts))
                        shown.append(_Cell(self.bg, own))
                self.bg = outer
                if cells:
                    lo = min(idxs) if idxs else -1
                    hi = max(idxs) if idxs else -1
                    row = Block(
                        " | ".join(cells), lo, hi, 0, _BOXED if single and not nested else ""
                    )
                    self.items.append(row)
                    if len(shown) == 2 and not nested and not self.nested:
                        self.rows[id(row)] = _Row(id(tbl), n_row, shown[0], shown[1])
                for inner, bg in nested:
                    self.bg = bg
                    self.nested += 1
                    try:
                        self.table(inner)
                    finally:
                        self.nested -= 1
                    self.bg = outer
        finally:
            self.bg = outer


#: kind of a body block that is the only cell of a one-row table (a heading candidate)
_BOXED = "boxed"


def _ancestors_until(el: etree._Element, stop: etree._Element):
    for a in el.iterancestors():
        if a is stop:
            return
        yield a


def _children(el: etree._Element, tag: str):
    """Direct ``tag`` children, looking through wrappers (w:sdt, w:customXml, w:ins ...)."""
    for child in el:
        if child.tag == tag:
            yield child
        elif child.tag == MC_ALTERNATE:
            branch = rendered_branch(child)
            if branch is not None:
                yield from _children(branch, tag)
        elif child.tag in (W_DEL, W_MOVEFROM, MC_FALLBACK, MC_CHOICE) or not isinstance(
            child.tag, str
        ):
            continue
        elif child.tag not in (W_TBL, W_P) and len(child):
            yield from _children(child, tag)


def _cell_blocks(tc: etree._Element):
    """Paragraphs and nested tables of a cell, in order, looking through wrappers."""
    for child in tc:
        tag = child.tag
        if tag in (W_P, W_TBL):
            yield child
        elif tag == MC_ALTERNATE:
            branch = rendered_branch(child)
            if branch is not None:
                yield from _cell_blocks(branch)
        elif tag in (W_DEL, W_MOVEFROM, MC_FALLBACK, MC_CHOICE) or not isinstance(tag, str):
            continue
        elif len(child):
            yield from _cell_blocks(child)


# --------------------------------------------------------------------------- heading heuristics

_RE_MULTI = re.compile(r"^(\d{1,3}(?:\.\d{1,3}){1,4})\.?\s+(\S.*)$", re.S)
_RE_SINGLE = re.compile(r"^(\d{1,3})(?:[.)]\s*|\s+)(\S.*)$", re.S)
_RE_KEYWORD = re.compile(
    r"^(article|section|subsection|chapter|subchapter|part|subpart|division|title|rule|"
    r"regulation|policy|procedure|standard|appendix|attachment|exhibit|schedule|§{1,2})"
    r"(?:(?<=§)\s*|\s+)"
    r"(\d{1,4}[a-z]?(?:[.:\-]\d{1,4}[a-z]?)*|[ivxlc]{1,7}|[a-z])\b\.?\s*(?:[-\u2013\u2014:.]+\s*)?(.*)$",
    re.I | re.S,
)
#: statute and code numbering: "182-1.5", "3A.06.010", "75:30-3-2.", "2.80.030" - a number with
#: at least one separator and something a plain "4.2" outline number has not (a letter, a dash or
#: colon, or a component of four or more digits; "2.80.030" counts by its three levels)
_RE_CODE = re.compile(
    r"^(\d{1,5}[A-Za-z]{0,2}(?:[.:\-]\d{1,5}[A-Za-z]{0,2}){1,5})\.?\s+(?:[-\u2013\u2014]+\s*)?(\S.*)$",
    re.S,
)
_RE_ROMAN = re.compile(r"^([IVX]{1,6})\.\s+(\S.*)$", re.S)
_RE_SUB = re.compile(r"^(?:\((?:\d{1,3}|[a-zA-Z]|[ivx]{1,5})\)|[A-Za-z][.)])\s+(\S.*)$", re.S)


#: a paragraph longer than this (before whitespace is collapsed) is never a heuristic heading
MAX_HEADING_SOURCE = 240


@dataclass(slots=True)
class Numbering:
    """What a hand-typed heading number says: its kind and depth."""

    kind: str  # keyword | code | roman | multi | single | sub
    depth: int
    number: str
    rest: str
    keyword: str = ""


def numbering(text: str) -> Numbering | None:
    """Recognise a hand-typed heading number at the start of ``text``."""
    m = _RE_KEYWORD.match(text)
    if m and (text[0].isupper() or text[0] == "§"):
        kw = m.group(1).lower()
        return Numbering(
            "keyword", 1, m.group(2), m.group(3).strip(), "section" if kw.startswith("§") else kw
        )
    m = _RE_MULTI.match(text)
    if m and not _code_like(m.group(1)):
        return Numbering("multi", m.group(1).count(".") + 1, m.group(1), m.group(2).strip())
    m = _RE_CODE.match(text)
    if m and _code_like(m.group(1)):
        return Numbering("code", 1, m.group(1), m.group(2).strip())
    m = _RE_ROMAN.match(text)
    if m:
        return Numbering("roman", 1, m.group(1), m.group(2).strip())
    m = _RE_SINGLE.match(text)
    if m:
        return Numbering("single", 1, m.group(1), m.group(2).strip())
    m = _RE_SUB.match(text)
    if m:
        return Numbering("sub", 1, "", m.group(1).strip())
    return None


def _code_like(number: str) -> bool:
    """A statute/code number rather than an outline number: it has a letter, a dash or a colon,
    a component of four or more digits, or three levels with a zero-padded one ("2.80.030")."""
    if any(c.isalpha() or c in "-:" for c in number):
        return True
    parts = number.split(".")
    if any(len(x) >= 4 for x in parts):
        return True
    return len(parts) >= 3 and any(len(x) == 3 and x.startswith("0") for x in parts)


def numbered_title_ok(num: Numbering, max_words: int = 14) -> bool:
    """Whether the words after a heading number read like a title. Numbered headings of codes and
    regulations often end with a period or a colon ("(c) Program Requirements.", "B. Referral or
    Duty Status:"), so one trailing period or colon is allowed here; the rest must still start
    with a capital, stay short and not end like a clause."""
    rest = num.rest.strip()
    if not rest:
        return num.kind in ("keyword", "code")
    if rest[-1] in ".:" and rest[:-1].rstrip()[-1:] not in ".:":
        rest = rest[:-1].rstrip()
    if not rest or rest.count(". ") > 1:  # several sentences: body text
        return False
    return reads_like_title(rest, max_words=max_words)


def strong_numbered_title(text: str, num: Numbering) -> bool:
    """Whether a *plain* (not bold) numbered line is a heading by its pattern alone."""
    if num.kind == "keyword":
        return num.rest == "" or reads_like_title(num.rest, max_words=10)
    if num.kind == "code":
        return numbered_title_ok(num, max_words=12)
    if num.kind in ("roman", "multi", "single"):
        return reads_like_title(num.rest, max_words=10) and not num.rest.endswith(".")
    return False


class NumberedTitles:
    """Which plain numbered lines are headings by their pattern, from how the whole document
    numbers its titles: "4.2 Intake" when two or more such "multi" titles occur, a statute
    number ("3A.06.040 ...") when two or more occur, "4 Intake" when "4.x" titles do, and
    keywords ("SECTION 5") and Roman numerals always. Shared by the .docx and PDF readers;
    :meth:`see` every numbered line first, then ask :meth:`plain_heading`."""

    def __init__(self) -> None:
        self.multi = 0
        self.code = 0
        self.prefixes: set[str] = set()

    def see(self, text: str, num: Numbering) -> None:
        # the counts are only ever compared with 2: once 2 (and the prefix known), another
        # strong title changes nothing, so its wording is not checked
        if num.kind == "code" and self.code < 2:
            self.code += strong_numbered_title(text, num)
        elif num.kind == "multi":
            prefix = num.number.split(".")[0]
            if (self.multi < 2 or prefix not in self.prefixes) and strong_numbered_title(text, num):
                self.multi += 1
                self.prefixes.add(prefix)

    def plain_heading(self, text: str, num: Numbering) -> bool:
        return strong_numbered_title(text, num) and (
            num.kind in ("keyword", "roman")
            or (num.kind == "multi" and self.multi >= 2)
            or (num.kind == "code" and self.code >= 2)
            or (num.kind == "single" and self.multi >= 2 and num.number in self.prefixes)
        )


class Leveler:
    """Turns heading kinds into levels as the document goes: typed numbering nests below the
    last Word heading style; bold pseudo-headings sit one below the last real heading;
    "(4)"/"a." sub-numbered bold headings one below the last non-sub heading."""

    def __init__(self) -> None:
        self.style_level = 0  # last style heading's level
        self.real_level = 0  # last style or numbered heading's level
        self.nonsub_level = 0  # last style, numbered or plain bold heading's level
        self.saw_part = False  # ARTICLE/CHAPTER/PART seen: SECTION nests below

    def style(self, level: int) -> int:
        self.style_level = self.real_level = self.nonsub_level = level
        return level

    def numbered(self, num: Numbering) -> int:
        if num.kind == "keyword":
            if num.keyword in ("article", "chapter", "part"):
                self.saw_part = True
                depth = 1
            else:
                depth = 2 if self.saw_part else 1
        else:
            depth = num.depth
        level = min(self.style_level + depth, 9)
        self.real_level = self.nonsub_level = level
        return level

    def bold(self) -> int:
        level = min(self.real_level + 1, 9)
        self.nonsub_level = level
        return level

    def sub(self) -> int:
        return min(self.nonsub_level + 1, 9)

    def listed(self, ilvl: int) -> int:
        """A title Word numbers as a list item at level ``ilvl`` (0-based): nests like typed
        numbering of that depth."""
        level = min(self.style_level + ilvl + 1, 9)
        self.real_level = self.nonsub_level = level
        return level


# --------------------------------------------------------------------------- the reader


@dataclass
class DocxContent:
    blocks: list[Block]
    paragraph_count: int
    title: str
    title_index: int
    #: words of text Word does not show that were left out, by reason (HIDDEN, INVISIBLE)
    left_out: dict[str, int] = field(default_factory=dict)


def read_docx(pkg: Package) -> DocxContent:
    """Blocks (with headings decided) of the package's main document part."""
    root = pkg.xml(pkg.main_part)
    if root.tag.startswith(f"{{{W_STRICT_NS}}}"):
        raise refuse("strict", "unsupported_type", pkg.filename)
    body = root.find(W_BODY)
    if body is None:
        raise refuse("missing_part", "missing_part", pkg.filename, part="the document body")

    rels = pkg.rels(pkg.main_part)  # read once: styles, theme and settings are found in it

    def related(suffix: str) -> str | None:
        return next((t for rt, t in rels if rt.endswith(suffix) and pkg.has(t)), None)

    styles_part = related(REL_STYLES)
    if styles_part is None and pkg.has("word/styles.xml"):
        styles_part = "word/styles.xml"
    theme_part = related(REL_THEME)
    theme = vis.LazyTheme(lambda: vis.read_theme(pkg.xml(theme_part)) if theme_part else {})
    styles = Styles(pkg.xml(styles_part) if styles_part else None, theme)

    if ambiguous_alternates(body):
        raise refuse("ambiguous_mc", "ambiguous", pkg.filename)
    paras = body_paragraph_elements(body)
    index = {p: i for i, p in enumerate(paras)}
    walker = _Walker(
        index, styles, hides=True, page=_page_color(pkg, root, theme, related("/settings"))
    )
    walker.blocks(body)
    items = walker.items

    core_title = ""
    core_part = pkg.related("", REL_CORE) if pkg.has("_rels/.rels") else None
    if core_part:
        croot = pkg.xml(core_part)
        el = croot.find("{http://purl.org/dc/elements/1.1/}title")
        if el is not None and el.text:
            core_title = collapse_ws(el.text)

    blocks, title, title_index = _decide_headings(items, styles, walker.rows)
    numbering_part = related(REL_NUMBERING)
    if numbering_part is not None:
        _label_blocks(blocks, paras, styles, lambda: pkg.xml(numbering_part))
    return DocxContent(blocks, len(paras), title or core_title, title_index, walker.left_out)


def _para_numbering(p: etree._Element, styles: Styles) -> tuple[str | None, int | None, str | None]:
    """``(numId, ilvl, style id)`` of a paragraph's automatic numbering: its own ``w:numPr``,
    each of the two else its paragraph style's (along ``basedOn``); numId None: not numbered.
    A paragraph whose mark is a tracked deletion (or a move away) is not numbered: with the
    deletions accepted, as the parser reads the text, Word joins it to the next paragraph and
    counts it no more."""
    sid = num_id = ilvl = None
    if len(p) and p[0].tag == W_PPR:
        for c in p[0]:
            if c.tag == W_PSTYLE:
                if sid is None:
                    sid = c.get(W_VAL)
            elif c.tag == W_NUMPR and num_id is None and ilvl is None:
                num_id, ilvl = _num_pr(c)
            elif c.tag == W_RPR and any(m.tag in (W_DEL, W_MOVEFROM) for m in c):
                return None, None, sid
    st = styles.get(sid)
    if st is not None:
        if num_id is None:
            num_id = st.num_id
        if ilvl is None:
            ilvl = st.num_ilvl
        sid = st.sid
    return num_id, ilvl, sid


def _label_blocks(
    blocks: list[Block],
    paras: list,
    styles: Styles,
    numbering_xml: Callable[[], etree._Element],
) -> None:
    """Give each block whose paragraph Word numbers automatically the number label Word draws
    before it (:mod:`.numbering`; :attr:`Block.label`): a heading's goes to its section's title,
    a list item's to its line of the body. Every paragraph of the body counts, shown or not, in
    document order (the paragraph index space); the numbering part is read only when some
    paragraph is numbered. A list item's bullet is drawn too ("•"), a heading's is not. A table
    row (several paragraphs) and the body of a run-in heading (the heading has the paragraph's
    number) get none."""
    one = [b for b in blocks if b.first == b.last and 0 <= b.first < len(paras)]
    if not any(_para_numbering(paras[b.first], styles)[0] not in (None, "0") for b in one):
        return
    headed = {b.first for b in one if b.level > 0}  # (a paragraph split at a run-in head)
    labels = _labels(paras, styles, numbering_xml(), {b.first for b in one}, bullets=True)
    for b in one:
        label = labels[b.first]
        if b.level > 0:
            b.label = "" if isinstance(label, Bullet) else label
        elif b.first not in headed:
            b.label = label


def _labels(
    paras: list,
    styles: Styles,
    numbering_root: etree._Element | None,
    wanted: Container[int] | None = None,
    bullets: bool = False,
) -> list[str]:
    """Word's label of each of ``paras`` (drawn only at the positions in ``wanted``; bullets
    as :class:`~review.parsing.numbering.Bullet` glyphs with ``bullets``, else "")."""
    defs = ListDefinitions(numbering_root)
    paragraphs = (_para_numbering(p, styles) for p in paras)
    return numbered_labels(defs, paragraphs, wanted, bullets)


def paragraph_labels(pkg: Package) -> list[str]:
    """Word's automatic number label of every body paragraph, in the paragraph index space
    (:func:`body_paragraph_elements`; "" where Word draws none): what :func:`read_docx` gives
    the headings, for every paragraph."""
    root = pkg.xml(pkg.main_part)
    body = root.find(W_BODY)
    if body is None:
        return []
    rels = pkg.rels(pkg.main_part)

    def related(suffix: str) -> str | None:
        return next((t for rt, t in rels if rt.endswith(suffix) and pkg.has(t)), None)

    styles_part = related(REL_STYLES)
    numbering_part = related(REL_NUMBERING)
    styles = Styles(pkg.xml(styles_part) if styles_part else None)
    paras = body_paragraph_elements(body)
    return _labels(paras, styles, pkg.xml(numbering_part) if numbering_part else None)


def _page_color(
    pkg: Package, root: etree._Element, theme: dict[str, int], settings: str | None
) -> int:
    """The page color (``w:background``), else white. Word (and LibreOffice) paint it only
    when settings.xml says ``w:displayBackgroundShape``, as Word writes when a page color is
    chosen; without it the page is white."""
    bg = _child(root, W_BACKGROUND)
    if bg is None:
        return vis.WHITE
    if settings is None or not pkg.mentions(settings, b"displayBackgroundShape"):
        return vis.WHITE
    shown = next(pkg.xml(settings).iter(_w("displayBackgroundShape")), None)
    if shown is None or not _on(shown):
        return vis.WHITE
    base = vis.theme_rgb(theme, bg.get(vis.W_THEMECOLOR))
    if base is not None:
        col = vis.tinted(base, bg.get(vis.W_THEMETINT), bg.get(vis.W_THEMESHADE))
    else:
        col = vis.hex_color(bg.get(vis.W_COLOR_ATTR))
    return col if col is not None and col >= 0 else vis.WHITE


def _style_heading(p: _Para) -> int | None | str:
    """Level from outline level / heading style; "title" for the Title style; 0 for explicit
    body text (outline level 9, a table-of-contents entry); None when the style says nothing."""
    if p.outline is not None:
        return p.outline + 1 if 0 <= p.outline <= 8 else 0
    st = p.style
    if st is None:
        return None
    if st.contents:
        return 0  # a table-of-contents entry names a heading and is none
    if st.outline is not None:
        return st.outline + 1 if 0 <= st.outline <= 8 else 0
    if st.heading is not None:
        return st.heading
    if st.title:
        return "title"
    return None


@dataclass(slots=True, frozen=True)
class Emphasis:
    """How a paragraph's visible text is set, as Word shows it: whether every run that shows
    text is bold, whether every one is underlined, and the smallest type size among them
    (half-points; 0 when nothing shows)."""

    bold: bool
    underline: bool
    size: int


#: Word's type size when neither a style nor the document defaults set one (10 pt, half-points)
_DEFAULT_SIZE = 20


def _para_base(p: _Para, styles: Styles) -> tuple[bool, bool, int]:
    """Bold, underline and size a run of ``p`` has unless it says otherwise: the paragraph
    style's along its chain, else the document defaults."""
    st = p.style
    # the size as the visibility rule resolves it (paragraph style's chain, then docDefaults)
    size = styles.run_base(st.sid if st is not None else None).size or _DEFAULT_SIZE
    # a table style's bold lies between the document defaults and the paragraph style
    bold = styles.default_bold if p.table_bold is None else p.table_bold
    if st is None:
        return bold, styles.default_underline, size
    return (
        st.bold if st.bold is not None else bold,
        st.underline if st.underline is not None else styles.default_underline,
        size,
    )


def _run_format(
    r: etree._Element, base: tuple[bool, bool, int], styles: Styles
) -> tuple[bool, bool, int]:
    """A run's bold, underline and size: its own ``w:b``/``w:u``/``w:sz``, else its character
    style's, else ``base``."""
    bold, under, size = base
    rpr = r[0] if len(r) and r[0].tag == W_RPR else r.find(W_RPR)
    if rpr is None:
        return base
    b = u = z = rs = None
    for c in rpr:
        tag = c.tag
        if tag == W_B:
            b = c
        elif tag == W_U:
            u = c
        elif tag == W_SZ:
            z = c
        elif tag == W_RSTYLE:
            rs = c
    cs = styles.info.get(rs.get(W_VAL) or "") if rs is not None else None
    if b is not None:
        bold = _on(b)
    elif cs is not None and cs.bold is not None:
        bold = cs.bold
    if u is not None:
        under = _on(u)
    elif cs is not None and cs.underline is not None:
        under = cs.underline
    if z is not None:
        size = _size(z) or size
    elif rs is not None and (lk := styles.look(rs.get(W_VAL))) is not None and lk.size:
        size = lk.size
    return bold, under, size


def _emphasis(p: _Para, styles: Styles, need_size: bool = True) -> Emphasis:
    """:class:`Emphasis` of ``p`` (cached). With ``need_size=False`` the walk stops at the first
    run that is neither bold nor underlined and the size is not reported (a cheap test for the
    document-wide shares); such a partial answer is not cached."""
    if p.emph is not None:
        return p.emph
    base = _para_base(p, styles)
    bold = under = True
    size = 0
    saw_text = False
    for r in p.el.iter(W_R):
        text = _run_text(r, p.hid)
        if not text.strip():
            continue
        if any(a.tag in (W_DEL, W_MOVEFROM) for a in _ancestors_until(r, p.el)):
            continue
        saw_text = True
        b, u, z = _run_format(r, base, styles)
        bold = bold and b
        under = under and u
        size = z if not size else min(size, z)
        if not need_size and not bold and not under:
            return Emphasis(False, False, 0)
    out = Emphasis(bold and saw_text, under and saw_text, size)
    if need_size:
        p.emph = out
    return out


def _all_bold(p: _Para, styles: Styles) -> bool:
    """Every run that shows text is bold (run ``w:b`` > run character style > paragraph style >
    document defaults)."""
    return _emphasis(p, styles, need_size=False).bold


def _first_size(p: _Para, styles: Styles) -> int:
    """The type size of the paragraph's first run that shows text (half-points): what its body
    text is set in, for the document's ordinary size."""
    base = _para_base(p, styles)
    for r in p.el.iter(W_R):
        if _run_text(r, p.hid).strip():
            return _run_format(r, base, styles)[2]
    return base[2]


#: words that make a bold lead-in a sentence (an obligation) rather than a title
SENTENCE_VERB = re.compile(r"\b(?:shall|must|should|will|are required|is required)\b", re.I)


def _run_in_heading(p: _Para, styles: Styles) -> str | None:
    """The bold or underlined words that open a paragraph of plain text ("**Visitors.**
    Visitors must sign in ..."), when they read like a short title ending with a period or a colon.

    Such a title is a prefix of the paragraph's text of at most eight words ending with the
    period or colon, so a paragraph whose first eight words hold neither is told without
    reading its runs (most body paragraphs: their first sentence is longer)."""
    if not any("." in w or ":" in w for w in p.text.split(None, 8)[:8]):
        return None
    base = _para_base(p, styles)
    if base[0] or base[1]:
        return None
    prefix: list[str] = []
    rest = False
    for r in p.el.iter(W_R):
        if any(a.tag in (W_DEL, W_MOVEFROM) for a in _ancestors_until(r, p.el)):
            continue
        text = _run_text(r, p.hid)  # hidden runs show nothing, so they are no part of the title
        if not text:
            continue
        b, u, _ = _run_format(r, base, styles)
        if b or u:
            if rest:
                break
            prefix.append(text)
        elif text.strip():
            rest = True
            break
        elif prefix:
            prefix.append(text)
    if not prefix or not rest:
        return None
    head = "".join(prefix)
    if not p.text.startswith(head):
        return None
    return run_in_title(head, p.text[len(head) :])


def run_in_title(head: str, body: str) -> str | None:
    """The title of a run-in heading: ``head``, the emphasized words that open a paragraph, when
    they read like a short title ending with a period or a colon and ``body``, the plain rest of
    the paragraph, is text (three words or more). Shared by the .docx and PDF readers."""
    title = collapse_ws(head)
    body = body.strip()
    if not title or title[-1] not in ".:" or len(title.split()) > 8 or len(body.split()) < 3:
        return None
    core = title[:-1].rstrip()
    if SENTENCE_VERB.search(core):  # "Staff must always call first." is a bold sentence
        return None
    num = numbering(core)
    ok = numbered_title_ok(num, max_words=8) if num is not None else reads_like_title(core, 8)
    return title if ok and core and not core.endswith((".", ":")) else None


def all_caps_title(t: str) -> bool:
    """A short line in capitals ("STAFF TRAINING") that reads like a title."""
    letters = [c for c in t if c.isalpha()]
    return (
        len(letters) >= 4
        and all(c.isupper() for c in letters)
        and len(t.split()) <= 10
        and t[-1] not in ".,;:"
        and reads_like_title(t, max_words=10)
    )


#: the label of a plain numbered or lettered line ("3.", "3)", "C.", "(c)", "iv)") and its style
_SERIES_LABEL = re.compile(r"^(\()?(\d{1,3}|[A-Za-z]|[ivx]{1,5})([.)])\s")
#: a series of plain numbered lines is a heading pattern from this many lines on
_MIN_SERIES = 3


def _title_case(text: str) -> bool:
    """Every word of four letters or more starts with a capital ("Program Requirements."), as
    headings that end with a period or a colon are written; a sentence has lower-case words."""
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z'’-]*", text) if len(w) >= 4]
    return bool(words) and all(w[0].isupper() for w in words)


def _label_value(label: str) -> int:
    """A series label's place: 3 for "3", "c" or "C" (Roman numerals are told by the series)."""
    if label.isdigit():
        return int(label)
    return ord(label.lower()) - ord("a") + 1 if len(label) == 1 else 0


@dataclass(slots=True)
class SeriesItem:
    """One item with text, in reading order, for :func:`numbered_series`: its text (whitespace
    collapsed), its hand-typed numbering, whether it may be a heading of a series at all (plain,
    not in a list, not Word-numbered), and how many words it counts as when it is the text that
    follows a candidate (anything other than a paragraph counts as body text)."""

    text: str
    num: Numbering | None
    eligible: bool
    words: int


def numbered_series(seq: list[SeriesItem]) -> set[int]:
    """Positions in ``seq`` of plain numbered or lettered lines ("3. Visitors", "(c) Program
    Requirements.") that are headings by the document's own pattern, though neither bold nor in
    a heading style: lines with one label style that read like titles, oblige nothing, and are
    each followed by body text before the next such line (a list's items follow one another;
    headings do not), at least :data:`_MIN_SERIES` of them, and labeled in sequence (1, 2, 3 or
    a, b, c, with restarts) at least two steps in three. Shared by the .docx and PDF readers."""
    by_style: dict[tuple[bool, bool, str], list[tuple[int, str]]] = {}
    cand: dict[int, tuple[tuple[bool, bool, str], str]] = {}
    for i, it in enumerate(seq):
        num = it.num
        if not it.eligible or num is None or num.kind not in ("single", "sub"):
            continue
        m = _SERIES_LABEL.match(it.text)
        if m is None or SENTENCE_VERB.search(num.rest) or not numbered_title_ok(num, 10):
            continue
        if num.rest.endswith((".", ":")) and not _title_case(num.rest):
            continue  # "3. Records are kept for seven years." is a sentence, not a title
        label = m.group(2)
        key = (bool(m.group(1)), label.isdigit(), m.group(3))
        cand[i] = (key, label)
    for i, (key, label) in cand.items():
        j = i + 1
        if j >= len(seq) or j in cand:
            continue  # the next text is another such line: a list, not a heading
        if seq[j].words < 6:
            continue  # a heading is followed by body text
        by_style.setdefault(key, []).append((i, label))
    out: set[int] = set()
    for lines in by_style.values():
        if len(lines) < _MIN_SERIES:
            continue
        vals = [_label_value(lb) for _, lb in lines]
        steps = list(zip(vals, vals[1:], strict=False))
        good = sum(1 for a, b in steps if b == a + 1 or (b == 1 and a >= 1))
        if good * 3 >= len(steps) * 2:
            out.update(i for i, _ in lines)
    return out


def _numbered_series(
    items: list[_Para | Block],
    plain: set[int],
    numbers: dict[int, Numbering | None],
) -> set[int]:
    """:func:`numbered_series` over the items of a .docx that have text: ids of the paragraphs
    that are headings of a series."""
    at = [i for i, it in enumerate(items) if it.text.strip()]
    seq = []
    for i in at:
        it = items[i]
        if isinstance(it, _Para):
            eligible = (
                id(it) in plain
                and not it.numbered
                and not it.in_box
                and not (it.style is not None and it.style.is_list)
            )
            seq.append(
                SeriesItem(
                    collapse_ws(it.text), numbers.get(id(it)), eligible, len(it.text.split())
                )
            )
        else:
            seq.append(SeriesItem("", None, False, 1 << 30))
    return {id(items[at[k]]) for k in numbered_series(seq)}


def _decide_headings(
    items: list[_Para | Block], styles: Styles, rows: dict[int, _Row] | None = None
) -> tuple[list[Block], str, int]:
    # what counts as a candidate depends on the whole document: pre-compute
    paras = [it for it in items if isinstance(it, _Para) and not it.in_box and it.text.strip()]
    numbers: dict[int, Numbering | None] = {}
    titles = NumberedTitles()  # numbered lines that read like titles: a pattern when it recurs
    for p in paras:
        if len(p.text) > MAX_HEADING_SOURCE:
            continue
        t = collapse_ws(p.text)
        num = numbering(t) if len(t) <= 160 else None
        numbers[id(p)] = num
        if num is not None:
            titles.see(t, num)
    # bold (underline, a larger type) is a heading signal only when it is not the document's
    # ordinary text (short documents alternate bold titles and plain bodies: half bold is
    # normal there); the ordinary size is the one most body paragraphs start in
    bold_share_ok = under_share_ok = True
    body_size = 0
    plain = []
    for p in paras:
        sh = p.heading = _style_heading(p)
        if sh is None or sh == 0:
            plain.append(p)
    if plain:
        sample = plain if len(plain) <= 400 else plain[:: max(1, len(plain) // 400)]
        marks = [_emphasis(p, styles, need_size=False) for p in sample]
        n_bold = sum(1 for e in marks if e.bold)
        n_under = sum(1 for e in marks if e.underline)
        bold_share_ok = n_bold * 10 <= len(sample) * 6  # at most 60% of plain paragraphs
        under_share_ok = n_under * 10 <= len(sample) * 6
        body = [p for p in sample if len(p.text) > 40] or sample
        sizes = Counter(_first_size(p, styles) for p in body)
        body_size = max(sizes, key=lambda z: (sizes[z], -z))

    def stands_out(p: _Para) -> str:
        """How ``p`` is set apart from the body as a heading is ("bold", "underline",
        "larger"), or "": all bold, all underlined or all in a type at least 1 pt and 10 %
        larger than the document's ordinary text (each only where it is not ordinary)."""
        e = _emphasis(p, styles, need_size=False)  # stops at the first plain run
        if bold_share_ok and e.bold:
            return "bold"
        if under_share_ok and e.underline:
            return "underline"
        big = max(body_size + 2, (body_size * 11 + 9) // 10)
        # the first run decides most paragraphs; only a large one needs every run's size
        if body_size > 0 and _first_size(p, styles) >= big and _emphasis(p, styles).size >= big:
            return "larger"
        return ""

    # run-in headings and capital-letter lines count only when the document uses them twice
    run_in: dict[int, str] = {}
    caps: set[int] = set()
    if bold_share_ok and under_share_ok:
        for p in plain:
            if len(p.text) > 40:
                h = _run_in_heading(p, styles)
                if h is not None:
                    run_in[id(p)] = h
    if len(run_in) < 2:
        run_in = {}
    for p in plain:
        if len(p.text) <= 120 and not p.numbered and all_caps_title(collapse_ws(p.text)):
            caps.add(id(p))
    # capitals are a heading signal only when they are not the document's ordinary text
    if len(caps) < 2 or len(caps) * 2 > len(plain):
        caps = set()

    out: list[Block] = []
    lev = Leveler()
    title = ""
    title_index = -1
    seen_heading = False
    n = len(items)
    # index of the next item with text, to know whether a line is followed by more text
    next_text = [n] * (n + 1)
    for i in range(n - 1, -1, -1):
        it = items[i]
        has = bool(it.text.strip())
        next_text[i] = i if has else next_text[i + 1]
    series = _numbered_series(items, {id(p) for p in plain}, numbers)
    listed = _list_titles(items, plain, styles, stands_out, next_text)
    tabled = _table_titles(rows or {}, styles)
    laid_out = {rows[k].table for k in tabled} if rows else set()

    def laid_out_row(b: Block) -> bool:  # a row of a table with label rows, left as a row
        r = rows.get(id(b)) if rows else None
        return r is not None and r.table in laid_out

    gate = LayoutGate(laid_out_row)

    for i, it in enumerate(items):
        if isinstance(it, Block):
            if it.kind == _BOXED:
                t = collapse_ws(it.text)
                if next_text[i + 1] < n and reads_like_title(t, max_words=10):
                    seen_heading = True
                    out.append(Block(it.text, it.first, it.last, lev.bold(), "boxed"))
                else:
                    out.append(Block(it.text, it.first, it.last))
                continue
            row = rows.get(id(it)) if rows else None
            if row is not None and id(it) in tabled and gate.allows(row.table, out):
                seen_heading = True
                label = row.label.paras[0]
                out.append(Block(label.text.strip(), label.index, label.index, lev.bold(), "table"))
                out.extend(Block(q.text.strip(), q.index, q.index) for q in row.body.paras)
                continue
            out.append(it)
            continue
        text = it.text
        stripped = text.strip()
        if not stripped:
            continue
        if it.in_box:
            out.append(Block(stripped, it.index, it.index))
            continue
        followed = next_text[i + 1] < n
        sh = it.heading  # every paragraph that gets here is in ``paras``
        if sh == "title":
            if not title and not seen_heading:
                title = collapse_ws(text)
                title_index = it.index
                continue
            sh = None
        if isinstance(sh, int) and sh > 0:
            seen_heading = True
            out.append(Block(text, it.index, it.index, lev.style(sh), "heading"))
            continue
        head = run_in.get(id(it))
        if head is not None and sh != 0:  # "Visitors. Visitors must sign in ...": split it
            seen_heading = True
            out.append(Block(head, it.index, it.index, lev.bold(), "run-in"))
            out.append(Block(text.strip()[len(head.strip()) :].strip(), it.index, it.index))
            continue
        if len(text) > MAX_HEADING_SOURCE:  # long paragraphs are body text: skip the checks
            out.append(Block(stripped, it.index, it.index))
            continue
        t = collapse_ws(text)
        num = numbers.get(id(it))
        is_list = (it.style is not None and it.style.is_list) or False
        # typed numbering that is a heading even in plain text
        plain_ok = (
            sh is None
            and not is_list
            and not it.numbered
            and followed
            and num is not None
            and titles.plain_heading(t, num)
        )
        if plain_ok:
            seen_heading = True
            out.append(Block(text, it.index, it.index, lev.numbered(num), "numbered"))
            continue
        if id(it) in series and num is not None and followed:
            seen_heading = True
            level = lev.sub() if num.kind == "sub" else lev.numbered(num)
            out.append(Block(text, it.index, it.index, level, "numbered"))
            continue
        if (
            sh != 0
            and not is_list
            and followed
            and (reads_like_title(t) or (num is not None and numbered_title_ok(num)))
            and (how := stands_out(it))
        ):
            seen_heading = True
            if num is not None and num.kind == "sub":
                level = lev.sub()
            elif num is not None and num.kind in ("keyword", "code", "roman", "multi"):
                level = lev.numbered(num)
            else:
                level = lev.bold()
            out.append(Block(text, it.index, it.index, level, how))
            continue
        if id(it) in caps and not is_list and followed and sh != 0:
            seen_heading = True
            out.append(Block(text, it.index, it.index, lev.bold(), "caps"))
            continue
        if id(it) in listed:
            seen_heading = True
            ilvl, how = listed[id(it)]
            out.append(Block(text, it.index, it.index, lev.listed(ilvl), how))
            continue
        out.append(Block(stripped, it.index, it.index))
    return out, title, title_index


#: a table's label rows are sections only when the document has two or more of them
MIN_TABLE_TITLES = 2
#: a label row's text cell has at least this many words (else it is a field: "Effective | 2024")
MIN_TABLE_BODY = 6
#: a first row whose two cells are set apart and this short names the columns: a data table
MAX_HEADER_WORDS = 4
#: a label cell reads like a title of at most this many words
MAX_LABEL_WORDS = 8


class LayoutGate:
    """Whether a table's label rows are the document's sections, decided where the table
    stands, as the blocks are written: a table lays out the sections only when it is not itself
    the body of one (a list of terms under "Definitions", steps under "Procedure"), that is when
    no heading outside such a table has had body text before it (a policy's name as a heading
    right above its table has none). ``left_row`` tells a row of such a table that was left a
    row (a short field among the label rows), which is no body text of a heading."""

    def __init__(self, left_row: Callable[[Block], bool]) -> None:
        self.left_row = left_row
        self.promoted: set[object] = set()  # tables whose label rows are sections
        self.scanned = 0  # blocks read so far
        self.under = ""  # kind of the last heading read
        self.headed_body = False

    def allows(self, table: object, out: list[Block]) -> bool:
        """Whether ``table``'s label rows are sections, ``out`` the blocks written before."""
        if table in self.promoted:
            return True
        for b in out[self.scanned :]:
            if b.level > 0:
                self.under = b.kind
            elif self.under and self.under != "table" and not self.left_row(b):
                self.headed_body = True
        self.scanned = len(out)
        if self.headed_body:
            return False
        self.promoted.add(table)
        return True


def _table_titles(rows: dict[int, _Row], styles: Styles) -> dict[int, str]:
    """The rows of tables that lay out a policy's sections ("PURPOSE | To establish ...",
    "Procedure | 1. Staff ...": a label cell, then the section's text), by ``id`` of the row
    block, with how the label stands out. A row is one when its first cell is one line that
    reads like a title and is set apart from the second cell (a heading style, bold,
    underlined, in capitals, or shaded where the text is not), and its second cell has six
    words or more; not in a table whose first row names its columns ("Term | Definition"), and
    only when the document has two or more such rows. (Whether a table's rows are the
    document's sections or the body of one is decided where it stands:
    :func:`_decide_headings`.)"""
    if len(rows) < MIN_TABLE_TITLES:
        return {}
    headed: set[int] = set()  # tables with a header row
    out: dict[int, str] = {}
    for key, row in rows.items():
        if row.table in headed:
            continue
        if row.n == 0 and _header_row(row, styles):
            headed.add(row.table)
            continue
        if len(row.label.paras) != 1 or not row.body.paras:
            continue
        label = row.label.paras[0]
        t = collapse_ws(label.text)
        if not reads_like_title(t, max_words=MAX_LABEL_WORDS):
            continue
        if sum(len(q.text.split()) for q in row.body.paras) < MIN_TABLE_BODY:
            continue
        how = _label_apart(label, row, styles)
        if how:
            out[key] = how
    return out if len(out) >= MIN_TABLE_TITLES else {}


def _header_row(row: _Row, styles: Styles) -> bool:
    """Whether a table's first row names its columns: both cells short and set apart alike
    (bold, or shaded)."""
    cells = (row.label, row.body)
    if any(sum(len(q.text.split()) for q in c.paras) > MAX_HEADER_WORDS for c in cells):
        return False
    if all(all(_emphasis(q, styles, need_size=False).bold for q in c.paras) for c in cells):
        return True
    return row.label.bg == row.body.bg and row.label.bg not in (vis.WHITE, vis.UNKNOWN)


def _label_apart(label: _Para, row: _Row, styles: Styles) -> str:
    """How a label cell's line is set apart from the text cell beside it, or ""."""
    first = row.body.paras[0]
    sh = _style_heading(label)
    if isinstance(sh, int) and sh > 0:
        return "heading"
    if sh == 0:
        return ""  # explicitly body text
    le = _emphasis(label, styles, need_size=False)
    be = _emphasis(first, styles, need_size=False)
    if le.bold and not be.bold:
        return "bold"
    if le.underline and not be.underline:
        return "underline"
    t = collapse_ws(label.text)
    if all_caps_title(t) and not all_caps_title(collapse_ws(first.text)):
        return "caps"
    bg, body_bg = row.label.bg, row.body.bg
    if bg != body_bg and vis.UNKNOWN not in (bg, body_bg):
        return "shaded"
    return ""


#: a list paragraph is read as a title only when the document titles this way twice or more
_MIN_LIST_TITLES = 2


def _list_titles(
    items: list[_Para | Block],
    plain: list[_Para],
    styles: Styles,
    stands_out: Callable[[_Para], str],
    next_text: list[int],
) -> dict[int, tuple[int, str]]:
    """Titles typed as Word list items ("1. PURPOSE", "2. Policy" in bold: Word's numbering
    button puts a paragraph in the List Paragraph style), by paragraph id, with their list
    level and how they stand out. A list paragraph is one when it reads like a title, is set
    apart (bold, underlined, larger or in capitals), and is followed by body text of six words
    or more or by deeper items of its own list, never by the next item of its own level (then
    it is a list of short items); and only when the document has two or more of them."""
    out: dict[int, tuple[int, str]] = {}
    where: dict[int, int] = {}  # item positions, filled at the first candidate
    for p in plain:
        if not (p.numbered or (p.style is not None and p.style.is_list)) or p.in_box:
            continue
        if p.heading == 0 or len(p.text) > 120:
            continue
        num_id, ilvl, _ = _para_numbering(p.el, styles)
        if num_id in (None, "0"):
            continue
        t = collapse_ws(p.text)
        if not reads_like_title(t):
            continue
        how = stands_out(p) or ("caps" if all_caps_title(t) else "")
        if not how:
            continue
        if not where:
            where = {id(it): i for i, it in enumerate(items)}
        j = next_text[where[id(p)] + 1]
        if j >= len(items):
            continue  # the document's last line introduces nothing
        nxt = items[j]
        if isinstance(nxt, _Para):
            n_id, n_lvl, _ = _para_numbering(nxt.el, styles)
            deeper = n_id == num_id and (n_lvl or 0) > (ilvl or 0)
            if n_id == num_id and not deeper:
                continue  # the next item of the same list: a list
            if not deeper and len(nxt.text.split()) < 6:
                continue  # a title is followed by body text
        out[id(p)] = (ilvl or 0, how)
    return out if len(out) >= _MIN_LIST_TITLES else {}
