"""The list management page: entries in scope, counts, filters and the export."""

from __future__ import annotations

import io

import openpyxl
import pytest

pytestmark = pytest.mark.django_db


def test_the_credit_office_sees_counts_and_entries(client, admin_user, listed):
    subject, entry, _ = listed
    client.force_login(admin_user)
    page = client.get("/sanctions/lists/", {"item": "dishonest-judgment-debtor"})
    assert page.status_code == 200
    (count,) = page.context["counts"]
    assert (count["in_force"], count["ended"], count["total"]) == (1, 2, 3)
    in_force = client.get("/sanctions/lists/", {"state": "in_force", "q": subject.uscc})
    assert [e.pk for e in in_force.context["page"]] == [entry.pk]
    assert subject.name in in_force.content.decode()


def test_the_export_has_the_entries_and_the_counts(client, admin_user, listed):
    subject, _, _ = listed
    client.force_login(admin_user)
    response = client.get("/sanctions/lists/export.xlsx", {"q": subject.uscc})
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(book["名单"].iter_rows(values_only=True))
    assert rows[0][0] == "名单" and len(rows) == 4
    assert {r[3] for r in rows[1:]} == {subject.uscc}
    assert list(book["统计"].iter_rows(values_only=True))[1][2:] == (1, 2, 3)


def test_a_department_sees_its_own_entries_only(client, make_user, listed):
    client.force_login(make_user("dept_officer"))  # SCJG; the entries are the court's
    page = client.get("/sanctions/lists/")
    assert page.status_code == 200 and len(page.context["page"]) == 0
    client.force_login(make_user("auditor"))
    assert len(client.get("/sanctions/lists/").context["page"]) >= 3
