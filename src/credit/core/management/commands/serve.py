"""``credit serve [addrport]``: the development server with a background worker beside it.

Starts ``credit procrastinate worker`` as a subprocess (uploaded files are processed by it),
then runs ``runserver --noreload`` in the foreground. When the server stops — Ctrl-C, SIGTERM
or an error — the worker is asked to stop (SIGTERM: it finishes the job it is running) and
waited for; a second Ctrl-C stops it at once. A worker that dies on its own stops the server
too, with an error, rather than leaving uploads queued for ever.

Production runs gunicorn and ``credit procrastinate worker`` as separate services instead
(docs/operations.md).
"""

from __future__ import annotations

import _thread
import ctypes
import ctypes.util
import signal
import subprocess
import sys
import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

WORKER_COMMAND = [sys.executable, "-m", "credit.cli", "procrastinate", "worker"]
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the worker gets SIGTERM if this process dies without stopping it."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _interrupt(signum, frame):
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = (
        "开发服务器和后台任务进程一起运行：启动 procrastinate worker 子进程，"
        "再在前台运行 runserver --noreload；服务器退出时停止 worker。"
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "addrport", nargs="?", default="", help="地址和端口，如 127.0.0.1:8000（默认 :8000）"
        )

    def handle(self, *args, addrport: str = "", **options) -> None:
        self.stdout.write("启动后台任务进程：credit procrastinate worker")
        worker = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            WORKER_COMMAND,
            start_new_session=True,  # Ctrl-C reaches the server; the worker is stopped below
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
        serving = threading.Event()
        worker_died = threading.Event()

        def watch() -> None:
            worker.wait()
            if serving.is_set():
                worker_died.set()
                _thread.interrupt_main()  # KeyboardInterrupt in the server's thread

        # SIGTERM (a service manager, a test) stops the server like Ctrl-C does.
        previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            serving.set()
            threading.Thread(target=watch, name="worker-watch", daemon=True).start()
            runserver = {"use_reloader": False, "skip_checks": False}
            if addrport:
                call_command("runserver", addrport, **runserver)
            else:
                call_command("runserver", **runserver)
        except KeyboardInterrupt:
            pass
        except SystemExit as exc:  # runserver exits 0 on Ctrl-C
            if exc.code not in (0, None):
                raise
        finally:
            serving.clear()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self._stop(worker)
        if worker_died.is_set():
            raise CommandError(
                f"后台任务进程意外退出（退出码 {worker.returncode}），上传的文件无法处理；"
                "请查看上面的日志（数据库是否可用、是否已执行 credit migrate）"
            )

    def _stop(self, worker: subprocess.Popen) -> None:
        if worker.poll() is not None:
            return
        self.stdout.write("正在停止后台任务进程（等待正在处理的任务完成；再按 Ctrl-C 立即停止）……")
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait()
        except KeyboardInterrupt:
            worker.kill()
            worker.wait()
            self.stdout.write("后台任务进程已强制停止；未完成的批次可以重新上传。")
