from django.contrib import admin

from credit.accounts.roles import Perm
from credit.core.admin import RoleAdminMixin
from credit.records.models import CreditRecord


@admin.register(CreditRecord)
class CreditRecordAdmin(RoleAdminMixin, admin.ModelAdmin):
    """Read-only in the admin: records change only through the ingest and workflow services."""

    view_perm = Perm.RECORD_VIEW
    change_perm = None
    list_display = [
        "item",
        "document_no",
        "legal_person",
        "natural_person",
        "department",
        "decision_date",
        "status",
        "usage_scope",
    ]
    list_filter = ["item", "status", "usage_scope", "region"]
    search_fields = ["document_no"]
    raw_id_fields = ["legal_person", "natural_person"]
    list_select_related = ["item", "legal_person", "natural_person", "department"]
