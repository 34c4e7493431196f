from django.urls import path

from credit.portal import notice_pages, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("subjects/<id:pk>/", views.subject, name="subject"),
    path("publicity/<slug:kind>/", views.publicity_list, name="publicity"),
    path("publicity/<slug:kind>/export.xlsx", views.publicity_xlsx, name="publicity_xlsx"),
    path("lists/<slug:kind>/", views.list_entries, name="list"),
    path("lists/<slug:kind>/export.xlsx", views.list_xlsx, name="list_xlsx"),
    path("notices/", views.notices, name="notices"),
    path("notices/<id:pk>/", views.notice, name="notice"),
    path("manage/notices/", notice_pages.notice_list, name="manage_notices"),
    path("manage/notices/new/", notice_pages.notice_create, name="manage_notice_new"),
    path("manage/notices/<id:pk>/edit/", notice_pages.notice_edit, name="manage_notice_edit"),
    path(
        "manage/notices/<id:pk>/publish/",
        notice_pages.notice_publish,
        name="manage_notice_publish",
    ),
    path(
        "manage/notices/<id:pk>/unpublish/",
        notice_pages.notice_unpublish,
        name="manage_notice_unpublish",
    ),
]
