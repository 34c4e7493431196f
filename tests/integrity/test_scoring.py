"""Recomputing the civil servants' scores (:mod:`credit.integrity.services.scoring`): a job
enqueued in the transaction of every record change that concerns a civil servant (arrival,
change, repair, suspension, expiry) and none when it rolls back; the daily catch-up of windows
that opened or closed; the explained items; the score history per year under the version in
force each year; the archive synced from the basic record."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from credit.accounts.roles import Role
from credit.integrity import rules
from credit.integrity.models import CivilServant, ScoreItem, ScoreRule, ScoreRuleSet, ScoreYear
from credit.integrity.services import rules as rule_services
from credit.integrity.services import scoring
from credit.records.constants import RecordStatus
from credit.records.services import change_status, expire_publicity
from tests.integrity.factories import (
    add_record,
    make_civil_servant,
    make_person,
    queued,
    run_jobs,
)

pytestmark = pytest.mark.django_db


def jobs_for(person_id: int) -> int:
    return sum(person_id in job.args["person_ids"] for job in queued())


def fresh(servant: CivilServant) -> CivilServant:
    return CivilServant.objects.get(pk=servant.pk)


def items_of(servant: CivilServant) -> list[tuple]:
    return list(
        ScoreItem.objects.filter(civil_servant=servant)
        .order_by("counts_from", "id")
        .values_list("rule__label", "points", "counts_from", "counts_until", "in_force")
    )


# --- recompute when records change ------------------------------------------------------------


def test_a_record_arriving_enqueues_the_recompute_in_its_transaction():
    servant = make_civil_servant("SCJG")
    before = jobs_for(servant.natural_person_id)
    record = add_record(servant, "cs-discipline", result="记过")
    assert jobs_for(servant.natural_person_id) == before + 1
    assert fresh(servant).score == 500  # not yet: the job has not run
    run_jobs()
    servant = fresh(servant)
    assert (servant.score, servant.grade) == (420, "C")
    [item] = ScoreItem.objects.filter(civil_servant=servant)
    assert (item.record_id, item.rule.label, item.points) == (record.pk, "【公务员】记过", -80)
    assert item.counts_from == record.decision_date
    assert item.counts_until == rules.add_months(record.decision_date, 12)
    assert item.in_force
    assert servant.ruleset.code == "cs-score-2026"
    assert servant.computed_at is not None


def test_a_file_through_the_ingest_pipeline_enqueues_the_recompute_and_a_new_person_too():
    """The bulk loader (a department's file or push) tells the listeners like every write:
    a 纪律处分 row about a civil servant and a 公务人员基础信息 row about someone new."""
    from credit.ingest.pipeline import ingest_payloads
    from tests.integrity.factories import id_number_of, new_id_number

    servant = make_civil_servant("SCJG")
    before = jobs_for(servant.natural_person_id)
    row = {
        "name": servant.natural_person.name,
        "id_number": id_number_of(servant),
        "unit": "常州市市场监督管理局",
        "violation": "违规发放津贴补贴",
        "result": "记过",
        "document_no": "常纪处〔2026〕77号",
        "decision_date": (timezone.localdate() - datetime.timedelta(days=5)).isoformat(),
    }
    batch = ingest_payloads(
        actor=None, rows=[row], item_code="cs-discipline", department_code="JWJW"
    )
    assert (batch.inserted, batch.rejected) == (1, 0)
    assert jobs_for(servant.natural_person_id) == before + 1
    newcomer = {
        "name": "新入职",
        "id_number": new_id_number(),
        "unit_and_post": "常州市税务局 科员",
        "identity_type": "公务员",
        "unit_uscc": "113204000348814753",
    }
    batch = ingest_payloads(actor=None, rows=[newcomer], item_code="cs-basic", department_code="RS")
    assert (batch.inserted, batch.rejected) == (1, 0)
    run_jobs()
    assert (fresh(servant).score, fresh(servant).grade) == (420, "C")
    made = CivilServant.objects.get(unit__code="SW", natural_person__name="新入职")
    assert (made.score, made.grade) == (500, "A")


def test_a_rolled_back_write_leaves_no_job():
    servant = make_civil_servant("SCJG")
    before = queued().count()
    with pytest.raises(RuntimeError), transaction.atomic():
        add_record(servant, "cs-discipline")
        assert queued().count() == before + 1
        raise RuntimeError("the upload failed")
    assert queued().count() == before


def test_records_of_people_who_are_no_civil_servants_enqueue_nothing():
    person = make_person()
    before = queued().count()
    add_record(person, "admin-penalty")
    add_record(person, "civil-traffic")
    assert queued().count() == before
    assert scoring.enqueue_for_records([]) == 0
    assert scoring.recompute(person_ids=[person.pk]) == 0
    assert not CivilServant.objects.filter(natural_person=person).exists()


def test_a_basic_record_makes_a_civil_servant_and_counts_records_already_in_the_library():
    person = make_person()
    penalty = add_record(person, "admin-penalty", severity="严重")
    before = jobs_for(person.pk)
    add_record(person, "cs-basic", unit_and_post="常州市税务局副科长", unit_uscc=_uscc("SW"))
    assert jobs_for(person.pk) == before + 1
    run_jobs()
    servant = CivilServant.objects.get(natural_person=person)
    assert servant.unit.code == "SW" and servant.unit_name == servant.unit.name
    assert servant.score == 350 and servant.grade == "D"
    [item] = ScoreItem.objects.filter(civil_servant=servant)
    assert item.record_id == penalty.pk and item.points == -150


def test_enqueueing_many_people_makes_jobs_of_at_most_the_chunk(monkeypatch):
    people = [make_civil_servant("SCJG", recompute=False) for _ in range(5)]
    monkeypatch.setattr(scoring, "JOB_CHUNK", 2)
    records = [add_record(p, "cs-other-handling", department="SCJG") for p in people]
    before = queued().count()
    assert scoring.enqueue_for_records([r.pk for r in records]) == 5
    new_jobs = list(queued())[before:]
    assert [len(j.args["person_ids"]) for j in new_jobs] == [2, 2, 1]
    assert sorted(pid for j in new_jobs for pid in j.args["person_ids"]) == sorted(
        p.natural_person_id for p in people
    )


def test_a_changed_record_is_scored_again():
    servant = make_civil_servant("SCJG")
    record = add_record(servant, "cs-discipline", result="警告", document_no="常纪处〔2026〕7号")
    run_jobs()
    assert fresh(servant).score == 450
    payload = {**_clear_payload(record), "result": "开除"}
    add_record(servant, "cs-discipline", **payload)
    assert jobs_for(servant.natural_person_id) >= 1
    run_jobs()
    assert fresh(servant).score == 300
    assert items_of(servant)[0][:2] == ("【公务员】开除", -200)


def test_repair_removes_the_points_and_suspension_holds_them(admin_user):
    servant = make_civil_servant("SCJG")
    record = add_record(servant, "civil-traffic", severity="较重")
    run_jobs()
    assert fresh(servant).score == 400
    record = change_status(
        actor=admin_user, record=record, status=RecordStatus.SUSPENDED, reason="异议"
    )
    run_jobs()
    assert fresh(servant).score == 500
    record = change_status(
        actor=admin_user, record=record, status=RecordStatus.ACTIVE, reason="异议不成立"
    )
    run_jobs()
    assert fresh(servant).score == 400
    change_status(actor=admin_user, record=record, status=RecordStatus.REPAIRED, reason="信用修复")
    assert jobs_for(servant.natural_person_id) >= 1
    run_jobs()
    servant = fresh(servant)
    assert (servant.score, servant.grade) == (500, "A")
    assert items_of(servant) == []


def test_expiry_of_publicity_enqueues_the_recompute_and_ends_the_points():
    servant = make_civil_servant("SCJG")
    record = add_record(servant, "admin-penalty", severity="一般")
    run_jobs()
    assert fresh(servant).score == 450
    end = record.publicity_end  # decided by the publicity policy
    later = end + datetime.timedelta(days=1)
    assert expire_publicity(today=later) == [record.pk]
    assert jobs_for(servant.natural_person_id) >= 1
    scoring.recompute(person_ids=[servant.natural_person_id], today=later)
    servant = fresh(servant)
    assert servant.score == 500
    [(_label, points, _start, until, in_force)] = items_of(servant)
    assert (points, until, in_force) == (-50, later, False)


def test_a_window_closing_with_time_is_caught_by_the_daily_job():
    servant = make_civil_servant("SCJG")
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    decided = rules.add_months(today, -6)  # 警告 counts 12 months … let it end today
    add_record(servant, "cs-discipline", result="警告", decision_date=decided.isoformat())
    line = ScoreRule.objects.get(ruleset__code="cs-score-2026", value="警告")
    ScoreRule.objects.filter(pk=line.pk).update(months=6)
    scoring.recompute(person_ids=[servant.natural_person_id], today=yesterday)
    assert fresh(servant).score == 450
    # Computed yesterday (the job's last run): today the window has closed.
    last_run = timezone.make_aware(datetime.datetime.combine(yesterday, datetime.time(2, 40)))
    CivilServant.objects.filter(pk=servant.pk).update(computed_at=last_run)
    assert servant.natural_person_id in scoring.due_today(today=today)
    scoring.recompute(person_ids=scoring.due_today(today=today), today=today)
    assert fresh(servant).score == 500
    assert servant.natural_person_id not in scoring.due_today(today=today)


def test_the_daily_job_catches_a_window_opening_a_new_year_and_a_new_version(make_user):
    servant = make_civil_servant("SCJG")
    today = timezone.localdate()
    scoring.recompute(person_ids=[servant.natural_person_id], today=today)
    assert servant.natural_person_id not in scoring.due_today(today=today)
    # A year later everyone's history has a new year.
    next_year = datetime.date(today.year + 1, 1, 2)
    assert servant.natural_person_id in scoring.due_today(today=next_year)
    # A version issued now is due at once when in force.
    rule_services.new_version(
        actor=make_user(Role.CITY_ADMIN),
        based_on=ScoreRuleSet.objects.get(code="cs-score-2026"),
        code="cs-score-later",
        name="第二版",
        effective_from=today,
    )
    assert servant.natural_person_id in scoring.due_today(today=today)
    # A window that opens tomorrow (an item counting from a future date) is due tomorrow.
    scoring.recompute(person_ids=[servant.natural_person_id], today=today)
    assert servant.natural_person_id not in scoring.due_today(today=today)
    add_record(servant, "cs-other-handling", decision_date=today.isoformat())
    scoring.recompute(person_ids=[servant.natural_person_id], today=today)
    item = ScoreItem.objects.get(civil_servant=servant)
    ScoreItem.objects.filter(pk=item.pk).update(counts_from=today + datetime.timedelta(days=1))
    tomorrow = today + datetime.timedelta(days=1)
    assert servant.natural_person_id not in scoring.due_today(today=today)
    assert servant.natural_person_id in scoring.due_today(today=tomorrow)


@pytest.mark.parametrize(
    ("records", "score", "grade"),
    [
        ([], 500, "A"),
        ([("cs-assessment", {"result": "优秀"})], 520, "A"),
        ([("cs-accountability", {"result": "责令公开道歉"})], 460, "B"),
        ([("cs-discipline", {"result": "警告"})], 450, "C"),
        ([("cs-discipline", {"result": "降级"})], 360, "C"),
        ([("admin-penalty", {"severity": "严重"})], 350, "D"),
        ([("criminal-judgment", {}), ("judgment-debtor", {})], 200, "D"),
    ],
)
def test_records_bring_the_grade_across_its_boundaries(records, score, grade):
    servant = make_civil_servant("SCJG", recompute=False)
    for item, fields in records:
        add_record(servant, item, **fields)
    scoring.recompute(person_ids=[servant.natural_person_id])
    servant = fresh(servant)
    assert (servant.score, servant.grade) == (score, grade)
    assert (
        ScoreYear.objects.get(civil_servant=servant, year=timezone.localdate().year).score == score
    )


# --- history and versions -----------------------------------------------------------------

AS_OF = datetime.date(2026, 6, 30)


def _history_person():
    servant = make_civil_servant("SCJG", recompute=False)
    add_record(servant, "cs-assessment", year=2023, result="优秀")  # +20 in 2024
    add_record(servant, "cs-discipline", result="记大过", decision_date="2024-03-01")  # to 2025-09
    add_record(servant, "cs-other-handling", decision_date="2025-12-15")  # −10 to 2026-12-15
    add_record(servant, "party-review", year=2025, result="基本合格")  # −10 in 2026
    return servant


def test_the_score_history_has_every_year_from_the_first_record():
    servant = _history_person()
    scoring.recompute(person_ids=[servant.natural_person_id], today=AS_OF)
    years = list(
        ScoreYear.objects.filter(civil_servant=servant).values_list(
            "year", "as_of", "score", "grade"
        )
    )
    assert years == [
        (2023, datetime.date(2023, 12, 31), 500, "A"),
        (2024, datetime.date(2024, 12, 31), 410, "C"),
        (2025, datetime.date(2025, 12, 31), 490, "B"),
        (2026, AS_OF, 480, "B"),
    ]
    servant = fresh(servant)
    assert (servant.score, servant.grade) == (480, "B")
    explained = items_of(servant)
    assert [(label, points, in_force) for label, points, *_, in_force in explained] == [
        ("【公务员】年度考核优秀", 20, False),
        ("【公务员】记大过", -110, False),
        ("其他处分（情节轻微，每次）", -10, True),
        ("【党员】年度评议基本合格", -10, True),
    ]
    assert explained[0][2:4] == (datetime.date(2024, 1, 1), datetime.date(2025, 1, 1))
    assert explained[1][2:4] == (datetime.date(2024, 3, 1), datetime.date(2025, 9, 1))


def test_each_year_is_scored_under_the_version_in_force_then(make_user):
    servant = _history_person()
    first = ScoreRuleSet.objects.get(code="cs-score-2026")
    other = ScoreRule.objects.get(ruleset=first, item__code="cs-other-handling")
    second = rule_services.new_version(
        actor=make_user(Role.CITY_ADMIN),
        based_on=first,
        code="cs-score-2026b",
        name="第二版",
        effective_from=datetime.date(2026, 3, 1),
        points={other.pk: -30},
    )
    scoring.recompute(person_ids=[servant.natural_person_id], today=AS_OF)
    years = dict(
        ScoreYear.objects.filter(civil_servant=servant).values_list("year", "ruleset__code")
    )
    scores = dict(ScoreYear.objects.filter(civil_servant=servant).values_list("year", "score"))
    assert years == {2023: first.code, 2024: first.code, 2025: first.code, 2026: second.code}
    assert scores[2025] == 490  # the first version's −10
    assert scores[2026] == 460  # the second version's −30 and the review's −10
    servant = fresh(servant)
    assert (servant.score, servant.grade, servant.ruleset_id) == (460, "B", second.pk)
    assert ScoreItem.objects.filter(civil_servant=servant, rule__ruleset=second).count() == 4
    # Before the second version's date the first applies.
    scoring.recompute(person_ids=[servant.natural_person_id], today=datetime.date(2026, 2, 28))
    assert fresh(servant).score == 480


def test_recompute_is_idempotent():
    servant = _history_person()
    scoring.recompute(person_ids=[servant.natural_person_id], today=AS_OF)
    first = (items_of(servant), list(ScoreYear.objects.filter(civil_servant=servant).values()))
    scoring.recompute(
        person_ids=[servant.natural_person_id, servant.natural_person_id], today=AS_OF
    )
    again = (items_of(servant), list(ScoreYear.objects.filter(civil_servant=servant).values()))
    assert [row[:-1] for row in first[0]] == [row[:-1] for row in again[0]]
    strip = [{k: v for k, v in y.items() if k != "id"} for y in first[1]]
    assert strip == [{k: v for k, v in y.items() if k != "id"} for y in again[1]]


def test_recompute_all_covers_archives_and_people_with_a_basic_record():
    a = make_civil_servant("SCJG", grade="C")
    b = make_civil_servant("TNQ-SCJG", grade="D")
    ScoreItem.objects.filter(civil_servant=b).delete()
    ScoreYear.objects.filter(civil_servant=b).delete()
    CivilServant.objects.filter(pk=b.pk).delete()  # as after a bulk load of basic records
    CivilServant.objects.filter(pk=a.pk).update(score=None, grade="")
    counts = scoring.recompute_all(chunk=1)
    assert counts["civil_servants"] >= 2
    assert counts["people"] == counts["civil_servants"]
    assert fresh(a).score == 450
    b = CivilServant.objects.get(natural_person_id=b.natural_person_id)
    assert (b.score, b.grade, b.unit.code, b.region_id) == (300, "D", "TNQ-SCJG", "320402")
    assert counts["items"] >= 2 and counts["years"] >= 2


# --- the archive from the basic record ------------------------------------------------------


def test_the_archive_takes_unit_post_and_region_from_the_basic_record():
    servant = make_civil_servant(
        "TNQ-SCJG", post="副局长", rank="副处级", political_status="群众", identity_type="公务员"
    )
    assert servant.unit.code == "TNQ-SCJG"
    assert servant.unit_name == servant.unit.name
    assert servant.position == "副局长"
    assert (servant.rank, servant.political_status, servant.identity_type) == (
        "副处级",
        "群众",
        "公务员",
    )
    assert servant.region_id == "320402"
    assert servant.basic_record is not None


def test_a_unit_that_is_no_department_keeps_the_text_and_the_reporters_region():
    servant = make_civil_servant(None, region="320404")
    assert servant.unit is None
    assert servant.unit_name.endswith("科长")
    assert servant.region_id == "320404"


def test_without_an_active_basic_record_the_archive_stays_without_its_unit(admin_user):
    servant = make_civil_servant("SCJG", grade="C")
    basic = servant.basic_record
    change_status(actor=admin_user, record=basic, status=RecordStatus.REVOKED, reason="误报")
    run_jobs()
    servant = fresh(servant)
    assert servant.unit is None and servant.basic_record is None
    assert servant.unit_name  # the last unit known
    assert servant.score == 450  # still scored, for the region's overseers
    # A new basic record brings the unit back.
    add_record(servant, "cs-basic", department="ZZB", unit_and_post="x", unit_uscc=_uscc("SW"))
    run_jobs()
    servant = fresh(servant)
    assert servant.unit.code == "SW" and servant.basic_record is not None


def _uscc(code: str) -> str:
    from credit.core.models import Department

    return Department.objects.get(code=code).uscc


def _clear_payload(record) -> dict:
    """The record's payload with the clear ID number (stored masked)."""
    from tests.integrity.factories import id_number_of

    return {**record.payload, "id_number": id_number_of(record.natural_person)}
