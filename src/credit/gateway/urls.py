from django.urls import path

from credit.gateway import views

app_name = "gateway"
urlpatterns = [
    path("clients/", views.client_list, name="clients"),
    path("clients/new/", views.client_create, name="client_create"),
    path("clients/<id:pk>/", views.client_detail, name="client"),
    path("clients/<id:pk>/edit/", views.client_edit, name="client_edit"),
    path("clients/<id:pk>/rotate/", views.client_rotate, name="client_rotate"),
    path("clients/<id:pk>/disable/", views.client_disable, name="client_disable"),
    path("clients/<id:pk>/enable/", views.client_enable, name="client_enable"),
    path("calls/", views.call_list, name="calls"),
    path("calls/stats/", views.call_stats, name="stats"),
    path("calls/export.xlsx", views.call_export, name="export"),
]
