"""The rubric and metric pages: the versions listed by year and owner with their empty state,
one version as a tree with each formula in words and the assessments that used it, copying
a version and editing an indicator of an unused one (a bad formula refused on the form, a
used version refused), and the metric definitions with the indicators that use them."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import Client

from credit.assessment.models import Indicator, Rubric
from credit.assessment.services import assessments as services
from credit.assessment.views.rubrics import formula_text

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def text(response) -> str:
    return response.content.decode()


def test_the_list_shows_the_versions_and_filters_by_year(users, mini_rubric):
    c = client_of(users["leader"])
    page = text(c.get("/assessment/rubrics/"))
    assert f'data-testid="rubric-{mini_rubric.pk}"' in page
    page = text(c.get("/assessment/rubrics/?year=2025"))
    assert "共 1 个版本" in page and "2025年度测试考核细则" in page
    page = text(c.get("/assessment/rubrics/?year=2030"))
    assert "没有符合条件的考核细则" in page
    assert (
        client_of(users["reviewer"]).get("/assessment/rubrics/?owner=district").status_code == 200
    )


def test_a_rubric_reads_as_a_tree_with_formulas_in_words(users, mini_rubric):
    page = text(client_of(users["scjg"]).get(f"/assessment/rubrics/{mini_rubric.pk}/"))
    assert 'data-testid="ind-1.1"' in page and 'class="ind d1"' in page
    assert "分档计分：≥2 得4分；≥1 得2分；其余得0分；无可监测数据时得0分" in page
    assert "按件计分：每件扣0.5分，最多2分" in page
    assert "尚未使用" in page and "copy-form" not in page  # an officer does not copy


def test_formulas_in_words():
    assert (
        formula_text({"type": "ratio", "full_at": 100}, points=Decimal("8"), kind="item")
        == "按监测值比例计分：监测值达到100时得8分，不足按比例"
    )
    assert (
        formula_text(
            {"type": "rank", "bands": [[0.2, 1.0], [1.0, 0.5]]}, points=Decimal("4"), kind="item"
        )
        == "按同类单位排名计分：排名前20% 得4分；排名前100% 得2分"
    )
    assert formula_text({}, points=Decimal("1"), kind="item") == ""


def test_a_manager_copies_a_version_and_edits_an_indicator(users, mini_rubric):
    c = client_of(users["reviewer"])
    response = c.post(f"/assessment/rubrics/{mini_rubric.pk}/copy/", {"year": ""})
    new = Rubric.objects.get(year=2025, version=2, owner_region=None)
    assert response["Location"] == f"/assessment/rubrics/{new.pk}/"
    assert "已复制为2025年第2版" in text(c.get(response["Location"]))
    indicator = new.indicators.get(code="1.1")
    url = f"/assessment/rubrics/{new.pk}/indicators/{indicator.pk}/"
    assert 'data-testid="indicator-form"' in text(c.get(url))
    data = {"name": "红黑名单报送", "points": "4", "method": "auto", "metric": "list_reports",
            "formula": '{"type": "thresholds", "steps": [[2, 5]]}', "applies_to": "all",
            "monitoring_point": "", "criteria": ""}  # fmt: skip
    response = c.post(url, data)
    assert response.status_code == 400 and 'data-testid="field-error"' in text(response)
    response = c.post(url, {**data, "formula": "{not json"})
    assert response.status_code == 400 and "计分公式不是有效的 JSON" in text(response)
    formula = {"type": "ratio", "full_at": 3}
    response = c.post(url, {**data, "formula": json.dumps(formula), "criteria": "每条得分"})
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert (indicator.formula, indicator.criteria) == (formula, "每条得分")


def test_a_used_version_cannot_be_edited(users, mini_rubric):
    services.open_assessment(actor=users["reviewer"], period="2025Q4")
    c = client_of(users["reviewer"])
    page = text(c.get(f"/assessment/rubrics/{mini_rubric.pk}/"))
    assert 'data-testid="locked"' in page and "edit-1.1" not in page
    assert "2025年第四季度" in page
    indicator = mini_rubric.indicators.get(code="1.3")
    url = f"/assessment/rubrics/{mini_rubric.pk}/indicators/{indicator.pk}/"
    data = {"name": "改名", "points": "4", "method": "manual", "metric": "", "formula": "",
            "applies_to": "all"}  # fmt: skip
    response = c.post(url, data)
    assert response.status_code == 400 and "已用于考核，不能修改" in text(response)
    assert Indicator.objects.get(pk=indicator.pk).name == "工作机制"


def test_the_city_rubric_is_the_credit_offices(users, mini_rubric):
    c = client_of(users["tianning"])
    assert c.post(f"/assessment/rubrics/{mini_rubric.pk}/copy/", {}).status_code == 403
    indicator = mini_rubric.indicators.get(code="1.3")
    url = f"/assessment/rubrics/{mini_rubric.pk}/indicators/{indicator.pk}/"
    assert c.get(url).status_code == 403
    assert client_of(users["scjg"]).get(url).status_code == 403
    assert client_of(users["reviewer"]).get("/assessment/rubrics/999999/").status_code == 404


def test_metric_definitions_and_where_they_are_used(users, mini_rubric):
    c = client_of(users["scjg"])
    page = text(c.get("/assessment/metrics/"))
    assert 'data-testid="metric-list_reports"' in page and "红黑名单报送" in page
    assert "2025年第1版" in page
    page = text(c.get("/assessment/metrics/interface_calls/"))
    assert 'data-testid="definition"' in page and "1.2 接口调用" in page
    assert c.get("/assessment/metrics/no_such/").status_code == 404
    assert Client().get("/assessment/metrics/").status_code == 302
