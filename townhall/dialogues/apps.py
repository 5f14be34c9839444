from django.apps import AppConfig


class DialoguesConfig(AppConfig):
    name = "townhall.dialogues"
    label = "dialogues"
