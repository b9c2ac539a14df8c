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
