"""The pages of joint reward and punishment, under ``/sanctions/`` (the push pages are
:mod:`credit.events`'s, under ``/sanctions/push/``)."""

from django.urls import path

from credit.sanctions.views import checks, lists, measures, public

app_name = "sanctions"

urlpatterns = [
    path("lists/", lists.entry_list, name="lists"),
    path("lists/export.xlsx", lists.entry_xlsx, name="lists_xlsx"),
    path("measures/", measures.measure_list, name="measures"),
    path("measures/new/", measures.measure_create, name="measure_create"),
    path("measures/export.xlsx", measures.measures_xlsx, name="measures_xlsx"),
    path("measures/<str:code>/", measures.measure_detail, name="measure"),
    path("measures/<str:code>/edit/", measures.measure_edit, name="measure_edit"),
    path("check/", checks.check_new, name="check"),
    path("checks/", checks.check_list, name="checks"),
    path("checks/export.xlsx", checks.checks_xlsx, name="checks_xlsx"),
    path("checks/<str:number>/", checks.check_detail, name="check_detail"),
    path("checks/<str:number>/feedback/", checks.check_feedback, name="feedback"),
    path("certificates/<str:token>/", public.certificate, name="certificate"),
]
