"""Two-factor authentication (TOTP) for leaders and administrators, and the login rate limits.

These tests log in through the real form: the test-only shortcut in tests/conftest.py (which
marks `force_login` sessions as having passed the second factor) does not apply to them.
"""

import pyotp
import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from tests.cast import PASSWORD
from townhall.accounts import two_factor
from townhall.accounts.models import TOTPDevice
from townhall.api.auth import token_create

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
TWO_FACTOR = "/accounts/two-factor/"


def password_login(user, address: str = "127.0.0.1") -> Client:
    client = Client(REMOTE_ADDR=address)
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def current_code(user) -> str:
    """The code the user's authenticator app shows now (the secret read from the database)."""
    device = TOTPDevice.objects.get(user=user)
    return pyotp.TOTP(device.secret).now()


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(
        user=user, secret=pyotp.random_base32(), confirmed=True, confirmed_at=timezone.now()
    )


def test_a_clerk_is_not_asked_for_a_code(cast):
    client = password_login(cast.kim_thanh_clerk)
    assert client.get("/").status_code == 200
    assert client.get("/cases/").status_code == 200
    assert not TOTPDevice.objects.filter(user=cast.kim_thanh_clerk).exists()


def test_a_leader_enrols_on_first_login_and_only_then_reaches_staff_pages(cast):
    leader = cast.kim_thanh_leader
    client = password_login(leader)

    # Before the code: no staff page, no admin, no session-authenticated API call.
    for path in ("/", "/cases/", "/reports/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(TWO_FACTOR), path
    assert client.get("/cases/")["Location"] == TWO_FACTOR + "?next=%2Fcases%2F"
    assert client.get("/api/v1/cases").status_code == 401

    # Enrolment: a QR code (inline SVG data URI) and the secret in text, not yet confirmed.
    page = client.get(TWO_FACTOR + "?next=/cases/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in html
    device = TOTPDevice.objects.get(user=leader)
    assert not device.confirmed
    assert two_factor.grouped_secret(device) in html
    # A reload shows the same secret (the app may already hold it).
    assert TOTPDevice.objects.get(user=leader).secret == device.secret
    client.get(TWO_FACTOR)
    assert TOTPDevice.objects.get(user=leader).secret == device.secret

    wrong = "000000" if current_code(leader) != "000000" else "111111"
    response = client.post(TWO_FACTOR, {"code": wrong, "next": "/cases/"})
    assert response.status_code == 200
    assert 'id="code-errors"' in response.content.decode()
    assert client.get("/cases/").status_code == 302

    response = client.post(TWO_FACTOR, {"code": current_code(leader), "next": "/cases/"})
    assert response.status_code == 302
    assert response["Location"] == "/cases/"
    assert client.get("/cases/").status_code == 200
    assert client.get("/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed and device.confirmed_at is not None
    assert LogEntry.objects.filter(
        object_id=str(leader.pk), change_message="Two-factor device enrolled"
    ).exists()


def test_the_secret_is_encrypted_at_rest(cast):
    device = enrolled(cast.kim_thanh_leader)
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM accounts_totpdevice WHERE id = %s", [device.pk])
        (raw,) = cursor.fetchone()
    assert device.secret not in raw
    assert raw.startswith("gAAAAA")  # a Fernet token


def test_an_enrolled_administrator_verifies_and_then_opens_the_admin(cast):
    admin = cast.administrator
    admin.is_staff = admin.is_superuser = True
    admin.save()
    enrolled(admin)
    client = password_login(admin)
    assert client.get("/admin/")["Location"].startswith(TWO_FACTOR)

    page = client.get(TWO_FACTOR).content.decode()
    assert "data:image/svg+xml" not in page  # verification, not enrolment
    response = client.post(TWO_FACTOR, {"code": current_code(admin), "next": "/admin/"})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_superuser_of_any_role_is_asked_for_a_code(cast):
    clerk = cast.kim_thanh_clerk
    clerk.is_superuser = True
    clerk.save()
    client = password_login(clerk)
    assert client.get("/cases/")["Location"].startswith(TWO_FACTOR)


def test_a_replayed_code_is_refused(cast):
    leader = cast.kim_thanh_leader
    device = enrolled(leader)
    code = two_factor.code_at(device.secret, int(timezone.now().timestamp()) // two_factor.STEP)

    first = password_login(leader)
    assert first.post(TWO_FACTOR, {"code": code})["Location"] == "/"
    assert first.get("/cases/").status_code == 200

    # Someone who saw the code uses it again, from another address.
    second = password_login(leader, address="10.0.0.9")
    response = second.post(TWO_FACTOR, {"code": code})
    assert response.status_code == 200
    assert 'id="code-errors"' in response.content.decode()
    assert second.get("/cases/")["Location"].startswith(TWO_FACTOR)


def test_a_code_far_from_now_is_refused(cast):
    leader = cast.kim_thanh_leader
    device = enrolled(leader)
    step = int(timezone.now().timestamp()) // two_factor.STEP
    client = password_login(leader)
    for far in (step - 10, step + 10):
        code = two_factor.code_at(device.secret, far)
        if code in {two_factor.code_at(device.secret, s) for s in (step - 1, step, step + 1)}:
            continue  # a one-in-a-million collision with a valid code
        assert client.post(TWO_FACTOR, {"code": code}).status_code == 200
    assert client.get("/cases/")["Location"].startswith(TWO_FACTOR)


def test_every_login_has_to_pass_the_second_factor_again(cast):
    leader = cast.kim_thanh_leader
    enrolled(leader)
    client = password_login(leader)
    client.post(TWO_FACTOR, {"code": current_code(leader)})
    assert client.get("/cases/").status_code == 200
    client.post("/accounts/logout/")
    response = client.post(LOGIN, {"username": leader.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/cases/")["Location"].startswith(TWO_FACTOR)


def test_wrong_codes_are_limited_per_user_with_429_and_retry_after(cast, settings):
    settings.OTP_FAILURE_LIMIT = 3
    leader = cast.kim_thanh_leader
    device = enrolled(leader)
    valid = {two_factor.code_at(device.secret, device.last_used_step or 0)}
    step = int(timezone.now().timestamp()) // two_factor.STEP
    valid |= {two_factor.code_at(device.secret, s) for s in range(step - 2, step + 3)}
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)

    client = password_login(leader)
    for _ in range(3):
        assert client.post(TWO_FACTOR, {"code": wrong}).status_code == 200
    response = client.post(TWO_FACTOR, {"code": current_code(leader)})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    # The session is logged out, and a new login from elsewhere is refused at the code too.
    assert client.get("/cases/")["Location"].startswith(LOGIN)
    other = password_login(leader, address="10.0.0.7")
    assert other.post(TWO_FACTOR, {"code": current_code(leader)}).status_code == 429


def test_too_many_login_posts_from_one_address_get_429_with_retry_after(cast, settings):
    settings.LOGIN_RATE_LIMIT = 3
    client = Client(REMOTE_ADDR="10.1.1.1")
    for _ in range(3):
        response = client.post(LOGIN, {"username": "nobody", "password": "wrong"})
        assert response.status_code == 200
    response = client.post(LOGIN, {"username": cast.kim_thanh_clerk.username, "password": PASSWORD})
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert 'data-testid="too-many"' in response.content.decode()
    # Another address is counted on its own.
    assert password_login(cast.kim_thanh_clerk, address="10.1.1.2").get("/").status_code == 200


def test_five_wrong_passwords_lock_a_leader_out_before_any_code(cast):
    leader = cast.kim_thanh_leader
    client = Client()
    for _ in range(5):
        client.post(LOGIN, {"username": leader.username, "password": "wrong"})
    response = client.post(LOGIN, {"username": leader.username, "password": PASSWORD})
    assert response.status_code == 429
    assert client.get("/cases/")["Location"].startswith(LOGIN)
    assert client.get(TWO_FACTOR)["Location"].startswith(LOGIN)


def test_bearer_tokens_are_not_affected(cast):
    leader = cast.kim_thanh_leader
    _row, token = token_create(user=leader)
    response = Client().get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    # Nor when the same client also holds a session that has not passed the code.
    client = password_login(leader)
    response = client.get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200


def test_the_cli_resets_a_device_and_the_user_enrols_again(cast):
    leader = cast.kim_thanh_leader
    enrolled(leader)
    call_command("two_factor_reset", leader.username, verbosity=0)
    assert not TOTPDevice.objects.filter(user=leader).exists()
    assert LogEntry.objects.filter(
        object_id=str(leader.pk), change_message="Two-factor device reset from the command line"
    ).exists()
    client = password_login(leader)
    assert "data:image/svg+xml" in client.get(TWO_FACTOR).content.decode()


def test_an_administrator_resets_a_device_from_the_admin(cast):
    admin = cast.administrator
    admin.is_staff = admin.is_superuser = True
    admin.save()
    leader = cast.kim_thanh_leader
    enrolled(leader)
    client = Client()
    client.force_login(admin)  # marked as having passed the code (tests/conftest.py)
    response = client.post(
        "/admin/accounts/user/",
        {"action": "reset_two_factor", "_selected_action": [leader.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=leader).exists()
    entry = LogEntry.objects.get(object_id=str(leader.pk))
    assert entry.user == admin
    assert entry.change_message == "Two-factor device reset"


def test_a_reset_ends_the_sessions_that_passed_the_old_code(cast):
    leader = cast.kim_thanh_leader
    enrolled(leader)
    client = password_login(leader)
    client.post(TWO_FACTOR, {"code": current_code(leader), "next": "/cases/"})
    assert client.get("/cases/").status_code == 200
    other = password_login(leader, "10.0.0.2")  # a second session, not yet verified
    call_command("two_factor_reset", leader.username, verbosity=0)
    for session in (client, other):
        response = session.get("/cases/")
        assert response.status_code == 302
        assert response["Location"].startswith(TWO_FACTOR)
    # The new device, once confirmed, opens the pages again.
    page = client.get(TWO_FACTOR).content.decode()
    assert "data:image/svg+xml" in page  # enrolment again
    client.post(TWO_FACTOR, {"code": current_code(leader), "next": "/cases/"})
    assert client.get("/cases/").status_code == 200
