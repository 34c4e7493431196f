"""Objections and credit repair (A4), mounted at ``/objections/``: the public pages first,
then the staff workbench under ``manage/``."""

from django.urls import path

from credit.objections import pages, repair_pages, views

app_name = "objections"

urlpatterns = [
    # Public (no login)
    path("new/", views.objection_new, name="new"),
    path("send-code/", views.send_code, name="send_code"),
    path("repair/new/", views.repair_new, name="repair_new"),
    path("track/", views.track, name="track"),
    path("track/<str:number>/", views.track_detail, name="track_detail"),
    # Staff workbench
    path("manage/", pages.objection_list, name="manage"),
    path("manage/export.xlsx", pages.objection_xlsx, name="manage_xlsx"),
    path("manage/new/", pages.offline_new, name="offline_new"),
    path("manage/stats/", repair_pages.stats, name="stats"),
    path("manage/stats/export.xlsx", repair_pages.stats_xlsx, name="stats_xlsx"),
    path("manage/repairs/", repair_pages.repair_list, name="repairs"),
    path("manage/repairs/export.xlsx", repair_pages.repair_xlsx, name="repairs_xlsx"),
    path("manage/repairs/<str:number>/", repair_pages.repair_detail, name="repair_detail"),
    path(
        "manage/repairs/<str:number>/files/<id:pk>/",
        repair_pages.repair_attachment,
        name="repair_attachment",
    ),
    path("manage/repairs/<str:number>/<str:action>/", repair_pages.repair_act, name="repair_act"),
    path("manage/<str:number>/", pages.objection_detail, name="manage_detail"),
    path("manage/<str:number>/files/<id:pk>/", pages.objection_attachment, name="attachment"),
    path("manage/<str:number>/<str:action>/", pages.objection_act, name="act"),
]
