"""Staff users, their roles, and the agencies they belong to (which give their jurisdiction)."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from townhall.core.crypto import EncryptedTextField


class Role(models.TextChoices):
    CLERK = "clerk", _("Reception clerk")
    HANDLER = "handler", _("Agency handler")
    LEADER = "leader", _("Leader")
    FRONT_OFFICER = "front_officer", _("Fatherland Front officer")
    INSPECTOR = "inspector", _("Inspector")
    ADMINISTRATOR = "administrator", _("Administrator")


# Roles that may only read, whatever their jurisdiction.
READ_ONLY_ROLES = frozenset({Role.INSPECTOR})
# Roles that must prove a second factor (TOTP) after the password; superusers must too.
SECOND_FACTOR_ROLES = frozenset({Role.LEADER, Role.ADMINISTRATOR})


def display_name(title: str, first_name: str, last_name: str, username: str) -> str:
    """How a user is named on pages and in the API: their title, else their full name, else
    their username (`User.__str__`; the API's lists from values, `api.schemas.summary_of`)."""
    return title or f"{first_name} {last_name}".strip() or username


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.CLERK)
    title = models.CharField(_("title"), max_length=160, blank=True)
    agencies = models.ManyToManyField(
        "units.Agency",
        through="Membership",
        related_name="members",
        blank=True,
        verbose_name=_("agencies"),
    )
    # Raised by a two-factor reset: a session verified before it no longer counts
    # (accounts/two_factor.py, `session_flag`).
    second_factor_epoch = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("staff user")
        verbose_name_plural = _("staff users")

    def __str__(self) -> str:
        return display_name(self.title, self.first_name, self.last_name, self.username)

    @property
    def is_read_only(self) -> bool:
        return self.role in READ_ONLY_ROLES

    @property
    def needs_second_factor(self) -> bool:
        return self.is_superuser or self.role in SECOND_FACTOR_ROLES


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey("units.Agency", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "agency"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.agency}"


class TOTPDevice(models.Model):
    """A user's authenticator app (RFC 6238 TOTP, 6 digits, 30-second steps).

    The shared secret is encrypted at rest. A device is unconfirmed until its first code is
    entered (enrolment); `last_used_step` is the time step of the last accepted code, so the same
    code (or an older one) is never accepted twice.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp_device")
    secret = EncryptedTextField(_("secret"))
    confirmed = models.BooleanField(_("confirmed"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    last_used_step = models.BigIntegerField(_("last used time step"), null=True, blank=True)

    class Meta:
        verbose_name = _("two-factor device")
        verbose_name_plural = _("two-factor devices")

    def __str__(self) -> str:
        return f"TOTP {self.user}"
