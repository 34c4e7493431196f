from django.urls import path

from credit.sanctions import push_pages

app_name = "push"
urlpatterns = [
    path("subscriptions/", push_pages.subscription_list, name="subscriptions"),
    path("subscriptions/new/", push_pages.subscription_create, name="subscription_create"),
    path("subscriptions/<id:pk>/edit/", push_pages.subscription_edit, name="subscription_edit"),
    path(
        "subscriptions/<id:pk>/disable/",
        push_pages.subscription_disable,
        name="subscription_disable",
    ),
    path("deliveries/", push_pages.delivery_list, name="deliveries"),
    path("deliveries/export.xlsx", push_pages.delivery_export, name="export"),
    path("deliveries/<id:pk>/resend/", push_pages.delivery_resend, name="resend"),
]
