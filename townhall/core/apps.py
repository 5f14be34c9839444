from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sqlite_wal(sender, using, **kwargs) -> None:
    """Switch an SQLite file to WAL once, after migrating; the mode is stored in the file."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor != "sqlite" or connection.settings_dict["NAME"] in ("", ":memory:"):
        return
    if "mode=memory" in str(connection.settings_dict["NAME"]):
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        if cursor.fetchone()[0].lower() != "wal":
            cursor.execute("PRAGMA journal_mode=WAL")


class CoreConfig(AppConfig):
    name = "townhall.core"
    label = "core"

    def ready(self) -> None:
        from . import lookups  # noqa: F401 - registers `__among` on CharField

        post_migrate.connect(_sqlite_wal, sender=self, dispatch_uid="townhall-sqlite-wal")
