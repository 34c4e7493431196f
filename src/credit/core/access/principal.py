"""The principal (主体身份): who acts, for which department and region, with which
permissions, managing which data and using which.

Every check in every app reads this one contract and never the kind of account behind it:
staff users (built by ``credit.accounts``) and API clients (built by ``credit.gateway``)
answer the same questions, so a rule holds for both alike. The builders live with the models
they read; the kernel only defines the answers and how the rules use them.

Two scopes, documented in ``docs/api.md`` ("数据范围"):

- **Managing** data (batches, raw rows, feedback files, corrections, quality pages, list
  management, users) is limited by the *tenant*: the whole city for the credit office, a
  district for its administrator, a department for its officers and its business systems (plus
  the departments the credit office lets a system report for). :meth:`Principal.tenant_q`.
- **Using** credit information (the staff subject page, the embedded query, the check, the
  change feed, reports) is decided by each record's usage scope (信息使用范围): 社会公开 for
  every principal, 政务共享 for government principals, 授权查询 only with the subject's
  authorisation — across departments and districts, within the catalog items the principal is
  granted. :attr:`Principal.usage_scopes` and :attr:`Principal.item_ids`; the record filter is
  ``credit.records.selectors.usable_q``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db.models import Q

from credit.core.access.permissions import PERM_LABELS, Perm
from credit.core.errors import PermissionDenied

#: A filter that matches nothing (Django answers it without a query).
NOTHING = Q(pk__in=[])
#: A filter that matches everything and, unlike ``Q()``, survives being OR-ed with another.
EVERYTHING = ~Q(pk__in=[])


class Kind(StrEnum):
    STAFF = "staff"
    CLIENT = "client"
    ANONYMOUS = "anonymous"


@dataclass(frozen=True, eq=False)
class Principal:
    """One acting principal, built once per request (or job) by the app that owns its account.

    - ``user_id`` / ``username``: the account written in audit entries and ``created_by``
      columns (an API client acts as its own service account);
    - ``client_id``: the API client, when the principal is one (owner of its checks and
      subscriptions);
    - ``department_id`` / ``region_id``: the department and region it acts for;
    - ``city_wide``: its tenant is the whole city;
    - ``departments``: the departments it manages (its tenant), or ``None`` when the tenant is
      its region (a district administrator) or the city;
    - ``usage_scopes``: the usage scopes (信息使用范围) of records it may use;
    - ``item_ids``: the catalog items it may use, ``None`` for every active item;
    - ``masked_names``: natural persons' names reach it masked (systems outside the staff).
    """

    kind: Kind
    name: str = ""
    username: str = ""
    user_id: int | None = None
    client_id: int | None = None
    perms: frozenset[Perm] = frozenset()
    department_id: int | None = None
    region_id: str | None = None
    city_wide: bool = False
    departments: frozenset[int] | None = frozenset()
    usage_scopes: frozenset[str] = frozenset()
    item_ids: frozenset[int] | None = frozenset()
    masked_names: bool = True
    #: Free-form facts a builder adds for pages (role label …); never read by a rule.
    labels: dict[str, str] = field(default_factory=dict)

    # --- who ---------------------------------------------------------------------------

    @property
    def is_authenticated(self) -> bool:
        return self.kind != Kind.ANONYMOUS

    def __str__(self) -> str:
        return self.name or self.username or "匿名"

    # --- what it may do ------------------------------------------------------------------

    def has_perm(self, perm: Perm) -> bool:
        return perm in self.perms

    def has_any(self, perms: Iterable[Perm]) -> bool:
        return any(p in self.perms for p in perms)

    def require(self, perm: Perm) -> None:
        """Raise ``PermissionDenied`` (``permission_denied``) unless it holds ``perm``."""
        if perm not in self.perms:
            raise PermissionDenied(
                f"您没有“{PERM_LABELS[perm]}”的权限", details={"permission": str(perm)}
            )

    # --- which data it manages (tenant) --------------------------------------------------

    def tenant_q(self, *, region: str | None = "region_id", department: str | None = None) -> Q:
        """The rows of its tenant, on a model whose region is the field ``region`` and whose
        department is ``department`` (either may be None when the model has none)."""
        if self.city_wide:
            return EVERYTHING
        if self.departments is not None:
            if not self.departments or department is None:
                return NOTHING
            return Q(**{f"{department}__in": sorted(self.departments)})
        if self.region_id and region is not None:
            return Q(**{region: self.region_id})
        return NOTHING

    def manages(self, *, department_id: int | None = None, region_id: str | None = None) -> bool:
        """Whether a department (by id, with its region) or a region lies in its tenant."""
        if self.city_wide:
            return True
        if self.departments is not None:
            return department_id is not None and department_id in self.departments
        return bool(self.region_id) and region_id == self.region_id

    @property
    def tenant_label(self) -> str:
        """The tenant in words, for pages and refusals."""
        if self.city_wide:
            return "全市"
        if self.departments is not None:
            return "本部门" if len(self.departments) <= 1 else "本部门及授权代报的部门"
        return "本辖市区" if self.region_id else "无"

    # --- which information it may use ----------------------------------------------------

    def may_use(self, *, usage_scope: str, item_id: int) -> bool:
        """The use rule for one record (``credit.records.selectors.usable_q`` is its filter)."""
        return usage_scope in self.usage_scopes and (
            self.item_ids is None or item_id in self.item_ids
        )


ANONYMOUS = Principal(kind=Kind.ANONYMOUS, masked_names=True, departments=frozenset())

#: The platform acting on its own — the CLI and the jobs, written ``actor=None`` by the
#: services that allow it: every permission, the whole city.
SYSTEM = Principal(
    kind=Kind.STAFF,
    name="系统",
    username="system",
    perms=frozenset(Perm),
    city_wide=True,
    departments=None,
)


def principal_of(actor: Any) -> Principal:
    """The principal of ``actor``: a :class:`Principal` as it is, anything that builds one
    (``as_principal()``: a staff user, an API client), else :data:`ANONYMOUS` (``None``, an
    anonymous visitor)."""
    if isinstance(actor, Principal):
        return actor
    build = getattr(actor, "as_principal", None)
    if callable(build):
        return build()
    return ANONYMOUS


def principal_or_system(actor: Any) -> Principal:
    """The principal of ``actor``, or :data:`SYSTEM` for ``None`` — for services the CLI and
    the jobs call as the platform itself (never for a request, whose anonymous visitor is
    ``None`` too)."""
    return SYSTEM if actor is None else principal_of(actor)


def data_scope(actor: Any) -> dict[str, str | None]:
    """How a principal's managing is limited, for pages and ``/accounts/me``:
    ``{"region": code|None, "department": code|None}`` (None: not limited by it; "-": the
    principal manages nothing)."""
    from credit.core.models import Department

    p = principal_of(actor)
    if p.city_wide:
        return {"region": None, "department": None}
    if p.departments is not None:
        code = (
            Department.objects.filter(pk=p.department_id).values_list("code", flat=True).first()
            if p.department_id
            else None
        )
        return {"region": None, "department": code or "-"}
    return {"region": p.region_id or "-", "department": None}


def has_perm(actor: Any, perm: Perm) -> bool:
    return principal_of(actor).has_perm(perm)


def require(actor: Any, perm: Perm) -> None:
    """Raise ``PermissionDenied`` unless ``actor``'s principal holds ``perm``."""
    principal_of(actor).require(perm)


def perms_of(actor: Any) -> frozenset[Perm]:
    return principal_of(actor).perms
