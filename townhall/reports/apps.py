from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "townhall.reports"
    label = "reports"
