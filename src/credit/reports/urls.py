"""Credit reports (信用报告): the staff pages under ``/reports/`` (``urlpatterns``, namespace
``reports``) and the public portal pages under ``/portal/reports/`` (``portal_patterns``,
namespace ``reports_portal``, mounted by :mod:`credit.urls` before the portal)."""

from django.urls import path

from credit.reports.views import applications, hall, public, stats, templates

app_name = "reports"

urlpatterns = [
    path("", applications.index, name="index"),
    # Applications and their two reviews (信用报告申请)
    path("applications/", applications.application_list, name="applications"),
    path("applications/export.xlsx", applications.application_xlsx, name="applications_xlsx"),
    path("applications/<str:number>/", applications.application_detail, name="application"),
    path(
        "applications/<str:number>/materials/<id:pk>/",
        applications.application_material,
        name="application_material",
    ),
    path(
        "applications/<str:number>/preview.pdf",
        applications.application_preview,
        name="application_preview",
    ),
    path(
        "applications/<str:number>/<str:action>/",
        applications.application_act,
        name="application_act",
    ),
    # Issued reports
    path("issued/<str:number>/report.pdf", applications.report_pdf, name="report_pdf"),
    path("issued/<str:number>/revoke/", applications.report_revoke, name="report_revoke"),
    # The service hall (窗口代为申请)
    path("hall/", hall.hall_new, name="hall"),
    path("hall/<str:number>/receipt/", hall.hall_receipt, name="hall_receipt"),
    # Templates (报告模板) and the designer
    path("templates/", templates.template_list, name="templates"),
    path("templates/export.xlsx", templates.template_xlsx, name="templates_xlsx"),
    path("templates/new/", templates.template_new, name="template_new"),
    path("templates/preview/", templates.template_preview, name="template_preview"),
    path("templates/<id:pk>/", templates.template_design, name="template"),
    path(
        "templates/<id:pk>/versions/<id:number>/",
        templates.template_version,
        name="template_version",
    ),
    path("templates/<id:pk>/enable/", templates.template_enable, name="template_enable"),
    path("templates/<id:pk>/disable/", templates.template_disable, name="template_disable"),
    # Statistics (报告统计)
    path("stats/", stats.stats, name="stats"),
    path("stats/export.xlsx", stats.stats_xlsx, name="stats_xlsx"),
]

portal_patterns = [
    path("", public.landing, name="landing"),
    path("apply/", public.apply, name="apply"),
    path("download/", public.download, name="download"),
    path("verify/", public.verify, name="verify"),
    path("verify/<str:number>", public.verify_report, name="verify_report"),
    path("authorisations/", public.authorisations, name="authorisations"),
    path(
        "authorisations/<id:pk>/revoke/",
        public.authorisation_revoke,
        name="authorisation_revoke",
    ),
    path("mine/<str:number>/", public.application, name="application"),
    path("mine/<str:number>/resubmit/", public.resubmit, name="resubmit"),
    path("mine/<str:number>/withdraw/", public.withdraw, name="withdraw"),
    path("mine/<str:number>/download/", public.application_download, name="application_download"),
]
