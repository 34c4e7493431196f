"""Configuring partners and channels: who may, the checks with their Chinese messages, the
audit entries without passwords, and the first run scheduled from the period."""

from __future__ import annotations

import pytest
from django.utils import timezone

from credit.accounts.roles import Role
from credit.core.errors import NotFound, PermissionDenied, ValidationFailed
from credit.core.models import AuditEntry
from credit.exchange.services.partners import (
    create_channel,
    create_partner,
    update_channel,
    update_partner,
)
from tests.exchange.conftest import BLACKLIST, PENALTY, hmd_mapping, up_mapping

pytestmark = pytest.mark.django_db

URL = "mysql+pymysql://sync:sekrit@10.0.0.9:3306/province"


def new_partner(actor=None, region="320400", code="province", **extra):
    return create_partner(
        actor=actor,
        code=code,
        name="江苏省公共信用信息平台",
        kind="database",
        region=region,
        config={"url": URL},
        **extra,
    )


def test_a_partner_is_created_and_audited_without_its_password(admin_user):
    partner = new_partner(actor=admin_user, note="省平台中间库")
    assert (partner.region_id, partner.created_by_id, partner.config["url"]) == (
        "320400", admin_user.pk, URL,
    )  # fmt: skip
    entry = AuditEntry.objects.get(event_type="exchange.partner_created", object_id=str(partner.pk))
    assert entry.after["config"] == {"url": "mysql+pymysql://sync:***@10.0.0.9:3306/province"}
    assert "sekrit" not in str(entry.after)

    update_partner(actor=admin_user, partner=partner, config={"url": URL.replace("sekrit", "new")})
    entry = AuditEntry.objects.get(event_type="exchange.partner_updated", object_id=str(partner.pk))
    assert "sekrit" not in str(entry.before) and "new" not in str(entry.after)
    assert set(entry.after) == {"config"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"code": "省 平台"}, "伙伴标识须为"),
        ({"name": " "}, "请填写伙伴名称"),
        ({"kind": "ftp"}, "交换方式“ftp”无效"),
        ({"config": {"host": "x"}}, "中间库的连接配置需要 url"),
        ({"region": "999999"}, "区划“999999”不存在"),
    ],
)
def test_a_bad_partner_is_refused_in_chinese(changes, message):
    args = {
        "actor": None,
        "code": "p-ok",
        "name": "伙伴",
        "kind": "database",
        "region": "320400",
        "config": {"url": URL},
        **changes,
    }
    with pytest.raises(ValidationFailed, match=message):
        create_partner(**args)


def test_a_partner_code_is_used_once():
    new_partner()
    with pytest.raises(ValidationFailed, match="已被使用"):
        new_partner()


def test_a_district_admin_configures_its_own_districts_partners_only(make_user):
    tianning = make_user(Role.DISTRICT_ADMIN, region="320402")
    own = new_partner(actor=tianning, region="320402", code="tn-dept")
    assert own.region_id == "320402"
    with pytest.raises(PermissionDenied, match="本辖区"):
        new_partner(actor=tianning, region="320404", code="zl-dept")
    with pytest.raises(PermissionDenied, match="本辖区"):
        new_partner(actor=tianning, region="320400", code="city")
    with pytest.raises(PermissionDenied, match="本辖区"):
        update_partner(actor=tianning, partner=own, region="320404")


def test_readers_may_not_configure(make_user):
    for role in (Role.CITY_REVIEWER, Role.AUDITOR):
        with pytest.raises(PermissionDenied, match="配置交换伙伴"):
            new_partner(actor=make_user(role), code=f"r-{role}")


def test_an_upward_channel_is_checked_audited_and_scheduled(admin_user):
    partner = new_partner()
    channel = create_channel(
        actor=admin_user,
        partner=partner,
        item=PENALTY,
        direction="up",
        period="daily",
        mapping=up_mapping("xzcf"),
    )
    local = timezone.localtime(channel.next_run_at)
    assert (local.hour, local.minute) == (1, 0) and channel.next_run_at > timezone.now()
    entry = AuditEntry.objects.get(event_type="exchange.channel_created", object_id=str(channel.pk))
    assert entry.after["item"] == PENALTY and entry.after["mapping"]["table"] == "xzcf"

    update_channel(actor=admin_user, channel=channel, period="on_change")
    channel.refresh_from_db()
    assert channel.next_run_at is None  # at the next scheduler tick
    entry = AuditEntry.objects.get(event_type="exchange.channel_updated", object_id=str(channel.pk))
    assert (entry.before, entry.after) == ({"period": "daily"}, {"period": "on_change"})


def test_a_mapping_to_fields_the_item_does_not_have_is_refused():
    partner = new_partner()
    mapping = up_mapping("xzcf")
    mapping["fields"]["foo"] = "no_such_field"
    with pytest.raises(ValidationFailed, match="“no_such_field”不是目录项“行政处罚”的字段") as err:
        create_channel(
            actor=None, partner=partner, item=PENALTY, direction="up", period="daily",
            mapping=mapping,
        )  # fmt: skip
    assert err.value.code == "channel_invalid"


def test_an_inbound_channel_needs_a_department_and_the_status_columns():
    partner = new_partner()
    with pytest.raises(ValidationFailed, match="须指定数据提供部门"):
        create_channel(
            actor=None, partner=partner, item=BLACKLIST, direction="in", period="daily",
            mapping=hmd_mapping("hmd"),
        )  # fmt: skip
    mapping = hmd_mapping("hmd")
    del mapping["status_column"]
    with pytest.raises(ValidationFailed, match="缺少状态列 status_column"):
        create_channel(
            actor=None, partner=partner, item=BLACKLIST, direction="in", period="daily",
            department="YJ", mapping=mapping,
        )  # fmt: skip


def test_one_channel_per_partner_item_and_direction():
    partner = new_partner()
    make = {
        "actor": None,
        "partner": partner,
        "item": PENALTY,
        "direction": "up",
        "period": "daily",
    }
    create_channel(**make, mapping=up_mapping("xzcf"))
    with pytest.raises(ValidationFailed, match="已有“行政处罚”的上报通道"):
        create_channel(**make, mapping=up_mapping("xzcf2"))


def test_a_district_channel_collects_for_its_own_districts_departments_only(make_user):
    tianning = make_user(Role.DISTRICT_ADMIN, region="320402")
    partner = new_partner(actor=tianning, region="320402", code="tn")
    with pytest.raises(PermissionDenied, match="不在您的管理范围内"):
        create_channel(
            actor=tianning, partner=partner, item=BLACKLIST, direction="in", period="daily",
            department="YJ", mapping=hmd_mapping("hmd"),
        )  # fmt: skip


def test_another_districts_partner_is_not_found_for_changes(make_user):
    zhonglou = new_partner(region="320404", code="zl")
    with pytest.raises(NotFound):
        update_partner(
            actor=make_user(Role.DISTRICT_ADMIN, region="320402"), partner=zhonglou, note="x"
        )
