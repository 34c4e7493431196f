"""django-oauth-toolkit's OpenID Connect endpoints of the development identity provider, in
the toolkit's own namespace (``oauth2_provider``, which its views reverse): authorization
(:class:`credit.identity.devidp.views.AuthorizationView`), token, discovery (OpenID and
RFC 8414), keys and userinfo. Not mounted: the toolkit's application and token
management pages, its logout (which would end the platform's session) and its other
grants. The issuer is ``<site>/dev-idp``."""

from django.urls import path, re_path
from oauth2_provider import views as toolkit

from credit.identity.devidp import views

app_name = "oauth2_provider"

urlpatterns = [
    path("authorize/", views.AuthorizationView.as_view(), name="authorize"),
    path("token/", toolkit.TokenView.as_view(), name="token"),
    re_path(
        r"^\.well-known/openid-configuration/?$",
        toolkit.ConnectDiscoveryInfoView.as_view(),
        name="oidc-connect-discovery-info",
    ),
    # RFC 8414 metadata: the toolkit derives the authorization response's ``iss`` from it.
    path(
        ".well-known/oauth-authorization-server",
        toolkit.OAuthServerMetadataView.as_view(),
        name="oauth-server-metadata",
    ),
    path(".well-known/jwks.json", toolkit.JwksInfoView.as_view(), name="jwks-info"),
    path("userinfo/", toolkit.UserInfoView.as_view(), name="user-info"),
]
