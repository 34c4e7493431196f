"""A district's self-check pages: copying the city's rubric as the district's own, running
the check for a period, the runs listed for the district and for the credit office (not for
another district), a run's results and unit pages."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from credit.assessment.models import Assessment, Rubric
from tests.assessment.test_views_assessments import _data

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def text(response) -> str:
    return response.content.decode()


def test_a_district_runs_its_self_check_and_reads_the_results(users, mini_rubric):
    _data()
    c = client_of(users["tianning"])
    page = text(c.get("/assessment/self-check/"))
    assert "还没有自评检查" in page and 'data-testid="run-form"' in page
    response = c.post("/assessment/self-check/", {"period": "2025Q4"})
    run = Assessment.objects.get(owner_region_id="320402", period="2025Q4")
    assert response.status_code == 302
    assert response["Location"] == f"/assessment/self-check/{run.pk}/"
    page = text(c.get(response["Location"]))
    assert "已完成天宁区2025年第四季度自评检查" in page
    assert 'data-testid="ranking-district"' in page
    unit = run.units.get(kind="district")
    page = text(c.get(f"/assessment/self-check/{run.pk}/units/{unit.pk}/"))
    assert 'data-testid="tree"' in page
    assert f"/assessment/self-check/{run.pk}/units/{unit.pk}/rows/list_reports/" in page
    rows = c.get(f"/assessment/self-check/{run.pk}/units/{unit.pk}/rows/list_reports/")
    assert rows.status_code == 200
    # The credit office sees the run; another district does not.
    assert f'data-testid="run-{run.pk}"' in text(
        client_of(users["reviewer"]).get("/assessment/self-check/")
    )
    other = client_of(users["zhonglou"])
    assert f'data-testid="run-{run.pk}"' not in text(other.get("/assessment/self-check/"))
    assert other.get(f"/assessment/self-check/{run.pk}/").status_code == 404
    assert client_of(users["scjg"]).get("/assessment/self-check/").status_code == 403


def test_an_invalid_period_is_refused_on_the_form(users, mini_rubric):
    response = client_of(users["tianning"]).post("/assessment/self-check/", {"period": "25Q4"})
    assert response.status_code == 400 and "考核周期“25Q4”无效" in text(response)


def test_a_district_copies_the_city_rubric_as_its_own(users, db):
    c = client_of(users["tianning"])
    page = text(c.get("/assessment/self-check/"))
    year = timezone.localdate().year
    city = Rubric.objects.filter(owner_region=None, year=year).order_by("-version").first()
    assert city is not None, "the city rubric of this year is loaded with the catalog"
    assert 'data-testid="copy-city"' in page
    response = c.post("/assessment/self-check/rubric/")
    own = Rubric.objects.get(owner_region_id="320402")
    assert response["Location"] == f"/assessment/rubrics/{own.pk}/"
    assert own.indicators.count() == city.indicators.count()
    assert 'data-testid="own-rubric"' in text(c.get("/assessment/self-check/"))
    # The city's manager has no district of its own to copy for.
    response = client_of(users["reviewer"]).post("/assessment/self-check/rubric/", follow=True)
    assert "只有辖市区管理员" in text(response)
