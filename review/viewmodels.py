"""Presentation helpers for the Streamlit pages: pure, Streamlit-free, testable on their own.

Pages stay thin: they call the services for data and these helpers to shape it for display.
Nothing here decides a rule (permissions, guards, coverage): that is the services' job. What lives
here is *how things look*: badge labels, HTML-escaped evidence highlighting (documents are
untrusted input, so every character of their text is escaped before it reaches ``unsafe_allow_html``),
table rows with filters, chart rows, and the session-expiry arithmetic.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from review.labels import (  # noqa: F401 - re-exported: the pages read labels from here
    COVERAGE_LABELS,
    LINK_STATE_LABELS,
    ROLE_LABELS,
    STATE_LABELS,
    TRANSITION_LABELS,
    action_label,
    agency_kind_name,
    state_change,
)
from review.models import COVERAGE_STATUSES, LINK_STATES, STATES, CoverageRow, Section

# --------------------------------------------------------------------------- labels and badges

#: Streamlit markdown badge colours (``:blue-badge[...]``), one calm colour per state
STATE_COLOURS: dict[str, str] = {
    "draft": "gray",
    "submitted": "blue",
    "in_review": "violet",
    "changes_requested": "orange",
    "approved": "green",
}
LINK_STATE_COLOURS: dict[str, str] = {
    "suggested": "blue",
    "confirmed": "green",
    "rejected": "red",
    "added": "violet",
}
#: chart colours by coverage status, in COVERAGE_STATUSES order
COVERAGE_COLOURS: dict[str, str] = {
    "met": "#3a8f5c",
    "partial": "#d9a441",
    "not_addressed": "#c4553d",
    "not_applicable": "#9aa5ab",
}


#: characters that start Markdown or Streamlit constructs anywhere in a line: code, emphasis,
#: strikethrough, links/images and ``:directive[…]`` (colors, badges, icons; a bare ``:word``
#: is a directive too, which Streamlit drops), headings, HTML tags and autolinks, math, entities
_MD_ANYWHERE = re.compile(r"([\\`*_~\[\]#<>$:&])|\.(?=[A-Za-z0-9])")
_AUTOLINK = re.compile(r"((?:https?|ftp|mailto|xmpp)(?=:)|\bwww(?=\.)|@(?=[\w-]))", re.I)
#: what starts a block only at the start of the text: list items and ordered-list numbers
_MD_START = re.compile(r"^([-+]|\d+)([.)]?)(?=\s|$)")


def md_text(value: object) -> str:
    """User- or document-supplied text as Markdown that renders as exactly that text. ``None``
    → "". Line breaks become spaces; every character that could start a Markdown or Streamlit
    construct is backslash-escaped (a dot only inside a word, so sentences keep their plain full
    stops), and an invisible word joiner (U+2060) after ``http``/``www``/``@`` keeps bare URLs
    and e-mail addresses from becoming links (Streamlit's GFM autolinking runs after escapes are
    resolved; checked in Chromium by tests/test_safe_text_browser.py).

    The one way pages put such text (titles, headings, agency and user names, comments, notes,
    reasons, file names, messages) into anything Streamlit renders as Markdown — ``st.title``,
    ``st.markdown``, ``st.caption``, ``st.error``…, ``st.page_link`` and widget labels."""
    if value is None:
        return ""
    text = " ".join(str(value).split())
    # GFM autolink literals (bare URLs, www., e-mail addresses) are found in the text *after*
    # Markdown escapes are resolved, so escaping cannot stop them: an invisible word joiner
    # (U+2060) breaks the patterns instead
    text = _AUTOLINK.sub("\\1\u2060", text)
    text = _MD_ANYWHERE.sub(lambda m: "\\" + m.group(0), text)
    m = _MD_START.match(text)
    if m and (m.group(1) in "-+" or m.group(2)):
        text = m.group(1) + "\\" + text[m.end(1) :] if m.group(2) else "\\" + text
    return text


def _badge(label: str, colour: str) -> str:
    # Square brackets would end the badge early; the label is ours, but be safe.
    safe = label.replace("[", "(").replace("]", ")")
    return f":{colour}-badge[{safe}]"


def state_label(state: str) -> str:
    """Human label for a workflow state; an unknown state shows as itself, never an error."""
    return STATE_LABELS.get(state, state.replace("_", " ").capitalize())


def state_badge(state: str) -> str:
    """Streamlit-markdown badge for a document's workflow state."""
    return _badge(state_label(state), STATE_COLOURS.get(state, "gray"))


def link_state_label(state: str) -> str:
    return LINK_STATE_LABELS.get(state, state.capitalize())


def reasons_lines(reasons) -> list[str]:
    """A suggestion's reasons as up to two lines: what raised its score, what lowered it."""
    from review.explain import as_lines

    return as_lines(reasons)


def link_state_badge(state: str) -> str:
    return _badge(link_state_label(state), LINK_STATE_COLOURS.get(state, "gray"))


def coverage_label(status: str) -> str:
    return COVERAGE_LABELS.get(status, status.replace("_", " ").capitalize())


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)


def transition_label(action: str) -> str:
    return TRANSITION_LABELS.get(action, action.replace("_", " ").capitalize())


def format_time(iso: str | None, now: datetime | None = None) -> str:
    """``"2024-05-01 14:03 UTC"`` (or ``"—"``): short, unambiguous, sortable by eye.

    Times are stored as ISO 8601 UTC; reviewers across offices read the same string.
    """
    if not iso:
        return "—"
    try:
        t = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


# --------------------------------------------------------------------------- highlighting


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sort and merge overlapping or touching ``[start, end)`` spans; drop empty ones.

    Evidence from several competencies often overlaps ("trauma-informed" inside
    "trauma-informed care"); nested ``<mark>`` tags would render oddly, so spans are merged first.
    """
    ordered = sorted((s, e) for s, e in spans if e > s)
    out: list[tuple[int, int]] = []
    for s, e in ordered:
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def highlight_html(text: str, spans: Iterable[tuple[int, int]], offset: int = 0) -> str:
    """Escape ``text`` for HTML and wrap the spans in ``<mark>``.

    ``spans`` are offsets in a larger string of which ``text`` starts at ``offset`` (evidence
    offsets refer to ``Section.full_text``; the title and body are rendered separately). Spans
    are clipped to ``text``. Newlines become ``<br>``. Every character of ``text`` is escaped:
    a policy is untrusted input and this string is rendered with ``unsafe_allow_html``.
    """
    n = len(text)
    local = merge_spans((max(s - offset, 0), min(e - offset, n)) for s, e in spans)
    parts: list[str] = []
    pos = 0
    for s, e in local:
        if s >= n or e <= 0:
            continue
        parts.append(html.escape(text[pos:s]))
        parts.append(f"<mark>{html.escape(text[s:e])}</mark>")
        pos = e
    parts.append(html.escape(text[pos:]))
    return "".join(parts).replace("\r\n", "\n").replace("\n", "<br>")


class _HasEvidence(Protocol):
    evidence: Sequence[Any]


def evidence_spans(items: Iterable[Any]) -> list[tuple[int, int]]:
    """Character spans of every evidence hit of the given suggestions/links."""
    out: list[tuple[int, int]] = []
    for it in items:
        for ev in getattr(it, "evidence", ()) or ():
            out.append((int(ev.start), int(ev.end)))
    return out


def section_html(section: Section, spans: Iterable[tuple[int, int]]) -> str:
    """The section's title and text as escaped HTML, evidence spans marked.

    Offsets are relative to ``section.full_text`` (``title + "\\n" + text`` when titled). The
    title is shown as Word shows it, after its automatic number (:attr:`Section.shown_title`),
    and so is each numbered list item of the body (:attr:`Section.line_labels`); the numbers are
    no part of ``full_text``, so no evidence falls in them.
    """
    spans = list(spans)
    body = _body_html(section, spans)
    if section.title:
        title = highlight_html(section.title, spans, offset=0)
        if section.label:
            title = f"{html.escape(section.label)} {title}"
        return f'<div class="cr-section"><strong>{title}</strong><br>{body}</div>'
    return f'<div class="cr-section">{body}</div>'


def _body_html(section: Section, spans: list[tuple[int, int]]) -> str:
    """The body as escaped HTML with evidence marked, each list item after its Word number."""
    labels = section.shown_labels
    if not labels:
        return highlight_html(section.text, spans, offset=section.body_start)
    lines = section.text.split("\n")
    out = []
    at = section.body_start
    for label, line in zip(labels, lines, strict=True):
        html_line = highlight_html(line, spans, offset=at)
        out.append(f"{html.escape(label)} {html_line}" if label else html_line)
        at += len(line) + 1
    return "<br>".join(out)


def snippet(text: str, limit: int = 140) -> str:
    """One line of plain text, cut at a word boundary: for table cells."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0]
    return cut + "…"


def download_stem(title: str, limit: int = 60) -> str:
    """A file-name stem for downloads: ASCII letters (accents dropped), digits, ``._-``; a long
    title is cut at a word boundary (a hyphen), never mid-word."""
    import re
    import unicodedata

    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_title).strip("-.")
    if len(stem) > limit:
        cut = stem[: limit + 1]
        at = cut.rfind("-")
        stem = (cut[:at] if at >= limit // 2 else stem[:limit]).strip("-.")
    return stem or "document"


def section_label(section: Section) -> str:
    """``"4.2 Confidentiality"`` or ``"(preamble)"``: how a section is named in pickers (with
    the number Word draws before its heading, if any)."""
    return section.shown_title.strip() or "(preamble)"


# --------------------------------------------------------------------------- workspace table


@dataclass(frozen=True)
class LinkFilter:
    """What the reviewer narrowed the workspace to; empty means no restriction."""

    competencies: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    section_ids: tuple[str, ...] = ()
    min_score: float = 0.0

    def accepts(self, link: Any) -> bool:
        if self.competencies and link.competency not in self.competencies:
            return False
        if self.states and link.state not in self.states:
            return False
        if self.section_ids and link.section_id not in self.section_ids:
            return False
        score = getattr(link, "score", None)
        return not (self.min_score and (score is None or score < self.min_score))


def filter_links(links: Iterable[Any], flt: LinkFilter) -> list[Any]:
    return [lk for lk in links if flt.accepts(lk)]


def link_rows(
    links: Iterable[Any],
    sections: Sequence[Section],
    competency_names: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Rows for the workspace table: one per link, in document order then by score.

    ``links`` are objects with ``section_id, competency, state, score, evidence, note, reason``
    (e.g. :class:`review.models.ReportLink`). Unknown section ids sort last rather than failing:
    a stale link must still be visible to the reviewer.
    """
    order = {s.id: i for i, s in enumerate(sections)}
    by_id = {s.id: s for s in sections}
    names = competency_names or {}
    rows: list[dict[str, Any]] = []
    for lk in sorted(
        links,
        key=lambda lk: (order.get(lk.section_id, len(order)), -(getattr(lk, "score", None) or 0.0)),
    ):
        sec = by_id.get(lk.section_id)
        phrases = list(dict.fromkeys(e.phrase for e in (getattr(lk, "evidence", ()) or ())))
        score = getattr(lk, "score", None)
        rows.append(
            {
                "section_id": lk.section_id,
                "link_key": link_key(lk),
                "#": order.get(lk.section_id, -1) + 1,
                "Section": section_label(sec) if sec else "(section no longer in document)",
                "Competency": names.get(lk.competency, lk.competency),
                "competency": lk.competency,
                "Score": None if score is None else round(float(score)),
                "State": link_state_label(lk.state),
                "state": lk.state,
                "Evidence": "; ".join(phrases[:4]),
                "Note": getattr(lk, "note", "") or getattr(lk, "reason", "") or "",
            }
        )
    return rows


def link_key(link: Any) -> str:
    """A stable key of a link (section × competency) for widget keys and selections."""
    return f"{link.section_id}|{link.competency}"


def parse_link_key(key: str) -> tuple[str, str]:
    section_id, _, competency = key.partition("|")
    return section_id, competency


def link_state_counts(links: Iterable[Any]) -> dict[str, int]:
    counts = dict.fromkeys(LINK_STATES, 0)
    for lk in links:
        counts[lk.state] = counts.get(lk.state, 0) + 1
    return counts


# --------------------------------------------------------------------------- coverage


def coverage_chart_rows(coverage: Iterable[CoverageRow]) -> list[dict[str, Any]]:
    """One row per status with its count (zero included, so the chart's legend never jumps)."""
    counts = dict.fromkeys(COVERAGE_STATUSES, 0)
    for row in coverage:
        counts[row.status] = counts.get(row.status, 0) + 1
    return [
        {"status": coverage_label(st), "count": n, "order": i}
        for i, (st, n) in enumerate(counts.items())
    ]


def coverage_table_rows(coverage: Iterable[CoverageRow]) -> list[dict[str, Any]]:
    return [
        {
            "Competency": row.competency,
            "Label": row.label,
            "Status": coverage_label(row.status),
            "Sections cited": len(row.sections),
            "Note": row.justification or row.recommendation,
        }
        for row in coverage
    ]


def gaps(coverage: Iterable[CoverageRow]) -> list[CoverageRow]:
    """Required competencies that no section addresses."""
    return [row for row in coverage if row.status == "not_addressed"]


# --------------------------------------------------------------------------- documents list


def document_rows(docs: Iterable[Any]) -> list[dict[str, Any]]:
    """Rows for "My documents" / the queue from document summaries (duck-typed)."""
    rows = []
    for d in docs:
        rows.append(
            {
                "id": getattr(d, "id", ""),
                "Title": getattr(d, "title", "") or getattr(d, "filename", ""),
                "Agency": getattr(d, "agency_name", ""),
                "Version": getattr(d, "version_number", None) or getattr(d, "version", None),
                "State": state_label(getattr(d, "state", "")),
                "Reviewer": getattr(d, "reviewer", "") or "—",
                "Last action": getattr(d, "last_action", "") or "—",
                "Updated": format_time(getattr(d, "updated_at", "")),
            }
        )
    return rows


# --------------------------------------------------------------------------- session


def session_minutes() -> int:
    """Inactivity timeout in minutes: ``COMPETENCY_REVIEW_SESSION_MINUTES`` or 30."""
    raw = os.environ.get("COMPETENCY_REVIEW_SESSION_MINUTES", "").strip()
    try:
        value = int(raw) if raw else 30
    except ValueError:
        value = 30
    return max(value, 1)


def session_expired(last_activity: float | None, now: float, minutes: int) -> bool:
    """True when more than ``minutes`` passed since the last activity (epoch seconds)."""
    if last_activity is None:
        return True
    return now - last_activity > minutes * 60


def progress_text(decided: int, required: int) -> str:
    return f"{decided} of {required} required competencies decided"


__all__ = [
    "COVERAGE_STATUSES",
    "LINK_STATES",
    "STATES",
    "LinkFilter",
    "coverage_chart_rows",
    "coverage_label",
    "coverage_table_rows",
    "document_rows",
    "evidence_spans",
    "filter_links",
    "format_time",
    "gaps",
    "highlight_html",
    "link_key",
    "link_rows",
    "link_state_badge",
    "link_state_counts",
    "link_state_label",
    "merge_spans",
    "parse_link_key",
    "progress_text",
    "role_label",
    "section_html",
    "section_label",
    "session_expired",
    "session_minutes",
    "snippet",
    "state_badge",
    "state_label",
    "transition_label",
]


def agency_coverage_rows(rows: Iterable[Any]) -> list[dict[str, str]]:
    """Table rows of an agency's coverage (``AgencyCoverageRow``): competency, status (marked
    provisional when it rests on documents in review), and the documents that meet it."""
    out = []
    for r in rows:
        found = r.met_in or r.not_applicable_in or r.partial_in
        where = "; ".join(
            f"{c.title} (v{c.version}{'' if c.basis == 'approved' else ', ' + c.basis})"
            for c in found
        )
        status = COVERAGE_LABELS.get(r.status, r.status)
        out.append(
            {
                "Competency": r.name,
                "Status": f"{status} (provisional)" if r.provisional else status,
                "Where": where or "—",
            }
        )
    return out


def finding_rows(findings: Iterable[Any]) -> list[dict[str, str]]:
    """Table rows of a review's findings (``review.reports.decisions.Finding``)."""
    from review.labels import severity_label

    return [
        {
            "#": f.ref,
            "Severity": severity_label(f.severity),
            "Competency": f.name,
            "Status": COVERAGE_LABELS.get(f.status, f.status),
            "Where in the policy": f.where_name or "No related section",
            "Remediation": f.remediation,
        }
        for f in findings
    ]
