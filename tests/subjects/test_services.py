"""Tests of credit.subjects.services: registering legal and natural persons, revealing an ID."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection

from credit.accounts.roles import Role
from credit.core import crypto
from credit.core.errors import PermissionDenied, ValidationFailed
from credit.core.models import AuditEntry
from credit.subjects import services
from credit.subjects.constants import IdentifierScheme, LegalPersonKind
from credit.subjects.models import LegalPerson, LegalPersonIdentifier, NaturalPerson
from credit.subjects.selectors import legal_person_by_identifier, natural_person_by_id
from credit.subjects.services import (
    ID_PURPOSE,
    register_legal_person,
    register_natural_person,
    reveal_id_number,
)
from tests.subjects.factories import fresh_uscc, with_wrong_check

pytestmark = pytest.mark.django_db


def _identifiers(subject: LegalPerson) -> dict[str, tuple[str, bool]]:
    return {i.scheme: (i.value, i.derived) for i in subject.identifiers.all()}


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


# ---------------------------------------------------------------------------
# register_legal_person
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("division", "region_code", "region_name"),
    [("320412", "320412", "武进区"), ("320400", "320400", "常州市")],
)
def test_register_legal_person_derives_org_type_division_and_region_from_uscc(
    division, region_code, region_name
):
    code = fresh_uscc("91", division)

    subject, created = register_legal_person(actor=None, uscc=code, name="常州市某某科技有限公司")

    assert created is True
    subject.refresh_from_db()
    assert subject.uscc == code
    assert subject.org_type == "91"
    assert subject.division_code == division
    assert subject.region_id == region_code
    assert subject.region.name == region_name


def test_register_legal_person_adds_derived_crosswalk_identifiers():
    code = fresh_uscc("91", "320402")

    subject, _ = register_legal_person(actor=None, uscc=code, name="常州市某某贸易有限公司")

    assert _identifiers(subject) == {
        IdentifierScheme.USCC: (code, True),
        IdentifierScheme.ORG_CODE: (code[8:17], True),
        IdentifierScheme.TAX_NO: (code[2:8] + code[8:17], True),
    }


def test_register_legal_person_is_idempotent():
    code = fresh_uscc()
    first, created = register_legal_person(actor=None, uscc=code, name="常州市某某物流有限公司")
    rows = (
        LegalPerson.objects.count(),
        LegalPersonIdentifier.objects.count(),
        AuditEntry.objects.count(),
    )

    again, created_again = register_legal_person(
        actor=None, uscc=code, name="常州市某某物流有限公司"
    )

    assert created is True
    assert created_again is False
    assert again.pk == first.pk
    assert (
        LegalPerson.objects.count(),
        LegalPersonIdentifier.objects.count(),
        AuditEntry.objects.count(),
    ) == rows


def test_register_legal_person_normalises_fullwidth_lowercase_and_spaced_input():
    code = fresh_uscc("91", "320411")
    subject, _ = register_legal_person(actor=None, uscc=code, name="常州市新北某某有限公司")
    spaced = " ".join(code[i : i + 4] for i in range(0, 18, 4))

    for variant in (_fullwidth(code), code.lower(), spaced, f"\u3000{code}\t"):
        found, created = register_legal_person(actor=None, uscc=variant, name="别名")
        assert created is False, variant
        assert found.pk == subject.pk, variant

    assert LegalPerson.objects.filter(uscc=code).count() == 1
    assert LegalPerson.objects.filter(name="别名").count() == 0


def test_register_legal_person_normalises_a_fresh_fullwidth_code_before_storing():
    code = fresh_uscc("91", "320404")

    subject, created = register_legal_person(
        actor=None, uscc=_fullwidth(code.lower()), name="常州市钟楼某某有限公司"
    )

    assert created is True
    subject.refresh_from_db()
    assert subject.uscc == code
    assert subject.region_id == "320404"


@pytest.mark.parametrize(
    ("mangle", "error_code"),
    [
        (with_wrong_check, "uscc_checksum"),
        (lambda code: code[:17], "uscc_length"),
    ],
)
def test_register_legal_person_rejects_invalid_uscc_with_identifier_error_code(mangle, error_code):
    bad = mangle(fresh_uscc())
    before = LegalPerson.objects.count()

    with pytest.raises(ValidationFailed) as exc:
        register_legal_person(actor=None, uscc=bad, name="常州市错误代码有限公司")

    assert exc.value.code == error_code
    assert exc.value.details == {"uscc": bad}
    assert LegalPerson.objects.count() == before


def test_register_legal_person_accepts_rural_collective_n2_code():
    code = fresh_uscc("N2", "320412")

    subject, created = register_legal_person(
        actor=None, uscc=code, name="常州市武进区某某村股份经济合作社"
    )

    assert created is True
    assert subject.uscc == code
    assert subject.org_type == "N2"
    assert subject.region_id == "320412"


def test_register_legal_person_without_any_identifier_raises_identifier_missing():
    with pytest.raises(ValidationFailed) as exc:
        register_legal_person(actor=None, uscc=None, name="无代码主体")

    assert exc.value.code == "identifier_missing"


def test_sole_trader_registered_by_reg_no_is_found_again_by_it():
    reg_no = "320402600012345"

    trader, created = register_legal_person(
        actor=None,
        uscc=None,
        name="常州市天宁区某某小吃店",
        kind=LegalPersonKind.SOLE_TRADER,
        legacy={"reg_no": reg_no},
    )
    again, created_again = register_legal_person(
        actor=None,
        uscc=None,
        name="常州市天宁区某某小吃店",
        kind=LegalPersonKind.SOLE_TRADER,
        legacy={"reg_no": f" {reg_no} "},
    )

    assert created is True
    assert created_again is False
    assert again.pk == trader.pk
    assert trader.uscc is None
    assert _identifiers(trader) == {IdentifierScheme.REG_NO: (reg_no, False)}
    assert legal_person_by_identifier(reg_no).pk == trader.pk


def test_sole_trader_later_registered_with_uscc_keeps_the_same_file():
    reg_no = "320412600054321"
    trader, _ = register_legal_person(
        actor=None,
        uscc=None,
        name="常州市武进区某某五金店",
        kind=LegalPersonKind.SOLE_TRADER,
        legacy={"reg_no": reg_no},
    )
    code = fresh_uscc("92", "320412")

    same, created = register_legal_person(
        actor=None,
        uscc=code,
        name="常州市武进区某某五金店",
        kind=LegalPersonKind.SOLE_TRADER,
        legacy={"reg_no": reg_no},
    )

    assert created is False
    assert same.pk == trader.pk
    assert LegalPerson.objects.filter(name="常州市武进区某某五金店").count() == 1
    trader.refresh_from_db()
    assert trader.uscc == code
    # The file is now placed by its USCC, like any other legal person.
    assert (trader.org_type, trader.division_code, trader.region_id) == ("92", "320412", "320412")
    assert set(_identifiers(trader)) == {
        IdentifierScheme.USCC,
        IdentifierScheme.ORG_CODE,
        IdentifierScheme.TAX_NO,
        IdentifierScheme.REG_NO,
    }
    assert legal_person_by_identifier(code).pk == trader.pk
    assert legal_person_by_identifier(reg_no).pk == trader.pk


def test_legacy_code_owned_by_another_subject_raises_identifier_conflict():
    reg_no = "320402000099887"
    owner, _ = register_legal_person(
        actor=None, uscc=fresh_uscc(), name="甲公司", legacy={"reg_no": reg_no}
    )
    other, _ = register_legal_person(actor=None, uscc=fresh_uscc(), name="乙公司")

    with pytest.raises(ValidationFailed) as exc:
        register_legal_person(actor=None, uscc=other.uscc, name="乙公司", legacy={"reg_no": reg_no})

    assert exc.value.code == "identifier_conflict"
    assert exc.value.details == {"scheme": "reg_no", "value": reg_no}
    assert legal_person_by_identifier(reg_no).pk == owner.pk
    assert not other.identifiers.filter(scheme=IdentifierScheme.REG_NO).exists()


def test_new_uscc_with_legacy_code_of_another_subject_raises_identifier_conflict():
    """A reg_no held by a subject that already has a (different) USCC must not pull a new
    USCC into that file: two codes, two subjects, so the clash is reported."""
    reg_no = "320402000011223"
    owner, _ = register_legal_person(
        actor=None, uscc=fresh_uscc(), name="丙公司", legacy={"reg_no": reg_no}
    )
    newcomer = fresh_uscc()

    with pytest.raises(ValidationFailed) as exc:
        register_legal_person(actor=None, uscc=newcomer, name="丁公司", legacy={"reg_no": reg_no})

    assert exc.value.code == "identifier_conflict"
    assert not LegalPersonIdentifier.objects.filter(value=newcomer).exists()
    assert not LegalPerson.objects.filter(uscc=newcomer).exists()
    owner.refresh_from_db()
    assert set(_identifiers(owner)) == {
        IdentifierScheme.USCC,
        IdentifierScheme.ORG_CODE,
        IdentifierScheme.TAX_NO,
        IdentifierScheme.REG_NO,
    }


def test_register_legal_person_audits_only_the_creation():
    code = fresh_uscc()

    subject, _ = register_legal_person(actor=None, uscc=code, name="常州市审计测试有限公司")
    register_legal_person(actor=None, uscc=code, name="常州市审计测试有限公司")

    entries = AuditEntry.objects.filter(event_type="legalperson.created", object_id=str(subject.pk))
    assert entries.count() == 1
    assert entries.get().after["uscc"] == code


# ---------------------------------------------------------------------------
# register_natural_person
# ---------------------------------------------------------------------------


def _raw_row(pk: int) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM subjects_naturalperson WHERE id = %s", [pk])
        names = [c.name for c in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def _contains(value: object, needle: str) -> bool:
    if isinstance(value, bytes | memoryview):
        return needle.encode() in bytes(value)
    return needle in str(value)


def test_register_natural_person_never_stores_the_clear_id_number(resident_id_factory):
    number = resident_id_factory("320402", datetime.date(1979, 11, 23))

    person, created = register_natural_person(actor=None, name="李四", id_number=number)

    assert created is True
    row = _raw_row(person.pk)
    leaks = [column for column, value in row.items() if _contains(value, number)]
    assert leaks == []
    # Nor the part the mask hides (division + birth date + sequence).
    assert not any(_contains(value, number[3:14]) for value in row.values())


def test_register_natural_person_encrypts_the_id_number(resident_id_factory):
    number = resident_id_factory()

    person, _ = register_natural_person(actor=None, name="李四", id_number=number)

    person.refresh_from_db()
    assert crypto.decrypt(person.id_cipher, purpose=ID_PURPOSE) == number
    assert person.id_index == services.id_index("resident_id", number)


def test_register_natural_person_masks_id_as_first_three_and_last_four(resident_id_factory):
    number = resident_id_factory()

    person, _ = register_natural_person(actor=None, name="李四", id_number=number)

    assert person.id_masked == number[:3] + "*" * 11 + number[-4:]


def test_register_natural_person_derives_gender_and_birth_date():
    from credit.core.identifiers import make_resident_id

    born = datetime.date(1990, 2, 28)
    male, _ = register_natural_person(
        actor=None, name="男甲", id_number=make_resident_id("320402", born, 11)
    )
    female, _ = register_natural_person(
        actor=None, name="女乙", id_number=make_resident_id("320402", born, 12)
    )

    assert (male.gender, male.birth_date) == ("male", born)
    assert (female.gender, female.birth_date) == ("female", born)


@pytest.mark.parametrize(
    ("division", "region_code"),
    [
        ("320402", "320402"),  # current code: 天宁区
        ("320482", "320413"),  # 金坛市 → 金坛区
        ("320421", "320412"),  # 武进县 → 武进区
    ],
)
def test_register_natural_person_resolves_region_from_current_and_historic_codes(
    resident_id_factory, division, region_code
):
    number = resident_id_factory(division, datetime.date(1968, 4, 1))

    person, _ = register_natural_person(actor=None, name="赵六", id_number=number)

    assert person.division_code == division
    assert person.region_id == region_code


def test_register_natural_person_accepts_unknown_division_and_1940_birth(resident_id_factory):
    number = resident_id_factory("320499", datetime.date(1940, 1, 15))

    person, created = register_natural_person(actor=None, name="钱七", id_number=number)

    assert created is True
    assert person.region is None
    assert person.division_code == "320499"
    assert person.birth_date == datetime.date(1940, 1, 15)


def test_register_natural_person_rejects_bad_checksum(resident_id_factory):
    bad = with_wrong_check(resident_id_factory())
    before = NaturalPerson.objects.count()

    with pytest.raises(ValidationFailed) as exc:
        register_natural_person(actor=None, name="孙八", id_number=bad)

    assert exc.value.code == "id_checksum"
    assert NaturalPerson.objects.count() == before


def test_register_natural_person_is_idempotent(resident_id_factory):
    number = resident_id_factory()
    first, _ = register_natural_person(actor=None, name="周九", id_number=number)

    again, created = register_natural_person(
        actor=None, name="周九", id_number=f" {number.lower()} "
    )

    assert created is False
    assert again.pk == first.pk
    assert NaturalPerson.objects.filter(pk=first.pk).count() == 1


def test_legacy_15_digit_id_is_stored_upgraded_and_found_by_either_form(resident_id_factory):
    number18 = resident_id_factory("320404", datetime.date(1962, 8, 30))
    number15 = number18[:6] + number18[8:17]

    person, created = register_natural_person(actor=None, name="吴十", id_number=number15)
    again, created_again = register_natural_person(actor=None, name="吴十", id_number=number18)

    assert created is True
    assert created_again is False
    assert again.pk == person.pk
    person.refresh_from_db()
    assert crypto.decrypt(person.id_cipher, purpose=ID_PURPOSE) == number18
    assert person.id_masked == number18[:3] + "*" * 11 + number18[-4:]
    assert natural_person_by_id(number18).pk == person.pk
    assert natural_person_by_id(number15).pk == person.pk


def test_blind_index_depends_on_the_index_key(settings, natural_person):
    person, number = natural_person
    original = services.id_index("resident_id", number)
    assert original == person.id_index

    settings.CREDIT_BLIND_INDEX_KEY = b"another-32-byte-blind-index-key!"

    assert services.id_index("resident_id", number) != original
    assert natural_person_by_id(number) is None


def test_register_natural_person_keeps_the_clear_number_out_of_the_audit_log(natural_person):
    person, number = natural_person

    entry = AuditEntry.objects.get(event_type="naturalperson.created", object_id=str(person.pk))

    assert entry.after == {"name": "王小明", "id_masked": person.id_masked}
    dumped = json.dumps([entry.before, entry.after, entry.object_repr], ensure_ascii=False)
    assert number not in dumped


# ---------------------------------------------------------------------------
# reveal_id_number
# ---------------------------------------------------------------------------


def test_city_admin_reveals_id_number_and_the_reveal_is_audited(make_user, natural_person):
    person, number = natural_person
    admin = make_user(Role.CITY_ADMIN)

    first = reveal_id_number(actor=admin, person=person, reason="行政复议核查")
    second = reveal_id_number(actor=admin, person=person, reason="异议处理")

    assert first == second == number
    entries = AuditEntry.objects.filter(
        event_type="naturalperson.id_revealed", object_id=str(person.pk)
    ).order_by("id")
    assert [e.after for e in entries] == [{"reason": "行政复议核查"}, {"reason": "异议处理"}]
    assert all(e.actor_id == admin.pk for e in entries)
    assert all(number not in json.dumps(e.after, ensure_ascii=False) for e in entries)


@pytest.mark.parametrize(
    ("role", "region", "department"),
    [
        (Role.CITY_REVIEWER, "320400", None),
        (Role.DEPT_OFFICER, "320400", "SCJG"),
        (Role.DISTRICT_ADMIN, "320402", None),
        (Role.AUDITOR, "320400", None),
    ],
)
def test_reveal_id_number_requires_view_identity_permission(
    make_user, natural_person, role, region, department
):
    person, _ = natural_person
    user = make_user(role, region, department)

    with pytest.raises(PermissionDenied):
        reveal_id_number(actor=user, person=person, reason="核查")

    assert not AuditEntry.objects.filter(event_type="naturalperson.id_revealed").exists()


def test_reveal_id_number_by_anonymous_is_denied(natural_person):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        reveal_id_number(actor=AnonymousUser(), person=natural_person[0], reason="核查")


@pytest.mark.parametrize("reason", ["", "   ", "\u3000"])
def test_reveal_id_number_requires_a_reason(make_user, natural_person, reason):
    person, _ = natural_person

    with pytest.raises(ValidationFailed) as exc:
        reveal_id_number(actor=make_user(Role.CITY_ADMIN), person=person, reason=reason)

    assert exc.value.code == "reason_required"
    assert not AuditEntry.objects.filter(event_type="naturalperson.id_revealed").exists()
