"""A round trip city → province → city through one MariaDB "province" database: the city's
行政处罚 records go up to the province's table; the province lists the same enterprises in its
downward 黑名单 table; the city collects them (采集 for 应急管理局) as records of its own, with
the receipts written back, and they enter the record change feed."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from credit.exchange.constants import RunStatus
from credit.exchange.models import Run
from credit.ingest.models import Batch
from credit.records.models import CreditRecord, RecordChange
from tests.exchange.conftest import BLACKLIST, PENALTY, hmd_mapping, item, up_mapping
from tests.exchange.partnerdb import engine, partner_table, rows

pytestmark = pytest.mark.django_db


def test_penalties_go_up_and_the_provinces_list_comes_back_down(
    mariadb, penalty, make_partner, up_channel, in_channel
):
    import sqlalchemy as sa

    penalties = [penalty(), penalty(), penalty()]
    up, down = up_mapping(), hmd_mapping()
    with (
        partner_table(mariadb, up, "up", item=item(PENALTY)) as xzcf,
        partner_table(mariadb, down, "down", item=item(BLACKLIST)) as hmd,
    ):
        province = make_partner(mariadb, code="province", name="江苏省公共信用信息平台（测试）")
        up_channel(province, up)
        in_channel(province, down)

        out = io.StringIO()
        call_command("exchange", "run", "province", "--item", PENALTY, stdout=out)
        assert "取出 3 发送 3 确认 3 拒收 0，成功" in out.getvalue()
        received = rows(mariadb, xzcf, order_by="record_key")
        assert sorted(r["xdr_dm"] for r in received) == sorted(
            p.legal_person.uscc for p in penalties
        )

        # the province lists two of the enterprises it received
        listed = received[:2]
        eng = engine(mariadb)
        with eng.begin() as conn:
            table = sa.Table(hmd, sa.MetaData(), autoload_with=conn)
            conn.execute(
                table.insert(),
                [
                    {
                        "dwmc": r["xdr_mc"],
                        "tyshxydm": r["xdr_dm"],
                        "kssj": r["cf_jdrq"],
                        "nrly": f"因行政处罚{r['cf_wsh']}列入",
                    }
                    for r in listed
                ],
            )
        eng.dispose()

        out = io.StringIO()
        call_command("exchange", "run", "province", "--item", BLACKLIST, stdout=out)
        run = Run.objects.get(channel__item__code=BLACKLIST)
        assert (run.status, run.received, run.acked, run.rejected) == (RunStatus.SUCCEEDED, 2, 2, 0)
        assert out.getvalue().strip() == (
            f"下发 安全生产不良记录黑名单（{BLACKLIST}）：接收 2 入库 2 退回 0"
            f"（批次 {run.batch_id}），成功"
        )
        assert run.batch.channel == Batch.Channel.EXCHANGE
        came_back = CreditRecord.objects.filter(item__code=BLACKLIST).select_related("legal_person")
        assert sorted(r.legal_person.uscc for r in came_back) == sorted(r["xdr_dm"] for r in listed)
        assert {r.department.code for r in came_back} == {"YJ"}
        assert [r["sync_status"] for r in rows(mariadb, hmd, order_by="id")] == ["accepted"] * 2
        assert RecordChange.objects.filter(item__code=BLACKLIST, kind="created").count() == 2
