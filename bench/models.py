"""The baseline's table: the bare-insert view writes here and the bare list reads here.

The app has no migrations on purpose: `migrate --run-syncdb` creates the table in the bench
database only.
"""

from django.db import models


class BenchRow(models.Model):
    title = models.CharField(max_length=200)
    number = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "bench"

    def __str__(self) -> str:
        return self.title
