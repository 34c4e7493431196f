from django.urls import path

from credit.sanctions import pages, views

app_name = "sanctions"

urlpatterns = [
    path("measures/", pages.measure_list, name="measures"),
    path("measures/new/", pages.measure_create, name="measure_create"),
    path("measures/export.xlsx", pages.measures_xlsx, name="measures_xlsx"),
    path("measures/<str:code>/", pages.measure_detail, name="measure"),
    path("measures/<str:code>/edit/", pages.measure_edit, name="measure_edit"),
    path("check/", pages.check_new, name="check"),
    path("checks/", pages.check_list, name="checks"),
    path("checks/export.xlsx", pages.checks_xlsx, name="checks_xlsx"),
    path("checks/<str:number>/", pages.check_detail, name="check_detail"),
    path("checks/<str:number>/feedback/", pages.check_feedback, name="feedback"),
    path("certificates/<str:token>/", views.certificate, name="certificate"),
]
