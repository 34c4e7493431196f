"""The warning pages under ``/warnings/``: the list of the user's warnings (filters, count,
pager, Excel export; open and severe first), one warning with its history and the forms to
acknowledge or close it, and the rules with the credit office's form. Reads go through
:mod:`credit.alerts.selectors`, writes through :mod:`credit.alerts.services`."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from credit.alerts import selectors, services
from credit.alerts.constants import LIVE, Comparison, Status
from credit.alerts.forms import AcknowledgeForm, CloseForm, RuleForm, WarningFilterForm
from credit.alerts.metrics import METRICS
from credit.alerts.models import Warning, WarningRule
from credit.core.access import PERM_LABELS, Perm, principal_of
from credit.core.access.decorators import perm_required
from credit.core.forms import act, submit
from credit.core.http import EXPORT_LIMIT, found, query_without_page, xlsx_download
from credit.core.models import Department, Region

#: The audit steps of a warning, in words.
STEP_LABELS = {
    "warning.raised": "产生预警",
    "warning.acknowledged": "确认",
    "warning.closed": "关闭",
}


def _filtered(request: HttpRequest) -> tuple[WarningFilterForm, QuerySet[Warning]]:
    scoped = selectors.visible(request.user)
    form = WarningFilterForm(
        request.GET or None,
        rules=list(selectors.rules()),
        regions=list(Region.objects.filter(pk__in=scoped.values("region_id"))),
        departments=list(
            Department.objects.filter(pk__in=scoped.values("department_id")).order_by(
                "sort_order", "code"
            )
        ),
    )
    return form, selectors.filtered(request.user, **form.filters())


@perm_required(Perm.WARNING_VIEW)
def warning_list(request: HttpRequest) -> HttpResponse:
    form, warnings = _filtered(request)
    page = Paginator(warnings, 30).get_page(request.GET.get("page"))
    p = principal_of(request.user)
    counts = selectors.visible(p).aggregate(
        open=Count("id", filter=Q(status=Status.OPEN)),
        acknowledged=Count("id", filter=Q(status=Status.ACKNOWLEDGED)),
    )
    return render(
        request,
        "alerts/warning_list.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "filtered": bool(form.filters()),
            "scope": p.tenant_label,
            "counts": counts,
            "has_rules": WarningRule.objects.filter(is_active=True).exists(),
        },
    )


EXPORT_HEADERS = ["编号", "预警时间", "级别", "状态", "规则", "所属区划", "部门", "统计周期",
                  "预警内容", "指标值", "比较值", "依据链接", "确认人", "确认时间", "确认说明",
                  "关闭人", "关闭时间", "关闭原因"]  # fmt: skip


def _user(user: Any) -> str:
    return user.get_username() if user is not None else ""


@perm_required(Perm.WARNING_VIEW)
def warning_xlsx(request: HttpRequest) -> HttpResponse:
    """The filtered warnings (at most ``EXPORT_LIMIT``) and the filters on a second sheet.
    A warning names natural persons only masked, so the export is not an audited read."""
    form, warnings = _filtered(request)
    warnings = warnings.select_related("acknowledged_by", "closed_by")
    base = request.build_absolute_uri("/")[:-1]

    def rows():
        for w in warnings[:EXPORT_LIMIT].iterator(chunk_size=2000):
            yield [
                w.pk,
                w.created_at,
                w.get_level_display(),
                w.get_status_display(),
                w.rule.name,
                w.region.name if w.region_id else "",
                w.department.name if w.department_id else "",
                w.period_label,
                w.text,
                services.number(w.value),
                services.number(w.threshold),
                base + w.evidence_url if w.evidence_url else "",
                _user(w.acknowledged_by),
                w.acknowledged_at or "",
                w.acknowledge_note,
                _user(w.closed_by) or ("系统" if w.auto_closed else ""),
                w.closed_at or "",
                w.close_reason,
            ]

    stamp = timezone.localdate().strftime("%Y%m%d")
    filters = form.labels() or [("筛选条件", "全部")]
    return xlsx_download(
        f"预警-{stamp}.xlsx",
        [("预警", EXPORT_HEADERS, rows()), ("筛选条件", ["条件", "取值"], filters)],
    )


def condition_text(rule: WarningRule) -> str:
    """A rule's condition in words: 高于 前12个月平均值的1.5倍 / 低于 90%."""
    metric = METRICS.get(rule.metric)
    unit = metric.unit if metric else ""
    label = Comparison(rule.comparison).label if rule.comparison in Comparison.values else ""
    if rule.ratio_to_average is not None:
        prior = services.PRIOR.get(rule.period, "前12个周期")
        return f"{label}{prior}平均值的{services.number(rule.ratio_to_average)}倍"
    return f"{label}{services.number(rule.threshold)}{unit}"


def _may_handle(request: HttpRequest, w: Warning) -> bool:
    p = principal_of(request.user)
    return p.has_perm(Perm.WARNING_HANDLE) and p.manages(
        region_id=w.region_id, department_id=w.department_id
    )


def _render_detail(
    request: HttpRequest,
    w: Warning,
    *,
    ack: AcknowledgeForm | None = None,
    closing: CloseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    steps = [
        {"entry": e, "label": STEP_LABELS.get(e.event_type, e.event_type)}
        for e in selectors.history(w)
    ]
    # A refusal of a step the page no longer offers (someone else acknowledged or closed the
    # warning meanwhile) is shown above the forms.
    refusals = [e for form in (ack, closing) if form is not None for e in form.non_field_errors()]
    return render(
        request,
        "alerts/warning_detail.html",
        {
            "w": w,
            "metric": METRICS.get(w.rule.metric),
            "condition": condition_text(w.rule),
            "steps": steps,
            "may_handle": _may_handle(request, w),
            "refusals": refusals,
            "ack_form": ack or AcknowledgeForm(),
            "close_form": closing or CloseForm(),
            "value": services.number(w.value),
            "bound": services.number(w.threshold),
        },
        status=status,
    )


@perm_required(Perm.WARNING_VIEW)
def warning_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, found(selectors.warning_for(request.user, pk)))


@perm_required(Perm.WARNING_HANDLE)
@require_POST
def warning_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    w = found(selectors.warning_for(request.user, pk))
    form = AcknowledgeForm(request.POST)
    url = reverse("alerts:detail", args=[w.pk])
    done = submit(
        request,
        form,
        lambda data: services.acknowledge(request.user, w, data["note"]),
        done=url,
        message="已确认该预警",
        with_code=False,
    )
    return done or _render_detail(request, w, ack=form, status=422)


@perm_required(Perm.WARNING_HANDLE)
@require_POST
def warning_close(request: HttpRequest, pk: int) -> HttpResponse:
    w = found(selectors.warning_for(request.user, pk))
    form = CloseForm(request.POST)
    url = reverse("alerts:detail", args=[w.pk])
    done = submit(
        request,
        form,
        lambda data: services.close(request.user, w, data["reason"]),
        done=url,
        message="已关闭该预警",
        with_code=False,
    )
    return done or _render_detail(request, w, closing=form, status=422)


# --------------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------------


def rule_manager_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """确认和关闭预警 and the whole city as the tenant (市信用办), as the rule services ask."""

    @perm_required(Perm.WARNING_HANDLE)
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not services.may_manage_rules(request.user):
            return render(
                request,
                "403.html",
                {
                    "perm_label": PERM_LABELS[Perm.WARNING_HANDLE],
                    "reason": "预警规则由市信用办统一维护；如需调整规则，请联系市信用办。",
                },
                status=403,
            )
        return view(request, *args, **kwargs)

    return wrapper


@perm_required(Perm.WARNING_VIEW)
def rule_list(request: HttpRequest) -> HttpResponse:
    rules = list(
        selectors.rules().annotate(live=Count("warnings", filter=Q(warnings__status__in=LIVE)))
    )
    for rule in rules:
        metric = METRICS.get(rule.metric)
        rule.metric_label = metric.label if metric else rule.metric
        rule.condition = condition_text(rule)
    return render(
        request,
        "alerts/rule_list.html",
        {
            "rules": rules,
            "may_manage": services.may_manage_rules(request.user),
            "metrics": list(METRICS.values()),
        },
    )


def _save_rule(request: HttpRequest, form: RuleForm, rule: WarningRule | None) -> HttpResponse:
    def save(data: dict[str, Any]) -> WarningRule:
        return services.save_rule(
            actor=request.user,
            code=rule.code if rule else data["code"],
            name=data["name"],
            metric=data["metric"],
            subject=data["subject"],
            comparison=data["comparison"],
            threshold=data["threshold"],
            ratio_to_average=data["ratio_to_average"],
            period=data["period"],
            level=data["level"],
            is_active=data["is_active"],
            description=data["description"],
            new=rule is None,
        )

    done = submit(
        request,
        form,
        save,
        errors={"rule_code_taken": "code"},
        done=reverse("alerts:rules"),
        message=lambda r: f"已保存预警规则“{r.name}”",
        with_code=False,
    )
    return done or render(
        request,
        "alerts/rule_form.html",
        {"form": form, "rule": rule, "metrics": list(METRICS.values())},
    )


@rule_manager_required
def rule_create(request: HttpRequest) -> HttpResponse:
    return _save_rule(request, RuleForm(request.POST or None), None)


@rule_manager_required
def rule_edit(request: HttpRequest, code: str) -> HttpResponse:
    rule = found(selectors.rule_by_code(code))
    return _save_rule(request, RuleForm(request.POST or None, rule=rule), rule)


@rule_manager_required
@require_POST
def rule_deactivate(request: HttpRequest, code: str) -> HttpResponse:
    rule = found(selectors.rule_by_code(code))
    return act(
        request,
        lambda: services.deactivate(actor=request.user, rule=rule),
        done=reverse("alerts:rules"),
        message=f"已停用预警规则“{rule.name}”",
    )
