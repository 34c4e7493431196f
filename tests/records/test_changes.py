"""The list change feed: events written with the change, read with a cursor that neither skips
an event committed late nor repeats one."""

from __future__ import annotations

import datetime
import time
import uuid

import psycopg
import pytest

from credit.catalog.models import CatalogItem
from credit.core.models import Department
from credit.events import feed
from credit.records import changes
from credit.records.models import CreditRecord, ListChange


def _entry(subject, code="ciq-dishonest", n=1):  # a list no other test counts
    return CreditRecord.objects.create(
        item=CatalogItem.objects.get(code=code),
        legal_person=subject,
        department=Department.objects.get(code="FY"),
        region_id="320400",
        natural_key=f"feed-{uuid.uuid4().hex}",
        document_no=f"feed-{n}",
        payload={},
        usage_scope="public",
        decision_date=datetime.date.today(),
    )


@pytest.mark.django_db
def test_only_list_entries_make_events(legal_person):
    listed = _entry(legal_person)
    licence = _entry(legal_person, code="admin-license")
    assert changes.emit(ListChange.Kind.LISTED, [listed.pk, licence.pk]) == 1
    event = ListChange.objects.get(record=listed)
    assert (event.kind, event.list_kind, event.version) == ("listed", "black_list", 1)


@pytest.mark.django_db
def test_the_cursor_walks_forward_without_repeats(legal_person, monkeypatch):
    entries = [_entry(legal_person, n=n) for n in range(5)]
    changes.emit(ListChange.Kind.LISTED, [e.pk for e in entries])
    start = ListChange.objects.order_by("txid", "id").last()
    # Inside one test transaction the events are this transaction's own: the reader's horizon
    # is the oldest running transaction, which is ours — so nothing is handed out yet …
    events, _ = feed.read(ListChange.objects, None)
    assert start.txid not in {e.txid for e in events}
    # … once it has ended (the horizon moved past it), pages of two walk through all five.
    monkeypatch.setattr(feed, "horizon", lambda: start.txid + 1)
    mine = {e.pk for e in entries}
    seen, cursor = [], None
    for _ in range(10):
        page, cursor = feed.read(
            ListChange.objects, cursor, limit=2, filters={"record_id__in": mine}
        )
        if not page:
            break
        seen += [e.record_id for e in page]
    assert seen == [e.pk for e in entries]  # in order, each once


@pytest.fixture
def committed_subject(django_db_setup, django_db_blocker):
    from credit.core.identifiers import make_uscc
    from credit.subjects.services import register_legal_person

    with django_db_blocker.unblock():
        subject, _ = register_legal_person(
            actor=None,
            uscc=make_uscc("91", "320402", uuid.uuid4().hex[:8].upper()),
            name="反馈测试",
        )
    made: list[int] = []
    yield subject, made
    with django_db_blocker.unblock():
        ListChange.objects.filter(record_id__in=made).delete()
        CreditRecord.objects.filter(pk__in=made).delete()
        subject.delete()  # other tests count the committed legal persons


def test_an_event_committed_late_is_not_skipped(committed_subject, django_db_blocker):
    """Transaction A emits first and commits last; B emits and commits in between. A reader
    between the two commits must not hand out B (its cursor would pass A's event)."""
    from django.db import connection, transaction

    subject, made = committed_subject
    with django_db_blocker.unblock():
        first, second = _entry(subject, n=1), _entry(subject, n=2)
        made += [first.pk, second.pk]
        # Everything before this test:
        _, cursor = feed.read(ListChange.objects, None, limit=1_000_000)
        settings = connection.settings_dict
        other = psycopg.connect(
            dbname=settings["NAME"],
            user=settings["USER"],
            host=settings["HOST"] or None,
            port=settings["PORT"] or None,
        )
        try:
            # A: a second connection emits for `first` and keeps its transaction open.
            other.execute(
                "INSERT INTO records_listchange (txid, occurred_at, event_id, kind, record_id,"
                " item_id, list_kind, region_id, department_id, legal_person_id, version)"
                " SELECT pg_current_xact_id()::text::bigint, now(), gen_random_uuid(), 'listed',"
                " id, item_id, 'black_list', region_id, department_id, legal_person_id, version"
                " FROM records_creditrecord WHERE id = %s",
                [first.pk],
            )
            # B: this connection emits for `second` and commits.
            with transaction.atomic():
                changes.emit(ListChange.Kind.LISTED, [second.pk])
            events, _ = feed.read(ListChange.objects, cursor)
            assert [e.record_id for e in events if e.record_id in made] == []
            other.commit()
        finally:
            other.close()
        # Transactions elsewhere in the cluster (other tests, other databases) hold the horizon
        # back for a moment: wait until it passes both events.
        deadline = time.monotonic() + 60
        while True:
            events, end = feed.read(ListChange.objects, cursor)
            mine = [e.record_id for e in events if e.record_id in made]
            if len(mine) == 2 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert mine == [first.pk, second.pk]  # A's event first: it began first
        again, _ = feed.read(ListChange.objects, end)
        assert not [e for e in again if e.record_id in made]  # nothing repeats


@pytest.mark.django_db
def test_ingesting_a_list_file_emits_listed_then_updated(uscc_factory):
    from credit.ingest.pipeline import ingest_payloads

    uscc = uscc_factory()

    def push(name):
        return ingest_payloads(
            actor=None,
            rows=[{"uscc": uscc, "enterprise_name": name}],
            item_code="quality-dishonest",
            department_code="SCJG",
        )

    assert push("常州市某质量失信有限公司").inserted == 1
    assert push("常州市某质量失信有限公司").unchanged == 1
    assert push("常州市某质量失信有限公司（更名）").updated == 1
    kinds = list(
        ListChange.objects.filter(legal_person__uscc=uscc)
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == ["listed", "updated"]
