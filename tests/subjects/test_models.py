"""Tests of the database guarantees of credit.subjects.models: one subject, one file."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from credit.subjects.constants import IdentifierScheme, IdType, LegalPersonKind
from credit.subjects.models import LegalPerson, LegalPersonIdentifier, NaturalPerson
from tests.subjects.factories import fresh_uscc

pytestmark = pytest.mark.django_db


def _legal_person(uscc: str | None, name: str = "常州市约束测试有限公司") -> LegalPerson:
    return LegalPerson.objects.create(uscc=uscc, name=name, kind=LegalPersonKind.ORGANISATION)


def _natural_person(index: str, id_type: str = IdType.RESIDENT_ID) -> NaturalPerson:
    return NaturalPerson.objects.create(
        name="测试", id_type=id_type, id_cipher=b"\x01cipher", id_index=index, id_masked="320***"
    )


def test_two_legal_persons_with_the_same_uscc_violate_uniqueness():
    code = fresh_uscc()
    _legal_person(code)

    with pytest.raises(IntegrityError, match="legalperson_unique_uscc"), transaction.atomic():
        _legal_person(code, name="另一家")

    assert LegalPerson.objects.filter(uscc=code).count() == 1


def test_many_legal_persons_without_uscc_are_allowed():
    _legal_person(None, name="个体户甲")
    _legal_person(None, name="个体户乙")

    assert LegalPerson.objects.filter(uscc__isnull=True, name__startswith="个体户").count() == 2


def test_two_identifiers_with_the_same_scheme_and_value_violate_uniqueness():
    first, second = _legal_person(fresh_uscc()), _legal_person(fresh_uscc(), name="另一家")
    LegalPersonIdentifier.objects.create(
        legal_person=first, scheme=IdentifierScheme.REG_NO, value="320402000000001"
    )

    with pytest.raises(IntegrityError, match="identifier_unique_value"), transaction.atomic():
        LegalPersonIdentifier.objects.create(
            legal_person=second, scheme=IdentifierScheme.REG_NO, value="320402000000001"
        )


def test_same_identifier_value_under_another_scheme_is_allowed():
    subject = _legal_person(fresh_uscc())
    LegalPersonIdentifier.objects.create(
        legal_person=subject, scheme=IdentifierScheme.REG_NO, value="123456789"
    )

    LegalPersonIdentifier.objects.create(
        legal_person=subject, scheme=IdentifierScheme.INSTITUTION_NO, value="123456789"
    )

    assert subject.identifiers.count() == 2


@pytest.mark.parametrize(
    "malformed",
    [
        "91320402ABCDEFGIO1",  # I and O are not in the GB 32100 alphabet
        "91320402ma1abcde0x",  # lower case
        "9132040212345678",  # too short
        "91320402-12345678X",  # hyphen
    ],
)
def test_malformed_uscc_violates_the_shape_check(malformed):
    with pytest.raises(IntegrityError, match="legalperson_uscc_shape"), transaction.atomic():
        _legal_person(malformed)


def test_two_natural_persons_with_the_same_id_index_violate_uniqueness():
    _natural_person("a" * 64)

    with pytest.raises(IntegrityError, match="naturalperson_unique_id"), transaction.atomic():
        _natural_person("a" * 64)


def test_same_id_index_under_another_document_type_is_allowed():
    _natural_person("b" * 64)

    _natural_person("b" * 64, id_type=IdType.PASSPORT)

    assert NaturalPerson.objects.filter(id_index="b" * 64).count() == 2
