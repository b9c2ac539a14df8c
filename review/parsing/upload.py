"""Cheap checks on an upload before any of its XML is parsed, and safe reading of its parts.

Everything a hostile or broken file can do to us is refused here with a typed
:class:`~review.errors.UnreadableDocument` (a message for the person uploading and a short reason
code): empty, too large, not a zip, truncated, an encrypted or old-format Office file, a macro
file, a template, a zip that is not Word, missing parts, zip bombs (declared sizes and ratios are
checked first, then decompression is streamed with a cap because declared sizes can lie), and XML
with a DOCTYPE or entity declarations (parsed with a hardened lxml parser).
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from lxml import etree

from review.config import UploadLimits
from review.errors import UnreadableDocument

SUPPORTED_EXTENSIONS = (".docx", ".txt", ".md")
_TEXT_EXTENSIONS = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md"}
_WORD_EXTENSIONS = (".docx", ".docm", ".dotx", ".dotm", ".doc", ".dot")

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

#: the compression-ratio guard applies to members that inflate beyond this: smaller members are
#: harmless whatever their ratio, and real documents have them (50,000 empty paragraphs compress
#: ~300:1), while the total-size cap and the streaming cap bound everything else
RATIO_CHECK_FLOOR = 8 * 1024 * 1024
_READ_CHUNK = 1 << 20

CT_MAIN_DOCUMENT = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
)
CT_MACRO_DOCUMENT = "application/vnd.ms-word.document.macroEnabled.main+xml"
CT_TEMPLATE = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
CT_MACRO_TEMPLATE = "application/vnd.ms-word.template.macroEnabledTemplate.main+xml"
CT_VBA = "application/vnd.ms-office.vbaProject"
REL_OFFICE_DOCUMENT = "/officeDocument"
REL_STYLES = "/styles"
REL_CORE = "/core-properties"

NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
NS_REL = "http://schemas.openxmlformats.org/package/2006/relationships"

SUPPORTED_LIST = ", ".join(SUPPORTED_EXTENSIONS)

_MESSAGES = {
    "empty_file": "The file is empty (0 bytes). Choose the document again and upload it.",
    "not_zip": (
        "This file is not a valid Word document: a .docx file is a zip package and this one is "
        "not. Open it in Word and save it as a Word Document (.docx)."
    ),
    "truncated": (
        "This Word file is damaged or incomplete (it may have been cut off while copying or "
        "downloading). Open it in Word, save a fresh copy as .docx and upload that."
    ),
    "encrypted": (
        "This file is password-protected (encrypted). Remove the password in Word "
        "(File > Info > Protect Document) and upload it again."
    ),
    "legacy_doc": (
        "This is an old Word 97-2003 document (.doc). Open it in Word and save it as a Word "
        "Document (.docx), then upload that."
    ),
    "ole_other": (
        "This is an old-format Office file that is not a Word document. Upload the policy as a "
        f"Word document ({SUPPORTED_LIST})."
    ),
    "macro": (
        "This Word file contains macros (a macro-enabled .docm document), which are not accepted "
        "for security reasons. Save it in Word as a Word Document (.docx), which removes the "
        "macros, and upload that."
    ),
    "template": (
        "This is a Word template (.dotx/.dotm), not a document. Create a document from it, save "
        "that as a Word Document (.docx) and upload it."
    ),
    "not_word": (
        "This file is an Office/zip package but not a Word document. Upload the policy as a Word "
        f"document ({SUPPORTED_LIST})."
    ),
    "xlsx": "This is an Excel workbook, not a Word document. Upload the policy as a .docx file.",
    "pptx": "This is a PowerPoint presentation, not a Word document. Upload the policy as a .docx file.",
    "missing_part": (
        "This Word file is incomplete: a required part of the package is missing ({part}). Open "
        "it in Word, save a fresh copy as .docx and upload that."
    ),
    "bad_xml": (
        "This Word file is damaged: its content could not be read ({detail}). Open it in Word, "
        "save a fresh copy as .docx and upload that."
    ),
    "doctype": (
        "This Word file contains XML declarations (DOCTYPE/ENTITY) that Word never writes; it "
        "was refused for safety. Save a fresh copy from Word as .docx and upload that."
    ),
    "zip_bomb": (
        "This file expands to far more data than a policy document can ({detail}); it was refused "
        "to protect the service. If it is a genuine document, remove large embedded objects and "
        "upload it again."
    ),
    "too_large": (
        "The file is too large ({size} MB); the limit is {limit} MB. Remove large images or "
        "embedded objects, or split the document, and upload it again."
    ),
    "unsupported_type": (
        "This file type is not supported. Upload a Word document (.docx), a plain-text file "
        "(.txt) or a Markdown file (.md)."
    ),
    "pdf": (
        "PDF files are not supported. Upload the policy as a Word document (.docx), or save it as "
        "plain text (.txt)."
    ),
    "rtf": (
        "Rich Text Format (.rtf) files are not supported. Open it in Word, save it as a Word "
        "Document (.docx) and upload that."
    ),
    "compression": (
        "This Word file uses a compression method this service cannot read. Open it in Word, save "
        "a fresh copy as .docx and upload that."
    ),
    "ambiguous_parts": (
        "This Word file holds two parts with the same name ({detail}), which different programs "
        "read differently, so what you see in Word might not be what is reviewed. It was refused; "
        "open it in Word, save a fresh copy as .docx and upload that."
    ),
    "ambiguous_mc": (
        "This Word file holds alternative versions of some content that Word and other programs "
        "show differently, so what you see in Word might not be what is reviewed. It was refused; "
        "open it in Word, save a fresh copy as .docx and upload that."
    ),
    "too_complex": (
        "This document is too complex to review in one piece ({detail}; the limit is {limit}). "
        "Split it into smaller documents, or remove generated content, and upload them."
    ),
    "strict": (
        "This Word file is saved in the 'Strict Open XML' format, which is not supported. Save it "
        "in Word as a normal Word Document (.docx) and upload that."
    ),
}


def refuse(key: str, reason: str, filename: str | None, **fmt: object) -> UnreadableDocument:
    """Build the typed error for ``key`` (a message template) with reason code ``reason``."""
    return UnreadableDocument(_MESSAGES[key].format(**fmt), filename=filename, reason=reason)


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


# --------------------------------------------------------------------------- hardened XML


def xml_parser() -> etree.XMLParser:
    """A parser that never resolves entities, loads DTDs or touches the network, and keeps
    libxml2's size/depth limits (huge_tree off). A new one per call: lxml parsers are not
    meant to be shared between threads, and Streamlit serves sessions on threads."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(data: bytes, part: str, filename: str | None) -> etree._Element:
    """Parse one package part; refuse DOCTYPE/ENTITY and malformed XML as ``bad_xml``."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise refuse("doctype", "bad_xml", filename)
    try:
        root = etree.fromstring(data, xml_parser())
    except etree.XMLSyntaxError as exc:
        detail = f"{part}: {exc.msg}" if getattr(exc, "msg", None) else part
        raise refuse("bad_xml", "bad_xml", filename, detail=detail) from None
    if root is None:
        raise refuse("bad_xml", "bad_xml", filename, detail=f"{part}: no content")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:  # e.g. a UTF-16 part hiding a DOCTYPE
        raise refuse("doctype", "bad_xml", filename)
    return root


# --------------------------------------------------------------------------- the package


def _key(name: str) -> str:
    """OPC part names are case-insensitive; some tools write backslashes."""
    return name.replace("\\", "/").lstrip("/").lower()


@dataclass
class Package:
    """An opened, pre-checked .docx zip: the parts we need, found through the relationships."""

    zf: zipfile.ZipFile
    members: dict[str, zipfile.ZipInfo]
    main_part: str
    filename: str | None
    limits: UploadLimits
    used: int = 0  # bytes inflated so far, against limits.max_uncompressed_bytes
    raw: dict[str, bytes] = field(default_factory=dict)  # parts read, by key

    def mentions(self, part: str, needle: bytes) -> bool:
        """Whether the raw bytes of ``part`` contain ``needle`` (a cheap pre-test)."""
        key = _key(part)
        data = self.raw.get(key)
        if data is None:
            data = self.raw[key] = self.read(part)
        return needle in data

    def has(self, part: str) -> bool:
        return _key(part) in self.members

    def read(self, part: str) -> bytes:
        """Inflate one member, streaming with a cap (declared sizes can lie)."""
        info = self.members[_key(part)]
        if info.flag_bits & 0x1:
            raise refuse("encrypted", "encrypted", self.filename)
        budget = self.limits.max_uncompressed_bytes - self.used
        chunks: list[bytes] = []
        total = 0
        try:
            with self.zf.open(info) as fh:
                while True:
                    chunk = fh.read(_READ_CHUNK)
                    if not chunk:
                        break
                    total += len(chunk)
                    if total > budget:
                        raise refuse(
                            "zip_bomb",
                            "zip_bomb",
                            self.filename,
                            detail=f"more than {_mb(self.limits.max_uncompressed_bytes)} MB uncompressed",
                        )
                    if (
                        total > RATIO_CHECK_FLOOR
                        and total > self.limits.max_compression_ratio * max(info.compress_size, 1)
                    ):
                        raise refuse(
                            "zip_bomb",
                            "zip_bomb",
                            self.filename,
                            detail=f"{info.filename} inflates more than {self.limits.max_compression_ratio}:1",
                        )
                    chunks.append(chunk)
        except UnreadableDocument:
            raise
        except NotImplementedError:
            raise refuse("compression", "unsupported_type", self.filename) from None
        except RuntimeError:  # zipfile: "File ... is encrypted, password required"
            raise refuse("encrypted", "encrypted", self.filename) from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError):
            raise refuse("truncated", "truncated", self.filename) from None
        self.used += total
        return b"".join(chunks)

    def xml(self, part: str) -> etree._Element:
        key = _key(part)
        data = self.raw.get(key)
        if data is None:
            data = self.raw[key] = self.read(part)
        return parse_xml(data, part, self.filename)

    def rels(self, source_part: str) -> list[tuple[str, str]]:
        """(type, target part name) of a part's relationships; [] when it has none."""
        d, base = posixpath.split(source_part)
        rels_name = posixpath.join(d, "_rels", base + ".rels")
        if not self.has(rels_name):
            return []
        root = self.xml(rels_name)
        out = []
        for rel in root.iter(f"{{{NS_REL}}}Relationship"):
            if (rel.get("TargetMode") or "").lower() == "external":
                continue
            target = rel.get("Target") or ""
            if target.startswith("/"):
                resolved = target.lstrip("/")
            else:
                resolved = posixpath.normpath(posixpath.join(d, target))
            out.append((rel.get("Type") or "", resolved))
        return out

    def related(self, source_part: str, rel_suffix: str) -> str | None:
        for rtype, target in self.rels(source_part):
            if rtype.endswith(rel_suffix) and self.has(target):
                return target
        return None


def check_all_xml(pkg: Package) -> None:
    """Parse every XML part of the package (hardened: DOCTYPE/ENTITY and malformed XML refused
    as ``bad_xml``), not only the parts the reader uses: the annotated copy keeps them all, and
    an office suite that opens it reads them."""
    for key, info in pkg.members.items():
        if key.endswith((".xml", ".rels", ".vml")) and key not in pkg.raw:
            pkg.xml(info.filename)


_RUN_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?r[\s/>]")
_WORD = re.compile(r"\w+")


def too_complex(filename: str | None, detail: str, limit: int) -> UnreadableDocument:
    return refuse("too_complex", "too_complex", filename, detail=detail, limit=f"{limit:,}")


def check_runs(pkg: Package, limits: UploadLimits) -> None:
    """Count the main part's runs in its raw bytes, before its XML is parsed."""
    key = _key(pkg.main_part)
    data = pkg.raw.get(key)
    if data is None:
        data = pkg.raw[key] = pkg.read(pkg.main_part)
    runs = sum(1 for _ in _RUN_TAG.finditer(data))
    if runs > limits.max_runs:
        raise too_complex(pkg.filename, f"{runs:,} runs of text", limits.max_runs)


def check_complexity(sections, filename: str | None, limits: UploadLimits) -> None:
    """Bound what the matcher and the review screens will have to handle."""
    if len(sections) > limits.max_sections:
        raise too_complex(filename, f"{len(sections):,} sections", limits.max_sections)
    if len(distinct_words(sections)) > limits.max_distinct_words:
        raise too_complex(
            filename,
            f"more than {limits.max_distinct_words:,} distinct words",
            limits.max_distinct_words,
        )


def distinct_words(sections) -> set[str]:
    """The lower-cased ``\\w+`` words of the sections' titles and texts.

    A word never holds whitespace, so the words of a text are those of its whitespace-separated
    chunks: the text is split in C and only the distinct chunks (a manual repeats its words) are
    searched, several times faster than searching every word. Lower-casing ASCII first gives the
    same words; ``lower()`` can split or join ``\\w`` runs of other scripts ("İ" -> "i̇"), so such
    text is lower-cased word by word."""
    chunks: set[str] = set()
    other: set[str] = set()
    for s in sections:
        for text in (s.title, s.text):
            if text.isascii():
                chunks.update(text.lower().split())
            else:
                other.update(text.split())
    words = {w for c in chunks for w in _WORD.findall(c)}
    words.update(w.lower() for c in other for w in _WORD.findall(c))
    return words


def _eocd_entries(data: bytes) -> int | None:
    """Entry count from the End Of Central Directory record, read without building a ZipFile
    (so a zip declaring millions of members is refused before Python lists them)."""
    pos = data.rfind(b"PK\x05\x06", max(0, len(data) - 65557))
    if pos < 0 or pos + 22 > len(data):
        return None
    (total,) = struct.unpack_from("<H", data, pos + 10)
    if total == 0xFFFF:  # zip64: the real count is in the zip64 end record, found by its locator
        loc = pos - 20
        if loc >= 0 and data[loc : loc + 4] == b"PK\x06\x07":
            (end64,) = struct.unpack_from("<Q", data, loc + 8)
            if end64 + 56 <= len(data) and data[end64 : end64 + 4] == b"PK\x06\x06":
                (total,) = struct.unpack_from("<Q", data, end64 + 32)
                return total
        return None  # a zip64 marker without its record: damaged
    return total


def _open_zip(data: bytes, filename: str | None, limits: UploadLimits) -> zipfile.ZipFile:
    entries = _eocd_entries(data)
    if entries is None:
        raise refuse("truncated", "truncated", filename)
    if entries > limits.max_zip_members:
        raise refuse("zip_bomb", "zip_bomb", filename, detail=f"{entries} parts")
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, struct.error):
        raise refuse("truncated", "truncated", filename) from None
    except NotImplementedError:
        raise refuse("compression", "unsupported_type", filename) from None


def _check_sizes(infos: list[zipfile.ZipInfo], filename: str | None, limits: UploadLimits) -> None:
    if len(infos) > limits.max_zip_members:
        raise refuse("zip_bomb", "zip_bomb", filename, detail=f"{len(infos)} parts")
    total = 0
    for info in infos:
        total += info.file_size
        if total > limits.max_uncompressed_bytes:
            raise refuse(
                "zip_bomb",
                "zip_bomb",
                filename,
                detail=f"more than {_mb(limits.max_uncompressed_bytes)} MB uncompressed",
            )
        if (
            info.file_size > RATIO_CHECK_FLOOR
            and info.file_size > limits.max_compression_ratio * max(info.compress_size, 1)
        ):
            raise refuse(
                "zip_bomb",
                "zip_bomb",
                filename,
                detail=f"{info.filename} inflates more than {limits.max_compression_ratio}:1",
            )


def open_package(data: bytes, filename: str | None, limits: UploadLimits) -> Package:
    """Open and pre-check a .docx. Reads only [Content_Types].xml and the package relationships;
    everything else is decided from the zip's central directory."""
    zf = _open_zip(data, filename, limits)
    infos = zf.infolist()
    _check_sizes(infos, filename, limits)
    members: dict[str, zipfile.ZipInfo] = {}
    for i in infos:
        if not i.filename or i.is_dir():  # a nameless member (damaged directory) is no part
            continue
        key = _key(i.filename)
        if key in members:  # part names are case-insensitive: readers would pick different ones
            detail = f"{members[key].filename} and {i.filename}"
            if members[key].filename == i.filename:
                detail = f"{i.filename} twice"
            raise refuse("ambiguous_parts", "ambiguous", filename, detail=detail[:120])
        members[key] = i
    if any(i.flag_bits & 0x1 for i in infos):
        raise refuse("encrypted", "encrypted", filename)
    pkg = Package(zf, members, "", filename, limits)

    if "[content_types].xml" not in members:
        if not any(k.startswith("word/") for k in members):
            raise refuse("not_word", "not_word", filename)
        raise refuse("missing_part", "missing_part", filename, part="[Content_Types].xml")
    ct_root = pkg.xml("[Content_Types].xml")
    overrides: dict[str, str] = {}
    for el in ct_root.iter(f"{{{NS_CT}}}Override"):
        overrides[_key(el.get("PartName") or "")] = (el.get("ContentType") or "").strip().lower()
    defaults = {
        (el.get("Extension") or "").lower(): (el.get("ContentType") or "").strip().lower()
        for el in ct_root.iter(f"{{{NS_CT}}}Default")
    }
    types = set(overrides.values())

    # refuse what it *is* before what it lacks: a template or a workbook is not "missing" anything
    if CT_TEMPLATE in types or CT_MACRO_TEMPLATE in types:
        raise refuse("template", "template", filename)
    if (
        CT_MACRO_DOCUMENT in types
        or CT_VBA in types
        or defaults.get("bin") == CT_VBA
        or any(k.rsplit("/", 1)[-1] == "vbaproject.bin" for k in members)
    ):
        raise refuse("macro", "macro", filename)
    if CT_MAIN_DOCUMENT not in types:
        if any("spreadsheetml" in t for t in types):
            raise refuse("xlsx", "not_word", filename)
        if any("presentationml" in t for t in types):
            raise refuse("pptx", "not_word", filename)
        if any(k.startswith("word/") for k in members):
            raise refuse("missing_part", "missing_part", filename, part="the main document entry")
        raise refuse("not_word", "not_word", filename)

    # found the way Word and python-docx find it (the annotator reopens the file with python-docx,
    # so a package it cannot open is refused here rather than failing later)
    if not pkg.has("_rels/.rels"):
        raise refuse("missing_part", "missing_part", filename, part="_rels/.rels")
    main = pkg.related("", REL_OFFICE_DOCUMENT)
    if main is None:  # no officeDocument relationship, or it points at a part that is not there
        raise refuse("missing_part", "missing_part", filename, part="the main document")
    pkg.main_part = _key(main)
    return pkg


# --------------------------------------------------------------------------- entry checks


def sniff_format(data: bytes, filename: str | None, limits: UploadLimits) -> str:
    """Size and magic checks: returns "docx", "txt" or "md" without opening anything."""
    if len(data) == 0:
        raise refuse("empty_file", "empty", filename)
    if len(data) > limits.max_upload_bytes:
        raise refuse(
            "too_large",
            "too_large",
            filename,
            size=_mb(len(data)),
            limit=_mb(limits.max_upload_bytes),
        )
    head = data[:8]
    if head[:4] in ZIP_MAGIC:
        return "docx"
    if head == OLE_MAGIC:
        if "EncryptedPackage".encode("utf-16-le") in data or b"EncryptedPackage" in data:
            raise refuse("encrypted", "encrypted", filename)
        if "WordDocument".encode("utf-16-le") in data:
            raise refuse("legacy_doc", "unsupported_type", filename)
        raise refuse("ole_other", "not_word", filename)
    stripped = data.lstrip()[:8]
    if stripped.startswith(b"%PDF"):
        raise refuse("pdf", "unsupported_type", filename)
    if stripped.startswith(b"{\\rtf"):
        raise refuse("rtf", "unsupported_type", filename)
    ext = PurePosixPath((filename or "").replace("\\", "/")).suffix.lower()
    if ext in _TEXT_EXTENSIONS:
        return _TEXT_EXTENSIONS[ext]
    if ext in _WORD_EXTENSIONS:
        raise refuse("not_zip", "not_zip", filename)
    raise refuse("unsupported_type", "unsupported_type", filename)
