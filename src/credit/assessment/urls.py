"""Performance assessment (绩效考核): the staff pages under ``/assessment/`` (``urlpatterns``,
namespace ``assessment``) and the public results under ``/portal/assessment/``
(``portal_patterns``, namespace ``assessment_portal``). Each view module lists its own routes
(``urls``)."""

from credit.assessment.views import assessments, metrics, public, quality, rubrics, self_check

app_name = "assessment"

urlpatterns = [
    *metrics.urls,  # 监测指标 definitions (before assessments, whose <period> would match)
    *rubrics.urls,  # 考核细则 versions and indicators
    *self_check.urls,  # a district's 自评检查
    *quality.urls,  # 数据质量报告
    *assessments.urls,  # 考核: list, open, results, units, self-score, review, publish
]

portal_patterns = public.urls  # published results shown to the public
