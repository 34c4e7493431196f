"""Pages of the kernel: the audit log (审计日志), under ``/audit/``."""

from django.urls import path

from credit.core import views

app_name = "core"
urlpatterns = [
    path("", views.audit_list, name="audit"),
    path("audit.xlsx", views.audit_xlsx, name="audit_xlsx"),
    path("<id:pk>/", views.audit_entry, name="audit_entry"),
]
