import pytest
from django.urls import reverse

from townhall.notifications.admin import masked
from townhall.notifications.models import Notification, State
from townhall.notifications.services import notification_queue

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed():
    notification = notification_queue(
        channel="sms",
        recipient="0912345678",
        body="Mã TH-1",
        purpose="tracking_code",
        dedupe_key="k",
    )
    Notification.objects.filter(pk=notification.pk).update(
        state=State.FAILED, attempts=10, last_error="ConnectionError: down"
    )
    return notification


def test_the_list_filters_by_state_channel_and_purpose_and_masks_recipients(admin_client, failed):
    url = reverse("admin:notifications_notification_changelist")
    page = admin_client.get(url, {"state": "failed", "channel": "sms", "purpose": "tracking_code"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "091•••678" in html and "0912345678" not in html
    assert "TH-1" not in admin_client.get(url, {"state": "sent"}).content.decode()


def test_the_detail_is_read_only(admin_client, failed):
    page = admin_client.get(reverse("admin:notifications_notification_change", args=[failed.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "ConnectionError: down" in html and "0912345678" not in html
    assert 'name="body"' not in html  # no editable field
    assert admin_client.get(reverse("admin:notifications_notification_add")).status_code == 403


def test_failed_notifications_can_be_queued_again(admin_client, failed):
    admin_client.post(
        reverse("admin:notifications_notification_changelist"),
        {"action": "requeue", "_selected_action": [failed.pk]},
    )
    failed.refresh_from_db()
    assert (failed.state, failed.attempts, failed.claim_token) == (State.PENDING, 0, None)


def test_masking():
    assert masked("0912345678") == "091•••678"
    assert masked("binh@example.vn") == "b•••@example.vn"
    assert masked("") == "" and masked("12345") == "•••"
