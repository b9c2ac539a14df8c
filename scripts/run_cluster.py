"""``make run-cluster``: PostgreSQL, N Streamlit replicas and nginx in front, on this machine.

* PostgreSQL (Debian's package; run as the ``postgres`` user when we are root) keeps its cluster
  in ``<data>/pg`` and listens on a Unix socket there only;
* ``--replicas`` Streamlit processes (default 2) on ports 8601, 8602, ... share that database
  (``COMPETENCY_REVIEW_DATABASE_URL``) — no shared disk for the store or the originals;
* nginx on ``--port`` (default 8500) with **session affinity**: Streamlit keeps a session's state
  and its uploaded files in the process that serves its websocket, so every request of a browser
  must reach the same replica. nginx OSS has no sticky-cookie directive; the config hashes a
  ``cr_affinity`` cookie (``hash ... consistent``), and a browser without one gets a random value
  (``$request_id``) set as that cookie on the first response. When a replica dies, nginx sends its
  browsers to another (``proxy_next_upstream``); they sign in again there, nothing stored is lost.

The demo is seeded on the first start (logins printed, and written to ``<data>/demo-logins.txt``).
Ctrl-C stops everything this script started (by process id). Nothing is exposed beyond
127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.pg_server import start_server  # noqa: E402

NGINX_CONF = """\
worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/nginx-error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log {run}/nginx-access.log;
    client_body_temp_path {run}/client_body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    client_max_body_size 60m;          # COMPETENCY_REVIEW_MAX_UPLOAD_MB is 50

    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    # session affinity: the cr_affinity cookie, or a fresh random key for a new browser
    map $cookie_cr_affinity $affinity {{ "" $request_id; default $cookie_cr_affinity; }}

    upstream streamlit {{
        hash $affinity consistent;
{servers}
    }}

    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://streamlit;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_read_timeout 86400s;   # Streamlit's websocket stays open for the session
            proxy_next_upstream error timeout http_502 http_503;
            add_header Set-Cookie "cr_affinity=$affinity; Path=/; HttpOnly; SameSite=Lax" always;
            add_header X-Replica $upstream_addr always;
        }}
    }}
}}
"""


def _wait_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")
        time.sleep(0.3)


class Cluster:
    """Start/stop the whole thing; also used by tests (tests/test_cluster.py)."""

    def __init__(
        self,
        data: Path,
        port: int = 8500,
        replicas: int = 2,
        first_port: int = 8601,
        replica_ports: list[int] | None = None,
        pg_root: Path | None = None,
    ):
        self.data = data
        #: the PostgreSQL cluster's directory: the postgres user must be able to reach it
        self.pg_root = pg_root or data / "pg"
        self.port = port
        self.replica_ports = replica_ports or [first_port + i for i in range(replicas)]
        self.procs: list[subprocess.Popen] = []
        self.server = None
        self.url = ""

    def start(self, *, seed_demo: bool = True) -> None:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(nginx).exists():
            raise FileNotFoundError("nginx not found (Debian: apt-get install nginx-light)")
        self.data.mkdir(parents=True, exist_ok=True)
        self.server = start_server(durable=True, root=self.pg_root)
        self.url = self.server.url
        env = {**os.environ, "COMPETENCY_REVIEW_DATABASE_URL": self.url}
        env["COMPETENCY_REVIEW_DATA"] = str(self.data / "app")
        self.env = env
        bin_dir = Path(sys.executable).parent
        if seed_demo:
            subprocess.run(
                [str(bin_dir / "competency-review"), "demo", "--if-empty"], env=env, check=True
            )
        for port in self.replica_ports:
            self.start_replica(port)
        run = self.data / "nginx"
        run.mkdir(exist_ok=True)
        for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (run / d).mkdir(exist_ok=True)
            (run / d).chmod(0o777)  # nginx's workers run as an unprivileged user
        servers = "\n".join(
            f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in self.replica_ports
        )
        conf = run / "nginx.conf"
        conf.write_text(NGINX_CONF.format(run=run, servers=servers, port=self.port))
        self.procs.append(
            subprocess.Popen([nginx, "-c", str(conf), "-p", str(run), "-g", "daemon off;"])
        )
        _wait_http(f"http://127.0.0.1:{self.port}/_stcore/health")

    def start_replica(self, port: int) -> subprocess.Popen:
        bin_dir = Path(sys.executable).parent
        proc = subprocess.Popen(
            [
                str(bin_dir / "streamlit"),
                "run",
                str(ROOT / "streamlit_app.py"),
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=open(self.data / f"replica-{port}.log", "ab"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        _wait_http(f"http://127.0.0.1:{port}/_stcore/health")
        return proc

    def replica(self, port: int) -> subprocess.Popen:
        for p in self.procs:
            if str(port) in p.args:
                return p
        raise KeyError(port)

    def stop(self) -> None:
        for p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        self.procs.clear()
        if self.server is not None:
            self.server.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT / "runtime" / "cluster"))
    ap.add_argument("--port", type=int, default=8500)
    ap.add_argument("--replicas", type=int, default=2)
    args = ap.parse_args(argv)
    cluster = Cluster(Path(args.data).resolve(), args.port, args.replicas)
    try:
        cluster.start()
        print(
            f"Competency Review on http://127.0.0.1:{args.port} (nginx) -> replicas "
            + ", ".join(f"127.0.0.1:{p}" for p in cluster.replica_ports)
            + f"; PostgreSQL {cluster.url}. Ctrl-C stops everything."
        )
        while all(p.poll() is None for p in cluster.procs):
            time.sleep(1)
        print("a process of the cluster exited; stopping the rest", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
