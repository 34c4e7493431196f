"""The portal's 信用承诺 column (``/portal/commitments/``, namespace ``commitments_portal``).

- ``""`` (index): the published commitments in force (已公示、已践诺, not past their validity),
  filters by kind, item, department and promisor name, pages and an Excel export. A
  commitment waiting for review, returned, breached or withdrawn is not shown; a natural
  person's name is masked and the ID number never shown but masked.
- ``new/``: a signed-in real-name account (``credit.identity``) signs a commitment online for
  its company (a company agent: ``account.uscc``) or for itself: it chooses an item, reads the
  current template text, legal basis and required attachments, agrees, names the signer and
  uploads the signed letter; the commitment waits for the department's review.
- ``mine/``: the account's commitments (and its company's) with their status; a returned one
  with the department's reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from credit.commitments import selectors
from credit.commitments.constants import Kind, Status
from credit.commitments.models import Commitment, CommitmentItem
from credit.commitments.services import commitments as services
from credit.commitments.services import items as item_services
from credit.commitments.services.commitments import FileKind
from credit.core import paging as c
from credit.core.errors import CreditError
from credit.core.http import xlsx_download
from credit.core.masking import mask_name
from credit.core.models import Department
from credit.core.paging import capped_page
from credit.identity.models import PublicAccount
from credit.identity.session import account_required, current_account
from credit.objections import conf, uploads

NAV = "commitments"
#: Kinds a company or person signs on the portal; a 信用修复型 commitment comes with the
#: credit-repair application (信用修复申请) instead.
PORTAL_KINDS = (Kind.VOLUNTARY, Kind.INDUSTRY, Kind.NOTIFY, Kind.TOLERANCE)


# --------------------------------------------------------------------------------------------
# The column
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicRow:
    """A published commitment as the public reads it (natural persons masked)."""

    number: str
    kind: str
    item: str
    department: str
    promisor: str
    promisor_code: str
    subject_id: int | None
    committed_on: Any
    published_on: Any
    valid_until: Any
    status: str


def public_row(cm: Commitment) -> PublicRow:
    natural = cm.natural_person_id is not None
    return PublicRow(
        number=cm.number,
        kind=cm.get_kind_display(),
        item=cm.item.name,
        department=cm.department.name,
        promisor=mask_name(cm.promisor_name) if natural else cm.promisor_name,
        promisor_code=cm.promisor_code,
        subject_id=cm.legal_person_id,
        committed_on=cm.committed_on,
        published_on=cm.published_on,
        valid_until=cm.valid_until,
        status=cm.get_status_display(),
    )


class FilterForm(forms.Form):
    """Filters of the column (GET), read leniently: a value that does not parse is dropped."""

    kind = forms.ChoiceField(label="承诺类型", required=False)
    item = forms.ChoiceField(label="承诺事项", required=False)
    department = forms.ChoiceField(label="承诺部门", required=False)
    name = forms.CharField(label="承诺人名称", max_length=50, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "全部"), *Kind.choices]
        active = CommitmentItem.objects.filter(is_active=True)
        self.fields["item"].choices = [("", "全部"), *active.values_list("code", "name")]
        self.fields["department"].choices = [
            ("", "全部"),
            *Department.objects.filter(pk__in=active.values("department_id"))
            .order_by("code")
            .values_list("code", "name"),
        ]

    def values(self) -> dict[str, str]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "kind": data.get("kind") or "",
            "item": data.get("item") or "",
            "department": data.get("department") or "",
            "name": (data.get("name") or "").strip(),
        }

    def query(self) -> str:
        return urlencode({k: v for k, v in self.values().items() if v})

    def describe(self) -> list[str]:
        out = []
        for key, value in self.values().items():
            if value:
                label = dict(self.fields[key].choices).get(value, value) if key != "name" else value
                out.append(f"{self.fields[key].label}：{label}")
        return out


def _filtered(form: FilterForm) -> QuerySet[Commitment]:
    return selectors.published(form.values()).select_related("item", "department")


def index(request: HttpRequest) -> HttpResponse:
    """信用承诺: the published commitments in force, newest first."""
    form = FilterForm(request.GET or None)
    page = capped_page(
        _filtered(form),
        request.GET.get("page"),
        per_page=c.PUBLIC_PAGE_SIZE,
        cap=c.PUBLIC_COUNT_CAP,
    )
    page.object_list = [public_row(cm) for cm in page.object_list]
    return render(
        request,
        "commitments/public_index.html",
        {
            "nav": NAV,
            "form": form,
            "page": page,
            "query": form.query(),
            "export_limit": c.PUBLIC_EXPORT_LIMIT,
            "account": current_account(request),
        },
    )


def _date(value: Any) -> str:
    return value.isoformat() if value else ""


def export(request: HttpRequest) -> HttpResponse:
    """The filtered commitments as a workbook (at most ``PUBLIC_EXPORT_LIMIT`` rows)."""
    form = FilterForm(request.GET or None)
    qs = _filtered(form)
    written = 0

    def rows() -> Iterator[list[Any]]:
        nonlocal written
        for cm in qs[: c.PUBLIC_EXPORT_LIMIT].iterator(chunk_size=500):
            r = public_row(cm)
            written += 1
            yield [r.number, r.promisor, r.promisor_code, r.kind, r.item, r.department,
                   _date(r.committed_on), _date(r.published_on), _date(r.valid_until),
                   r.status]  # fmt: skip

    def sheets() -> Iterator[tuple[str, list[str], Iterable[Iterable[Any]]]]:
        headers = ["承诺编号", "承诺人", "统一社会信用代码（证件号码）", "承诺类型", "承诺事项",
                   "承诺部门", "承诺日期", "公示日期", "有效期至", "状态"]  # fmt: skip
        yield "信用承诺", headers, rows()
        yield (
            "说明",
            ["项目", "内容"],
            [
                ["名称", "信用承诺公示"],
                ["导出时间", timezone.localtime().strftime("%Y-%m-%d %H:%M")],
                ["筛选条件", "；".join(form.describe()) or "无"],
                ["导出行数", str(written)],
                ["说明", f"每次最多导出{c.PUBLIC_EXPORT_LIMIT}行（按承诺日期从新到旧）。"],
                [
                    "来源",
                    "信用常州（常州市公共信用信息平台），仅含已公示且在有效期内的信用承诺；"
                    "自然人信息已脱敏。",
                ],
            ],
        )

    stamp = timezone.localtime().strftime("%Y%m%d")
    return xlsx_download(f"信用承诺-{stamp}.xlsx", sheets())


# --------------------------------------------------------------------------------------------
# Signing online
# --------------------------------------------------------------------------------------------


def portal_items() -> QuerySet[CommitmentItem]:
    """The items a company or person may sign on the portal."""
    return (
        CommitmentItem.objects.filter(is_active=True, kind__in=PORTAL_KINDS)
        .select_related("department")
        .order_by("kind", "sort_order", "code")
    )


class SignForm(forms.Form):
    """Signing one item's commitment: agree to the text, name the signer, upload the signed
    letter (and the other attachments the item asks for)."""

    item = forms.CharField(widget=forms.HiddenInput, max_length=64)
    agreed = forms.BooleanField(
        label="我已阅读并同意上述承诺书的全部内容，自愿作出承诺，愿意承担违背承诺的后果",
        required=False,
    )
    signer_name = forms.CharField(label="签署人姓名", max_length=50)
    letter = forms.FileField(
        label="签字（盖章）的承诺书",
        widget=forms.ClearableFileInput(attrs={"accept": uploads.ACCEPT}),
    )
    other = forms.FileField(
        label="其他附件",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": uploads.ACCEPT}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        size = f"PDF、JPG 或 PNG，不超过 {uploads.human_size(conf.max_file_bytes())}"
        self.fields["letter"].help_text = "打印承诺书，签字（企业加盖公章）后扫描上传；" + size
        self.fields["other"].help_text = "承诺事项要求的其他材料；" + size

    def clean_agreed(self) -> bool:
        if not self.cleaned_data.get("agreed"):
            raise forms.ValidationError("请阅读承诺书并勾选同意后再提交")
        return True

    def uploads(self) -> list[uploads.Upload]:
        found = [uploads.read_upload(self.cleaned_data["letter"], FileKind.LETTER)]
        if self.cleaned_data.get("other"):
            found.append(uploads.read_upload(self.cleaned_data["other"], FileKind.OTHER))
        return found


def _promisor(account: PublicAccount) -> str:
    """Who signs: the account's company, or the person."""
    if account.uscc:
        return f"{account.org_name or '本单位'}（{account.uscc}）"
    return f"{account.name}（本人）"


@account_required
def new(request: HttpRequest) -> HttpResponse:
    """在线承诺: choose an item, read its template, agree, sign and upload the letter."""
    account = current_account(request)
    code = (request.POST.get("item") if request.method == "POST" else request.GET.get("item")) or ""
    item = portal_items().filter(code=code[:64]).first() if code else None
    version = item_services.current_version(item) if item is not None else None
    if item is None or version is None:
        return render(
            request,
            "commitments/public_new.html",
            {
                "nav": NAV,
                "account": account,
                "promisor": _promisor(account),
                "items": portal_items(),
                "unknown": bool(code),
            },
        )
    form = SignForm(
        request.POST or None,
        request.FILES or None,
        initial={"item": item.code, "signer_name": account.name},
    )
    if request.method == "POST" and form.is_valid():
        try:
            commitment = services.submit_online(
                account=account,
                item=item,
                agreed=True,
                signer_name=form.cleaned_data["signer_name"].strip(),
                files=form.uploads(),
            )
        except CreditError as exc:
            form.add_error(None, exc.message)
        else:
            response = render(
                request,
                "commitments/public_done.html",
                {"nav": NAV, "account": account, "commitment": commitment, "item": item},
            )
            response["Cache-Control"] = "no-store"
            return response
    return render(
        request,
        "commitments/public_new.html",
        {
            "nav": NAV,
            "account": account,
            "promisor": _promisor(account),
            "item": item,
            "version": version,
            "form": form,
        },
    )


def own_commitments(account: PublicAccount) -> QuerySet[Commitment]:
    """What the account signed, and its company's commitments however they were entered."""
    q = Q(account=account)
    if account.uscc:
        q |= Q(legal_person__uscc=account.uscc)
    return (
        Commitment.objects.filter(q)
        .select_related("item", "department")
        .order_by("-created_at", "-id")
    )


@account_required
def mine(request: HttpRequest) -> HttpResponse:
    """我的信用承诺: the account's commitments and where each stands."""
    account = current_account(request)
    rows = list(own_commitments(account)[:200])
    response = render(
        request,
        "commitments/public_mine.html",
        {"nav": NAV, "account": account, "rows": rows, "returned": Status.RETURNED},
    )
    response["Cache-Control"] = "no-store"
    return response


urls = [
    path("", index, name="index"),
    path("export.xlsx", export, name="export"),
    path("new/", new, name="new"),
    path("mine/", mine, name="mine"),
]
