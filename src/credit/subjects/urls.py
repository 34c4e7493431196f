from django.urls import path

from credit.subjects import views

app_name = "subjects"
urlpatterns = [
    path("", views.search, name="search"),
    path("legal/<int:pk>/", views.legal_person, name="legal"),
    path("natural/<int:pk>/", views.natural_person, name="natural"),
]
