"""Open311 GeoReport v2: the API keys of civic apps, and what a request filed by one adds.

A request filed through Open311 is an ordinary petition (channel "portal", received by the
services in `townhall.petitions`); `Open311Request` keeps beside it what only Open311 knows: the
client's key, the location as the client gave it, its device and account ids, and the token.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from townhall.core.crypto import EncryptedTextField


class ApiKey(models.Model):
    """A civic app's key for POSTing requests. Only its SHA-256 is stored; the key itself is
    shown once, when it is created (the admin page or `townhall open311 key create NAME`)."""

    name = models.CharField(_("name"), max_length=100, help_text=_("Which app or partner"))
    prefix = models.CharField(_("prefix"), max_length=16, editable=False)
    key_hash = models.CharField(_("SHA-256 of the key"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Open311Request(models.Model):
    """What an Open311 POST adds to the petition it created."""

    petition = models.OneToOneField(
        "petitions.Petition", on_delete=models.PROTECT, related_name="open311"
    )
    api_key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, related_name="requests")
    token = models.CharField(max_length=40, unique=True)
    address_string = models.CharField(_("address"), max_length=500, blank=True)
    address_id = models.CharField(_("address id"), max_length=100, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    long = models.FloatField(_("longitude"), null=True, blank=True)
    # The client's identifiers for the person: personal data, encrypted and never shown.
    device_id = EncryptedTextField(blank=True)
    account_id = EncryptedTextField(blank=True)
    # The description as published: the text with contact details removed, made once at intake.
    public_description = models.TextField(blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 request")
        verbose_name_plural = _("Open311 requests")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lat__isnull=True, long__isnull=True)
                | models.Q(lat__gte=-90, lat__lte=90, long__gte=-180, long__lte=180),
                name="open311_request_lat_long_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Open311 {self.petition_id} via {self.api_key_id}"
