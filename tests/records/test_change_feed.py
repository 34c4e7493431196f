"""The change feed of every credit record (``records.RecordChange``, ``GET /api/v1/changes``):
each kind written by the real services in the changing transaction, the list feed kept as it
was beside it, the cursor's order under concurrent writers, the filters and who sees what.

Inside a test transaction the events never pass the reader's horizon (the test's own
transaction is running), so the API tests move the horizon past it; the horizon itself is
tested with a real second connection in :func:`test_an_event_committed_late_is_not_skipped`.
"""

from __future__ import annotations

import datetime
import time
import uuid

import psycopg
import pytest
from django.db import connection, transaction

from credit.catalog.models import CatalogItem
from credit.core.models import Department
from credit.events import feed, registry
from credit.gateway import services as gateway
from credit.gateway.client import signed_headers
from credit.ingest.pipeline import ingest_payloads
from credit.records import changes, services
from credit.records.constants import RecordStatus
from credit.records.models import CreditRecord, ListChange, RecordChange
from tests.records.factories import legal_payload, penalty

URL = "/api/v1/changes"


def _kinds(record: CreditRecord) -> list[tuple[str, int]]:
    """(kind, version) of the record's changes, in feed order."""
    return list(
        RecordChange.objects.filter(record=record)
        .order_by("txid", "id")
        .values_list("kind", "version")
    )


@pytest.fixture
def past_the_horizon(monkeypatch):
    """Treat this test's own (running) transaction as ended."""

    def beyond() -> int:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_current_xact_id()::text::bigint + 1")
            return cur.fetchone()[0]

    monkeypatch.setattr(feed, "horizon", beyond)


# --------------------------------------------------------------------------------------------
# Every kind, from the services that make it
# --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_ingest_writes_created_then_updated_for_a_record_of_no_list(legal_person):
    scjg = Department.objects.get(code="SCJG")

    def push(**changed):
        return ingest_payloads(
            actor=None,
            rows=[legal_payload(legal_person, scjg, "常市监罚〔2026〕901号", **changed)],
            item_code="admin-penalty",
            department_code="SCJG",
        )

    assert push().inserted == 1
    assert push().unchanged == 1  # nothing changed: no event
    assert push(penalty_content="警告并罚款").updated == 1
    record = CreditRecord.objects.get(legal_person=legal_person, document_no__contains="901")
    assert _kinds(record) == [("created", 1), ("updated", 2)]
    event = RecordChange.objects.filter(record=record).latest("id")
    assert (event.item.code, event.region_id, event.department.code) == (
        "admin-penalty",
        "320400",
        "SCJG",
    )
    assert (event.legal_person_id, event.natural_person_id) == (legal_person.pk, None)
    # 行政处罚 is no list: the list feed has nothing of it
    assert not ListChange.objects.filter(record=record).exists()


@pytest.mark.django_db
def test_each_status_change_and_correction_writes_its_own_kind(legal_person):
    record = penalty(legal_person, "SCJG", "常市监罚〔2026〕902号").record
    services.change_status(
        actor=None, record=record, status=RecordStatus.SUSPENDED, reason="异议", reference="Y1"
    )
    services.change_status(
        actor=None, record=record, status=RecordStatus.ACTIVE, reason="异议不成立"
    )
    payload = legal_payload(
        legal_person,
        Department.objects.get(code="SCJG"),
        "常市监罚〔2026〕902号",
        penalty_content="警告（更正）",
    )
    services.correct_record(actor=None, record=record, payload=payload, reason="更正")
    services.change_status(actor=None, record=record, status=RecordStatus.REPAIRED, reason="修复")
    other = penalty(legal_person, "SCJG", "常市监罚〔2026〕903号").record
    services.change_status(actor=None, record=other, status=RecordStatus.REVOKED, reason="撤销")

    assert _kinds(record) == [
        ("created", 1),
        ("suspended", 2),
        ("restored", 3),
        ("corrected", 4),
        ("repaired", 5),
    ]
    assert _kinds(other) == [("created", 1), ("revoked", 2)]


@pytest.mark.django_db
def test_expiry_writes_expired_for_every_record(legal_person):
    record = penalty(legal_person, "SCJG", "常市监罚〔2026〕904号").record
    later = record.publicity_end + datetime.timedelta(days=1)
    assert record.pk in services.expire_publicity(today=later)
    assert _kinds(record) == [("created", 1), ("expired", 2)]


@pytest.mark.django_db
def test_a_rolled_back_write_leaves_no_event(legal_person):
    record = penalty(legal_person, "SCJG", "常市监罚〔2026〕905号").record
    before = RecordChange.objects.count()

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        services.change_status(
            actor=None, record=record, status=RecordStatus.REVOKED, reason="撤销"
        )
        assert _kinds(record)[-1] == ("revoked", 2)  # written in the changing transaction
        raise Boom
    assert RecordChange.objects.count() == before
    assert _kinds(record) == [("created", 1)]


@pytest.mark.django_db
def test_the_list_feed_keeps_its_own_kinds_beside_the_record_feed(uscc_factory):
    uscc = uscc_factory()
    batch = ingest_payloads(
        actor=None,
        rows=[{"uscc": uscc, "enterprise_name": "常州市某质量失信有限公司"}],
        item_code="quality-dishonest",
        department_code="SCJG",
    )
    assert batch.inserted == 1
    entry = CreditRecord.objects.get(legal_person__uscc=uscc)
    services.change_status(actor=None, record=entry, status=RecordStatus.SUSPENDED, reason="异议")
    services.change_status(actor=None, record=entry, status=RecordStatus.REPAIRED, reason="修复")
    listed = list(ListChange.objects.filter(record=entry).order_by("id").values_list("kind"))
    assert listed == [("listed",), ("suspended",), ("removed",)]
    assert [k for k, _ in _kinds(entry)] == ["created", "suspended", "repaired"]


@pytest.mark.django_db
def test_emit_maps_every_record_kind_and_refuses_an_unknown_one(legal_person):
    assert set(changes.LIST_KINDS) == set(RecordChange.Kind.values)
    assert changes.record_kind("listed") == "created"  # callers of the list feed's kinds
    with pytest.raises(ValueError, match="未知的信用记录变更类型"):
        changes.emit("deleted", [1])


@pytest.mark.django_db
def test_listeners_hear_the_record_kind(legal_person, monkeypatch):
    heard: list[tuple[str, list[int]]] = []
    monkeypatch.setattr(changes, "_listeners", [lambda kind, ids: heard.append((kind, ids))])
    record = penalty(legal_person, "SCJG", "常市监罚〔2026〕906号").record
    services.change_status(actor=None, record=record, status=RecordStatus.REVOKED, reason="撤销")
    assert heard == [("created", [record.pk]), ("revoked", [record.pk])]


def test_the_event_type_is_registered_but_not_pushed_by_default():
    kind = registry.get("record.changed")
    assert (kind.label, kind.model, kind.filter_fields) == (
        "信用记录变更",
        RecordChange,
        ("region",),
    )
    assert registry.DEFAULT_TYPES == ("list.changed",)


# --------------------------------------------------------------------------------------------
# Ordering under concurrent writers
# --------------------------------------------------------------------------------------------


@pytest.fixture
def committed_records(django_db_setup, django_db_blocker):
    """Two committed records of a legal person of its own, removed afterwards."""
    from credit.core.identifiers import make_uscc
    from credit.subjects.services import register_legal_person

    with django_db_blocker.unblock():
        subject, _ = register_legal_person(
            actor=None,
            uscc=make_uscc("91", "320402", uuid.uuid4().hex[:8].upper()),
            name="记录变更并发测试",
        )
        made = [
            CreditRecord.objects.create(
                item=CatalogItem.objects.get(code="admin-penalty"),
                legal_person=subject,
                department=Department.objects.get(code="SCJG"),
                region_id="320400",
                natural_key=f"record-feed-{uuid.uuid4().hex}",
                document_no=f"record-feed-{n}",
                payload={},
                usage_scope="public",
                decision_date=datetime.date.today(),
            )
            for n in (1, 2)
        ]
    yield made
    with django_db_blocker.unblock():
        CreditRecord.objects.filter(pk__in=[r.pk for r in made]).delete()  # events go with them
        subject.delete()  # other tests count the committed legal persons


def test_an_event_committed_late_is_not_skipped(committed_records, django_db_blocker):
    """Transaction A writes its change first and commits last; B writes and commits in
    between. A reader between the two commits must not hand out B (its cursor would pass A's
    event); afterwards both come, A's first, and nothing repeats."""
    first, second = committed_records
    mine = {first.pk, second.pk}
    with django_db_blocker.unblock():
        _, cursor = feed.read(RecordChange.objects, None, limit=1_000_000)
        settings = connection.settings_dict
        other = psycopg.connect(
            dbname=settings["NAME"],
            user=settings["USER"],
            host=settings["HOST"] or None,
            port=settings["PORT"] or None,
        )
        try:
            # A: a second connection writes the change of `first` and keeps its transaction open.
            other.execute(
                "INSERT INTO records_recordchange (txid, occurred_at, event_id, kind, record_id,"
                " item_id, region_id, department_id, legal_person_id, version)"
                " SELECT pg_current_xact_id()::text::bigint, now(), gen_random_uuid(), 'updated',"
                " id, item_id, region_id, department_id, legal_person_id, version"
                " FROM records_creditrecord WHERE id = %s",
                [first.pk],
            )
            # B: this connection emits for `second` through the service path and commits.
            with transaction.atomic():
                changes.emit(RecordChange.Kind.UPDATED, [second.pk])
            events, _ = feed.read(RecordChange.objects, cursor)
            assert [e.record_id for e in events if e.record_id in mine] == []
            other.commit()
        finally:
            other.close()
        deadline = time.monotonic() + 60
        while True:
            events, end = feed.read(RecordChange.objects, cursor)
            seen = [e.record_id for e in events if e.record_id in mine]
            if len(seen) == 2 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert seen == [first.pk, second.pk]  # A's event first: it began first
        again, _ = feed.read(RecordChange.objects, end)
        assert not [e for e in again if e.record_id in mine]  # nothing repeats


# --------------------------------------------------------------------------------------------
# GET /api/v1/changes
# --------------------------------------------------------------------------------------------


@pytest.fixture
def three_changes(legal_person, uscc_factory):
    """A 行政处罚 of SCJG (created, then revoked), a 行政处罚 of 天宁区's TNQ-SCJG (created) and
    a 质量失信 black-list entry (created), in this order."""
    before = RecordChange.objects.order_by("-txid", "-id").first()
    city = penalty(legal_person, "SCJG", "常市监罚〔2026〕911号").record
    district = penalty(legal_person, "TNQ-SCJG", "天市监罚〔2026〕912号").record
    ingest_payloads(
        actor=None,
        rows=[{"uscc": uscc_factory(), "enterprise_name": "常州市某质量失信有限公司"}],
        item_code="quality-dishonest",
        department_code="SCJG",
    )
    entry = CreditRecord.objects.filter(item__code="quality-dishonest").latest("id")
    services.change_status(actor=None, record=city, status=RecordStatus.REVOKED, reason="撤销")
    cursor = feed.encode_cursor(before.txid, before.pk) if before else ""
    return {"city": city, "district": district, "entry": entry, "cursor": cursor}


def _pull(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.django_db
def test_staff_pull_every_change_in_order_with_the_cursor(
    client, make_user, three_changes, past_the_horizon
):
    city, district, entry = three_changes["city"], three_changes["district"], three_changes["entry"]
    client.force_login(make_user("city_admin"))
    first = _pull(client, cursor=three_changes["cursor"], limit=2)
    assert [(e["record_id"], e["kind"]) for e in first["events"]] == [
        (city.pk, "created"),
        (district.pk, "created"),
    ]
    assert first["more"] is True
    event = RecordChange.objects.get(record=city, kind="created")
    assert first["events"][0] == {
        "event_id": str(event.event_id),
        "kind": "created",
        "record_id": city.pk,
        "item": "admin-penalty",
        "item_name": "行政处罚",
        "region": "320400",
        "department": "SCJG",
        "version": 1,
        "occurred_at": first["events"][0]["occurred_at"],
    }
    rest = _pull(client, cursor=first["cursor"])
    assert [(e["record_id"], e["kind"], e["version"]) for e in rest["events"]] == [
        (entry.pk, "created", 1),
        (city.pk, "revoked", 2),
    ]
    assert rest["more"] is False
    assert _pull(client, cursor=rest["cursor"]) == {
        "events": [],
        "cursor": rest["cursor"],
        "more": False,
    }


@pytest.mark.django_db
def test_filters_by_item_region_and_kind(client, make_user, three_changes, past_the_horizon):
    city, district, entry = three_changes["city"], three_changes["district"], three_changes["entry"]
    client.force_login(make_user("city_admin"))
    start = three_changes["cursor"]

    def records(**params):
        return [
            (e["record_id"], e["kind"]) for e in _pull(client, cursor=start, **params)["events"]
        ]

    assert records(item="admin-penalty") == [
        (city.pk, "created"),
        (district.pk, "created"),
        (city.pk, "revoked"),
    ]
    assert records(item="quality-dishonest") == [(entry.pk, "created")]
    assert records(region="320402") == [(district.pk, "created")]
    assert records(kind="revoked") == [(city.pk, "revoked")]
    assert records(item="admin-penalty", region="320400", kind="created") == [(city.pk, "created")]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"item": "no-such-item"}, "item_unknown"),
        ({"region": "999999"}, "region_unknown"),
        ({"region": "32040"}, "invalid_request"),
        ({"kind": "deleted"}, "invalid_request"),
        ({"kind": "listed"}, "invalid_request"),  # a list feed kind is no record kind
        ({"limit": 0}, "invalid_request"),
        ({"limit": 1001}, "invalid_request"),
        ({"cursor": "x.y"}, "cursor_invalid"),
    ],
)
def test_bad_filters_and_cursors_are_refused_in_chinese(client, make_user, params, code):
    client.force_login(make_user("city_admin"))
    response = client.get(URL, params)
    assert (response.status_code, response.json()["code"]) == (422, code)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["message"])


@pytest.mark.django_db
def test_staff_without_record_view_are_refused(client, make_user):
    client.force_login(make_user("leader"))
    response = client.get(URL)
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


def _client(kind: str, items: list[str], department: str | None = None):
    return gateway.create_client(
        actor=None,
        name=f"变更拉取{uuid.uuid4().hex[:6]}",
        kind=kind,
        department=Department.objects.get(code=department) if department else None,
        ips=["127.0.0.1/32"],
        scopes=["changes:read"],
        items=[CatalogItem.objects.get(code=code) for code in items],
    )


def _signed_pull(client, api, secret, cursor: str) -> list[tuple[int, str]]:
    query = f"cursor={cursor}"
    response = client.get(
        f"{URL}?{query}",
        headers=signed_headers(api.key, secret, "GET", URL, query),
        REMOTE_ADDR="127.0.0.1",
    )
    assert response.status_code == 200, response.content
    return [(e["record_id"], e["kind"]) for e in response.json()["events"]]


@pytest.mark.django_db
def test_a_client_receives_only_the_usage_scopes_and_items_it_may_use(
    client, legal_person, past_the_horizon
):
    before = RecordChange.objects.order_by("-txid", "-id").first()
    cursor = feed.encode_cursor(before.txid, before.pk) if before else ""
    public = penalty(legal_person, "SCJG", "常市监罚〔2026〕921号").record
    shared = penalty(
        legal_person, "SCJG", "常市监罚〔2026〕922号", info_usage_scope="政务共享"
    ).record
    assert (public.usage_scope, shared.usage_scope) == ("public", "shared")
    services.change_status(actor=None, record=public, status=RecordStatus.REVOKED, reason="撤销")

    bank, bank_secret = _client("third_party", ["admin-penalty"])
    # public only — and the revocation reaches it although the record is no longer in force
    assert _signed_pull(client, bank, bank_secret, cursor) == [
        (public.pk, "created"),
        (public.pk, "revoked"),
    ]
    system, system_secret = _client("department", ["admin-penalty"], "TNQ-SCJG")
    assert _signed_pull(client, system, system_secret, cursor) == [
        (public.pk, "created"),
        (shared.pk, "created"),
        (public.pk, "revoked"),
    ]
    other, other_secret = _client("third_party", ["quality-dishonest"])
    assert _signed_pull(client, other, other_secret, cursor) == []


@pytest.mark.django_db
def test_a_client_without_the_scope_is_refused(client):
    api, secret = gateway.create_client(
        actor=None,
        name="无变更权限",
        kind="third_party",
        ips=["127.0.0.1/32"],
        scopes=["sanctions:changes"],
    )
    response = client.get(
        URL, headers=signed_headers(api.key, secret, "GET", URL), REMOTE_ADDR="127.0.0.1"
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_the_list_feed_answers_as_before(client, make_user, uscc_factory, past_the_horizon):
    before = ListChange.objects.order_by("-txid", "-id").first()
    cursor = feed.encode_cursor(before.txid, before.pk) if before else ""
    uscc = uscc_factory()
    ingest_payloads(
        actor=None,
        rows=[{"uscc": uscc, "enterprise_name": "常州市某质量失信有限公司"}],
        item_code="quality-dishonest",
        department_code="SCJG",
    )
    entry = CreditRecord.objects.get(legal_person__uscc=uscc)
    services.change_status(actor=None, record=entry, status=RecordStatus.REVOKED, reason="撤销")
    client.force_login(make_user("city_admin"))
    body = client.get("/api/v1/sanctions/changes", {"cursor": cursor}).json()
    assert [
        (e["record"], e["kind"], e["list_kind"], e["subject_code"]) for e in body["events"]
    ] == [
        (entry.pk, "listed", "black_list", uscc),
        (entry.pk, "removed", "black_list", uscc),
    ]
