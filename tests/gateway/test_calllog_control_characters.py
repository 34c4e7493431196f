"""The call log keeps calls whose texts hold control characters: NUL (which PostgreSQL text
cannot hold) is stored visibly as ``\\x00``, and a stored control character no longer breaks
the call-log export."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.utils import timezone
from openpyxl import load_workbook

from credit.gateway import calllog
from credit.gateway.models import CallLog

pytestmark = pytest.mark.django_db


def test_a_call_whose_texts_hold_nul_is_logged_with_the_nul_escaped():
    written = calllog.record_call(
        called_at=timezone.now(),
        method="GET",
        route="/sanctions/checks/{number}\x00",
        path="/api/v1/sanctions/checks/a\x00b",
        status=422,
        latency_ms=3,
        subject="常州\x00\ud800",
        result={"q\x00": ["a\x00"]},
        request_id="nul-call",
    )
    assert written
    call = CallLog.objects.get(request_id="nul-call")
    assert call.path == "/api/v1/sanctions/checks/a\\x00b"
    assert call.route == "/sanctions/checks/{number}\\x00"
    assert call.subject == "常州\\x00\\ud800"
    assert call.result == {"q\\x00": ["a\\x00"]}


def test_a_request_with_nul_in_its_path_is_logged(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/api/v1/sanctions/checks/a%00b")
    assert response.status_code == 422
    call = CallLog.objects.get()
    assert (call.path, call.status, call.user_id) == (
        "/api/v1/sanctions/checks/a\\x00b",
        422,
        admin_user.pk,
    )


def test_the_call_log_export_writes_stored_control_characters_visibly(client, admin_user):
    # Written as an older version did: control characters other than NUL stored as they came.
    with connection.cursor() as cur:
        cur.execute(
            calllog._INSERT,
            [timezone.now(), None, None, None, "GET", "/subjects/{identifier}",
             "/api/v1/subjects/a\x07b", 404, 5, "响\x07铃\x1b", None, None, "ctl-call"],
        )  # fmt: skip
    client.force_login(admin_user)
    today = timezone.localdate().isoformat()

    response = client.get("/gateway/calls/export.xlsx", {"start": today, "end": today})

    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    rows = [list(r) for r in wb["明细"].iter_rows(values_only=True)]
    row = next(r for r in rows if r[13] == "ctl-call")
    assert row[7] == "/api/v1/subjects/a\\x07b"
    assert row[10] == "响\\x07铃\\x1b"
