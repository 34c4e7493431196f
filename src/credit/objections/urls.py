"""Objections and credit repair (A4), mounted at ``/objections/``: the public pages first,
then the staff workbench under ``manage/``."""

from django.urls import path

from credit.objections.views import cases, offline, public, queue, repairs, stats

app_name = "objections"

urlpatterns = [
    # Public (no login)
    path("new/", public.objection_new, name="new"),
    path("send-code/", public.send_code, name="send_code"),
    path("repair/new/", public.repair_new, name="repair_new"),
    path("track/", public.track, name="track"),
    path("track/<str:number>/", public.track_detail, name="track_detail"),
    # Staff workbench
    path("manage/", queue.objection_list, name="manage"),
    path("manage/export.xlsx", queue.objection_xlsx, name="manage_xlsx"),
    path("manage/new/", offline.offline_new, name="offline_new"),
    path("manage/stats/", stats.stats, name="stats"),
    path("manage/stats/export.xlsx", stats.stats_xlsx, name="stats_xlsx"),
    path("manage/repairs/", repairs.repair_list, name="repairs"),
    path("manage/repairs/export.xlsx", repairs.repair_xlsx, name="repairs_xlsx"),
    path("manage/repairs/<str:number>/", repairs.repair_detail, name="repair_detail"),
    path(
        "manage/repairs/<str:number>/files/<id:pk>/",
        repairs.repair_attachment,
        name="repair_attachment",
    ),
    path("manage/repairs/<str:number>/<str:action>/", repairs.repair_act, name="repair_act"),
    path("manage/<str:number>/", cases.objection_detail, name="manage_detail"),
    path("manage/<str:number>/files/<id:pk>/", cases.objection_attachment, name="attachment"),
    path("manage/<str:number>/<str:action>/", cases.objection_act, name="act"),
]
