from django.urls import path

from credit.accounts import views
from credit.accounts.login import views as login_views

app_name = "accounts"
urlpatterns = [
    path("users/", views.users, name="users"),
    path("users/lockouts/", login_views.lockouts, name="lockouts"),
]
