from django.urls import path

from credit.sanctions import views

app_name = "sanctions"

urlpatterns = [
    path("certificates/<str:token>/", views.certificate, name="certificate"),
]
