"""District tenants are isolated: a 天宁区 administrator neither sees nor runs nor re-sends
钟楼区's partner, channel, run, delivery or written file (not found, on the services and on the
pages, absent from every list and export), cannot configure a partner or a channel in 钟楼区's
name or on 钟楼区's extension items, and a district partner's outbox holds its own district's
records only; the command line acts for the whole platform."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from credit.accounts.roles import Role
from credit.core.errors import NotFound, PermissionDenied
from credit.exchange import selectors
from credit.exchange.constants import DeliveryStatus
from credit.exchange.models import Channel, Delivery, OutboundFile, Partner, Run
from credit.exchange.services import runner
from credit.exchange.services.partners import (
    create_channel,
    create_partner,
    update_channel,
    update_partner,
)
from tests.exchange.conftest import up_mapping

pytestmark = pytest.mark.django_db

DOWN = "mysql+pymysql://root@127.0.0.1:1/test"  # never reached: nothing here needs the partner


@pytest.fixture
def zhonglou(make_partner, up_channel, penalty):
    """钟楼区's partner with an upward channel, a run and a rejected delivery of a 钟楼区
    record, made by the system."""
    partner = make_partner(DOWN, region="320404", code="zl-sub")
    channel = up_channel(partner, up_mapping())
    record = penalty(department="ZLQ-SCJG")
    run = Run.objects.create(channel=channel, trigger="job", status="succeeded")
    delivery = Delivery.objects.create(
        channel=channel,
        key=f"{record.pk}-1",
        record=record,
        version=1,
        change_kind="created",
        status=DeliveryStatus.REJECTED,
        reason="字段超长",
        run=run,
    )
    return partner, channel, run, delivery


@pytest.fixture
def tianning(make_user):
    return make_user(Role.DISTRICT_ADMIN, region="320402")


def test_another_districts_exchange_is_invisible_to_a_district_admin(zhonglou, tianning):
    partner, channel, run, _delivery = zhonglou
    assert not selectors.partners_for(tianning).filter(pk=partner.pk).exists()
    assert not selectors.channels_for(tianning).filter(pk=channel.pk).exists()
    assert not selectors.runs_for(tianning).filter(pk=run.pk).exists()
    assert all(j["channel"].pk != channel.pk for j in selectors.jobs(tianning))
    with pytest.raises(NotFound):
        selectors.partner_for(tianning, partner.code)
    with pytest.raises(NotFound):
        selectors.channel_for(tianning, channel.pk)
    with pytest.raises(NotFound):
        selectors.deliveries_for(tianning, channel)


def test_its_own_district_and_the_city_see_it(zhonglou, make_user, admin_user):
    partner, channel, run, delivery = zhonglou
    for reader in (make_user(Role.DISTRICT_ADMIN, region="320404"), admin_user):
        assert selectors.partner_for(reader, partner.code) == partner
        assert list(selectors.deliveries_for(reader, channel)) == [delivery]
        assert selectors.runs_for(reader).filter(pk=run.pk).exists()


def test_another_districts_exchange_cannot_be_run_resent_or_changed(zhonglou, tianning):
    partner, channel, _run, delivery = zhonglou
    with pytest.raises(NotFound):
        runner.run_channel(actor=tianning, channel=channel, trigger="page")
    with pytest.raises(NotFound):
        runner.resend(actor=tianning, deliveries=[delivery])
    with pytest.raises(NotFound):
        update_channel(actor=tianning, channel=channel, is_active=False)
    with pytest.raises(NotFound):
        update_partner(actor=tianning, partner=partner, name="改名")
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.REJECTED
    assert Run.objects.filter(channel=channel).count() == 1


def test_another_districts_pages_answer_not_found(zhonglou, tianning, client):
    partner, channel, _run, _delivery = zhonglou
    client.force_login(tianning)
    for name, args in (
        ("exchange:partner", [partner.code]),
        ("exchange:reconcile", [partner.code]),
        ("exchange:channel", [channel.pk]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 404, name
    for name, args in (("exchange:run", [channel.pk]), ("exchange:resend", [channel.pk])):
        assert client.post(reverse(name, args=args), {"all": "1"}).status_code == 404, name
    jobs = client.get(reverse("exchange:jobs"))
    assert jobs.status_code == 200 and partner.name not in jobs.content.decode()
    assert Run.objects.filter(channel=channel).count() == 1


def test_a_district_partners_outbox_holds_its_districts_records_only(
    make_partner, up_channel, penalty
):
    city_partner = make_partner(DOWN)
    district_partner = make_partner(DOWN, region="320404")
    city_channel = up_channel(city_partner, up_mapping())
    district_channel = up_channel(district_partner, up_mapping())
    zhonglou = penalty(department="ZLQ-SCJG")
    tianning = penalty(department="TNQ-SCJG")
    city = penalty(department="SCJG")
    assert runner.take_outbox(district_channel) == 1
    assert list(
        Delivery.objects.filter(channel=district_channel).values_list("record", flat=True)
    ) == [zhonglou.pk]
    assert runner.take_outbox(city_channel) == 3
    assert set(Delivery.objects.filter(channel=city_channel).values_list("record", flat=True)) == {
        zhonglou.pk, tianning.pk, city.pk,
    }  # fmt: skip


# --- every other object and page -----------------------------------------------------------


@pytest.fixture
def zhonglou_file(zhonglou):
    """A data file written to 钟楼区's partner (made directly: no files partner is needed to
    prove who sees it)."""
    partner, channel, run, _delivery = zhonglou
    return OutboundFile.objects.create(
        partner=partner,
        channel=channel,
        run=run,
        name="ZLQXZCF_20260101_00001.xml",
        message_code="ZLQXZCF",
        day=datetime.date(2026, 1, 1),
        seq=1,
        records=1,
    )


def test_another_districts_written_files_are_invisible(zhonglou, zhonglou_file, tianning, client):
    _partner, channel, _run, _delivery = zhonglou
    with pytest.raises(NotFound):
        selectors.files_for(tianning, channel)
    client.force_login(tianning)
    for name in ("exchange:jobs", "exchange:runs", "exchange:partners"):
        page = client.get(reverse(name))
        assert page.status_code == 200 and zhonglou_file.name not in page.content.decode(), name
    assert client.get(reverse("exchange:channel", args=[channel.pk])).status_code == 404


def test_its_own_district_sees_its_written_files(zhonglou, zhonglou_file, make_user, client):
    _partner, channel, _run, _delivery = zhonglou
    reader = make_user(Role.DISTRICT_ADMIN, region="320404")
    assert list(selectors.files_for(reader, channel)) == [zhonglou_file]
    client.force_login(reader)
    page = client.get(reverse("exchange:channel", args=[channel.pk])).content.decode()
    assert zhonglou_file.name in page


def _sheet_text(response) -> str:
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return "\n".join(
        str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
    )


def test_another_districts_exports_and_filters_leave_it_out(zhonglou, tianning, client):
    partner, channel, _run, _delivery = zhonglou
    client.force_login(tianning)
    assert client.get(reverse("exchange:reconcile_export", args=[partner.code])).status_code == 404
    assert client.get(reverse("exchange:deliveries_export", args=[channel.pk])).status_code == 404
    for name in ("exchange:jobs_export", "exchange:runs_export", "exchange:partners_export"):
        response = client.get(reverse(name), {"partner": partner.code})
        assert response.status_code == 200, name
        assert partner.name not in _sheet_text(response), name
    runs = client.get(reverse("exchange:runs"), {"partner": partner.code})
    assert runs.status_code == 200 and partner.name not in runs.content.decode()
    jobs = client.get(reverse("exchange:jobs"), {"partner": partner.code})
    assert jobs.status_code == 200 and partner.name not in jobs.content.decode()


def test_its_own_district_exports_its_reconciliation_and_runs(zhonglou, make_user, client):
    partner, _channel, _run, _delivery = zhonglou
    client.force_login(make_user(Role.DISTRICT_ADMIN, region="320404"))
    reconciled = client.get(reverse("exchange:reconcile_export", args=[partner.code]))
    assert reconciled.status_code == 200
    runs = client.get(reverse("exchange:runs_export"), {"partner": partner.code})
    assert partner.name in _sheet_text(runs)
    page = client.get(reverse("exchange:runs"), {"partner": partner.code}).content.decode()
    assert partner.name in page


def test_a_district_cannot_configure_in_another_districts_name(zhonglou, tianning, client):
    partner, _channel, _run, _delivery = zhonglou
    with pytest.raises(PermissionDenied):
        create_partner(
            actor=tianning,
            code="tn-into-zl",
            name="越权伙伴",
            kind="database",
            region="320404",
            config={"url": DOWN},
        )
    with pytest.raises(NotFound):
        create_channel(
            actor=tianning,
            partner=partner,
            item="admin-penalty",
            direction="down",
            period="daily",
            department="ZLQ-SCJG",
            mapping=up_mapping(),
        )
    client.force_login(tianning)
    page = client.post(reverse("exchange:channel_new", args=[partner.code]), {
        "item": "admin-penalty", "direction": "up", "period": "daily",
        "mapping": json.dumps(up_mapping()),
    })  # fmt: skip
    assert page.status_code == 404
    posted = client.post(reverse("exchange:partner_new"), {
        "code": "tn-into-zl2", "name": "越权伙伴", "kind": "database", "region": "320404",
        "url": DOWN, "config": "{}",
    })  # fmt: skip
    assert posted.status_code in (200, 400)
    assert not Partner.objects.filter(code__startswith="tn-into-zl").exists()
    assert Channel.objects.filter(partner=partner).count() == 1


@pytest.fixture
def zhonglou_item(make_user):
    """钟楼区's own extension item (辖市区扩展目录项), made by its administrator."""
    from credit.catalog import services as catalog

    admin = make_user(Role.DISTRICT_ADMIN, region="320404")
    return catalog.create_item(
        actor=admin,
        code="zl-civil-table",
        properties={
            "name": "钟楼文明餐桌示范单位", "category": "red_list", "subject_type": "legal",
            "update_period": "monthly", "usage_scope": "public", "publicity_mode": "validity",
            "source_departments": [], "description": "", "basis": "", "is_active": True,
            "sort_order": 95,
        },
        first_field={
            "code": "subject_name", "name": "主体名称", "type": "string", "max_length": 200,
            "required": True, "role": "subject_name",
        },
    )  # fmt: skip


def test_a_channel_on_another_districts_extension_item_is_not_found(
    make_partner, zhonglou_item, tianning
):
    own = make_partner(DOWN, region="320402", code="tn-sub")
    mapping = {"table": "tn_table", "key_column": "record_key",
               "fields": {"mc": "subject_name"}}  # fmt: skip
    with pytest.raises(NotFound) as refused:
        create_channel(actor=tianning, partner=own, item=zhonglou_item.code, direction="up",
                       period="daily", mapping=mapping)  # fmt: skip
    assert refused.value.message == "目录项“zl-civil-table”不存在"
    city_partner = make_partner(DOWN, code="city-any")
    made = create_channel(actor=None, partner=city_partner, item=zhonglou_item.code,
                          direction="up", period="daily", mapping=mapping)  # fmt: skip
    assert made.item == zhonglou_item
    zl = make_partner(DOWN, region="320404", code="zl-own")
    assert create_channel(actor=None, partner=zl, item=zhonglou_item, direction="up",
                          period="daily", mapping=mapping).item == zhonglou_item  # fmt: skip
    with pytest.raises(NotFound):
        update_channel(actor=None, channel=create_channel(
            actor=None, partner=own, item="admin-penalty", direction="up", period="daily",
            mapping=up_mapping()), item=zhonglou_item.code)  # fmt: skip


def test_the_command_line_acts_for_the_whole_platform(zhonglou):
    partner, channel, _run, _delivery = zhonglou
    out = io.StringIO()
    call_command("exchange", "status", "--partner", partner.code, stdout=out)
    assert out.getvalue().startswith(f"{partner.code}  {channel.item.name}")
