"""What the push tests share besides fixtures: a local webhook, the queued jobs, a fan-out
run as the worker would, and a subscription made by the system."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from procrastinate.contrib.django.models import ProcrastinateJob

from credit.events import delivery, services
from credit.events.models import Subscription


class Receiver:
    """A webhook on 127.0.0.1 answering the scripted statuses in turn (then 200)."""

    def __init__(self, statuses=(), location: str = ""):
        self.statuses = list(statuses)
        self.requests: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                status = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook?team=credit") -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def jobs(task: str):
    return ProcrastinateJob.objects.filter(task_name=task)


def run_fan_out() -> list[int]:
    made = []
    for job in jobs("sanctions.fan_out").filter(status="todo").order_by("id"):
        made += delivery.fan_out(**job.args)
    return made


def subscribe(client, url, **extra) -> Subscription:
    return services.create_subscription(actor=None, client=client, name="订阅", url=url, **extra)
