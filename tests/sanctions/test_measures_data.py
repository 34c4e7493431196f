"""The shipped measures catalogue (联合奖惩措施清单) and ``credit sanctions-measures``: it loads
cleanly, covers every scenario and every list of the catalog, loads idempotently without
audit noise, refuses a broken file whole, and ``credit seed-demo`` loads it."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from credit.catalog.models import CatalogItem
from credit.core.models import AuditEntry
from credit.sanctions.constants import LIST_CATEGORIES, Scenario
from credit.sanctions.management.commands.sanctions_measures import DEFAULT_FILE
from credit.sanctions.models import Measure

pytestmark = pytest.mark.django_db

SHIPPED = json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))


def _load(*args: str) -> dict:
    out = io.StringIO()
    call_command("sanctions_measures", "load", *args, stdout=out)
    return json.loads(out.getvalue())


def _write(tmp_path, measures: list[dict]) -> str:
    path = tmp_path / "measures.json"
    path.write_text(json.dumps({"format": 1, "measures": measures}, ensure_ascii=False))
    return str(path)


def _measure(code: str, **fields) -> dict:
    return {
        "code": code,
        "list_kind": "black_list",
        "items": [],
        "scenarios": ["gov_procurement"],
        "text": "依法限制参加政府采购活动",
        "legal_basis": "《中华人民共和国政府采购法》第二十二条",
        **fields,
    }


def test_the_shipped_catalogue_loads_cleanly():
    counts = _load()
    assert counts == {"created": len(SHIPPED["measures"]), "updated": 0, "unchanged": 0}
    assert 25 <= Measure.objects.count() <= 40
    sx = Measure.objects.get(code="B-SX-01")
    assert sx.kind == "punishment" and sx.is_active
    assert list(sx.items.values_list("code", flat=True)) == ["dishonest-judgment-debtor"]
    assert "发改财金〔2016〕141号" in sx.memorandum
    assert Measure.objects.get(code="R-NS-01").kind == "reward"
    assert Measure.objects.get(code="B-SX-05").implementing_department.code == "FY"


def test_the_catalogue_covers_every_scenario_and_every_list_item():
    _load()
    scenarios = {s for m in Measure.objects.all() for s in m.scenarios}
    assert scenarios == set(Scenario.values)
    for item in CatalogItem.objects.filter(category__in=LIST_CATEGORIES):
        named = Measure.objects.filter(items=item, list_kind=item.category)
        assert named.exists(), f"no measure names {item.code} ({item.name})"


def test_every_measure_says_where_it_comes_from():
    for m in SHIPPED["measures"]:
        assert (
            m["text"]
            and m["legal_basis"]
            and (m["implementing_text"] or m["implementing_department"])
        )
        prefix = {"red_list": "R-", "black_list": "B-", "attention_list": "A-"}[m["list_kind"]]
        assert m["code"].startswith(prefix), m["code"]
        if m["items"]:
            assert m["memorandum"], m["code"]  # a list's own measures name their memorandum
    codes = [m["code"] for m in SHIPPED["measures"]]
    assert len(codes) == len(set(codes))


def test_a_second_load_changes_nothing_and_writes_no_audit_entry():
    _load()
    before = AuditEntry.objects.count()
    assert _load() == {"created": 0, "updated": 0, "unchanged": len(SHIPPED["measures"])}
    assert AuditEntry.objects.count() == before


def test_a_changed_measure_is_updated_and_audited(tmp_path):
    _load()
    changed = json.loads(json.dumps(SHIPPED))
    changed["measures"][0]["text"] += "（修订）"
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(changed, ensure_ascii=False))
    before = AuditEntry.objects.filter(event_type="measure.updated").count()
    assert _load("--file", str(path))["updated"] == 1
    assert AuditEntry.objects.filter(event_type="measure.updated").count() == before + 1


def test_a_broken_file_is_refused_with_code_and_field_and_loads_nothing(tmp_path):
    path = _write(
        tmp_path,
        [
            _measure("B-OK-01"),  # valid, but the file is refused as a whole
            _measure("B-BAD-01", scenarios=["lottery"]),
            _measure("B-BAD-02", items=["a-grade-taxpayer"]),  # a red list under black_list
            _measure("B-BAD-03", items=["admin-penalty"], colour="red"),  # not a list item
            _measure("B-OK-01"),
        ],
    )
    audited = AuditEntry.objects.filter(event_type__startswith="measure.").count()
    with pytest.raises(CommandError) as refused:
        _load("--file", path)
    message = str(refused.value)
    assert "B-BAD-01 scenarios" in message and "lottery" in message
    assert "B-BAD-02 items" in message and "measure_item_kind" in message
    assert "B-BAD-03 items" in message and "B-BAD-03 colour" in message
    assert "B-OK-01 code" in message and "measure_duplicate" in message
    assert Measure.objects.count() == 0
    # (Audit entries committed by other tests may exist: count, don't test for none.)
    assert AuditEntry.objects.filter(event_type__startswith="measure.").count() == audited


def test_an_unreadable_file_is_refused(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(CommandError, match="json_invalid"):
        _load("--file", str(bad))
    bad.write_text(json.dumps({"measures": []}))
    with pytest.raises(CommandError, match="format"):
        _load("--file", str(bad))


def test_export_then_load_changes_nothing(tmp_path):
    _load()
    out = tmp_path / "export.json"
    call_command("sanctions_measures", "export", "-o", str(out), stderr=io.StringIO())
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert [m["code"] for m in exported["measures"]] == sorted(
        m["code"] for m in SHIPPED["measures"]
    )
    assert _load("--file", str(out))["unchanged"] == len(SHIPPED["measures"])


def test_seed_demo_loads_the_measures(monkeypatch):
    from credit.demo import loader

    monkeypatch.setattr(loader, "seed", lambda **kwargs: {"scale": kwargs["scale"]})
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    counts = json.loads(out.getvalue())
    assert counts["measures"]["created"] == len(SHIPPED["measures"])
    call_command("seed_demo", stdout=out)
    assert Measure.objects.count() == len(SHIPPED["measures"])


def test_demo_accounts_name_a_listed_and_a_clean_company(listed, uscc_factory):
    from credit.demo.accounts import check_examples
    from credit.subjects.services import register_legal_person

    subject, _, _ = listed
    clean, _ = register_legal_person(actor=None, uscc=uscc_factory(), name="常州市清白贸易有限公司")
    lines = check_examples()
    assert subject.uscc in lines[1] and "失信被执行人" in lines[1]
    assert clean.uscc in lines[2] and "无名单记录" in lines[2]
    out = io.StringIO()
    call_command("demo_accounts", stdout=out)
    assert "联合奖惩核查" in out.getvalue()
