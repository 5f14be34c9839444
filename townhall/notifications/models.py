"""The outbox: notifications written in the same transaction as the change that causes them.

A row is the promise that a message will go out: it commits (or rolls back) with the case change
that caused it, and `townhall.notifications.delivery.outbox_deliver` moves it along
pending → sending → sent (or back to pending with a back-off, or failed after too many tries).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from townhall.core.crypto import EncryptedTextField
from townhall.core.schema import CodeField


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class State(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Notification(models.Model):
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    # A citizen's phone or email (a denouncer's included), so encrypted at rest like the
    # Submitter it was copied from; never looked up by value.
    recipient = EncryptedTextField(_("recipient"))
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    purpose = models.CharField(_("purpose"), max_length=40)
    # One notification per purpose and object: a retried service call queues nothing new.
    dedupe_key = CodeField(max_length=200)  # unique: Meta
    case = models.ForeignKey(
        "petitions.Case", on_delete=models.CASCADE, null=True, related_name="notifications"
    )
    state = CodeField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    available_at = models.DateTimeField(_("send from"))
    # The lease of the worker sending it: while `claimed_until` is in the future, no one else
    # takes it; `claim_token` says which claim a worker's later writes belong to.
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["state", "available_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=State.values), name="notification_state_known"
            ),
            # Not unique=True: no pattern-ops index for LIKE on PostgreSQL (ADR 0020).
            models.UniqueConstraint(
                fields=["dedupe_key"], name="notifications_notification_dedupe_key_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} → {self.channel}"

    @property
    def reference(self) -> str:
        """The idempotency reference handed to providers: stable across retries of this row."""
        return f"townhall-notification-{self.pk}"
