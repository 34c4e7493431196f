"""Code tables of the records app."""

from django.db import models


class RecordStatus(models.TextChoices):
    """Status that every reader (portal, API, reports) filters on."""

    ACTIVE = "active", "有效"
    SUSPENDED = "suspended", "暂停公示（异议中）"
    REPAIRED = "repaired", "已修复"
    REVOKED = "revoked", "已撤销"
    EXPIRED = "expired", "已过公示期"


class Severity(models.TextChoices):
    """失信严重程度 (《信用修复管理办法》, NDRC Order 36, 2026-04-01)."""

    NONE = "", "—"
    MINOR = "minor", "轻微"
    GENERAL = "general", "一般"
    SERIOUS = "serious", "严重"


SEVERITY_BY_LABEL = {label: value for value, label in Severity.choices if value}
