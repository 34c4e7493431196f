"""What an API client may be granted: named scopes, the endpoints each opens and the staff
permissions it stands for inside the services.

A client's request is allowed when its path (under ``/api/v1``) and method fall under a scope
the client holds (:func:`scope_for`); the services then check the permissions of the client's
service user, which are exactly those of its scopes (:func:`perms_for`).
"""

from __future__ import annotations

from dataclasses import dataclass

from credit.catalog.constants import UsageScope
from credit.core.access import Perm


@dataclass(frozen=True)
class Scope:
    code: str
    label: str
    #: (method or "*", path prefix under /api/v1) that the scope opens.
    routes: tuple[tuple[str, str], ...]
    perms: frozenset[Perm]
    #: Only clients of a department may hold it (it writes that department's data).
    department_only: bool = False


SCOPES: dict[str, Scope] = {
    s.code: s
    for s in (
        Scope(
            "catalog:read",
            "读取信用信息资源目录和报送模板",
            (("GET", "/catalog/"),),
            frozenset({Perm.CATALOG_VIEW, Perm.CATALOG_TEMPLATE}),
        ),
        Scope(
            "subjects:read",
            "查询法人信用档案",
            (("*", "/subjects/"),),
            frozenset({Perm.SUBJECT_VIEW, Perm.RECORD_VIEW}),
        ),
        Scope(
            "subjects:read_natural",
            "查询自然人信用档案（脱敏）",
            (),
            frozenset({Perm.SUBJECT_VIEW_NATURAL}),
        ),
        Scope(
            "ingest:push",
            "推送本部门信用数据",
            (("*", "/ingest/"),),
            frozenset({Perm.RECORD_SUBMIT, Perm.RECORD_VIEW}),
            department_only=True,
        ),
        Scope(
            "sanctions:check",
            "联合奖惩核查",
            (("*", "/sanctions/check"), ("*", "/sanctions/checks/")),
            frozenset({Perm.SANCTIONS_CHECK, Perm.SUBJECT_VIEW}),
        ),
        Scope(
            "sanctions:changes",
            "订阅和拉取红黑名单变更",
            (
                ("GET", "/sanctions/changes"),
                ("*", "/sanctions/subscriptions"),
                ("GET", "/sanctions/deliveries"),
            ),
            frozenset({Perm.SANCTIONS_CHECK}),
        ),
        Scope(
            "changes:read",
            "拉取信用记录变更",
            (("GET", "/changes"),),
            frozenset({Perm.RECORD_VIEW}),
        ),
        Scope(
            "warnings:read",
            "读取预警",
            (("GET", "/warnings"),),
            frozenset({Perm.WARNING_VIEW}),
        ),
        Scope(
            "reports:request",
            "请求信用报告（部门核查或经主体授权）",
            (("*", "/reports"),),
            frozenset({Perm.REPORT_REQUEST}),
        ),
        Scope(
            "commitments:write",
            "记录本部门的信用承诺和违诺",
            (("POST", "/commitments"),),
            frozenset({Perm.COMMITMENT_ENTER, Perm.COMMITMENT_REVIEW, Perm.COMMITMENT_VIEW}),
            department_only=True,
        ),
        Scope(
            "commitments:read",
            "读取信用承诺和承诺覆盖率",
            (("GET", "/commitments"),),
            frozenset({Perm.COMMITMENT_VIEW}),
        ),
        # Before integrity:read, whose routes it narrows: public data by usage scope, for any
        # client (a bank too), not the civil servants' archives.
        Scope(
            "integrity:government",
            "读取政务失信记录（按信息使用范围）",
            (("GET", "/integrity/government-dishonesty"),),
            frozenset({Perm.RECORD_VIEW}),
        ),
        Scope(
            "assessment:read",
            "读取绩效考核结果（各单位的自动、自评、最终得分和排名）",
            (("GET", "/assessment/"),),
            frozenset({Perm.ASSESSMENT_VIEW}),
            department_only=True,
        ),
        Scope(
            "integrity:read",
            "查询公务员诚信档案和政务失信记录（组织人事部门、信用办）",
            (("*", "/integrity/"),),
            frozenset({Perm.INTEGRITY_VIEW}),
            department_only=True,
        ),
    )
}

#: The usage scopes (信息使用范围) a client may use and be granted items of, by kind of client:
#: a third party public data only; a department's system (a government body) also what is
#: shared among government bodies. 授权查询 (restricted) needs the subject's authorisation and
#: is never granted to a client.
ITEM_SCOPES_BY_KIND: dict[str, frozenset[str]] = {
    "department": frozenset({UsageScope.PUBLIC.value, UsageScope.SHARED.value}),
    "third_party": frozenset({UsageScope.PUBLIC.value}),
}


#: What every client may call whatever its scopes: reference data (regions, departments — the
#: codes a push names) and the caller itself.
OPEN_ROUTES: tuple[tuple[str, str], ...] = (
    ("GET", "/regions"),
    ("GET", "/departments"),
    ("GET", "/accounts/me"),
)


def is_open(method: str, path: str) -> bool:
    """Whether ``method path`` (relative to ``/api/v1``) is open to every client."""
    return (method, path.rstrip("/")) in OPEN_ROUTES


def scope_for(method: str, path: str) -> str | None:
    """The scope that opens ``method path`` (path relative to ``/api/v1``), or None."""
    for scope in SCOPES.values():
        for allowed, prefix in scope.routes:
            if (allowed in ("*", method)) and path.startswith(prefix):
                return scope.code
    return None


def perms_for(scopes: list[str] | tuple[str, ...]) -> frozenset[Perm]:
    found: set[Perm] = set()
    for code in scopes:
        if code in SCOPES:
            found |= SCOPES[code].perms
    return frozenset(found)
