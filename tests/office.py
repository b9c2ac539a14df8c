"""LibreOffice from the tests: one ``soffice --convert-to`` call for many files."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

SOFFICE_TIMEOUT = 240


def soffice_convert(
    soffice: str,
    target: str,
    files: Sequence[Path],
    outdir: Path,
    profile: Path,
    timeout: float = SOFFICE_TIMEOUT,
) -> None:
    """Convert ``files`` to ``target`` ("pdf", "txt:Text", ...) into ``outdir``, in a private
    profile so parallel runs never collide; fails the test naming any file not converted."""
    cmd = [
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        target,
        "--outdir",
        str(outdir),
        *map(str, files),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    missing = [
        f.name
        for f in files
        if not (outdir / f.with_suffix("." + target.split(":")[0]).name).exists()
    ]
    assert not missing, f"soffice did not convert {missing}: {done.stdout}\n{done.stderr}"
