"""The audit log page (审计日志) of the auditor: filters, count, pages, newest first, one entry's
before/after as a diff, the Excel export, the empty state; reads of personal data in the log
are audited; and every action code the platform writes has a Chinese name."""

from __future__ import annotations

import ast
import datetime
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.contrib import admin
from django.utils import timezone
from openpyxl import load_workbook

from credit.accounts.roles import Role
from credit.core import audit, auditlabels, context, selectors
from credit.core.access import Kind, Perm, Principal
from credit.core.admin import AuditedAdminMixin, PersonalDataAdminMixin
from credit.core.models import AuditEntry, Department, Region

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src" / "credit"


@pytest.fixture
def auditor(client, make_user):
    client.force_login(make_user(Role.AUDITOR))
    return client


def _record(event: str, *, request_id: str = "", source_ip: str | None = None, **kwargs):
    token = context.bind(context.RequestContext(request_id=request_id, source_ip=source_ip))
    try:
        return audit.record(event, **kwargs)
    finally:
        context.reset(token)


@pytest.fixture
def entries(admin_user):
    """Three entries of one request, by a known actor, from a known address."""
    dept = Department.objects.get(code="SCJG")
    return [
        _record(
            "department.updated",
            actor=admin_user,
            obj=dept,
            before={"short_name": "市场监管局", "is_active": True},
            after={"short_name": "市场监管", "is_active": True},
            request_id="req-page-1",
            source_ip="10.9.8.7",
        ),
        _record(
            "login.failed",
            object_type="accounts.user",
            object_repr="nobody",
            after={"username": "nobody"},
            request_id="req-page-1",
            source_ip="10.9.8.7",
        ),
        _record(
            "catalogitem.edited",
            actor=admin_user,
            object_type="catalog.catalogitem",
            object_id="1",
            object_repr="行政处罚",
            before={"name": "行政处罚", "fields": [{"code": "remark", "name": "备注"}]},
            after={"name": "行政处罚", "fields": [{"code": "remark", "name": "备注说明"}]},
            request_id="req-page-1",
            source_ip="10.9.8.7",
        ),
    ]


def _shown(response) -> list[int]:
    return [e.pk for e in response.context["page"]]


# --- the list --------------------------------------------------------------------------------


def test_the_log_lists_the_newest_first_with_chinese_action_names(auditor, entries):
    response = auditor.get("/audit/", {"request_id": "req-page-1"})
    assert response.status_code == 200
    assert _shown(response) == [e.pk for e in reversed(entries)]
    page = response.content.decode()
    assert "修改部门" in page and "登录失败" in page and "修改目录项" in page
    assert "department.updated" in page  # the code, in its secondary column
    assert "共 3 条" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"event_type": "login.failed"}, [1]),
        ({"object_type": "core.department"}, [0]),
        ({"object_type": "catalog.catalogitem", "object_id": "1"}, [2]),
        ({"source_ip": "10.9.8.7"}, [2, 1, 0]),
        ({"source_ip": "10.9.8.8"}, []),
        ({"event_type": "catalogitem.edited", "date_from": "TODAY", "date_to": "TODAY"}, [2]),
        ({"date_from": "TOMORROW"}, []),
        ({"date_to": "YESTERDAY"}, []),
    ],
)
def test_the_filters_narrow_the_log(auditor, entries, query, expected):
    today = timezone.localdate()
    days = {
        "TODAY": today,
        "TOMORROW": today + datetime.timedelta(days=1),
        "YESTERDAY": today - datetime.timedelta(days=1),
    }
    params = {k: str(days.get(v, v)) for k, v in query.items()}
    response = auditor.get("/audit/", {"request_id": "req-page-1", **params})
    assert _shown(response) == [entries[i].pk for i in expected]


def test_the_actor_filter_matches_part_of_the_name(auditor, entries, admin_user):
    response = auditor.get(
        "/audit/", {"actor": admin_user.username[:6], "request_id": "req-page-1"}
    )
    assert set(_shown(response)) == {entries[0].pk, entries[2].pk}
    system = auditor.get("/audit/", {"actor": "system", "request_id": "req-page-1"})
    assert _shown(system) == [entries[1].pk]


def test_the_action_filter_is_a_select_of_chinese_names_and_keeps_the_choice(auditor):
    page = auditor.get("/audit/", {"event_type": "objection.submitted"}).content.decode()
    assert '<optgroup label="异议与信用修复">' in page
    assert '<option value="objection.submitted" selected>提交信用异议申请</option>' in page


def test_an_empty_result_says_so(auditor, entries):
    response = auditor.get("/audit/", {"request_id": "no-such-request"})
    page = response.content.decode()
    assert "没有找到符合条件的审计记录" in page
    assert "请放宽筛选条件" in page


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "2026-13-45"},
        {"source_ip": "not-an-ip"},
        {"event_type": "<script>"},
        {"object_type": "no.such"},
        {"page": "abc"},
        {"object_id": "x" * 500},
    ],
)
def test_invalid_filters_are_ignored_not_an_error(auditor, entries, query):
    response = auditor.get("/audit/", query)
    assert response.status_code == 200
    assert response.context["page"].paginator.count >= 3


def test_an_unnamed_code_shows_as_itself_and_can_be_filtered(auditor):
    entry = _record("something.new_unnamed", object_type="demo", after={"a": 1})
    response = auditor.get("/audit/", {"event_type": "something.new_unnamed"})
    assert _shown(response) == [entry.pk]
    assert "something.new_unnamed" in response.content.decode()


def test_a_person_is_not_named_in_the_list(auditor, resident_id_factory):
    from credit.subjects.services import register_natural_person

    person, _ = register_natural_person(actor=None, name="王小五", id_number=resident_id_factory())
    response = auditor.get(
        "/audit/", {"object_type": "subjects.naturalperson", "object_id": str(person.pk)}
    )
    page = response.content.decode()
    assert response.context["page"].paginator.count == 1
    assert "王小五" not in page and "涉及个人信息" in page
    assert "新增自然人主体" in page and "自然人" in page


# --- one entry -------------------------------------------------------------------------------


def test_an_entry_shows_its_change_as_a_readable_diff(auditor, entries):
    response = auditor.get(f"/audit/{entries[2].pk}/")
    assert response.status_code == 200
    rows = response.context["rows"]
    (changed,) = [r for r in rows if r.kind == "changed"]
    assert changed.path == "字段 › 备注说明（remark） › 名称"
    assert (changed.before, changed.after) == ("备注", "备注说明")
    page = response.content.decode()
    assert "修改目录项" in page and "显示未变化的" in page
    assert "/audit/?request_id=req-page-1" in page  # the other entries of the request


def test_an_entry_about_a_person_is_an_audited_read(auditor, resident_id_factory):
    from credit.subjects.services import register_natural_person

    person, _ = register_natural_person(actor=None, name="王小六", id_number=resident_id_factory())
    entry = AuditEntry.objects.filter(
        event_type="naturalperson.created", object_id=str(person.pk)
    ).get()
    mark = AuditEntry.objects.latest("id").pk
    page = auditor.get(f"/audit/{entry.pk}/").content.decode()
    assert "王小六" in page
    (read,) = AuditEntry.objects.filter(pk__gt=mark, event_type="auditentry.viewed")
    assert read.object_id == str(entry.pk)
    assert read.after == {"object_type": "subjects.naturalperson", "object_id": str(person.pk)}


def test_an_entry_about_no_person_is_read_without_an_entry(auditor, entries):
    mark = AuditEntry.objects.latest("id").pk
    assert auditor.get(f"/audit/{entries[0].pk}/").status_code == 200
    assert not AuditEntry.objects.filter(pk__gt=mark).exists()


def test_an_unknown_entry_is_404(auditor):
    assert auditor.get("/audit/999999999/").status_code == 404


# --- export ----------------------------------------------------------------------------------


def test_the_export_holds_the_filtered_entries_and_is_audited(auditor, entries):
    mark = AuditEntry.objects.latest("id").pk
    response = auditor.get("/audit/audit.xlsx", {"request_id": "req-page-1"})
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content), read_only=True)["审计日志"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("时间", "操作", "操作代码", "操作人")
    assert [r[2] for r in rows[1:]] == ["catalogitem.edited", "login.failed", "department.updated"]
    assert [r[1] for r in rows[1:]] == ["修改目录项", "登录失败", "修改部门"]
    assert rows[3][4] == "部门" and rows[3][8] == "10.9.8.7"
    (exported,) = AuditEntry.objects.filter(pk__gt=mark, event_type="auditlog.exported")
    assert exported.after == {"rows": 3, "filters": {"request_id": "req-page-1"}}


# --- scope -----------------------------------------------------------------------------------


def test_the_log_is_read_only_by_a_city_wide_principal_with_the_permission(entries):
    region = Region.objects.get(code="320402")
    district = Principal(kind=Kind.STAFF, perms=frozenset({Perm.AUDIT_VIEW}), region_id=region.code)
    city = Principal(kind=Kind.STAFF, perms=frozenset({Perm.AUDIT_VIEW}), city_wide=True)
    without = Principal(kind=Kind.STAFF, perms=frozenset(), city_wide=True)
    assert not selectors.audit_entries_for(district).exists()
    assert not selectors.audit_entries_for(without).exists()
    assert selectors.audit_entry_for(city, entries[0].pk) == entries[0]
    assert selectors.audit_entry_for(district, entries[0].pk) is None


# --- every action code has a Chinese name ----------------------------------------------------


def _admin_events(mixin: type, events: Callable[[object], list[str]]) -> list[str]:
    return [
        code
        for model_admin in admin.site._registry.values()
        if isinstance(model_admin, mixin)
        for code in events(model_admin)
    ]


def _dynamic() -> dict[tuple[str, str], Callable[[], list[str]]]:
    """Action codes the code base builds at run time, by (module, expression): how each
    expands. A new expression fails the test until it is described here."""
    from credit.objections.cases import _EVENT_PREFIX
    from credit.objections.models import Objection, RepairApplication
    from credit.objections.rules import transitions
    from credit.records.services import TRANSITIONS

    def audited_admin(a) -> list[str]:
        name = a.model._meta.model_name
        return [f"{name}.created", f"{name}.updated", f"{name}.deleted"]

    def personal_admin(a) -> list[str]:
        return [f"{a.audit_name or a.model._meta.model_name}.viewed"]

    return {
        ("records/services.py", "action"): lambda: [t[2] for t in TRANSITIONS.values()],
        # bump_version's default; its callers pass literal codes as event=...
        ("catalog/services.py", "event"): lambda: ["catalogitem.edited"],
        # the run's audit() is called with literal codes, scanned as calls of .audit(...)
        ("records/rekey.py", "event_type"): lambda: [],
        ("objections/services.py", "f'objection.{row.action}'"): lambda: [
            f"objection.{a}" for a in transitions.TRANSITIONS
        ],
        ("objections/repairs.py", "f'repair.{row.action}'"): lambda: [
            f"repair.{a}" for a in transitions.REPAIR_TRANSITIONS
        ],
        (
            "objections/cases.py",
            "f'{_EVENT_PREFIX[case._meta.model_name]}.attachment_read'",
        ): lambda: [f"{p}.attachment_read" for p in _EVENT_PREFIX.values()],
        ("objections/notifications.py", "f'{locked._meta.model_name}.notified'"): lambda: [
            f"{m._meta.model_name}.notified" for m in (Objection, RepairApplication)
        ],
        ("core/services.py", "f'{model._meta.model_name}.created'"): lambda: [
            "region.created",
            "department.created",
        ],
        ("core/services.py", "f'{model._meta.model_name}.updated'"): lambda: [
            "region.updated",
            "department.updated",
        ],
        ("core/admin.py", "event"): lambda: (
            _admin_events(AuditedAdminMixin, audited_admin)
            + _admin_events(PersonalDataAdminMixin, personal_admin)
        ),
        ("core/admin.py", "f'{obj._meta.model_name}.deleted'"): lambda: _admin_events(
            AuditedAdminMixin, audited_admin
        ),
    }


def _event_argument(call: ast.Call) -> ast.expr | None:
    """The action code argument of a call that writes an audit entry, or None: the first
    argument of ``audit.record/entry/bulk_rows`` and of a job's own ``.audit(...)`` helper,
    ``event_type=`` of a call that makes an audit row itself (``AuditEntry(...)``,
    ``Audit._default_manager.create(...)``), and ``event=`` of a helper that passes its code
    on (``catalog.services._edit``)."""
    func = call.func
    for kw in call.keywords:
        if kw.arg == "event_type" and "Audit" in ast.unparse(func):
            return kw.value
        if kw.arg == "event" and isinstance(kw.value, ast.Constant):
            return kw.value
    if not isinstance(func, ast.Attribute) or not call.args:
        return None
    receiver = func.value.id if isinstance(func.value, ast.Name) else ""
    if receiver == "audit" and func.attr in {"record", "entry", "bulk_rows"}:
        return call.args[0]
    if func.attr == "audit":  # a job's own audit helper (records.rekey)
        return call.args[0]
    return None


def _written_codes() -> Iterator[tuple[str, int, ast.expr]]:
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts or path == SRC / "core" / "audit.py":
            continue  # credit.core.audit writes the codes its callers give
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and (arg := _event_argument(node)) is not None:
                yield str(path.relative_to(SRC)), node.lineno, arg


def test_the_scan_finds_the_audit_calls():
    """The scanner sees literal codes, both codes of a conditional and run-time codes."""
    found = list(_written_codes())
    literals = {a.value for _, _, a in found if isinstance(a, ast.Constant)}
    assert {"objection.submitted", "catalogitem.field_added", "records.rekeyed"} <= literals
    branches = [a for _, _, a in found if isinstance(a, ast.IfExp)]
    assert branches, "apiclient.enabled / disabled is written through a conditional"
    assert len(found) > 60


def test_every_action_code_written_has_a_chinese_name():
    dynamic = _dynamic()
    missing: dict[str, str] = {}
    unknown: list[str] = []
    used: set[tuple[str, str]] = set()
    for path, line, arg in _written_codes():
        where = f"{path}:{line}"
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            codes = [arg.value]
        elif isinstance(arg, ast.IfExp) and all(
            isinstance(b, ast.Constant) for b in (arg.body, arg.orelse)
        ):
            codes = [arg.body.value, arg.orelse.value]
        elif (path, ast.unparse(arg)) in dynamic:
            used.add((path, ast.unparse(arg)))
            codes = dynamic[(path, ast.unparse(arg))]()
        else:
            unknown.append(f"{where}: {ast.unparse(arg)}")
            continue
        for code in codes:
            if code not in auditlabels.ACTION_LABELS:
                missing[code] = where
    assert not unknown, f"describe how these run-time codes expand in _dynamic(): {unknown}"
    assert not missing, f"add Chinese names to credit/core/auditlabels.py: {missing}"
    assert used == set(dynamic), f"no longer written: {set(dynamic) - used}"


def test_the_run_time_codes_expand_to_known_names():
    expanded = {code for expand in _dynamic().values() for code in expand()}
    assert {"objection.accept", "repair.grant", "record.suspended", "naturalperson.viewed"} <= (
        expanded
    )
    assert "department.deleted" in expanded and "user.updated" in expanded


def test_every_name_is_chinese_and_every_code_is_named_once():
    codes = [code for _, group in auditlabels.ACTION_GROUPS for code in group]
    assert len(codes) == len(set(codes))
    for code, label in auditlabels.ACTION_LABELS.items():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in label), (code, label)
    assert auditlabels.action_label("no.such_code") == "no.such_code"


def test_the_list_takes_the_same_queries_for_a_page_of_fifty(
    auditor, entries, django_assert_max_num_queries
):
    for n in range(60):
        _record(
            "login.failed", object_type="accounts.user", object_repr=f"u{n}", request_id="req-many"
        )
    auditor.get("/audit/", {"request_id": "req-page-1"})  # the session and user, once
    with django_assert_max_num_queries(8) as few:
        auditor.get("/audit/", {"request_id": "req-page-1"})
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = auditor.get("/audit/", {"request_id": "req-many"})
    assert len(response.context["page"]) == 50
    # the list shows no before/after and does not load them
    assert not [q for q in few.captured_queries if '"after"' in q["sql"]]
