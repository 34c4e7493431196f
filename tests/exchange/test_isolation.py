"""District tenants are isolated: a 天宁区 administrator neither sees nor runs nor re-sends
钟楼区's partner, channel, run or delivery (not found, on the services and on the pages), and a
district partner's outbox holds its own district's records only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from credit.accounts.roles import Role
from credit.core.errors import NotFound
from credit.exchange import selectors
from credit.exchange.constants import DeliveryStatus
from credit.exchange.models import Delivery, Run
from credit.exchange.services import runner
from credit.exchange.services.partners import update_channel, update_partner
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
