from django.contrib import admin

from credit.core.access import Perm, has_perm
from credit.core.admin import PersonalDataAdminMixin, RoleAdminMixin
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
class NaturalPersonAdmin(PersonalDataAdminMixin, SubjectAdminMixin, admin.ModelAdmin):
    """Every list and page view is audited (``naturalperson.viewed``, channel admin). The
    number is shown masked only; its birth date and division code are hidden from those who
    may not see the number, since with the masked form they would spell it out."""

    list_display = ["name", "id_type", "id_masked", "gender", "region"]
    list_filter = ["id_type", "region"]
    exclude = ["id_cipher", "id_index"]

    def get_exclude(self, request, obj=None):
        hidden = list(super().get_exclude(request, obj) or [])
        if not has_perm(request.user, Perm.SUBJECT_VIEW_IDENTITY):
            hidden += ["birth_date", "division_code"]
        return hidden
