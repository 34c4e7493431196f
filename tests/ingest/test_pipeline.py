"""The ingest pipeline end to end through `credit ingest`: receipt, feedback, idempotence,
bad files, duplicates, privacy of raw rows."""

from __future__ import annotations

import csv
import datetime
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from credit.accounts.roles import Role
from credit.core import crypto
from credit.core.errors import PermissionDenied
from credit.core.identifiers import make_resident_id, make_uscc
from credit.core.models import Department
from credit.ingest.errors import FileRejected
from credit.ingest.models import Batch, BatchRow
from credit.ingest.pipeline import RAW_PURPOSE, ingest_file, ingest_payloads
from credit.records.models import CreditRecord, CreditRecordVersion

pytestmark = pytest.mark.django_db

HEADERS = [
    "行政相对人名称",
    "行政相对人类别",
    "行政相对人代码_1(统一社会信用代码)",
    "法定代表人",
    "证件类型",
    "证件号码",
    "行政处罚决定书文号",
    "违法行为类型",
    "违法事实",
    "处罚依据",
    "处罚类别",
    "处罚内容",
    "罚款金额(万元)",
    "处罚决定日期",
    "处罚有效期",
    "公示截止期",
    "处罚机关",
    "处罚机关统一社会信用代码",
    "数据来源单位",
    "数据来源单位统一社会信用代码",
    "信息使用范围",
    "失信严重程度",
]


def _row(n: int, *, natural: bool = False, **changes: str) -> list[str]:
    dept = Department.objects.get(code="SCJG")
    values = {
        "行政相对人名称": "张三" if natural else f"常州市测试{n}有限公司",
        "行政相对人类别": "自然人" if natural else "法人及非法人组织",
        "行政相对人代码_1(统一社会信用代码)": ""
        if natural
        else make_uscc("91", "320402", f"{n:08d}"),
        "法定代表人": "" if natural else "李四",
        "证件类型": "身份证" if natural else "",
        "证件号码": make_resident_id("320482", datetime.date(1970, 1, 1), n) if natural else "",
        "行政处罚决定书文号": f"常市监罚〔2025〕{n}号",
        "违法行为类型": "虚假宣传",
        "违法事实": "经查存在虚假宣传。",
        "处罚依据": "《反不正当竞争法》第二十条",
        "处罚类别": "警告、罚款",
        "处罚内容": "罚款5000元",
        "罚款金额(万元)": " 0.5 ",
        "处罚决定日期": "2025/3/5",
        "处罚有效期": "2025-09-05",
        "公示截止期": "2026年3月5日",
        "处罚机关": dept.name,
        "处罚机关统一社会信用代码": dept.uscc,
        "数据来源单位": dept.name,
        "数据来源单位统一社会信用代码": dept.uscc,
        "信息使用范围": "社会公开",
        "失信严重程度": "较重",
    }
    values.update(changes)
    return [values[h] for h in HEADERS]


def _csv(path: Path, rows: list[list[str]], *, encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        writer.writerows(rows)
    return path


def _run(path: Path, capsys, *args: str) -> dict:
    call_command("ingest", str(path), "--item", "admin-penalty", "--department", "SCJG", *args)
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_cli_prints_the_receipt_and_writes_the_feedback_with_row_numbers(tmp_path, capsys):
    path = _csv(
        tmp_path / "p.csv",
        [
            _row(1),
            _row(2, **{"处罚决定日期": "2025-02-30"}),
            _row(3, natural=True),
        ],
    )
    feedback = tmp_path / "fb.json"
    receipt = _run(path, capsys, "--feedback", str(feedback))
    assert receipt == {
        "batch": receipt["batch"],
        "total": 3,
        "inserted": 2,
        "updated": 0,
        "unchanged": 0,
        "corrected": 2,
        "rejected": 1,
    }
    rows = json.loads(feedback.read_text(encoding="utf-8"))
    assert [(r["row"], r["status"]) for r in rows] == [
        (2, "corrected"),
        (3, "rejected"),
        (4, "corrected"),
    ]
    (error,) = rows[1]["errors"]
    assert error["field"] == "decision_date" and error["code"] == "date_invalid"
    assert error["class"] == "single_source.record" and "处罚决定日期" in error["message"]


def test_ingesting_the_same_file_twice_inserts_nothing_the_second_time(tmp_path, capsys):
    path = _csv(tmp_path / "p.csv", [_row(1), _row(2)])
    first = _run(path, capsys)
    records = CreditRecord.objects.count()
    second = _run(path, capsys)
    assert first["inserted"] == 2
    assert (second["inserted"], second["unchanged"]) == (0, 2)
    assert CreditRecord.objects.count() == records


def test_a_changed_row_updates_its_record_and_keeps_the_previous_version(tmp_path, capsys):
    _run(_csv(tmp_path / "a.csv", [_row(1)]), capsys)
    receipt = _run(_csv(tmp_path / "b.csv", [_row(1, **{"处罚内容": "罚款6000元"})]), capsys)
    assert receipt["updated"] == 1
    record = CreditRecord.objects.get(document_no="常市监罚〔2025〕1号")
    assert record.version == 2 and record.payload["penalty_content"] == "罚款6000元"
    assert CreditRecordVersion.objects.get(record=record).payload["penalty_content"] == "罚款5000元"


def test_normalised_values_are_stored_and_synonyms_mapped(tmp_path, capsys):
    _run(_csv(tmp_path / "p.csv", [_row(1), _row(2, natural=True)]), capsys)
    legal = CreditRecord.objects.get(document_no="常市监罚〔2025〕1号").payload
    assert legal["decision_date"] == "2025-03-05" and legal["publicity_end"] == "2026-03-05"
    assert legal["penalty_category"] == "警告;罚款" and legal["severity"] == "一般"
    assert legal["fine_amount"] == "0.5"
    natural = CreditRecord.objects.get(document_no="常市监罚〔2025〕2号")
    assert natural.payload["id_type"] == "居民身份证" and "*" in natural.payload["id_number"]
    assert natural.natural_person.region_id == "320413"  # 320482 金坛市 → 金坛区


def test_a_gbk_file_is_read(tmp_path, capsys):
    receipt = _run(_csv(tmp_path / "gbk.csv", [_row(1)], encoding="gb18030"), capsys)
    assert receipt["inserted"] == 1


def test_a_duplicate_inside_the_batch_is_rejected_with_the_first_rows_number(tmp_path, capsys):
    path = _csv(tmp_path / "p.csv", [_row(1), _row(1)])
    feedback = tmp_path / "fb.json"
    receipt = _run(path, capsys, "--feedback", str(feedback))
    assert (receipt["inserted"], receipt["rejected"]) == (1, 1)
    (error,) = json.loads(feedback.read_text())[1]["errors"]
    assert error["code"] == "duplicate_in_batch" and "第2行" in error["message"]


def test_a_file_of_another_item_is_refused_and_changes_nothing(tmp_path):
    path = _csv(tmp_path / "p.csv", [_row(1)])
    records = CreditRecord.objects.count()
    with pytest.raises(SystemExit) as exit_info:
        call_command("ingest", str(path), "--item", "admin-license", "--department", "SCJG")
    assert exit_info.value.code == 2
    assert CreditRecord.objects.count() == records
    batch = Batch.objects.latest("id")
    assert batch.status == "failed" and batch.error_code == "wrong_item"
    assert not batch.rows.exists()


def test_an_unreadable_file_exits_2_with_a_one_line_reason(tmp_path, capsys):
    path = tmp_path / "junk.csv"
    path.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(SystemExit) as exit_info:
        call_command("ingest", str(path), "--item", "admin-penalty", "--department", "SCJG")
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and ":" in err


def test_raw_rows_are_kept_encrypted_with_the_batch(tmp_path, capsys):
    _run(_csv(tmp_path / "p.csv", [_row(5, natural=True)]), capsys)
    stored = BatchRow.objects.latest("id")
    number = make_resident_id("320482", datetime.date(1970, 1, 1), 5)
    assert number.encode() not in bytes(stored.raw_cipher)
    raw = json.loads(crypto.decrypt(stored.raw_cipher, purpose=RAW_PURPOSE))
    assert raw["证件号码"] == number and raw["罚款金额(万元)"] == " 0.5 "  # as sent
    assert number not in json.dumps(stored.corrections, ensure_ascii=False)


def test_pushed_rows_take_field_codes_or_names_and_the_same_path(make_user):
    officer = make_user(Role.DEPT_OFFICER, department="SCJG")
    row = dict(zip(HEADERS, _row(7), strict=True))
    batch = ingest_payloads(
        actor=officer, rows=[row], item_code="admin-penalty", department_code="SCJG"
    )
    assert batch.summary()["inserted"] == 1 and batch.channel == "api"
    assert batch.created_by == officer


def test_an_officer_cannot_report_for_another_department(make_user, tmp_path):
    officer = make_user(Role.DEPT_OFFICER, department="SCJG")
    with pytest.raises(PermissionDenied):
        ingest_payloads(actor=officer, rows=[], item_code="admin-penalty", department_code="SW")
    auditor = make_user(Role.AUDITOR)
    with pytest.raises(PermissionDenied):
        ingest_file(
            actor=auditor,
            path=_csv(tmp_path / "p.csv", [_row(1)]),
            item_code="admin-penalty",
            department_code="SCJG",
        )


def test_unknown_columns_are_reported_on_the_batch(tmp_path, capsys):
    path = tmp_path / "p.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([*HEADERS, "经办人"])
        writer.writerow([*_row(1), "王五"])
    _run(path, capsys)
    assert Batch.objects.latest("id").unknown_columns == [
        {"source": "p.csv", "column": len(HEADERS) + 1, "header": "经办人"}
    ]


def test_a_file_rejected_does_not_raise_for_rows(tmp_path):
    with pytest.raises(FileRejected):
        ingest_file(
            actor=None,
            path=_csv(tmp_path / "p.csv", [_row(1)]),
            item_code="admin-license",
            department_code="SCJG",
        )


def test_a_different_name_for_a_known_usccs_is_flagged_not_overwritten(tmp_path, capsys):
    _run(_csv(tmp_path / "a.csv", [_row(51)]), capsys)
    feedback = tmp_path / "fb.json"
    receipt = _run(
        _csv(
            tmp_path / "b.csv",
            [
                _row(
                    51,
                    **{
                        "行政相对人名称": "常州市改名有限公司",
                        "行政处罚决定书文号": "常市监罚〔2025〕51-2号",
                    },
                )
            ],
        ),
        capsys,
        "--feedback",
        str(feedback),
    )
    assert receipt["inserted"] == 1 and receipt["rejected"] == 0
    (row,) = json.loads(feedback.read_text())
    (warning,) = row["warnings"]
    assert warning["code"] == "name_conflict" and warning["class"] == "multi_source.record"
    record = CreditRecord.objects.get(document_no="常市监罚〔2025〕51-2号")
    assert record.legal_person.name == "常州市测试51有限公司"


def test_a_run_killed_mid_file_is_completed_by_running_the_file_again(
    tmp_path, capsys, monkeypatch
):
    from credit.ingest import pipeline

    rows = [_row(100 + n) for n in range(pipeline.CHUNK + 20)]
    path = _csv(tmp_path / "big.csv", rows)
    real = pipeline.load_rows
    calls = {"n": 0}

    def dying(**kwargs):
        calls["n"] += 1
        result = real(**kwargs)  # the second chunk is written …
        if calls["n"] == 2:
            raise KeyboardInterrupt  # … and the process is killed before it commits
        return result

    monkeypatch.setattr(pipeline, "load_rows", dying)
    before = CreditRecord.objects.count()
    with pytest.raises(KeyboardInterrupt):
        ingest_file(actor=None, path=path, item_code="admin-penalty", department_code="SCJG")
    # the first chunk was committed, the second rolled back whole
    assert CreditRecord.objects.count() - before == pipeline.CHUNK
    monkeypatch.setattr(pipeline, "load_rows", real)
    receipt = _run(path, capsys)
    assert (receipt["inserted"], receipt["unchanged"]) == (20, pipeline.CHUNK)
    docs = CreditRecord.objects.filter(department__code="SCJG").values_list(
        "document_no", flat=True
    )
    assert len(docs) == len(set(docs))


def test_sole_traders_without_a_uscc_take_the_row_by_row_path(tmp_path, capsys):
    row = _row(
        61,
        **{
            "行政相对人类别": "个体工商户",
            "行政相对人代码_1(统一社会信用代码)": "00000000000000000X",
        },
    )
    path = tmp_path / "p.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([*HEADERS, "行政相对人代码_2(工商注册号)"])
        writer.writerow([*row, "320402600012345"])
    receipt = _run(path, capsys)
    assert receipt["inserted"] == 1
    record = CreditRecord.objects.get(document_no="常市监罚〔2025〕61号")
    assert record.legal_person.uscc is None and record.legal_person.kind == "sole_trader"


def test_a_code_owned_by_another_subject_is_rejected_as_a_multi_source_conflict(tmp_path, capsys):
    from credit.subjects.services import register_legal_person

    owner, _ = register_legal_person(
        actor=None, uscc=make_uscc("91", "320402", "00000071"), name="原主体"
    )
    path = tmp_path / "p.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([*HEADERS, "行政相对人代码_3(组织机构代码)"])
        writer.writerow([*_row(72), owner.uscc[8:17]])
    feedback = tmp_path / "fb.json"
    receipt = _run(path, capsys, "--feedback", str(feedback))
    assert receipt["rejected"] == 1
    (error,) = json.loads(feedback.read_text())[0]["errors"]
    assert error["code"] == "identifier_conflict" and error["class"] == "multi_source.record"


def test_bulk_loading_writes_the_audit_log_like_the_services(tmp_path, capsys):
    from credit.core.models import AuditEntry
    from credit.records.models import CreditRecord

    receipt = _run(_csv(tmp_path / "p.csv", [_row(81), _row(82, natural=True)]), capsys)
    (loaded,) = AuditEntry.objects.filter(event_type="records.loaded", object_id=receipt["batch"])
    assert loaded.object_type == "ingest.batch"
    assert sorted(loaded.after["inserted"]) == sorted(
        CreditRecord.objects.filter(
            document_no__in=["常市监罚〔2025〕81号", "常市监罚〔2025〕82号"]
        ).values_list("pk", flat=True)
    )
    assert AuditEntry.objects.filter(event_type="naturalperson.created").exists()


def test_a_queued_file_shows_the_departments_file_name_and_its_processing_start(tmp_path):
    from credit.ingest.pipeline import open_file_batch, process_file_batch

    stored = _csv(tmp_path / "3f0c9a2e-stored.csv", [_row(91), _row(92, **{"处罚决定日期": "x"})])
    batch = open_file_batch(
        actor=None,
        path=stored,
        item_code="admin-penalty",
        department_code="SCJG",
        file_name="市监局处罚2025.csv",
        queued=True,
    )
    assert batch.status == Batch.Status.QUEUED and batch.started_at is None
    process_file_batch(batch, stored, actor=None)
    batch.refresh_from_db()
    assert batch.status == Batch.Status.DONE
    assert batch.created_at <= batch.started_at <= batch.finished_at
    assert set(batch.rows.values_list("source", flat=True)) == {"市监局处罚2025.csv"}


def test_duplicates_are_found_across_chunks_and_on_the_row_by_row_path(
    tmp_path, capsys, monkeypatch
):
    """Duplicates are found by natural key in the loader, so a file larger than a chunk is
    checked without keeping every row's key in memory."""
    from credit.ingest import pipeline

    monkeypatch.setattr(pipeline, "CHUNK", 2)
    sole = {
        "行政相对人类别": "个体工商户",
        "行政相对人代码_1(统一社会信用代码)": "00000000000000000X",
    }
    rows = [
        [*_row(71), ""],
        [*_row(72, natural=True), ""],
        [*_row(73, **sole), "320402600012373"],
        [*_row(74), ""],
        [*_row(71), ""],  # row 6: same as row 2, two chunks later
        [*_row(72, natural=True), ""],  # row 7: same person and decision as row 3
        [*_row(73, **sole), "320402600012373"],  # row 8: sole trader, row-by-row path
    ]
    path = tmp_path / "p.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([*HEADERS, "行政相对人代码_2(工商注册号)"])
        writer.writerows(rows)
    feedback = tmp_path / "fb.json"
    receipt = _run(path, capsys, "--feedback", str(feedback))
    assert (receipt["inserted"], receipt["rejected"]) == (4, 3)
    found = {
        r["row"]: r["errors"][0]["message"] for r in json.loads(feedback.read_text()) if r["errors"]
    }
    assert found == {6: "与本批次第2行重复", 7: "与本批次第3行重复", 8: "与本批次第4行重复"}
    # Sending the file again is not a duplicate: the rows are unchanged.
    again = _run(path, capsys)
    assert (again["unchanged"], again["rejected"]) == (4, 3)


def test_a_publicity_end_outside_the_rule_is_stored_within_it_with_a_warning(tmp_path, capsys):
    """Under the rule in force at the decision date (2025: Order 58, 一般 3–12 months), an end
    reported a month after the decision is brought to the 3-month minimum, and the row says so."""
    feedback = tmp_path / "fb.json"
    row = _row(61, **{"公示截止期": "2025-04-05", "失信严重程度": "一般"})
    receipt = _run(_csv(tmp_path / "p.csv", [row]), capsys, "--feedback", str(feedback))
    assert receipt["inserted"] == 1
    (entry,) = json.loads(feedback.read_text())
    (warning,) = entry["warnings"]
    assert warning["code"] == "publicity_end_adjusted" and warning["field"] == "publicity_end"
    assert "2025-04-05" in warning["message"] and "2025-06-05" in warning["message"]
    record = CreditRecord.objects.get(document_no="常市监罚〔2025〕61号")
    assert record.publicity_end == datetime.date(2025, 6, 5)
    assert record.payload["publicity_end"] == "2025-04-05"  # what was reported is kept
    assert record.publicity_policy.code == "ndrc-order-58"
