"""Text Word renders invisibly: colored like what it sits on, or too small to read.

The reader (:mod:`.docx_reader`) leaves such runs out as it leaves out hidden (``w:vanish``)
runs, and counts the words of both for the upload summary (:func:`left_out_note`). The rules,
kept simple on purpose:

* **Tiny**: a run whose font size (``w:sz``, half-points; run > character style > paragraph style
  > document defaults) is under :data:`MIN_HALF_POINTS` (2 pt).
* **Colored like its background**: a run whose text color is within :data:`COLOR_TOLERANCE` of
  the color behind it on each of red, green and blue. The text color is ``w:color`` along the
  same chain; ``w:color w:val="auto"`` (and no color at all) is always visible: Word draws it
  black or white against the background. The background is, first found: the run's
  ``w:highlight``, the run's ``w:shd``, the paragraph's ``w:shd`` (direct or by style), the table
  cell's ``w:shd`` (else the table's), the shape fill of a text box, the page color
  (``w:background``), else white. So white text on a dark cell is kept; white text on white,
  on no shading, or on a white cell is left out.
* **Theme colors**: ``w:themeColor``/``w:themeFill`` are looked up in the document's theme
  (``background1``/``text1``/``background2``/``text2`` as ``lt1``/``dk1``/``lt2``/``dk2``, the
  default mapping; ``w:clrSchemeMapping`` in settings.xml is not read), ``w:themeTint`` and
  ``w:themeShade`` applied in RGB (an approximation of Word's HSL arithmetic). Without a theme
  part the ``w:val`` Word stores beside the theme color is used.
* **Unknown backgrounds** are never compared: a cell of a table whose table style has any
  shading (banded rows, header fills), a text box filled other than with a plain color or
  nothing, a VML shape, a shading pattern other than clear/solid/pctN. Only the size rule
  applies there, so legitimate white-on-dark text is never lost.

Not covered (known limits): table style text colors and conditional formatting, ``w:szCs`` for
complex-script runs, character scaling (``w:w``), spacing and position tricks, text behind
pictures or shapes, white text in PDFs.
"""

from __future__ import annotations

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
WPS_NS = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"

#: a text color this close to its background on each of red, green and blue (out of 255) is
#: taken as the background's color: F0F0F0 or E8E8E8 on white is left out, E0E0E0 is kept
COLOR_TOLERANCE = 24
#: text under this size (half-points) is unreadable: 4 = 2 pt
MIN_HALF_POINTS = 4

#: ``w:color w:val="auto"``: Word picks black or white against the background (always visible)
AUTO = -1
#: a background the reader cannot tell (see the module docstring): colors are not compared
UNKNOWN = -2
#: an explicit "no shading / no highlight" (``w:fill="auto"``, ``w:highlight w:val="none"``),
#: which overrides a style's shading: the background behind shows through
CLEAR = -3
WHITE = 0xFFFFFF
BLACK = 0x000000

HIGHLIGHT = {
    "black": 0x000000,
    "blue": 0x0000FF,
    "cyan": 0x00FFFF,
    "green": 0x00FF00,
    "magenta": 0xFF00FF,
    "red": 0xFF0000,
    "yellow": 0xFFFF00,
    "white": 0xFFFFFF,
    "darkBlue": 0x000080,
    "darkCyan": 0x008080,
    "darkGreen": 0x008000,
    "darkMagenta": 0x800080,
    "darkRed": 0x800000,
    "darkYellow": 0x808000,
    "darkGray": 0x808080,
    "lightGray": 0xC0C0C0,
}

#: WordprocessingML theme color names → the theme's color scheme entries (default mapping)
_THEME_NAMES = {
    "dark1": "dk1",
    "light1": "lt1",
    "dark2": "dk2",
    "light2": "lt2",
    "text1": "dk1",
    "background1": "lt1",
    "text2": "dk2",
    "background2": "lt2",
    "accent1": "accent1",
    "accent2": "accent2",
    "accent3": "accent3",
    "accent4": "accent4",
    "accent5": "accent5",
    "accent6": "accent6",
    "hyperlink": "hlink",
    "followedHyperlink": "folHlink",
    # DrawingML scheme color names (a text box's a:schemeClr)
    "tx1": "dk1",
    "bg1": "lt1",
    "tx2": "dk2",
    "bg2": "lt2",
    "dk1": "dk1",
    "lt1": "lt1",
    "dk2": "dk2",
    "lt2": "lt2",
}


def _w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


W_VAL, W_COLOR_ATTR, W_FILL = _w("val"), _w("color"), _w("fill")
W_THEMECOLOR, W_THEMETINT, W_THEMESHADE = _w("themeColor"), _w("themeTint"), _w("themeShade")
W_THEMEFILL, W_THEMEFILLTINT, W_THEMEFILLSHADE = (
    _w("themeFill"),
    _w("themeFillTint"),
    _w("themeFillShade"),
)


def hex_color(val: str | None) -> int | None:
    """``"FFFFFF"`` → 0xFFFFFF; ``"auto"`` → :data:`AUTO`; anything else → None (ignored)."""
    if val is None:
        return None
    if len(val) == 6:
        try:
            return int(val, 16)
        except ValueError:
            return None
    return AUTO if val.lower() == "auto" else None


class LazyTheme(dict):
    """A theme's colors (as :func:`read_theme`), read the first time one is looked up: a
    document that uses no theme color never has its theme part parsed."""

    def __init__(self, load) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self._load = load

    def get(self, key, default=None):  # type: ignore[no-untyped-def, override]
        if self._load is not None:
            load, self._load = self._load, None
            self.update(load())
        return super().get(key, default)

    def __bool__(self) -> bool:
        return self._load is not None or len(self) > 0


def read_theme(root: etree._Element | None) -> dict[str, int]:
    """Scheme entry (``dk1``, ``lt1``, ``accent1`` ...) → RGB of a theme part's color scheme."""
    out: dict[str, int] = {}
    if root is None:
        return out
    scheme = next(root.iter(f"{{{A_NS}}}clrScheme"), None)
    if scheme is None:
        return out
    for entry in scheme:
        if not isinstance(entry.tag, str):
            continue
        name = etree.QName(entry).localname
        for clr in entry:
            local = etree.QName(clr).localname if isinstance(clr.tag, str) else ""
            rgb = None
            if local == "srgbClr":
                rgb = hex_color(clr.get("val"))
            elif local == "sysClr":
                rgb = hex_color(clr.get("lastClr"))
            if rgb is not None and rgb >= 0:
                out[name] = rgb
                break
    return out


def tinted(rgb: int, tint: str | None, shade: str | None) -> int:
    """Apply ``w:themeTint`` (toward white) and ``w:themeShade`` (toward black), in RGB."""
    t = _byte(tint)
    s = _byte(shade)
    if t is None and s is None:
        return rgb
    chans = [(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255]
    if t is not None:
        chans = [round(255 - (255 - c) * t / 255) for c in chans]
    if s is not None:
        chans = [round(c * s / 255) for c in chans]
    return (chans[0] << 16) | (chans[1] << 8) | chans[2]


def _byte(val: str | None) -> int | None:
    if not val:
        return None
    try:
        b = int(val, 16)
    except ValueError:
        return None
    return b if 0 <= b <= 255 else None


def theme_rgb(theme: dict[str, int], name: str | None) -> int | None:
    if not name or not theme:
        return None
    key = _THEME_NAMES.get(name)
    return theme.get(key) if key is not None else None


def text_color(el: etree._Element, theme: dict[str, int]) -> int | None:
    """The color a ``w:color`` element gives text: RGB, :data:`AUTO`, or None (unreadable)."""
    base = theme_rgb(theme, el.get(W_THEMECOLOR))
    if base is not None:
        return tinted(base, el.get(W_THEMETINT), el.get(W_THEMESHADE))
    return hex_color(el.get(W_VAL))


def highlight_color(el: etree._Element) -> int | None:
    """A ``w:highlight``: RGB, :data:`CLEAR` for ``none``, None for a value Word does not know."""
    val = el.get(W_VAL) or ""
    if val == "none":
        return CLEAR
    return HIGHLIGHT.get(val)


def shading_color(el: etree._Element, theme: dict[str, int]) -> int | None:
    """The color a ``w:shd`` paints behind text: RGB, :data:`CLEAR` (no shading), or
    :data:`UNKNOWN` (a striped or crossed pattern)."""
    val = (el.get(W_VAL) or "clear").lower()
    if val == "nil":
        return CLEAR
    fill = theme_rgb(theme, el.get(W_THEMEFILL))
    if fill is not None:
        fill = tinted(fill, el.get(W_THEMEFILLTINT), el.get(W_THEMEFILLSHADE))
    else:
        fill = hex_color(el.get(W_FILL))
    if fill is None or fill == AUTO:
        fill = CLEAR
    if val == "clear":
        return fill
    pattern = theme_rgb(theme, el.get(W_THEMECOLOR))
    if pattern is None:
        pattern = hex_color(el.get(W_COLOR_ATTR))
    if pattern is None or pattern == AUTO:
        pattern = BLACK
    if val == "solid":
        return pattern
    if val.startswith("pct"):
        try:
            share = int(val[3:]) / 100
        except ValueError:
            return UNKNOWN
        under = WHITE if fill == CLEAR else fill
        return _mix(under, pattern, share)
    return UNKNOWN


def _mix(a: int, b: int, share: float) -> int:
    out = 0
    for shift in (16, 8, 0):
        ca, cb = (a >> shift) & 255, (b >> shift) & 255
        out |= round(ca + (cb - ca) * share) << shift
    return out


def shape_fill(txbx: etree._Element, theme: dict[str, int]) -> int | None:
    """The fill behind a text box's text (``w:txbxContent``): RGB for a plain color,
    :data:`CLEAR` for no fill, :data:`UNKNOWN` for anything else (VML, gradients, pictures,
    modified scheme colors, a fill left to the shape style)."""
    holder = txbx.getparent()  # wps:txbx (DrawingML) or v:textbox (VML)
    shape = holder.getparent() if holder is not None else None
    if shape is None or shape.tag != f"{{{WPS_NS}}}wsp":
        return UNKNOWN
    sppr = shape.find(f"{{{WPS_NS}}}spPr")
    if sppr is None:
        return UNKNOWN
    for c in sppr:
        if c.tag == f"{{{A_NS}}}noFill":
            return CLEAR
        if c.tag == f"{{{A_NS}}}solidFill":
            clr = c[0] if len(c) else None
            if clr is None or len(clr):  # lumMod, alpha ...: not worked out here
                return UNKNOWN
            if clr.tag == f"{{{A_NS}}}srgbClr":
                rgb = hex_color(clr.get("val"))
            elif clr.tag == f"{{{A_NS}}}schemeClr":
                rgb = theme_rgb(theme, clr.get("val"))
            else:
                rgb = None
            return rgb if rgb is not None and rgb >= 0 else UNKNOWN
        if c.tag in (f"{{{A_NS}}}gradFill", f"{{{A_NS}}}blipFill", f"{{{A_NS}}}pattFill"):
            return UNKNOWN
    return UNKNOWN


def behind(*layers: int | None) -> int:
    """The first layer that paints something (innermost first); white when none does."""
    for bg in layers:
        if bg is not None and bg != CLEAR:
            return bg
    return WHITE


def invisible(color: int | None, size: int | None, bg: int) -> bool:
    """Whether text of ``color`` and ``size`` (half-points) cannot be seen on ``bg``."""
    if size is not None and size < MIN_HALF_POINTS:
        return True
    if color is None or color < 0 or bg < 0:  # auto / unset / unknown background: visible
        return False
    tol = COLOR_TOLERANCE
    return (
        abs(((color >> 16) & 255) - ((bg >> 16) & 255)) <= tol
        and abs(((color >> 8) & 255) - ((bg >> 8) & 255)) <= tol
        and abs((color & 255) - (bg & 255)) <= tol
    )


def _words(n: int) -> str:
    return f"{n:,} word" + ("" if n == 1 else "s")


def left_out_note(left_out: dict[str, int] | tuple | None) -> str:
    """The upload summary's sentence on the text Word does not show that was left out of the
    review ("" for none). ``left_out`` counts words by reason: ``hidden`` (``w:vanish``) and
    ``invisible`` (colored like its background or under 2 pt)."""
    counts = dict(left_out or ())
    hidden = int(counts.get("hidden", 0))
    unseen = int(counts.get("invisible", 0))
    parts = []
    if hidden:
        parts.append(f"{_words(hidden)} of hidden text")
    if unseen:
        parts.append(f"{_words(unseen)} in white or tiny text")
    if not parts:
        return ""
    text = " and ".join(parts) + " that Word does not show"
    if unseen:
        text += " (colored like the background or under 2 pt)"
    one = len(parts) == 1 and hidden + unseen == 1
    return text + (" was" if one else " were") + " left out of the review."
