"""Real PDF files for the tests, written by hand (no PDF library needed to make them): pages of
text lines in Helvetica / Helvetica-Bold at chosen sizes, or pages with no text layer at all.

Two ways to write a page: :func:`build_pdf` with ``(text, size, bold)`` lines placed one under
the other, or :func:`flow_pdf` with paragraphs (:func:`para`, :func:`item`, :func:`run_in`,
:func:`row`, :func:`label_row`)
wrapped to the text width the way a word processor does (at spaces and after hyphens, by the
fonts' real widths), with space between paragraphs, onto as many pages as they need."""

from __future__ import annotations

from dataclasses import dataclass

Line = tuple[str, float, bool]  # text, font size, bold

#: the text column of a US Letter page with one-inch margins
LEFT = 72.0
WIDTH = 468.0


@dataclass
class Text:
    """One line drawn by :func:`flow_pdf`: runs of (text, bold) at one size, from ``x``."""

    runs: list[tuple[str, bool]]
    size: float
    x: float = LEFT
    cont: bool = False  # continues the paragraph above: line spacing only
    beside: bool = False  # drawn at the height of the line before it (a table cell)


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width of ``text`` in Helvetica (Bold) at ``size``, as a PDF reader measures it."""
    from pdfminer.fontmetrics import FONT_METRICS

    widths = FONT_METRICS["Helvetica-Bold" if bold else "Helvetica"][1]
    return sum(widths.get(c, 556) for c in text) * size / 1000


def _tokens(runs: list[tuple[str, bool]]) -> list[tuple[str, bool, bool]]:
    """(piece, bold, space before) - break opportunities at spaces and after hyphens."""
    out: list[tuple[str, bool, bool]] = []
    space = False
    for text, bold in runs:
        for k, word in enumerate(text.split(" ")):
            if k:
                space = True
            if not word:
                continue
            parts = word.split("-")
            for j, part in enumerate(parts):
                piece = part + ("-" if j < len(parts) - 1 else "")
                if piece:
                    out.append((piece, bold, space and j == 0))
            space = False
        if text.endswith(" "):
            space = True
    return out


def wrap(runs: list[tuple[str, bool]], size: float, width: float = WIDTH) -> list[Text]:
    """Runs laid out greedily into lines no wider than ``width``."""
    lines: list[list[tuple[str, bool]]] = [[]]
    used = 0.0
    for piece, bold, space in _tokens(runs):
        add = (text_width(" ", size) if space and lines[-1] else 0.0) + text_width(
            piece, size, bold
        )
        if lines[-1] and used + add > width:
            lines.append([])
            used, space = 0.0, False
            add = text_width(piece, size, bold)
        line = lines[-1]
        text = (" " if space and line else "") + piece
        if line and line[-1][1] == bold:
            line[-1] = (line[-1][0] + text, bold)
        else:
            line.append((text, bold))
        used += add
    return [Text(runs_, size, cont=k > 0) for k, runs_ in enumerate(lines) if runs_]


def para(text: str, size: float = 11.0, bold: bool = False, width: float = WIDTH) -> list[Text]:
    """A paragraph of one style, wrapped to the text width."""
    return wrap([(text, bold)], size, width)


def item(text: str, size: float = 11.0) -> list[Text]:
    """A bulleted list item ("• ..."), set right under the line before it, as list items
    are."""
    lines = wrap([("\u2022 " + text, False)], size)
    lines[0].cont = True
    return lines


def run_in(head: str, rest: str, size: float = 11.0) -> list[Text]:
    """A paragraph opening with bold words ("Visitors." Visitors sign in ...)."""
    return wrap([(head, True), (" " + rest, False)], size)


def row(cells: list[str], size: float = 11.0, bold: bool = False) -> list[Text]:
    """A table row: one line per cell, side by side across the text width."""
    step = WIDTH / len(cells)
    return [Text([(c, bold)], size, x=LEFT + k * step, beside=k > 0) for k, c in enumerate(cells)]


def label_row(
    label: str, text: str, size: float = 11.0, bold: bool = True, text_bold: bool = False
) -> list[Text]:
    """A table row of a policy laid out as a table: the label (bold unless told) in a narrow
    first cell, the text beside it on one line."""
    return [
        Text([(label, bold)], size),
        Text([(text, text_bold)], size, x=LEFT + WIDTH / 4, beside=True),
    ]


def flow_pdf(
    paragraphs: list[list[Text]],
    page_breaks: tuple[int, ...] = (),
    header: str = "",
    page_numbers: bool = False,
) -> bytes:
    """Paragraphs one after the other, on a new page when the page is full or before each
    paragraph index in ``page_breaks``; ``header`` on top of every page and the page's number
    at its foot when asked (page furniture)."""
    pages = flow_pages(paragraphs, page_breaks)
    for k, page in enumerate(pages):
        if header:
            page.insert(0, (Text([(header, False)], 9.0), 770.0))
        if page_numbers:
            page.append((Text([(str(k + 1), False)], 9.0, x=300.0), 40.0))
    return build_pdf(pages)


def flow_pages(
    paragraphs: list[list[Text]], page_breaks: tuple[int, ...] = ()
) -> list[list[tuple[Text, float]]]:
    """Pages of (line, baseline y) for :func:`build_pdf`."""
    pages: list[list[tuple[Text, float]]] = [[]]
    y = 740.0
    for k, lines in enumerate(paragraphs):
        if k in page_breaks and pages[-1]:
            pages.append([])
            y = 740.0
        for ln in lines:
            if ln.beside and pages[-1]:
                pages[-1].append((ln, y))
                continue
            step = ln.size * 1.2 + (0 if ln.cont or not pages[-1] else ln.size * 0.8)
            if y - step < 60:
                pages.append([])
                y = 740.0
                step = ln.size * 1.2
            y -= step
            pages[-1].append((ln, y))
    return pages


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def build_pdf(pages: list[list[Line]] | list[list[tuple[Text, float]]]) -> bytes:
    """A PDF 1.4 file: one page per list of lines, top to bottom, wrapped by the caller; or
    the pages of :func:`flow_pages`, each line with its place."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    bold = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold >>")
    pages_id = len(objects) + 1 + 2 * len(pages) + 0  # placeholder, fixed below
    page_ids = []
    contents = []
    for lines in pages:
        y = 760.0
        ops = []
        for line in lines:
            if isinstance(line[0], Text):
                ln, at = line
                shown = " ".join(
                    f"/{'F2' if b else 'F1'} {ln.size:g} Tf ({_esc(t)}) Tj" for t, b in ln.runs
                )
                ops.append(f"BT {ln.x:.1f} {at:.1f} Td {shown} ET")
                continue
            text, size, is_bold = line
            y -= size * 1.25 + (size * 0.6 if size > 12 or is_bold else 0)
            ops.append(
                f"BT /{'F2' if is_bold else 'F1'} {size:g} Tf 72 {y:.1f} Td ({_esc(text)}) Tj ET"
            )
        stream = "\n".join(ops).replace("\u2022", "\xb7").encode("latin-1")  # StandardEncoding
        contents.append(add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"))
    pages_id = len(objects) + len(pages) + 1
    for c in contents:
        page_ids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                b"/Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >> >>" % (pages_id, c, font, bold)
            )
        )
    kids = b" ".join(b"%d 0 R" % p for p in page_ids)
    assert add(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_ids))) == pages_id
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        catalog,
        xref,
    )
    return bytes(out)


def policy_pdf() -> bytes:
    """A two-page policy: a title, Heading-sized sections, a bold sub-heading, page numbers."""
    body = 11.0
    return build_pdf(
        [
            [
                ("Youth Services Policy", 20.0, True),
                ("Purpose", 15.0, True),
                ("This policy describes how the agency supports youth in its care.", body, False),
                ("Vicarious Trauma and Staff Wellness", 15.0, True),
                ("Supervisors watch for vicarious trauma, secondary traumatic stress", body, False),
                ("and compassion fatigue among all staff members.", body, False),
                ("Mandated Reporting", 15.0, True),
                ("Every employee is a mandated reporter and reports suspected", body, False),
                ("child abuse, neglect or sex trafficking without delay.", body, False),
                ("1", body, False),
            ],
            [
                ("Trauma-Informed Care", 15.0, True),
                ("Interviews", body, True),
                ("Staff use trauma-informed, strengths-based and youth-centred", body, False),
                ("approaches and avoid re-traumatising questions.", body, False),
                ("2", body, False),
            ],
        ]
    )


def scanned_pdf(pages: int = 2) -> bytes:
    """Pages with no text layer (what a scanner makes, minus the image)."""
    return build_pdf([[] for _ in range(pages)])
