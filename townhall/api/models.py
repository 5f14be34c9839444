"""What the API keeps for itself: staff bearer tokens and the Idempotency-Key ledger."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from townhall.core.crypto import EncryptedTextField


class ApiToken(models.Model):
    """A staff member's bearer token. Only the SHA-256 of the token is stored; the token itself
    is shown once, when it is created (`townhall token create USERNAME`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=16, editable=False)
    key_hash = models.CharField(_("SHA-256 of the token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name or self.user})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyRecord(models.Model):
    """The first successful answer to a POST sent with an `Idempotency-Key` (see idempotency.py).

    The response body is encrypted at rest: it can hold a citizen's tracking secret.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=400)
    request_hash = models.CharField(_("SHA-256 of the request body"), max_length=64)
    response_status = models.PositiveSmallIntegerField(default=0)  # 0 only inside the transaction
    response_body = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"
