"""Real-name accounts (实名用户) of the public portal."""

from __future__ import annotations

from django.db import models

from credit.core.masking import mask_name


class AccountKind(models.TextChoices):
    PERSON = "person", "个人"
    COMPANY = "company", "企业经办人"


class PublicAccount(models.Model):
    """A citizen or a company's agent (经办人) as the province's identity platform vouched for
    them at their last login; created at the first login, updated at every later one.

    The account is the pair ``issuer`` + ``sub`` (the identity platform and its subject
    identifier). The person's resident ID number is stored only encrypted (``id_cipher``,
    :mod:`credit.core.crypto`), with two blind indexes and a masked copy:

    - ``id_index`` is the index natural persons (自然人主体) are found by
      (``crypto.id_index("resident_id", number)``, equal to ``NaturalPerson.id_index``);
    - ``applicant_index`` is the index objections and repair applications store for the
      applicant's number (``Submitter.id_index``), so a person's own cases are found by it.

    A company agent's account also names the company (``uscc`` in clear: it is public, and
    ``org_name``). The phone is kept masked only. An account is no staff user: it signs in to
    the portal alone and holds no permission (``principal_of`` gives it the anonymous one).
    """

    issuer = models.CharField("认证平台", max_length=255)
    sub = models.CharField("认证平台用户标识", max_length=255)
    kind = models.CharField("用户类型", max_length=10, choices=AccountKind.choices)
    name = models.CharField("姓名", max_length=100)
    id_cipher = models.BinaryField("身份证号码（密文）")
    id_index = models.CharField("身份证号码索引（自然人）", max_length=64, db_index=True)
    applicant_index = models.CharField(
        "身份证号码索引（异议和修复申请人）", max_length=64, db_index=True
    )
    id_masked = models.CharField("身份证号码（脱敏）", max_length=40)
    uscc = models.CharField("所在企业统一社会信用代码", max_length=18, blank=True, db_index=True)
    org_name = models.CharField("所在企业名称", max_length=200, blank=True)
    phone_masked = models.CharField("手机号码（脱敏）", max_length=20, blank=True)
    created_at = models.DateTimeField("首次登录时间", auto_now_add=True)
    last_login_at = models.DateTimeField("最近登录时间", null=True, blank=True)

    class Meta:
        verbose_name = "实名用户"
        verbose_name_plural = "实名用户"
        constraints = [
            models.UniqueConstraint(fields=["issuer", "sub"], name="publicaccount_issuer_sub"),
            models.CheckConstraint(
                condition=~models.Q(kind="company") | ~models.Q(uscc=""),
                name="publicaccount_company_has_uscc",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def display_name(self) -> str:
        """How the account is named where others may read it: the name masked, and for an
        agent the company (``某某公司经办人 张*``)."""
        if self.kind == AccountKind.COMPANY:
            return f"{self.org_name or self.uscc}经办人 {self.masked_name}"
        return self.masked_name

    @property
    def is_company_agent(self) -> bool:
        return self.kind == AccountKind.COMPANY
