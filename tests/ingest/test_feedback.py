"""Feedback files (xlsx, JSON, API) and privacy: the rows as sent only for whoever may see ID
numbers, masked by field for everyone else, and every download audited."""

from __future__ import annotations

import csv
import datetime
import io
import json
from pathlib import Path

import openpyxl
import pytest

from credit.accounts.roles import Role
from credit.core.identifiers import make_resident_id
from credit.core.models import AuditEntry
from credit.ingest.feedback import feedback_rows
from credit.ingest.models import Batch
from credit.ingest.pipeline import ingest_file
from tests.ingest.test_pipeline import HEADERS, _row

pytestmark = pytest.mark.django_db

PERSON = "李四海"
PHONE = "13951234567"
PERSON_ID = make_resident_id("320402", datetime.date(1985, 3, 9), 11)
OTHER_ID = make_resident_id("320411", datetime.date(1990, 7, 1), 23)
#: 18 digits shaped like an ID number, with a wrong check digit (a typing slip).
MISTYPED_ID = OTHER_ID[:-1] + ("1" if OTHER_ID[-1] != "1" else "2")
EXTRA = ["联系电话", "备注信息"]
DEPARTMENT = "TNQ-SCJG"  # 天宁区市场监管局: in the district 320402


def masked_id(number: str) -> str:
    return number[:3] + "*" * 11 + number[-4:]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([*HEADERS, *EXTRA])
        writer.writerows(rows)
    return path


def demo_rows() -> list[list[str]]:
    """A natural person's penalty whose free text repeats the ID and a phone number, with an
    unknown phone column and an unknown remark holding an ID number; a company's penalty
    naming its legal representative; a rejected row with an ID number in the 证件类型 column
    (quoted by its error) and a mistyped number in 证件号码."""
    facts = f"当事人{PERSON}（身份证号{PERSON_ID}，手机{PHONE}）无证经营。"
    person = _row(
        901, natural=True, **{"行政相对人名称": PERSON, "证件号码": PERSON_ID, "违法事实": facts}
    )
    company = _row(902, **{"法定代表人": "王小明"})
    shifted = _row(903, natural=True, **{"证件类型": OTHER_ID, "证件号码": MISTYPED_ID})
    return [
        [*person, PHONE, f"身份证 {PERSON_ID}"],
        [*company, "0519-88881234", ""],
        [*shifted, "", ""],
    ]


@pytest.fixture
def batch(make_user, tmp_path) -> Batch:
    """The demo rows, uploaded by an officer of the district's market regulator."""
    officer = make_user(Role.DEPT_OFFICER, region="320402", department=DEPARTMENT)
    path = write_csv(tmp_path / "报送.csv", demo_rows())
    return ingest_file(
        actor=officer, path=path, item_code="admin-penalty", department_code=DEPARTMENT
    )


def _sheet_text(content: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return "\n".join(
        str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row
    )


def _xlsx_rows(content: bytes) -> list[dict]:
    rows = list(openpyxl.load_workbook(io.BytesIO(content))["反馈"].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_the_workbook_masks_personal_cells_by_field_for_a_role_without_the_identity_permission(
    client, make_user, batch
):
    assert (batch.total, batch.rejected) == (3, 1)
    client.force_login(make_user(Role.DEPT_OFFICER, region="320402", department=DEPARTMENT))
    response = client.get(f"/ingest/batches/{batch.pk}/feedback.xlsx")
    assert response.status_code == 200
    text = _sheet_text(response.content)
    for clear in (PERSON_ID, OTHER_ID, MISTYPED_ID, PHONE, "王小明", "88881234"):
        assert clear not in text, clear
    person, company, shifted = _xlsx_rows(response.content)
    assert person["证件号码"] == masked_id(PERSON_ID)  # the ID field, by its field
    assert person["违法事实"] == (
        f"当事人{PERSON}（身份证号{masked_id(PERSON_ID)}，手机139****4567）无证经营。"
    )
    assert person["联系电话"] == "139****4567"  # an unknown column: a phone, by its header
    assert company["联系电话"] == "0519-******34"
    assert person["备注信息"] == f"身份证 {masked_id(PERSON_ID)}"  # unknown, scanned
    assert company["法定代表人"] == "王**"  # a personal field, masked as a name
    assert company["行政处罚决定书文号"] == "常市监罚〔2025〕902号"  # the rest as sent
    assert shifted["证件号码"] == masked_id(MISTYPED_ID)
    assert shifted["证件类型"] == masked_id(OTHER_ID)
    assert masked_id(OTHER_ID) in shifted["错误说明"]  # the value the error quotes


def test_the_city_administrator_reads_the_rows_as_sent_and_others_do_not(
    client, make_user, admin_user, batch
):
    client.force_login(make_user(Role.AUDITOR))
    content = client.get(f"/ingest/batches/{batch.pk}/feedback.xlsx").content
    assert PERSON_ID not in _sheet_text(content)
    client.force_login(admin_user)
    content = client.get(f"/ingest/batches/{batch.pk}/feedback.xlsx").content
    person, company, shifted = _xlsx_rows(content)
    assert person["证件号码"] == PERSON_ID and person["联系电话"] == PHONE
    assert company["法定代表人"] == "王小明"
    assert OTHER_ID in shifted["错误说明"]


def test_json_and_api_feedback_mask_quoted_values_for_a_role_without_the_identity_permission(
    client, make_user, admin_user, batch
):
    client.force_login(make_user(Role.DISTRICT_ADMIN, region="320402"))
    for url in (
        f"/ingest/batches/{batch.pk}/feedback.json",
        f"/api/v1/ingest/batches/{batch.pk}/feedback",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert OTHER_ID not in body and masked_id(OTHER_ID) in body, url
    assert OTHER_ID in json.dumps(feedback_rows(batch, principal=admin_user), ensure_ascii=False)


def test_every_feedback_download_is_audited_with_its_format_and_masking(
    client, make_user, admin_user, batch
):
    reviewer = make_user(Role.CITY_REVIEWER)
    downloads = [
        (reviewer, f"/ingest/batches/{batch.pk}/feedback.xlsx"),
        (reviewer, f"/ingest/batches/{batch.pk}/feedback.json"),
        (reviewer, f"/api/v1/ingest/batches/{batch.pk}/feedback"),
        (admin_user, f"/ingest/batches/{batch.pk}/feedback.xlsx"),
    ]
    for user, url in downloads:
        client.force_login(user)
        assert client.get(url).status_code == 200, url
    entries = AuditEntry.objects.filter(
        event_type="batch.feedback_downloaded", object_id=str(batch.pk)
    ).order_by("id")
    assert [(e.actor_id, e.after["format"], e.after["masked"]) for e in entries] == [
        (reviewer.pk, "xlsx", True),
        (reviewer.pk, "json", True),
        (reviewer.pk, "api", True),
        (admin_user.pk, "xlsx", False),
    ]
    assert {e.object_type for e in entries} == {"ingest.batch"}
    # A refused download (a batch of another department) is not a read.
    client.force_login(make_user(Role.DEPT_OFFICER, department="SCJG"))
    assert client.get(f"/ingest/batches/{batch.pk}/feedback.xlsx").status_code == 404
    assert entries.count() == 4


def test_the_batch_page_shows_the_messages_as_the_feedback_files_do(
    client, make_user, admin_user, batch
):
    client.force_login(make_user(Role.DISTRICT_ADMIN, region="320402"))
    page = client.get(f"/ingest/batches/{batch.pk}/").content.decode()
    assert OTHER_ID not in page and masked_id(OTHER_ID) in page
    client.force_login(admin_user)
    assert OTHER_ID in client.get(f"/ingest/batches/{batch.pk}/").content.decode()
