"""Small text helpers shared by every report: XML-safe text, labels, quotes, initials.

Everything a report writes comes from people (titles, notes, rejection reasons) or from an
uploaded document, so it may hold characters XML 1.0 forbids (python-docx refuses them) or be
absurdly long; these helpers make any string safe to put in a .docx, .csv or .xlsx.
"""

from __future__ import annotations

import re
from datetime import datetime

from review.labels import (  # noqa: F401 - re-exported for the report writers
    AGENCY_KIND_LABELS,
    COVERAGE_LABELS,
    STATE_LABELS,
    SUGGESTED_LABEL,
    UNDECIDED_LABEL,
    state_label,
)

# XML 1.0 allows tab, LF, CR and these ranges; everything else (C0 controls, lone surrogates,
# U+FFFE/U+FFFF) makes python-docx/lxml raise, so it is dropped.
_XML_FORBIDDEN = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SPACES = re.compile(r"\s+")

STATUS_LABELS = COVERAGE_LABELS
#: character style of each status in templates/review-report.docx
STATUS_STYLES = {
    "met": "Status Met",
    "partial": "Status Partial",
    "not_addressed": "Status Not Addressed",
    "not_applicable": "Status Not Applicable",
}


def xml_safe(text: object) -> str:
    """``text`` as a string without the characters XML 1.0 forbids (python-docx raises on them)."""
    if text is None:
        return ""
    return _XML_FORBIDDEN.sub("", str(text))


def one_line(text: object) -> str:
    """XML-safe text on one line with runs of whitespace collapsed (for cells and headers)."""
    return _SPACES.sub(" ", xml_safe(text)).strip()


def shorten(text: object, limit: int) -> str:
    """One line of at most ``limit`` characters, cut at a word boundary with an ellipsis."""
    s = one_line(text)
    if len(s) <= limit:
        return s
    cut = s[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"


_PARENTHESES = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def initials(name: str) -> str:
    """Word shows a comment's initials in narrow margins: "Rosa Martinez (reviewer)" → "RM".

    Only letters: a bracketed role or agency is dropped, and each word gives its first letter
    (digits, punctuation and e-mail domains never turn up as initials)."""
    text = _PARENTHESES.sub(" ", one_line(name)).split("@")[0]
    words = [w for w in re.split(r"[^\w]+|_|\d+", text) if w]
    letters = [next((c for c in w if c.isalpha()), "") for w in words]
    out = "".join(c.upper() for c in letters if c)[:3]
    return out or "CR"


def status_label(status: str, suggested: bool = False) -> str:
    label = STATUS_LABELS.get(status, one_line(status).replace("_", " ").capitalize())
    return f"{label} (suggested)" if suggested and status in ("met", "partial") else label


def human_time(value: str) -> str:
    """ISO 8601 → "2024-05-01 14:03 UTC"; anything unparseable is shown as it came."""
    v = one_line(value)
    if not v:
        return ""
    try:
        dt = datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        return v
    if dt.hour == dt.minute == dt.second == 0 and "T" not in v:
        return dt.strftime("%Y-%m-%d")
    tz = " UTC" if dt.utcoffset() is not None and dt.utcoffset().total_seconds() == 0 else ""
    return dt.strftime("%Y-%m-%d %H:%M") + tz


def human_date(value: str) -> str:
    return human_time(value)[:10]
