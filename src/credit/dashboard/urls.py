"""The 一张图 (``/dashboard/``): the staff page, the wall screen, the panels' data and the lists
behind the numbers."""

from django.urls import path

from credit.dashboard.views import data, lists, screen

app_name = "dashboard"

urlpatterns = [
    path("", screen.index, name="index"),
    path("screen/", screen.screen, name="screen"),
    path("map.json", data.map_json, name="map"),
    path("data/<slug:code>.json", data.data_json, name="data"),
    path("data/<slug:code>.xlsx", data.data_xlsx, name="data_xlsx"),
    path("records/", lists.records, name="records"),
    path("records/export.xlsx", lists.records_xlsx, name="records_xlsx"),
    path("subjects/", lists.subjects, name="subjects"),
    path("subjects/export.xlsx", lists.subjects_xlsx, name="subjects_xlsx"),
]
