"""Pre-aggregated counts (统计快照) that the dashboards read instead of the five million records.

:func:`credit.dashboard.facts.refresh` recomputes every table in one transaction from the
source tables (a full ``GROUP BY``, about a minute at 5 M records), every 10 minutes by a
periodic job and on demand (``credit dashboard refresh``); :class:`Snapshot` says when. A
full recompute rather than incremental upkeep, because what a count means moves with the
calendar as well as with writes (a list entry leaves force, a publicity window ends, on a day
no record is written) and because records change through many write paths (ingest, objections,
repair, expiry): one query is simpler to prove equal to a plain ``GROUP BY`` (the tests do)
than triggers on every path.
"""

from __future__ import annotations

from django.db import models


class RecordFact(models.Model):
    """Credit records counted by month of decision, month of arrival, region, department, item,
    subject type, severity and status, with the counts the panels need as of the refresh day."""

    month = models.DateField("决定月份")  # first day; the arrival month when no decision date
    arrived = models.DateField("入库月份")
    #: The region of the reporting department (the tenant rule reads it).
    region = models.ForeignKey(
        "core.Region", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    #: The district of the record's subject (the map and the district filter read it).
    subject_region = models.ForeignKey(
        "core.Region",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    department = models.ForeignKey(
        "core.Department", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    item = models.ForeignKey(
        "catalog.CatalogItem", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    category = models.CharField("分类", max_length=20)
    subject_type = models.CharField("主体类型", max_length=10)  # legal | natural
    severity = models.CharField("失信严重程度", max_length=10)
    status = models.CharField("状态", max_length=10)
    records = models.IntegerField("记录数")
    #: Public today (records.publicity.public_q).
    public = models.IntegerField("公示中")
    #: In force today as a list entry is (sanctions.lists: active, within validity).
    in_force = models.IntegerField("有效期内")
    #: With a decision date (the denominator of timeliness) and arrived within 7 working days.
    decided = models.IntegerField("有决定日期")
    on_time = models.IntegerField("按时报送")

    class Meta:
        verbose_name = verbose_name_plural = "信用记录统计快照"
        indexes = [
            models.Index(fields=["month"], name="recordfact_month"),
            models.Index(fields=["region", "month"], name="recordfact_region"),
            models.Index(fields=["subject_region", "month"], name="recordfact_subject_region"),
            models.Index(fields=["department", "month"], name="recordfact_department"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.item_id}: {self.records}"


class LegalPersonFact(models.Model):
    """Legal persons counted by district, kind, industry section, capital band and age band."""

    region = models.ForeignKey(
        "core.Region",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    kind = models.CharField("主体类别", max_length=20)
    industry = models.CharField("行业门类", max_length=1)
    capital_band = models.PositiveSmallIntegerField("注册资本区间")
    age_band = models.PositiveSmallIntegerField("成立年限区间")
    status = models.CharField("登记状态", max_length=12)
    subjects = models.IntegerField("主体数")

    class Meta:
        verbose_name = verbose_name_plural = "法人统计快照"

    def __str__(self) -> str:
        return f"{self.region_id} {self.kind}: {self.subjects}"


class NaturalPersonFact(models.Model):
    """Natural persons in the library counted by district (of the ID's issuing division)."""

    region = models.ForeignKey(
        "core.Region",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    subjects = models.IntegerField("人数")

    class Meta:
        verbose_name = verbose_name_plural = "自然人统计快照"

    def __str__(self) -> str:
        return f"{self.region_id}: {self.subjects}"


class Snapshot(models.Model):
    """The last refresh of the facts (one row): when, as of which day, and how long it took."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    refreshed_at = models.DateTimeField("刷新时间")
    as_of = models.DateField("统计日")
    seconds = models.FloatField("耗时（秒）")
    records = models.BigIntegerField("记录数")

    class Meta:
        verbose_name = verbose_name_plural = "统计快照刷新"

    def __str__(self) -> str:
        return f"{self.as_of}"
