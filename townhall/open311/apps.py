from django.apps import AppConfig


class Open311Config(AppConfig):
    name = "townhall.open311"
    label = "open311"
