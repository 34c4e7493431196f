"""Admin for reference data; every admin change is written to the audit log."""

from __future__ import annotations

from django.contrib import admin
from django.forms.models import model_to_dict

from credit.core import audit
from credit.core.access import Perm, has_perm
from credit.core.masking import mask_numbers_in_text
from credit.core.models import AuditEntry, CalendarDay, Department, Region

_NEVER_AUDITED = {"password"}


def _jsonable(obj) -> dict:
    return {
        k: v if isinstance(v, str | int | bool | float | list | None) else str(v)
        for k, v in model_to_dict(obj).items()
        if k not in _NEVER_AUDITED
    }


class RoleAdminMixin:
    """Admin access from the platform's roles (``view_perm``/``change_perm``), not Django's
    per-model permissions, so the admin obeys the same rules as the services."""

    view_perm: Perm = Perm.CONFIG_MANAGE
    change_perm: Perm | None = Perm.CONFIG_MANAGE

    def has_module_permission(self, request):
        return has_perm(request.user, self.view_perm)

    def has_view_permission(self, request, obj=None):
        return has_perm(request.user, self.view_perm)

    def has_change_permission(self, request, obj=None):
        return self.change_perm is not None and has_perm(request.user, self.change_perm)

    def has_add_permission(self, request, obj=None):
        # Inlines are asked with ``obj`` (InlineModelAdmin), model admins without it.
        return self.has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request)


class AuditedAdminMixin(RoleAdminMixin):
    """Writes an audit entry with before/after for each save and delete in the admin."""

    def save_model(self, request, obj, form, change):
        before = None
        if change and obj.pk:
            old = type(obj).objects.filter(pk=obj.pk).first()
            before = _jsonable(old) if old else None
        super().save_model(request, obj, form, change)
        event = f"{obj._meta.model_name}.{'updated' if change else 'created'}"
        audit.record(event, actor=request.user, obj=obj, before=before, after=_jsonable(obj))

    def delete_model(self, request, obj):
        audit.record(
            f"{obj._meta.model_name}.deleted", actor=request.user, obj=obj, before=_jsonable(obj)
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class AuditedModelAdmin(AuditedAdminMixin, admin.ModelAdmin):
    pass


class PersonalDataAdminMixin(RoleAdminMixin):
    """Admin pages that show personal data (natural persons, applicants, record contents):
    opening the list or an object's page is an audited read, as on the staff pages —
    ``<audit_name>.viewed`` with ``channel: "admin"``, naming the object, or for the list the
    objects on the page (``naturalperson.viewed`` for the natural-person admin). A refused,
    redirected or posted page writes nothing. Lists must show ID numbers masked only
    (``id_masked``), never the number."""

    #: The audit event's prefix; the model's name (``naturalperson``) when empty.
    audit_name: str = ""

    def _viewed(self, request, **target) -> None:
        event = f"{self.audit_name or self.model._meta.model_name}.viewed"
        audit.record(event, actor=request.user, **target)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None) or {}
        if request.method == "GET" and response.status_code == 200 and "cl" in context:
            query = {k: mask_numbers_in_text(v)[:200] for k, v in request.GET.items()}
            self._viewed(
                request,
                object_type=self.model._meta.label_lower,
                after={
                    "channel": "admin",
                    "page": "list",
                    "objects": [obj.pk for obj in context["cl"].result_list],
                    "query": query,
                },
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        context = getattr(response, "context_data", None) or {}
        shown = context.get("original")
        if request.method == "GET" and response.status_code == 200 and shown is not None:
            self._viewed(request, obj=shown, after={"channel": "admin", "page": "change"})
        return response


@admin.register(Region)
class RegionAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "level", "parent", "is_active"]


@admin.register(Department)
class DepartmentAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "short_name", "uscc", "region", "kind", "is_active"]
    list_filter = ["region", "kind", "is_active"]
    search_fields = ["code", "name", "short_name", "uscc"]


class _CalendarYearFilter(admin.SimpleListFilter):
    title = "年份"
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = CalendarDay.objects.dates("date", "year", order="DESC")
        return [(str(d.year), f"{d.year}年") for d in years]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(date__year=int(value))
        return queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedModelAdmin):
    """Overrides of the working-day calendar (工作日历调整); see ``credit.core.workdays``."""

    list_display = ["date", "is_workday", "name", "source", "created_at"]
    list_filter = [_CalendarYearFilter, "is_workday", "date"]
    date_hierarchy = "date"
    search_fields = ["name", "source"]
    ordering = ["-date"]


@admin.register(AuditEntry)
class AuditEntryAdmin(RoleAdminMixin, admin.ModelAdmin):
    view_perm = Perm.AUDIT_VIEW
    change_perm = None

    list_display = [
        "occurred_at",
        "event_type",
        "actor_repr",
        "object_type",
        "object_repr",
        "source_ip",
    ]
    list_filter = ["event_type", "object_type"]
    search_fields = ["object_id", "object_repr", "actor_repr", "request_id"]
