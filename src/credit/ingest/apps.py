from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "credit.ingest"
    label = "ingest"
    verbose_name = "数据归集与清洗"
