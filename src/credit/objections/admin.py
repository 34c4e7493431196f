"""Read-only admin: objections and repair applications change only through the workflow
services (their pages are under ``/objections/manage/``)."""

from django.contrib import admin

from credit.core.access import Perm
from credit.core.admin import PersonalDataAdminMixin
from credit.objections.models import Objection, RepairApplication

_HIDDEN = ["id_cipher", "id_index", "phone_cipher", "phone_index"]


@admin.register(Objection)
class ObjectionAdmin(PersonalDataAdminMixin, admin.ModelAdmin):
    """The applicant's data: every list and page view is audited (``objection.viewed``)."""

    view_perm = Perm.OBJECTION_HANDLE
    change_perm = None
    exclude = _HIDDEN
    list_display = ["number", "channel", "status", "record", "department", "created_at"]
    list_filter = ["status", "channel"]
    search_fields = ["number"]
    list_select_related = ["record__item", "department"]
    raw_id_fields = ["record"]


@admin.register(RepairApplication)
class RepairApplicationAdmin(PersonalDataAdminMixin, admin.ModelAdmin):
    """The applicant's data: every list and page view is audited (``repair.viewed``, as
    on the staff pages)."""

    audit_name = "repair"
    view_perm = Perm.REPAIR_REVIEW
    change_perm = None
    exclude = _HIDDEN
    list_display = ["number", "status", "record", "created_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["number"]
    list_select_related = ["record__item"]
    raw_id_fields = ["record"]
