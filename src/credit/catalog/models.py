"""Catalog items, their field specifications and code tables (D1, N5: catalog as data)."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models

from credit.catalog.constants import (
    Category,
    DataType,
    FieldRole,
    PublicityMode,
    Sensitivity,
    SubjectType,
    Unit,
    UpdatePeriod,
    UsageScope,
    Validator,
)


class CodeTable(models.Model):
    """A code table (代码表) such as 行政相对人类别 or 处罚类别, with the rule it comes from."""

    code = models.SlugField("代码表标识", max_length=64, unique=True)
    name = models.CharField("名称", max_length=100)
    source = models.CharField("依据", max_length=300, blank=True)

    class Meta:
        verbose_name = "代码表"
        verbose_name_plural = "代码表"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class CodeValue(models.Model):
    """One standard value of a code table; ``synonyms`` are variants mapped to it on ingest,
    each mapping explained in ``note`` (e.g. 较重 → 一般 and why)."""

    table = models.ForeignKey(CodeTable, on_delete=models.CASCADE, related_name="values")
    value = models.CharField("标准值", max_length=100)
    synonyms = ArrayField(
        models.CharField(max_length=100), verbose_name="同义值", default=list, blank=True
    )
    note = models.CharField("说明", max_length=300, blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "代码值"
        verbose_name_plural = "代码值"
        ordering = ["table", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["table", "value"], name="codevalue_unique_value")
        ]

    def __str__(self) -> str:
        return self.value


class CatalogItem(models.Model):
    """A credit information item (信用信息资源目录项), e.g. 行政处罚 or 失信被执行人.

    It drives validation, storage, API exposure and masking of every record of that item.
    ``version`` increases whenever the item or its field specifications change.
    ``natural_key`` lists the field codes that, with the department and the subject, identify
    one record (双公示: the decision document number). ``checks`` holds the item's cross-field
    row checks (跨字段校验, e.g. 处罚决定日期 not after 公示截止期), evaluated by
    :mod:`credit.catalog.rules` (docs/catalog-format.md).
    """

    code = models.SlugField("目录项标识", max_length=64, unique=True)
    name = models.CharField("名称", max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级目录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    category = models.CharField("分类", max_length=20, choices=Category.choices)
    subject_type = models.CharField("主体类型", max_length=10, choices=SubjectType.choices)
    update_period = models.CharField("更新周期", max_length=10, choices=UpdatePeriod.choices)
    usage_scope = models.CharField("信息使用范围", max_length=10, choices=UsageScope.choices)
    publicity_mode = models.CharField(
        "公示方式", max_length=10, choices=PublicityMode.choices, default=PublicityMode.VALIDITY
    )
    source_departments = models.ManyToManyField(
        "core.Department", verbose_name="来源部门", blank=True, related_name="catalog_items"
    )
    natural_key = ArrayField(
        models.CharField(max_length=64), verbose_name="自然键字段", default=list, blank=True
    )
    description = models.TextField("说明", blank=True)
    basis = models.CharField("依据", max_length=300, blank=True)
    checks = models.JSONField("跨字段校验", default=list, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    #: The tenant that owns the item: empty for the city's catalog (every region uses it), a
    #: district for an extension only that district collects (辖市区扩展目录项).
    region = models.ForeignKey(
        "core.Region",
        verbose_name="所属区划（扩展目录）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "目录项"
        verbose_name_plural = "信用信息资源目录"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class FieldSpec(models.Model):
    """One field of a catalog item, named as in the national standard.

    ``conditions`` holds conditional requirements as a list of
    ``{"when": {"field": <code>, "in": [values]}, "then": "required" | "empty"}``.
    ``role`` tells the platform what the field means (subject identifier, decision date…);
    each role appears at most once per item. ``unit`` is an amount field's unit (万元): a
    cell sent in another unit is converted on ingest.
    """

    item = models.ForeignKey(CatalogItem, on_delete=models.CASCADE, related_name="fields")
    position = models.PositiveSmallIntegerField("序号")
    code = models.CharField("字段标识", max_length=64)
    name = models.CharField("字段名称（国家标准）", max_length=100)
    aliases = ArrayField(
        models.CharField(max_length=100), verbose_name="别名", default=list, blank=True
    )
    data_type = models.CharField("类型", max_length=10, choices=DataType.choices)
    max_length = models.PositiveIntegerField("最大长度", null=True, blank=True)
    decimal_places = models.PositiveSmallIntegerField("小数位数", null=True, blank=True)
    unit = models.CharField("单位", max_length=4, choices=Unit.choices, blank=True, default="")
    required = models.BooleanField("必填", default=False)
    conditions = models.JSONField("条件必填规则", default=list, blank=True)
    code_table = models.ForeignKey(
        CodeTable, verbose_name="代码表", null=True, blank=True, on_delete=models.PROTECT
    )
    multi_value = models.BooleanField("可多值", default=False)
    validator = models.CharField(
        "校验规则", max_length=20, choices=Validator.choices, blank=True, default=""
    )
    validator_args = models.JSONField("校验参数", default=dict, blank=True)
    sensitivity = models.CharField(
        "敏感级别", max_length=10, choices=Sensitivity.choices, default=Sensitivity.PUBLIC
    )
    usage_scope = models.CharField(
        "信息使用范围",
        max_length=10,
        choices=UsageScope.choices,
        blank=True,
        default="",
        help_text="留空则沿用目录项的信息使用范围",
    )
    role = models.CharField(
        "业务含义", max_length=20, choices=FieldRole.choices, blank=True, default=""
    )
    description = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "字段规格"
        verbose_name_plural = "字段规格"
        ordering = ["item", "position"]
        constraints = [
            models.UniqueConstraint(fields=["item", "code"], name="fieldspec_unique_code"),
            models.UniqueConstraint(fields=["item", "position"], name="fieldspec_unique_position"),
            models.UniqueConstraint(
                fields=["item", "role"],
                condition=~models.Q(role=""),
                name="fieldspec_unique_role",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def effective_scope(self) -> str:
        return self.usage_scope or self.item.usage_scope
