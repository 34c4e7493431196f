"""Data-quality metrics per batch and per department (D6), and their pages."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command

from credit.accounts.roles import Role
from credit.ingest.models import Batch
from tests.ingest.test_pipeline import _csv, _row

pytestmark = pytest.mark.django_db


def _ingest(tmp_path, rows, department="SCJG", name="p.csv") -> Batch:
    call_command(
        "ingest",
        str(_csv(tmp_path / name, rows)),
        "--item",
        "admin-penalty",
        "--department",
        department,
    )
    return Batch.objects.latest("id")


def test_batch_metrics_count_accuracy_completeness_and_timeliness(tmp_path, capsys):
    today = datetime.date.today()
    long_ago = "2025-03-05"
    batch = _ingest(
        tmp_path,
        [
            _row(
                1,
                **{
                    "处罚决定日期": today.isoformat(),
                    "公示截止期": (today + datetime.timedelta(days=365)).isoformat(),
                    "处罚有效期": (today + datetime.timedelta(days=180)).isoformat(),
                },
            ),
            _row(2, **{"处罚决定日期": long_ago}),
            _row(3, **{"处罚内容": ""}),
            _row(4, **{"处罚类别": "罚金"}),
        ],
    )
    m = batch.metrics
    assert m["volume"] == 4
    assert m["accuracy"] == 0.5 and m["completeness"] == 0.75
    assert m["errors_by_code"] == {"required": 1, "code_invalid": 1}
    assert (m["timely_rows"], m["timed_rows"], m["timeliness"]) == (1, 2, 0.5)


def test_the_ranking_orders_departments_by_score_and_is_for_reviewers(
    client, make_user, tmp_path, capsys
):
    _ingest(tmp_path, [_row(11), _row(12)], "SCJG", "a.csv")
    _ingest(tmp_path, [_row(13), _row(14, **{"处罚类别": "罚金"})], "SW", "b.csv")
    _ingest(tmp_path, [_row(15)], "SCJG", "c.csv")  # a second batch of the same department
    client.force_login(make_user(Role.CITY_REVIEWER))
    page = client.get("/ingest/quality/")
    assert page.status_code == 200
    names = [r["department"].code for r in page.context["rows"]]
    assert names.index("SCJG") < names.index("SW")
    assert len(names) == len(set(names))  # one line per department
    client.force_login(make_user(Role.DEPT_OFFICER, department="SCJG"))
    assert client.get("/ingest/quality/").status_code == 403


def test_a_department_sees_its_own_history_and_not_anothers(client, make_user, tmp_path, capsys):
    _ingest(tmp_path, [_row(21, **{"处罚内容": ""})], "SCJG")
    client.force_login(make_user(Role.DEPT_OFFICER, department="SCJG"))
    page = client.get("/ingest/quality/SCJG/")
    assert page.status_code == 200 and "required" in page.content.decode()
    assert client.get("/ingest/quality/SW/").status_code == 404
