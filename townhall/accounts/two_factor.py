"""Two-factor authentication (TOTP) for leaders, administrators and superusers.

After the password, such a user must enter a 6-digit code from an authenticator app: the first
time, they enrol (scan a QR code or type the secret, then confirm with a code); afterwards they
verify. Until then their session carries no `SESSION_KEY` flag and `TwoFactorMiddleware` keeps it
away from every staff page, the admin and the API (bearer tokens are not affected: they are
created by administrators on the command line).

Codes: RFC 6238, SHA-1, 6 digits, 30-second steps, accepted one step either side of now (clock
drift). A code's time step must be later than the last accepted one, so a code is never accepted
twice (replay), and neither is an older one. Wrong codes are limited per user by the verify
view (townhall/web/views.py), whatever the address.
"""

import datetime as dt
import hmac

import pyotp
import segno
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from .models import TOTPDevice, User

SESSION_KEY = "townhall_second_factor"  # holds `session_flag(user)` once the code is verified
ISSUER = "Townhall"
DIGITS = 6
STEP = 30  # seconds
WINDOW = 1  # steps accepted either side of now


def needs_second_factor(user) -> bool:
    return bool(
        user is not None and user.is_authenticated and getattr(user, "needs_second_factor", False)
    )


# --- the session flag ------------------------------------------------------------------------
def session_flag(user: User) -> str:
    """What a verified session holds: the user and their reset count, so that a reset of the
    device (`device_reset`) ends every session verified before it, with no query more than
    the user row the session already loads."""
    return f"{user.pk}:{user.second_factor_epoch}"


def is_verified(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if not needs_second_factor(user):
        return True
    return request.session.get(SESSION_KEY) == session_flag(user)


def mark_verified(request: HttpRequest, user: User) -> None:
    """Set only by the verify and enrol views, after a correct code (new session key)."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = session_flag(user)


def reset_on_login(sender, request, user, **kwargs) -> None:
    """`user_logged_in` receiver: a fresh login always has to prove the second factor again."""
    if request is not None and hasattr(request, "session"):
        request.session.pop(SESSION_KEY, None)


# --- devices ---------------------------------------------------------------------------------
def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


@transaction.atomic
def device_for_enrolment(*, user: User) -> TOTPDevice:
    """The user's unconfirmed device, created with a new secret if there is none (a reload of
    the enrolment page shows the same secret). Refused if a confirmed device exists."""
    device, _created = TOTPDevice.objects.select_for_update().get_or_create(
        user=user, defaults={"secret": pyotp.random_base32()}
    )
    if device.confirmed:
        raise ValueError("this user already has a confirmed two-factor device")
    return device


def _step(at: dt.datetime) -> int:
    return int(at.timestamp()) // STEP


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP).generate_otp(step)


def _normalise(code: str) -> str:
    return "".join(str(code or "").split())


@transaction.atomic
def device_verify(*, user: User, code: str, enrol: bool = False, at=None) -> bool:
    """True if `code` is valid now (±WINDOW steps) and later than the last accepted code; the
    device then remembers its step. With `enrol`, the code confirms an unconfirmed device."""
    code = _normalise(code)
    if len(code) != DIGITS or not code.isdigit():
        return False
    device = TOTPDevice.objects.select_for_update().filter(user=user).first()
    if device is None or device.confirmed == enrol:
        return False
    now = _step(at or timezone.now())
    for step in range(now - WINDOW, now + WINDOW + 1):
        if device.last_used_step is not None and step <= device.last_used_step:
            continue
        if hmac.compare_digest(code, code_at(device.secret, step)):
            device.last_used_step = step
            fields = ["last_used_step"]
            if enrol:
                device.confirmed = True
                device.confirmed_at = timezone.now()
                fields += ["confirmed", "confirmed_at"]
            device.save(update_fields=fields)
            if enrol:
                _log(actor=user, user=user, message="Two-factor device enrolled")
            return True
    return False


@transaction.atomic
def device_reset(*, user: User, actor: User | None) -> bool:
    """Remove the user's device: they enrol again at their next login, and every session that
    passed the old device's code must pass the new one (`session_flag`). True if there was a
    device. Logged in the admin's history of the user (by `actor`, or by the user for the
    CLI)."""
    deleted, _ = TOTPDevice.objects.filter(user=user).delete()
    # Sessions that passed the old device's code no longer count, deleted device or not.
    User.objects.filter(pk=user.pk).update(second_factor_epoch=F("second_factor_epoch") + 1)
    if deleted:
        message = "Two-factor device reset" + ("" if actor else " from the command line")
        _log(actor=actor or user, user=user, message=message)
    return bool(deleted)


def _log(*, actor: User, user: User, message: str) -> None:
    LogEntry.objects.create(
        user=actor,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(user.pk),
        object_repr=str(user)[:200],
        action_flag=CHANGE,
        change_message=message,
    )


# --- enrolment display -----------------------------------------------------------------------
def provisioning_uri(device: TOTPDevice) -> str:
    return pyotp.TOTP(device.secret, digits=DIGITS, interval=STEP).provisioning_uri(
        name=device.user.username, issuer_name=ISSUER
    )


def qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// URI as an SVG QR code in a data: URI (the CSP allows img data:)."""
    return segno.make(provisioning_uri(device), error="m").svg_data_uri(scale=5, border=2)


def grouped_secret(device: TOTPDevice) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    secret = device.secret
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
