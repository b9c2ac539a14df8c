"""Make a .docx package inert: nothing in it fetches, runs or pulls in content from elsewhere.

The stored original (which the annotated copy is made from) is this sanitised package, so
neither the copy an agency or reviewer downloads, nor an office suite converting it, reaches an
outside address or starts an embedded program. :func:`sanitize_docx` returns the new bytes and
what it removed, in words for the upload summary. What goes:

* relationships with ``TargetMode="External"`` other than hyperlinks (a hyperlink is fetched only
  when someone clicks it, and Word shows where it goes): linked pictures, a remote attached
  template, ``file://`` sub-documents, linked OLE objects, frames — and the references to them
  (``r:link``/``r:id`` of pictures, ``w:attachedTemplate``, ``w:subDoc``);
* embedded objects and controls (``word/embeddings/*``, ``word/activeX/*``: OLE packages can
  carry executables) — the object's preview picture stays, the object does not;
* ``w:altChunk`` (HTML/RTF/MHT pulled into the document when Word opens it; the parser never
  reads it, so the reviewer never saw it either);
* fields that fetch or include content when updated — ``INCLUDEPICTURE``, ``INCLUDETEXT``,
  ``LINK``, ``DDE``, ``DDEAUTO``, ``IMPORT``: the field code is removed and the last result
  stays as plain text (so the text the reviewer saw is unchanged).

Every XML part of the package is parsed with the hardened parser of :mod:`.upload` on the way
(a DOCTYPE or malformed XML anywhere is refused as ``bad_xml``, not only in the parts the parser
reads), and no ``w:p`` is removed, so the paragraph indices the parser recorded still hold.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections import Counter
from dataclasses import dataclass, field

from lxml import etree

from review.config import UploadLimits
from review.parsing.upload import NS_CT, NS_REL, Package, _key, open_package, parse_xml

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
O = "urn:schemas-microsoft-com:office:office"  # noqa: E741 - the VML office namespace
V = "urn:schemas-microsoft-com:vml"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"

#: external relationships that are kept: followed only on a click, shown before it
_KEEP_EXTERNAL = ("/hyperlink",)
#: package folders whose parts are embedded programs or documents
_EMBEDDED_DIRS = ("word/embeddings/", "word/activex/")
_FETCHING_FIELDS = frozenset({"INCLUDEPICTURE", "INCLUDETEXT", "LINK", "DDE", "DDEAUTO", "IMPORT"})
_XML_SUFFIXES = (".xml", ".rels", ".vml")

_LABELS = {
    "external": ("link to an outside address", "links to outside addresses"),
    "template": ("remote attached template", "remote attached templates"),
    "subdoc": ("linked sub-document", "linked sub-documents"),
    "embedded": ("embedded object or control", "embedded objects or controls"),
    "altchunk": ("imported HTML/RTF chunk", "imported HTML/RTF chunks"),
    "field": ("field that fetches content", "fields that fetch content"),
}


@dataclass
class Sanitized:
    data: bytes
    removed: Counter = field(default_factory=Counter)

    @property
    def summary(self) -> tuple[str, ...]:
        """What was removed, in words ("2 links to outside addresses"), for the upload summary."""
        out = []
        for key, (one, many) in _LABELS.items():
            n = self.removed.get(key, 0)
            if n:
                out.append(f"{n} {one if n == 1 else many}")
        return tuple(out)


def removed_note(removed: tuple[str, ...] | list[str], copy: str = "the stored copy") -> str:
    """The sentence that tells what :func:`sanitize_docx` took out of ``copy`` ("" for nothing):
    the upload summary's, and ``analyze --annotate``'s for the annotated copy."""
    if not removed:
        return ""
    return (
        f"Removed from {copy} for safety (only the text is reviewed): " + ", ".join(removed) + "."
    )


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def sanitize_docx(
    data: bytes, filename: str | None = None, limits: UploadLimits | None = None
) -> Sanitized:
    """The package without external, embedded or fetching content (see the module docstring).
    Raises :class:`~review.errors.UnreadableDocument` for a part that is not safe XML."""
    pkg = open_package(data, filename, limits or UploadLimits())
    try:
        return _Sanitizer(pkg, data).run()
    finally:
        pkg.zf.close()


class _Sanitizer:
    def __init__(self, pkg: Package, data: bytes):
        self.pkg = pkg
        self.data = data
        self.removed: Counter = Counter()
        self.drop: set[str] = set()  # member keys not written out
        self.xml: dict[str, etree._Element] = {}  # parsed XML parts, by member key
        self.changed: set[str] = set()

    def run(self) -> Sanitized:
        pkg = self.pkg
        names = {k: info.filename for k, info in pkg.members.items()}
        for key in names:
            if key.startswith(_EMBEDDED_DIRS):
                self.drop.add(key)
                if not key.endswith(_XML_SUFFIXES) or "/_rels/" not in key:
                    self.removed["embedded"] += 1
        for key, name in names.items():
            if key in self.drop:
                continue
            if key.endswith(_XML_SUFFIXES) or key == "[content_types].xml":
                self.xml[key] = parse_xml(self._raw(key, name), name, pkg.filename)
        removed_rids: dict[str, set[str]] = {}
        for key, root in list(self.xml.items()):
            if key.endswith(".rels"):
                removed_rids[self._source_of(key)] = self._clean_rels(key, root)
        for key, root in self.xml.items():
            if key.endswith(".rels") or key == "[content_types].xml":
                continue
            self._clean_part(key, root, removed_rids.get(key, set()))
        self._clean_content_types()
        if not self.changed and not self.drop:
            return Sanitized(self.data, self.removed)
        return Sanitized(self._write(names), self.removed)

    def _raw(self, key: str, name: str) -> bytes:
        data = self.pkg.raw.get(key)
        if data is None:
            data = self.pkg.raw[key] = self.pkg.read(name)
        return data

    # ---------------------------------------------------------------- relationships

    @staticmethod
    def _source_of(rels_key: str) -> str:
        d, base = posixpath.split(rels_key)
        return posixpath.join(posixpath.dirname(d), base[: -len(".rels")])

    def _clean_rels(self, key: str, root: etree._Element) -> set[str]:
        """Drop external (non-hyperlink) relationships and those to dropped parts; their ids."""
        gone = set()
        source_dir = posixpath.dirname(self._source_of(key))
        for rel in list(root.iter(f"{{{NS_REL}}}Relationship")):
            rtype = rel.get("Type") or ""
            external = (rel.get("TargetMode") or "").lower() == "external"
            target = rel.get("Target") or ""
            if external:
                if rtype.endswith(_KEEP_EXTERNAL):
                    continue
                if rtype.endswith("/attachedTemplate"):
                    self.removed["template"] += 1
                elif rtype.endswith("/subDocument"):
                    self.removed["subdoc"] += 1
                else:
                    self.removed["external"] += 1
            else:
                resolved = _key(
                    target.lstrip("/")
                    if target.startswith("/")
                    else posixpath.normpath(posixpath.join(source_dir, target))
                )
                is_chunk = rtype.endswith("/aFChunk")
                if is_chunk:
                    self.drop.add(resolved)
                if resolved not in self.drop:
                    continue
            gone.add(rel.get("Id") or "")
            rel.getparent().remove(rel)
            self.changed.add(key)
        return gone

    # ---------------------------------------------------------------- part content

    def _clean_part(self, key: str, root: etree._Element, gone: set[str]) -> None:
        changed = False
        rid_attrs = (f"{{{R}}}id", f"{{{R}}}link", f"{{{R}}}embed")
        if gone:
            for el in list(root.iter()):
                if not isinstance(el.tag, str):
                    continue
                for attr in rid_attrs:
                    if el.get(attr) in gone:
                        parent = el.getparent()
                        if el.tag in (_w("subDoc"), _w("attachedTemplate"), _w("altChunk")):
                            if el.tag == _w("altChunk"):
                                self.removed["altchunk"] += 1
                            if parent is not None:
                                parent.remove(el)
                        elif el.tag in (f"{{{O}}}OLEObject", _w("control")):
                            if parent is not None:
                                parent.remove(el)
                        else:
                            del el.attrib[attr]  # a picture that pointed outside: now blank
                        changed = True
                        break
        # embedded objects referenced without a removed id (e.g. the rels part was missing)
        for el in list(root.iter(f"{{{O}}}OLEObject", _w("control"))):
            el.getparent().remove(el)
            changed = True
        if self._neutralize_fields(root):
            changed = True
        if changed:
            self.changed.add(key)

    def _neutralize_fields(self, root: etree._Element) -> bool:
        changed = False
        for fs in list(root.iter(_w("fldSimple"))):
            if _keyword(fs.get(_w("instr")) or "") in _FETCHING_FIELDS:
                parent = fs.getparent()
                at = parent.index(fs)
                for child in list(fs):
                    parent.insert(at, child)
                    at += 1
                parent.remove(fs)
                self.removed["field"] += 1
                changed = True
        # complex fields: begin … instrText … separate … result … end, possibly nested
        stack: list[list[etree._Element]] = []
        instr: list[list[str]] = []
        for el in list(root.iter(_w("fldChar"), _w("instrText"))):
            if el.tag == _w("fldChar"):
                kind = el.get(_w("fldCharType"))
                if kind == "begin":
                    stack.append([el])
                    instr.append([])
                elif stack:
                    stack[-1].append(el)
                    if kind == "end":
                        parts, words = stack.pop(), instr.pop()
                        if _keyword(" ".join(words)) in _FETCHING_FIELDS:
                            for p in parts:
                                p.getparent().remove(p)
                            self.removed["field"] += 1
                            changed = True
            elif stack:
                stack[-1].append(el)
                instr[-1].append(el.text or "")
        return changed

    def _clean_content_types(self) -> None:
        key = "[content_types].xml"
        root = self.xml.get(key)
        if root is None:
            return
        for el in list(root.iter(f"{{{NS_CT}}}Override")):
            if _key(el.get("PartName") or "") in self.drop:
                root.remove(el)
                self.changed.add(key)

    # ---------------------------------------------------------------- output

    def _write(self, names: dict[str, str]) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for key, name in names.items():
                if key in self.drop:
                    continue
                if key in self.changed:
                    blob = etree.tostring(
                        self.xml[key], xml_declaration=True, encoding="UTF-8", standalone=True
                    )
                else:
                    blob = self._raw(key, name)
                z.writestr(name, blob)
        return out.getvalue()


def _keyword(instr: str) -> str:
    words = instr.strip().split()
    return words[0].upper() if words else ""
