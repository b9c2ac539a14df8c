"""Where uploaded originals live: a small content-addressed blob-store interface.

An original is named by the SHA-256 of its bytes (plus the extension of the detected format, which
the file store uses in the file name); storing the same bytes twice stores them once, and nothing
is ever overwritten or deleted by a workflow action.

* :class:`FileBlobStore` — ``<data>/originals/<sha256><ext>`` (the TinyDB store's layout);
* :class:`review.storage_pg.PostgresBlobStore` — a ``bytea`` row per distinct file in the
  database, so an app replica needs no shared disk.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Protocol

from review.errors import NotFound

_EXT_OK = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.")
_HEX = frozenset("0123456789abcdef")


class BlobStore(Protocol):
    def put(self, data: bytes, ext: str) -> str:
        """Store ``data`` (once) and return its SHA-256 hex digest."""
        ...

    def get(self, sha256: str, ext: str) -> bytes:
        """The bytes stored under ``sha256``; :class:`NotFound` when there are none."""
        ...

    def has(self, sha256: str) -> bool: ...


def check_key(sha256: str, ext: str) -> str:
    """Validate a blob key (a malformed one is simply not found); returns the lower-cased ext."""
    ext = ext.lower()
    if len(sha256) != 64 or not set(sha256) <= _HEX or not set(ext) <= _EXT_OK:
        raise NotFound("no such original")
    return ext


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FileBlobStore:
    """Originals as files in one directory (atomic writes; never overwritten)."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str, ext: str) -> Path:
        return self.directory / f"{sha256}{check_key(sha256, ext)}"

    def put(self, data: bytes, ext: str) -> str:
        from review.storage import atomic_write_bytes

        sha = sha256_hex(data)
        path = self.path(sha, ext)
        if not (path.exists() and path.stat().st_size == len(data)):
            atomic_write_bytes(path, data)
        return sha

    def get(self, sha256: str, ext: str) -> bytes:
        try:
            return self.path(sha256, ext).read_bytes()
        except FileNotFoundError:
            raise NotFound("the original file of this version is missing from the store") from None

    def has(self, sha256: str) -> bool:
        return any(self.directory.glob(f"{sha256}*")) if set(sha256) <= _HEX else False
