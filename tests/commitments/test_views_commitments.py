"""The staff pages of commitments (/commitments/): each reader sees the commitments of their
tenant (a department its own, a district those of its region, the city all), a number outside
it is a 404; the department reviews (pass / return with a reason), records fulfilment or a
breach with its facts, enters commitments with the signed letter, and confirms or dismisses
suspected breaches — a refusal shown on the page, never a 500; file downloads and the export
are audited, and the export masks natural persons' ID numbers; the menu and the workbench."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from credit.accounts.roles import Role
from credit.commitments.constants import Channel, Status, SuspicionStatus
from credit.commitments.models import Commitment, CommitmentItem, SuspectedBreach
from credit.commitments.services import commitments as services
from credit.commitments.services.items import import_items
from credit.core.models import AuditEntry
from credit.objections.uploads import Upload
from credit.subjects.services import register_legal_person, register_natural_person
from tests.conftest import response_text

pytestmark = pytest.mark.django_db

INDEX = "/commitments/"
NEW = "/commitments/new/"
SUSPICIONS = "/commitments/suspicions/"
EXPORT = "/commitments/export.xlsx"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TODAY = timezone.localdate()
TODAY_IS_LOCAL = True  # TODAY (and YESTERDAY, TOMORROW) set before each test: tests/conftest.py
#: 市场监管局's voluntary item and 文广旅局's 告知承诺 item (旅行社).
SCJG_ITEM = "zd-market-subject"
WL_ITEM = "gz-travel-agency"


@pytest.fixture
def items(db):
    import_items()
    return {code: CommitmentItem.objects.get(code=code) for code in (SCJG_ITEM, WL_ITEM)}


@pytest.fixture
def city(make_user):
    return make_user(Role.CITY_ADMIN)


@pytest.fixture
def scjg(make_user):
    return make_user(Role.DEPT_OFFICER, department="SCJG")


@pytest.fixture
def company(uscc_factory):
    # 天宁区 (320402).
    return register_legal_person(actor=None, uscc=uscc_factory(), name="常州市守信商贸有限公司")[0]


@pytest.fixture
def person(resident_id_factory):
    number = resident_id_factory()
    subject = register_natural_person(actor=None, name="李承诺", id_number=number)[0]
    subject.full_id = number
    return subject


def letter(name: str = "承诺书.pdf") -> Upload:
    return Upload(name=name, data=PDF, kind="letter")


def enter(item, subject, *, actor, status: str | None = None) -> Commitment:
    """A commitment entered by ``actor`` with its signed letter (published at once: the
    officers who enter may review); ``status`` moves it on for the test."""
    c = services.enter(
        actor=actor,
        item=item,
        subject=subject,
        committed_on=TODAY - datetime.timedelta(days=3),
        signer_name="王签署",
        files=[letter()],
        channel=Channel.DEPARTMENT,
    )
    if status is not None:
        Commitment.objects.filter(pk=c.pk).update(
            status=status, published_on=None if status == Status.SUBMITTED else c.published_on
        )
        c.refresh_from_db()
    return c


def url(c: Commitment, action: str = "") -> str:
    return f"/commitments/{c.number}/" + (f"{action}/" if action else "")


def _rows(page: str) -> set[str]:
    return set(re.findall(r'data-testid="row-([A-Z0-9-]+)"', page))


def test_the_urls_are_named(items, city, company):
    c = enter(items[SCJG_ITEM], company, actor=city)
    assert reverse("commitments:index") == INDEX
    assert reverse("commitments:new") == NEW
    assert reverse("commitments:suspicions") == SUSPICIONS
    assert reverse("commitments:export") == EXPORT
    assert reverse("commitments:detail", kwargs={"number": c.number}) == url(c)
    for action in ("review", "fulfil", "breach"):
        assert reverse(f"commitments:{action}", kwargs={"number": c.number}) == url(c, action)
    f = c.files.get()
    assert reverse("commitments:file", kwargs={"number": c.number, "pk": f.pk}) == (
        f"{url(c)}files/{f.pk}/"
    )
    assert reverse("commitments:suspicion_decide", kwargs={"pk": 7}) == (
        "/commitments/suspicions/7/decide/"
    )


@pytest.mark.parametrize("role", [Role.LEADER, Role.ORG_HR])
def test_roles_without_the_permission_are_refused(client, make_user, role, items, city, company):
    c = enter(items[SCJG_ITEM], company, actor=city)
    client.force_login(
        make_user(role, department="SCJG") if role == Role.ORG_HR else make_user(role)
    )
    for path in (INDEX, EXPORT, NEW, SUSPICIONS, url(c)):
        assert client.get(path).status_code == 403, path
    assert client.post(url(c, "fulfil")).status_code == 403


def test_anonymous_users_go_to_the_login(client):
    response = client.get(INDEX)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_each_reader_sees_their_tenant(client, make_user, items, city, company, uscc_factory):
    other = register_legal_person(
        actor=None, uscc=uscc_factory(division="320411"), name="常州市新北旅行社有限公司"
    )[0]
    scjg_tianning = enter(items[SCJG_ITEM], company, actor=city)
    wl_xinbei = enter(items[WL_ITEM], other, actor=city)

    def seen(user) -> set[str]:
        client.force_login(user)
        return _rows(client.get(INDEX).content.decode())

    assert seen(city) == {scjg_tianning.number, wl_xinbei.number}
    assert seen(make_user(Role.AUDITOR)) == {scjg_tianning.number, wl_xinbei.number}
    assert seen(make_user(Role.DEPT_OFFICER, department="SCJG")) == {scjg_tianning.number}
    assert seen(make_user(Role.DEPT_OFFICER, department="WL")) == {wl_xinbei.number}
    assert seen(make_user(Role.DISTRICT_ADMIN, region="320402")) == {scjg_tianning.number}
    assert seen(make_user(Role.DISTRICT_ADMIN, region="320411")) == {wl_xinbei.number}

    # Outside the tenant a commitment does not exist: every address of it is a 404.
    client.force_login(make_user(Role.DEPT_OFFICER, department="WL"))
    f = scjg_tianning.files.get()
    assert client.get(url(scjg_tianning)).status_code == 404
    assert client.get(f"{url(scjg_tianning)}files/{f.pk}/").status_code == 404
    for action in ("review", "fulfil", "breach"):
        assert client.post(url(scjg_tianning, action), {"facts": "x"}).status_code == 404
    scjg_tianning.refresh_from_db()
    assert scjg_tianning.status == Status.PUBLISHED


def test_the_list_counts_statuses_and_filters(client, items, city, scjg, company, person):
    published = enter(items[SCJG_ITEM], company, actor=city)
    waiting = enter(items[SCJG_ITEM], person, actor=city, status=Status.SUBMITTED)
    travel = enter(items[WL_ITEM], company, actor=city)
    client.force_login(city)
    page = client.get(INDEX).content.decode()
    assert 'data-testid="count-total">3<' in page
    assert 'data-testid="count-submitted">1<' in page
    assert 'data-testid="count-published">2<' in page

    def rows(**query) -> set[str]:
        return _rows(client.get(INDEX, query).content.decode())

    assert rows(status=Status.SUBMITTED) == {waiting.number}
    assert rows(kind="notify") == {travel.number}
    assert rows(item=str(items[WL_ITEM].pk)) == {travel.number}
    assert rows(department=str(items[SCJG_ITEM].department_id)) == {
        published.number,
        waiting.number,
    }
    assert rows(q="李承诺") == {waiting.number}
    assert rows(q=company.uscc) == {published.number, travel.number}
    assert rows(q=travel.number.lower()) == {travel.number}
    assert rows(date_from=(TODAY + datetime.timedelta(days=1)).isoformat()) == set()
    assert rows(date_to=TODAY.isoformat()) == {published.number, waiting.number, travel.number}


@pytest.mark.parametrize(
    "query",
    [
        {"page": "abc"},
        {"page": "99999999999999999999999"},
        {"date_from": "2026-13-45", "date_to": "yesterday"},
        {"item": "x"},
        {"department": "99999999999999999999999"},
        {"status": "nonsense", "kind": "<script>"},
        {"q": "'; DROP TABLE x; --" * 3},
    ],
)
def test_bad_filters_never_break_the_list(client, items, city, company, query):
    enter(items[SCJG_ITEM], company, actor=city)
    client.force_login(city)
    assert client.get(INDEX, query).status_code == 200
    assert client.get(EXPORT, query).status_code == 200


def test_unknown_numbers_and_files_are_404(client, items, city, company):
    c = enter(items[SCJG_ITEM], company, actor=city)
    client.force_login(city)
    assert client.get("/commitments/ZD-SCJG-20260101-99999/").status_code == 404
    assert client.get("/commitments/nonsense/").status_code == 404
    assert client.get(f"{url(c)}files/99999999/").status_code == 404
    assert client.get(f"{url(c)}files/9999999999999999999/").status_code == 404
    assert client.post(f"{SUSPICIONS}99999999/decide/", {"decision": "dismiss"}).status_code == 404


def test_the_detail_shows_the_fields_the_text_and_the_history(client, items, city, company):
    c = enter(items[SCJG_ITEM], company, actor=city)
    client.force_login(city)
    page = client.get(url(c)).content.decode()
    assert c.number in page and company.uscc in page and "王签署" in page
    assert c.item.name in page and c.department.name in page
    assert c.item_version.template_text[:20] in page
    assert "承诺书.pdf" in page
    history = page[page.index('data-testid="history"') :]
    assert "commitment.created" not in history  # the Chinese label, not the code
    assert city.username in history


def test_a_file_download_is_an_audited_read(client, items, scjg, company):
    c = enter(items[SCJG_ITEM], company, actor=scjg)
    f = c.files.get()
    client.force_login(scjg)
    response = client.get(f"{url(c)}files/{f.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content if response.streaming else [response.content]) == PDF
    entry = AuditEntry.objects.filter(event_type="commitment.file_read").latest("id")
    assert entry.object_id == str(c.pk) and entry.actor_id == scjg.pk
    assert entry.after["sha256"] == f.sha256


def test_review_pass_and_return_with_a_reason(client, items, city, scjg, company):
    waiting = enter(items[SCJG_ITEM], company, actor=city, status=Status.SUBMITTED)
    client.force_login(scjg)
    page = client.get(url(waiting)).content.decode()
    assert 'data-action="review"' in page and 'data-action="breach"' not in page

    # Returning needs a reason: the refusal is on the form.
    response = client.post(url(waiting, "review"), {"decision": "return", "reason": " "})
    assert response.status_code == 400
    assert "退回时请填写退回原因" in response.content.decode()
    response = client.post(url(waiting, "review"), {"decision": "return", "reason": "承诺书未盖章"})
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == Status.RETURNED and waiting.return_reason == "承诺书未盖章"

    second = enter(items[SCJG_ITEM], company, actor=city, status=Status.SUBMITTED)
    response = client.post(url(second, "review"), {"decision": "pass"}, follow=True)
    assert "审核通过，已公示" in response.content.decode()
    second.refresh_from_db()
    assert second.status == Status.PUBLISHED and second.published_on == TODAY

    # A second review of a published commitment is refused on the page, not a 500.
    response = client.post(url(second, "review"), {"decision": "pass"})
    assert response.status_code == 400
    assert "不能进行此操作" in response.content.decode()


def test_fulfil_and_breach(client, items, scjg, company):
    kept = enter(items[SCJG_ITEM], company, actor=scjg)
    broken = enter(items[SCJG_ITEM], company, actor=scjg)
    client.force_login(scjg)

    assert client.post(url(kept, "fulfil"), {"note": "按期履行"}).status_code == 302
    kept.refresh_from_db()
    assert kept.status == Status.FULFILLED and kept.fulfilled_on == TODAY

    response = client.post(url(broken, "breach"), {"facts": "   "})
    assert response.status_code == 400 and "请填写违诺情形" in response.content.decode()
    future = (TODAY + datetime.timedelta(days=3)).isoformat()
    response = client.post(url(broken, "breach"), {"facts": "未按承诺期限补交材料", "on": future})
    assert response.status_code == 400
    broken.refresh_from_db()
    assert broken.status == Status.PUBLISHED

    response = client.post(url(broken, "breach"), {"facts": "未按承诺期限补交材料"})
    assert response.status_code == 302
    broken.refresh_from_db()
    assert broken.status == Status.BREACHED and broken.breach_record_id
    assert 'data-testid="breach-record"' in client.get(url(broken)).content.decode()


def test_an_auditor_reads_but_cannot_act(client, make_user, items, city, company):
    waiting = enter(items[SCJG_ITEM], company, actor=city, status=Status.SUBMITTED)
    auditor = make_user(Role.AUDITOR)
    client.force_login(auditor)
    page = client.get(url(waiting)).content.decode()
    assert 'data-testid="actions"' not in page
    assert client.post(url(waiting, "review"), {"decision": "pass"}).status_code == 403
    assert client.get(NEW).status_code == 403


def test_a_department_enters_a_commitment_with_the_signed_letter(client, items, scjg, company):
    client.force_login(scjg)
    page = client.get(NEW).content.decode()
    # Only the items of the officer's department are offered.
    assert items[SCJG_ITEM].name in page and items[WL_ITEM].name not in page

    def post(**fields):
        data = {
            "item": items[SCJG_ITEM].pk,
            "identifier": company.uscc,
            "committed_on": TODAY.isoformat(),
            "signer_name": "赵经办",
            "channel": Channel.HALL,
            "letter": SimpleUploadedFile("承诺书.pdf", PDF, content_type="application/pdf"),
            **fields,
        }
        return client.post(NEW, {k: v for k, v in data.items() if v is not None})

    refused = [
        post(identifier="91320402MA00000000"),  # no such subject
        post(item=items[WL_ITEM].pk),  # another department's item
        post(letter=None),  # the signed letter is required
        post(committed_on=(TODAY + datetime.timedelta(days=2)).isoformat()),
        post(committed_on="not a date", channel="api"),
        post(letter=SimpleUploadedFile("x.exe", b"MZ\x90\x00", content_type="application/pdf")),
    ]
    for response in refused:
        assert response.status_code == 400
    assert not Commitment.objects.filter(legal_person=company).exists()

    response = post()
    assert response.status_code == 302
    c = Commitment.objects.get(legal_person=company)
    assert response["Location"] == url(c)
    assert c.channel == Channel.HALL and c.status == Status.PUBLISHED
    assert c.signer_name == "赵经办" and c.files.get().kind == "letter"
    assert c.number.startswith("ZD-SCJG-")


def test_the_export_is_audited_and_masks_natural_persons(client, items, city, company, person):
    enter(items[SCJG_ITEM], company, actor=city)
    enter(items[SCJG_ITEM], person, actor=city)
    client.force_login(city)
    response = client.get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    text = response_text(response)
    assert company.uscc in text and "李承诺" in text
    assert person.full_id not in text and person.id_masked in text
    assert AuditEntry.objects.filter(event_type="commitments.exported").exists()


def _suspicion(c: Commitment) -> SuspectedBreach:
    """A suspected breach of ``c``: an administrative penalty by its department."""
    from tests.records.factories import penalty

    record = penalty(c.legal_person, c.department.code, f"常市监罚〔2026〕{c.pk}号").record
    return SuspectedBreach.objects.get_or_create(commitment=c, record=record)[0]


def test_suspected_breaches_are_confirmed_or_dismissed(client, make_user, items, scjg, company):
    first = _suspicion(enter(items[SCJG_ITEM], company, actor=scjg))
    second = _suspicion(enter(items[SCJG_ITEM], company, actor=scjg))
    client.force_login(make_user(Role.DEPT_OFFICER, department="WL"))
    assert f'data-testid="suspicion-{first.pk}"' not in client.get(SUSPICIONS).content.decode()
    assert (
        client.post(
            f"{SUSPICIONS}{first.pk}/decide/", {"decision": "dismiss", "note": "x"}
        ).status_code
        == 404
    )

    client.force_login(scjg)
    page = client.get(SUSPICIONS).content.decode()
    assert f'data-testid="suspicion-{first.pk}"' in page
    assert f'data-testid="suspicion-{second.pk}"' in page
    response = client.post(f"{SUSPICIONS}{first.pk}/decide/", {"decision": "dismiss", "note": ""})
    assert response.status_code == 400 and "请填写核实意见" in response.content.decode()
    assert (
        client.post(
            f"{SUSPICIONS}{first.pk}/decide/", {"decision": "dismiss", "note": "处罚与承诺无关"}
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"{SUSPICIONS}{second.pk}/decide/", {"decision": "confirm", "note": "违反承诺"}
        ).status_code
        == 302
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == SuspicionStatus.DISMISSED
    assert second.status == SuspicionStatus.CONFIRMED
    assert second.commitment.status == Status.BREACHED
    page = client.get(SUSPICIONS).content.decode()
    assert f'data-testid="suspicion-{first.pk}"' not in page


def test_the_menu_and_the_workbench(client, items, city, scjg, make_user, company):
    from credit.core.navigation import menu_for
    from credit.dashboard.waiting import tasks_for

    enter(items[SCJG_ITEM], company, actor=city, status=Status.SUBMITTED)
    enter(items[WL_ITEM], company, actor=city, status=Status.SUBMITTED)
    group = next(g for g in menu_for(scjg) if g.key == "commitments")
    assert group.label == "信用承诺"
    labels = [link.label for link in group.links]
    assert labels[:4] == ["信用承诺", "录入承诺", "疑似违诺", "承诺事项"]
    assert not any(g.key == "commitments" for g in menu_for(make_user(Role.LEADER)))

    tasks = {t.key: t for t in tasks_for(scjg)}
    assert tasks["commitments_review"].count == 1  # its department's only
    assert tasks["commitments_review"].url == f"{INDEX}?status=submitted"
    assert tasks["commitments_suspicions"].count == 0
    assert {t.key: t for t in tasks_for(city)}["commitments_review"].count == 2
    assert "commitments_review" not in {t.key for t in tasks_for(make_user(Role.AUDITOR))}
