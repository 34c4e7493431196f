"""The real-name login, mounted at ``/portal/account/`` before the portal (whose ``account/``
is the "我的" page)."""

from django.urls import path

from credit.identity import views

app_name = "identity"

urlpatterns = [
    path("login/", views.login, name="login"),
    path("callback/", views.callback, name="callback"),
    path("logout/", views.logout, name="logout"),
]
