"""Checks (联合奖惩核查): the check form, the checks within the user's scope (list with filters,
xlsx export) and a check's page: the snapshot it kept, the link to the printable certificate,
and a feedback form for every (entry, measure) pair. Writes go through
:mod:`credit.sanctions.services`; a refusal is shown on the form with its message and code."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from credit.catalog.constants import LIST_KIND_LABELS
from credit.core import audit
from credit.core.access import Perm, has_perm
from credit.core.access.decorators import perm_required
from credit.core.forms import submit
from credit.core.http import EXPORT_LIMIT, found, query_without_page, xlsx_download
from credit.core.models import Department
from credit.sanctions import selectors, services
from credit.sanctions.forms import SERVICE_ERROR_FIELDS, CheckFilterForm, CheckForm, FeedbackForm
from credit.sanctions.models import Check, CheckFeedback
from credit.sanctions.views.measures import SCENARIO_LABELS, scenario_labels

ACTION_LABELS = dict(CheckFeedback.Action.choices)
RESULT_LABELS = dict(Check.Result.choices)


@perm_required(Perm.SANCTIONS_CHECK)
def check_new(request: HttpRequest) -> HttpResponse:
    """The check form posts, so an ID number typed here never lands in a URL or a log."""
    form = CheckForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda data: services.run_check(
            principal=request.user,
            identifier=data["identifier"],
            scenario=data["scenario"],
            reason=data["reason"],
        ),
        errors=SERVICE_ERROR_FIELDS,
        done=lambda check: reverse("sanctions:check_detail", args=[check.number]),
    )
    return done or render(request, "sanctions/check_form.html", {"form": form})


def _filter_checks(qs: QuerySet[Check], filters: dict[str, Any]) -> QuerySet[Check]:
    if "date_from" in filters:
        qs = qs.filter(checked_at__date__gte=filters["date_from"])
    if "date_to" in filters:
        qs = qs.filter(checked_at__date__lte=filters["date_to"])
    if "result" in filters:
        qs = qs.filter(result=filters["result"])
    if "scenario" in filters:
        qs = qs.filter(scenario=filters["scenario"])
    if "department" in filters:
        qs = qs.filter(department__code=filters["department"])
    if "feedback" in filters:
        answered = Exists(CheckFeedback.objects.filter(check_ref=OuterRef("pk")))
        qs = qs.filter(answered if filters["feedback"] == "yes" else ~answered)
    return qs


def _checks(request: HttpRequest) -> tuple[CheckFilterForm, QuerySet[Check]]:
    """The user's checks (``selectors.checks_for``) narrowed by the GET filters."""
    scoped = selectors.checks_for(request.user)
    departments = list(
        Department.objects.filter(pk__in=scoped.values("department_id")).order_by(
            "sort_order", "code"
        )
    )
    form = CheckFilterForm(request.GET or None, departments=departments)
    return form, _filter_checks(scoped, form.filters())


def _pairs(check: Check) -> int:
    return sum(len(h.get("measures", [])) for h in check.hits)


def _checker(check: Check) -> str:
    if check.client_id:
        return check.client.name
    return check.department.name if check.department_id else check.user.get_username()


@perm_required(Perm.SANCTIONS_CHECK)
def check_list(request: HttpRequest) -> HttpResponse:
    form, checks = _checks(request)
    page = Paginator(checks, 30).get_page(request.GET.get("page"))
    for check in page:
        check.entry_count = len(check.hits)
        check.pair_count = _pairs(check)
        check.feedback_count = len(check.feedback.all())
        check.scenario_label = SCENARIO_LABELS.get(check.scenario, "全部场景")
    return render(
        request,
        "sanctions/check_list.html",
        {"page": page, "form": form, "query": query_without_page(request)},
    )


CHECK_HEADERS = ["核查编号", "核查时间", "核查单位", "核查人", "被核查主体", "查询代码",
                 "应用场景", "核查事由", "核查结果", "名单条数", "措施条数", "已反馈"]  # fmt: skip
FEEDBACK_HEADERS = ["核查编号", "名单", "名单记录", "措施编号", "措施内容", "实施情况", "说明",
                    "反馈人", "反馈时间"]  # fmt: skip


@perm_required(Perm.SANCTIONS_CHECK)
def checks_xlsx(request: HttpRequest) -> HttpResponse:
    """The filtered checks (sheet 核查记录) and the feedback given on them (sheet 措施反馈)."""
    _, checks = _checks(request)
    checks = list(
        checks.prefetch_related(None).prefetch_related(
            Prefetch(
                "feedback",
                queryset=CheckFeedback.objects.select_related("measure", "user").order_by("id"),
            )
        )[:EXPORT_LIMIT]
    )
    check_rows = (
        [
            c.number,
            timezone.localtime(c.checked_at).strftime("%Y-%m-%d %H:%M:%S"),
            _checker(c),
            c.user.get_username(),
            c.subject_name,
            c.query,
            SCENARIO_LABELS.get(c.scenario, "全部场景"),
            c.reason,
            RESULT_LABELS.get(c.result, c.result),
            len(c.hits),
            _pairs(c),
            len(c.feedback.all()),
        ]
        for c in checks
    )
    people = sorted({c.natural_person_id for c in checks if c.natural_person_id})
    if people:  # the export carries natural persons' data: an audited read
        audit.record(
            "checks.exported",
            actor=request.user,
            object_type="subjects.naturalperson",
            after={"checks": len(checks), "natural_persons": people},
        )
    items = {(c.pk, h["record"]): h["item_name"] for c in checks for h in c.hits}
    feedback_rows = (
        [
            c.number,
            items.get((c.pk, f.record_id), ""),
            f.record_id,
            f.measure.code,
            f.measure.text,
            ACTION_LABELS.get(f.action, f.action),
            f.reason,
            f.user.get_username(),
            timezone.localtime(f.updated_at).strftime("%Y-%m-%d %H:%M:%S"),
        ]
        for c in checks
        for f in c.feedback.all()
    )
    stamp = timezone.localtime().strftime("%Y%m%d")
    return xlsx_download(
        f"联合奖惩核查-{stamp}.xlsx",
        [("核查记录", CHECK_HEADERS, check_rows), ("措施反馈", FEEDBACK_HEADERS, feedback_rows)],
    )


def _check(request: HttpRequest, number: str) -> Check:
    return found(selectors.check_for(request.user, number))


def _may_feed_back(user: Any, check: Check) -> bool:
    """The rule of ``services.record_feedback``: the checker or the checking department."""
    return has_perm(user, Perm.SANCTIONS_CHECK) and (
        check.user_id == user.pk or check.department_id == getattr(user, "department_id", None)
    )


def _render_check(
    request: HttpRequest, check: Check, *, posted: FeedbackForm | None = None
) -> HttpResponse:
    given = {
        (f.record_id, f.measure.code): f
        for f in check.feedback.select_related("measure", "user").order_by("id")
    }
    posted_key = None
    if posted is not None:
        try:
            posted_key = (int(posted.data.get("record", "")), posted.data.get("measure", ""))
        except ValueError:
            posted_key = None
    entries = []
    for hit in check.hits:
        rows = []
        for m in hit.get("measures", []):
            key = (hit["record"], m["code"])
            answer = given.get(key)
            form = (
                posted
                if key == posted_key
                else FeedbackForm(
                    auto_id=False,
                    initial={
                        "record": hit["record"],
                        "measure": m["code"],
                        "action": answer.action if answer else CheckFeedback.Action.APPLIED,
                        "reason": answer.reason if answer else "",
                    },
                )
            )
            rows.append(
                {
                    "measure": m,
                    "scenarios": scenario_labels(m.get("scenarios", [])),
                    "answer": answer,
                    "form": form,
                    "anchor": f"m-{hit['record']}-{m['code']}",
                }
            )
        entries.append(
            {
                "hit": hit,
                "list_kind": LIST_KIND_LABELS.get(hit.get("list_kind"), ""),
                "rows": rows,
            }
        )
    can_feedback = _may_feed_back(request.user, check)
    shown = {(e["hit"]["record"], r["measure"]["code"]) for e in entries for r in e["rows"]}
    # A refusal that cannot be shown beside its pair's form is shown above the entries.
    unplaced = []
    if posted is not None and posted.errors and not (can_feedback and posted_key in shown):
        unplaced = [
            e if field == "__all__" else f"{posted.fields[field].label}：{e}"
            for field, errors in posted.errors.items()
            for e in errors
        ]
    subject_url = None
    if check.legal_person_id and has_perm(request.user, Perm.SUBJECT_VIEW):
        subject_url = reverse("subjects:legal", args=[check.legal_person_id])
    elif check.natural_person_id and has_perm(request.user, Perm.SUBJECT_VIEW_NATURAL):
        subject_url = reverse("subjects:natural", args=[check.natural_person_id])
    return render(
        request,
        "sanctions/check_detail.html",
        {
            "check": check,
            "entries": entries,
            "checker": _checker(check),
            "scenario_label": SCENARIO_LABELS.get(check.scenario, "全部场景"),
            "certificate_url": services.certificate_url(check),
            "can_feedback": can_feedback,
            "unplaced_errors": unplaced,
            "subject_url": subject_url,
            "answered": len(given),
            "pairs": _pairs(check),
        },
    )


@perm_required(Perm.SANCTIONS_CHECK)
def check_detail(request: HttpRequest, number: str) -> HttpResponse:
    """A check of a natural person shows personal data: opening it is an audited read."""
    check = _check(request, number)
    if check.natural_person_id:
        audit.record(
            "naturalperson.viewed",
            actor=request.user,
            object_type="subjects.naturalperson",
            object_id=str(check.natural_person_id),
            after={"check": check.number},
        )
    return _render_check(request, check)


@perm_required(Perm.SANCTIONS_CHECK)
@require_POST
def check_feedback(request: HttpRequest, number: str) -> HttpResponse:
    """One (entry, measure) pair's feedback; on a refusal the check page shows the form again
    with the error beside that pair."""
    check = _check(request, number)
    form = FeedbackForm(request.POST, auto_id=False)
    url = reverse("sanctions:check_detail", args=[check.number])
    done = submit(
        request,
        form,
        lambda data: services.record_feedback(
            principal=request.user,
            number=check.number,
            measure_code=data["measure"],
            record_id=data["record"],
            action=data["action"],
            reason=data["reason"],
        ),
        errors=SERVICE_ERROR_FIELDS,
        message=lambda f: f"已反馈措施 {f.measure.code}：{ACTION_LABELS[f.action]}",
        done=lambda f: f"{url}#m-{f.record_id}-{f.measure.code}",
    )
    return done or _render_check(request, check, posted=form)
