"""A control character stored in a check (reason, feedback) no longer breaks the checks export
for everybody: the workbook is written with the character escaped visibly."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from credit.accounts.roles import Role
from credit.sanctions import services

pytestmark = pytest.mark.django_db


def test_the_checks_export_writes_control_characters_in_a_reason_visibly(client, make_user, listed):
    subject, entry, _ = listed
    officer = make_user(Role.DEPT_OFFICER)
    check = services.run_check(
        principal=officer, identifier=subject.uscc, scenario="gov_procurement",
        reason="政府采购\x07资格审查\x1b[0m",
    )  # fmt: skip
    services.record_feedback(
        principal=officer, number=check.number, measure_code="B-GP-01", record_id=entry.pk,
        action="not_applicable", reason="非政府\x0b采购项目",
    )  # fmt: skip
    client.force_login(officer)

    response = client.get("/sanctions/checks/export.xlsx")

    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    checks = [list(r) for r in wb["核查记录"].iter_rows(values_only=True)]
    assert checks[1][0] == check.number
    assert checks[1][7] == "政府采购\\x07资格审查\\x1b[0m"
    feedback = [list(r) for r in wb["措施反馈"].iter_rows(values_only=True)]
    assert feedback[1][6] == "非政府\\x0b采购项目"
