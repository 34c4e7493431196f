"""Downward distribution province → city → districts and subscribing departments, with the
exchange and push machinery as it is: the city's partner (the province's MariaDB) collects the
province's list rows for a department as records (下发); a district's own partner receives,
through its upward channel of that item, the records of its district only; and a department's
webhook subscribed to record changes (信用记录变更) receives the changes of those records."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from credit.catalog.models import CatalogItem
from credit.core.models import Department
from credit.events import delivery
from credit.exchange.constants import RunStatus
from credit.exchange.models import Run
from credit.exchange.services import runner
from credit.exchange.services.partners import create_channel
from credit.gateway import services as gateway
from credit.ingest.pipeline import ingest_payloads
from credit.records.models import CreditRecord
from tests.events.helpers import Receiver, run_fan_out, subscribe
from tests.exchange.conftest import BLACKLIST, hmd_mapping, item, make_subject
from tests.exchange.partnerdb import engine, partner_table, rows, unique_table

pytestmark = pytest.mark.django_db

RECORD_CHANGED = "record.changed"


def down_mapping() -> dict:
    return hmd_mapping()


def district_mapping() -> dict:
    """The district partner's table of the list (上报 to the district's sub-platform)."""
    return {
        "table": unique_table("tn_hmd"),
        "key_column": "record_key",
        "fields": {
            "dwmc": "unit_name",
            "tyshxydm": "uscc",
            "kssj": "start_date",
            "nrly": "reason",
            "zt": "_record.status",
        },
        "kind_column": "change_kind",
        "version_column": "record_version",
        "time_column": "synced_at",
    }


def province_row(subject, n: int) -> dict:
    start = timezone.localdate() - datetime.timedelta(days=10)
    return {
        "dwmc": subject.name,
        "tyshxydm": subject.uscc,
        "kssj": start.isoformat(),
        "nrly": f"发生较大生产安全事故（省下发第{n}号）",
    }


@pytest.fixture
def hook():
    made = Receiver()
    yield made
    made.close()


def test_the_provinces_list_reaches_the_district_and_the_subscribing_department(
    mariadb, make_partner, hook
):
    import sqlalchemy as sa

    # 天宁区's market-supervision bureau subscribes to record changes of its district.
    client, _secret = gateway.create_client(
        actor=None,
        name="天宁区市场监管业务系统",
        kind="department",
        department=Department.objects.get(code="TNQ-SCJG"),
        ips=["127.0.0.1/32"],
        scopes=["sanctions:changes", "changes:read"],
        items=[],
    )
    sub = subscribe(client, hook.url(), event_types=[RECORD_CHANGED], regions=["320402"])

    # 钟楼区 already holds a list entry of its own (reported by its department).
    zl = make_subject("320404")
    elsewhere = ingest_payloads(
        actor=None,
        rows=[
            {
                "unit_name": zl.name,
                "uscc": zl.uscc,
                "start_date": "2026-01-05",
                "reason": "钟楼区自报",
            }
        ],
        item_code=BLACKLIST,
        department_code="ZLQ-SCJG",
    )
    assert elsewhere.rejected == 0

    down, up = down_mapping(), district_mapping()
    listed = [make_subject("320402"), make_subject("320402")]
    with (
        partner_table(mariadb, down, "down", item=item(BLACKLIST)) as hmd,
        partner_table(mariadb, up, "up", item=item(BLACKLIST)) as tn_table,
    ):
        # The city's partner: the province's intermediate database, 下发 for 天宁区's bureau.
        province = make_partner(mariadb, code="province", name="江苏省公共信用信息平台（测试）")
        down_channel = create_channel(
            actor=None,
            partner=province,
            item=BLACKLIST,
            direction="down",
            period="daily",
            department="TNQ-SCJG",
            mapping=down,
        )
        # 天宁区's own sub-platform: its upward channel of the same item.
        district = make_partner(mariadb, region="320402", code="tn-sub", name="天宁区分平台")
        district_channel = create_channel(
            actor=None,
            partner=district,
            item=BLACKLIST,
            direction="up",
            period="daily",
            mapping=up,
        )
        eng = engine(mariadb)
        with eng.begin() as conn:
            table = sa.Table(hmd, sa.MetaData(), autoload_with=conn)
            conn.execute(table.insert(), [province_row(s, n) for n, s in enumerate(listed, 1)])
        eng.dispose()

        runner.run_channel(actor=None, channel=down_channel, trigger="page")
        run = Run.objects.get(channel=down_channel)
        assert (run.status, run.received, run.acked) == (RunStatus.SUCCEEDED, 2, 2)
        came = CreditRecord.objects.filter(item__code=BLACKLIST, department__code="TNQ-SCJG")
        assert sorted(r.legal_person.uscc for r in came) == sorted(s.uscc for s in listed)
        assert {r.region_id for r in came} == {"320402"}

        # (a) the district's partner receives its district's records only
        runner.run_channel(actor=None, channel=district_channel, trigger="page")
        sent = rows(mariadb, tn_table, order_by="record_key")
        assert sorted(r["tyshxydm"] for r in sent) == sorted(s.uscc for s in listed)
        assert zl.uscc not in {r["tyshxydm"] for r in sent}
        assert {r["change_kind"] for r in sent} == {"created"}

    # (b) the department's webhook receives the changes of those records, and of no other
    made = run_fan_out()
    assert len(made) == 2
    for delivery_id in made:
        assert delivery.deliver(delivery_id).status == "delivered"
    bodies = [json.loads(r["body"]) for r in hook.requests]
    assert sorted(b["record_id"] for b in bodies) == sorted(r.pk for r in came)
    assert {(b["item"], b["region"], b["department"], b["kind"]) for b in bodies} == {
        (BLACKLIST, "320402", "TNQ-SCJG", "created")
    }
    assert all(r["headers"]["X-Credit-Event-Type"] == RECORD_CHANGED for r in hook.requests)
    assert sub.deliveries.count() == 2
    assert CatalogItem.objects.get(code=BLACKLIST).region_id is None  # a city item throughout


def test_a_city_departments_list_reaches_the_district_where_the_enterprise_is(
    mariadb, make_partner, in_channel
):
    """Rows the province sends for a CITY department are the city's records, yet a district's
    partner receives those about enterprises registered in the district (the subject's
    region), and not the others; its initial load picks them the same way."""
    down, up = down_mapping(), district_mapping()
    tianning, zhonglou = make_subject("320402"), make_subject("320404")
    with (
        partner_table(mariadb, down, "down", item=item(BLACKLIST)) as hmd,
        partner_table(mariadb, up, "up", item=item(BLACKLIST)) as tn_table,
    ):
        import sqlalchemy as sa

        province = make_partner(mariadb, code="province2", name="省平台（测试）")
        down_channel = in_channel(province, down)  # for 应急管理局, a city department
        eng = engine(mariadb)
        with eng.begin() as conn:
            table = sa.Table(hmd, sa.MetaData(), autoload_with=conn)
            conn.execute(
                table.insert(), [province_row(s, n) for n, s in enumerate([tianning, zhonglou])]
            )
        eng.dispose()
        assert runner.run_channel(actor=None, channel=down_channel).acked == 2
        came = CreditRecord.objects.filter(item__code=BLACKLIST, department__code="YJ")
        assert {r.region_id for r in came} == {"320400"}  # the city's records

        district = make_partner(mariadb, region="320402", code="tn-sub2", name="天宁区分平台")
        channel = create_channel(
            actor=None, partner=district, item=BLACKLIST, direction="up", period="daily",
            mapping=up,
        )  # fmt: skip
        runner.run_channel(actor=None, channel=channel, trigger="page")
        sent = rows(mariadb, tn_table, order_by="record_key")
        assert [r["tyshxydm"] for r in sent] == [tianning.uscc]

        # the initial load selects the same records (nothing new: the key is there)
        assert runner.load_all(actor=None, channel=channel) == 0
        other = make_partner(mariadb, region="320404", code="zl-sub2", name="钟楼区分平台")
        zl_channel = create_channel(
            actor=None, partner=other, item=BLACKLIST, direction="up", period="daily",
            mapping=district_mapping(),
        )  # fmt: skip
        assert runner.load_all(actor=None, channel=zl_channel) == 1
        (queued,) = zl_channel.deliveries.all()
        assert queued.record.legal_person_id == zhonglou.pk
