from django.urls import path

from credit.accounts import views

app_name = "accounts"
urlpatterns = [path("users/", views.users, name="users")]
