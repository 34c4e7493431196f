"""What a channel exchanges (交换内容, :mod:`credit.exchange.services.contents`): the outcomes of
objections, corrections and credit repairs, and the catalog item's definition per version, sent
upward into a real partner table (MariaDB); the mapping checked against each content's
vocabulary; the pages, the command and the demo showing the content."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.management import call_command

from credit.accounts.roles import Role
from credit.core.access import SYSTEM
from credit.core.errors import ValidationFailed
from credit.exchange.constants import Content, DeliveryStatus, RunStatus
from credit.exchange.models import Channel, Delivery, Partner
from credit.exchange.services import contents, runner
from credit.exchange.services import partners as services
from tests.exchange.conftest import PENALTY, item, write_penalty
from tests.exchange.partnerdb import partner_table, rows, unique_table

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


def outcome_mapping(table: str | None = None) -> dict:
    return {
        "table": table or unique_table("yyjg"),
        "key_column": "event_key",
        "fields": {
            "JLBH": "record_id",
            "BGLX": "change_kind",
            "BLLX": "case_type",
            "SLBH": "case_no",
            "CLJG": "result",
            "CLYJ": "reason",
            "BLSJ": "decided_at",
            "LYBM": "department",
            "ZTMC": "subject_name",
            "ZTDM": "subject_code",
            "ZT": "_record.status",
        },
        "version_column": "record_version",
    }


def catalog_mapping(table: str | None = None) -> dict:
    return {
        "table": table or unique_table("mulu"),
        "key_column": "version_key",
        "fields": {
            "MLBS": "code",
            "MLMC": "name",
            "BB": "version",
            "LYBM": "source_departments",
            "ZDS": "field_count",
            "ZDGG": "fields",
            "QH": "region",
        },
        "kind_column": "change_kind",
    }


def _channel(partner, content: str, mapping: dict, **extra):
    return services.create_channel(
        actor=None,
        partner=partner,
        item=PENALTY,
        direction=extra.pop("direction", "up"),
        content=content,
        period="daily",
        mapping=mapping,
        **extra,
    )


def _run(channel):
    return runner.run_channel(actor=None, channel=channel, trigger="cli")


@pytest.fixture
def objection_for(settings, resident_id_factory):
    """``objection_for(record)`` → an objection submitted online through a real SMS code."""
    from credit.objections import services as objections
    from credit.objections import sms, verification
    from credit.objections.uploads import Upload
    from tests.objections.conftest import PDF, last_code

    settings.CREDIT_SMS_BACKEND = "credit.objections.sms.MemoryBackend"
    settings.CREDIT_SMS_PHONE_PER_MINUTE = settings.CREDIT_SMS_PHONE_PER_HOUR = 100
    sms.outbox.clear()

    def make(record):
        verification.send_code(phone=PHONE, purpose="objection", source_ip=None)
        return objections.submit_objection(
            record_id=record.pk,
            name="李四",
            id_number=resident_id_factory(),
            phone=PHONE,
            code=last_code(sms.outbox, PHONE),
            reason="处罚已被行政复议撤销，信息不应继续公示。",
            files=[Upload("证明.pdf", PDF, "")],
        )

    yield make
    sms.outbox.clear()


# --- objection and correction results ---------------------------------------------------------


def test_objection_outcomes_reach_the_partner_one_row_per_outcome(
    mariadb, make_partner, make_user, objection_for
):
    from credit.objections import services as objections

    def to_verified(office, objection):
        objections.assign_objection(actor=office, objection=objection)
        return objections.record_verification(
            actor=office, objection=objection, finding="uphold", opinion="经核实"
        )

    office = make_user(Role.CITY_REVIEWER)
    upheld_record, corrected_record = write_penalty(), write_penalty()
    partner = make_partner(mariadb)
    mapping = outcome_mapping()
    with partner_table(mariadb, mapping, "up", item=contents.vocabulary(Content.OBJECTIONS, None)):
        channel = _channel(partner, Content.OBJECTIONS, mapping)
        first = objection_for(upheld_record)
        second = objection_for(corrected_record)
        objections.accept_objection(actor=office, objection=first)
        objections.accept_objection(actor=office, objection=second)
        run = _run(channel)
        assert (run.status, run.taken, run.sent, run.acked) == (RunStatus.SUCCEEDED, 2, 2, 2)
        table = rows(mariadb, mapping["table"], order_by="event_key")
        assert {(r["JLBH"], r["BGLX"], r["BLLX"], r["SLBH"], r["ZT"]) for r in table} == {
            (upheld_record.pk, "suspended", "异议", first.number, "suspended"),
            (corrected_record.pk, "suspended", "异议", second.number, "suspended"),
        }
        assert {r["CLJG"] for r in table} == {"受理（暂停公示）"}
        assert {r["ZTDM"] for r in table} == {
            upheld_record.legal_person.uscc,
            corrected_record.legal_person.uscc,
        }

        objections.decide_objection(
            actor=office,
            objection=to_verified(office, first),
            action="uphold",
            result="经核实信息无误，维持原信息",
        )
        objections.decide_objection(
            actor=office,
            objection=to_verified(office, second),
            action="correct",
            result="处罚内容有误，已更正",
            changes={"penalty_content": "警告（更正后）"},
        )
        again = _run(channel)
        assert (again.taken, again.sent, again.acked) == (2, 2, 2)
        table = rows(mariadb, mapping["table"], order_by="event_key")
        assert len(table) == 4
        concluded = {r["JLBH"]: r for r in table if r["BGLX"] != "suspended"}
        upheld, corrected = concluded[upheld_record.pk], concluded[corrected_record.pk]
        assert (upheld["BGLX"], upheld["SLBH"], upheld["CLJG"]) == (
            "restored", first.number, "维持原信息（恢复公示）",
        )  # fmt: skip
        assert upheld["CLYJ"] == "经核实信息无误，维持原信息"
        assert upheld["ZT"] == "active"
        assert (corrected["BGLX"], corrected["SLBH"], corrected["CLJG"]) == (
            "corrected", second.number, "更正信息",
        )  # fmt: skip
        assert corrected["CLYJ"] == "处罚内容有误，已更正"
        assert corrected["LYBM"] == "SCJG"
        assert corrected["record_version"] == 3  # created 1, suspended 2, corrected 3
        datetime.datetime.strptime(corrected["BLSJ"], "%Y-%m-%d %H:%M:%S")
        # A third run finds nothing new: every outcome was sent once.
        assert (_run(channel).taken, len(rows(mariadb, mapping["table"]))) == (0, 4)
    keys = set(Delivery.objects.filter(channel=channel).values_list("key", flat=True))
    assert len(keys) == 4 and all(k.startswith("obj-") for k in keys)


def test_a_departments_own_correction_is_an_information_correction_without_case_number(
    mariadb, make_partner
):
    from credit.records import services as records

    record = write_penalty()
    partner = make_partner(mariadb)
    mapping = outcome_mapping()
    with partner_table(mariadb, mapping, "up", item=contents.vocabulary(Content.OBJECTIONS, None)):
        channel = _channel(partner, Content.OBJECTIONS, mapping)
        payload = {**record.payload, "penalty_content": "罚款（来源部门更正）"}
        records.correct_record(
            actor=None, record=record, payload=payload, reason="来源部门发现文书录入错误"
        )
        run = _run(channel)
        assert (run.sent, run.acked) == (1, 1)
        (row,) = rows(mariadb, mapping["table"])
    assert (row["BGLX"], row["BLLX"], row["CLJG"]) == ("corrected", "信息更正", "来源部门更正信息")
    assert row["SLBH"] in (None, "")
    assert row["CLYJ"] == "来源部门发现文书录入错误"


def test_a_granted_repair_is_sent_with_its_application_number(db, make_user, objection_for):
    """The repair outcome is built from the application (no partner needed to read it)."""
    from credit.objections import repairs, sms, verification
    from credit.objections.uploads import Upload
    from credit.records.publicity import add_months
    from tests.objections.conftest import JPG, PDF, last_code

    decided = datetime.date.today() - datetime.timedelta(days=200)
    record = write_penalty(
        decision_date=decided.isoformat(),
        valid_to=add_months(decided, 12).isoformat(),
        publicity_end=add_months(decided, 12).isoformat(),
        severity="一般",
    )
    partner = services.create_partner(
        actor=None, code="rep", name="修复伙伴", kind="database", region="320400",
        config={"url": "mysql+pymysql://root@127.0.0.1:3306/test"},
    )  # fmt: skip
    channel = _channel(partner, Content.OBJECTIONS, outcome_mapping())
    verification.send_code(phone=PHONE, purpose="repair", source_ip=None)
    application = repairs.submit_repair(
        record_id=record.pk,
        name=record.legal_person.name,
        id_number=record.legal_person.uscc,
        phone=PHONE,
        code=last_code(sms.outbox, PHONE),
        statement="已整改",
        files=[Upload("信用承诺书.pdf", PDF, "commitment"), Upload("证明.jpg", JPG, "proof")],
    )
    repairs.grant_repair(
        actor=make_user(Role.CITY_REVIEWER), application=application, decision="准予修复"
    )
    assert runner.take_outbox(channel) == 1
    (out,) = runner.outgoing(list(Delivery.objects.filter(channel=channel)))
    assert out.fields["case_type"] == "信用修复"
    assert out.fields["case_no"] == application.number
    assert out.fields["change_kind"] == "repaired"
    assert out.fields["reason"] == "准予修复"
    assert out.value("_record.status") == "repaired"


def test_a_restore_no_case_made_is_not_an_outcome(db):
    """A publicity recomputation's ``restored`` event (no audited change) is left out; the
    outbox of an objections channel takes only outcome kinds."""
    from credit.records import changes
    from credit.records.models import RecordChange

    record = write_penalty()
    partner = services.create_partner(
        actor=None, code="rc", name="伙伴", kind="database", region="320400",
        config={"url": "mysql+pymysql://root@127.0.0.1:3306/test"},
    )  # fmt: skip
    channel = _channel(partner, Content.OBJECTIONS, outcome_mapping())
    changes.emit(RecordChange.Kind.RESTORED, [record.pk])
    changes.emit(RecordChange.Kind.UPDATED, [record.pk])
    assert runner.take_outbox(channel) == 0
    assert not Delivery.objects.filter(channel=channel).exists()
    # The initial load finds nothing either; a real outcome is then loaded once.
    assert runner.load_all(actor=None, channel=channel) == 0
    from credit.records import services as records

    records.change_status(actor=None, record=record, status="revoked", reason="撤销")
    assert runner.load_all(actor=None, channel=channel) == 1
    assert runner.load_all(actor=None, channel=channel) == 0
    assert runner.take_outbox(channel) == 1  # already in the outbox: counted, not added
    assert Delivery.objects.filter(channel=channel).count() == 1


def test_outcome_fields_are_read_in_a_fixed_number_of_queries(db, django_assert_max_num_queries):
    from credit.records import services as records

    partner = services.create_partner(
        actor=None, code="nq", name="伙伴", kind="database", region="320400",
        config={"url": "mysql+pymysql://root@127.0.0.1:3306/test"},
    )  # fmt: skip
    channel = _channel(partner, Content.OBJECTIONS, outcome_mapping())
    for _ in range(6):
        records.change_status(actor=None, record=write_penalty(), status="revoked", reason="撤销")
    runner.take_outbox(channel)
    deliveries = list(Delivery.objects.filter(channel=channel))
    assert len(deliveries) == 6
    with django_assert_max_num_queries(7):
        fields = contents.objection_fields(deliveries)
    assert {f["case_type"] for f in fields.values()} == {"信息更正"}
    assert {f["reason"] for f in fields.values()} == {"撤销"}


# --- the catalog ------------------------------------------------------------------------------


def test_each_catalog_version_is_sent_once(mariadb, make_partner):
    from credit.catalog.services import bump_version

    penalty_item = item(PENALTY)
    partner = make_partner(mariadb)
    mapping = catalog_mapping()
    with partner_table(mariadb, mapping, "up", item=contents.vocabulary(Content.CATALOG, None)):
        channel = _channel(partner, Content.CATALOG, mapping)
        run = _run(channel)
        assert (run.taken, run.sent, run.acked) == (1, 1, 1)
        (row,) = rows(mariadb, mapping["table"])
        assert row["version_key"] == f"catalog-{PENALTY}-{penalty_item.version}"
        assert (row["MLBS"], row["BB"]) == (PENALTY, penalty_item.version)
        specs = json.loads(row["ZDGG"])
        assert row["ZDS"] == len(specs) == penalty_item.fields.count()
        assert {"code", "name", "type", "length", "required"} == set(specs[0])
        assert row["QH"] in (None, "")
        assert (_run(channel).sent, len(rows(mariadb, mapping["table"]))) == (0, 1)

        bump_version(penalty_item, actor=SYSTEM, before=None)
        bumped = _run(channel)
        assert (bumped.taken, bumped.sent, bumped.acked) == (1, 1, 1)
        table = rows(mariadb, mapping["table"], order_by="BB")
        assert [r["BB"] for r in table] == [penalty_item.version - 1, penalty_item.version]
        assert table[-1]["change_kind"] == "updated"
        assert _run(channel).sent == 0  # re-run: nothing twice
    assert Delivery.objects.filter(channel=channel, status=DeliveryStatus.ACKED).count() == 2


def test_a_catalog_version_not_yet_sent_is_replaced_by_the_newer_one(db):
    from credit.catalog.services import bump_version

    partner = services.create_partner(
        actor=None, code="cv", name="伙伴", kind="database", region="320400",
        config={"url": "mysql+pymysql://root@127.0.0.1:3306/test"},
    )  # fmt: skip
    channel = _channel(partner, Content.CATALOG, catalog_mapping())
    assert runner.load_all(actor=None, channel=channel) == 1
    assert runner.load_all(actor=None, channel=channel) == 0
    penalty_item = bump_version(item(PENALTY), actor=SYSTEM, before=None)
    assert runner.take_outbox(channel) == 1
    (only,) = Delivery.objects.filter(channel=channel)
    assert (only.key, only.version, only.record_id, only.status) == (
        f"catalog-{PENALTY}-{penalty_item.version}", penalty_item.version, None, "pending",
    )  # fmt: skip
    (out,) = runner.outgoing([only])
    assert out.record_id is None and out.fields["version"] == penalty_item.version


# --- mapping validation -----------------------------------------------------------------------


def _errors(content: str, mapping: dict, direction: str = "up") -> list[str]:
    partner = Partner.objects.filter(code="vocab").first() or services.create_partner(
        actor=None, code="vocab", name="伙伴", kind="database",
        region="320400", config={"url": "mysql+pymysql://root@127.0.0.1:3306/test"},
    )  # fmt: skip
    return services.mapping_errors(partner, direction, mapping, item(PENALTY), content)


def test_mappings_are_checked_against_the_contents_vocabulary(db):
    assert _errors(Content.OBJECTIONS, outcome_mapping()) == []
    assert _errors(Content.CATALOG, catalog_mapping()) == []
    # A field of the item is not a code of the objection vocabulary.
    wrong = _errors(
        Content.OBJECTIONS, {"table": "t", "key_column": "k", "fields": {"A": "document_no"}}
    )
    assert wrong and "document_no" in wrong[0]
    # _record attributes: allowed for outcomes, refused for the catalog.
    meta = {"table": "t", "key_column": "k", "fields": {"A": "code", "ZT": "_record.status"}}
    refused = _errors(Content.CATALOG, meta)
    assert any("资源目录" in e and "_record.status" in e for e in refused)
    assert _errors(Content.RECORDS, {**meta, "fields": {"ZT": "_record.status"}}) == []
    assert "交换内容“nonsense”无效" in _errors("nonsense", meta)


def test_a_non_records_channel_must_be_upward(db):
    partner = services.create_partner(
        actor=None, code="dn", name="伙伴", kind="database", region="320400",
        config={"url": "mysql+pymysql://root@127.0.0.1:3306/test"},
    )  # fmt: skip
    mapping = {
        "table": "t", "key_column": "id", "fields": {"A": "code"},
        "status_column": "s", "message_column": "m",
    }  # fmt: skip
    with pytest.raises(ValidationFailed) as refused:
        _channel(partner, Content.CATALOG, mapping, direction="down", department="SCJG")
    assert "资源目录只能上报" in refused.value.message
    # A records channel and a catalog channel of one item live side by side.
    _channel(partner, Content.RECORDS, {"table": "a", "key_column": "k",
                                        "fields": {"X": "document_no"}})  # fmt: skip
    catalog = _channel(partner, Content.CATALOG, catalog_mapping("b"))
    with pytest.raises(ValidationFailed) as twice:
        _channel(partner, Content.CATALOG, catalog_mapping("c"))
    assert "资源目录上报通道" in twice.value.message
    # The content is audited, and cannot change once the channel has deliveries.
    from credit.core.models import AuditEntry

    entry = AuditEntry.objects.filter(event_type="exchange.channel_created").latest("id")
    assert entry.after["content"] == "catalog"
    runner.take_outbox(catalog)
    with pytest.raises(ValidationFailed) as fixed:
        services.update_channel(actor=None, channel=catalog, content=Content.OBJECTIONS)
    assert fixed.value.code == "channel_content_fixed"


# --- pages and the command --------------------------------------------------------------------


def test_pages_show_the_content_and_the_create_table_of_its_vocabulary(client, make_user):
    partner = services.create_partner(
        actor=None, code="pg", name="页面伙伴", kind="database", region="320400",
        config={"url": "mysql+pymysql://root@127.0.0.1:3306/test"},
    )  # fmt: skip
    channel = _channel(partner, Content.OBJECTIONS, outcome_mapping("yyjg"))
    client.force_login(make_user(Role.CITY_ADMIN))
    page = client.get(f"/exchange/channels/{channel.pk}/").content.decode()
    assert 'data-testid="content">异议和更正结果<' in page
    assert "SLBH" in page and "受理编号" in page  # the CREATE TABLE names the vocabulary
    partner_page = client.get("/exchange/partners/pg/").content.decode()
    assert f'data-testid="content-{channel.pk}">异议和更正结果<' in partner_page
    jobs = client.get("/exchange/").content.decode()
    assert f'data-testid="content-{channel.pk}">异议和更正结果<' in jobs
    # The new-channel form offers the content and refuses a downward catalog channel.
    response = client.post(
        "/exchange/partners/pg/channels/new/",
        {"item": item(PENALTY).pk, "direction": "down", "content": "catalog",
         "period": "daily", "department": "", "mapping": json.dumps(catalog_mapping("z")),
         "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "资源目录只能上报" in response.content.decode()
    made = client.post(
        "/exchange/partners/pg/channels/new/",
        {"item": item(PENALTY).pk, "direction": "up", "content": "catalog",
         "period": "daily", "mapping": json.dumps(catalog_mapping("z")), "is_active": "on"},
    )  # fmt: skip
    assert made.status_code == 302
    assert Channel.objects.get(partner=partner, content=Content.CATALOG).mapping["table"] == "z"


def test_the_command_lists_the_content(db, capsys):
    partner = services.create_partner(
        actor=None, code="cli-c", name="命令伙伴", kind="database", region="320400",
        config={"url": "mysql+pymysql://root@127.0.0.1:3306/test"},
    )  # fmt: skip
    _channel(partner, Content.CATALOG, catalog_mapping("t"))
    call_command("exchange", "list")
    out = capsys.readouterr().out
    assert "资源目录" in out


# --- the demo ---------------------------------------------------------------------------------


def test_the_demo_partner_also_sends_outcomes_and_the_catalog(mariadb):
    from credit.exchange.demo import PARTNER_CODE, seed_exchange, up_mapping
    from tests.exchange.test_demo import _drop

    prefix = unique_table("dc_")
    tables = [up_mapping(prefix)["table"], f"{prefix}hmd", f"{prefix}yyjg", f"{prefix}mulu"]
    lines: list[str] = []
    try:
        seed_exchange(report=lines.append, url=mariadb, prefix=prefix)
        channels = {c.content: c for c in Channel.objects.filter(partner__code=PARTNER_CODE)}
        assert set(channels) == {Content.RECORDS, Content.OBJECTIONS, Content.CATALOG}
        assert channels[Content.OBJECTIONS].item.code == PENALTY
        assert channels[Content.CATALOG].item.code == PENALTY
        assert channels[Content.OBJECTIONS].mapping["table"] == f"{prefix}yyjg"
        (row,) = rows(mariadb, f"{prefix}mulu")
        assert row["MLBS"] == PENALTY
        assert any("资源目录" in line for line in lines)
    finally:
        _drop(mariadb, *tables)
