from django.urls import path

from credit.catalog.views import editor, items

app_name = "catalog"
urlpatterns = [
    path("", items.item_list, name="list"),
    path("export.json", items.export_json, name="export"),
    path("new/", editor.item_create, name="item_create"),
    path("<slug:code>/", items.item_detail, name="detail"),
    path("<slug:code>/template.xlsx", items.template_download, name="template"),
    path("<slug:code>/edit/", editor.item_edit, name="item_edit"),
    path("<slug:code>/add-field/", editor.field_create, name="field_create"),
    path("<slug:code>/fields/<slug:field>/", editor.field_edit, name="field_edit"),
    path("<slug:code>/fields/<slug:field>/remove/", editor.field_remove, name="field_remove"),
    path("<slug:code>/fields/<slug:field>/move/", editor.field_move, name="field_move"),
]
