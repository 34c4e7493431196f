"""The exchange flow in a browser, as 天宁区's administrator: a new data-file partner (the
district's sub-platform, a local folder, xlsx files zipped, its receipts read back) and an
upward channel of 统计上严重失信企业 are made on the pages; 初始全量 puts the district's record in
the outbox; 立即运行 writes the file (已发送待回执); the sub-platform answers with a receipt
refusing the record, and the next run shows it 被拒收 with the partner's reason; 重发 and a run
write it again; the reconciliation shows the channel's counts. Screenshots of the channel page
and the reconciliation at 1366 and 390 px are kept in the test's folder.

The record is of an item no other test counts, about a company registered in 天宁区 and
reported by a city department (so it reaches the district by where the company is); all the
journey made is removed afterwards."""

from __future__ import annotations

import datetime
import json
import uuid

import pytest
from playwright.sync_api import expect

from credit.accounts.roles import Role
from tests.browser.conftest import PASSWORD, login, shots

DESKTOP = {"width": 1366, "height": 900}
SIZES = ((DESKTOP["width"], DESKTOP["height"]), (390, 844))

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

TAG = uuid.uuid4().hex[:6]
ITEM = "statistics-dishonest"  # a list no other test counts
REFUSAL = "子平台校验未通过：处罚决定书文号重复"


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker, tmp_path_factory):
    """Committed data the server can see: 天宁区's administrator and one 统计上严重失信企业
    record of 统计局 about a company registered in 天宁区; removed afterwards with the
    partner the journey makes."""
    from credit.accounts.services import create_user
    from credit.catalog.models import CatalogItem
    from credit.core.identifiers import make_uscc
    from credit.core.models import Department, Region
    from credit.records.models import CreditRecord
    from credit.subjects.services import register_legal_person

    folder = tmp_path_factory.mktemp("sub-platform")
    today = datetime.date.today()
    with django_db_blocker.unblock():
        admin = create_user(
            actor=None,
            username=f"xch-tn-{TAG}",
            password=PASSWORD,
            role=Role.DISTRICT_ADMIN,
            region=Region.objects.get(code="320402"),
            real_name="钱交换",
        )
        company, _ = register_legal_person(
            actor=None,
            uscc=make_uscc("91", "320402", f"7{TAG.upper()}X"[:8]),
            name=f"常州交换旅程{TAG}统计有限公司",
        )
        record = CreditRecord.objects.create(
            item=CatalogItem.objects.get(code=ITEM),
            legal_person=company,
            department=Department.objects.get(code="TJ"),
            region_id="320400",
            natural_key=f"exchange-journey-{TAG}",
            document_no=f"常统罚〔2026〕{TAG}号",
            payload={"subject_name": company.name, "uscc": company.uscc,
                     "document_no": f"常统罚〔2026〕{TAG}号"},
            usage_scope="public",
            decision_date=today - datetime.timedelta(days=5),
            publicity_start=today - datetime.timedelta(days=5),
            valid_to=today + datetime.timedelta(days=300),
            publicity_end=today + datetime.timedelta(days=300),
        )  # fmt: skip
    yield {"admin": admin, "company": company, "record": record, "folder": folder}
    with django_db_blocker.unblock():
        _remove(record, company, admin)


def _remove(record, company, admin) -> None:
    """What the journey made (the audit entries go with the module: tests/conftest.py)."""
    from credit.exchange.models import Channel, Delivery, OutboundFile, Partner, Run
    from credit.records.models import RecordChange

    partners = Partner.objects.filter(code=f"tn-sub-{TAG}")
    OutboundFile.objects.filter(partner__in=partners).delete()
    Delivery.objects.filter(channel__partner__in=partners).delete()
    Run.objects.filter(channel__partner__in=partners).delete()
    Channel.objects.filter(partner__in=partners).delete()
    partners.delete()
    RecordChange.objects.filter(record=record).delete()
    record.delete()
    company.identifiers.all().delete()
    company.delete()
    admin.delete()


def _answer(folder, key: str) -> str:
    """The sub-platform's receipt for its one file: ``key`` refused with :data:`REFUSAL`."""
    (name,) = [p.name for p in (folder / "outbox").iterdir() if p.suffix == ".zip"]
    stem = name.rsplit(".", 1)[0]
    answers = folder / "outbox_receipts"
    answers.mkdir(exist_ok=True)
    (answers / f"{stem}.receipt.xml").write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<回执 文件="{name}">'
        f'<记录 键="{key}" 结果="rejected">{REFUSAL}</记录></回执>',
        encoding="utf-8",
    )
    return name


def test_a_district_sends_to_its_sub_platform_and_reads_its_receipts(
    page, live_url, scene, tmp_path
):
    page.set_viewport_size(DESKTOP)
    login(page, live_url, scene["admin"])

    # a new partner of the district: the sub-platform's folder
    page.goto(f"{live_url}/exchange/partners/")
    form = page.get_by_test_id("partner-form")
    form.locator("input[name=code]").fill(f"tn-sub-{TAG}")
    form.locator("input[name=name]").fill(f"天宁区信用子平台（旅程{TAG}）")
    form.locator("select[name=kind]").select_option("files")
    form.locator("select[name=region]").select_option("320402")
    settings = {"transport": "local", "path": str(scene["folder"]), "format": "xlsx",
                "zip": True, "message_code": "TJSX", "receipts": True}  # fmt: skip
    form.locator("textarea[name=files_config]").fill(json.dumps(settings))
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"**/exchange/partners/tn-sub-{TAG}/")
    expect(page.get_by_test_id("partner-facts")).to_contain_text("数据文件")

    # its upward channel of 统计上严重失信企业
    channel_form = page.get_by_test_id("channel-form")
    channel_form.locator("select[name=item]").select_option(label="统计上严重失信企业")
    channel_form.locator("select[name=direction]").select_option("up")
    channel_form.locator("select[name=period]").select_option("irregular")
    mapping = {"fields": {"QYMC": "subject_name", "TYSHXYDM": "uscc", "ZT": "_record.status"}}
    channel_form.locator("textarea[name=mapping]").fill(json.dumps(mapping))
    channel_form.locator("button[type=submit]").click()
    page.wait_for_url("**/exchange/channels/*/")

    # 初始全量, then 立即运行: the file is written and waits for the sub-platform's receipt
    page.get_by_test_id("load").click()
    expect(page.locator(".messages")).to_contain_text("新放入待发送 1 条")
    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("count-sent")).to_have_text("1")
    expect(page.get_by_test_id("outbound-files")).to_contain_text("TJSX_")
    key = f"{scene['record'].pk}-1"
    name = _answer(scene["folder"], key)
    assert name.endswith(".zip")

    # the next run reads the receipt: refused with the sub-platform's reason
    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("count-rejected")).to_have_text("1")
    row = page.get_by_test_id(f"delivery-{key}")
    expect(row.get_by_test_id("status")).to_have_text("被拒收")
    expect(row).to_contain_text(REFUSAL)
    shots(page, tmp_path, "channel", SIZES)
    page.set_viewport_size(DESKTOP)

    # 重发 and run: a second file with the same key, waiting for its receipt again
    page.get_by_test_id("resend-rejected").click()
    expect(page.get_by_test_id("count-pending")).to_have_text("1")
    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("count-sent")).to_have_text("1")
    expect(page.get_by_test_id("outbound-files").locator("tbody tr")).to_have_count(2)

    # the reconciliation of the partner
    page.goto(f"{live_url}/exchange/partners/tn-sub-{TAG}/reconcile/")
    expect(page.get_by_test_id("total-awaiting")).to_have_text("1")
    expect(page.get_by_test_id("reconcile")).to_contain_text("统计上严重失信企业")
    shots(page, tmp_path, "reconcile", SIZES)
    page.set_viewport_size(DESKTOP)
