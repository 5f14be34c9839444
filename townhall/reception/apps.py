from django.apps import AppConfig


class ReceptionConfig(AppConfig):
    name = "townhall.reception"
    label = "reception"
