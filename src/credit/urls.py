from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from credit.accounts.login import views as login_views
from credit.api import api
from credit.assessment import urls as assessment_urls
from credit.commitments import urls as commitments_urls
from credit.core import views as core_views
from credit.dashboard.views import workbench
from credit.exchange import soap_service
from credit.integrity import urls as integrity_urls
from credit.portal.views import public as portal_public
from credit.reports import urls as reports_urls

# Error pages in the layout of the side they are asked on (portal or staff).
handler400 = "credit.portal.views.errors.bad_request"
handler403 = "credit.portal.views.errors.permission_denied"
handler404 = "credit.portal.views.errors.page_not_found"

admin.site.site_header = "公共信用信息平台管理后台"
admin.site.site_title = "公共信用信息平台"
admin.site.index_title = "数据与配置管理"

urlpatterns = [
    path("", workbench.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", portal_public.favicon, name="favicon"),
    path("accounts/login/", login_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("captcha/", include("captcha.urls")),  # the login captcha's images
    path("accounts/", include("credit.accounts.urls")),
    path("catalog/", include("credit.catalog.urls")),
    path("audit/", include("credit.core.urls")),
    path("ingest/", include("credit.ingest.urls")),
    path("subjects/", include("credit.subjects.urls")),
    path("gateway/", include("credit.gateway.urls")),
    path("sanctions/push/", include("credit.events.urls")),
    path("sanctions/", include("credit.sanctions.urls")),
    path("portal/reports/", include((reports_urls.portal_patterns, "reports_portal"))),
    path("portal/integrity/", include((integrity_urls.portal_patterns, "integrity_portal"))),
    path(
        "portal/commitments/",
        include((commitments_urls.portal_patterns, "commitments_portal")),
    ),
    path(
        "portal/assessment/",
        include((assessment_urls.portal_patterns, "assessment_portal")),
    ),
    # Real-name login (credit.identity) before the portal, whose account/ is the 我的 page.
    path("portal/account/", include("credit.identity.urls")),
    path("portal/", include("credit.portal.urls")),
    path("objections/", include("credit.objections.urls")),
    path("reports/", include("credit.reports.urls")),
    path("integrity/", include("credit.integrity.urls")),
    path("commitments/", include("credit.commitments.urls")),
    path("assessment/", include("credit.assessment.urls")),
    path("exchange/", include("credit.exchange.urls")),
    path("dashboard/", include("credit.dashboard.urls")),
    path("boards/", include("credit.boards.urls")),
    path("warnings/", include("credit.alerts.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    # The SOAP WebService (csrf-exempt: signed like /api/v1); its WSDL at ws/credit/?wsdl.
    path("ws/credit/", soap_service.soap_view, name="soap_service"),
]
# The development identity provider (demo and tests only): its login page and, in the
# toolkit's namespace, its OpenID Connect endpoints; the issuer is <site>/dev-idp.
if settings.CREDIT_DEV_IDP:
    urlpatterns += [
        path("dev-idp/", include("credit.identity.devidp.urls")),
        path("dev-idp/", include("credit.identity.devidp.provider_urls")),
    ]
