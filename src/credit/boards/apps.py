from django.apps import AppConfig


class BoardsConfig(AppConfig):
    name = "credit.boards"
    label = "boards"
    verbose_name = "统计报表"
