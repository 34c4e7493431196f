"""The production-like server the HTTP benchmarks measure: gunicorn, 2 worker processes with 8
threads each (``gthread``: keep-alive connections), on loopback."""

from __future__ import annotations

import http.client
import os
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def serve(port: int, *extra: str) -> subprocess.Popen:
    """Start gunicorn on ``port`` (``extra``: more gunicorn options) and wait until it answers
    ``/healthz``; exits the benchmark when it does not start within a minute."""
    env = {**os.environ, "CREDIT_ALLOWED_HOSTS": "127.0.0.1,localhost"}
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "credit.wsgi",
            "--workers",
            "2",
            "--worker-class",
            "gthread",
            "--threads",
            "8",
            *extra,
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status in (200, 503):
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("gunicorn did not start")
