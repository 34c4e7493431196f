from django.urls import path

from credit.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.item_list, name="list"),
    path("export.json", views.export_json, name="export"),
    path("<slug:code>/", views.item_detail, name="detail"),
    path("<slug:code>/template.xlsx", views.template_download, name="template"),
]
