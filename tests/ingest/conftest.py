"""Fixtures of the upload tests: a private upload folder and the queued jobs run in-process."""

from __future__ import annotations

import pytest


@pytest.fixture
def upload_dir(tmp_path, monkeypatch):
    """``CREDIT_VAR_DIR`` in a temporary folder: returns where uploads are stored."""
    monkeypatch.setenv("CREDIT_VAR_DIR", str(tmp_path / "var"))
    return tmp_path / "var" / "uploads"


@pytest.fixture
def run_upload_jobs(db):
    """``run_upload_jobs()`` runs the upload jobs the test has enqueued, in the test's own
    transaction (the task function itself, with the job's arguments); returns their number.
    A real worker runs them in test_upload_jobs.py, on committed data."""
    from procrastinate.contrib.django.models import ProcrastinateJob

    from credit.ingest.tasks import ingest_upload

    done: set[int] = set()

    def run() -> int:
        jobs = ProcrastinateJob.objects.filter(task_name=ingest_upload.name, status="todo")
        ran = 0
        for job in jobs.exclude(pk__in=done).order_by("id"):
            done.add(job.pk)
            ingest_upload(**job.args)
            ran += 1
        return ran

    return run
