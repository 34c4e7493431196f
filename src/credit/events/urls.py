"""The push pages, mounted at ``/sanctions/push/`` under the namespace ``push``."""

from django.urls import path

from credit.events import views

app_name = "push"
urlpatterns = [
    path("subscriptions/", views.subscription_list, name="subscriptions"),
    path("subscriptions/new/", views.subscription_create, name="subscription_create"),
    path("subscriptions/<id:pk>/edit/", views.subscription_edit, name="subscription_edit"),
    path("subscriptions/<id:pk>/disable/", views.subscription_disable, name="subscription_disable"),
    path("deliveries/", views.delivery_list, name="deliveries"),
    path("deliveries/export.xlsx", views.delivery_export, name="export"),
    path("deliveries/<id:pk>/resend/", views.delivery_resend, name="resend"),
]
