"""Browser journeys: Playwright drives Debian's chromium against a real server process.

The server (`credit serve`: the development server and a background worker) runs as a
subprocess on the test database, so the data a journey needs is committed by module-scoped
fixtures. Without chromium the tests skip, except under CI=true, where a missing browser is
an error.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from credit import dbserver

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _require_browser() -> str:
    if CHROMIUM:
        return CHROMIUM
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true but Debian's chromium is not installed (apt-get install chromium)")
    pytest.skip("Debian's chromium is not installed; browser journeys skipped")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _test_database_url() -> str:
    from django.db import connection

    cfg = connection.settings_dict
    host = cfg["HOST"] or "127.0.0.1"
    if host.startswith("/"):
        return dbserver.socket_url(host, cfg["NAME"], cfg["USER"] or "postgres")
    port = cfg["PORT"] or 5432
    return f"postgres://{cfg['USER'] or 'postgres'}@{host}:{port}/{cfg['NAME']}"


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    """Environment variables a journey module gives its server (override in the module);
    ``{url}`` in a value stands for the server's base URL."""
    return {}


def server_log() -> Path:
    """The log of this test process's server (one per pytest-xdist worker: a second worker's
    server must not truncate it)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return Path(dbserver.var_dir()) / f"browser-server-{worker}.log"


@pytest.fixture(scope="module")
def live_url(django_db_setup, django_db_blocker, server_env):
    """A `credit serve` subprocess (development server and background worker) on the test
    database; yields its base URL. Module-scoped: the worker must be gone before the tests
    that run jobs with a worker of their own (tests/ingest/test_upload_jobs.py)."""
    _require_browser()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "DJANGO_SETTINGS_MODULE": "credit.settings_test",
        **{name: value.format(url=url) for name, value in server_env.items()},
    }
    log = server_log()
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "credit.cli", "serve", f"127.0.0.1:{port}"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=1)
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"server exited: {log.read_text()[-2000:]}")
                time.sleep(0.2)
        else:
            pytest.fail("server did not start in 20 s")
        yield url
    finally:
        proc.terminate()  # serve stops its worker, then exits
        proc.wait(20)


@pytest.fixture
def page(live_url):
    """A fresh browser page. Playwright starts here, after the (session and module scoped)
    database fixtures: its sync API runs an event loop in this thread, and Django's
    per-context connections must not be set up under it."""
    from playwright.sync_api import sync_playwright

    executable = _require_browser()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN", accept_downloads=True)
        yield context.new_page()
        context.close()
        browser.close()


# --- what the journeys do on a page -----------------------------------------------------------

#: The password of the users the journeys make.
PASSWORD = "Pw-123456"


def login(page, live_url: str, user, password: str = PASSWORD) -> None:
    """Sign ``user`` in on the staff login page (any earlier session dropped first)."""
    page.context.clear_cookies()
    page.goto(f"{live_url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_url}/")


def fits(page) -> None:
    """The page does not scroll sideways."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow} px"


def shots(page, tmp_path, name: str, sizes=((1366, 768), (390, 844))) -> None:
    """The page reloaded at each of ``sizes`` (desktop, then phone), checked with :func:`fits`
    and saved as ``<name>-<width>.png``; the page is left at the last size."""
    for width, height in sizes:
        page.set_viewport_size({"width": width, "height": height})
        page.reload()
        fits(page)
        page.screenshot(path=str(tmp_path / f"{name}-{width}.png"), full_page=True)
