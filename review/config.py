"""Settings, read once from the environment. Every value has a measured or sensible default."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DATA = PROJECT_ROOT / "data"
FRAMEWORKS_DIR = PACKAGE_DATA / "frameworks"
TEMPLATES_DIR = PROJECT_ROOT / "templates"
DEFAULT_FRAMEWORK_ID = "wisconsin-2017"


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:  # a misconfiguration should say which variable is wrong
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from exc


def data_dir() -> Path:
    """Runtime data (the store, uploaded originals): ``COMPETENCY_REVIEW_DATA`` or ./runtime."""
    raw = os.environ.get("COMPETENCY_REVIEW_DATA")
    return Path(raw).expanduser().resolve() if raw else PROJECT_ROOT / "runtime"


def trusted_proxy_header() -> str:
    """``COMPETENCY_REVIEW_TRUSTED_PROXY_HEADER``: the header (e.g. ``X-Forwarded-For``) a
    reverse proxy in front of the app sets to the client's address. Empty (the default): the
    socket address is used, and a loopback one gives no per-client sign-in throttle."""
    return os.environ.get("COMPETENCY_REVIEW_TRUSTED_PROXY_HEADER", "").strip()


@dataclass(frozen=True)
class UploadLimits:
    """Limits applied before any XML is parsed, so a hostile file is refused cheaply."""

    #: largest upload accepted, bytes
    max_upload_bytes: int = field(
        default_factory=lambda: _env_int("COMPETENCY_REVIEW_MAX_UPLOAD_MB", 50) * 1024 * 1024
    )
    #: largest total declared uncompressed size of a .docx, bytes
    max_uncompressed_bytes: int = field(
        default_factory=lambda: _env_int("COMPETENCY_REVIEW_MAX_UNCOMPRESSED_MB", 100) * 1024 * 1024
    )
    #: largest compression ratio of any member (zip bomb guard)
    max_compression_ratio: int = field(
        default_factory=lambda: _env_int("COMPETENCY_REVIEW_MAX_RATIO", 100)
    )
    #: most members in a .docx zip (zip64 archives included: their own count is read)
    max_zip_members: int = 5000
    #: most runs (``w:r``) in the main document part, counted before its XML is parsed
    max_runs: int = field(default_factory=lambda: _env_int("COMPETENCY_REVIEW_MAX_RUNS", 400_000))
    #: most sections a document may be split into (a 5,000-section manual has 5,501)
    max_sections: int = field(
        default_factory=lambda: _env_int("COMPETENCY_REVIEW_MAX_SECTIONS", 10_000)
    )
    #: most distinct words in a document's text (the matcher's vocabulary work grows with it)
    max_distinct_words: int = field(
        default_factory=lambda: _env_int("COMPETENCY_REVIEW_MAX_DISTINCT_WORDS", 100_000)
    )
    #: most suggestions one upload may create
    max_suggestions: int = field(
        default_factory=lambda: _env_int("COMPETENCY_REVIEW_MAX_SUGGESTIONS", 25_000)
    )
    #: seconds an upload's analysis (parse, then suggest) may take; checked after each step
    max_analysis_seconds: int = field(
        default_factory=lambda: _env_int("COMPETENCY_REVIEW_MAX_ANALYSIS_SECONDS", 60)
    )
