"""The warning pages (预警), mounted at ``/warnings/``."""

from django.urls import path

from credit.alerts import views

app_name = "alerts"

urlpatterns = [
    path("", views.warning_list, name="list"),
    path("export.xlsx", views.warning_xlsx, name="export"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/new/", views.rule_create, name="rule_create"),
    path("rules/<slug:code>/edit/", views.rule_edit, name="rule_edit"),
    path("rules/<slug:code>/deactivate/", views.rule_deactivate, name="rule_deactivate"),
    path("<id:pk>/", views.warning_detail, name="detail"),
    path("<id:pk>/acknowledge/", views.warning_acknowledge, name="acknowledge"),
    path("<id:pk>/close/", views.warning_close, name="close"),
]
