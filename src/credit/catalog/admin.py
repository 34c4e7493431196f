"""The credit office edits catalog items here; each save bumps the item's version."""

from __future__ import annotations

from django.contrib import admin

from credit.catalog.models import CatalogItem, CodeTable, CodeValue, FieldSpec
from credit.catalog.selectors import export_item
from credit.catalog.services import bump_version, code_table_changed
from credit.core.access import Perm
from credit.core.admin import AuditedModelAdmin, RoleAdminMixin


class CatalogAdminMixin(RoleAdminMixin):
    view_perm = Perm.CATALOG_VIEW
    change_perm = Perm.CATALOG_MANAGE


class FieldSpecInline(CatalogAdminMixin, admin.TabularInline):
    model = FieldSpec
    extra = 0
    fields = [
        "position",
        "code",
        "name",
        "aliases",
        "data_type",
        "max_length",
        "required",
        "code_table",
        "multi_value",
        "validator",
        "sensitivity",
        "usage_scope",
        "role",
        "unit",
    ]
    ordering = ["position"]


@admin.register(CatalogItem)
class CatalogItemAdmin(CatalogAdminMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "category",
        "subject_type",
        "update_period",
        "usage_scope",
        "version",
        "is_active",
    ]
    list_filter = ["category", "subject_type", "usage_scope", "is_active"]
    search_fields = ["name", "code"]
    readonly_fields = ["version", "updated_at"]
    filter_horizontal = ["source_departments"]
    inlines = [FieldSpecInline]

    def save_related(self, request, form, formsets, change):
        # The version and the audit entry cover the item and its fields together.
        item = form.instance
        before = getattr(request, "_catalog_before", None)
        super().save_related(request, form, formsets, change)
        if change:
            bump_version(item, actor=request.user, before=before)
        else:
            from credit.core import audit

            audit.record(
                "catalogitem.created", actor=request.user, obj=item, after=export_item(item)
            )

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None and request.method == "POST":
            request._catalog_before = export_item(obj)
        return obj


class CodeValueInline(CatalogAdminMixin, admin.TabularInline):
    model = CodeValue
    extra = 0
    fields = ["sort_order", "value", "synonyms", "note"]


@admin.register(CodeTable)
class CodeTableAdmin(CatalogAdminMixin, AuditedModelAdmin):
    list_display = ["code", "name", "source"]
    inlines = [CodeValueInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change:
            code_table_changed(form.instance, actor=request.user)
