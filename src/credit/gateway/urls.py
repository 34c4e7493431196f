from django.urls import path

from credit.gateway.views import calllog, clients

app_name = "gateway"
urlpatterns = [
    path("clients/", clients.client_list, name="clients"),
    path("clients/new/", clients.client_create, name="client_create"),
    path("clients/<id:pk>/", clients.client_detail, name="client"),
    path("clients/<id:pk>/edit/", clients.client_edit, name="client_edit"),
    path("clients/<id:pk>/rotate/", clients.client_rotate, name="client_rotate"),
    path("clients/<id:pk>/disable/", clients.client_disable, name="client_disable"),
    path("clients/<id:pk>/enable/", clients.client_enable, name="client_enable"),
    path("calls/", calllog.call_list, name="calls"),
    path("calls/stats/", calllog.call_stats, name="stats"),
    path("calls/export.xlsx", calllog.call_export, name="export"),
]
