from django.contrib import admin

from credit.accounts.roles import Perm
from credit.core.admin import RoleAdminMixin
from credit.subjects.models import LegalPerson, LegalPersonIdentifier, NaturalPerson


class SubjectAdminMixin(RoleAdminMixin):
    """Read-only in the admin: subjects change through the ingest services only."""

    view_perm = Perm.SUBJECT_VIEW
    change_perm = None


class IdentifierInline(SubjectAdminMixin, admin.TabularInline):
    model = LegalPersonIdentifier
    extra = 0
    fields = ["scheme", "value", "derived", "source_department"]
    readonly_fields = fields


@admin.register(LegalPerson)
class LegalPersonAdmin(SubjectAdminMixin, admin.ModelAdmin):
    list_display = ["name", "uscc", "kind", "region", "industry", "status"]
    list_filter = ["kind", "region", "industry", "status"]
    search_fields = ["uscc", "name"]
    inlines = [IdentifierInline]


@admin.register(NaturalPerson)
class NaturalPersonAdmin(SubjectAdminMixin, admin.ModelAdmin):
    list_display = ["name", "id_type", "id_masked", "gender", "region"]
    list_filter = ["id_type", "region"]
    exclude = ["id_cipher", "id_index"]
