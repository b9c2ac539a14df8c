"""Upload file names: a label to show and store, never a path to trust."""

from __future__ import annotations

import re
import unicodedata

MAX_NAME_CHARS = 120
_FALLBACK = "document"
#: characters Windows refuses in names, replaced so a downloaded report can be saved anywhere
_RESERVED = re.compile(r'[<>:"|?*]')
#: bidi overrides/embeddings/isolates: "invoice\u202excod.exe" spoofs its own extension
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_WINDOWS_DEVICES = frozenset(
    ["con", "prn", "aux", "nul"]
    + [f"com{i}" for i in range(1, 10)]
    + [f"lpt{i}" for i in range(1, 10)]
)


def safe_filename(name: str) -> str:
    """A display/storage-safe version of an uploaded file's name.

    Keeps only the last path component (both ``/`` and ``\\``), drops NUL, control and bidi
    override characters and ``..``, replaces characters Windows refuses, and shortens the stem so
    the whole name is at most MAX_NAME_CHARS characters while keeping the extension. Letters of
    any script (Hebrew, Arabic, CJK ...) are kept. Never returns an empty string.
    """
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cs", "Co"))
    name = _BIDI_CONTROLS.sub("", name)
    name = _RESERVED.sub("_", name)
    while ".." in name:
        name = name.replace("..", ".")
    name = re.sub(r"\s+", " ", name).strip().strip(".").strip()
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > 10 or " " in ext:
        stem, ext = name, ""
    stem = stem.strip()
    if not stem:
        stem = _FALLBACK
    if stem.lower() in _WINDOWS_DEVICES:
        stem = "_" + stem
    suffix = f".{ext}" if ext else ""
    stem = stem[: MAX_NAME_CHARS - len(suffix)].rstrip(" .") or _FALLBACK
    return stem + suffix
