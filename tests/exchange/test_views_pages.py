"""The exchange pages (交换作业, 交换伙伴, 通道, 对账): forms through the services, redaction,
立即运行 against a real MariaDB partner table, re-send, reconciliation and tenant isolation."""

from __future__ import annotations

import json

import pytest

from credit.accounts.roles import Role
from credit.catalog.models import CatalogItem
from credit.exchange.models import Channel, Delivery, Partner
from credit.exchange.services import partners as services
from tests.exchange.partnerdb import partner_table, require_mariadb, rows, unique_table
from tests.records.factories import penalty

pytestmark = pytest.mark.django_db


def _partner(code: str, region: str, url: str = "mysql+pymysql://root:s3cret@127.0.0.1:3306/test"):
    return services.create_partner(
        actor=None, code=code, name=f"伙伴{code}", kind="database", region=region,
        config={"url": url},
    )  # fmt: skip


def _up_mapping(table: str) -> dict:
    return {"table": table, "key_column": "record_key",
            "fields": {"CF_WSH": "document_no", "CF_XDR_MC": "subject_name"}}  # fmt: skip


def test_partner_page_never_shows_the_password(client, make_user):
    _partner("js-x", "320400")
    client.force_login(make_user(Role.CITY_ADMIN))
    page = client.get("/exchange/partners/js-x/").content.decode()
    assert "s3cret" not in page
    assert "mysql+pymysql://root:***@127.0.0.1:3306/test" in page


def test_new_partner_form_creates_it_and_a_taken_code_shows_on_the_form(client, make_user):
    client.force_login(make_user(Role.CITY_ADMIN))
    data = {"code": "prov", "name": "省平台", "kind": "database", "region": "320400",
            "url": "mysql+pymysql://root@127.0.0.1:3306/test", "is_active": "on"}  # fmt: skip
    response = client.post("/exchange/partners/new/", data)
    assert response.status_code == 302 and response["Location"] == "/exchange/partners/prov/"
    assert Partner.objects.get(code="prov").config == {"url": data["url"]}
    again = client.post("/exchange/partners/new/", data)
    assert again.status_code == 400
    assert "伙伴标识“prov”已被使用" in again.content.decode()


def test_channel_form_reports_bad_json_and_mapping_errors(client, make_user):
    partner = _partner("js-y", "320400")
    client.force_login(make_user(Role.CITY_ADMIN))
    item = CatalogItem.objects.get(code="admin-penalty")
    base = {"item": item.pk, "direction": "up", "period": "daily", "is_active": "on"}
    bad = client.post(f"/exchange/partners/{partner.code}/channels/new/", {**base, "mapping": "{"})
    assert bad.status_code == 400 and "字段映射不是有效的 JSON" in bad.content.decode()
    wrong = client.post(
        f"/exchange/partners/{partner.code}/channels/new/",
        {**base, "mapping": json.dumps({"table": "t", "key_column": "k", "fields": {"A": "nope"}})},
    )
    assert wrong.status_code == 400 and not Channel.objects.exists()
    good = client.post(
        f"/exchange/partners/{partner.code}/channels/new/",
        {**base, "mapping": json.dumps(_up_mapping("xzcf"))},
    )
    channel = Channel.objects.get()
    assert good["Location"] == f"/exchange/channels/{channel.pk}/"
    page = client.get(f"/exchange/partners/{partner.code}/").content.decode()
    assert "CREATE TABLE xzcf" in page


def test_run_now_sends_to_mariadb_then_reconcile_and_resend(client, make_user, legal_person):
    url = require_mariadb()
    item = CatalogItem.objects.get(code="admin-penalty")
    mapping = _up_mapping(unique_table("xzcf"))
    with partner_table(url, mapping, "up", item=item) as table:
        partner = _partner("js-z", "320400", url)
        channel = services.create_channel(
            actor=None, partner=partner, item=item, direction="up", period="daily",
            mapping=mapping,
        )  # fmt: skip
        penalty(legal_person, "TNQ-SCJG", "天市监罚〔2026〕11号")
        penalty(legal_person, "TNQ-SCJG", "天市监罚〔2026〕12号")
        client.force_login(make_user(Role.CITY_ADMIN))
        response = client.post(f"/exchange/channels/{channel.pk}/run/", follow=True)
        text = response.content.decode()
        assert "取出 2 条，发送 2 条，确认 2 条，拒收 0 条" in text
        assert sorted(r["CF_WSH"] for r in rows(url, table)) == [
            "天市监罚〔2026〕11号", "天市监罚〔2026〕12号"]  # fmt: skip
        jobs = client.get("/exchange/").content.decode()
        assert f'data-testid="job-{channel.pk}"' in jobs and "成功" in jobs
        recon = client.get(f"/exchange/partners/{partner.code}/reconcile/").content.decode()
        assert 'data-testid="total-acked">2<' in recon
        Delivery.objects.filter(channel=channel).update(status="rejected", reason="字段超长")
        resent = client.post(
            f"/exchange/channels/{channel.pk}/resend/", {"all_rejected": "1"}, follow=True
        )
        assert "已将 2 条交换记录重新列入待发送" in resent.content.decode()
        assert set(Delivery.objects.values_list("status", flat=True)) == {"pending"}


def test_another_district_admin_gets_not_found(client, make_user):
    partner = _partner("tn-sub", "320402")
    channel = services.create_channel(
        actor=None, partner=partner, item=CatalogItem.objects.get(code="admin-penalty"),
        direction="up", period="daily", mapping=_up_mapping("xzcf"),
    )  # fmt: skip
    client.force_login(make_user(Role.DISTRICT_ADMIN, region="320404"))
    assert "tn-sub" not in client.get("/exchange/partners/").content.decode()
    assert f"job-{channel.pk}" not in client.get("/exchange/").content.decode()
    for url in (f"/exchange/partners/{partner.code}/", f"/exchange/channels/{channel.pk}/",
                f"/exchange/partners/{partner.code}/reconcile/"):  # fmt: skip
        assert client.get(url).status_code == 404, url
    for url in (f"/exchange/channels/{channel.pk}/run/", f"/exchange/channels/{channel.pk}/resend/",
                f"/exchange/partners/{partner.code}/check/"):  # fmt: skip
        assert client.post(url).status_code == 404, url
    client.force_login(make_user(Role.DISTRICT_ADMIN, region="320402"))
    assert client.get(f"/exchange/channels/{channel.pk}/").status_code == 200


def test_partner_code_new_is_refused_on_the_form(client, make_user):
    client.force_login(make_user(Role.CITY_ADMIN))
    data = {"code": "new", "name": "省平台", "kind": "database", "region": "320400",
            "url": "mysql+pymysql://root@127.0.0.1:3306/test", "is_active": "on"}  # fmt: skip
    response = client.post("/exchange/partners/new/", data)
    assert response.status_code == 400
    assert "伙伴标识不能为“new”" in response.content.decode()
    assert not Partner.objects.exists()


def test_a_files_partner_is_made_on_the_page_and_its_password_is_kept_and_never_shown(
    client, make_user, tmp_path
):
    client.force_login(make_user(Role.CITY_ADMIN))
    settings = {
        "transport": "sftp",
        "host": "127.0.0.1",
        "port": 2222,
        "user": "czxy",
        "password": "f1les-secret",
        "path": "/exchange",
        "message_code": "XZCF",
        "known_hosts": "/etc/credit/exchange_known_hosts",
    }
    data = {"code": "prov-files", "name": "省平台文件", "kind": "files", "region": "320400",
            "files_config": json.dumps(settings), "is_active": "on"}  # fmt: skip
    missing = client.post("/exchange/partners/new/", {**data, "files_config": ""})
    assert missing.status_code == 400 and "请填写连接配置" in missing.content.decode()
    response = client.post("/exchange/partners/new/", data)
    assert response.status_code == 302, response.content.decode()[:500]
    assert Partner.objects.get(code="prov-files").config["password"] == "f1les-secret"
    page = client.get("/exchange/partners/prov-files/").content.decode()
    assert "f1les-secret" not in page
    # Saving new settings without a password keeps the stored one.
    edited = {k: v for k, v in settings.items() if k != "password"} | {"path": "/exchange2"}
    saved = client.post(
        "/exchange/partners/prov-files/edit/", {**data, "files_config": json.dumps(edited)}
    )
    assert saved.status_code == 302, saved.content.decode()[:500]
    config = Partner.objects.get(code="prov-files").config
    assert (config["path"], config["password"]) == ("/exchange2", "f1les-secret")


def test_the_reconciliation_shows_the_period_it_counts(client, make_user):
    from django.utils import timezone

    partner = _partner("recon-period", "320400")
    client.force_login(make_user(Role.CITY_ADMIN))
    page = client.get(f"/exchange/partners/{partner.code}/reconcile/").content.decode()
    today = timezone.localdate()
    assert f'name="start" value="{today.replace(day=1).isoformat()}"' in page
    assert f'name="end" value="{today.isoformat()}"' in page
    chosen = client.get(
        f"/exchange/partners/{partner.code}/reconcile/?start=2026-03-01&end=2026-03-31"
    ).content.decode()
    assert 'value="2026-03-01"' in chosen and "2026年3月1日至2026年3月31日" in chosen


def test_channel_settings_are_saved_on_its_page_by_managers_only(client, make_user):
    partner = _partner("js-edit", "320400")
    channel = services.create_channel(
        actor=None, partner=partner, item=CatalogItem.objects.get(code="admin-penalty"),
        direction="up", period="daily", mapping=_up_mapping("xzcf"),
    )  # fmt: skip
    Delivery.objects.create(channel=channel, key="1-1", version=1, change_kind="created",
                            status="rejected", reason="字段超长")  # fmt: skip
    url = f"/exchange/channels/{channel.pk}/"
    data = {"period": "weekly", "mapping": json.dumps(_up_mapping("xzcf2")), "is_active": "on"}
    client.force_login(make_user(Role.CITY_REVIEWER))  # 查看 only
    page = client.get(url).content.decode()
    assert 'data-testid="count-rejected">1<' in page and 'data-testid="count-acked">0<' in page
    assert client.post(url, data).status_code == 403
    channel.refresh_from_db()
    assert channel.period == "daily"
    client.force_login(make_user(Role.CITY_ADMIN))
    wrong = client.post(url, {**data, "mapping": json.dumps({"table": "t", "fields": {"A": "x"}})})
    assert wrong.status_code == 400 and 'data-testid="error-mapping"' in wrong.content.decode()
    saved = client.post(url, data)
    assert saved.status_code == 302 and saved["Location"] == url
    channel.refresh_from_db()
    assert (channel.period, channel.mapping["table"]) == ("weekly", "xzcf2")
