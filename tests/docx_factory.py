"""Build real .docx fixtures with python-docx (no committed binaries).

Simple use — a list of items, each a plain string (a Normal paragraph) or a ``(kind, payload)``
tuple::

    from tests.docx_factory import build_docx
    data = build_docx([
        ("title", "Staff Handbook"),
        ("h1", "Purpose"),
        "This policy explains ...",
        ("bold", "Confidentiality"),          # a short all-bold paragraph
        ("table", [["Role", "Duty"], ["Advocate", "Safety planning"]]),
        ("style", "List Bullet", "an item"),   # any paragraph style by name
    ])                                       # -> bytes of a .docx

Kinds: ``title``, ``h1``…``h9`` (Heading styles), ``p`` (= plain string), ``bold``,
``underline``, ``size`` (3-tuple: points, text), ``runin`` / ``runin-underline`` (3-tuple:
the bold or underlined lead-in, the rest), ``style`` (3-tuple: style name, text), ``table`` (rows of cell strings; a cell may itself be a
list of rows for a nested table), ``image`` (a small PNG; payload ignored), ``empty``.

For special structures, work on a :class:`docx.Document` directly and use the helpers:
:func:`add_tracked_change`, :func:`wrap_in_content_control`, :func:`add_custom_style`,
:func:`set_outline_level`, :func:`to_bytes`; Word's automatic numbering with
:func:`define_list` / :func:`add_abstract_numbering` / :func:`add_num` and
:func:`set_numbering`. :func:`rezip` rewrites a .docx package (replace/add/remove parts) for
broken-file fixtures.
"""

from __future__ import annotations

import copy
import io
import struct
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import docx
import docx.shared
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

Item = str | tuple[Any, ...]


def new_document() -> docx.document.Document:
    """A blank python-docx document (the default template: Normal, Heading 1-9, Title, List ...)."""
    return docx.Document()


def to_bytes(doc: docx.document.Document) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def add_items(doc: docx.document.Document, items: Iterable[Item]) -> docx.document.Document:
    """Append ``items`` (see the module docstring) to ``doc``."""
    for item in items:
        if isinstance(item, str):
            doc.add_paragraph(item)
            continue
        kind = item[0]
        if kind == "title":
            doc.add_paragraph(item[1], style="Title")
        elif kind.startswith("h") and kind[1:].isdigit():
            doc.add_heading(item[1], level=int(kind[1:]))
        elif kind == "p":
            doc.add_paragraph(item[1])
        elif kind == "bold":
            doc.add_paragraph().add_run(item[1]).bold = True
        elif kind == "underline":
            doc.add_paragraph().add_run(item[1]).underline = True
        elif kind == "size":  # ("size", 14, "Visitors"): one run in a 14-point type
            doc.add_paragraph().add_run(item[2]).font.size = docx.shared.Pt(item[1])
        elif kind == "runin-underline":
            para = doc.add_paragraph()
            para.add_run(item[1]).underline = True
            para.add_run(item[2])
        elif kind == "runin":  # ("runin", "Visitors.", " Visitors sign in at the desk.")
            para = doc.add_paragraph()
            para.add_run(item[1]).bold = True
            para.add_run(item[2])
        elif kind == "style":
            doc.add_paragraph(item[2], style=item[1])
        elif kind == "table":
            add_table(doc, item[1])
        elif kind == "image":
            doc.add_picture(io.BytesIO(tiny_png()))
        elif kind == "empty":
            doc.add_paragraph()
        else:
            raise ValueError(f"unknown item kind {kind!r}")
    return doc


def build_docx(items: Iterable[Item], path: str | Path | None = None) -> bytes:
    """A .docx made of ``items``; also written to ``path`` when given. Returns its bytes."""
    data = to_bytes(add_items(new_document(), items))
    if path is not None:
        Path(path).write_bytes(data)
    return data


def add_table(container, rows: Sequence[Sequence[Any]]):
    """A table in ``container`` (a Document or a table cell). A cell that is a list of rows gets a
    nested table instead of text."""
    ncols = max((len(r) for r in rows), default=1)
    table = container.add_table(rows=len(rows), cols=ncols)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            cell = table.cell(r, c)
            if isinstance(value, list | tuple):
                add_table(cell, value)
            else:
                cell.text = str(value)
    return table


# --------------------------------------------------------------------------- XML-level helpers


def add_tracked_change(paragraph, inserted: str = "", deleted: str = "", author: str = "Reviewer"):
    """Append a tracked insertion (``w:ins``) and/or deletion (``w:del``) to ``paragraph``. Word
    shows the inserted text as part of the paragraph; python-docx's ``.text`` does not."""
    p = paragraph._p
    if deleted:
        p.append(
            parse_xml(
                f'<w:del {nsdecls("w")} w:id="901" w:author="{author}" w:date="2024-01-01T00:00:00Z">'
                f'<w:r><w:delText xml:space="preserve">{_esc(deleted)}</w:delText></w:r></w:del>'
            )
        )
    if inserted:
        p.append(
            parse_xml(
                f'<w:ins {nsdecls("w")} w:id="902" w:author="{author}" w:date="2024-01-01T00:00:00Z">'
                f'<w:r><w:t xml:space="preserve">{_esc(inserted)}</w:t></w:r></w:ins>'
            )
        )
    return paragraph


def wrap_in_content_control(paragraph, tag: str = "cc"):
    """Move ``paragraph`` into a body-level content control (``w:sdt``), where python-docx's
    ``document.paragraphs`` no longer sees it."""
    p = paragraph._p
    sdt = parse_xml(
        f'<w:sdt {nsdecls("w")}><w:sdtPr><w:tag w:val="{tag}"/></w:sdtPr><w:sdtContent/></w:sdt>'
    )
    p.addprevious(sdt)
    sdt.find(qn("w:sdtContent")).append(p)
    return sdt


def add_custom_style(
    doc,
    name: str,
    based_on: str | None = None,
    bold: bool | None = None,
    outline: int | None = None,
):
    """A new paragraph style, optionally based on another (e.g. "Heading 2"), bold, or with an
    outline level (0-8 heading levels, 9 body text)."""
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    if based_on:
        style.base_style = doc.styles[based_on]
    if bold is not None:
        style.font.bold = bold
    if outline is not None:
        ppr = style.element.get_or_add_pPr()
        ppr.append(parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="{outline}"/>'))
    return style


def set_outline_level(paragraph, level: int):
    """Direct paragraph formatting ``w:outlineLvl`` (0-8 heading levels, 9 body text)."""
    ppr = paragraph._p.get_or_add_pPr()
    for old in ppr.findall(qn("w:outlineLvl")):
        ppr.remove(old)
    ppr.append(parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="{level}"/>'))
    return paragraph


def clone_paragraph(paragraph):
    """A copy of ``paragraph`` inserted right after it."""
    new = copy.deepcopy(paragraph._p)
    paragraph._p.addnext(new)
    return new


# --------------------------------------------------------------------------- automatic numbering

#: a numbering level: (numFmt, lvlText) or (numFmt, lvlText, start), or a dict with those keys
#: ("fmt", "text", "start") and optionally "restart" (w:lvlRestart), "legal" (w:isLgl),
#: "style" (the level's w:pStyle) and "suff" (tab | space | nothing)
Level = tuple[Any, ...] | dict[str, Any]


def _lvl_xml(ilvl: int, level: Level) -> str:
    if not isinstance(level, dict):
        level = dict(zip(("fmt", "text", "start"), level, strict=False))
    parts = [f'<w:start w:val="{level.get("start", 1)}"/>']
    parts.append(f'<w:numFmt w:val="{level.get("fmt", "decimal")}"/>')
    if "restart" in level:
        parts.append(f'<w:lvlRestart w:val="{level["restart"]}"/>')
    if level.get("style"):
        parts.append(f'<w:pStyle w:val="{level["style"]}"/>')
    if level.get("legal"):
        parts.append("<w:isLgl/>")
    if level.get("suff"):
        parts.append(f'<w:suff w:val="{level["suff"]}"/>')
    parts.append(f'<w:lvlText w:val="{_esc(level.get("text", ""))}"/>')
    parts.append(f'<w:pPr><w:ind w:left="{720 * (ilvl + 1)}" w:hanging="360"/></w:pPr>')
    if level.get("font"):  # the font the label is drawn in (a bullet's Symbol or Wingdings)
        font = _esc(level["font"])
        parts.append(
            f'<w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:hint="default"/></w:rPr>'
        )
    return f'<w:lvl w:ilvl="{ilvl}">{"".join(parts)}</w:lvl>'


def add_abstract_numbering(doc, abstract_id: int, levels: Sequence[Level]) -> int:
    """A ``w:abstractNum`` (a list definition) in the document's numbering part; returns its
    id. Ids from 100 up stay clear of the template's own definitions."""
    numbering = doc.part.numbering_part.element
    lvls = "".join(_lvl_xml(i, lv) for i, lv in enumerate(levels))
    el = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">'
        f'<w:multiLevelType w:val="multilevel"/>{lvls}</w:abstractNum>'
    )
    first_num = numbering.find(qn("w:num"))  # abstractNums come before nums in the schema
    if first_num is not None:
        first_num.addprevious(el)
    else:
        numbering.append(el)
    return abstract_id


def add_num(
    doc, num_id: int, abstract_id: int, start_overrides: dict[int, int] | None = None
) -> int:
    """A ``w:num`` (a list instance) of ``abstract_id``, with ``w:startOverride`` per level
    when given; returns ``num_id``."""
    over = "".join(
        f'<w:lvlOverride w:ilvl="{i}"><w:startOverride w:val="{v}"/></w:lvlOverride>'
        for i, v in (start_overrides or {}).items()
    )
    doc.part.numbering_part.element.append(
        parse_xml(
            f'<w:num {nsdecls("w")} w:numId="{num_id}">'
            f'<w:abstractNumId w:val="{abstract_id}"/>{over}</w:num>'
        )
    )
    return num_id


def define_list(
    doc, num_id: int, levels: Sequence[Level], start_overrides: dict[int, int] | None = None
) -> int:
    """One list: an abstract definition (id ``num_id``) and an instance ``num_id`` of it."""
    add_abstract_numbering(doc, num_id, levels)
    return add_num(doc, num_id, num_id, start_overrides)


def set_numbering(target, num_id: int, ilvl: int | None = 0):
    """Word's automatic numbering (``w:numPr``) on a paragraph or a paragraph style (python-docx
    objects); ``ilvl=None`` leaves the level out (a style's first level)."""
    el = target._p if hasattr(target, "_p") else target.element
    ppr = el.get_or_add_pPr()
    for old in ppr.findall(qn("w:numPr")):
        ppr.remove(old)
    lvl = f'<w:ilvl w:val="{ilvl}"/>' if ilvl is not None else ""
    numpr = parse_xml(f'<w:numPr {nsdecls("w")}>{lvl}<w:numId w:val="{num_id}"/></w:numPr>')
    # schema order: numPr follows pStyle, keepNext, keepLines, pageBreakBefore, framePr and
    # widowControl
    before = {qn(f"w:{t}") for t in _BEFORE_NUMPR}
    at = sum(1 for c in ppr if c.tag in before)
    ppr.insert(at, numpr)
    return target


_BEFORE_NUMPR = ("pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl")


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --------------------------------------------------------------------------- package level


def rezip(
    data: bytes,
    replace: dict[str, bytes] | None = None,
    add: dict[str, bytes] | None = None,
    remove: Iterable[str] = (),
) -> bytes:
    """Rewrite a .docx zip: replace the bytes of some parts, add new ones, drop others."""
    replace = dict(replace or {})
    add = dict(add or {})
    drop = set(remove)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for info in zin.infolist():
            if info.filename in drop:
                continue
            body = replace.pop(info.filename, None)
            zout.writestr(info.filename, body if body is not None else zin.read(info.filename))
        for name, body in {**replace, **add}.items():
            zout.writestr(name, body)
    return out.getvalue()


def read_part(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read(name)


def tiny_png(width: int = 4, height: int = 4) -> bytes:
    """A valid PNG made with zlib (no imaging library needed)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
