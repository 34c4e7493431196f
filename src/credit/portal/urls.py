from django.urls import path

from credit.portal.views import me, notices, public

app_name = "portal"

urlpatterns = [
    path("", public.home, name="home"),
    path("search/", public.search, name="search"),
    path("subjects/<id:pk>/", public.subject, name="subject"),
    path("publicity/<slug:kind>/", public.publicity_list, name="publicity"),
    path("publicity/<slug:kind>/export.xlsx", public.publicity_xlsx, name="publicity_xlsx"),
    path("lists/<slug:kind>/", public.list_entries, name="list"),
    path("lists/<slug:kind>/export.xlsx", public.list_xlsx, name="list_xlsx"),
    path("notices/", public.notices, name="notices"),
    path("notices/<id:pk>/", public.notice, name="notice"),
    # 我的 of a real-name account; its login, callback and logout are credit.identity's.
    path("account/", me.me, name="me"),
    path("manage/notices/", notices.notice_list, name="manage_notices"),
    path("manage/notices/new/", notices.notice_create, name="manage_notice_new"),
    path("manage/notices/<id:pk>/edit/", notices.notice_edit, name="manage_notice_edit"),
    path("manage/notices/<id:pk>/publish/", notices.notice_publish, name="manage_notice_publish"),
    path(
        "manage/notices/<id:pk>/unpublish/",
        notices.notice_unpublish,
        name="manage_notice_unpublish",
    ),
]
