"""The embedded PostgreSQL: started on demand under CREDIT_VAR_DIR, reachable, stoppable."""

import os
import subprocess
import sys

SCRIPT = """
import psycopg
from credit import dbserver
from credit.dbserver import _psycopg_dsn
url = dbserver.database_url()
with psycopg.connect(_psycopg_dsn(url)) as conn:
    print("version", conn.execute("show server_version").fetchone()[0])
print("running", dbserver.is_running())
print("stopped", dbserver.stop_embedded())
print("running", dbserver.is_running())
print("stopped", dbserver.stop_embedded())
"""


def test_embedded_server_starts_on_demand_and_stops(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "XDG_RUNTIME_DIR"}}
    env["CREDIT_VAR_DIR"] = str(tmp_path / "var")
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert lines[0].startswith("version ")
    assert lines[1:] == ["running True", "stopped True", "running False", "stopped False"]
    assert (tmp_path / "var" / "pgdata" / "PG_VERSION").exists()
