"""The loader thread that overlaps loading chunk N with checking chunk N+1."""

from __future__ import annotations

import threading

import pytest

from credit.core import context
from credit.ingest.pipeline import load_overlapped


def test_chunks_are_loaded_in_order_one_at_a_time_on_another_thread():
    loaded, threads, busy = [], set(), threading.Lock()

    def load(chunk):
        assert busy.acquire(blocking=False), "two chunks loaded at once"
        try:
            threads.add(threading.current_thread().name)
            loaded.append(chunk)
        finally:
            busy.release()

    load_overlapped(iter(range(20)), load)
    assert loaded == list(range(20))
    assert threads and threading.current_thread().name not in threads


def test_a_failed_load_stops_the_batch_with_its_error():
    def load(chunk):
        if chunk == 3:
            raise RuntimeError("chunk 3 failed")

    read = []

    def chunks():
        for n in range(10):
            read.append(n)
            yield n

    with pytest.raises(RuntimeError, match="chunk 3 failed"):
        load_overlapped(chunks(), load)
    assert max(read) <= 5  # reading stops right after the failure is seen


def test_a_reading_error_waits_for_the_chunk_in_flight_and_is_raised():
    loaded = []

    def chunks():
        yield 1
        raise ValueError("unreadable")

    with pytest.raises(ValueError, match="unreadable"):
        load_overlapped(chunks(), loaded.append)
    assert loaded == [1]


def test_the_loader_thread_sees_the_request_context():
    seen = []
    token = context.bind(context.RequestContext(request_id="req-1", source_ip="10.0.0.1"))
    try:
        load_overlapped(iter([1]), lambda _: seen.append(context.current()))
    finally:
        context.reset(token)
    assert seen[0].request_id == "req-1"
