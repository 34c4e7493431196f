"""The reconciliation (对账) of a partner: per channel, what was sent, confirmed, refused (with
the partner's most frequent reasons), pending or awaiting a receipt, and for inbound channels
what was received, loaded and returned (with the first error of each returned row) — each
channel's own, in a fixed number of queries however many channels the partner has."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from credit.catalog.models import CatalogItem
from credit.core import workdays
from credit.core.models import Department
from credit.exchange import selectors
from credit.exchange.constants import DeliveryStatus, RunStatus
from credit.exchange.models import Delivery, Run
from credit.exchange.services.partners import create_channel, create_partner
from credit.ingest.models import Batch, BatchRow
from tests.exchange.conftest import BLACKLIST, PENALTY

pytestmark = pytest.mark.django_db

UP = {"table": "t_up", "key_column": "record_key", "fields": {"ZT": "_record.status"}}


def down_mapping(table: str) -> dict:
    return {"table": table, "key_column": "id", "status_column": "zt", "message_column": "sm",
            "fields": {"DWMC": "unit_name", "TYSHXYDM": "uscc", "KSSJ": "start_date",
                       "NRLY": "reason"}}  # fmt: skip


def partner(code: str):
    return create_partner(
        actor=None, code=code, name=f"对账伙伴{code}", kind="database", region="320400",
        config={"url": "mysql+pymysql://root@127.0.0.1:3306/test"},
    )  # fmt: skip


def up_channel(p, item: str):
    mapping = {**UP, "table": f"t_{item.replace('-', '_')}"}
    return create_channel(
        actor=None, partner=p, item=item, direction="up", period="daily", mapping=mapping
    )


def deliveries(channel, statuses: dict[str, int], reasons: dict[str, int] | None = None) -> None:
    made, n = [], 0
    for status, count in statuses.items():
        for _ in range(count):
            n += 1
            tried = 0 if status == DeliveryStatus.PENDING else 1
            made.append(Delivery(channel=channel, key=f"{channel.pk}-{n}", version=1,
                                 change_kind="created", status=status, attempts=tried))  # fmt: skip
    for reason, count in (reasons or {}).items():
        for _ in range(count):
            n += 1
            made.append(Delivery(channel=channel, key=f"{channel.pk}-{n}", version=1,
                                 change_kind="created", status=DeliveryStatus.REJECTED,
                                 attempts=1, reason=reason))  # fmt: skip
    Delivery.objects.bulk_create(made)


def inbound_run(channel, received: int, returned: dict[str, int]) -> Run:
    item = CatalogItem.objects.get(code=BLACKLIST)
    department = Department.objects.get(code="YJ")
    batch = Batch.objects.create(
        item=item, item_version=item.version, department=department,
        region_id=department.region_id, channel="api", status="partial",
    )  # fmt: skip
    rows, n = [], 0
    for message, count in returned.items():
        for _ in range(count):
            n += 1
            rows.append(BatchRow(batch=batch, row_no=n, raw_cipher=b"", status="rejected",
                                 errors=[{"field": "uscc", "message": message},
                                         {"field": "x", "message": "第二个错误不计"}]))  # fmt: skip
    BatchRow.objects.bulk_create(rows)
    rejected = sum(returned.values())
    return Run.objects.create(
        channel=channel, trigger="schedule", status=RunStatus.PARTIAL, received=received,
        acked=received - rejected, rejected=rejected, batch=batch,
    )  # fmt: skip


def test_each_channel_counts_its_own_and_lists_its_own_top_reasons():
    p = partner("recon-a")
    penalty = up_channel(p, PENALTY)
    other = up_channel(p, "admin-license")
    down = create_channel(actor=None, partner=p, item=BLACKLIST, direction="down",
                          period="daily", department="YJ", mapping=down_mapping("hmd"))  # fmt: skip
    deliveries(
        penalty,
        {DeliveryStatus.ACKED: 4, DeliveryStatus.PENDING: 2, DeliveryStatus.SENT: 1},
        {"字段超长": 3, "日期格式错误": 3, "重复数据": 2, "缺少文号": 1, "主体不存在": 1, "其他": 1,
         "": 2},
    )  # fmt: skip
    deliveries(other, {DeliveryStatus.ACKED: 1}, {"许可证号重复": 1})
    inbound_run(down, received=10, returned={"统一社会信用代码校验位错误": 2, "缺少开始日期": 1})
    inbound_run(down, received=5, returned={"缺少开始日期": 3})

    today = timezone.localdate()
    rows = {r["channel"].pk: r for r in selectors.reconciliation(p, start=today, end=today)}
    counts = ("total", "sent", "acked", "rejected", "pending", "awaiting", "received")
    assert {k: rows[penalty.pk][k] for k in counts} == {
        "total": 20, "sent": 18, "acked": 4, "rejected": 13, "pending": 2, "awaiting": 1,
        "received": 0,
    }  # fmt: skip
    assert rows[penalty.pk]["reasons"] == [
        {"reason": "字段超长", "count": 3},
        {"reason": "日期格式错误", "count": 3},
        {"reason": "（未说明原因）", "count": 2},
        {"reason": "重复数据", "count": 2},
        {"reason": "主体不存在", "count": 1},
    ]
    assert rows[other.pk]["reasons"] == [{"reason": "许可证号重复", "count": 1}]
    assert {k: rows[down.pk][k] for k in counts} == {
        "total": 15, "sent": 0, "acked": 9, "rejected": 6, "pending": 0, "awaiting": 0,
        "received": 15,
    }  # fmt: skip
    assert rows[down.pk]["reasons"] == [
        {"reason": "缺少开始日期", "count": 4},
        {"reason": "统一社会信用代码校验位错误", "count": 2},
    ]


def test_a_period_without_exchange_shows_every_channel_with_zeros():
    p = partner("recon-b")
    channel = up_channel(p, PENALTY)
    deliveries(channel, {DeliveryStatus.ACKED: 1}, {"拒收": 1})
    day = timezone.localdate() - timezone.timedelta(days=3)
    (row,) = selectors.reconciliation(p, start=day, end=day)
    assert (row["total"], row["rejected"], row["reasons"]) == (0, 0, [])


def _queries(p) -> int:
    today = timezone.localdate()
    with CaptureQueriesContext(connection) as captured:
        selectors.reconciliation(p, start=today, end=today)
    return len(captured)


def test_the_queries_do_not_grow_with_the_channels():
    few = partner("recon-few")
    deliveries(up_channel(few, PENALTY), {DeliveryStatus.ACKED: 1}, {"拒收": 1})
    many = partner("recon-many")
    codes = CatalogItem.objects.filter(region=None).order_by("code").values_list("code", flat=True)
    for code in codes[:4]:
        deliveries(up_channel(many, code), {DeliveryStatus.ACKED: 1}, {"拒收": 1})
    down = create_channel(
        actor=None, partner=many, item=BLACKLIST, direction="down", period="daily",
        department="YJ", mapping=down_mapping("hmd2"),
    )  # fmt: skip
    inbound_run(down, received=2, returned={"错误": 1})
    assert many.channels.count() == 5
    assert _queries(many) == _queries(few)


# --- 上报时效: the 7-working-day rule ---------------------------------------------------------


def _sent(channel, record, status: str, on: datetime.date | None) -> None:
    """A delivery of ``record``'s first version, sent late in the evening of ``on``."""
    at = None
    if on is not None:
        at = timezone.make_aware(datetime.datetime.combine(on, datetime.time(23, 30)))
    Delivery.objects.create(
        channel=channel, record=record, key=f"{record.pk}-1", version=1, change_kind="created",
        status=status, attempts=1 if at else 0, sent_at=at,
    )  # fmt: skip


def test_the_timeliness_counts_the_records_due_in_the_period_by_when_they_were_sent(penalty):
    today = timezone.localdate()
    first, last = today - datetime.timedelta(days=30), today - datetime.timedelta(days=1)
    first_due, last_due = workdays.deadline(first), workdays.deadline(last)
    assert first_due < today <= last_due
    p = partner("recon-time")
    channel = up_channel(p, PENALTY)
    timely, late, overdue, refused, waiting = (
        penalty(decision_date=first.isoformat()) for _ in range(5)
    )
    waiting_too = penalty(decision_date=last.isoformat())
    earlier = penalty(decision_date=(first - datetime.timedelta(days=20)).isoformat())
    _sent(channel, timely, DeliveryStatus.ACKED, first_due)  # the last day still counts
    _sent(channel, late, DeliveryStatus.ACKED, first_due + datetime.timedelta(days=1))
    _sent(channel, refused, DeliveryStatus.REJECTED, first_due)
    _sent(channel, waiting, DeliveryStatus.SENT, first_due)  # no receipt yet: not confirmed
    _sent(channel, waiting_too, DeliveryStatus.ACKED, today)
    _sent(channel, earlier, DeliveryStatus.ACKED, today)
    assert overdue.decision_date == first

    (row,) = selectors.timeliness(p, start=first_due, end=last_due, today=today)
    assert row["channel"] == channel
    assert {k: row[k] for k in ("due", "timely", "late", "overdue", "waiting")} == {
        "due": 6, "timely": 2, "late": 1, "overdue": 3, "waiting": 0,
    }  # fmt: skip
    assert row["rate"] == round(2 * 100 / 6, 1)
    late_ones = selectors.late_records(p, start=first_due, end=last_due, today=today)
    assert [(r["record_id"], r["status"], r["sent_on"]) for r in late_ones] == sorted(
        [
            (late.pk, DeliveryStatus.ACKED, first_due + datetime.timedelta(days=1)),
            (overdue.pk, None, None),
            (refused.pk, DeliveryStatus.REJECTED, None),
            (waiting.pk, DeliveryStatus.SENT, None),
        ]
    )
    assert {r["due_on"] for r in late_ones} == {first_due}
    assert late_ones[0]["document_no"] == late.document_no and late_ones[0]["channel"] == channel
    assert len(selectors.late_records(p, start=first_due, end=last_due, today=today, limit=2)) == 2
    # Before the last decision is due, it is not overdue yet, nor is the period's rate.
    (row,) = selectors.timeliness(p, start=last_due, end=last_due, today=today)
    assert (row["due"], row["timely"], row["waiting"], row["rate"]) == (1, 1, 0, 100.0)
    Delivery.objects.filter(record=waiting_too).update(status=DeliveryStatus.PENDING)
    (row,) = selectors.timeliness(p, start=last_due, end=last_due, today=today)
    assert (row["due"], row["waiting"], row["rate"]) == (1, 1, None)


def test_a_district_partner_counts_the_records_it_is_sent(penalty):
    from tests.exchange.conftest import make_subject

    today = timezone.localdate()
    day = today - datetime.timedelta(days=20)
    due = workdays.deadline(day)
    tianning = create_partner(
        actor=None, code="recon-tn", name="天宁时效伙伴", kind="database", region="320402",
        config={"url": "mysql+pymysql://root@127.0.0.1:3306/test"},
    )  # fmt: skip
    channel = up_channel(tianning, PENALTY)
    ours = penalty(decision_date=day.isoformat(), subject=make_subject("320402"))
    penalty(decision_date=day.isoformat(), subject=make_subject("320404"))  # 钟楼's
    _sent(channel, ours, DeliveryStatus.ACKED, due)
    (row,) = selectors.timeliness(tianning, start=due, end=due, today=today)
    assert (row["due"], row["timely"], row["rate"]) == (1, 1, 100.0)


def test_a_partner_without_upward_record_channels_has_no_timeliness():
    p = partner("recon-none")
    create_channel(
        actor=None, partner=p, item=BLACKLIST, direction="down", period="daily",
        department="YJ", mapping=down_mapping("hmd3"),
    )  # fmt: skip
    today = timezone.localdate()
    assert selectors.timeliness(p, start=today, end=today) == []


def test_the_page_and_its_workbook_show_the_timeliness(penalty, client, make_user):
    import io

    import openpyxl

    from credit.accounts.roles import Role

    today = timezone.localdate()
    day = today - datetime.timedelta(days=25)
    due = workdays.deadline(day)
    p = partner("recon-page")
    channel = up_channel(p, PENALTY)
    _sent(channel, penalty(decision_date=day.isoformat()), DeliveryStatus.ACKED, due)
    penalty(decision_date=day.isoformat())  # never sent: overdue
    client.force_login(make_user(Role.CITY_REVIEWER))
    query = {"start": due.isoformat(), "end": due.isoformat()}
    page = client.get(f"/exchange/partners/{p.code}/reconcile/", query).content.decode()
    assert "上报时效（决定后 7 个工作日内）" in page
    assert 'data-testid="overdue-1">1<' in page and 'data-testid="rate-1">50.0%<' in page
    export = client.get(f"/exchange/partners/{p.code}/reconcile/export.xlsx", query)
    book = openpyxl.load_workbook(io.BytesIO(export.content), read_only=True)
    rows = [list(r) for r in book["上报时效"].iter_rows(values_only=True)]
    assert rows[0][2:] == ["应报", "按时上报", "超期上报", "超期未上报", "未到期未上报", "及时率"]
    assert rows[1][1:] == ["行政处罚 上报", 2, 1, 0, 1, 0, "50.0%"]
    late = [list(r) for r in book["超期明细"].iter_rows(values_only=True)]
    assert late[0][0] == "上报通道" and len(late) == 2
    assert late[1][5:8] == ["超期未上报", None, "未进入待发送"]


def test_the_channel_page_warns_of_a_period_too_slow_for_the_rule(client, make_user):
    from credit.accounts.roles import Role
    from credit.exchange.services.partners import update_channel

    p = partner("recon-slow")
    channel = up_channel(p, PENALTY)
    client.force_login(make_user(Role.CITY_REVIEWER))
    url = f"/exchange/channels/{channel.pk}/"
    assert 'data-testid="deadline-warning"' not in client.get(url).content.decode()
    update_channel(actor=None, channel=channel, period="monthly")
    page = client.get(url).content.decode()
    assert "须在作出决定后 7 个工作日内上报，“每月”运行可能超期" in page


def test_basic_information_has_no_timeliness():
    p = partner("recon-basic")
    basic = CatalogItem.objects.filter(category="basic", region=None).order_by("code").first()
    up_channel(p, basic.code)
    today = timezone.localdate()
    assert selectors.timeliness(p, start=today, end=today) == []


def test_the_timeliness_queries_do_not_grow_with_the_channels():
    few, many = partner("time-few"), partner("time-many")
    up_channel(few, PENALTY)
    for code in (PENALTY, "admin-license", BLACKLIST):
        up_channel(many, code)
    today = timezone.localdate()

    def queries(p) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            rows = selectors.timeliness(p, start=today - datetime.timedelta(days=30), end=today)
        return len(captured), len(rows)

    assert queries(many) == (queries(few)[0], 3)


@pytest.mark.parametrize(
    ("start", "end"),
    [("0001-01-01", "9999-12-31"), ("9999-12-31", "9999-12-31"), ("0001-01-01", "0001-01-02"),
     ("1990-01-01", "2026-12-31")],
)  # fmt: skip
def test_a_hostile_period_is_answered_not_failed(start, end, client, make_user):
    from credit.accounts.roles import Role

    p = partner(f"recon-h{start[:2]}{end[:2]}")
    up_channel(p, PENALTY)
    client.force_login(make_user(Role.CITY_REVIEWER))
    query = {"start": start, "end": end}
    page = client.get(f"/exchange/partners/{p.code}/reconcile/", query)
    assert page.status_code == 200
    export = client.get(f"/exchange/partners/{p.code}/reconcile/export.xlsx", query)
    assert export.status_code == 200


def test_a_period_longer_than_three_years_is_shortened_and_says_so(client, make_user):
    from credit.accounts.roles import Role

    p = partner("recon-long")
    up_channel(p, PENALTY)
    client.force_login(make_user(Role.CITY_REVIEWER))
    url = f"/exchange/partners/{p.code}/reconcile/"
    page = client.get(url, {"start": "2020-01-01", "end": "2026-12-31"}).content.decode()
    assert "一次对账最长三年：已按2023年12月30日至2026年12月31日统计。" in page
    page = client.get(url, {"start": "2024-01-01", "end": "2026-12-31"}).content.decode()
    assert 'data-testid="shortened"' not in page
