"""The annotated policy: the agency's own .docx with one summary comment at the start and a Word
comment on each linked section (see :func:`annotated_policy`).

Nothing of the original is rewritten: the file is loaded with python-docx and only gains comment
range markers, comment reference runs, the two comment styles when it lacks them, and (on request)
shaded evidence, where a run is split at the phrase boundaries with its formatting copied. Every
paragraph's text stays as it was.

Sections point at paragraphs through ``Section.first_par``/``last_par``, indices into
:func:`review.parsing.body_paragraph_elements` — the very enumeration the parser used, so the
comment lands on the heading the parser saw.
"""

from __future__ import annotations

import copy
import io
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from xml.sax.saxutils import escape, quoteattr

from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from lxml import etree

from review.coverage import training_titles
from review.errors import UnreadableDocument, ValidationFailed
from review.framework import Framework
from review.models import Evidence, ReportContext, ReportLink, Section
from review.parsing import body_paragraph_elements
from review.reports._text import (
    SUGGESTED_LABEL,
    UNDECIDED_LABEL,
    human_date,
    initials,
    one_line,
    shorten,
    xml_safe,
)
from review.reports.decisions import (
    PRODUCT_AUTHOR,
    Decisions,
    decisions_of,
    section_name,
)

#: a section longer than this many paragraphs is searched for evidence in its first ones only
MAX_HIGHLIGHT_PARAGRAPHS = 400
#: the author of every comment the engine wrote (suggestions, the summary); a person's decisions
#: are authored by that person
SUGGESTER_AUTHOR = PRODUCT_AUTHOR
#: fill of the evidence shading: a color Word's highlighter cannot produce, so a recipient never
#: mistakes it for a highlight of their own
EVIDENCE_FILL = "CFE3F7"

_W_T, _W_R, _W_P = qn("w:t"), qn("w:r"), qn("w:p")
_W_NS = _W_T[1 : _W_T.index("}")]
_RANGE_START = qn("w:commentRangeStart")
_RUN_TEXT = {qn("w:tab"): "\t", qn("w:br"): "\n", qn("w:cr"): "\n", qn("w:noBreakHyphen"): "-"}
#: runs below these hold no visible body text of this paragraph (text boxes, deletions) or are
#: rebuilt by Word (simple fields): they are counted as empty and never split
_SKIP_ANCESTORS = {qn("w:p"), qn("w:del"), qn("w:moveFrom"), qn("w:fldSimple"), qn("w:txbxContent")}


def _body_paragraphs(doc: DocxDocument) -> list:
    """The parser's paragraph enumeration (see the module docstring)."""
    return body_paragraph_elements(doc.element.body)


# --------------------------------------------------------------------------- comments


_W_ID, _W_VAL = qn("w:id"), qn("w:val")
_TAGS = {
    name: qn(f"w:{name}")
    for name in ("pPr", "commentRangeEnd", "r", "rPr", "rStyle", "commentReference")
}


def _anchor_xml(comment_id: int) -> str:
    """The range start, range end and reference run of one comment, as XML text."""
    c = str(comment_id)
    return (
        f'<w:commentRangeStart w:id="{c}"/><w:commentRangeEnd w:id="{c}"/>'
        f'<w:r><w:rPr><w:rStyle w:val="CommentReference"/></w:rPr>'
        f'<w:commentReference w:id="{c}"/></w:r>'
    )


def _anchor_all(anchors: Sequence[tuple[object, int]]) -> None:
    """Mark each paragraph as its comment's range and add the reference run at its end.

    Written as XML rather than through ``Run.mark_comment_range`` so paragraphs whose text sits in
    hyperlinks, content controls or fields, or that have no run at all, are anchored the same way.
    All markers are parsed in one go and moved into place: creating them one element at a time
    cost 12 µs a comment (python-docx's element classes make each proxy dear), this about 4.
    The range start goes after the paragraph properties and the ranges of earlier comments, in
    order; anchors never move text, so doing them after the highlighting changes nothing.
    """
    if not anchors:
        return
    markers = parse_xml(
        f"<w:anchors {nsdecls('w')}>{''.join(_anchor_xml(cid) for _, cid in anchors)}</w:anchors>"
    )
    kids = list(markers)
    for n, (p_el, _) in enumerate(anchors):
        start, end, ref_run = kids[3 * n : 3 * n + 3]
        at = 0
        while at < len(p_el) and p_el[at].tag in (_TAGS["pPr"], _RANGE_START):
            at += 1
        p_el.insert(at, start)
        p_el.append(end)
        p_el.append(ref_run)


class _Commenter:
    """Writes comments into the document's comments part (created when the original has none).

    The ``w:comment`` elements are written as XML text and parsed once at the end: python-docx's
    ``add_comment`` scans every existing comment id on each call and builds runs one element at a
    time, which took 3 s for the 2,000 comments of a large manual (see bench/bench_reports.py).
    The XML is what python-docx writes: a CommentText paragraph starting with the annotation
    reference run.
    """

    def __init__(self, doc: DocxDocument, author: str = PRODUCT_AUTHOR) -> None:
        self._part = doc.part._comments_part  # creates the part when missing
        self._comments = self._part.element
        self._author = author
        self._now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        used = [int(x) for x in self._comments.xpath("./w:comment/@w:id")]
        self._next = max(used, default=-1) + 1
        self._pending: list[str] = []
        self._anchors: list[tuple[object, int]] = []

    def add(
        self,
        p_el,
        lines: Sequence[tuple[str, bool]],
        author: str | None = None,
        date: str = "",
    ) -> int:
        """A comment whose paragraphs are ``(text, bold)`` pairs, anchored on ``p_el``, written by
        ``author`` (default: the commenter's) on ``date`` (ISO 8601; default: now)."""
        cid = self._next
        self._next += 1
        paras = [_comment_paragraph(text, bold, i == 0) for i, (text, bold) in enumerate(lines)]
        who, init = _author_attrs(one_line(author or self._author) or PRODUCT_AUTHOR)
        when = _word_date(date) or self._now
        self._pending.append(
            f'<w:comment w:id="{cid}" w:author={who} w:initials={init} '
            f'w:date="{when}">{"".join(paras)}</w:comment>'
        )
        self._anchors.append((p_el, cid))  # placed by flush()
        return cid

    def flush(self) -> int:
        """Parse the pending comments in one go, append them to the comments part and anchor
        them on their paragraphs."""
        _anchor_all(self._anchors)
        self._anchors = []
        if self._pending:
            added = "".join(self._pending)
            root = _with_children(self._part.element, added)
            if root is not None:
                self._part._element = root  # python-docx serialises the part from this on save
            else:
                parsed = parse_xml(f"<w:comments {nsdecls('w')}>{added}</w:comments>")
                for comment in list(parsed):
                    self._comments.append(comment)
            self._comments = self._part.element
        n, self._pending = len(self._pending), []
        return n


@lru_cache(maxsize=256)
def _author_attrs(author: str) -> tuple[str, str]:
    return quoteattr(xml_safe(author)[:250]), quoteattr(initials(author))


def _word_date(value: str) -> str:
    """ISO 8601 → Word's ``2024-05-02T10:00:00Z`` (UTC); "" when empty or unreadable."""
    v = one_line(value)
    if not v:
        return ""
    try:
        dt = datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        return ""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_COMMENT_STYLES = {
    "CommentText": (
        '<w:style w:type="paragraph" w:styleId="CommentText"><w:name w:val="annotation text"/>'
        '{based}<w:uiPriority w:val="99"/><w:unhideWhenUsed/>'
        '<w:pPr><w:spacing w:after="60" w:line="240" w:lineRule="auto"/></w:pPr>'
        '<w:rPr><w:sz w:val="20"/><w:szCs w:val="20"/></w:rPr></w:style>'
    ),
    "CommentReference": (
        '<w:style w:type="character" w:styleId="CommentReference">'
        '<w:name w:val="annotation reference"/><w:uiPriority w:val="99"/><w:semiHidden/>'
        '<w:unhideWhenUsed/><w:rPr><w:sz w:val="16"/><w:szCs w:val="16"/></w:rPr></w:style>'
    ),
}


def _define_comment_styles(doc: DocxDocument) -> list[str]:
    """Add the ``CommentText`` / ``CommentReference`` styles the comments refer to, when the
    original lacks them (Word falls back silently, LibreOffice and validators complain).
    Returns the style ids added."""
    styles = doc.styles.element
    have = set(styles.xpath("./w:style/@w:styleId"))
    added = []
    for sid, xml in _COMMENT_STYLES.items():
        if sid in have:
            continue
        based = '<w:basedOn w:val="Normal"/>' if "Normal" in have else ""
        styles.append(
            parse_xml(
                xml.replace("{based}", based).replace("<w:style ", f"<w:style {nsdecls('w')} ", 1)
            )
        )
        added.append(sid)
    return added


def _with_children(root, added: str):
    """``root`` re-parsed with the XML text ``added`` before its end tag; None when its main
    namespace is not bound to ``w:`` (then the caller appends the parsed comments one by one).

    Parsing the part whole is a third cheaper than moving 2,000 parsed comments into it, and
    serialises to the same bytes: the root keeps its namespace declarations and attributes.
    """
    if root.prefix != "w" or root.nsmap.get("w") != _W_NS:
        return None
    xml = etree.tostring(root, encoding="unicode")
    end = f"</w:{etree.QName(root).localname}>"
    if xml.endswith(end):
        head = xml[: -len(end)]
    elif len(root) == 0 and xml.endswith("/>"):
        head = xml[:-2] + ">"
    else:
        return None
    return parse_xml(head + added + end)


@lru_cache(maxsize=4096)
def _comment_paragraph(text: str, bold: bool, first: bool) -> str:
    """One comment paragraph as XML text. Cached: comments repeat the same headings, names and
    notes hundreds of times over a manual."""
    ref = _ANNOTATION_REF if first else ""
    rpr = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return (
        f'<w:p><w:pPr><w:pStyle w:val="CommentText"/></w:pPr>{ref}'
        f'<w:r>{rpr}<w:t xml:space="preserve">{escape(xml_safe(text))}</w:t></w:r></w:p>'
    )


_ANNOTATION_REF = '<w:r><w:rPr><w:rStyle w:val="CommentReference"/></w:rPr><w:annotationRef/></w:r>'


# --------------------------------------------------------------------------- highlighting


def _run_text(r) -> tuple[str, bool]:
    """(visible text, simple) of a run; simple = one ``w:t`` and nothing else to split around."""
    parts: list[str] = []
    simple = True
    n_t = 0
    for child in r:
        tag = child.tag
        if tag == _W_RPR:
            continue
        if tag == _W_T:
            parts.append(child.text or "")
            n_t += 1
        else:
            parts.append(_RUN_TEXT.get(tag, ""))
            simple = False
    return "".join(parts), simple and n_t == 1


def _paragraph_runs(p_el) -> list[tuple[object, str, bool]]:
    """The runs carrying this paragraph's own text, in order, as (run, text, splittable)."""
    out = []
    for r in p_el.iter(_W_R):
        anc = r.getparent()
        mine = True
        while anc is not None and anc is not p_el:
            if anc.tag in _SKIP_ANCESTORS:
                mine = False
                break
            anc = anc.getparent()
        if not mine:
            continue
        text, simple = _run_text(r)
        out.append((r, text, simple))
    return out


@lru_cache(maxsize=8192)
def _compile_phrase(words: tuple[str, ...]) -> re.Pattern[str]:
    """Case-insensitive, whole words, any whitespace between them ("staff" never lights up
    inside "staffing")."""
    body = r"\s+".join(re.escape(w) for w in words)
    return re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)


@lru_cache(maxsize=8192)
def _compile_ascii_phrase(words: tuple[str, ...]) -> re.Pattern[str] | None:
    """:func:`_compile_phrase` for ASCII text, searched in its lower-case copy: the same matches
    at the same offsets, ten times faster. Case-insensitive matching has no literal to skip to,
    so the regex engine tried every position; here the first word leads and the "not inside a
    word" test follows it as a fixed-width lookbehind. None when a word is not ASCII (under
    IGNORECASE "ſ" matches "s", so only ASCII on both sides is safe)."""
    if not all(w.isascii() for w in words):
        return None
    low = [re.escape(w.lower()) for w in words]
    rest = "".join(rf"\s+{w}" for w in low[1:])
    return re.compile(rf"{low[0]}(?<!\w{low[0]}){rest}(?!\w)")


def _scan(pattern: re.Pattern[str], fast: re.Pattern[str] | None, text: str, low: str | None):
    """``pattern.finditer(text)``, through ``fast`` on ``low`` (``text.lower()``, None when the
    text is not ASCII) when both exist."""
    if fast is not None and low is not None:
        return fast.finditer(low)
    return pattern.finditer(text)


_XML_SPACE = qn("xml:space")
_W_RPR, _W_SHD = qn("w:rPr"), qn("w:shd")
#: elements that follow ``w:shd`` inside ``w:rPr`` (ECMA-376 CT_RPr sequence)
_AFTER_SHD = {
    qn(f"w:{n}")
    for n in (
        "fitText",
        "vertAlign",
        "rtl",
        "cs",
        "em",
        "lang",
        "eastAsianLayout",
        "specVanish",
        "oMath",
        "rPrChange",
    )
}


def _split_run(r, at: int):
    """Split a simple run at character ``at``; returns the new right-hand run (formatting copied).

    The ``w:t`` is found by walking the run's few children: ElementPath's ``find`` cost more than
    the deep copy itself.
    """
    right = copy.deepcopy(r)
    t = _first_child(r, _W_T)
    rt = _first_child(right, _W_T)
    text = t.text or ""
    t.text = text[:at]
    t.set(_XML_SPACE, "preserve")
    rt.text = text[at:]
    rt.set(_XML_SPACE, "preserve")
    r.addnext(right)
    return right


def _highlight(r) -> None:
    """Shade the run in :data:`EVIDENCE_FILL` (``w:shd`` placed where the schema wants it): run
    shading, not a highlighter color, so it stands apart from the agency's own highlights."""
    rPr = _first_child(r, _W_RPR)
    if rPr is None:
        rPr = r.makeelement(_W_RPR, {})
        r.insert(0, rPr)
    shd = before = None
    for c in rPr:  # the existing shading, else the first element that must follow one
        if c.tag == _W_SHD:
            shd = c
            break
        if before is None and c.tag in _AFTER_SHD:
            before = c
    if shd is None:
        shd = rPr.makeelement(_W_SHD, {})
        if before is None:
            rPr.append(shd)
        else:
            before.addprevious(shd)
    shd.set(_W_VAL, "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), EVIDENCE_FILL)


def _first_child(el, tag: str):
    """``el.find(tag)`` for a plain tag, without ElementPath's cost (a few µs a call)."""
    for c in el:
        if c.tag == tag:
            return c
    return None


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def paragraph_text(p_el) -> str:
    """The paragraph's own visible text, as the highlighter counts offsets."""
    return "".join(text for _, text, _ in _paragraph_runs(p_el))


def mark_spans(p_el, spans: Iterable[tuple[int, int]]) -> int:
    """Highlight character spans of the paragraph's text; returns how many (merged) spans.

    Runs that only partly overlap a span are split at its boundaries (formatting copied), so
    exactly the phrase is highlighted; a run holding tabs or breaks is highlighted whole.
    """
    return _mark_runs(_paragraph_runs(p_el), spans)


def _mark_runs(runs: Sequence[tuple[object, str, bool]], spans: Iterable[tuple[int, int]]) -> int:
    """:func:`mark_spans` on the paragraph's runs as :func:`_paragraph_runs` listed them.

    One pass: each run is split at every boundary inside it (right to left, so the left part
    keeps its offsets, and before any piece is highlighted, so every piece copies the original
    formatting), then its pieces inside a span are highlighted.
    """
    merged = _merge([(a, b) for a, b in spans if b > a])
    if not merged:
        return 0
    cuts = sorted({x for span in merged for x in span})
    starts = [a for a, _ in merged]
    n = len(merged)
    pos = 0
    for r, text, simple in runs:
        s, e = pos, pos + len(text)
        pos = e
        if not text:
            continue
        inner = cuts[bisect_right(cuts, s) : bisect_left(cuts, e)] if simple else []
        pieces = [(r, s, e)]
        if inner:
            bounds = [s, *inner, e]
            pieces = [(r, s, inner[0])]
            rights = [_split_run(r, k - s) for k in reversed(inner)]
            pieces += [
                (run, bounds[j + 1], bounds[j + 2]) for j, run in enumerate(reversed(rights))
            ]
        for run, ps, pe in pieces:
            i = bisect_right(starts, ps) - 1  # the last span starting at or before ps
            if (i >= 0 and merged[i][1] > ps) or (i + 1 < n and merged[i + 1][0] < pe):
                _highlight(run)
    return n


@lru_cache(maxsize=16384)
def _words_of(text: str) -> tuple[str, ...]:
    return tuple(one_line(text).split())


def _words(text: object) -> tuple[str, ...]:
    """The words of an evidence phrase, on one line. Cached: a manual repeats the same few
    hundred phrases thousands of times, and cleaning each took a tenth of the highlighting."""
    return _words_of(text) if isinstance(text, str) else tuple(one_line(text).split())


def _short_phrase(phrase: object) -> str:
    """An evidence phrase as a comment lists it (cached like :func:`_words`)."""
    return _short_phrase_of(phrase) if isinstance(phrase, str) else shorten(phrase, 60)


@lru_cache(maxsize=16384)
def _short_phrase_of(phrase: str) -> str:
    return shorten(phrase, 60)


class _Hits:
    """The matches of one phrase, in order, scanned only as far as a question needs: most
    evidence is the phrase's first occurrence, so the rest of the section is rarely read."""

    __slots__ = ("_more", "found")

    def __init__(self, matches: Iterator) -> None:
        self._more: Iterator | None = matches
        self.found: list = []

    def first(self, n: int) -> list:
        """The first ``n`` matches (fewer when there are fewer)."""
        while len(self.found) < n and self._more is not None:
            nxt = next(self._more, None)
            if nxt is None:
                self._more = None
            else:
                self.found.append(nxt)
        return self.found

    def count_before(self, offset: int) -> int:
        """How many matches start before ``offset`` (matches are starts, ascending)."""
        while self._more is not None and (not self.found or self.found[-1] < offset):
            nxt = next(self._more, None)
            if nxt is None:
                self._more = None
            else:
                self.found.append(nxt)
        return bisect_left(self.found, offset)


def _paragraph_hits(
    pattern: re.Pattern[str], fast: re.Pattern[str] | None, texts: Sequence[str], lows: list
) -> Iterator[tuple[int, int, int]]:
    """(paragraph, start, end) of each match, lazily (a function, so that a paused search keeps
    its own pattern rather than the caller's loop variable)."""
    for i, text in enumerate(texts):
        for m in _scan(pattern, fast, text, lows[i]):
            yield i, m.start(), m.end()


def evidence_spans(
    section: Section, evidence: Iterable[Evidence], texts: Sequence[str]
) -> dict[int, list[tuple[int, int]]]:
    """Where each piece of evidence sits in the section's paragraphs: offset into ``texts`` (the
    paragraphs ``first_par``… in order) → character spans.

    The matcher's offsets index ``Section.full_text``, whose joins (table cells, line breaks) need
    not equal the paragraphs', so the hit is re-found by its text: if the phrase occurs k times in
    ``full_text`` before the recorded offset, the k-th occurrence in the paragraphs is the one
    highlighted (the first one when the counts disagree). Only the hits the matcher reported are
    marked, not every repetition of a common word.
    """
    out: dict[int, list[tuple[int, int]]] = {}
    full = section.full_text
    in_full: dict[re.Pattern[str], _Hits] = {}  # pattern → match starts in full_text
    in_pars: dict[re.Pattern[str], _Hits] = {}  # → (paragraph, start, end)
    seen: set[tuple[str, int]] = set()
    prepared = False  # the lower-cased copies of the ASCII texts, made for the first phrase
    full_low: str | None = None
    lows: list[str | None] = []
    for ev in evidence:
        words = _words(ev.matched)
        if not words or (ev.matched, ev.start) in seen:
            continue
        seen.add((ev.matched, ev.start))
        pattern = _compile_phrase(words)
        if pattern not in in_full:
            fast = _compile_ascii_phrase(words)
            if not prepared:
                prepared = True
                full_low = full.lower() if full.isascii() else None
                lows = [text.lower() if text.isascii() else None for text in texts]
            in_full[pattern] = _Hits(m.start() for m in _scan(pattern, fast, full, full_low))
            in_pars[pattern] = _Hits(_paragraph_hits(pattern, fast, texts, lows))
        pars = in_pars[pattern]
        if not pars.first(1):
            continue
        k = in_full[pattern].count_before(ev.start) if ev.start >= 0 else 0
        found = pars.first(k + 1)
        i, a, b = found[k] if k < len(found) else found[0]
        out.setdefault(i, []).append((a, b))
    return out


# --------------------------------------------------------------------------- comment text


def _latest(links: list[ReportLink]) -> ReportLink:
    return max(links, key=lambda lk: one_line(lk.decided_at))


def _decided_lines(links: list[ReportLink], d: Decisions) -> list[tuple[str, bool]]:
    """A reviewer's decisions on one section (their comment)."""
    lines: list[tuple[str, bool]] = [("Confirmed by the reviewer:", True)]
    for lk in links:
        extra = " (added by the reviewer)" if lk.state == "added" else ""
        lines.append((f"• {d.name(lk.competency)}{extra}", False))
        if one_line(lk.note):
            lines.append((f"  Note: {xml_safe(lk.note).strip()}", False))
    return lines


def _suggested_lines(links: list[ReportLink], d: Decisions) -> list[tuple[str, bool]]:
    """The engine's suggestions on one section (the product's comment): "suggested, not
    reviewed" in an analysis, "undecided" (and not counted) in a review, as the report says."""
    head = (
        f"{SUGGESTED_LABEL}:"
        if not d.reviewed
        else f"{UNDECIDED_LABEL}s (not counted until a reviewer confirms them):"
    )
    lines: list[tuple[str, bool]] = [(head, True)]
    for lk in links:
        score = f" (score {lk.score:.0f})" if lk.score is not None else ""
        phrases = list(dict.fromkeys(e.phrase for e in lk.evidence if _words(e.phrase)))[:4]
        hits = f" – matched: {', '.join(_short_phrase(p) for p in phrases)}" if phrases else ""
        lines.append((f"• {d.name(lk.competency)}{score}{hits}", False))
    return lines


def _summary_lines(d: Decisions, sections: dict[str, Section]) -> list[tuple[str, bool]]:
    """The one comment at the start of the document: decision, conclusion, figures, findings."""
    ctx = d.ctx
    c = d.counts
    total = sum(c.values())
    lines: list[tuple[str, bool]] = [(f"Competency review: {d.decision.label}", True)]
    if d.decision.conclusion:
        who = ", ".join(x for x in (d.decision.by, human_date(d.decision.when)) if x)
        lines.append((f"Reviewer's conclusion ({who}):" if who else "Reviewer's conclusion:", True))
        lines += [(x.strip(), False) for x in d.decision.conclusion.splitlines() if x.strip()]
    lines.append(
        (
            f"{c['met']} of {total} required competencies met, {c['partial']} partially met, "
            f"{c['not_addressed']} not addressed, {c['not_applicable']} not applicable"
            + ("" if ctx.reviewed else f" ({SUGGESTED_LABEL.lower()})")
            + ".",
            False,
        )
    )
    if not d.findings:
        lines.append(("No findings: every required competency is met or not applicable.", False))
        return lines
    lines.append((f"Findings ({len(d.findings)}), most severe first:", True))
    for f in d.findings:
        what = "not addressed" if f.status == "not_addressed" else "partially met"
        lines.append((f"{f.ref} [{f.severity.capitalize()}] {f.name}: {what}.", True))
        if f.where:
            lines.append((f"  Where: {section_name(sections, f.where)} ({f.where_why}).", False))
        who = "Reviewer" if f.remediation_by == "reviewer" else "Recommendation"
        lines.append((f"  {who}: {xml_safe(f.remediation).strip()}", False))
        if f.training:
            names = training_titles(d.framework, f.training) if d.framework else f.training
            lines.append((f"  Training: {'; '.join(one_line(t) for t in names)}", False))
    return lines


# --------------------------------------------------------------------------- the annotated copy


def annotated_policy(
    ctx: ReportContext, highlight: bool = False, framework: Framework | None = None
) -> bytes:
    """The original .docx with the review as Word comments, built from the same decisions view
    as the review report (:func:`review.reports.decisions.decisions_of`):

    * one summary comment on the first paragraph with text (decision, the reviewer's
      conclusion, figures, every finding with where it belongs and its remediation) — the only
      comment on that paragraph;
    * per linked section, the reviewer's decisions authored by the reviewer who decided them,
      dated with the decision; the engine's undecided suggestions authored by the product;
    * ``highlight`` (off by default) shades the exact evidence phrases of confirmed links, in a
      color Word's highlighter cannot make.
    """
    if not ctx.original:
        raise ValidationFailed(
            "The annotated copy needs the uploaded .docx, and this document has none."
        )
    try:
        doc = Document(io.BytesIO(ctx.original))
    except Exception as exc:  # python-docx raises a zoo of errors on non-docx input
        raise UnreadableDocument(
            "The annotated copy needs a Word (.docx) original; this file cannot be opened as one.",
            filename=ctx.original_filename,
        ) from exc
    pars = _body_paragraphs(doc)
    fw = _framework_for(ctx, framework)
    d = decisions_of(ctx, fw)
    sections = {s.id: s for s in ctx.sections}
    commenter = _Commenter(doc)
    _define_comment_styles(doc)

    first = next(
        (i for i, p in enumerate(pars) if "".join(t.text or "" for t in p.iter(_W_T)).strip()),
        0 if pars else None,
    )
    summary = _summary_lines(d, sections)
    later: list[tuple[str, bool]] = []
    for section in ctx.sections:
        counted = d.counted.get(section.id, [])
        undecided = d.undecided.get(section.id, [])
        if not (counted or undecided) or not 0 <= section.first_par < len(pars):
            continue
        at = section.first_par
        if at == first:  # the title keeps only the summary: use the section's next paragraph
            at = next(
                (
                    i
                    for i in range(first + 1, min(section.last_par, len(pars) - 1) + 1)
                    if "".join(t.text or "" for t in pars[i].iter(_W_T)).strip()
                ),
                -1,
            )
        comments = []
        if counted and ctx.reviewed:
            last = _latest(counted)
            comments.append((_decided_lines(counted, d), last.decided_by, last.decided_at))
        elif counted:
            comments.append((_suggested_lines(counted, d), PRODUCT_AUTHOR, ctx.created_at))
        if undecided:
            suggested_at = str(ctx.extra.get("uploaded_at") or ctx.created_at)
            comments.append((_suggested_lines(undecided, d), PRODUCT_AUTHOR, suggested_at))
        for lines, author, when in comments:
            if at < 0:  # nowhere but the title: fold into the summary
                later += [(f"On “{shorten(section.shown_title, 60)}”:", True), *lines]
            else:
                commenter.add(pars[at], lines, author or PRODUCT_AUTHOR, when)
        if highlight and ctx.reviewed:
            confirmed = [lk for lk in counted if lk.state == "confirmed"]
            _highlight_section(pars, section, confirmed)
    if first is not None:
        when = d.decision.when or ctx.updated_at
        commenter.add(pars[first], summary + later, PRODUCT_AUTHOR, when)
    commenter.flush()

    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _framework_for(ctx: ReportContext, framework: Framework | None) -> Framework:
    """The framework the context was checked against; a bare one (the context's own coverage
    rows, no titles) when it cannot be loaded."""
    if framework is not None:
        return framework
    try:
        from review.framework import get_framework

        return get_framework(ctx.framework_id)
    except Exception:  # noqa: BLE001 - names are a nicety; the ids still say it all
        return Framework(ctx.framework_id, ctx.framework_title, ctx.framework_version, ())


def _highlight_section(pars: list, section: Section, links: list[ReportLink]) -> None:
    evidence = [e for lk in links for e in lk.evidence]
    if not evidence:
        return
    last = min(section.last_par, len(pars) - 1, section.first_par + MAX_HIGHLIGHT_PARAGRAPHS)
    runs = [_paragraph_runs(p) for p in pars[section.first_par : last + 1]]
    texts = ["".join(text for _, text, _ in par_runs) for par_runs in runs]
    for i, marks in evidence_spans(section, evidence, texts).items():
        _mark_runs(runs[i], marks)
