from pathlib import Path

import pytest
from django.test import Client

from tests.cast import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_home_page_asks_anonymous_users_to_log_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_login_page_is_vietnamese_by_default_with_diacritics(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi">' in html
    assert "Đăng nhập" in html
    assert "csrfmiddlewaretoken" in html


@pytest.mark.parametrize(
    ("member", "heading"),
    [
        ("kim_thanh_leader", "Bàn làm việc của lãnh đạo"),
        ("kim_thanh_clerk", "Bàn tiếp nhận"),
        ("kim_thanh_handler", "Vụ việc của cơ quan tôi"),
        ("front_officer", "Mặt trận Tổ quốc: ý kiến của nhân dân"),
        ("province_inspector", "Kiểm tra thực hiện quy chế"),
        ("administrator", "Quản trị"),
    ],
)
def test_each_role_has_its_home_page(cast, member, heading):
    user = getattr(cast, member)
    client = Client()
    client.force_login(user)
    html = client.get("/").content.decode()
    assert heading in html
    assert user.memberships.first().agency.name in html


def test_the_language_switch_turns_the_page_english(cast):
    client = Client(enforce_csrf_checks=False)
    client.force_login(cast.kim_thanh_leader)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Leader&#x27;s desk" in html or "Leader's desk" in html


def test_the_login_form_refuses_a_post_without_csrf_token(cast):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/accounts/login/", {"username": cast.kim_thanh_leader.username, "password": PASSWORD}
    )
    assert response.status_code == 403


def test_repeated_failed_logins_lock_the_account_from_that_address(cast):
    client = Client()
    for _ in range(5):
        client.post("/accounts/login/", {"username": "leader.kt", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "leader.kt", "password": PASSWORD})
    assert response.status_code == 429
    assert "Quá nhiều lần đăng nhập" in response.content.decode()
    # Another address is not locked out: citizens behind one NAT do not lock each other out.
    other = Client(REMOTE_ADDR="10.0.0.2")
    response = other.post("/accounts/login/", {"username": "leader.kt", "password": PASSWORD})
    assert response.status_code == 302


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_passwords_are_hashed_with_argon2_outside_tests():
    from django.conf import settings

    from townhall import settings as module

    assert settings.PASSWORD_HASHERS  # tests use MD5 for speed; production is Argon2:
    source = Path(module.__file__).read_text(encoding="utf-8")
    assert '"django.contrib.auth.hashers.Argon2PasswordHasher"' in source
