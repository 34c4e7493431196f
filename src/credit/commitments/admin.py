"""Credit commitments in the admin: the commitment items with their template versions and the
daily coverage figures, read-only.

Items change only through their services (``credit commitments items import``, a new version
from the items page: :mod:`credit.commitments.services.items`), so that every change of a
template is a new version with an audit entry; commitments name natural persons and are read
on their own pages within the reader's tenant."""

from django.contrib import admin

from credit.commitments.models import CommitmentItem, CommitmentItemVersion, CoverageFigure
from credit.core.access import Perm
from credit.core.admin import RoleAdminMixin


class VersionInline(admin.StackedInline):
    model = CommitmentItemVersion
    extra = 0
    can_delete = False
    fields = ["version", "template_text", "legal_basis", "attachments", "validity_months", "note"]
    readonly_fields = fields
    ordering = ["-version"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CommitmentItem)
class CommitmentItemAdmin(RoleAdminMixin, admin.ModelAdmin):
    view_perm = Perm.COMMITMENT_MANAGE
    change_perm = None
    list_display = ["code", "name", "kind", "department", "verified", "is_active"]
    list_filter = ["kind", "verified", "is_active"]
    search_fields = ["code", "name"]
    readonly_fields = ["code", "name", "kind", "department", "verified", "is_active", "sort_order"]
    inlines = [VersionInline]


@admin.register(CoverageFigure)
class CoverageFigureAdmin(RoleAdminMixin, admin.ModelAdmin):
    view_perm = Perm.COMMITMENT_MANAGE
    change_perm = None
    list_display = ["day", "target", "covered", "total", "target_ratio"]
    list_filter = ["target"]
    readonly_fields = ["day", "target", "covered", "total", "target_ratio", "computed_at"]
