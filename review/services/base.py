"""What the service modules share: time helpers, refusal texts, small record converters.

Split out of :mod:`review.services.core` so each capability's module imports what it needs.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from review.auth import Actor
from review.config import UploadLimits
from review.models import CoverageRow, Evidence, ParsedDocument, reasons_from
from review.parsing.upload import too_complex
from review.services.views import CoverageSummary, LinkView, VersionInfo
from review.storage import Record, Repository

Clock = Callable[[], datetime]


Parser = Callable[[bytes, str], ParsedDocument]


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="seconds")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _when(text: str) -> str:
    """An ISO time as a reader writes it: ``2026-05-01 14:03 UTC``."""
    try:
        return parse_iso(text).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    except (TypeError, ValueError):
        return text


def _default_lock_timeout() -> timedelta:
    raw = os.environ.get("COMPETENCY_REVIEW_LOCK_MINUTES", "").strip()
    return timedelta(minutes=int(raw)) if raw else timedelta(minutes=30)


def _check_time(started: float, limits: UploadLimits, filename: str) -> None:
    """Refuse an upload whose analysis has run past its time limit (checked between steps)."""
    took = time.monotonic() - started
    if took > limits.max_analysis_seconds:
        raise too_complex(
            _display_filename(filename),
            f"its analysis took {took:.0f} seconds",
            limits.max_analysis_seconds,
        )


def _default_parse(data: bytes, filename: str) -> ParsedDocument:
    from review import parsing

    check = getattr(parsing, "check_upload", None)
    if check is not None:
        check(data, filename)
    return parsing.parse_bytes(data, filename)


WORKLIST_TITLES = {
    "awaiting_review": "Awaiting review",
    "my_reviews": "My reviews",
    "changes_requested": "Changes requested of my agency",
    "my_agency": "My agency's documents",
    "all_documents": "All documents",
}


_EDIT_REFUSALS = {
    "draft": "links can be decided only while the document is in review (it is a draft)",
    "submitted": "claim the document for review before deciding links",
    "changes_requested": "changes were requested; links can be decided again after the agency submits a revision",
    "approved": "the review is approved; an admin must reopen it before links can change",
}


_UPLOADER_REFUSAL = "you uploaded the version under review, so someone else must review it"


def _is_uploader(actor: Actor, rec: Record) -> bool:
    """Whether ``actor`` uploaded the document's current version (the record keeps its
    uploader in ``uploaded_by``)."""
    return (rec.get("uploaded_by") or "").casefold() == actor.username.casefold()


_FRAMEWORK_SUFFIXES = (".yaml", ".yml", ".json", ".csv")


_FRAMEWORK_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


_MAX_FRAMEWORK_BYTES = 5 * 1024 * 1024


def _frameworks_dir(
    repo: Repository, data_dir: str | Path | None, explicit: str | Path | None
) -> Path:
    """Where imported frameworks live: beside the store (``<data_dir>/frameworks``)."""
    if explicit is not None:
        return Path(explicit)
    if data_dir is not None:
        return Path(data_dir) / "frameworks"
    root = getattr(repo, "root", None)
    if root is not None:
        return Path(root) / "frameworks"
    from review.config import data_dir as default_dir

    return default_dir() / "frameworks"


_UPLOAD_REFUSALS = {
    "submitted": "the document is submitted; retract it before uploading a new version",
    "in_review": "the document is in review; the agency cannot change it until the reviewer has finished",
    "approved": "the document is approved; a changed policy needs a new document",
}


def _summary_of(rows: list[CoverageRow], undecided: int) -> CoverageSummary:
    counts = {s: 0 for s in ("met", "partial", "not_addressed", "not_applicable")}
    for r in rows:
        counts[r.status] += 1
    decided = counts["met"] + counts["partial"] + counts["not_applicable"]
    return CoverageSummary(len(rows), counts, decided, undecided)


def _word_copy(data: bytes, filename: str, fmt: str) -> bytes | None:
    if fmt not in ("pdf", "doc"):
        return None
    from review.parsing import word_copy

    return word_copy(data, filename, fmt)


def _display_filename(filename: str) -> str:
    try:
        from review.parsing import safe_filename

        return safe_filename(filename)
    except ImportError:  # the parser module provides it; keep just the base name meanwhile
        return Path(filename.replace("\\", "/")).name[:200] or "upload"


def _version_info(v: Record) -> VersionInfo:
    return VersionInfo(
        number=int(v["number"]),
        filename=v["filename"],
        sha256=v["sha256"],
        size=int(v.get("size", 0)),
        uploaded_by=v["uploaded_by"],
        uploaded_at=v["uploaded_at"],
        framework_id=v["framework_id"],
        framework_version=v["framework_version"],
        section_count=len(v["parsed"]["sections"]),
        format=v["parsed"].get("format", "docx"),
        left_out=tuple(
            (str(k), int(n)) for k, n in sorted((v["parsed"].get("left_out") or {}).items())
        ),
    )


def _link_view(r: Record) -> LinkView:
    return LinkView(
        id=r["id"],
        version=int(r["version"]),
        section_id=r["section_id"],
        competency=r["competency"],
        state=r["state"],
        score=r.get("score"),
        evidence=tuple(Evidence.from_dict(e) for e in r.get("evidence") or ()),
        sentences=tuple(str(x) for x in r.get("sentences") or ()),
        reasons=reasons_from(r.get("reasons")),
        note=r.get("note", ""),
        reason=r.get("reason", ""),
        decided_by=r.get("decided_by", ""),
        decided_at=r.get("decided_at", ""),
        flag=r.get("flag", ""),
        origin=r.get("origin", "suggester"),
    )
