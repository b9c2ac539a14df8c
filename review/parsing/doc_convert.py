"""Legacy Word 97-2003 (.doc) → .docx through LibreOffice headless, where it is installed.

The conversion runs ``soffice --headless --convert-to docx`` in a temporary directory with its own
throw-away LibreOffice profile (so concurrent conversions never share one), no network and a
time limit. Without LibreOffice the upload is refused with a message that says what to do.
Results are cached by content hash for the life of the process: the upload parses the converted
file and keeps it as the Word copy for the annotated report without converting twice.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from review.errors import UnreadableDocument

TIMEOUT_S = 120
NOT_INSTALLED = (
    "This is an old Word 97-2003 document (.doc). This server cannot convert .doc files "
    "(LibreOffice is not installed). Open it in Word and save it as a Word Document (.docx), "
    "then upload that."
)
FAILED = (
    "This old Word 97-2003 document (.doc) could not be converted. Open it in Word and save it "
    "as a Word Document (.docx), then upload that."
)

_CACHE: dict[str, bytes] = {}
_CACHE_MAX = 16
_GUARD = threading.Lock()


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def doc_to_docx(data: bytes, name: str) -> bytes:
    """The .docx LibreOffice makes of a .doc, or :class:`UnreadableDocument`."""
    key = hashlib.sha256(data).hexdigest()
    with _GUARD:
        hit = _CACHE.get(key)
    if hit is not None:
        return hit
    exe = soffice()
    if exe is None:
        raise UnreadableDocument(NOT_INSTALLED, filename=name, reason="unsupported_type")
    with tempfile.TemporaryDirectory(prefix="cr-doc-") as tmp:
        src = Path(tmp) / "upload.doc"
        src.write_bytes(data)
        profile = Path(tmp) / "profile"
        cmd = [
            exe,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            tmp,
            str(src),
        ]
        env = {**os.environ, "HOME": tmp}
        try:
            subprocess.run(
                cmd,
                cwd=tmp,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise UnreadableDocument(FAILED, filename=name, reason="unsupported_type") from exc
        out = Path(tmp) / "upload.docx"
        if not out.is_file() or out.stat().st_size == 0:
            raise UnreadableDocument(FAILED, filename=name, reason="unsupported_type")
        converted = out.read_bytes()
    with _GUARD:
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = converted
    return converted
