from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "credit.events"
    label = "events"
    verbose_name = "事件推送"
