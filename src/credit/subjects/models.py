"""Legal persons, their identifier cross-walk, and natural persons."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Func

from credit.subjects.constants import (
    Gender,
    IdentifierScheme,
    IdType,
    Industry,
    LegalPersonKind,
    LegalPersonStatus,
)


class LegalPerson(models.Model):
    """A legal person or unincorporated organisation (法人及非法人组织) or a sole trader
    (个体工商户): one subject, one file.

    Keyed by the unified social credit code (USCC, GB 32100); the database keeps it unique.
    A sole trader without a USCC has ``uscc`` NULL and is found through its 工商注册号 in
    :class:`LegalPersonIdentifier`. ``org_type``, ``division_code`` and ``region`` are derived
    from the USCC.
    """

    #: What kind of subject this is, for code that holds a subject without importing this app.
    subject_type = "legal"

    uscc = models.CharField("统一社会信用代码", max_length=18, null=True, blank=True)
    name = models.CharField("名称", max_length=200)
    kind = models.CharField("主体类别", max_length=20, choices=LegalPersonKind.choices)
    org_type = models.CharField("机构类型代码", max_length=2, blank=True)
    division_code = models.CharField("登记管理机关行政区划码", max_length=6, blank=True)
    region = models.ForeignKey(
        "core.Region", verbose_name="所属区划", null=True, blank=True, on_delete=models.PROTECT
    )
    industry = models.CharField(
        "行业门类", max_length=1, choices=Industry.choices, blank=True, default=""
    )
    legal_representative = models.CharField("法定代表人", max_length=100, blank=True)
    registered_address = models.CharField("注册地址", max_length=300, blank=True)
    established_on = models.DateField("成立日期", null=True, blank=True)
    #: 注册资本 in 万元 (from the registration feed); none for bodies that register no capital.
    registered_capital = models.DecimalField(
        "注册资本（万元）", max_digits=16, decimal_places=4, null=True, blank=True
    )
    status = models.CharField(
        "登记状态",
        max_length=12,
        choices=LegalPersonStatus.choices,
        default=LegalPersonStatus.ACTIVE,
    )
    source_department = models.ForeignKey(
        "core.Department",
        verbose_name="来源部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    created_at = models.DateTimeField("建档时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    #: The distinct character bigrams of the upper-cased name, kept by the database (the SQL
    #: function ``credit_name_bigrams``, migration 0002) and GIN-indexed: the portal's name
    #: search finds a 2-character Chinese fragment among a million names through it, which
    #: pg_trgm cannot (see ``credit.portal.selectors.search_legal_persons``).
    name_bigrams = models.GeneratedField(
        expression=Func(F("name"), function="credit_name_bigrams"),
        output_field=ArrayField(models.CharField(max_length=2)),
        db_persist=True,
    )

    class Meta:
        verbose_name = "法人"
        verbose_name_plural = "法人库"
        constraints = [
            models.UniqueConstraint(
                fields=["uscc"],
                condition=models.Q(uscc__isnull=False),
                name="legalperson_unique_uscc",
            ),
            models.CheckConstraint(
                condition=models.Q(uscc__isnull=True)
                | models.Q(uscc__regex=r"^[0-9A-HJ-NPQRTUWXY]{18}$"),
                name="legalperson_uscc_shape",
            ),
        ]
        indexes = [
            models.Index(fields=["region", "industry"]),
            models.Index(fields=["name"]),
            GinIndex(fields=["name_bigrams"], name="legalperson_name_bigrams"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_sole_trader(self) -> bool:
        """A 个体工商户: its address and phone are personal information, masked for the public."""
        return self.kind == LegalPersonKind.SOLE_TRADER


class LegalPersonIdentifier(models.Model):
    """Identifier cross-walk (代码映射): every code a legal person is or was known by.

    USCC ↔ 工商注册号 ↔ 组织机构代码 ↔ 税务登记号 ↔ 事业单位证书号 ↔ 社会组织登记证号. A code
    belongs to one subject only (unique), so a legacy code in a department's file resolves to
    exactly one file.
    """

    legal_person = models.ForeignKey(
        LegalPerson, on_delete=models.CASCADE, related_name="identifiers"
    )
    scheme = models.CharField("代码类型", max_length=20, choices=IdentifierScheme.choices)
    value = models.CharField("代码", max_length=32)
    derived = models.BooleanField("由统一社会信用代码推导", default=False)
    source_department = models.ForeignKey(
        "core.Department",
        verbose_name="来源部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "法人代码映射"
        verbose_name_plural = "法人代码映射"
        constraints = [
            models.UniqueConstraint(fields=["scheme", "value"], name="identifier_unique_value")
        ]

    def __str__(self) -> str:
        return f"{self.get_scheme_display()} {self.value}"


class NaturalPerson(models.Model):
    """A natural person (自然人): one person, one file.

    The identity document number is never stored in clear: ``id_cipher`` is AES-256-GCM
    ciphertext and ``id_index`` the HMAC-SHA256 blind index used for look-up (unique per
    document type). ``id_masked`` is the public form (first 3 and last 4 characters).
    """

    #: What kind of subject this is (see :attr:`LegalPerson.subject_type`).
    subject_type = "natural"

    name = models.CharField("姓名", max_length=50)
    id_type = models.CharField(
        "证件类型", max_length=20, choices=IdType.choices, default=IdType.RESIDENT_ID
    )
    id_cipher = models.BinaryField("证件号码（密文）")
    id_index = models.CharField("证件号码索引", max_length=64)
    id_masked = models.CharField("证件号码（脱敏）", max_length=40)
    gender = models.CharField("性别", max_length=6, choices=Gender.choices, blank=True, default="")
    birth_date = models.DateField("出生日期", null=True, blank=True)
    division_code = models.CharField("发证地行政区划码", max_length=6, blank=True)
    region = models.ForeignKey(
        "core.Region", verbose_name="所属区划", null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField("建档时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "自然人"
        verbose_name_plural = "自然人库"
        constraints = [
            models.UniqueConstraint(fields=["id_type", "id_index"], name="naturalperson_unique_id")
        ]
        indexes = [models.Index(fields=["region"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_masked}）"
