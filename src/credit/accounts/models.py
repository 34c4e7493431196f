"""Platform users."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from credit.accounts.roles import Role


class User(AbstractUser):
    """A member of staff: one role, the region (tenant) and, for data officers, the department.

    Invariants held by the database: a department data officer has a department; a district
    administrator belongs to a district, not to the city; a user's department lies in the
    user's region.
    """

    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.AUDITOR)
    region = models.ForeignKey(
        "core.Region", verbose_name="所属区划", on_delete=models.PROTECT, null=True, blank=True
    )
    department = models.ForeignKey(
        "core.Department",
        verbose_name="所属部门",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    real_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("手机号", max_length=20, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="dept_officer") | models.Q(department__isnull=False),
                name="user_officer_has_department",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="district_admin") | models.Q(region__isnull=False),
                name="user_district_admin_has_region",
            ),
        ]

    def __str__(self) -> str:
        return self.real_name or self.username

    @property
    def role_label(self) -> str:
        return Role(self.role).label if self.role else ""
