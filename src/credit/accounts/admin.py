from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from credit.accounts.login.forms import AdminLoginForm
from credit.accounts.models import User
from credit.core.access import Perm
from credit.core.admin import AuditedAdminMixin


@admin.register(User)
class UserAdmin(AuditedAdminMixin, BaseUserAdmin):
    view_perm = Perm.USER_MANAGE
    change_perm = Perm.USER_MANAGE

    list_display = ["username", "real_name", "role", "region", "department", "is_active"]
    list_filter = ["role", "region", "is_active"]
    search_fields = ["username", "real_name"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("平台角色", {"fields": ("role", "region", "department", "real_name", "phone")}),
    )


# The admin's login page has the same protection as the staff login (credit.accounts.login).
admin.site.login_form = AdminLoginForm
admin.site.login_template = "accounts/admin_login.html"
