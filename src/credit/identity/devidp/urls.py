"""The development identity provider's login page (``devidp:login``), mounted at ``/dev-idp/``
only when ``CREDIT_DEV_IDP`` is on; its OpenID Connect endpoints are in
:mod:`credit.identity.devidp.provider_urls`."""

from django.urls import path

from credit.identity.devidp import views

app_name = "devidp"

urlpatterns = [
    path("login/", views.login, name="login"),
]
