"""``credit exchange list|run PARTNER [--item ITEM]|status [--partner P]``: the same runner as
the scheduler, acting as the platform, with counts in Chinese and exit 1 when a run failed."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from credit.exchange.models import Run
from tests.exchange.conftest import hmd_mapping, item, up_mapping
from tests.exchange.partnerdb import partner_table, rows

pytestmark = pytest.mark.django_db

DOWN = "mysql+pymysql://root:sekrit@127.0.0.1:1/test"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("exchange", *args, stdout=out)
    return out.getvalue().strip()


def test_list_shows_partners_and_their_channels(make_partner, up_channel, in_channel):
    partner = make_partner(DOWN, code="province", name="江苏省平台")
    up_channel(partner, up_mapping())
    in_channel(partner, hmd_mapping())
    make_partner(DOWN, code="zl-sub", region="320404", name="钟楼区分平台")
    lines = run("list").splitlines()
    assert "province  江苏省平台  中间库  常州市" in lines
    assert any(
        line.strip().startswith("admin-penalty  行政处罚  上报  每天  下次运行 ") for line in lines
    )
    assert any(
        line.strip().startswith("work-safety-blacklist  安全生产不良记录黑名单  下发")
        for line in lines
    )
    assert "zl-sub  钟楼区分平台  中间库  钟楼区" in lines
    assert "    （无通道）" in lines


def test_run_sends_and_prints_the_counts_then_status_shows_them(
    mariadb, penalty, make_partner, up_channel
):
    records = [penalty(), penalty()]
    mapping = up_mapping()
    with partner_table(mariadb, mapping, "up", item=item("admin-penalty")) as table:
        partner = make_partner(mariadb, code="province")
        up_channel(partner, mapping)
        out = run("run", "province")
        assert out == "上报 行政处罚（admin-penalty）：取出 2 发送 2 确认 2 拒收 0，成功"
        assert len(rows(mariadb, table)) == len(records)
        assert Run.objects.get().trigger == "cli"
        status = run("status", "--partner", "province")
        assert "province  行政处罚  上报  上次运行 " in status
        assert "结果 成功  待发送 0  被拒收 0" in status


def test_a_failed_run_exits_with_1_and_says_why_without_the_password(
    penalty, make_partner, up_channel
):
    penalty()
    up_channel(make_partner(DOWN, code="province"), up_mapping())
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 个通道运行失败") as err:
        call_command("exchange", "run", "province", stdout=out)
    assert err.value.returncode == 1
    text = out.getvalue()
    assert text.startswith("上报 行政处罚（admin-penalty）：取出 1 发送 0 确认 0 拒收 0，失败：")
    assert "sekrit" not in text
    status = run("status")
    assert "结果 失败  待发送 1  被拒收 0" in status and "sekrit" not in status


def test_run_only_the_items_channel_or_refuse_clearly(make_partner, up_channel, in_channel):
    partner = make_partner(DOWN, code="province")
    up_channel(partner, up_mapping())
    in_channel(partner, hmd_mapping())
    with pytest.raises(CommandError, match="交换伙伴不存在"):
        run("run", "nobody")
    with pytest.raises(CommandError, match="没有目录项“admin-license”的启用的通道"):
        run("run", "province", "--item", "admin-license")
    out = run("run", "province", "--item", "admin-penalty")  # nothing to send: not contacted
    assert out == "上报 行政处罚（admin-penalty）：取出 0 发送 0 确认 0 拒收 0，成功"
    assert Run.objects.count() == 1


def test_empty_platform_says_so():
    assert run("list") == "尚未配置交换伙伴"
    assert run("status") == "尚未配置交换通道"
