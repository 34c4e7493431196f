"""The commitment items' pages (/commitments/items/): the list by kind with the verified flag,
filters and the export for every reader of commitments; one item with every version of its
template; a new version only for the maintainers of the items (``commitments.manage``),
refusals on the form, commitments already signed keeping their version."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from credit.accounts.roles import Role
from credit.commitments.constants import Kind
from credit.commitments.models import CommitmentItem
from credit.commitments.services.items import current_version, import_items
from tests.conftest import response_text

pytestmark = pytest.mark.django_db

ITEMS = "/commitments/items/"
EXPORT = "/commitments/items/export.xlsx"
CODE = "zd-market-subject"


@pytest.fixture(autouse=True)
def items(db):
    import_items()


def _codes(page: str) -> set[str]:
    return set(re.findall(r'data-testid="item-([a-z0-9-]+)"', page))


def test_the_urls_are_named():
    assert reverse("commitments:items") == ITEMS
    assert reverse("commitments:items_export") == EXPORT
    assert reverse("commitments:item", kwargs={"code": CODE}) == f"{ITEMS}{CODE}/"
    assert reverse("commitments:item_version_new", kwargs={"code": CODE}) == (
        f"{ITEMS}{CODE}/new-version/"
    )


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.CITY_ADMIN, 200),
        (Role.CITY_REVIEWER, 200),
        (Role.DEPT_OFFICER, 200),
        (Role.DISTRICT_ADMIN, 200),
        (Role.AUDITOR, 200),
        (Role.LEADER, 403),
        (Role.ORG_HR, 403),
    ],
)
def test_who_reads_the_items(client, make_user, role, status):
    user = make_user(role, department="SCJG") if role == Role.ORG_HR else make_user(role)
    client.force_login(user)
    for path in (ITEMS, EXPORT, f"{ITEMS}{CODE}/"):
        assert client.get(path).status_code == status, path


def test_the_list_groups_by_kind_and_flags_unverified_items(client, make_user):
    client.force_login(make_user(Role.AUDITOR))
    page = client.get(ITEMS).content.decode()
    everything = set(CommitmentItem.objects.values_list("code", flat=True))
    assert _codes(page) == everything
    for kind in Kind.values:
        if CommitmentItem.objects.filter(kind=kind).exists():
            assert f'data-testid="kind-{kind}"' in page
    unverified = CommitmentItem.objects.filter(verified=False).count()
    assert f'data-testid="count-unverified">{unverified}<' in page
    assert page.count('data-testid="unverified"') == unverified

    def codes(**query) -> set[str]:
        return _codes(client.get(ITEMS, query).content.decode())

    notify = set(CommitmentItem.objects.filter(kind=Kind.NOTIFY).values_list("code", flat=True))
    assert codes(kind=Kind.NOTIFY) == notify
    scjg = CommitmentItem.objects.filter(department__code="SCJG")
    assert codes(department=str(scjg.first().department_id)) == set(
        scjg.values_list("code", flat=True)
    )
    assert codes(verified="no") == set(
        CommitmentItem.objects.filter(verified=False).values_list("code", flat=True)
    )
    assert codes(q="market-subject") == {CODE}
    # Bad input narrows nothing and breaks nothing.
    for query in ({"department": "x"}, {"kind": "?"}, {"verified": "maybe"}, {"q": "%" * 80}):
        assert client.get(ITEMS, query).status_code == 200
        assert client.get(EXPORT, query).status_code == 200


def test_the_export_has_every_item_with_its_template(client, make_user):
    client.force_login(make_user(Role.DEPT_OFFICER))
    response = client.get(EXPORT, {"kind": Kind.VOLUNTARY})
    assert response.status_code == 200
    text = response_text(response)
    item = CommitmentItem.objects.get(code=CODE)
    assert item.name in text and current_version(item).template_text[:30] in text


def test_one_item_shows_its_versions(client, make_user):
    item = CommitmentItem.objects.get(code=CODE)
    client.force_login(make_user(Role.DEPT_OFFICER))
    page = client.get(f"{ITEMS}{CODE}/").content.decode()
    assert item.name in page and 'data-testid="version-1"' in page
    assert 'data-testid="new-version"' not in page  # no commitments.manage
    assert client.get(f"{ITEMS}no-such-item/").status_code == 404
    assert client.get(f"{ITEMS}{CODE}/new-version/").status_code == 403


def test_a_maintainer_publishes_a_new_version(client, make_user, uscc_factory):
    from credit.commitments.models import Commitment
    from credit.commitments.services import commitments as services
    from credit.objections.uploads import Upload
    from credit.subjects.services import register_legal_person

    city = make_user(Role.CITY_ADMIN)
    item = CommitmentItem.objects.get(code=CODE)
    before = current_version(item)
    company = register_legal_person(actor=None, uscc=uscc_factory(), name="常州市版本测试有限公司")[
        0
    ]
    signed: Commitment = services.enter(
        actor=city,
        item=item,
        subject=company,
        committed_on=before.created_at.date(),
        signer_name="签署人",
        files=[Upload(name="承诺书.pdf", data=b"%PDF-1.4\n%%EOF\n", kind="letter")],
    )
    client.force_login(city)
    page = client.get(f"{ITEMS}{CODE}/new-version/").content.decode()
    assert before.template_text[:20] in page  # prefilled from the current version

    url = f"{ITEMS}{CODE}/new-version/"
    for bad in (
        {"template_text": "  ", "note": "x"},
        {"template_text": "新文本", "note": ""},
        {"template_text": "新文本", "note": "x", "validity_months": "999"},
        {"template_text": "新文本", "note": "x", "validity_months": "abc"},
    ):
        assert client.post(url, bad).status_code == 400
    assert current_version(item).pk == before.pk

    response = client.post(
        url,
        {
            "template_text": "本单位郑重承诺：依法诚信经营。",
            "legal_basis": "《优化营商环境条例》",
            "attachments": "签署的承诺书\n\n营业执照复印件\n",
            "validity_months": "24",
            "note": "按新规定修订",
        },
        follow=True,
    )
    assert response.status_code == 200
    new = current_version(item)
    assert new.version == before.version + 1
    assert new.attachments == ["签署的承诺书", "营业执照复印件"]
    assert new.validity_months == 24
    assert f'data-testid="version-{new.version}"' in response.content.decode()
    signed.refresh_from_db()
    assert signed.item_version_id == before.pk  # the signed commitment keeps its version


def test_a_department_officer_cannot_post_a_version(client, make_user):
    client.force_login(make_user(Role.DEPT_OFFICER))
    response = client.post(f"{ITEMS}{CODE}/new-version/", {"template_text": "x", "note": "y"})
    assert response.status_code == 403
