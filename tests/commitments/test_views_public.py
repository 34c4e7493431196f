"""The portal's 信用承诺 column: only published commitments in force (waiting, returned,
breached and expired ones are not shown), natural persons masked, the export; the subject
page's section; signing online needs the real-name login, refuses without the agreement or the
signed letter and creates a commitment waiting for review; 我的信用承诺 with the return
reason."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from credit.commitments.constants import Channel, Kind, Status
from credit.commitments.models import Commitment, CommitmentItem
from credit.subjects.services import register_legal_person, register_natural_person
from tests.commitments.test_api import item_of
from tests.conftest import response_text
from tests.integrity.test_views_public import logged_in, sign_in

pytestmark = pytest.mark.django_db

INDEX = "/portal/commitments/"
NEW = "/portal/commitments/new/"
MINE = "/portal/commitments/mine/"
TODAY = timezone.localdate()
TODAY_IS_LOCAL = True  # TODAY (and YESTERDAY, TOMORROW) set before each test: tests/conftest.py
_serial = itertools.count(1)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def commitment(item: CommitmentItem, *, subject=None, person=None, status=Status.PUBLISHED,
               valid_until=None, account=None, reason="") -> Commitment:  # fmt: skip
    n = next(_serial)
    who = subject or person
    return Commitment.objects.create(
        number=f"T-{item.department.code}-{TODAY:%Y%m%d}-{n:05d}",
        item=item,
        item_version=item.versions.order_by("-version").first(),
        kind=item.kind,
        department=item.department,
        region=item.department.region,
        legal_person=subject,
        natural_person=person,
        promisor_name=who.name,
        promisor_code=subject.uscc if subject else "3204**********1234",
        committed_on=TODAY - datetime.timedelta(days=5),
        published_on=TODAY - datetime.timedelta(days=4) if status in (
            Status.PUBLISHED, Status.FULFILLED, Status.BREACHED) else None,
        valid_until=valid_until,
        status=status,
        channel=Channel.PORTAL if account else Channel.DEPARTMENT,
        account=account,
        return_reason=reason,
    )  # fmt: skip


@pytest.fixture
def company(uscc_factory):
    return register_legal_person(actor=None, uscc=uscc_factory(), name="常州市践诺食品有限公司")[0]


def test_the_urls_are_named():
    assert reverse("commitments_portal:index") == INDEX
    assert reverse("commitments_portal:export") == "/portal/commitments/export.xlsx"
    assert reverse("commitments_portal:new") == NEW
    assert reverse("commitments_portal:mine") == MINE


def test_the_column_lists_published_commitments_in_force_only(company, resident_id_factory):
    item = item_of("SCJG")
    shown = commitment(item, subject=company)
    fulfilled = commitment(item, subject=company, status=Status.FULFILLED)
    hidden = [
        commitment(item, subject=company, status=s)
        for s in (Status.SUBMITTED, Status.RETURNED, Status.BREACHED, Status.WITHDRAWN)
    ]
    expired = commitment(item, subject=company, valid_until=TODAY - datetime.timedelta(days=1))
    person = register_natural_person(actor=None, name="赵承诺", id_number=resident_id_factory())[0]
    natural = commitment(item, person=person)

    response = Client().get(INDEX)
    assert response.status_code == 200
    page = response_text(response)
    for c in (shown, fulfilled, natural):
        assert c.number in page
    for c in (*hidden, expired):
        assert c.number not in page
    assert "赵**" in page and "赵承诺" not in page
    assert 'href="/portal/commitments/"' in page and "信用承诺" in page  # the menu link

    # Filters (leniently read: a bad value is dropped, never a 500).
    by_kind = response_text(Client().get(INDEX, {"kind": Kind.VOLUNTARY}))
    assert shown.number not in by_kind
    by_item = response_text(Client().get(INDEX, {"item": item.code, "name": "践诺"}))
    assert shown.number in by_item and natural.number not in by_item
    assert Client().get(INDEX, {"kind": "bogus", "page": "x", "department": "?"}).status_code == 200


def test_the_export_has_the_same_rows(company):
    item = item_of("SCJG")
    shown = commitment(item, subject=company)
    waiting = commitment(item, subject=company, status=Status.SUBMITTED)
    response = Client().get(reverse("commitments_portal:export"), {"name": "践诺"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    text = response_text(response)
    assert shown.number in text and waiting.number not in text
    assert "承诺人名称：践诺" in text


def test_the_subject_page_lists_its_published_commitments(company):
    item = item_of("SCJG")
    shown = commitment(item, subject=company)
    waiting = commitment(item, subject=company, status=Status.SUBMITTED)
    page = response_text(Client().get(reverse("portal:subject", args=[company.pk])))
    section = page[page.index('data-testid="section-commitments"') :]
    assert shown.number in section and item.name in section
    assert waiting.number not in section
    assert "暂无该主体公开的信用承诺" not in section


def test_the_subject_page_section_is_empty_without_commitments(company):
    page = response_text(Client().get(reverse("portal:subject", args=[company.pk])))
    assert "暂无该主体公开的信用承诺" in page


# --------------------------------------------------------------------------------------------
# Signing online
# --------------------------------------------------------------------------------------------


@pytest.fixture
def agent(company, resident_id_factory):
    account = sign_in(
        name="钱经办",
        id_number=resident_id_factory(),
        kind="company",
        uscc=company.uscc,
        org=company.name,
    )
    return account


def _letter(name: str = "承诺书.pdf", data: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def test_signing_needs_the_real_name_login():
    for url in (NEW, MINE):
        response = Client().get(url)
        assert response.status_code == 302
        assert reverse("identity:login") in response["Location"]


def test_the_item_choice_and_its_template(agent):
    item = item_of("SCJG", Kind.VOLUNTARY)
    client = logged_in(agent)
    choice = response_text(client.get(NEW))
    assert item.name in choice
    page = client.get(NEW, {"item": item.code})
    text = response_text(page)
    version = item.versions.order_by("-version").first()
    assert version.template_text.splitlines()[0] in text
    assert 'data-testid="sign-form"' in text
    unknown = client.get(NEW, {"item": "no-such-item"})
    assert unknown.status_code == 200
    assert "未找到该承诺事项" in response_text(unknown)


def test_signing_refuses_without_agreement_or_letter(agent, company):
    item = item_of("SCJG", Kind.VOLUNTARY)
    client = logged_in(agent)
    no_agree = client.post(NEW, {"item": item.code, "signer_name": "钱经办", "letter": _letter()})
    assert no_agree.status_code == 200
    assert "请阅读承诺书并勾选同意" in response_text(no_agree)
    no_letter = client.post(NEW, {"item": item.code, "signer_name": "钱经办", "agreed": "on"})
    assert no_letter.status_code == 200
    not_a_pdf = client.post(
        NEW,
        {"item": item.code, "signer_name": "钱经办", "agreed": "on",
         "letter": _letter("承诺书.pdf", b"plain text")},
    )  # fmt: skip
    assert not_a_pdf.status_code == 200
    assert "不是 PDF、JPG 或 PNG" in response_text(not_a_pdf)
    assert not Commitment.objects.filter(legal_person=company).exists()


def test_signing_creates_a_submitted_commitment_and_mine_shows_it(agent, company):
    item = item_of("SCJG", Kind.VOLUNTARY)
    client = logged_in(agent)
    response = client.post(
        NEW, {"item": item.code, "signer_name": "钱经办", "agreed": "on", "letter": _letter()}
    )
    assert response.status_code == 200, response_text(response)[:2000]
    cm = Commitment.objects.get(legal_person=company)
    assert cm.status == Status.SUBMITTED and cm.channel == Channel.PORTAL
    assert cm.account_id == agent.pk and cm.item == item
    assert cm.number in response_text(response)
    assert cm.files.exists()
    # Waiting for review: not on the column yet.
    assert cm.number not in response_text(Client().get(INDEX))

    # Returned with a reason: 我的信用承诺 says why.
    Commitment.objects.filter(pk=cm.pk).update(
        status=Status.RETURNED, return_reason="承诺书未加盖单位公章"
    )
    mine = response_text(client.get(MINE))
    assert cm.number in mine and "已退回" in mine and "承诺书未加盖单位公章" in mine


def test_mine_shows_only_ones_own(agent, company, uscc_factory):
    item = item_of("SCJG")
    own = commitment(item, subject=company)
    other = register_legal_person(actor=None, uscc=uscc_factory(), name="常州市他人有限公司")[0]
    theirs = commitment(item, subject=other)
    page = response_text(logged_in(agent).get(MINE))
    assert own.number in page and theirs.number not in page


def test_the_me_page_links_to_mine(agent):
    page = response_text(logged_in(agent).get(reverse("portal:me")))
    assert MINE in page
