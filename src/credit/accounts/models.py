"""Platform users."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from credit.accounts.roles import CITY_WIDE_ROLES, ROLE_PERMS, Role
from credit.catalog.constants import UsageScope
from credit.core.access import Kind, Perm, Principal

#: What every member of staff may use: public and government-shared records (授权查询 needs
#: the subject's authorisation).
STAFF_USAGE = frozenset({UsageScope.PUBLIC.value, UsageScope.SHARED.value})

#: Usernames of rows that are no staff accounts: the made-up people of the development identity
#: provider (credit.identity.devidp), whose OAuth grants must name a user. Such rows are
#: inactive, hold no permission, are left out of the user list, and no staff account may take
#: a username with this prefix (services.create_user).
OUTSIDE_USERNAME_PREFIX = "devidp:"


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
                condition=~models.Q(role__in=["dept_officer", "org_hr"])
                | models.Q(department__isnull=False),
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

    def as_principal(self) -> Principal:
        """The user as a principal (``credit.core.access``): its role's permissions (none
        while inactive; every one for a superuser); its tenant — the city for city-wide roles,
        its region for a district administrator, its department for a department officer;
        every public and government-shared record of every active item to use.

        A service account (role 接口调用方) holds nothing here: it acts only through its API
        client, whose principal the gateway builds from the client's scopes."""
        if not self.is_active:
            perms: frozenset[Perm] = frozenset()
        elif self.is_superuser:
            perms = frozenset(Perm)
        else:
            perms = ROLE_PERMS.get(self.role, frozenset())
        city_wide = bool(self.is_superuser or self.role in CITY_WIDE_ROLES)
        if city_wide:
            departments = None
        elif self.role in (Role.DEPT_OFFICER, Role.ORG_HR, Role.API_CLIENT):
            departments = frozenset({self.department_id} if self.department_id else ())
        else:
            departments = None  # a district administrator: its region
        return Principal(
            kind=Kind.STAFF,
            name=self.real_name,
            username=self.get_username(),
            user_id=self.pk,
            perms=perms,
            department_id=self.department_id,
            region_id=self.region_id,
            city_wide=city_wide and self.is_active,
            departments=departments,
            usage_scopes=STAFF_USAGE if perms else frozenset(),
            item_ids=None,
            masked_names=False,
            labels={"role": self.role, "role_label": self.role_label},
        )
