"""The re-key of stored records (migration ``records.0007_rekey_document_numbers`` and
``credit rekey_records``): records stored under keys made before year brackets were compared
get the new key, and records that turn out to be one decision are merged, keeping versions,
re-pointing what refers to them, and reported on stdout and in the audit log."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.apps import apps
from django.core.management import call_command

from credit.core.models import AuditEntry
from credit.ingest.models import Batch, BatchRow
from credit.records.models import CreditRecord, CreditRecordVersion, ListChange
from credit.records.rekey import legacy_natural_key, rekey_records
from credit.records.rules import key_values, natural_key, subject_key
from credit.records.services import change_status
from credit.sanctions.models import Check
from tests.records.factories import penalty

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("credit.records.migrations.0007_rekey_document_numbers")


def _parts(record: CreditRecord) -> dict:
    return {
        "department_code": record.department.code,
        "item_code": record.item.code,
        "key_values": key_values(record.item.natural_key, record.payload),
        "subject_key": subject_key("L", record.legal_person_id),
    }


def stored_before(record: CreditRecord) -> CreditRecord:
    """Give ``record`` the key it had been stored under before this change."""
    CreditRecord.objects.filter(pk=record.pk).update(
        natural_key=legacy_natural_key(**_parts(record))
    )
    record.refresh_from_db()
    return record


def run_migration(capsys) -> str:
    MIGRATION.rekey(apps, None)
    return capsys.readouterr().out


def _versions(record: CreditRecord) -> list[tuple[int, str, str]]:
    return [
        (v.version, v.payload["document_no"], v.payload["penalty_content"])
        for v in CreditRecordVersion.objects.filter(record=record).order_by("version")
    ]


def test_the_migration_does_nothing_on_an_empty_database(capsys):
    CreditRecord.objects.all().delete()  # none in a test transaction, but say so
    audits = AuditEntry.objects.count()
    assert run_migration(capsys) == ""
    assert AuditEntry.objects.count() == audits


def test_a_record_alone_under_its_old_key_is_re_keyed(legal_person, capsys):
    record = stored_before(penalty(legal_person, "SCJG", "常市监罚(2024)31号").record)
    old_key = record.natural_key

    out = run_migration(capsys)

    record.refresh_from_db()
    assert record.natural_key == natural_key(**_parts(record)) != old_key
    assert record.version == 1 and record.document_no == "常市监罚(2024)31号"  # as stored
    assert "重算自然键1条" in out
    summary = AuditEntry.objects.get(event_type="records.rekeyed")
    assert summary.after["rekeyed"] == 1 and summary.after["merged"] == 0


def test_records_with_the_standard_bracket_keep_their_key(legal_person, capsys):
    record = penalty(legal_person, "SCJG", "常市监罚〔2024〕32号").record
    assert record.natural_key == legacy_natural_key(**_parts(record))
    assert run_migration(capsys) == ""
    assert CreditRecord.objects.get(pk=record.pk).natural_key == record.natural_key


def test_duplicates_are_merged_into_the_first_keeping_every_version(
    legal_person, admin_user, capsys
):
    # the first record: sent as (2024), changed once (one version), stored under the old key
    first = penalty(legal_person, "SCJG", "常市监罚(2024)33号").record
    penalty(legal_person, "SCJG", "常市监罚(2024)33号", penalty_content="警告（更正）")
    first = stored_before(CreditRecord.objects.get(pk=first.pk))
    # the same decision sent again as 〔2024〕: a second record under the new key
    second = penalty(legal_person, "SCJG", "常市监罚〔2024〕33号", penalty_content="警告并罚款")
    second = second.record
    assert second.pk != first.pk
    # what refers to the second record
    batch = Batch.objects.create(
        item=first.item,
        item_version=first.item.version,
        department=first.department,
        region_id=first.department.region_id,
        channel="api",
        created_by=admin_user,
    )
    row = BatchRow.objects.create(
        batch=batch, row_no=2, raw_cipher=b"", status="accepted", record=second
    )
    check = Check.objects.create(
        number="HC-TEST-1",
        user=admin_user,
        query="9132****",
        reason="招投标",
        result="hit",
        hits=[{"record": second.pk, "measures": []}, {"record": 0, "measures": []}],
    )

    out = run_migration(capsys)

    first.refresh_from_db()
    second.refresh_from_db()
    # the survivor holds the new key and the latest state, its history grown by the other's
    assert first.natural_key == natural_key(**_parts(second))
    assert first.payload == second.payload and first.status == "active"
    assert first.document_no == "常市监罚〔2024〕33号" and first.version == 3
    assert _versions(first) == [
        (1, "常市监罚(2024)33号", "警告"),
        (2, "常市监罚(2024)33号", "警告（更正）"),
    ]
    # the merged one is revoked under a tombstone key, its last state kept as its version
    assert second.status == "revoked" and second.natural_key == f"merged:{first.pk}:{second.pk}"
    assert second.version == 2 and _versions(second) == [(1, "常市监罚〔2024〕33号", "警告并罚款")]
    # references follow the survivor
    row.refresh_from_db()
    assert row.record_id == first.pk
    check.refresh_from_db()
    assert [h["record"] for h in check.hits] == [first.pk, 0]
    # reported: stdout and the audit log
    assert f"记录{second.pk}（常市监罚〔2024〕33号）并入记录{first.pk}" in out
    merged = AuditEntry.objects.get(event_type="record.merged")
    assert merged.object_id == str(first.pk)
    assert merged.before["merged_record"] == second.pk
    assert merged.after["repointed"] == {"ingest.batchrow": 1, "sanctions.check.hits": 1}
    assert AuditEntry.objects.get(event_type="records.rekeyed").after["merged"] == 1
    # only the survivor is left for readers
    live = CreditRecord.objects.filter(legal_person=legal_person).exclude(status="revoked")
    assert list(live) == [first]


def test_the_survivor_keeps_its_state_when_it_was_updated_last(legal_person, capsys):
    first = stored_before(penalty(legal_person, "SCJG", "常市监罚（2024）34号").record)
    second = penalty(legal_person, "SCJG", "常市监罚〔2024〕34号", penalty_content="旧内容")
    CreditRecord.objects.filter(pk=second.record.pk).update(
        updated_at=first.updated_at - datetime.timedelta(days=1)
    )

    run_migration(capsys)

    first.refresh_from_db()
    assert first.document_no == "常市监罚（2024）34号"
    assert first.payload["penalty_content"] == "警告"
    assert first.version == 2 and _versions(first) == [(1, "常市监罚〔2024〕34号", "旧内容")]


def test_three_variants_become_one_record(legal_person, capsys):
    made = []
    for doc in ["常市监罚(2024)35号", "常市监罚【2024】35号", "常市监罚〔2024〕35号"]:
        made.append(stored_before(penalty(legal_person, "SCJG", doc).record))
    run_migration(capsys)
    first = CreditRecord.objects.get(pk=made[0].pk)
    assert first.status == "active" and first.natural_key == natural_key(**_parts(first))
    assert [r.status for r in CreditRecord.objects.filter(pk__in=[m.pk for m in made[1:]])] == [
        "revoked",
        "revoked",
    ]
    assert first.version == 3 and first.document_no == "常市监罚〔2024〕35号"


def test_a_pair_with_a_decided_status_is_refused_and_reported(legal_person, capsys):
    first = stored_before(penalty(legal_person, "SCJG", "常市监罚(2024)36号").record)
    second = penalty(legal_person, "SCJG", "常市监罚〔2024〕36号").record
    change_status(actor=None, record=second, status="suspended", reason="异议受理")

    out = run_migration(capsys)

    first.refresh_from_db()
    second.refresh_from_db()
    assert second.status == "suspended" and second.natural_key == natural_key(**_parts(second))
    assert first.natural_key == legacy_natural_key(**_parts(first))  # the key is held
    assert "拒绝合并" in out and "暂停公示（异议中）" in out
    refusal = AuditEntry.objects.get(event_type="record.merge_refused")
    assert refusal.object_id == str(second.pk) and refusal.after["code"] == "merge_status"
    assert refusal.after["survivor"] == first.pk


def test_a_pair_whose_references_conflict_is_refused_and_left_as_it_was(legal_person, capsys):
    from credit.objections.models import RepairApplication

    first = stored_before(penalty(legal_person, "SCJG", "常市监罚(2024)37号").record)
    second = penalty(legal_person, "SCJG", "常市监罚〔2024〕37号").record
    for n, record in enumerate([first, second]):
        RepairApplication.objects.create(
            number=f"XF-TEST-{n}",
            record=record,
            record_version=1,
            statement="已纠正",
            status="submitted",
            due=datetime.date(2030, 1, 1),
            submitter_name="常州市测试",
            submitter_kind="legal",
            id_cipher=b"",
            id_index=f"i{n}",
            id_masked="x",
            phone_cipher=b"",
            phone_index="p",
            phone_masked="x",
        )

    out = run_migration(capsys)

    second.refresh_from_db()
    assert second.status == "active" and second.version == 1
    assert RepairApplication.objects.filter(record=second).count() == 1
    assert not CreditRecordVersion.objects.filter(record__in=[first, second]).exists()
    refusal = AuditEntry.objects.get(event_type="record.merge_refused")
    assert refusal.after["code"] == "merge_reference_conflict"
    assert "信用修复申请" in refusal.after["message"] and "拒绝合并" in out


def test_a_key_that_cannot_be_reproduced_is_left_and_reported(legal_person, capsys):
    record = penalty(legal_person, "SCJG", "常市监罚(2024)38号").record
    CreditRecord.objects.filter(pk=record.pk).update(natural_key="0" * 64)

    out = run_migration(capsys)

    assert CreditRecord.objects.get(pk=record.pk).natural_key == "0" * 64
    assert f"未重算：记录{record.pk}" in out


def test_list_entries_merged_tell_subscribers(capsys, uscc_factory):
    """A black-list item keyed by its document number (统计上严重失信企业)."""
    from credit.catalog.models import CatalogItem
    from credit.core.models import Department
    from credit.subjects.services import register_legal_person

    item = CatalogItem.objects.get(code="statistics-dishonest")
    if item.category not in ("red_list", "black_list", "attention_list"):
        pytest.skip("statistics-dishonest is not a list item")
    subject, _ = register_legal_person(actor=None, uscc=uscc_factory(), name="常州市统计测试公司")
    records = []
    for doc in ["常统罚(2024)1号", "常统罚〔2024〕1号"]:
        records.append(
            CreditRecord.objects.create(
                item=item,
                legal_person=subject,
                department=Department.objects.get(code="SCJG"),
                region_id="320400",
                natural_key="k" + doc,
                document_no=doc,
                payload={"document_no": doc},
                usage_scope="public",
            )
        )
    for record in records:
        CreditRecord.objects.filter(pk=record.pk).update(
            natural_key=legacy_natural_key(**_parts(record))
        )
    before = ListChange.objects.count()

    report = rekey_records(apps)

    assert len(report.merged) == 1
    kinds = dict(ListChange.objects.order_by("id")[before:].values_list("record_id", "kind"))
    assert kinds == {records[1].pk: "removed", records[0].pk: "updated"}


def test_running_again_changes_nothing(legal_person, capsys):
    stored_before(penalty(legal_person, "SCJG", "常市监罚(2024)39号").record)
    stored_before(penalty(legal_person, "SCJG", "常市监罚［2024］39号").record)
    run_migration(capsys)
    columns = ("pk", "natural_key", "version", "status")
    state = list(CreditRecord.objects.order_by("pk").values_list(*columns))
    versions, audits = CreditRecordVersion.objects.count(), AuditEntry.objects.count()

    assert run_migration(capsys) == ""

    assert list(CreditRecord.objects.order_by("pk").values_list(*columns)) == state
    assert (CreditRecordVersion.objects.count(), AuditEntry.objects.count()) == (versions, audits)


def test_the_command_reports_and_a_dry_run_changes_nothing(legal_person, capsys):
    record = stored_before(penalty(legal_person, "SCJG", "常市监罚(2024)40号").record)
    call_command("rekey_records", "--dry-run")
    out = capsys.readouterr().out
    assert "重算自然键1条" in out and "试运行" in out
    assert CreditRecord.objects.get(pk=record.pk).natural_key == record.natural_key

    call_command("rekey_records")
    assert "重算自然键1条" in capsys.readouterr().out
    assert CreditRecord.objects.get(pk=record.pk).natural_key != record.natural_key
