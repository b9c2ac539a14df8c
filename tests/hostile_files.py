"""A corpus of broken and hostile uploads, generated (never committed).

    from tests.hostile_files import generate_corpus
    for case in generate_corpus(tmp_dir):
        data = case.path.read_bytes()        # upload these bytes ...
        case.filename                        # ... under this (possibly hostile) name
        case.expected                        # UnreadableDocument.reason, or None: must be accepted
        case.max_upload_bytes                # when set, configure UploadLimits with it

Also runnable: ``python tests/hostile_files.py OUT_DIR`` writes the corpus and lists it.

Every case is built from scratch here: python-docx documents, zips rewritten with ``zipfile``, and a
minimal OLE compound file (CFB v3: header, FAT, directory, stream sectors) written byte by byte for
the encrypted-Word and old-.doc cases.
"""

from __future__ import annotations

import io
import random
import re
import struct
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `tests` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.docx_factory import build_docx, new_document, read_part, rezip, to_bytes

MB = 1024 * 1024


@dataclass(frozen=True)
class HostileCase:
    name: str  # short identifier, unique
    filename: str  # the name the upload claims (may be hostile itself)
    path: Path  # the bytes to upload
    expected: str | None  # UnreadableDocument.reason, or None when the file must be accepted
    note: str = ""
    max_upload_bytes: int | None = None  # when set, parse with UploadLimits(max_upload_bytes=...)
    expected_safe_name: str | None = None  # what safe_filename(filename) must return, when fixed
    concealed: str | None = None  # text the file hides from Word: must not reach any section


# --------------------------------------------------------------------------- building blocks


def _words(rng: random.Random, n: int) -> str:
    vocab = [
        "staff",
        "youth",
        "shelter",
        "safety",
        "report",
        "training",
        "record",
        "client",
        "agency",
        "plan",
        "notify",
        "review",
    ]
    out = []
    for i in range(n):
        w = rng.choice(vocab)
        out.append(w + ("." if i % 15 == 14 else ""))
    return " ".join(out)


def _basic_docx() -> bytes:
    return build_docx(
        [
            ("title", "Sample Policy"),
            ("h1", "Purpose"),
            "Staff keep youth safe.",
            ("h1", "Scope"),
            "All programs.",
        ]
    )


def cfb_file(streams: dict[str, bytes]) -> bytes:
    """A minimal but well-formed OLE compound file (CFB v3, 512-byte sectors) holding
    ``streams`` (each stored in regular sectors, padded to at least 4096 bytes so no mini
    stream is needed). Enough for anything that reads the header and directory."""
    sector = 512
    end, free, fatsect = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    names = list(streams)
    datas = [streams[n].ljust(4096, b"\x00") for n in names]
    fat: list[int] = [fatsect, end]  # sector 0: FAT, sector 1: directory
    starts = []
    next_sector = 2
    for d in datas:
        count = (len(d) + sector - 1) // sector
        starts.append(next_sector)
        for k in range(count):
            fat.append(next_sector + k + 1 if k + 1 < count else end)
        next_sector += count
    assert len(fat) <= sector // 4, "keep the test streams small"
    fat += [free] * (sector // 4 - len(fat))

    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x003E, 0x0003, 0xFFFE, 9, 6)
    struct.pack_into("<I", header, 40, 0)  # directory sectors (0 for v3)
    struct.pack_into("<I", header, 44, 1)  # FAT sectors
    struct.pack_into("<I", header, 48, 1)  # first directory sector
    struct.pack_into("<I", header, 56, 4096)  # mini stream cutoff
    struct.pack_into("<IIII", header, 60, end, 0, end, 0)  # mini FAT, DIFAT: none
    struct.pack_into("<I", header, 76, 0)  # DIFAT[0] = sector 0 holds the FAT
    for i in range(1, 109):
        struct.pack_into("<I", header, 76 + 4 * i, free)

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        e = bytearray(128)
        raw = name.encode("utf-16-le")
        e[0 : len(raw)] = raw
        struct.pack_into("<HBB", e, 64, len(raw) + 2, kind, 1)
        struct.pack_into("<III", e, 68, free, right, child)  # left, right sibling, child
        struct.pack_into("<IQ", e, 116, start, size)
        return bytes(e)

    directory = entry("Root Entry", 5, 1 if names else free, free, end, 0)
    for i, (n, d) in enumerate(zip(names, datas, strict=True)):
        directory += entry(n, 2, free, i + 2 if i + 1 < len(names) else free, starts[i], len(d))
    directory = directory.ljust(sector, b"\x00")
    fat_bytes = struct.pack(f"<{sector // 4}I", *fat)
    return (
        bytes(header)
        + fat_bytes
        + directory
        + b"".join(d.ljust((len(d) + 511) // 512 * 512, b"\0") for d in datas)
    )


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as z:
        for name, body in members.items():
            z.writestr(name, body)
    return out.getvalue()


def _patch_sizes(data: bytes, member: str, declared: int) -> bytes:
    """Make the zip lie: declare ``member`` ``declared`` bytes uncompressed (local header and
    central directory), whatever it really inflates to."""
    buf = bytearray(data)
    name = member.encode()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo(member)
    struct.pack_into("<I", buf, info.header_offset + 22, declared)
    pos = 0
    while True:
        pos = buf.find(b"PK\x01\x02", pos)
        if pos < 0:
            break
        (nlen,) = struct.unpack_from("<H", buf, pos + 28)
        if bytes(buf[pos + 46 : pos + 46 + nlen]) == name:
            struct.pack_into("<I", buf, pos + 24, declared)
        pos += 4
    return bytes(buf)


def _set_encrypted_flag(data: bytes, member: str) -> bytes:
    """Set the 'encrypted' general-purpose bit of one member (zip-level encryption)."""
    buf = bytearray(data)
    name = member.encode()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo(member)
    buf[info.header_offset + 6] |= 1
    pos = 0
    while (pos := buf.find(b"PK\x01\x02", pos)) >= 0:
        (nlen,) = struct.unpack_from("<H", buf, pos + 28)
        if bytes(buf[pos + 46 : pos + 46 + nlen]) == name:
            buf[pos + 8] |= 1
        pos += 4
    return bytes(buf)


def _corrupt_member(data: bytes, member: str) -> bytes:
    """Flip bytes in the middle of one member's compressed data (CRC/deflate error on read)."""
    buf = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo(member)
    nlen, xlen = struct.unpack_from("<HH", buf, info.header_offset + 26)
    start = info.header_offset + 30 + nlen + xlen
    mid = start + info.compress_size // 2
    for k in range(8):
        buf[mid + k] ^= 0xFF
    return bytes(buf)


def _set_content_type(data: bytes, new_type: str) -> bytes:
    ct = read_part(data, "[Content_Types].xml").decode()
    ct = ct.replace(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", new_type
    )
    return rezip(data, replace={"[Content_Types].xml": ct.encode()})


def _replace_document_xml(data: bytes, xml: bytes) -> bytes:
    return rezip(data, replace={"word/document.xml": xml})


_DOC_OPEN = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
)
_DOC_CLOSE = b"</w:body></w:document>"


# --------------------------------------------------------------------------- text-fidelity attacks
#
# Files that open in Word and LibreOffice saying one thing while a careless parser reads another.
# Each visible text is ``SHOWN``; each hidden or unrendered text carries ``CONCEALED``, which must
# never reach a section (tests/test_text_fidelity.py checks both against LibreOffice's export).

SHOWN = "We do not report anything to anyone."
CONCEALED = "Staff are mandated reporters and report suspected trafficking to the hotline."
MC_URI = "http://schemas.openxmlformats.org/markup-compatibility/2006"
W_URI = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
WPS_URI = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"


def hidden_text_docx() -> bytes:
    """Hidden text three ways: a run formatted hidden (``w:vanish``), a paragraph style that
    is hidden, and a character style that is hidden."""
    from docx.enum.style import WD_STYLE_TYPE

    doc = new_document()
    secret_para = doc.styles.add_style("Secret Paragraph", WD_STYLE_TYPE.PARAGRAPH)
    secret_para.font.hidden = True
    secret_char = doc.styles.add_style("Secret Characters", WD_STYLE_TYPE.CHARACTER)
    secret_char.font.hidden = True
    doc.add_heading("Outside contacts", level=1)
    p = doc.add_paragraph(SHOWN + " ")
    p.add_run(CONCEALED + " (run)").font.hidden = True
    doc.add_paragraph(CONCEALED + " (paragraph style)", style="Secret Paragraph")
    q = doc.add_paragraph("Questions go to the director. ")
    q.add_run(CONCEALED + " (character style)", style="Secret Characters")
    doc.add_heading(CONCEALED + " (hidden heading)", level=1).runs[0].font.hidden = True
    doc.add_paragraph("Records are kept for seven years.")
    return to_bytes(doc)


def _alternate(requires: str, prefix_uri: str, choice: str, fallback: str, prefix: str) -> bytes:
    """A paragraph whose runs sit in ``mc:AlternateContent`` (Choice needing ``requires``)."""
    return (
        f'<w:p><mc:AlternateContent xmlns:mc="{MC_URI}" xmlns:{prefix}="{prefix_uri}">'
        f'<mc:Choice Requires="{requires}"><w:r><w:t>{choice}</w:t></w:r></mc:Choice>'
        f"<mc:Fallback><w:r><w:t>{fallback}</w:t></w:r></mc:Fallback>"
        "</mc:AlternateContent></w:p>"
    ).encode()


def alternate_unknown_docx() -> bytes:
    """``mc:Choice`` needing a namespace no reader understands: Word and LibreOffice render
    ``mc:Fallback``; so must we (inline runs and body-level paragraphs)."""
    body = (
        b'<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Reporting</w:t></w:r></w:p>'
        + _alternate("x9", "http://example.invalid/future", CONCEALED, SHOWN, "x9")
        + f'<mc:AlternateContent xmlns:mc="{MC_URI}" xmlns:x9="http://example.invalid/future">'
        f'<mc:Choice Requires="x9"><w:p><w:r><w:t>{CONCEALED} (body)</w:t></w:r></w:p></mc:Choice>'
        "<mc:Fallback><w:p><w:r><w:t>Records are kept for seven years.</w:t></w:r></w:p>"
        "</mc:Fallback></mc:AlternateContent>".encode()
    )
    return _with_body(body)


def alternate_understood_docx() -> bytes:
    """The reverse: a Choice every reader understands (``wps``) wins over its Fallback."""
    body = (
        b'<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Reporting</w:t></w:r></w:p>'
        + _alternate("wps", WPS_URI, SHOWN, CONCEALED, "wps")
        + b"<w:p><w:r><w:t>Records are kept for seven years.</w:t></w:r></w:p>"
    )
    return _with_body(body)


def alternate_spoofed_prefix_docx() -> bytes:
    """Prefix ``wps`` bound to a made-up namespace: LibreOffice matches the prefix, Word the
    namespace, so the two disagree on the branch. Refused as ambiguous."""
    body = _alternate("wps", "http://example.invalid/not-wps", CONCEALED, SHOWN, "wps")
    return _with_body(body + b"<w:p><w:r><w:t>Records are kept.</w:t></w:r></w:p>")


def _with_body(body: bytes) -> bytes:
    base = _basic_docx()
    xml = read_part(base, "word/document.xml")
    start = xml.index(b"<w:body>") + len(b"<w:body>")
    end = xml.index(b"<w:sectPr")
    return _replace_document_xml(base, xml[:start] + body + xml[end:])


def case_duplicate_docx() -> bytes:
    """``word/document.xml`` and ``Word/Document.xml`` in one zip: part names are
    case-insensitive, so readers disagree on which is the document."""
    base = _basic_docx()
    xml = read_part(base, "word/document.xml")
    other = xml.replace(b"Staff keep youth safe.", CONCEALED.encode())
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info.filename), zipfile.ZIP_DEFLATED)
        zout.writestr("Word/Document.xml", other, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def same_name_duplicate_docx() -> bytes:
    """The same member name twice: zip readers keep the first or the last."""
    import warnings

    base = _basic_docx()
    xml = read_part(base, "word/document.xml")
    other = xml.replace(b"Staff keep youth safe.", CONCEALED.encode())
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info.filename), zipfile.ZIP_DEFLATED)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Duplicate name": the point of this file
            zout.writestr("word/document.xml", other, zipfile.ZIP_DEFLATED)
    return out.getvalue()


R_URI = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
OUTSIDE = "http://outside.example/beacon"


def external_content_docx() -> bytes:
    """Everything that fetches or runs when the file is opened or converted: a picture linked
    to an outside URL, a remote attached template, a ``file://`` sub-document, an embedded OLE
    package (an "executable"), an ``INCLUDEPICTURE`` field (complex) and an ``INCLUDETEXT``
    field (simple), an imported HTML chunk — and an ordinary hyperlink, which stays."""
    base = _basic_docx()
    rel = '<Relationship Id="{id}" Type="' + R_URI + '/{type}" Target="{target}"{mode}/>'

    def r(id_, type_, target, external=True):
        mode = ' TargetMode="External"' if external else ""
        return rel.format(id=id_, type=type_, target=target, mode=mode).encode()

    doc_rels = read_part(base, "word/_rels/document.xml.rels")
    doc_rels = doc_rels.replace(
        b"</Relationships>",
        r("rIdX1", "image", OUTSIDE + "/pixel.png")
        + r("rIdX2", "subDocument", "file:///etc/passwd")
        + r("rIdX3", "oleObject", "embeddings/oleObject1.bin", external=False)
        + r("rIdX4", "image", "media/preview.png", external=False)
        + r("rIdX5", "hyperlink", "https://www.dcf.wisconsin.gov/")
        + r("rIdX6", "aFChunk", "chunk.html", external=False)
        + b"</Relationships>",
    )
    settings_rels = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + r("rIdT", "attachedTemplate", OUTSIDE + "/template.dotx")
        + b"</Relationships>"
    )
    settings = read_part(base, "word/settings.xml")
    settings = settings.replace(
        b"<w:defaultTabStop",
        b'<w:attachedTemplate xmlns:r="' + R_URI.encode() + b'" r:id="rIdT"/><w:defaultTabStop',
        1,
    )
    xml = read_part(base, "word/document.xml")
    ns = (
        b' xmlns:r="' + R_URI.encode() + b'"'
        b' xmlns:v="urn:schemas-microsoft-com:vml"'
        b' xmlns:o="urn:schemas-microsoft-com:office:office"'
        b' xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
    )
    body = (
        b"<w:p><w:r><w:t>Staff follow the safety plan.</w:t></w:r></w:p>"
        # a picture linked to an outside address (VML, so no drawing boilerplate is needed)
        b'<w:p><w:r><w:pict><v:shape style="width:10pt;height:10pt">'
        b'<v:imagedata r:id="rIdX1" o:title=""/></v:shape></w:pict></w:r></w:p>'
        b'<w:p><w:subDoc r:id="rIdX2"/></w:p>'
        # an embedded OLE package with its preview picture
        b'<w:p><w:r><w:object><v:shape style="width:20pt;height:20pt">'
        b'<v:imagedata r:id="rIdX4" o:title=""/></v:shape>'
        b'<o:OLEObject Type="Embed" ProgID="Package" ShapeID="_x0000_i1025" '
        b'DrawAspect="Icon" ObjectID="_1" r:id="rIdX3"/></w:object></w:r></w:p>'
        # INCLUDEPICTURE as a complex field, INCLUDETEXT as a simple one
        b'<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        b'<w:r><w:instrText xml:space="preserve"> INCLUDEPICTURE "'
        + OUTSIDE.encode()
        + b'/i.png" \\d </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        b'<w:r><w:t>Picture result.</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
        b'<w:p><w:fldSimple w:instr=" INCLUDETEXT &quot;'
        + OUTSIDE.encode()
        + b'/t.docx&quot; "><w:r><w:t>Included text result.</w:t></w:r></w:fldSimple></w:p>'
        b'<w:p><w:hyperlink r:id="rIdX5"><w:r><w:t>Department of Children and Families</w:t>'
        b"</w:r></w:hyperlink></w:p>"
        b'<w:altChunk r:id="rIdX6"/>'
    )
    head = xml[: xml.index(b">", xml.index(b"<w:document"))]
    missing = b"".join(
        b" " + decl for decl in ns.split(b" ") if decl and decl.split(b"=")[0] not in head
    )
    xml = xml.replace(b"<w:document ", b"<w:document" + missing + b" ", 1)
    start = xml.index(b"<w:body>") + len(b"<w:body>")
    xml = xml[:start] + body + xml[start:]
    from tests.docx_factory import tiny_png

    ct = read_part(base, "[Content_Types].xml").replace(
        b"</Types>",
        b'<Default Extension="bin" ContentType="application/vnd.openxmlformats-officedocument'
        b'.oleObject"/><Default Extension="png" ContentType="image/png"/>'
        b'<Default Extension="html" ContentType="text/html"/></Types>',
    )
    return rezip(
        base,
        replace={
            "word/document.xml": xml,
            "word/_rels/document.xml.rels": doc_rels,
            "word/settings.xml": settings,
            "[Content_Types].xml": ct,
        },
        add={
            "word/_rels/settings.xml.rels": settings_rels,
            "word/embeddings/oleObject1.bin": cfb_file({"\x01Ole10Native": b"MZ" + b"\0" * 64}),
            "word/media/preview.png": tiny_png(),
            "word/chunk.html": b'<html><body><img src="'
            + OUTSIDE.encode()
            + b'/c.png"></body></html>',
        },
    )


def assert_inert(data: bytes) -> None:
    """No part of ``data`` reaches outside (but hyperlinks), embeds or includes anything."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        assert not [n for n in names if n.lower().startswith(("word/embeddings/", "word/activex/"))]
        for n in names:
            blob = z.read(n)
            if n.endswith(".rels"):
                for rel in re.findall(rb"<Relationship [^>]*>", blob):
                    if b'TargetMode="External"' in rel:
                        assert b"/hyperlink" in rel, rel
                assert b"aFChunk" not in blob
            if n.endswith(".xml"):
                for word in (b"INCLUDEPICTURE", b"INCLUDETEXT", b"OLEObject", b"altChunk"):
                    assert word not in blob, (n, word)
                assert b"attachedTemplate" not in blob and b"subDoc " not in blob
        assert OUTSIDE.encode() not in b"".join(z.read(n) for n in names)


def header_doctype_docx() -> bytes:
    """A header part (never read by the parser) with a DOCTYPE: refused like any other part."""
    doc = new_document()
    doc.sections[0].header.paragraphs[0].text = "Header"
    doc.add_paragraph("Body text.")
    data = to_bytes(doc)
    name = next(
        n
        for n in zipfile.ZipFile(io.BytesIO(data)).namelist()
        if "header" in n and n.endswith(".xml") and "_rels" not in n
    )
    xml = read_part(data, name)
    xml = xml.replace(b"?>", b'?><!DOCTYPE w:hdr [<!ENTITY x "y">]>', 1)
    return rezip(data, replace={name: xml})


def many_sections_docx(n: int = 10_050) -> bytes:
    """A small file that becomes more sections than a review can hold: tiny headed sections."""
    body = b"".join(
        b'<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Part %d</w:t></w:r></w:p>'
        b"<w:p><w:r><w:t>Staff act.</w:t></w:r></w:p>" % i
        for i in range(n)
    )
    return _with_body(body)


def many_runs_docx(n: int = 400_500) -> bytes:
    """One paragraph of 400,000 short runs (varied, so it is no zip bomb by ratio)."""
    rng = random.Random(7)
    runs = b"".join(
        b"<w:r><w:t>%s</w:t></w:r>" % bytes(rng.choice(b"abcdefghij") for _ in range(3))
        for _ in range(n)
    )
    return _with_body(b"<w:p>" + runs + b"</w:p>")


def _letters(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(97 + r) + out
    return out


def many_words_docx(n: int = 100_500) -> bytes:
    """A word list of 100,000 distinct made-up words, in paragraphs of 500."""
    words = [_letters(i) for i in range(n)]
    paras = [" ".join(words[i : i + 500]) for i in range(0, n, 500)]
    body = b"".join(b"<w:p><w:r><w:t>" + p.encode() + b"</w:t></w:r></w:p>" for p in paras)
    return _with_body(body)


def zip64_many_members(n: int = 66_000) -> bytes:
    """A zip64 archive (more than 65,535 members): its end record says 0xFFFF and the real count
    is in the zip64 record, which the member-count pre-check must read."""
    base = _basic_docx()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info.filename))
        for i in range(n):
            zout.writestr(f"word/x/{i}.xml", b"")
    return out.getvalue()


# --------------------------------------------------------------------------- the cases


def _cases() -> list[tuple[str, str, Callable[[], bytes], str | None, str, dict]]:
    rng = random.Random(20240601)
    base = _basic_docx()

    def huge_paragraph() -> bytes:
        doc = new_document()
        doc.add_heading("Everything", level=1)
        text = _words(rng, 1)
        parts = []
        size = 0
        while size < 5 * MB:
            chunk = _words(rng, 2000)
            parts.append(chunk)
            size += len(chunk) + 1
        text = " ".join(parts)
        doc.add_paragraph(text)
        return to_bytes(doc)

    def empty_paragraphs() -> bytes:
        doc = new_document()
        doc.add_heading("Before", level=1)
        doc.add_paragraph("Some text before the blank pages.")
        body = doc.element.body
        sect = body[-1]
        from docx.oxml import parse_xml
        from docx.oxml.ns import nsdecls

        for _ in range(50_000):
            sect.addprevious(parse_xml(f"<w:p {nsdecls('w')}/>"))
        doc.add_paragraph("Some text after the blank pages.")
        return to_bytes(doc)

    def only_images() -> bytes:
        return build_docx([("image", None), ("image", None), ("empty", None)])

    def billion_laughs() -> bytes:
        ents = '<!ENTITY lol "lol">' + "".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
            for i in range(1, 10)
        )
        xml = (
            '<?xml version="1.0"?><!DOCTYPE w:document [' + ents + "]>"
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
            "<w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"
        )
        return _replace_document_xml(base, xml.encode())

    def xxe() -> bytes:
        xml = (
            '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
            "<w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>"
        )
        return _replace_document_xml(base, xml.encode())

    def control_chars_docx() -> bytes:
        body = b"<w:p><w:r><w:t>Bad\x01char\x0bhere\x1f</w:t></w:r></w:p>"
        return _replace_document_xml(base, _DOC_OPEN + body + _DOC_CLOSE)

    def deep_nesting() -> bytes:
        inner = b"<w:p><w:r><w:t>deep</w:t></w:r></w:p>"
        wrapped = b"<w:sdt><w:sdtContent>" * 400 + inner + b"</w:sdtContent></w:sdt>" * 400
        return _replace_document_xml(base, _DOC_OPEN + wrapped + _DOC_CLOSE)

    def wide_bomb() -> bytes:
        zeros = b"\x00" * (10 * MB)
        return rezip(base, add={f"word/media/pad{i}.bin": zeros for i in range(12)})

    def ratio_bomb() -> bytes:
        return rezip(base, add={"word/media/blank.bin": b"\x00" * (60 * MB)})

    def lying_sizes() -> bytes:
        big = _DOC_OPEN + b"<w:p><w:r><w:t>" + b"a" * (20 * MB) + b"</w:t></w:r></w:p>" + _DOC_CLOSE
        return _patch_sizes(_replace_document_xml(base, big), "word/document.xml", 2000)

    def deep_bomb() -> bytes:
        inner = _zip({f"zeros{i}.bin": b"\x00" * (5 * MB) for i in range(4)})
        middle = _zip({f"layer{i}.zip": inner for i in range(8)}, zipfile.ZIP_STORED)
        return _zip({f"outer{i}.zip": middle for i in range(4)}, zipfile.ZIP_STORED)

    def embedded_bomb() -> bytes:
        inner = _zip({f"zeros{i}.bin": b"\x00" * (5 * MB) for i in range(4)})
        return rezip(base, add={"word/embeddings/package.zip": inner})

    def many_members() -> bytes:
        return rezip(base, add={f"word/extra/part{i}.xml": b"<a/>" for i in range(6000)})

    def xlsx() -> bytes:
        import openpyxl

        wb = openpyxl.Workbook()
        wb.active["A1"] = "Policy"
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()

    def macro_docm() -> bytes:
        data = _set_content_type(base, "application/vnd.ms-word.document.macroEnabled.main+xml")
        return rezip(data, add={"word/vbaProject.bin": cfb_file({"VBA": b"Attribute VB_Name"})})

    def only_table() -> bytes:
        return build_docx([("table", [["Role", "Duty"], ["Advocate", "Safety planning"]])])

    def nested_tables() -> bytes:
        return build_docx(
            [
                ("h1", "Contacts"),
                ("table", [["Outer", [["Inner A", [["Innermost", "x"]]], ["Inner B", "y"]]]]),
            ]
        )

    def truncated() -> bytes:
        return base[: len(base) // 2]

    def oversize() -> bytes:
        doc = new_document()
        doc.add_heading("Big", level=1)
        doc.add_paragraph("Text.")
        doc.add_paragraph(bytes(rng.getrandbits(8) for _ in range(10)).hex())
        data = to_bytes(doc)
        return rezip(data, add={"word/media/noise.bin": rng.randbytes(2 * MB)})

    def main_part_renamed() -> bytes:
        rels = read_part(base, "_rels/.rels").replace(b"word/document.xml", b"word/main.xml")
        ct = read_part(base, "[Content_Types].xml").replace(
            b"/word/document.xml", b"/word/main.xml"
        )
        doc_rels = read_part(base, "word/_rels/document.xml.rels")
        return rezip(
            base,
            replace={"_rels/.rels": rels, "[Content_Types].xml": ct},
            add={
                "word/main.xml": read_part(base, "word/document.xml"),
                "word/_rels/main.xml.rels": doc_rels,
            },
            remove=["word/document.xml", "word/_rels/document.xml.rels"],
        )

    def strict() -> bytes:
        xml = read_part(base, "word/document.xml").replace(
            b"http://schemas.openxmlformats.org/wordprocessingml/2006/main",
            b"http://purl.oclc.org/ooxml/wordprocessingml/main",
        )
        return _replace_document_xml(base, xml)

    good_text = b"PURPOSE\n\nStaff keep youth safe.\n\nSCOPE\n\nAll programs.\n"
    ok = None
    return [
        ("zero_bytes", "policy.docx", lambda: b"", "empty", "0-byte upload", {}),
        (
            "not_a_zip",
            "policy.docx",
            lambda: b"This is just some text pretending to be Word.\n" * 20,
            "not_zip",
            "",
            {},
        ),
        ("truncated_zip", "policy.docx", truncated, "truncated", "first half of a real .docx", {}),
        (
            "crc_corrupt",
            "policy.docx",
            lambda: _corrupt_member(base, "word/document.xml"),
            "truncated",
            "bytes flipped inside document.xml",
            {},
        ),
        ("zip_bomb_wide", "policy.docx", wide_bomb, "zip_bomb", "12 x 10 MB members of zeros", {}),
        (
            "zip_bomb_ratio",
            "policy.docx",
            ratio_bomb,
            "zip_bomb",
            "one 60 MB member at ~1000:1",
            {},
        ),
        (
            "zip_bomb_lying_sizes",
            "policy.docx",
            lying_sizes,
            "truncated",
            "document.xml declares 2,000 bytes and inflates to 20 MB: reading stops at the declared size and the CRC fails",
            {},
        ),
        (
            "zip_bomb_deep",
            "archive.docx",
            deep_bomb,
            "not_word",
            "zip of zips of zeros: never opened, no Word part",
            {},
        ),
        (
            "docx_with_embedded_zip",
            "policy.docx",
            embedded_bomb,
            ok,
            "a nested zip in word/embeddings is never inflated",
            {},
        ),
        ("too_many_members", "policy.docx", many_members, "zip_bomb", "6,000 parts", {}),
        (
            "encrypted_word",
            "policy.docx",
            lambda: cfb_file(
                {"EncryptionInfo": b"\x04\x00\x04\x00", "EncryptedPackage": b"\x00" * 64}
            ),
            "encrypted",
            "OLE file with an EncryptedPackage stream",
            {},
        ),
        (
            "zip_level_encryption",
            "policy.docx",
            lambda: _set_encrypted_flag(base, "word/document.xml"),
            "encrypted",
            "zip member with the encryption bit set",
            {},
        ),
        (
            "legacy_doc",
            "policy.doc",
            lambda: cfb_file({"WordDocument": b"\xec\xa5" + b"\x00" * 500}),
            "unsupported_type",  # converted through LibreOffice where installed: this one fails
            "Word 97-2003 document (.doc)",
            {},
        ),
        (
            "macro_docm",
            "policy.docm",
            macro_docm,
            "macro",
            "macro-enabled content type and vbaProject.bin",
            {},
        ),
        (
            "macro_renamed_docx",
            "policy.docx",
            lambda: rezip(base, add={"word/vbaProject.bin": b"VBA"}),
            "macro",
            "vbaProject.bin in a file called .docx",
            {},
        ),
        (
            "template_dotx",
            "policy.dotx",
            lambda: _set_content_type(
                base,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
            ),
            "template",
            "",
            {},
        ),
        (
            "missing_content_types",
            "policy.docx",
            lambda: rezip(base, remove=["[Content_Types].xml"]),
            "missing_part",
            "",
            {},
        ),
        (
            "missing_document_part",
            "policy.docx",
            lambda: rezip(base, remove=["word/document.xml"]),
            "missing_part",
            "",
            {},
        ),
        (
            "missing_package_rels",
            "policy.docx",
            lambda: rezip(base, remove=["_rels/.rels"]),
            "missing_part",
            "no package relationships: Word and python-docx cannot find the document either",
            {},
        ),
        (
            "main_part_renamed",
            "policy.docx",
            main_part_renamed,
            ok,
            "main document at word/main.xml, found through _rels/.rels",
            {},
        ),
        ("xlsx_renamed", "policy.docx", xlsx, "not_word", "an Excel workbook", {}),
        (
            "random_zip",
            "policy.docx",
            lambda: _zip({"notes.txt": b"hello", "img/a.bin": b"\x01\x02"}),
            "not_word",
            "",
            {},
        ),
        (
            "malformed_xml",
            "policy.docx",
            lambda: _replace_document_xml(base, _DOC_OPEN + b"<w:p><w:r><w:t>unclosed"),
            "bad_xml",
            "",
            {},
        ),
        (
            "billion_laughs",
            "policy.docx",
            billion_laughs,
            "bad_xml",
            "entity expansion in a DOCTYPE",
            {},
        ),
        (
            "external_entity",
            "policy.docx",
            xxe,
            "bad_xml",
            "SYSTEM entity pointing at /etc/passwd",
            {},
        ),
        (
            "control_chars_docx",
            "policy.docx",
            control_chars_docx,
            "bad_xml",
            "raw C0 control characters in document.xml (Word cannot open it either)",
            {},
        ),
        (
            "control_chars_txt",
            "policy.txt",
            lambda: b"PURPOSE\n\nSafe\x01ty\x0b first\x1f.\x7f\n\nMore.",
            ok,
            "stripped from the text",
            {},
        ),
        (
            "deep_nesting",
            "policy.docx",
            deep_nesting,
            "bad_xml",
            "400 nested content controls (libxml2 depth limit)",
            {},
        ),
        (
            "strict_ooxml",
            "policy.docx",
            strict,
            "unsupported_type",
            "ISO 29500 Strict namespace",
            {},
        ),
        (
            "enormous_paragraph",
            "policy.docx",
            huge_paragraph,
            ok,
            "5 MB of text in one paragraph",
            {},
        ),
        (
            "empty_paragraphs_50000",
            "policy.docx",
            empty_paragraphs,
            ok,
            "50,000 empty paragraphs between two lines of text",
            {},
        ),
        ("only_images", "policy.docx", only_images, "empty", "", {}),
        ("only_a_table", "policy.docx", only_table, ok, "", {}),
        ("nested_tables", "policy.docx", nested_tables, ok, "", {}),
        (
            "pdf_renamed",
            "policy.docx",
            lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
            "bad_pdf",  # PDFs are read (issue 12); this one has no pages
            "",
            {},
        ),
        (
            "binary_txt",
            "policy.txt",
            lambda: bytes(range(256)) * 8,
            "bad_encoding",
            "NUL bytes in a .txt",
            {},
        ),
        ("unknown_extension", "policy.exe", lambda: good_text, "unsupported_type", "", {}),
        (
            "utf16_txt",
            "policy.txt",
            lambda: "PURPOSE\n\nStaff keep youth safe \u2013 always.\n".encode("utf-16"),
            ok,
            "",
            {},
        ),
        (
            "cp1252_txt",
            "policy.txt",
            lambda: "PURPOSE\n\nStaff\u2019s duty \u2013 safety.\n".encode("cp1252"),
            ok,
            "",
            {},
        ),
        (
            "above_size_limit",
            "policy.docx",
            oversize,
            "too_large",
            "2 MB upload with a 1 MB limit",
            {"max_upload_bytes": 1 * MB},
        ),
        (
            "name_path_separators",
            "../../etc/cron.d/policy.docx",
            lambda: base,
            ok,
            "",
            {"expected_safe_name": "policy.docx"},
        ),
        (
            "name_windows_path",
            "C:\\Users\\admin\\Desktop\\policy.docx",
            lambda: base,
            ok,
            "",
            {"expected_safe_name": "policy.docx"},
        ),
        (
            "name_dotdot",
            "..",
            lambda: good_text,
            "unsupported_type",
            "no extension left: not a supported type",
            {"expected_safe_name": "document"},
        ),
        (
            "name_nul",
            "policy\x00.exe.docx",
            lambda: base,
            ok,
            "",
            {"expected_safe_name": "policy.exe.docx"},
        ),
        (
            "name_300_chars",
            "p" * 300 + ".docx",
            lambda: base,
            ok,
            "",
            {"expected_safe_name": "p" * 115 + ".docx"},
        ),
        (
            "name_rtl",
            "\u0633\u064a\u0627\u0633\u0629 \u05de\u05d3\u05d9\u05e0\u05d9\u05d5\u05ea.docx",
            lambda: base,
            ok,
            "Arabic and Hebrew",
            {
                "expected_safe_name": "\u0633\u064a\u0627\u0633\u0629 \u05de\u05d3\u05d9\u05e0\u05d9\u05d5\u05ea.docx"
            },
        ),
        (
            "name_rtl_override",
            "invoice\u202excod.exe",
            lambda: base,
            ok,
            "bidi override used to spoof an extension",
            {"expected_safe_name": "invoicexcod.exe"},
        ),
        (
            "name_control_chars",
            "pol\x07icy\r\n.docx",
            lambda: base,
            ok,
            "",
            {"expected_safe_name": "policy.docx"},
        ),
        (
            "md_whitespace_heading",
            "policy.md",
            lambda: b"# a" + b" " * MB + b"b\n\nText.\n",
            ok,
            "1 MB of spaces inside an ATX heading line (regex backtracking guard)",
            {},
        ),
        (
            "md_whitespace_table",
            "policy.md",
            lambda: b"Intro.\n\n" + b" " * MB + b"|" + b"-x" * 10 + b"\n",
            ok,
            "1 MB of spaces before a table row (regex backtracking guard)",
            {},
        ),
        (
            "plain_markdown",
            "policy.md",
            lambda: b"# Purpose\n\nStaff keep youth safe.\n",
            ok,
            "",
            {},
        ),
        (
            "hidden_text",
            "policy.docx",
            hidden_text_docx,
            ok,
            "w:vanish on a run, a paragraph style and a character style: never read",
            {"concealed": CONCEALED},
        ),
        (
            "alternate_unknown_choice",
            "policy.docx",
            alternate_unknown_docx,
            ok,
            "mc:Choice needing an unknown namespace: the Fallback is what readers render",
            {"concealed": CONCEALED},
        ),
        (
            "alternate_understood_choice",
            "policy.docx",
            alternate_understood_docx,
            ok,
            "mc:Choice needing wps: the Choice is what readers render",
            {"concealed": CONCEALED},
        ),
        (
            "alternate_spoofed_prefix",
            "policy.docx",
            alternate_spoofed_prefix_docx,
            "ambiguous",
            "prefix wps bound to another namespace: readers disagree",
            {},
        ),
        (
            "parts_differ_in_case",
            "policy.docx",
            case_duplicate_docx,
            "ambiguous",
            "word/document.xml and Word/Document.xml",
            {},
        ),
        (
            "external_content",
            "policy.docx",
            external_content_docx,
            ok,
            "linked picture, remote template, sub-document, OLE package, fetching fields",
            {},
        ),
        (
            "header_doctype",
            "policy.docx",
            header_doctype_docx,
            "bad_xml",
            "a DOCTYPE in a header the parser never reads",
            {},
        ),
        (
            "too_many_sections",
            "policy.docx",
            many_sections_docx,
            "too_complex",
            "10,050 headed sections in a small file",
            {},
        ),
        ("too_many_runs", "policy.docx", many_runs_docx, "too_complex", "400,500 runs", {}),
        (
            "too_many_distinct_words",
            "policy.docx",
            many_words_docx,
            "too_complex",
            "100,500 distinct words",
            {},
        ),
        (
            "zip64_many_members",
            "policy.docx",
            zip64_many_members,
            "zip_bomb",
            "66,000 members: a zip64 end record",
            {},
        ),
        (
            "parts_same_name_twice",
            "policy.docx",
            same_name_duplicate_docx,
            "ambiguous",
            "word/document.xml twice",
            {},
        ),
    ]


def generate_corpus(directory: str | Path) -> list[HostileCase]:
    """Write every case's bytes into ``directory`` and describe them."""
    out_dir = Path(directory)
    out_dir.mkdir(parents=True, exist_ok=True)
    cases = []
    for name, filename, make, expected, note, extra in _cases():
        path = out_dir / f"{name}.upload"
        if not path.exists():
            path.write_bytes(make())
        cases.append(HostileCase(name, filename, path, expected, note, **extra))
    return cases


if __name__ == "__main__":  # pragma: no cover
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "test-output/hostile")
    for c in generate_corpus(target):
        print(f"{c.name:28} {c.path.stat().st_size:>10,}  expect {c.expected or 'accepted'}")
