"""Synthetic Changzhou: valid, realistic, deterministic, idempotent, and loaded the way the
services would store it."""

import datetime
from collections import Counter

import pytest

from credit.catalog.models import CatalogItem
from credit.catalog.rules import spec_for, validate_payload
from credit.core import crypto
from credit.core.identifiers import is_valid_uscc, parse_resident_id, parse_uscc
from credit.core.models import Department
from credit.demo import loader
from credit.demo.synthetic.common import SCALES
from credit.demo.synthetic.records import RECORD_MIX, credit_records
from credit.demo.synthetic.subjects import legal_persons, natural_persons
from credit.ingest.models import Batch
from credit.records.models import CreditRecord
from credit.records.rules import key_values, natural_key
from credit.records.services import subject_key
from credit.subjects.models import LegalPerson, LegalPersonIdentifier, NaturalPerson
from credit.subjects.services import ID_PURPOSE


def test_generation_is_deterministic_for_a_seed():
    a = [r.uscc for r in legal_persons(7, 300)]
    b = [r.uscc for r in legal_persons(7, 300)]
    c = [r.uscc for r in legal_persons(8, 300)]
    assert a == b and a != c
    assert len(set(a)) == 300


def test_legal_persons_have_valid_changzhou_usccs_and_realistic_mix():
    rows = list(legal_persons(1, 2000))
    assert all(is_valid_uscc(r.uscc) for r in rows)
    assert {parse_uscc(r.uscc).division_code[:4] for r in rows} == {"3204"}
    types = Counter(r.org_type for r in rows)
    assert types["91"] > 1000 and types["92"] > 200 and types["N2"] > 0  # rural collectives
    assert len({r.industry for r in rows}) >= 10  # GB/T 4754 sections
    assert any(r.uscc[8:10] == "MA" for r in rows)  # post-2015 codes
    assert any(r.reg_no for r in rows)  # legacy registration numbers


def test_natural_persons_carry_old_division_codes_and_births_1940_to_2010():
    rows = list(natural_persons(1, 3000))
    divisions = Counter(r.division_code for r in rows)
    assert divisions["320482"] > 0 and divisions["320421"] > 0  # 金坛市, 武进县
    births = [r.birth_date.year for r in rows]
    assert min(births) == 1940 and max(births) == 2010
    for r in rows[:500]:
        parsed = parse_resident_id(r.id_number)
        assert parsed.birth_date == r.birth_date and parsed.division_code.startswith("32")


@pytest.mark.django_db
def test_every_generated_payload_satisfies_its_catalog_item():
    lps = list(legal_persons(3, 200))
    nps = list(natural_persons(3, 100))
    specs = {i.code: spec_for(i) for i in CatalogItem.objects.all()}
    departments = {d.code: (d.name, d.uscc) for d in Department.objects.all()}
    kinds = Counter()
    for row in credit_records(3, 1500, lps, nps, departments):
        errors = validate_payload(specs[row.item], row.payload)
        assert errors == [], (row.item, errors)
        kinds[row.item] += 1
    assert set(kinds) == {item for item, _ in RECORD_MIX}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The small data set, loaded once for this module (committed, then removed)."""
    with django_db_blocker.unblock():
        # Without the demo objections: they would be committed beside concurrent tests that
        # count objections (test_demo_workflows makes them in a test transaction instead).
        # Nor the demo API clients: tests of the gateway count clients.
        quiet = {"report": lambda line: None, "workflows": False, "clients": False}
        first = loader.seed(scale="small", seed=11, **quiet)
        second = loader.seed(scale="small", seed=11, **quiet)
        yield first, second
        Batch.objects.all().delete()
        CreditRecord.objects.all().delete()
        LegalPersonIdentifier.objects.all().delete()
        LegalPerson.objects.all().delete()
        NaturalPerson.objects.all().delete()


@pytest.mark.django_db
def test_small_seed_loads_the_promised_volumes_once(seeded):
    first, second = seeded
    size = SCALES["small"]
    assert first["legal_persons"] == size.legal_persons
    assert first["natural_persons"] == size.natural_persons
    assert first["records"] > size.records * 0.95  # same-key duplicates collapse
    assert second["legal_persons"] == second["natural_persons"] == second["records"] == 0
    assert LegalPerson.objects.count() == size.legal_persons
    from_batches = sum(Batch.objects.values_list("inserted", flat=True))
    assert CreditRecord.objects.count() == first["records"] + from_batches


@pytest.mark.django_db
def test_seeded_subjects_have_the_crosswalk_and_encrypted_ids(seeded):
    lp = LegalPerson.objects.filter(uscc__isnull=False).first()
    schemes = set(lp.identifiers.values_list("scheme", flat=True))
    assert {"uscc", "org_code", "tax_no"} <= schemes
    assert lp.region_id is not None
    person = NaturalPerson.objects.first()
    number = crypto.decrypt(person.id_cipher, purpose=ID_PURPOSE)
    assert parse_resident_id(number).number == number
    assert person.id_masked == number[:3] + "*" * 11 + number[-4:]
    assert NaturalPerson.objects.filter(division_code="320482", region_id="320413").exists()


@pytest.mark.django_db
def test_seeded_records_have_the_natural_key_the_service_computes(seeded):
    for record in CreditRecord.objects.select_related(
        "item", "department", "legal_person", "natural_person"
    ).order_by("id")[:300]:
        expected = natural_key(
            department_code=record.department.code,
            item_code=record.item.code,
            key_values=key_values(record.item.natural_key, record.payload),
            subject_key=subject_key(record.subject),
        )
        assert record.natural_key == expected


@pytest.mark.django_db
def test_seeded_records_never_store_a_clear_id_number(seeded):
    for record in CreditRecord.objects.filter(natural_person__isnull=False)[:200]:
        number = record.payload.get("id_number", "")
        assert "*" in number, record.payload


@pytest.mark.django_db
def test_seeded_records_span_departments_districts_and_years(seeded):
    records = CreditRecord.objects.all()
    assert records.values("department").distinct().count() >= 10
    assert records.values("region").distinct().count() >= 3
    years = {d.year for d in records.values_list("decision_date", flat=True) if d}
    assert min(years) <= 2017 and max(years) >= 2026
    assert records.filter(status="expired").exists() and records.filter(status="active").exists()
    assert records.filter(item__category__in=["red_list", "black_list"]).count() > 100
    assert records.filter(decision_date__gt=datetime.date.today()).count() == 0


def test_organisation_codes_are_unique_across_prefixes():
    rows = list(legal_persons(2, 30_000))  # ~4.5 collisions expected if unchecked
    org_codes = [r.org_code for r in rows]
    assert len(set(org_codes)) == len(org_codes)


@pytest.mark.django_db
def test_demo_batches_are_ingested_once_with_their_mistakes_reported(seeded):
    first, second = seeded
    assert (first["demo_batches"], second["demo_batches"]) == (4, 0)
    batches = Batch.objects.filter(file_name__startswith="演示-")
    assert batches.count() == 4
    assert all(b.status == "done" and b.metrics["volume"] == b.total for b in batches)
    assert sum(b.rejected for b in batches) > 0
    assert any(b.metrics["timeliness"] is not None for b in batches)


@pytest.mark.django_db
def test_the_demo_clerks_workbook_shows_what_the_cleaning_does(seeded):
    """A workbook as clerks send it: title rows, header variants, units, old wording, other
    brackets and placeholders, then 合计 and 填表说明 — all of it accepted and recorded."""
    from credit.demo.batches import WORKBOOK

    batch = Batch.objects.get(file_name=WORKBOOK)
    assert (batch.status, batch.total, batch.rejected) == ("done", 12, 0)
    [layout] = batch.metrics["layout"]
    assert layout["header_row"] == 3 and layout["notes_total"] == 3
    codes = {c["code"] for row in batch.rows.all() for c in row.corrections}
    assert {"unit_removed", "unit_converted", "synonym_mapped", "document_no_brackets"} <= codes
    assert "placeholder_emptied" in codes


@pytest.mark.django_db
def test_the_demo_registers_api_clients_once_with_a_report_for_grant():
    """The demo shows a district platform granted to report for a district bureau (and sees a
    third party that may use public data only)."""
    from credit.demo.accounts import ensure_demo_clients
    from credit.gateway.models import ApiClient

    assert ensure_demo_clients() == 3
    assert ensure_demo_clients() == 0
    assert ApiClient.objects.filter(contact="演示数据").count() == 3
    platform = ApiClient.objects.get(name="天宁区公共信用信息平台")
    assert [d.code for d in platform.report_for.all()] == ["TNQ-SCJG"]
    tnq = Department.objects.get(code="TNQ-SCJG")
    assert platform.as_principal().manages(department_id=tnq.pk, region_id=tnq.region_id)
    bank = ApiClient.objects.get(name="某商业银行信贷审批系统").as_principal()
    assert bank.usage_scopes == {"public"} and bank.departments == frozenset()
