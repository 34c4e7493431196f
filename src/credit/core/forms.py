"""The page steps every staff form takes, written once: a valid form calls a service, a
refusal is shown on the form, success adds a message and moves on (:func:`submit`); a button
without a form does the same with messages (:func:`act`). Also the kernel's own form: the
audit log's filters (:class:`AuditFilterForm`)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from credit.core import auditlabels
from credit.core.errors import CreditError

T = TypeVar("T")
#: What an audit action code looks like (``objection.submitted``).
AUDIT_CODE = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")
#: Where a page goes after the service succeeded: a URL (or URL name) to redirect to, a
#: response, or a function of the service's result giving either.
Done = str | HttpResponse | Callable[[Any], "str | HttpResponse"]


def error_text(exc: CreditError) -> str:
    """How a service's refusal reads on a page: the Chinese message and the stable code."""
    return f"{exc.message}（{exc.code}）"


def add_service_error(
    form: forms.Form,
    exc: CreditError,
    fields: Mapping[str, str] | None = None,
    *,
    with_code: bool = True,
) -> None:
    """Show a service's refusal on the field its code concerns (``fields``: code → field
    name, merged with the form's own ``service_fields``), or on the form as a whole."""
    mapping = {**(fields or {}), **getattr(form, "service_fields", {})}
    field = mapping.get(exc.code)
    form.add_error(
        field if field in form.fields else None, error_text(exc) if with_code else exc.message
    )


def _finish(request: HttpRequest, result: Any, message: Any, done: Done) -> HttpResponse:
    if message:
        messages.success(request, message(result) if callable(message) else message)
    target = done(result) if callable(done) else done
    return target if isinstance(target, HttpResponse) else redirect(target)


def submit(
    request: HttpRequest,
    form: forms.Form,
    action: Callable[[dict[str, Any]], T],
    *,
    done: Done,
    message: str | Callable[[T], str] | None = None,
    errors: Mapping[str, str] | None = None,
    with_code: bool = True,
    on_error: Callable[[CreditError], None] | None = None,
) -> HttpResponse | None:
    """The step "valid form → service → refusal on the form → success message → redirect".

    On a POST whose form is valid, ``action(form.cleaned_data)`` runs (a service call, which
    checks permissions and writes in one transaction). A refusal (:class:`CreditError`) is
    shown on the form (:func:`add_service_error` with ``errors``) after ``on_error`` ran (e.g.
    to reload an object the service left unchanged), and ``None`` is returned: the caller
    renders the form again. On success ``message`` (text, or a function of the result) is
    shown on the next page and the response of ``done`` is returned.
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = action(form.cleaned_data)
    except CreditError as exc:
        if on_error is not None:
            on_error(exc)
        add_service_error(form, exc, errors, with_code=with_code)
        return None
    return _finish(request, result, message, done)


def act(
    request: HttpRequest,
    action: Callable[[], T],
    *,
    done: Done,
    message: str | Callable[[T], str] | None = None,
    refused: Done | None = None,
) -> HttpResponse:
    """A button without a form (enable, resend, rotate): run ``action()``; a refusal becomes an
    error message and the page goes to ``refused`` (default: ``done``); success as
    :func:`submit`."""
    try:
        result = action()
    except CreditError as exc:
        messages.error(request, error_text(exc))
        target = refused if refused is not None else done
        target = target(None) if callable(target) else target
        return target if isinstance(target, HttpResponse) else redirect(target)
    return _finish(request, result, message, done)


#: The dates a form takes: no date of this platform lies outside, and one that does breaks
#: date arithmetic (the day after 9999-12-31 does not exist).
FIRST_DATE, LAST_DATE = datetime.date(1900, 1, 1), datetime.date(2099, 12, 31)


class DateField(forms.DateField):
    """A date from 1900 to 2099; another is refused in Chinese (and a filter dropped)."""

    default_validators = [
        MinValueValidator(FIRST_DATE, "日期不能早于 1900 年"),
        MaxValueValidator(LAST_DATE, "日期不能晚于 2099 年"),
    ]


class FilterForm(forms.Form):
    """A list's filters, sent by GET: :meth:`filters` gives the valid values that are set — a
    value that does not validate is dropped and the others apply, so a hand-edited address
    never fails the page."""

    def filters(self) -> dict[str, Any]:
        """field → cleaned value, for the fields set to a valid value (text stripped)."""
        if not self.is_bound:
            return {}
        out: dict[str, Any] = {}
        for name, field in self.fields.items():
            try:
                value = field.clean(self.data.get(name, ""))
            except forms.ValidationError:
                continue
            if isinstance(value, str):
                value = value.strip()
            if value not in ("", None, False):
                out[name] = value
        return out


class AuditFilterForm(forms.Form):
    """Filters of the audit log page (GET); an invalid value is dropped, the others apply.
    The action is chosen by its Chinese name (:mod:`credit.core.auditlabels`)."""

    actor = forms.CharField(
        label="操作人",
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "用户名，系统任务填 system"}),
    )
    event_type = forms.ChoiceField(label="操作", required=False)
    object_type = forms.ChoiceField(label="对象类型", required=False)
    object_id = forms.CharField(label="对象编号", max_length=64, required=False)
    date_from = DateField(
        label="日期自",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = DateField(
        label="至",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    source_ip = forms.GenericIPAddressField(
        label="来源IP", required=False, error_messages={"invalid": "请输入有效的IP地址"}
    )
    request_id = forms.CharField(label="请求编号", max_length=64, required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        actions: list[Any] = [("", "全部"), *auditlabels.action_choices()]
        asked = self.data.get("event_type", "") if self.is_bound else ""
        if asked not in auditlabels.ACTION_LABELS and AUDIT_CODE.match(asked):
            actions.append(("未命名的操作", [(asked, asked)]))  # a code written without a name
        self.fields["event_type"].choices = actions
        self.fields["object_type"].choices = [("", "全部"), *auditlabels.object_type_choices()]

    def filters(self) -> dict[str, Any]:
        """The valid filters, as keyword arguments of
        :func:`credit.core.selectors.audit_entries_for`."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            k: v.strip() if isinstance(v, str) else v
            for k, v in data.items()
            if v not in ("", None)
        }
