"""API keys: `townhall open311 key create|revoke|list`, and the admin pages."""

import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from townhall import cli
from townhall.open311.keys import key_check, key_create, key_hash
from townhall.open311.models import ApiKey

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("open311_key", *args, stdout=out)
    return out.getvalue()


def test_create_prints_the_new_key_last_and_stores_only_its_hash():
    lines = run("create", "Ứng dụng Hải Phòng Smart").strip().splitlines()
    key = lines[-1]
    row = ApiKey.objects.get()
    assert row.name == "Ứng dụng Hải Phòng Smart"
    assert row.key_hash == key_hash(key) and key.startswith(row.prefix)
    assert key_check(key).api_key == row
    assert "shown only now" in lines[0]


def test_the_townhall_command_line_reads_open311_key_create(monkeypatch):
    # `townhall open311 key create NAME` reaches this command. (manage.py's runner closes the
    # database connections when a command ends, which a test inside a transaction cannot
    # survive on PostgreSQL: the runner is replaced by call_command here.)
    seen = []

    def runner(argv):
        seen.append(argv)
        seen.append(run(*argv[2:]))

    monkeypatch.setattr("django.core.management.execute_from_command_line", runner)
    monkeypatch.setattr(sys, "argv", ["townhall", "open311", "key", "create", "Civic app"])
    cli.main()
    assert seen[0] == ["townhall", "open311_key", "create", "Civic app"]
    key = seen[1].strip().splitlines()[-1]
    assert key_check(key).api_key.name == "Civic app"


def test_revoke_by_prefix_and_list():
    row, key = key_create(name="Old app")
    other, _ = key_create(name="New app")
    assert "Revoked" in run("revoke", row.prefix)
    row.refresh_from_db()
    assert row.revoked_at is not None and other.revoked_at is None
    assert "revoked" in key_check(key).problem
    listing = run("list")
    assert row.prefix in listing and other.prefix in listing and key not in listing
    assert "already revoked" in run("revoke", key)  # the whole key works too
    with pytest.raises(CommandError, match="No key"):
        run("revoke", "o311_nothing")
    with pytest.raises(CommandError):
        run("create", "   ")


@pytest.fixture
def admin_client(client, db):
    from townhall.accounts.models import Role, User

    user = User.objects.create_superuser(
        username="admin.open311", password="x" * 12, email="a@example.vn"
    )
    user.role = Role.ADMINISTRATOR
    user.save()
    client.force_login(user)
    client.user = user
    return client


def test_the_admin_creates_a_key_and_shows_it_once(admin_client):
    response = admin_client.post("/admin/open311/apikey/add/", {"name": "Ứng dụng phản ánh"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    row = ApiKey.objects.get()
    key = response.context["key"]
    assert key_check(key).api_key == row
    assert key in response.content.decode()
    assert row.created_by == admin_client.user
    # Nowhere else: not in the list, not on the key's own page.
    for url in ["/admin/open311/apikey/", f"/admin/open311/apikey/{row.pk}/change/"]:
        page = admin_client.get(url)
        assert page.status_code == 200
        assert key not in page.content.decode()


def test_the_admin_revokes_selected_keys(admin_client):
    row, key = key_create(name="Leaked")
    response = admin_client.post(
        "/admin/open311/apikey/",
        {"action": "revoke", "_selected_action": [row.pk]},
        follow=True,
    )
    assert response.status_code == 200
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert key_check(key).api_key is None
