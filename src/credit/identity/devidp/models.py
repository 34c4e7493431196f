"""The made-up people of the development identity provider."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class DevIdentity(models.Model):
    """A made-up person (开发测试身份) who signs in on the development identity provider: the
    login, the password (hashed) and the claims the province's platform would send for them.
    The ID number is kept encrypted. ``user`` is the row django-oauth-toolkit ties grants and
    tokens to — never a member of staff (see the package's description)."""

    class UserType(models.TextChoices):
        PERSON = "person", "个人"
        COMPANY = "company", "企业经办人"

    login = models.SlugField("登录名", max_length=30, unique=True)
    password = models.CharField("密码（散列）", max_length=128)
    name = models.CharField("姓名", max_length=100)
    id_cipher = models.BinaryField("身份证号码（密文）")
    id_masked = models.CharField("身份证号码（脱敏）", max_length=40)
    user_type = models.CharField("用户类型", max_length=10, choices=UserType.choices)
    uscc = models.CharField("企业统一社会信用代码", max_length=18, blank=True)
    org_name = models.CharField("企业名称", max_length=200, blank=True)
    phone = models.CharField("手机号码", max_length=20, blank=True)
    note = models.CharField("说明", max_length=100, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="授权记录所属账号", on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = "开发测试身份"
        verbose_name_plural = "开发测试身份"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.login
