"""Tests of credit.records.selectors: every read is limited to the reader's data scope."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from credit.accounts.roles import Role
from credit.core.errors import PermissionDenied
from credit.records.selectors import records_for, records_of_subject
from credit.subjects.services import register_legal_person
from tests.records.factories import penalty

pytestmark = pytest.mark.django_db

#: Department code → the documents it reported in the ``records`` fixture.
REPORTED = {
    "SCJG": ["常市监罚〔2025〕1号", "常市监罚〔2025〕2号"],
    "TNQ-SCJG": ["天市监罚〔2025〕1号", "天市监罚〔2025〕2号"],
    "ZLQ-SCJG": ["钟市监罚〔2025〕1号"],
}


@pytest.fixture
def records(legal_person, uscc_factory):
    """Records from a city department (SCJG, 320400) and two district ones (天宁区, 钟楼区)."""
    other, _ = register_legal_person(
        actor=None, uscc=uscc_factory("91", "320404"), name="常州市钟楼某某有限公司"
    )
    for code, documents in REPORTED.items():
        for i, document_no in enumerate(documents):
            penalty(legal_person if i % 2 == 0 else other, code, document_no)
    return legal_person, other


def _documents(qs) -> set[str]:
    return set(qs.values_list("document_no", flat=True))


def _of(*departments: str) -> set[str]:
    return {d for code in departments for d in REPORTED[code]}


@pytest.mark.parametrize("role", [Role.CITY_ADMIN, Role.CITY_REVIEWER, Role.AUDITOR])
def test_city_wide_roles_see_every_record(make_user, records, role):
    assert _documents(records_for(make_user(role))) == _of("SCJG", "TNQ-SCJG", "ZLQ-SCJG")


def test_district_admin_sees_only_its_districts_records(make_user, records):
    tianning = make_user(Role.DISTRICT_ADMIN, "320402")

    visible = records_for(tianning)

    assert _documents(visible) == _of("TNQ-SCJG")
    assert set(visible.values_list("region_id", flat=True)) == {"320402"}


def test_district_admin_of_zhonglou_never_sees_tianning_records(make_user, records):
    zhonglou = make_user(Role.DISTRICT_ADMIN, "320404")

    assert _documents(records_for(zhonglou)) == _of("ZLQ-SCJG")


def test_department_officer_sees_only_its_departments_records(make_user, records):
    city_officer = make_user(Role.DEPT_OFFICER, "320400", "SCJG")
    district_officer = make_user(Role.DEPT_OFFICER, "320402", "TNQ-SCJG")

    assert _documents(records_for(city_officer)) == _of("SCJG")
    assert _documents(records_for(district_officer)) == _of("TNQ-SCJG")


def test_anonymous_may_not_read_records(records):
    with pytest.raises(PermissionDenied):
        records_for(AnonymousUser())


def test_inactive_user_may_not_read_records(make_user, records):
    user = make_user(Role.CITY_ADMIN)
    user.is_active = False

    with pytest.raises(PermissionDenied):
        records_for(user)


def test_records_of_subject_are_shared_for_use_across_districts(make_user, records):
    """Using a subject's records is not limited by the tenant: the public penalties of every
    department and district are usable by a district administrator too."""
    company, _ = records

    city = records_of_subject(make_user(Role.CITY_REVIEWER), legal_person=company)
    tianning = records_of_subject(make_user(Role.DISTRICT_ADMIN, "320402"), legal_person=company)

    everything = {"常市监罚〔2025〕1号", "天市监罚〔2025〕1号", "钟市监罚〔2025〕1号"}
    assert _documents(city) == everything
    assert _documents(tianning) == everything
    assert all(r.usable for r in tianning)


def test_a_restricted_record_of_a_subject_is_seen_only_by_those_who_manage_it(make_user, records):
    company, _ = records
    penalty(company, "ZLQ-SCJG", "钟市监罚〔2025〕9号", info_usage_scope="授权查询")

    def shown(user):
        return {r.document_no: r.usable for r in records_of_subject(user, legal_person=company)}

    assert "钟市监罚〔2025〕9号" not in shown(make_user(Role.DISTRICT_ADMIN, "320402"))
    assert shown(make_user(Role.DISTRICT_ADMIN, "320404"))["钟市监罚〔2025〕9号"] is False
    assert shown(make_user(Role.CITY_REVIEWER))["钟市监罚〔2025〕9号"] is False


@pytest.mark.parametrize(
    ("role", "region", "department", "expected"),
    [
        (Role.CITY_REVIEWER, "320400", None, 5),
        (Role.DISTRICT_ADMIN, "320402", None, 2),
        (Role.DEPT_OFFICER, "320400", "SCJG", 2),
    ],
)
def test_listing_records_takes_one_query(
    make_user, records, django_assert_num_queries, role, region, department, expected
):
    user = make_user(role, region, department)

    with django_assert_num_queries(1):
        rows = [
            (r.item.name, r.department.short_name, r.region.name, r.document_no)
            for r in records_for(user)
        ]

    assert len(rows) == expected


def test_listing_query_count_does_not_grow_with_the_number_of_records(
    make_user, records, django_assert_num_queries
):
    reviewer = make_user(Role.CITY_REVIEWER)
    company, _ = records
    for n in range(10):
        penalty(company, "SCJG", f"常市监罚〔2025〕{100 + n}号")

    with django_assert_num_queries(1):
        rows = [
            (r.item.name, r.department.short_name, r.region.name) for r in records_for(reviewer)
        ]

    assert len(rows) == 15
