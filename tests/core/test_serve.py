"""`credit serve`: a worker subprocess beside the development server, stopped with it.

The real command runs in the browser journeys (tests/browser/conftest.py); here the worker
process and runserver are stand-ins, to check the start and stop sequence."""

from __future__ import annotations

import signal
import sys
import threading
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from credit.core.management.commands import serve


class FakeWorker:
    def __init__(self, exits_by_itself: bool = False):
        self.signals: list[int] = []
        self.returncode: int | None = None
        self._ended = threading.Event()
        if exits_by_itself:
            self._end(1)

    def _end(self, code: int) -> None:
        self.returncode = code
        self._ended.set()

    def poll(self):
        return self.returncode

    def wait(self, timeout=None):
        self._ended.wait(timeout)
        return self.returncode

    def send_signal(self, sig):
        self.signals.append(sig)
        self._end(-sig)

    def kill(self):
        self.send_signal(signal.SIGKILL)


@pytest.fixture
def fakes(monkeypatch):
    calls: dict = {"popen": [], "runserver": []}
    state = {"worker": FakeWorker(), "server": lambda: None}

    def popen(args, **kwargs):
        calls["popen"].append((args, kwargs))
        return state["worker"]

    def fake_call_command(name, *args, **kwargs):
        calls["runserver"].append((name, args, kwargs))
        state["server"]()

    monkeypatch.setattr(serve.subprocess, "Popen", popen)
    monkeypatch.setattr(serve, "call_command", fake_call_command)
    return calls, state


def test_serve_starts_the_worker_then_the_server_and_stops_the_worker_after(fakes):
    calls, state = fakes
    before = signal.getsignal(signal.SIGTERM)
    call_command("serve", "127.0.0.1:8123")
    [(args, kwargs)] = calls["popen"]
    assert args == [sys.executable, "-m", "credit.cli", "procrastinate", "worker"]
    assert kwargs["start_new_session"] is True
    [(name, positional, options)] = calls["runserver"]
    assert (name, positional) == ("runserver", ("127.0.0.1:8123",))
    assert options["use_reloader"] is False
    assert state["worker"].signals == [signal.SIGTERM]
    assert signal.getsignal(signal.SIGTERM) == before


@pytest.mark.parametrize("stop", [KeyboardInterrupt, lambda: sys.exit(0)])
def test_ctrl_c_or_sigterm_stops_the_server_and_the_worker(fakes, stop):
    calls, state = fakes

    def server():
        if isinstance(stop, type):
            raise stop
        stop()

    state["server"] = server
    call_command("serve")  # no error: an ordinary stop
    assert calls["runserver"][0][1] == ()
    assert state["worker"].signals == [signal.SIGTERM]


def test_a_server_error_still_stops_the_worker(fakes):
    _, state = fakes

    def server():
        raise CommandError('"x" is not a valid port number or address:port pair.')

    state["server"] = server
    with pytest.raises(CommandError):
        call_command("serve", "x")
    assert state["worker"].signals == [signal.SIGTERM]


def test_a_worker_that_dies_stops_the_server_with_an_error(fakes):
    _, state = fakes
    state["worker"] = FakeWorker(exits_by_itself=True)

    def server():  # like runserver: returns only when interrupted
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            time.sleep(0.01)
        raise AssertionError("the server was not stopped")

    state["server"] = server
    with pytest.raises(CommandError, match="后台任务进程意外退出"):
        call_command("serve")
    assert state["worker"].signals == []  # already gone
