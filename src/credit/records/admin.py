from django.contrib import admin, messages
from django.db import transaction

from credit.accounts.permissions import has_perm
from credit.accounts.roles import Perm
from credit.core import audit
from credit.core.admin import AuditedAdminMixin, RoleAdminMixin
from credit.records import publicity, tasks
from credit.records.models import CreditRecord, PublicityPolicy, PublicityRule


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
        "publicity_end",
        "status",
        "usage_scope",
    ]
    list_filter = ["item", "status", "usage_scope", "publishable", "region"]
    search_fields = ["document_no"]
    raw_id_fields = ["legal_person", "natural_person"]
    list_select_related = ["item", "legal_person", "natural_person", "department"]


class PublicityRuleInline(admin.TabularInline):
    model = PublicityRule
    extra = 0
    fields = ["item", "severity", "published", "min_months", "max_months"]

    def has_view_permission(self, request, obj=None):
        return has_perm(request.user, Perm.RECORD_VIEW)

    def has_change_permission(self, request, obj=None):
        return has_perm(request.user, Perm.CONFIG_MANAGE)

    has_add_permission = has_change_permission
    has_delete_permission = has_change_permission


@admin.register(PublicityPolicy)
class PublicityPolicyAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """公示期规则: the national policies are installed by migration; the credit office may add
    a local policy or an item-specific line (sector rules). Saving recomputes the publicity
    of existing records in the background (``records.recompute_publicity``)."""

    view_perm = Perm.RECORD_VIEW
    change_perm = Perm.CONFIG_MANAGE
    list_display = ["name", "document_no", "effective_from", "updated_at"]
    inlines = [PublicityRuleInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        policy = form.instance
        audit.record(
            "publicitypolicy.rules_saved",
            actor=request.user,
            obj=policy,
            after={
                "rules": [
                    {
                        "item": r.item.code if r.item_id else None,
                        "severity": r.severity,
                        "published": r.published,
                        "min_months": r.min_months,
                        "max_months": r.max_months,
                    }
                    for r in policy.rules.select_related("item")
                ]
            },
        )
        publicity.forget()
        transaction.on_commit(lambda: tasks.recompute_publicity.defer(actor_id=request.user.pk))
        messages.info(request, "已安排后台重新计算既有信用记录的公示期，完成后写入审计日志。")
