"""The upload flow a department clerk finishes alone (issue 14, item 8): the form pre-selects
what is certain and names items in Chinese, the progress panel shows a real bar with rows/s and
an estimate, the receipt shows Chinese messages (the code beside them), the layout notes, the
way on, and the rejected rows as a pre-filled template that is corrected and uploaded again
as a resubmission linked both ways."""

from __future__ import annotations

import datetime
import io
import re
import uuid
from unittest import mock

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from credit.accounts.roles import Role
from credit.catalog.excel import build_template, header_for
from credit.catalog.models import CatalogItem
from credit.core.http import FORMULA_PREFIXES, xlsx_text
from credit.core.models import AuditEntry
from credit.ingest.feedback import REASON_HEADER
from credit.ingest.models import Batch
from tests.ingest.test_feedback import OTHER_ID, masked_id
from tests.ingest.test_pipeline import _csv, _row

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(client, make_user):
    user = make_user(Role.DEPT_OFFICER, department="SCJG")
    client.force_login(user)
    return user


def _post(client, name, data, *, department="SCJG", item="admin-penalty", resubmits=""):
    return client.post(
        "/ingest/",
        {
            "item": item,
            "department": department,
            "resubmits": resubmits,
            "file": SimpleUploadedFile(name, data, content_type="application/octet-stream"),
        },
    )


def _upload(client, tmp_path, rows, run_upload_jobs, **kwargs) -> Batch:
    data = _csv(tmp_path / f"{uuid.uuid4().hex}.csv", rows).read_bytes()
    response = _post(client, "五月处罚.csv", data, **kwargs)
    assert response.status_code == 302, response.content.decode()[:2000]
    run_upload_jobs()
    return Batch.objects.latest("id")


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# --- the form ---------------------------------------------------------------------------


def test_an_officer_with_one_department_finds_it_and_its_region_preselected(client, officer):
    response = client.get("/ingest/")
    form = response.context["form"]
    assert form.only_department.code == "SCJG"
    select = re.search(r'<select name="department".*?</select>', response.content.decode(), re.S)
    assert re.findall(r"<option[^>]*>", select.group(0)) == ['<option value="SCJG" selected>']
    assert "常州市市场监督管理局（常州市）" in select.group(0)
    page = response.content.decode()
    assert 'data-testid="only-department"' in page and "所属区划：常州市" in page


def test_a_user_of_several_departments_chooses_one(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/ingest/")
    assert response.context["form"].only_department is None
    select = re.search(r'<select name="department".*?</select>', response.content.decode(), re.S)
    assert '<option value="" selected>' in select.group(0)
    assert select.group(0).count("<option") > 10


def test_catalog_items_are_named_in_chinese_grouped_by_category_with_the_code_second(
    client, officer
):
    page = _page(client, "/ingest/")
    select = re.search(r'<select name="item".*?</select>', page, re.S).group(0)
    groups = re.findall(r'<optgroup label="([^"]+)">', select)
    assert groups[0] == "双公示" and {"红名单", "黑名单"} <= set(groups)
    assert len(groups) == len(set(groups))  # one group per category
    double = re.search(r'<optgroup label="双公示">(.*?)</optgroup>', select, re.S).group(1)
    assert '<option value="admin-penalty">行政处罚（admin-penalty）</option>' in double
    assert "失信被执行人（dishonest-judgment-debtor）" not in double


def test_an_item_can_be_preselected_by_the_link(client, officer):
    page = _page(client, "/ingest/?item=admin-license")
    assert '<option value="admin-license" selected>' in page


# --- progress ---------------------------------------------------------------------------


def _processing(client, tmp_path, **values) -> Batch:
    data = _csv(tmp_path / "p.csv", [_row(7001)]).read_bytes()
    _post(client, "报送.csv", data)
    batch = Batch.objects.latest("id")
    Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.PROCESSING, **values)
    return batch


def _layout(rows: int, **extra) -> dict:
    return {"source": "报送.xlsx!Sheet1", "header_row": 1, "rows": rows, **extra}


def test_the_progress_bar_shows_rows_done_of_the_file_the_rate_and_the_time_left(
    client, officer, tmp_path, upload_dir
):
    batch = _processing(
        client,
        tmp_path,
        total=1500,
        started_at=timezone.now() - datetime.timedelta(seconds=75),
        metrics={"layout": [_layout(2000), _layout(1000)]},
    )
    body = _page(client, f"/ingest/batches/{batch.pk}/progress/")
    assert '<progress class="bar big" max="3000" value="1500"' in body
    assert "1500 / 3000 行（50%）" in body
    assert re.search(r'data-testid="progress-rate">20 行/秒<', body)
    # 1500 rows left at 20 rows/s
    remaining = re.search(r'data-testid="progress-remaining">([^<]+)<', body).group(1)
    assert remaining in ("1 分 15 秒", "1 分 14 秒", "1 分 16 秒")
    assert re.search(r'data-testid="progress-expected">3000<', body)


def test_while_the_file_is_read_the_panel_shows_rows_and_rate_without_a_share(
    client, officer, tmp_path, upload_dir
):
    batch = _processing(
        client,
        tmp_path,
        total=400,
        started_at=timezone.now() - datetime.timedelta(seconds=20),
        metrics={"layout": [{"source": "报送.csv", "header_row": 1}]},  # not counted yet
    )
    body = _page(client, f"/ingest/batches/{batch.pk}/progress/")
    assert '<progress class="bar big" data-testid="progress-bar">' in body  # indeterminate
    assert "已处理 400 行" in body and "读完后才知道" in body
    assert re.search(r'data-testid="progress-rate">20 行/秒<', body)
    assert "%" not in body and "预计还需" not in body


def test_a_finished_batch_shows_no_estimate(client, officer, tmp_path, upload_dir):
    batch = _processing(client, tmp_path, total=10, metrics={"layout": [_layout(10)]})
    Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.DONE, finished_at=timezone.now())
    body = client.get(f"/ingest/batches/{batch.pk}/progress/").content.decode()
    assert "预计还需" not in body and "progress-bar" not in body


# --- the receipt ------------------------------------------------------------------------


def test_the_receipt_shows_chinese_messages_with_the_code_in_a_secondary_column(
    client, officer, tmp_path, upload_dir, run_upload_jobs
):
    batch = _upload(
        client,
        tmp_path,
        [_row(7101), _row(7102, **{"处罚决定日期": "2025-13-01"})],
        run_upload_jobs,
    )
    page = _page(client, f"/ingest/batches/{batch.pk}/")
    rows = re.findall(r'<tr id="row-\d+">(.*?)</tr>', page, re.S)
    (row,) = [r for r in rows if "date_invalid" in r]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert "处罚决定日期" in cells[3] and "date_invalid" not in cells[3]  # the message
    assert "<code>date_invalid</code>" in cells[4]  # the code, beside it
    assert '<td class="muted code-cell">' in row
    steps = re.search(r'data-testid="next-steps">(.*?)</div>', page, re.S).group(1)
    assert 'href="/ingest/batches/"' in steps  # the list
    assert 'href="/ingest/?item=admin-penalty"' in steps  # a new upload
    assert f'href="/ingest/batches/{batch.pk}/rejected.xlsx"' in steps
    assert f'href="/ingest/?resubmits={batch.pk}"' in steps


def test_a_batch_without_rejected_rows_offers_no_rejected_rows(
    client, officer, tmp_path, upload_dir, run_upload_jobs
):
    batch = _upload(client, tmp_path, [_row(7151)], run_upload_jobs)
    page = _page(client, f"/ingest/batches/{batch.pk}/")
    assert "rejected.xlsx" not in page and "resubmits=" not in page
    response = client.get(f"/ingest/batches/{batch.pk}/rejected.xlsx")
    assert response.status_code == 302 and response["Location"] == f"/ingest/batches/{batch.pk}/"
    assert "没有退回的行" in _page(client, response["Location"])


def test_a_reader_who_may_not_submit_is_not_offered_to_upload(
    client, officer, make_user, tmp_path, upload_dir, run_upload_jobs
):
    batch = _upload(client, tmp_path, [_row(7161, **{"处罚类别": "罚金"})], run_upload_jobs)
    client.force_login(make_user(Role.AUDITOR))
    page = _page(client, f"/ingest/batches/{batch.pk}/")
    assert "rejected.xlsx" in page  # the rows may be read …
    assert "resubmits=" not in page and "?item=" not in page  # … but not sent


def test_the_receipt_shows_where_the_header_was_and_the_notes_rows_left_out(
    client, officer, tmp_path, upload_dir, run_upload_jobs
):
    batch = _upload(client, tmp_path, [_row(7201)], run_upload_jobs)
    layout = {
        "source": "处罚.xlsx!2024Q1",
        "header_row": 3,
        "skipped_above": [1, 2],
        "notes_rows": [{"row": 9, "text": "合计"}, {"row": 10, "text": "填表说明：…"}],
        "notes_total": 3,
        "warning": "“处罚.xlsx!2024Q1”：第 9、10、11 行是合计、说明或签名行，已忽略",
    }
    Batch.objects.filter(pk=batch.pk).update(metrics={**batch.metrics, "layout": [layout]})
    page = _page(client, f"/ingest/batches/{batch.pk}/")
    section = re.search(r'data-testid="layout">(.*?)</div>\s*</li>', page, re.S).group(1)
    assert "表头在第 3 行" in section and "上方第 1、2 行" in section
    assert "第 9 行：合计" in section and "第 10 行：填表说明：…" in section
    assert "另有 1 行" in section
    assert "已忽略" in re.search(r'data-testid="layout-warning">([^<]*)<', page).group(1)


def test_a_template_layout_says_nothing_and_an_old_batch_has_none(
    client, officer, tmp_path, upload_dir, run_upload_jobs
):
    batch = _upload(client, tmp_path, [_row(7251)], run_upload_jobs)
    for metrics in (
        {"layout": [{"source": "a.csv", "header_row": 1, "skipped_above": [], "notes_rows": []}]},
        {},
        {"layout": "garbled"},
    ):
        Batch.objects.filter(pk=batch.pk).update(metrics=metrics)
        assert 'data-testid="layout"' not in _page(client, f"/ingest/batches/{batch.pk}/")


def test_the_batch_page_keeps_the_rows_of_one_error_code(
    client, officer, tmp_path, upload_dir, run_upload_jobs
):
    batch = _upload(
        client,
        tmp_path,
        [
            _row(7301, **{"处罚决定日期": "2025-13-01"}),
            _row(7302, **{"处罚类别": "罚金"}),
            _row(7303, **{"处罚类别": "罚金"}),
        ],
        run_upload_jobs,
    )
    page = _page(client, f"/ingest/batches/{batch.pk}/?code=code_invalid")
    assert page.count('<tr id="row-') == 2 and "date_invalid" not in page
    assert "只显示问题为“取值不在代码表中”" in page
    assert _page(client, f"/ingest/batches/{batch.pk}/?code=<b>").count('<tr id="row-') == 3
    empty = _page(client, f"/ingest/batches/{batch.pk}/?code=required")
    assert "没有问题为“必填项为空”的行" in empty


# --- the rejected rows, corrected and sent again -----------------------------------------


def _sheet(content: bytes) -> list[dict]:
    rows = list(openpyxl.load_workbook(io.BytesIO(content))["数据"].iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, r, strict=True)) for r in rows[1:] if any(v is not None for v in r)]


def test_the_rejected_rows_come_back_in_the_items_template_with_their_values_and_reasons(
    client, officer, tmp_path, upload_dir, run_upload_jobs
):
    batch = _upload(
        client,
        tmp_path,
        [
            _row(7401),
            _row(7402, **{"处罚决定日期": "2025-13-01"}),
            _row(7403, **{"处罚类别": "罚金", "罚款金额(万元)": "-5"}),
        ],
        run_upload_jobs,
    )
    response = client.get(f"/ingest/batches/{batch.pk}/rejected.xlsx")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    item = CatalogItem.objects.get(code="admin-penalty")
    header = [c.value for c in book["数据"][1]]
    assert header == [*(header_for(f) for f in item.fields.all()), REASON_HEADER]
    rows = _sheet(response.content)
    assert len(rows) == 2  # only the rejected rows
    first, second = rows
    assert first["*行政处罚决定书文号"] == "常市监罚〔2025〕7402号"
    assert first["*处罚决定日期"] == "2025-13-01"  # as sent, to be corrected
    assert first[REASON_HEADER].startswith("原五月处罚.csv 第3行：“处罚决定日期”不是有效日期")
    assert second["*处罚类别"] == "罚金"
    assert second[REASON_HEADER].startswith("原五月处罚.csv 第4行：")
    assert second["罚款金额(万元)"] == "-5"  # a formula-like value comes back unchanged
    guide = "\n".join(str(c) for r in book["填报说明"].iter_rows(values_only=True) for c in r if c)
    assert f"批次 {batch.pk} 退回的 2 行" in guide
    entry = AuditEntry.objects.filter(
        event_type="batch.feedback_downloaded", object_id=str(batch.pk)
    ).latest("id")
    assert entry.after == {"format": "rejected_xlsx", "masked": True, "rows": 2}


def test_the_rejected_rows_are_masked_where_the_feedback_is(
    client, officer, admin_user, tmp_path, upload_dir, run_upload_jobs
):
    person = _row(501, natural=True, **{"证件号码": OTHER_ID, "处罚类别": "罚金"})
    batch = _upload(client, tmp_path, [person], run_upload_jobs)
    masked = client.get(f"/ingest/batches/{batch.pk}/rejected.xlsx").content
    (row,) = _sheet(masked)
    assert OTHER_ID not in str(row) and row["证件号码"] == masked_id(OTHER_ID)
    guide = str(list(openpyxl.load_workbook(io.BytesIO(masked))["填报说明"].values))
    assert "已脱敏" in guide
    client.force_login(admin_user)
    (raw,) = _sheet(client.get(f"/ingest/batches/{batch.pk}/rejected.xlsx").content)
    assert raw["证件号码"] == OTHER_ID


def test_another_departments_rejected_rows_are_not_found(
    client, officer, make_user, tmp_path, upload_dir, run_upload_jobs
):
    batch = _upload(client, tmp_path, [_row(7551, **{"处罚类别": "罚金"})], run_upload_jobs)
    client.force_login(make_user(Role.DEPT_OFFICER, department="SW"))
    assert client.get(f"/ingest/batches/{batch.pk}/rejected.xlsx").status_code == 404


def test_the_corrected_template_is_uploaded_again_and_linked_to_the_first_batch(
    client, officer, tmp_path, upload_dir, run_upload_jobs
):
    first = _upload(
        client,
        tmp_path,
        [_row(7601), _row(7602, **{"处罚类别": "罚金"}), _row(7603, **{"处罚内容": ""})],
        run_upload_jobs,
    )
    assert first.rejected == 2
    upload_page = _page(client, f"/ingest/?resubmits={first.pk}")
    assert 'data-testid="resubmitting"' in upload_page
    assert '<option value="admin-penalty" selected>' in upload_page
    assert f'name="resubmits" value="{first.pk}"' in upload_page

    book = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/ingest/batches/{first.pk}/rejected.xlsx").content)
    )
    sheet = book["数据"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=header.index("*处罚类别") + 1, value="罚款")
    sheet.cell(row=3, column=header.index("*处罚内容") + 1, value="罚款5000元")
    out = io.BytesIO()
    book.save(out)

    response = _post(client, "退回行-更正.xlsx", out.getvalue(), resubmits=str(first.pk))
    assert response.status_code == 302
    second = Batch.objects.latest("id")
    assert second.resubmission_of == first
    run_upload_jobs()
    second.refresh_from_db()
    assert (second.status, second.total, second.rejected, second.inserted) == ("done", 2, 0, 2)
    assert [c["header"] for c in second.unknown_columns] == [REASON_HEADER]  # not loaded
    received = AuditEntry.objects.get(event_type="batch.received", object_id=str(second.pk))
    assert received.after["resubmission_of"] == first.pk

    page = _page(client, f"/ingest/batches/{second.pk}/")
    link = re.search(r'data-testid="resubmission-of">(.*?)</dd>', page, re.S).group(1)
    assert f'href="/ingest/batches/{first.pk}/"' in link
    first_page = _page(client, f"/ingest/batches/{first.pk}/")
    back = re.search(r'data-testid="resubmissions">(.*?)</dd>', first_page, re.S)
    assert f'href="/ingest/batches/{second.pk}/"' in back.group(1) and "已完成" in back.group(1)


def test_a_resubmission_must_be_of_the_same_item_and_department(
    client, officer, make_user, tmp_path, upload_dir, run_upload_jobs
):
    first = _upload(client, tmp_path, [_row(7701, **{"处罚类别": "罚金"})], run_upload_jobs)
    data = _csv(tmp_path / "again.csv", [_row(7702)]).read_bytes()
    before = Batch.objects.count()

    other_item = _post(client, "a.csv", data, item="admin-license", resubmits=str(first.pk))
    assert other_item.status_code == 200
    assert "resubmission_mismatch" in other_item.content.decode()
    assert "目录项（行政处罚）" in other_item.content.decode()

    hidden = _upload_as_other_department(make_user, tmp_path, run_upload_jobs)
    missing = _post(client, "a.csv", data, resubmits=str(hidden.pk))
    assert "resubmission_not_found" in missing.content.decode()
    too_big = _post(client, "a.csv", data, resubmits="99999999999999999999")
    assert too_big.status_code == 200 and too_big.context["form"].errors["resubmits"]

    assert Batch.objects.count() == before + 1  # only the other department's batch
    assert list(upload_dir.iterdir()) == []  # refused uploads keep no file


def _upload_as_other_department(make_user, tmp_path, run_upload_jobs) -> Batch:
    from django.test import Client

    other = Client()
    other.force_login(make_user(Role.DEPT_OFFICER, department="SW"))
    data = _csv(tmp_path / "sw.csv", [_row(7703)]).read_bytes()
    response = other.post(
        "/ingest/",
        {
            "item": "admin-penalty",
            "department": "SW",
            "file": SimpleUploadedFile("sw.csv", data),
        },
    )
    assert response.status_code == 302
    run_upload_jobs()
    return Batch.objects.latest("id")


def test_the_upload_page_ignores_a_resubmission_it_may_not_see(
    client, officer, make_user, tmp_path, upload_dir, run_upload_jobs
):
    hidden = _upload_as_other_department(make_user, tmp_path, run_upload_jobs)
    for value in (str(hidden.pk), "abc", "-1", "99999999999999999999", "١٢"):
        page = _page(client, f"/ingest/?resubmits={value}")
        assert 'data-testid="resubmitting"' not in page


# --- the pre-filled template ------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(value=st.text(min_size=1, max_size=40))
def test_prefilled_text_reads_back_as_sent_and_is_never_a_formula(value):
    item = CatalogItem.objects.get(code="statistics-dishonest")
    fields = list(item.fields.all())
    with mock.patch("credit.catalog.excel.TEMPLATE_ROWS", 1):  # a quick workbook
        content = build_template(item, rows=[([value] * len(fields), value)], note_header="原因")
    sheet = openpyxl.load_workbook(io.BytesIO(content))["数据"]
    expected = xlsx_text(" " + value)[1:]  # what a workbook can hold, nothing added

    # XML turns a bare carriage return into a line feed, except where openpyxl escapes it: a
    # line break stays a line break either way.
    def lines(text: str) -> str:
        return text.replace("\r\n", "\n").replace("\r", "\n")

    for cell in sheet[2][: len(fields) + 1]:
        assert cell.data_type != "f"
        assert lines(cell.value) == lines(expected)
        if expected.startswith(FORMULA_PREFIXES):
            assert cell.quotePrefix
