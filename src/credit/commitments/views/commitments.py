"""The staff pages of credit commitments (信用承诺): the list with its counts per status, filters
and Excel export; one commitment with its fields, files, the template text it signed, its
history and the department's actions — review (pass, or return with a reason), fulfilment
(践诺) and breach (违诺, which becomes a 违背信用承诺 record); the entry form of a department or
the service hall (录入承诺); and the suspected breaches (疑似违诺) to confirm or dismiss.

Everyone with ``commitments.view`` reads the commitments of their tenant (the city, their
district, their department: :func:`credit.commitments.selectors.commitments_for`); a number
outside it is a 404. Writes go through :mod:`credit.commitments.services.commitments`, which
check the permission and the tenant; a refusal is shown on the page that caused it. A file
download and the export are audited reads (a promisor may be a natural person).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, re_path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from credit.commitments import selectors
from credit.commitments.constants import IN_FORCE, Channel, Kind, Status, SuspicionStatus
from credit.commitments.forms import (
    BreachForm,
    CommitmentEntryForm,
    CommitmentFilterForm,
    FulfilForm,
    ReviewForm,
    SuspicionDecisionForm,
)
from credit.commitments.models import Commitment, CommitmentItem, SuspectedBreach
from credit.commitments.services import commitments as services
from credit.core import audit, auditlabels
from credit.core.access import Perm, principal_of
from credit.core.access.decorators import perm_required
from credit.core.forms import submit
from credit.core.http import (
    EXPORT_LIMIT,
    download_response,
    found,
    query_without_page,
    stamp,
    xlsx_download,
)
from credit.core.inputs import BIGINT_MAX
from credit.core.models import AuditEntry, Department
from credit.core.paging import capped_page

PAGE_SIZE = 30
#: The most rows the list counts (a narrower filter finds the rest).
COUNT_CAP = 10_000
STATUS_LABELS = dict(Status.choices)
KIND_LABELS = dict(Kind.choices)
CHANNEL_LABELS = dict(Channel.choices)
#: A structured number: kind, department code, date, sequence (编码结构化管理).
NUMBER = r"(?P<number>[A-Z]{2}-[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*-\d{8}-\d+)"
#: Service error code → field of the entry form.
ENTRY_ERRORS = {
    "attachment_required": "letter",
    "attachment_kind": "other",
    "attachment_too_many": "other",
    "date_required": "committed_on",
    "date_in_future": "committed_on",
    "item_inactive": "item",
    "item_no_template": "item",
    "channel_invalid": "channel",
}
#: Service error code → field of a commitment's action forms.
ACTION_ERRORS = {"reason_required": "reason", "date_in_future": "on", "date_required": "on"}


def _code_of(c: Commitment) -> str:
    """The promisor's code as staff pages and exports show it: the USCC, or the masked ID
    number of a natural person."""
    if c.natural_person_id:
        return c.natural_person.id_masked
    return c.promisor_code


# --------------------------------------------------------------------------------------------
# The list
# --------------------------------------------------------------------------------------------


def _scope_choices(actor: Any) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The items and departments the reader's commitments use, for the filters."""
    scoped = selectors.commitments_for(actor).order_by()
    item_ids = scoped.values("item_id").distinct()
    items = list(
        CommitmentItem.objects.filter(pk__in=item_ids)
        .order_by("kind", "sort_order", "code")
        .values_list("pk", "name")
    )
    departments = list(
        Department.objects.filter(pk__in=scoped.values("department_id").distinct())
        .order_by("code")
        .values_list("pk", "name")
    )
    return items, departments


def _filtered(request: HttpRequest) -> tuple[CommitmentFilterForm, Any]:
    items, departments = _scope_choices(request.user)
    form = CommitmentFilterForm(request.GET or None, items=items, departments=departments)
    f = form.filters()
    qs = selectors.commitments_for(request.user)
    if f.get("kind"):
        qs = qs.filter(kind=f["kind"])
    if f.get("item"):
        qs = qs.filter(item_id=int(f["item"]))
    if f.get("department"):
        qs = qs.filter(department_id=int(f["department"]))
    if f.get("status"):
        qs = qs.filter(status=f["status"])
    if f.get("date_from"):
        qs = qs.filter(committed_on__gte=f["date_from"])
    if f.get("date_to"):
        qs = qs.filter(committed_on__lte=f["date_to"])
    if f.get("q"):
        q = f["q"]
        qs = qs.filter(
            Q(promisor_name__icontains=q)
            | Q(promisor_code__iexact=q.upper())
            | Q(number__iexact=q.upper())
        )
    return form, qs.select_related("item", "department", "natural_person").order_by(
        "-committed_on", "-id"
    )


@perm_required(Perm.COMMITMENT_VIEW)
def index(request: HttpRequest) -> HttpResponse:
    """The commitments of the reader's tenant: counts per status (each a link to its list),
    filters, newest first."""
    form, qs = _filtered(request)
    page = capped_page(qs, request.GET.get("page"), per_page=PAGE_SIZE, cap=COUNT_CAP)
    counts = (
        selectors.commitments_for(request.user)
        .order_by()
        .aggregate(
            total=Count("id"),
            **{s.value: Count("id", filter=Q(status=s)) for s in Status},
        )
    )
    base = reverse("commitments:index")
    status_rows = [
        {"status": s.value, "label": s.label, "n": counts[s.value], "url": f"{base}?status={s}"}
        for s in Status
    ]
    p = principal_of(request.user)
    query = query_without_page(request)
    return render(
        request,
        "commitments/commitment_list.html",
        {
            "page": page,
            "form": form,
            "query": query,
            "filtered": bool(form.filters()),
            "counts": counts,
            "status_rows": status_rows,
            "tenant": p.tenant_label,
            "may_enter": p.has_perm(Perm.COMMITMENT_ENTER),
            "export_url": reverse("commitments:export") + (f"?{query}" if query else ""),
        },
    )


@perm_required(Perm.COMMITMENT_VIEW)
def export(request: HttpRequest) -> HttpResponse:
    """The filtered commitments as a workbook (a natural person's ID number masked; an
    audited read)."""
    _, qs = _filtered(request)
    rows_of = list(qs.select_related("item_version")[:EXPORT_LIMIT])
    audit.record(
        "commitments.exported",
        actor=request.user,
        object_type=Commitment._meta.label_lower,
        after={"rows": len(rows_of), "query": query_without_page(request)[:500]},
    )
    headers = [
        "承诺编号", "承诺类型", "承诺事项编码", "承诺事项", "事项版本", "承诺部门", "承诺人",
        "承诺人代码（身份证号脱敏）", "签署人", "承诺日期", "公示日期", "有效期至", "状态",
        "来源渠道", "践诺日期", "退回原因",
    ]  # fmt: skip
    rows = (
        [
            c.number,
            KIND_LABELS.get(c.kind, c.kind),
            c.item.code,
            c.item.name,
            c.item_version.version,
            c.department.name,
            c.promisor_name,
            _code_of(c),
            c.signer_name,
            c.committed_on,
            c.published_on,
            c.valid_until,
            STATUS_LABELS.get(c.status, c.status),
            CHANNEL_LABELS.get(c.channel, c.channel),
            c.fulfilled_on,
            c.return_reason,
        ]
        for c in rows_of
    )
    return xlsx_download(f"信用承诺-{stamp()}.xlsx", [("信用承诺", headers, rows)])


# --------------------------------------------------------------------------------------------
# One commitment
# --------------------------------------------------------------------------------------------


def _commitment(request: HttpRequest, number: str) -> Commitment:
    return found(selectors.commitment_for(request.user, number))


def _actions(
    request: HttpRequest, c: Commitment, posted: tuple[str, forms.Form] | None
) -> list[dict[str, Any]]:
    """The department's buttons this commitment's status allows, to a reader who may act on
    it (the service decides in the end)."""
    p = principal_of(request.user)
    if not (
        p.has_perm(Perm.COMMITMENT_REVIEW)
        and p.manages(department_id=c.department_id, region_id=c.region_id)
    ):
        return []
    shown: list[tuple[str, str, type[forms.Form], bool]] = []
    if c.status == Status.SUBMITTED:
        shown.append(("review", "审核", ReviewForm, False))
    if c.status == Status.PUBLISHED:
        shown.append(("fulfil", "记录践诺", FulfilForm, False))
    if c.status in IN_FORCE:
        shown.append(("breach", "认定违诺", BreachForm, True))
    out = []
    for action, label, form_class, danger in shown:
        form = posted[1] if posted and posted[0] == action else None
        out.append(
            {
                "action": action,
                "label": label,
                "url": reverse(f"commitments:{action}", kwargs={"number": c.number}),
                "form": form or form_class(auto_id=f"id_{action}_%s"),
                "open": form is not None or not danger,
                "danger": danger,
            }
        )
    return out


def _history(c: Commitment) -> list[dict[str, Any]]:
    entries = AuditEntry.objects.filter(
        object_type=Commitment._meta.label_lower, object_id=str(c.pk)
    ).order_by("occurred_at", "id")[:200]
    return [
        {
            "at": e.occurred_at,
            "label": auditlabels.action_label(e.event_type),
            "actor": "系统" if e.actor_repr in ("", "system") else e.actor_repr,
        }
        for e in entries
    ]


def _render_detail(
    request: HttpRequest,
    c: Commitment,
    *,
    posted: tuple[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    actions = _actions(request, c, posted)
    shown = {a["action"] for a in actions}
    unplaced = []
    if posted is not None and posted[0] not in shown:
        unplaced = [str(e) for errors in posted[1].errors.values() for e in errors]
    return render(
        request,
        "commitments/commitment_detail.html",
        {
            "c": c,
            "code": _code_of(c),
            "version": c.item_version,
            "files": c.files.defer("data").order_by("id"),
            "history": _history(c),
            "suspicions": c.suspicions.select_related("record").order_by("-created_at"),
            "actions": actions,
            "unplaced_errors": unplaced,
        },
        status=status,
    )


@perm_required(Perm.COMMITMENT_VIEW)
def detail(request: HttpRequest, number: str) -> HttpResponse:
    """One commitment: its structured fields, the template text of the version it signed, its
    files, its history and the actions its status allows."""
    return _render_detail(request, _commitment(request, number))


def _act(
    request: HttpRequest,
    number: str,
    action: str,
    form: forms.Form,
    perform: Any,
    message: str,
) -> HttpResponse:
    """The step every action takes: the service on a valid form, else the page again with
    the refusal (400)."""
    c = _commitment(request, number)
    done = submit(
        request,
        form,
        lambda data: perform(c, data),
        done=lambda _: redirect("commitments:detail", number=c.number),
        message=f"{c.number}：{message}",
        errors=ACTION_ERRORS,
        with_code=False,
    )
    if done is not None:
        return done
    return _render_detail(request, _commitment(request, number), posted=(action, form), status=400)


@perm_required(Perm.COMMITMENT_REVIEW)
@require_POST
def review(request: HttpRequest, number: str) -> HttpResponse:
    """Pass (the commitment is published) or return with a reason."""
    form = ReviewForm(request.POST, auto_id="id_review_%s")
    approve = request.POST.get("decision") == "pass"
    return _act(
        request,
        number,
        "review",
        form,
        lambda c, d: services.review(
            actor=request.user,
            commitment=c,
            approve=d["decision"] == "pass",
            reason=d["reason"],
        ),
        "审核通过，已公示" if approve else "已退回",
    )


@perm_required(Perm.COMMITMENT_REVIEW)
@require_POST
def fulfil(request: HttpRequest, number: str) -> HttpResponse:
    """Record that the promisor kept the commitment (践诺)."""
    form = FulfilForm(request.POST, auto_id="id_fulfil_%s")
    return _act(
        request,
        number,
        "fulfil",
        form,
        lambda c, d: services.fulfil(
            actor=request.user, commitment=c, on=d.get("on"), note=d.get("note", "")
        ),
        "已记录践诺",
    )


@perm_required(Perm.COMMITMENT_REVIEW)
@require_POST
def breach(request: HttpRequest, number: str) -> HttpResponse:
    """Record a breach with its facts: a 违背信用承诺 record enters the library, publicity,
    the attention list and the joint-punishment check."""
    form = BreachForm(request.POST, auto_id="id_breach_%s")
    return _act(
        request,
        number,
        "breach",
        form,
        lambda c, d: services.breach(
            actor=request.user, commitment=c, facts=d["facts"], on=d.get("on")
        ),
        "已认定违诺，已生成“违背信用承诺”记录",
    )


@perm_required(Perm.COMMITMENT_VIEW)
def file(request: HttpRequest, number: str, pk: str) -> HttpResponse:
    """A file of a commitment as a download (an audited read)."""
    c = _commitment(request, number)
    if int(pk) > BIGINT_MAX:
        raise Http404
    f = found(c.files.filter(pk=int(pk)).first())
    audit.record(
        "commitment.file_read",
        actor=request.user,
        obj=c,
        after={"file": f.name, "sha256": f.sha256},
    )
    return download_response(bytes(f.data), f.name, f.content_type)


# --------------------------------------------------------------------------------------------
# Entry by a department or the service hall
# --------------------------------------------------------------------------------------------


def _entry_items(actor: Any) -> Any:
    """The active items of the departments the user manages (the city: every department's)."""
    p = principal_of(actor)
    return (
        CommitmentItem.objects.filter(is_active=True)
        .filter(p.tenant_q(region="department__region_id", department="department_id"))
        .select_related("department")
        .order_by("kind", "sort_order", "code")
    )


@perm_required(Perm.COMMITMENT_ENTER)
def new(request: HttpRequest) -> HttpResponse:
    """A department or the service hall enters a commitment with its signed letter; it is
    published at once when the user may review for that department, else it waits for
    review."""
    items = _entry_items(request.user)
    form = CommitmentEntryForm(
        request.POST or None,
        request.FILES or None,
        items=items,
        initial={"committed_on": timezone.localdate()},
    )
    done = submit(
        request,
        form,
        lambda d: services.enter(
            actor=request.user,
            item=d["item"],
            subject=form.subject,
            committed_on=d["committed_on"],
            signer_name=d["signer_name"],
            files=form.uploads(),
            channel=d["channel"],
        ),
        done=lambda c: redirect("commitments:detail", number=c.number),
        message=lambda c: f"已录入信用承诺 {c.number}（{c.get_status_display()}）",
        errors=ENTRY_ERRORS,
        with_code=False,
    )
    if done is not None:
        return done
    return render(
        request,
        "commitments/commitment_new.html",
        {"form": form, "has_items": items.exists()},
        status=400 if request.method == "POST" else 200,
    )


# --------------------------------------------------------------------------------------------
# Suspected breaches
# --------------------------------------------------------------------------------------------


def _render_suspicions(
    request: HttpRequest, *, posted: tuple[int, forms.Form] | None = None, status: int = 200
) -> HttpResponse:
    p = principal_of(request.user)
    qs = (
        selectors.suspicions_for(request.user)
        .filter(status=SuspicionStatus.OPEN)
        .select_related(
            "commitment", "commitment__item", "commitment__department", "record", "record__item"
        )
        .order_by("-created_at", "-id")
    )
    page = capped_page(qs, request.GET.get("page"), per_page=PAGE_SIZE, cap=COUNT_CAP)
    decides = p.has_perm(Perm.COMMITMENT_REVIEW)
    for s in page:
        own = posted is not None and posted[0] == s.pk
        s.form = posted[1] if own else SuspicionDecisionForm(auto_id=f"id_s{s.pk}_%s")
        s.open = own
        s.code = _code_of(s.commitment)
    return render(
        request,
        "commitments/commitment_suspicions.html",
        {
            "page": page,
            "query": query_without_page(request),
            "decides": decides,
            "tenant": p.tenant_label,
        },
        status=status,
    )


@perm_required(Perm.COMMITMENT_VIEW)
def suspicions(request: HttpRequest) -> HttpResponse:
    """The open suspected breaches of the tenant: a penalty the promisor received from the
    department of its commitment after committing."""
    return _render_suspicions(request)


@perm_required(Perm.COMMITMENT_REVIEW)
@require_POST
def suspicion_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm (the commitment becomes breached) or dismiss a suspected breach."""
    suspicion: SuspectedBreach = found(selectors.suspicions_for(request.user).filter(pk=pk).first())
    form = SuspicionDecisionForm(request.POST, auto_id=f"id_s{pk}_%s")
    confirm = request.POST.get("decision") == "confirm"
    number = suspicion.commitment.number
    done = submit(
        request,
        form,
        lambda d: services.decide_suspicion(
            actor=request.user,
            suspicion=suspicion,
            confirm=d["decision"] == "confirm",
            note=d["note"],
        ),
        done=reverse("commitments:suspicions"),
        message=f"{number}：已确认违诺" if confirm else f"{number}：已排除疑似违诺",
        with_code=False,
    )
    if done is not None:
        return done
    return _render_suspicions(request, posted=(pk, form), status=400)


urls = [
    path("", index, name="index"),
    path("export.xlsx", export, name="export"),
    path("new/", new, name="new"),
    path("suspicions/", suspicions, name="suspicions"),
    path("suspicions/<id:pk>/decide/", suspicion_decide, name="suspicion_decide"),
    re_path(rf"^{NUMBER}/$", detail, name="detail"),
    re_path(rf"^{NUMBER}/review/$", review, name="review"),
    re_path(rf"^{NUMBER}/fulfil/$", fulfil, name="fulfil"),
    re_path(rf"^{NUMBER}/breach/$", breach, name="breach"),
    re_path(rf"^{NUMBER}/files/(?P<pk>0|[1-9][0-9]{{0,18}})/$", file, name="file"),
]
