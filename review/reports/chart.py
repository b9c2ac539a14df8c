"""The coverage chart of the report summary, drawn as a PNG with Pillow.

Why Pillow: it is already installed with Streamlit, it is small next to a plotting stack
(matplotlib is not a dependency; Altair would need the vl-convert binary to make a PNG), and its
bundled scalable font makes the image identical on every machine, with no system fonts needed.
The chart is a horizontal bar per coverage status on a track that stands for all required
competencies, with its count and share written beside it.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from review.models import COVERAGE_STATUSES, CoverageRow, ReportContext
from review.reports._text import STATUS_LABELS

#: bar colours, the same hues as the status character styles of the template
COLOURS = {
    "met": (0x2E, 0x8B, 0x57),
    "partial": (0xE0, 0x9B, 0x1A),
    "not_addressed": (0xC0, 0x39, 0x2B),
    "not_applicable": (0x9A, 0xA4, 0xAE),
}
WIDTH = 1600  # pixels; placed 6.3 in wide, about 250 dpi, sharp in print
ROW = 96
TOP = 110
LEFT = 380
RIGHT = 260


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def status_counts(rows: Iterable[CoverageRow]) -> dict[str, int]:
    """Required competencies per coverage status, every status present (zero when unused)."""
    counts = Counter(row.status for row in rows)
    return {s: counts.get(s, 0) for s in COVERAGE_STATUSES}


def coverage_chart_png(ctx: ReportContext) -> bytes:
    """The chart of the context's coverage as PNG bytes."""
    return chart_png(status_counts(ctx.coverage), suggested=not ctx.reviewed)


def chart_png(counts: dict[str, int], suggested: bool = False) -> bytes:
    """A PNG bar chart of status counts, byte-identical for the same counts."""
    total = sum(counts.values())
    height = TOP + ROW * len(counts) + 40
    img = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(img)
    title = f"Required competencies by status ({total})"
    if suggested:
        title += " - suggested, not reviewed"
    draw.text((24, 24), title, fill=(0x1F, 0x2A, 0x37), font=_font(44))
    span = WIDTH - LEFT - RIGHT
    for i, (status, n) in enumerate(counts.items()):
        y = TOP + i * ROW
        label = STATUS_LABELS.get(status, status)
        draw.text((24, y + 18), label, fill=(0x1F, 0x2A, 0x37), font=_font(38))
        draw.rectangle((LEFT, y + 10, LEFT + span, y + ROW - 14), fill=(0xF1, 0xF3, 0xF5))
        if n:
            draw.rectangle(
                (LEFT, y + 10, LEFT + max(6, round(span * n / total)), y + ROW - 14),
                fill=COLOURS.get(status, (0x60, 0x60, 0x60)),
            )
        share = f"{n}  ({round(100 * n / total) if total else 0}%)"
        draw.text((LEFT + span + 20, y + 18), share, fill=(0x1F, 0x2A, 0x37), font=_font(38))
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()
