"""A throwaway PostgreSQL server in a temporary directory, for tests and benchmarks.

Debian's ``postgresql`` package provides ``initdb`` and ``pg_ctl`` (``/usr/lib/postgresql/<v>/bin``).
PostgreSQL refuses to run as root, so when we are root the server runs as the package's
``postgres`` user (``runuser``), in a directory chowned to it. It listens on a Unix socket in that
directory only (no TCP port to collide with), with trust authentication for the local socket.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


def find_tool(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


@dataclass
class PgServer:
    root: Path
    socket_dir: Path
    dbname: str
    _as_postgres: bool

    @property
    def url(self) -> str:
        return self.url_for(self.dbname)

    def url_for(self, dbname: str) -> str:
        return f"postgresql://postgres@/{dbname}?host={self.socket_dir}"

    def _cmd(self, *args: str) -> list[str]:
        return (["runuser", "-u", "postgres", "--"] if self._as_postgres else []) + list(args)

    def create_database(self, name: str, template: str | None = None) -> str:
        import psycopg

        with psycopg.connect(self.url_for("postgres"), autocommit=True) as conn:
            sql = f'CREATE DATABASE "{name}"'
            if template:
                sql += f' TEMPLATE "{template}"'
            conn.execute(sql)  # type: ignore[arg-type]
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.url_for("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]

    def stop(self, mode: str = "fast") -> None:
        pg_ctl = find_tool("pg_ctl")
        if pg_ctl and (self.root / "data" / "postmaster.pid").exists():
            subprocess.run(
                self._cmd(pg_ctl, "-D", str(self.root / "data"), "-m", mode, "-w", "stop"),
                capture_output=True,
                timeout=60,
            )

    def restart(self) -> None:
        self.stop()
        self._start()

    def _start(self) -> None:
        pg_ctl = find_tool("pg_ctl")
        assert pg_ctl
        opts = (
            f"-k {self.socket_dir} -c listen_addresses='' -c max_connections=200"
            f" -c shared_buffers=64MB {self._durability}"
        )
        r = subprocess.run(
            self._cmd(
                pg_ctl,
                "-D",
                str(self.root / "data"),
                "-l",
                str(self.root / "server.log"),
                "-o",
                opts,
                "-w",
                "-t",
                "60",
                "start",
            ),
            capture_output=True,
            text=True,
            timeout=90,
        )
        if r.returncode != 0:
            log = (self.root / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"pg_ctl start failed: {r.stderr or r.stdout}\n{log}")

    _durability: str = ""

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def start_server(
    *, durable: bool = False, dbname: str = "review", root: Path | None = None
) -> PgServer:
    """Start a fresh server; ``durable=False`` turns fsync off (tests), ``True`` keeps the
    defaults (benchmarks compare against a store that fsyncs every write). With ``root`` (e.g.
    ``make run-cluster``'s directory) the cluster lives there and the next start reuses it."""
    initdb = find_tool("initdb")
    if initdb is None or find_tool("pg_ctl") is None:
        raise FileNotFoundError("initdb/pg_ctl not found (Debian: apt-get install postgresql)")
    as_postgres = os.geteuid() == 0
    keep = root is not None
    root = Path(root) if root is not None else Path(tempfile.mkdtemp(prefix="cr-pg-"))
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    if as_postgres:
        pw = pwd.getpwnam("postgres")
        os.chown(root, pw.pw_uid, pw.pw_gid)
    server = PgServer(root, root, dbname, as_postgres)
    server._durability = (
        "" if durable else "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    if keep and (root / "data" / "PG_VERSION").exists():
        server._start()
        return server
    try:
        r = subprocess.run(
            server._cmd(
                initdb,
                "-D",
                str(root / "data"),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ),
            capture_output=True,
            text=True,
            timeout=120,
        )
        if r.returncode != 0:
            raise RuntimeError(f"initdb failed: {r.stderr or r.stdout}")
        server._start()
        server.create_database(dbname)
    except BaseException:
        with contextlib.suppress(Exception):
            server.cleanup()
        raise
    return server
