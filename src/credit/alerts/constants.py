"""Code tables of warnings (预警): the metrics a rule may watch, what one warning is about, the
comparisons, the periods, the levels and the life cycle. The metrics' computations are in
:mod:`credit.alerts.metrics`; their codes and Chinese names are here so that the models name
them without importing the source tables."""

from __future__ import annotations

from django.db import models


class MetricCode(models.TextChoices):
    """The metrics a warning rule may watch (指标)."""

    DISHONESTY_RECORDS = "dishonesty_records", "新增失信记录数"
    PUBLICITY_TIMELINESS = "publicity_timeliness", "双公示信息7个工作日内报送及时率"
    SOURCE_REPORTS = "source_reports", "来源部门上一报送周期报送数据量"
    OVERDUE_OBJECTIONS = "overdue_objections", "超过办理期限的异议数"
    BLACKLISTED_LICENSES = "blacklisted_licenses", "新列入黑名单主体持有的有效行政许可数"


class Subject(models.TextChoices):
    """What one warning is about (预警对象)."""

    DISTRICT = "district", "辖市区"
    DEPARTMENT = "department", "部门"
    CITY = "city", "全市"
    SUBJECT = "subject", "信用主体"


class Comparison(models.TextChoices):
    GT = "gt", "高于"
    GTE = "gte", "不低于"
    LT = "lt", "低于"
    LTE = "lte", "不高于"


class Period(models.TextChoices):
    """The period a rule counts in (统计周期): the one that contains the evaluation day."""

    DAY = "day", "日"
    MONTH = "month", "月"
    QUARTER = "quarter", "季度"
    YEAR = "year", "年"


class Level(models.TextChoices):
    NOTICE = "notice", "提示"
    WARNING = "warning", "预警"
    SEVERE = "severe", "严重"


#: Levels from the most to the least urgent (the list's default order).
LEVEL_RANK = {Level.SEVERE: 0, Level.WARNING: 1, Level.NOTICE: 2}


class Status(models.TextChoices):
    """The life cycle of a warning: open → acknowledged → closed (open → closed allowed)."""

    OPEN = "open", "待处理"
    ACKNOWLEDGED = "acknowledged", "已确认"
    CLOSED = "closed", "已关闭"


#: Statuses of a live warning (at most one per rule and key).
LIVE = (Status.OPEN, Status.ACKNOWLEDGED)
#: The close reason written when the evaluation finds the condition no longer holds.
AUTO_CLOSE_REASON = "条件已解除"
