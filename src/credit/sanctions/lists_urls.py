from django.urls import path

from credit.sanctions import lists_pages

app_name = "lists"

urlpatterns = [
    path("", lists_pages.entry_list, name="entries"),
    path("export.xlsx", lists_pages.entry_xlsx, name="entries_xlsx"),
]
