"""Business scenarios in which joint reward and punishment measures apply, and the list kinds."""

from __future__ import annotations

from django.db import models

from credit.catalog.constants import LIST_CATEGORIES, Category

# The list categories live with the catalog (``credit.catalog.constants``); re-exported.
__all__ = ["LIST_CATEGORIES", "MeasureKind", "Scenario", "measure_kind_for"]


class Scenario(models.TextChoices):
    """应用场景: where a department checks a subject before it acts (the joint memoranda)."""

    GOV_PROCUREMENT = "gov_procurement", "政府采购"
    BIDDING = "bidding", "招标投标"
    SUBSIDY = "subsidy", "财政资金补助与政策扶持"
    MARKET_ACCESS = "market_access", "市场准入与行政审批"
    HONOURS = "honours", "评优评先与表彰奖励"
    HIRING = "hiring", "公职人员招录与任职"
    FINANCING = "financing", "融资信贷"
    LAND = "land", "国有土地出让"
    TAX = "tax", "税收管理"
    CUSTOMS = "customs", "海关通关"
    CONSUMPTION = "consumption", "高消费及出行限制"


class MeasureKind(models.TextChoices):
    REWARD = "reward", "激励措施"
    PUNISHMENT = "punishment", "惩戒措施"


def measure_kind_for(list_kind: str) -> str:
    return MeasureKind.REWARD if list_kind == Category.RED_LIST else MeasureKind.PUNISHMENT
