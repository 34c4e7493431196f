"""The evaluation's bookkeeping (de-duplication, automatic closing, idempotence, a person's
closing respected), the warning life cycle with its refusals and audit, and the rules'
maintenance."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from credit.alerts import services
from credit.alerts.models import Warning, WarningRule
from credit.core.errors import NotFound, PermissionDenied, ValidationFailed
from credit.core.models import AuditEntry

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 20)


@pytest.fixture
def city_rule(make_rule):
    """New dishonesty records of the city this month: at least 1 raises a warning."""
    return make_rule("dishonesty_records", "city", "gte", threshold="1", code="city-records")


@pytest.fixture
def one_record(make_record, legal_person):
    return make_record(
        "admin-penalty", "TNQ-SCJG", legal_person, decided=datetime.date(2026, 11, 2)
    )


def test_evaluate_creates_audits_and_is_idempotent(city_rule, one_record):
    first = services.evaluate(today=TODAY)
    assert first == {"rules": 1, "created": 1, "closed": 0, "failed": []}
    again = services.evaluate(today=TODAY)
    assert again == {"rules": 1, "created": 0, "closed": 0, "failed": []}
    w = Warning.objects.get(rule=city_rule)
    assert w.status == "open" and w.level == "warning"
    entry = AuditEntry.objects.get(event_type="warning.raised", object_id=str(w.pk))
    assert entry.actor_repr == "system" and entry.after["key"] == "city@2026-11"


def test_the_database_sets_the_inserting_transaction_and_an_event_id(city_rule, one_record):
    services.evaluate(today=TODAY)
    w = Warning.objects.get(rule=city_rule)
    with connection.cursor() as cur:
        cur.execute("SELECT txid_current()")
        (now,) = cur.fetchone()
    assert 0 < w.txid <= now
    assert w.event_id is not None


def test_a_warning_closes_itself_when_its_condition_no_longer_holds(city_rule, one_record):
    services.evaluate(today=TODAY)
    one_record.status = "revoked"
    one_record.save()
    summary = services.evaluate(today=TODAY)
    assert summary["closed"] == 1
    w = Warning.objects.get(rule=city_rule)
    assert (w.status, w.close_reason, w.auto_closed, w.closed_by) == (
        "closed",
        "条件已解除",
        True,
        None,
    )
    entry = AuditEntry.objects.get(event_type="warning.closed", object_id=str(w.pk))
    assert entry.after == {"status": "closed", "reason": "条件已解除", "automatic": True}
    # The condition returns: a new warning for the same key
    one_record.status = "active"
    one_record.save()
    assert services.evaluate(today=TODAY)["created"] == 1
    assert Warning.objects.filter(rule=city_rule, status="open").count() == 1


def test_a_warning_of_an_earlier_period_is_left_as_it_is(city_rule, one_record):
    services.evaluate(today=TODAY)
    december = services.evaluate(today=datetime.date(2026, 12, 2))
    assert december["closed"] == 0
    assert Warning.objects.get(rule=city_rule).status == "open"


def test_a_warning_a_person_closed_is_not_raised_again_in_the_same_period(
    city_rule, one_record, staff
):
    services.evaluate(today=TODAY)
    w = Warning.objects.get(rule=city_rule)
    services.close(staff["office"], w, "已核实，数据正常")
    assert services.evaluate(today=TODAY)["created"] == 0


def test_a_state_warning_is_raised_again_after_its_period_when_a_person_closed_it(
    make_rule, admin_user, legal_person, resident_id_factory, staff
):
    from credit.objections import services as objections
    from credit.objections.models import Objection
    from credit.objections.uploads import Upload
    from tests.records.factories import penalty

    record = penalty(legal_person, "TNQ-SCJG", "天市监罚〔2026〕78号").record
    case = objections.record_offline_objection(
        actor=admin_user, record=record, name="李四", id_number=resident_id_factory(),
        phone="13812345678", reason="理由", files=[Upload("a.pdf", b"%PDF-1.4\n%%EOF\n", "")],
    )  # fmt: skip
    Objection.objects.filter(pk=case.pk).update(accept_due=datetime.date(2026, 11, 1))
    rule = make_rule("overdue_objections", "department", "gt", threshold="0", period="day")
    today = timezone.localdate()  # closing happens now
    services.evaluate(today=today)
    w = Warning.objects.get(rule=rule)
    services.close(staff["office"], w, "已催办")
    assert services.evaluate(today=today)["created"] == 0
    assert services.evaluate(today=today + datetime.timedelta(days=1))["created"] == 1


def test_a_rule_that_fails_does_not_stop_the_others(city_rule, one_record, make_rule):
    broken = make_rule("dishonesty_records", "district", "gt", threshold="0", code="broken")
    WarningRule.objects.filter(pk=broken.pk).update(subject="subject")  # not this metric's
    summary = services.evaluate(today=TODAY)
    assert summary["failed"] == ["broken"] and summary["created"] == 1


def test_inactive_rules_are_not_evaluated(city_rule, one_record):
    services.deactivate(actor=None, rule=city_rule)
    assert services.evaluate(today=TODAY) == {"rules": 0, "created": 0, "closed": 0, "failed": []}


def test_new_warnings_are_handed_to_the_push_in_their_transaction(
    city_rule, one_record, monkeypatch
):
    from credit.events import delivery

    calls = []
    monkeypatch.setattr(delivery, "published", lambda *args: calls.append(args))
    services.evaluate(today=TODAY)
    w = Warning.objects.get(rule=city_rule)
    assert calls == [("warning.raised", w.pk, w.pk)]


# --- the life cycle ------------------------------------------------------------------------------


@pytest.fixture
def warning(city_rule, one_record):
    services.evaluate(today=TODAY)
    w = Warning.objects.get(rule=city_rule)
    Warning.objects.filter(pk=w.pk).update(region_id="320402", department=one_record.department)
    w.refresh_from_db()
    return w


def test_open_acknowledged_closed_each_step_audited(warning, staff):
    services.acknowledge(staff["tianning"], warning, "正在核实")
    warning.refresh_from_db()
    assert warning.status == "acknowledged"
    assert warning.acknowledged_by == staff["tianning"] and warning.acknowledge_note == "正在核实"
    services.close(staff["office"], warning, "已处理")
    warning.refresh_from_db()
    assert (warning.status, warning.closed_by, warning.close_reason, warning.auto_closed) == (
        "closed",
        staff["office"],
        "已处理",
        False,
    )
    steps = list(
        AuditEntry.objects.filter(object_type="alerts.warning", object_id=str(warning.pk))
        .order_by("id")
        .values_list("event_type", "actor_id")
    )
    assert steps == [
        ("warning.raised", None),
        ("warning.acknowledged", staff["tianning"].pk),
        ("warning.closed", staff["office"].pk),
    ]


def test_open_may_be_closed_directly_but_not_twice_nor_acknowledged_after(warning, staff):
    services.close(staff["office"], warning, "误报")
    with pytest.raises(ValidationFailed) as again:
        services.close(staff["office"], warning, "再次关闭")
    assert again.value.code == "warning_closed" and "已关闭" in again.value.message
    with pytest.raises(ValidationFailed) as ack:
        services.acknowledge(staff["office"], warning, "")
    assert ack.value.code == "warning_not_open"


def test_closing_needs_a_reason(warning, staff):
    with pytest.raises(ValidationFailed) as refused:
        services.close(staff["office"], warning, "  ")
    assert refused.value.code == "reason_required" and "关闭原因" in refused.value.message
    warning.refresh_from_db()
    assert warning.status == "open"


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("leader", PermissionDenied),  # reads only
        ("tnq_officer", PermissionDenied),  # officers see their department's, not handle
        ("zhonglou", NotFound),  # another district
    ],
)
def test_who_may_not_handle_a_warning(warning, staff, who, error):
    with pytest.raises(error) as refused:
        services.acknowledge(staff[who], warning, "")
    assert refused.value.message.startswith(("您没有", "该预警不存在"))
    warning.refresh_from_db()
    assert warning.status == "open"
    assert not AuditEntry.objects.filter(event_type="warning.acknowledged").exists()


def test_a_city_warning_is_handled_by_the_city_only(city_rule, one_record, staff):
    services.evaluate(today=TODAY)
    w = Warning.objects.get(rule=city_rule)
    with pytest.raises(NotFound):
        services.acknowledge(staff["tianning"], w, "")
    services.acknowledge(staff["office"], w, "")


# --- rules ---------------------------------------------------------------------------------------


def _rule(**changes):
    values = {
        "code": "my-rule",
        "name": "我的规则",
        "metric": "dishonesty_records",
        "subject": "district",
        "comparison": "gt",
        "threshold": "10",
        "period": "month",
        "level": "notice",
    }
    values.update(changes)
    return values


def test_the_credit_office_saves_rules_audited_with_before_and_after(staff):
    rule = services.save_rule(actor=staff["office"], **_rule())
    assert rule.threshold == Decimal("10") and rule.created_by == staff["office"]
    services.save_rule(actor=staff["office"], **_rule(threshold=None, ratio_to_average="2"))
    entries = AuditEntry.objects.filter(object_type="alerts.warningrule").order_by("id")
    assert [e.event_type for e in entries] == ["warningrule.created", "warningrule.updated"]
    assert entries[1].before["threshold"] == "10" and entries[1].after["ratio_to_average"] == "2"
    services.save_rule(actor=staff["office"], **_rule(threshold=None, ratio_to_average="2"))
    assert entries.count() == 2  # unchanged: nothing written


@pytest.mark.parametrize("who", ["tianning", "leader", "tnq_officer"])
def test_only_the_credit_office_maintains_rules(staff, who):
    with pytest.raises(PermissionDenied) as refused:
        services.save_rule(actor=staff[who], **_rule())
    assert "市信用办" in refused.value.message or "您没有" in refused.value.message
    assert not WarningRule.objects.filter(code="my-rule").exists()


@pytest.mark.parametrize(
    ("changes", "code", "words"),
    [
        ({"threshold": None}, "threshold_or_ratio", "只填写一项"),
        ({"ratio_to_average": "1.5"}, "threshold_or_ratio", "只填写一项"),
        ({"subject": "subject"}, "subject_not_allowed", "只能按辖市区、部门、全市预警"),
        (
            {"metric": "overdue_objections", "subject": "department", "threshold": None,
             "ratio_to_average": "2"},
            "ratio_not_allowed",
            "不能与历史平均值比较",
        ),
        ({"metric": "publicity_timeliness", "threshold": "120"}, "invalid_threshold",
         "阈值应在0到100"),
        ({"threshold": "abc"}, "invalid_number", "阈值应为数字"),
        ({"threshold": "NaN"}, "invalid_number", "阈值超出范围"),
        ({"code": "Bad Code"}, "invalid_code", "规则标识"),
        ({"name": " "}, "name_required", "请填写规则名称"),
        ({"comparison": "eq"}, "invalid_comparison", "请选择比较方式"),
        ({"metric": "nope"}, "unknown_metric", "请选择预警指标"),
    ],
)  # fmt: skip
def test_an_invalid_rule_is_refused_in_chinese_and_nothing_saved(staff, changes, code, words):
    with pytest.raises(ValidationFailed) as refused:
        services.save_rule(actor=staff["office"], **_rule(**changes))
    assert refused.value.code == code and words in refused.value.message
    assert not WarningRule.objects.filter(code__in=["my-rule", "Bad Code"]).exists()


def test_deactivating_a_rule(staff):
    rule = services.save_rule(actor=None, **_rule())
    services.deactivate(actor=staff["office"], rule=rule)
    rule.refresh_from_db()
    assert not rule.is_active
    with pytest.raises(ValidationFailed):
        services.deactivate(actor=staff["office"], rule=rule)
    with pytest.raises(PermissionDenied):
        services.deactivate(actor=staff["tianning"], rule=rule)


def test_the_default_rules_load_once_and_keep_what_the_office_changed(staff):
    assert services.load_default_rules() == 5
    codes = set(WarningRule.objects.values_list("code", flat=True))
    assert codes == {
        "district-dishonesty-surge",
        "department-timeliness-below-90",
        "department-silent",
        "objections-overdue",
        "blacklisted-with-license",
    }
    surge = WarningRule.objects.get(code="district-dishonesty-surge")
    assert (surge.ratio_to_average, surge.threshold) == (Decimal("1.5"), None)
    services.save_rule(actor=staff["office"], **{**services._rule_out(surge), "name": "改过的名称",
                       "ratio_to_average": "2"})  # fmt: skip
    assert services.load_default_rules() == 0
    assert WarningRule.objects.get(code="district-dishonesty-surge").name == "改过的名称"


def test_a_person_evaluating_needs_the_handling_permission(staff):
    with pytest.raises(PermissionDenied):
        services.evaluate(staff["leader"], today=TODAY)
    assert services.evaluate(staff["office"], today=TODAY)["failed"] == []


def test_many_warnings_at_once_are_written_in_batches(make_rule, staff, monkeypatch):
    """A rule breached by many subjects at once (a first import of historic lists) is written
    in statements of a bounded size — PostgreSQL takes at most 65,535 parameters a query —
    with the same outcome: every warning once, a person's closing respected in every batch."""
    from credit.core.models import Department

    monkeypatch.setattr(services, "BATCH", 20)  # keys 20 a query, rows 1 a statement
    rule = make_rule("overdue_objections", "department", "gte", threshold="0", code="every-dept")
    departments = Department.objects.filter(is_active=True).count()
    assert departments > services.BATCH  # the keys take more than one query
    assert services.evaluate(today=TODAY)["created"] == departments
    last = Warning.objects.filter(rule=rule).order_by("-pk").first()
    services.close(staff["office"], last, "已核实")
    assert services.evaluate(today=TODAY) == {"rules": 1, "created": 0, "closed": 0, "failed": []}
    assert AuditEntry.objects.filter(event_type="warning.raised").count() == departments
