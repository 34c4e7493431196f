"""Government integrity in the admin: the score rule versions and the 红黑榜 rules, read-only.

Rules change only through their services (``credit integrity rules import``, a new version
from the rules page: :mod:`credit.integrity.services.rules`), so that every change is a new
version with an effective date and an audit entry; scores and archives are read on their own
pages, where every read of personal data is audited."""

from django.contrib import admin

from credit.core.access import Perm
from credit.core.admin import RoleAdminMixin
from credit.integrity.models import HonourRule, ScoreRule, ScoreRuleSet


class ScoreRuleInline(admin.TabularInline):
    model = ScoreRule
    extra = 0
    can_delete = False
    fields = ["label", "item", "field", "value", "points", "date_field", "months", "note"]
    readonly_fields = fields
    ordering = ["sort_order", "id"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ScoreRuleSet)
class ScoreRuleSetAdmin(RoleAdminMixin, admin.ModelAdmin):
    view_perm = Perm.INTEGRITY_MANAGE
    change_perm = None
    list_display = ["name", "code", "effective_from", "base", "grade_a_min", "grade_b_min"]
    readonly_fields = [
        "code",
        "name",
        "effective_from",
        "base",
        "grade_a_min",
        "grade_b_min",
        "grade_c_min",
        "basis",
        "note",
        "created_at",
    ]
    inlines = [ScoreRuleInline]


@admin.register(HonourRule)
class HonourRuleAdmin(RoleAdminMixin, admin.ModelAdmin):
    view_perm = Perm.INTEGRITY_MANAGE
    change_perm = None
    list_display = ["name", "kind", "effective_from", "years", "min_count", "published"]
    readonly_fields = [
        "kind",
        "name",
        "effective_from",
        "items",
        "min_count",
        "years",
        "require_excellent",
        "published",
        "measures",
        "basis",
        "updated_at",
    ]
