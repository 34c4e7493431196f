import json

from django.contrib import admin, messages
from django.db import transaction

from credit.catalog.masking import masked_payload
from credit.catalog.rules import spec_for
from credit.core import audit
from credit.core.access import Perm, has_perm
from credit.core.admin import AuditedAdminMixin, PersonalDataAdminMixin
from credit.records import publicity, tasks
from credit.records.models import CreditRecord, PublicityPolicy, PublicityRule


@admin.register(CreditRecord)
class CreditRecordAdmin(PersonalDataAdminMixin, admin.ModelAdmin):
    """Read-only in the admin: records change only through the ingest and workflow services.

    A record's payload holds personal data as sent (a natural person's ID number, phone
    numbers in free text): every list and page view is audited (``creditrecord.viewed``), and
    whoever may not see ID numbers reads the payload masked field by field
    (:func:`credit.catalog.masking.masked_payload`)."""

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

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if has_perm(request.user, Perm.SUBJECT_VIEW_IDENTITY):
            return fields
        return ["masked_payload" if f == "payload" else f for f in fields]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "masked_payload"]

    @admin.display(description="数据项（脱敏）")
    def masked_payload(self, obj: CreditRecord) -> str:
        rules = spec_for(obj.item).by_code()
        shown = masked_payload(rules, obj.payload or {})
        return json.dumps(shown, ensure_ascii=False, indent=1, default=str)


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
