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
    change), to assert that a refused action changed nothing. With the PostgreSQL store selected
    (``COMPETENCY_REVIEW_DATABASE_URL``), every table's content is fingerprinted too."""
    out = {
        str(p.relative_to(data_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(data_dir.rglob("*"))
        if p.is_file() and not p.name.endswith(".lock")
    }
    url = os.environ.get("COMPETENCY_REVIEW_DATABASE_URL", "")
    if url:
        from review.storage_pg import TABLES, shared_repository

        with shared_repository(url)._tx() as cur:
            for table in TABLES:
                row = cur.execute(
                    f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                    f" FROM {table} t"  # type: ignore[arg-type]
                ).fetchone()
                out[f"postgresql:{table}"] = row[0] if row else ""
    return out


def stored_originals(data_dir: Path) -> dict[str, bytes]:
    """Every stored original, sha256 -> bytes, from whichever store is selected."""
    url = os.environ.get("COMPETENCY_REVIEW_DATABASE_URL", "")
    if url:
        from review.storage_pg import shared_repository

        with shared_repository(url)._tx() as cur:
            return {
                sha: bytes(data) for sha, data in cur.execute("SELECT sha256, data FROM originals")
            }
    d = data_dir / "originals"
    return {p.name[:64]: p.read_bytes() for p in d.iterdir()} if d.is_dir() else {}


def raw_users(data_dir: Path) -> tuple[str, list[dict]]:
    """The user records as stored (raw text, parsed records), from whichever store is selected."""
    import json

    url = os.environ.get("COMPETENCY_REVIEW_DATABASE_URL", "")
    if url:
        from review.storage_pg import shared_repository

        with shared_repository(url)._tx() as cur:
            texts = [r[0] for r in cur.execute("SELECT data::text FROM users")]
        return "\n".join(texts), [json.loads(t) for t in texts]
    raw = (data_dir / "store" / "directory.json").read_text()
    return raw, list(json.loads(raw)["users"].values())


# --------------------------------------------------------------------------- both stores
# Test modules that set ``pytestmark = pytest.mark.usefixtures("store_backend")`` run every test
# twice: on the TinyDB store and on a real PostgreSQL server started once per session in a temp
# dir (``tests/pg_server.py``). ``make test-postgres`` runs the PostgreSQL half: ``-m postgres``.

DATABASE_URL = "COMPETENCY_REVIEW_DATABASE_URL"


def _tools_required() -> bool:
    return (
        os.environ.get("COMPETENCY_REVIEW_REQUIRE_TOOLS") == "1"
        or os.environ.get("CI", "").lower() == "true"
    )


def pg_snapshot(url: str, name: str) -> None:
    """Copy every store table into schema ``name`` (a module's template store, see pg_restore)."""
    from review.storage_pg import TABLES, shared_repository

    with shared_repository(url)._tx() as cur:
        cur.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")  # type: ignore[arg-type]
        cur.execute(f"CREATE SCHEMA {name}")  # type: ignore[arg-type]
        for t in TABLES:
            cur.execute(f"CREATE TABLE {name}.{t} AS SELECT * FROM public.{t}")  # type: ignore[arg-type]


def pg_restore(url: str, name: str) -> None:
    """Put the store back to the snapshot ``name`` in one transaction (a few ms for a small
    store, where a copy of a whole database would take a few hundred)."""
    from review.storage_pg import TABLES, shared_repository

    with shared_repository(url)._tx() as cur:
        cur.execute(f"TRUNCATE {', '.join(TABLES)}")  # type: ignore[arg-type]
        for t in reversed(TABLES):  # parents first, for the foreign keys
            cur.execute(f"INSERT INTO public.{t} SELECT * FROM {name}.{t}")  # type: ignore[arg-type]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test marked ``tinydb_only`` (it reads or counts the TinyDB files themselves) runs only in
    the TinyDB half of a both-stores module."""
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("store_backend") if callspec else None
        if backend == "postgres" and item.get_closest_marker("tinydb_only"):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def pg_server():
    """One throwaway PostgreSQL server for the session (skip without one; fail in CI)."""
    from tests.pg_server import start_server

    try:
        server = start_server()
    except (FileNotFoundError, RuntimeError, OSError, KeyError) as exc:
        msg = f"needs a PostgreSQL server (initdb/pg_ctl): {exc}"
        if _tools_required():
            pytest.fail(msg + " (CI / COMPETENCY_REVIEW_REQUIRE_TOOLS=1)")
        pytest.skip(msg)
    yield server
    from review.storage_pg import _SHARED

    for repo in list(_SHARED.values()):
        repo.close()
    _SHARED.clear()
    server.cleanup()


@pytest.fixture(autouse=True)
def _tinydb_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests use the TinyDB store unless they ask for ``store_backend``'s PostgreSQL half, even
    when the developer's shell selects a database."""
    monkeypatch.delenv(DATABASE_URL, raising=False)


@pytest.fixture(params=["tinydb", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """``tinydb`` or ``postgres``: with ``postgres`` the session's database is emptied and
    selected through COMPETENCY_REVIEW_DATABASE_URL, so ``open_repository`` (and every
    ``ReviewService(data_dir=...)``) uses it."""
    if request.param == "postgres":
        server = request.getfixturevalue("pg_server")
        from review.storage_pg import shared_repository

        shared_repository(server.url).wipe()
        monkeypatch.setenv(DATABASE_URL, server.url)
    yield request.param
    if request.param == "postgres":
        # the PostgreSQL half must really have used the database: no TinyDB document appeared
        data = os.environ.get("COMPETENCY_REVIEW_DATA")
        docs = Path(data) / "store" / "documents" if data else None
        assert docs is None or not any(docs.glob("*.json")), "a TinyDB store was written"


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
