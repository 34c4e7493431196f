"""Read-only admin: objections and repair applications change only through the workflow
services (their pages are under ``/objections/manage/``)."""

from django.contrib import admin

from credit.accounts.roles import Perm
from credit.core.admin import RoleAdminMixin
from credit.objections.models import Objection, RepairApplication

_HIDDEN = ["id_cipher", "id_index", "phone_cipher", "phone_index"]


@admin.register(Objection)
class ObjectionAdmin(RoleAdminMixin, admin.ModelAdmin):
    view_perm = Perm.OBJECTION_HANDLE
    change_perm = None
    exclude = _HIDDEN
    list_display = ["number", "channel", "status", "record", "department", "created_at"]
    list_filter = ["status", "channel"]
    search_fields = ["number"]
    list_select_related = ["record__item", "department"]
    raw_id_fields = ["record"]


@admin.register(RepairApplication)
class RepairApplicationAdmin(RoleAdminMixin, admin.ModelAdmin):
    view_perm = Perm.REPAIR_REVIEW
    change_perm = None
    exclude = _HIDDEN
    list_display = ["number", "status", "record", "created_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["number"]
    list_select_related = ["record__item"]
    raw_id_fields = ["record"]
