from django.urls import path

from credit.subjects import views

app_name = "subjects"
urlpatterns = [
    path("", views.search, name="search"),
    path("legal/<id:pk>/", views.legal_person, name="legal"),
    path("natural/<id:pk>/", views.natural_person, name="natural"),
]
