"""Real PDF files for the tests, written by hand (no PDF library needed to make them): pages of
text lines in Helvetica / Helvetica-Bold at chosen sizes, or pages with no text layer at all."""

from __future__ import annotations

Line = tuple[str, float, bool]  # text, font size, bold


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def build_pdf(pages: list[list[Line]]) -> bytes:
    """A PDF 1.4 file: one page per list of lines, top to bottom, wrapped by the caller."""
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
        for text, size, is_bold in lines:
            y -= size * 1.25 + (size * 0.6 if size > 12 or is_bold else 0)
            ops.append(
                f"BT /{'F2' if is_bold else 'F1'} {size:g} Tf 72 {y:.1f} Td ({_esc(text)}) Tj ET"
            )
        stream = "\n".join(ops).encode("latin-1")
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
