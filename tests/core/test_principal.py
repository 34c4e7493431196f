"""The principal contract's rules, on their own (no database): permissions, the tenant as a
filter and as a yes/no, the use rule, and how any actor becomes a principal."""

from __future__ import annotations

import pytest
from django.db.models import Q
from hypothesis import given
from hypothesis import strategies as st

from credit.core.access import (
    ANONYMOUS,
    EVERYTHING,
    NOTHING,
    Kind,
    Perm,
    Principal,
    has_perm,
    perms_of,
    principal_of,
    require,
)
from credit.core.errors import PermissionDenied

CITY = Principal(
    kind=Kind.STAFF, user_id=1, perms=frozenset(Perm), city_wide=True, departments=None
)
DISTRICT = Principal(
    kind=Kind.STAFF,
    user_id=2,
    perms=frozenset({Perm.RECORD_VIEW}),
    region_id="320402",
    departments=None,
)
OFFICER = Principal(
    kind=Kind.STAFF,
    user_id=3,
    perms=frozenset({Perm.RECORD_VIEW, Perm.RECORD_SUBMIT}),
    department_id=7,
    region_id="320400",
    departments=frozenset({7}),
    usage_scopes=frozenset({"public", "shared"}),
    item_ids=None,
)
CLIENT = Principal(
    kind=Kind.CLIENT,
    user_id=4,
    client_id=9,
    perms=frozenset({Perm.RECORD_SUBMIT}),
    department_id=7,
    region_id="320400",
    departments=frozenset({7, 8}),
    usage_scopes=frozenset({"public"}),
    item_ids=frozenset({11, 12}),
)
THIRD_PARTY = Principal(kind=Kind.CLIENT, user_id=5, client_id=10, departments=frozenset())


def test_permissions_are_asked_of_the_principal():
    assert OFFICER.has_perm(Perm.RECORD_SUBMIT) and not OFFICER.has_perm(Perm.USER_MANAGE)
    assert OFFICER.has_any([Perm.USER_MANAGE, Perm.RECORD_VIEW])
    assert not OFFICER.has_any([Perm.USER_MANAGE, Perm.AUDIT_VIEW])
    OFFICER.require(Perm.RECORD_VIEW)
    with pytest.raises(PermissionDenied) as refused:
        OFFICER.require(Perm.USER_MANAGE)
    assert refused.value.code == "permission_denied"
    assert refused.value.details == {"permission": "accounts.manage"}
    assert "管理用户" in refused.value.message


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        (CITY, EVERYTHING),
        (DISTRICT, Q(region_id="320402")),
        (OFFICER, Q(department_id__in=[7])),
        (CLIENT, Q(department_id__in=[7, 8])),
        (THIRD_PARTY, NOTHING),
        (ANONYMOUS, NOTHING),
    ],
)
def test_the_tenant_as_a_filter(principal, expected):
    assert principal.tenant_q(region="region_id", department="department_id") == expected


def test_the_tenant_filter_reads_the_region_column_by_default():
    assert DISTRICT.tenant_q() == Q(region_id="320402")


def test_a_tenant_of_departments_on_a_model_without_departments_is_nothing():
    assert OFFICER.tenant_q(region="region_id", department=None) == NOTHING
    assert DISTRICT.tenant_q(region=None, department="department_id") == NOTHING
    assert CITY.tenant_q(region=None, department=None) == EVERYTHING


def test_the_city_filter_survives_being_combined_with_another():
    """``Q() | x`` would be just ``x``: the city's filter must still match everything."""
    assert (CITY.tenant_q() | Q(user_id=1)) != Q(user_id=1)


@pytest.mark.parametrize(
    ("principal", "department", "region", "expected"),
    [
        (CITY, 99, "320404", True),
        (DISTRICT, 99, "320402", True),
        (DISTRICT, 99, "320404", False),
        (DISTRICT, None, None, False),
        (OFFICER, 7, "320400", True),
        (OFFICER, 8, "320400", False),
        (CLIENT, 8, "320402", True),
        (CLIENT, None, "320400", False),
        (THIRD_PARTY, 7, "320400", False),
        (ANONYMOUS, 7, "320400", False),
    ],
)
def test_what_a_principal_manages(principal, department, region, expected):
    assert principal.manages(department_id=department, region_id=region) is expected


def test_a_principal_without_a_region_manages_no_region():
    nobody = Principal(kind=Kind.STAFF, departments=None)
    assert not nobody.manages(department_id=1, region_id=None)
    assert nobody.tenant_q() == NOTHING


@pytest.mark.parametrize(
    ("principal", "label"),
    [
        (CITY, "全市"),
        (DISTRICT, "本辖市区"),
        (OFFICER, "本部门"),
        (CLIENT, "本部门及授权代报的部门"),
    ],
)
def test_the_tenant_in_words(principal, label):
    assert principal.tenant_label == label


def test_the_tenant_of_nobody_in_words():
    assert Principal(kind=Kind.STAFF, departments=None).tenant_label == "无"


@given(
    scope=st.sampled_from(["public", "shared", "restricted"]),
    item=st.integers(min_value=1, max_value=20),
)
def test_the_use_rule(scope, item):
    assert OFFICER.may_use(usage_scope=scope, item_id=item) is (scope != "restricted")
    assert CLIENT.may_use(usage_scope=scope, item_id=item) is (
        scope == "public" and item in (11, 12)
    )
    assert not ANONYMOUS.may_use(usage_scope=scope, item_id=item)


def test_any_actor_becomes_a_principal():
    class Builds:
        def as_principal(self):
            return OFFICER

    assert principal_of(OFFICER) is OFFICER
    assert principal_of(Builds()) is OFFICER
    assert principal_of(None) is ANONYMOUS
    assert principal_of(object()) is ANONYMOUS
    assert has_perm(Builds(), Perm.RECORD_SUBMIT) and not has_perm(None, Perm.RECORD_VIEW)
    assert perms_of(Builds()) == OFFICER.perms and perms_of(None) == frozenset()
    require(Builds(), Perm.RECORD_SUBMIT)  # held: no refusal
    with pytest.raises(PermissionDenied):
        require(None, Perm.RECORD_VIEW)


def test_the_data_scope_of_a_principal_that_manages_nothing():
    from credit.core.access import data_scope

    assert data_scope(CITY) == {"region": None, "department": None}
    assert data_scope(DISTRICT) == {"region": "320402", "department": None}
    assert data_scope(THIRD_PARTY) == {"region": None, "department": "-"}
    assert data_scope(Principal(kind=Kind.STAFF, departments=None)) == {
        "region": "-",
        "department": None,
    }


def test_who_is_authenticated_and_how_it_reads():
    assert OFFICER.is_authenticated and CLIENT.is_authenticated
    assert not ANONYMOUS.is_authenticated
    assert str(Principal(kind=Kind.STAFF, name="张三", username="zs")) == "张三"
    assert str(Principal(kind=Kind.STAFF, username="zs")) == "zs"
    assert str(ANONYMOUS) == "匿名"
