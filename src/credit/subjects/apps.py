from django.apps import AppConfig


class SubjectsConfig(AppConfig):
    name = "credit.subjects"
    label = "subjects"
    verbose_name = "法人和自然人基础库"
