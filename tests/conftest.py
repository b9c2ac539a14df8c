"""Shared pytest fixtures.

Tests use real files: .docx fixtures generated with python-docx (see ``tests/docx_factory.py``),
the real TinyDB store on a temporary directory, the real Streamlit app in headless Chromium.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
EVAL_DEV = SHARED / "eval-dev"
TEST_OUTPUT = ROOT / "test-output"


def require_tool(*names: str) -> str:
    """Return the first of ``names`` found on PATH. Skip the test when none is, except in CI
    (``COMPETENCY_REVIEW_REQUIRE_TOOLS=1``), where a missing tool is a failure, not a skip."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    msg = f"needs {' or '.join(names)} on PATH"
    if os.environ.get("COMPETENCY_REVIEW_REQUIRE_TOOLS") == "1":
        pytest.fail(msg + " (COMPETENCY_REVIEW_REQUIRE_TOOLS=1)")
    pytest.skip(msg)


def store_hash(data_dir: Path) -> dict[str, str]:
    """sha256 of every file under a data directory (lock files aside: taking a lock is not a
    change), to assert that a refused action changed nothing."""
    return {
        str(p.relative_to(data_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(data_dir.rglob("*"))
        if p.is_file() and not p.name.endswith(".lock")
    }


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh runtime data directory, also exported as COMPETENCY_REVIEW_DATA."""
    d = tmp_path / "data"
    d.mkdir()
    monkeypatch.setenv("COMPETENCY_REVIEW_DATA", str(d))
    return d


@pytest.fixture
def output_dir() -> Path:
    """A persistent folder for artefacts worth looking at after a run (screenshots, reports)."""
    TEST_OUTPUT.mkdir(exist_ok=True)
    return TEST_OUTPUT
