"""Performance assessment and data-quality reports (绩效考核, A5; 数据质量报告, D6)."""

from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "credit.assessment"
    label = "assessment"
    verbose_name = "绩效考核"
