"""The portal's 考核公示 column: only the city's assessments published to the public, with
both rankings by final score and no detail; anything else is not found."""

from __future__ import annotations

import pytest
from django.test import Client

from credit.assessment.services import assessments as services
from tests.assessment.test_views_assessments import _data

pytestmark = pytest.mark.django_db


def _publish(users, visibility: str):
    _data()
    a = services.open_assessment(actor=users["reviewer"], period="2025Q4")
    services.close_self_scoring(actor=users["reviewer"], assessment=a)
    for u in a.units.all():
        services.review_unit(actor=users["reviewer"], unit=u, scores={}, comment="")
    return services.publish(actor=users["reviewer"], assessment=a, visibility=visibility)


def test_the_column_is_empty_until_an_assessment_is_published_to_the_public(users, mini_rubric):
    page = Client().get("/portal/assessment/").content.decode()
    assert "暂无向社会公示的考核结果" in page and "考核公示" in page
    _publish(users, "internal")
    assert Client().get("/portal/assessment/2025Q4/").status_code == 404
    assert "暂无向社会公示的考核结果" in Client().get("/portal/assessment/").content.decode()


def test_a_public_assessment_shows_both_rankings_with_final_scores(users, mini_rubric):
    _publish(users, "public")
    page = Client().get("/portal/assessment/").content.decode()
    assert "/portal/assessment/2025Q4/" in page
    response = Client().get("/portal/assessment/2025Q4/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="ranking-department"' in page and 'data-testid="ranking-district"' in page
    scjg = '<td data-label="单位">常州市市场监督管理局</td><td data-label="最终得分"'
    assert scjg + ' data-testid="final">4.50</td>' in page
    assert "自评" not in page and "佐证" not in page
    assert Client().get("/portal/assessment/2024Q4/").status_code == 404
