import datetime as dt
import threading

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from townhall.notifications import delivery
from townhall.notifications.delivery import outbox_deliver
from townhall.notifications.models import Notification, State
from townhall.notifications.services import notification_queue
from townhall.petitions import services

pytestmark = pytest.mark.django_db


class FlakySMSBackend:
    """Fails `failures` times, then sends to the shared in-memory outbox."""

    failures = 0
    calls = 0

    def send(self, phone, body, *, reference=""):
        type(self).calls += 1
        if type(self).failures > 0:
            type(self).failures -= 1
            raise ConnectionError(f"gateway refused {phone}: try later")
        from townhall.notifications.backends import SMS, LocMemSMSBackend

        LocMemSMSBackend.outbox.append(SMS(phone, body, reference))


class PlainSMSBackend:
    """The minimal backend the setting describes: send(phone, body), no reference."""

    sent: list = []

    def send(self, phone, body):
        self.sent.append((phone, body))


FLAKY = "tests.notifications.test_delivery.FlakySMSBackend"


@pytest.fixture
def flaky():
    FlakySMSBackend.failures, FlakySMSBackend.calls = 0, 0
    with override_settings(SMS_BACKEND=FLAKY):
        yield FlakySMSBackend


def sms(**kw) -> Notification:
    defaults = {
        "channel": "sms",
        "recipient": "0912345678",
        "body": "Townhall: xin chào",
        "purpose": "test",
        "dedupe_key": "test:1",
    }
    return notification_queue(**(defaults | kw))


def later(**kw) -> dt.datetime:
    return timezone.now() + dt.timedelta(**kw)


def test_a_received_petition_queues_one_sms_with_the_tracking_code_sent_exactly_once(
    receive, sms_outbox
):
    receipt = receive()
    queued = Notification.objects.get(case=receipt.case)
    assert (queued.channel, queued.purpose, queued.state) == ("sms", "tracking_code", "pending")
    assert receipt.petition.tracking_code in queued.body

    report = outbox_deliver()
    assert (report.claimed, report.sent, report.retried, report.failed) == (1, 1, 0, 0)
    assert len(sms_outbox) == 1
    assert sms_outbox[0].phone == "0912345678"
    assert receipt.petition.tracking_code in sms_outbox[0].body
    assert sms_outbox[0].reference == f"townhall-notification-{queued.pk}"
    queued.refresh_from_db()
    assert queued.state == State.SENT and queued.sent_at is not None and queued.attempts == 1

    again = outbox_deliver(now=later(days=30))
    assert (again.claimed, again.sent) == (0, 0)
    assert len(sms_outbox) == 1


def test_the_recipient_is_encrypted_at_rest(receive):
    receive()
    with connection.cursor() as cursor:
        cursor.execute("SELECT recipient FROM notifications_notification")
        (stored,) = cursor.fetchone()
    assert "0912345678" not in stored
    assert Notification.objects.get().recipient == "0912345678"


def test_email_goes_through_the_django_backend_with_a_stable_message_id(receive, sms_outbox):
    from townhall.petitions.services import SubmitterData

    receive(submitters=[SubmitterData(name="Trần Thị Bình", email="binh@example.vn")])
    queued = Notification.objects.get()
    assert queued.channel == "email"
    assert outbox_deliver().sent == 1
    assert len(mail.outbox) == 1 and sms_outbox == []
    message = mail.outbox[0]
    assert message.to == ["binh@example.vn"]
    assert message.extra_headers["X-Townhall-Notification"] == queued.reference
    assert message.extra_headers["Message-ID"].startswith(f"<{queued.reference}@")
    assert "mã theo dõi" in message.body


def test_a_failing_backend_backs_off_records_the_error_and_succeeds_later(flaky, sms_outbox):
    flaky.failures = 1
    queued = sms()
    now = timezone.now()

    report = outbox_deliver(now=now)
    assert (report.sent, report.retried, report.failed) == (0, 1, 0)
    queued.refresh_from_db()
    assert queued.state == State.PENDING and queued.attempts == 1
    assert queued.available_at == now + delivery.retry_delay(1) > now
    assert queued.claimed_until is None and queued.claim_token is None
    assert "ConnectionError: gateway refused <recipient>" in queued.last_error
    assert "0912345678" not in queued.last_error  # the phone stays encrypted, not in errors

    assert outbox_deliver(now=now + dt.timedelta(seconds=1)).claimed == 0  # still backing off

    report = outbox_deliver(now=queued.available_at)
    assert report.sent == 1
    queued.refresh_from_db()
    assert queued.state == State.SENT and queued.attempts == 2 and queued.last_error == ""
    assert len(sms_outbox) == 1 and flaky.calls == 2


def test_the_back_off_doubles_and_is_capped():
    assert [delivery.retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert delivery.retry_delay(30) == delivery.MAX_BACKOFF


@override_settings(TOWNHALL_NOTIFICATION_MAX_ATTEMPTS=3)
def test_after_the_last_attempt_the_notification_fails_for_good(flaky, sms_outbox):
    flaky.failures = 100
    queued = sms()
    now = timezone.now()
    outcomes = []
    for _ in range(3):
        report = outbox_deliver(now=now)
        outcomes.append((report.retried, report.failed))
        now += delivery.MAX_BACKOFF
    assert outcomes == [(1, 0), (1, 0), (0, 1)]
    queued.refresh_from_db()
    assert queued.state == State.FAILED and queued.attempts == 3
    assert "gateway refused" in queued.last_error
    assert outbox_deliver(now=now + dt.timedelta(days=365)).claimed == 0
    assert flaky.calls == 3 and sms_outbox == []


def test_a_notification_claimed_by_a_crashed_worker_is_picked_up_after_its_lease(sms_outbox):
    queued = sms()
    now = timezone.now()
    # A worker claimed it, then died before recording anything.
    Notification.objects.filter(pk=queued.pk).update(
        state=State.SENDING, attempts=1, claimed_until=now + dt.timedelta(minutes=5)
    )
    assert outbox_deliver(now=now).claimed == 0  # its lease still runs: hands off
    report = outbox_deliver(now=now + dt.timedelta(minutes=6))
    assert report.sent == 1
    queued.refresh_from_db()
    assert queued.state == State.SENT and queued.attempts == 2
    assert len(sms_outbox) == 1


@override_settings(TOWNHALL_NOTIFICATION_MAX_ATTEMPTS=2)
def test_a_notification_that_kills_its_workers_is_given_up(sms_outbox):
    queued = sms()
    past = timezone.now() - dt.timedelta(minutes=1)
    Notification.objects.filter(pk=queued.pk).update(
        state=State.SENDING, attempts=2, claimed_until=past
    )
    report = outbox_deliver()
    assert (report.claimed, report.failed) == (0, 1)
    queued.refresh_from_db()
    assert queued.state == State.FAILED and "may or may not have been" in queued.last_error
    assert sms_outbox == []


def test_a_worker_that_lost_its_claim_does_not_send(sms_outbox, monkeypatch):
    first, second = sms(dedupe_key="test:1"), sms(dedupe_key="test:2")
    real_send = delivery._send

    def send_then_lose_the_second(notification, **kw):
        real_send(notification, **kw)
        if notification.pk == first.pk:  # meanwhile another worker re-claims the second row
            Notification.objects.filter(pk=second.pk).update(claim_token=None)

    monkeypatch.setattr(delivery, "_send", send_then_lose_the_second)
    report = outbox_deliver()
    assert (report.claimed, report.sent, report.skipped) == (2, 1, 1)
    assert [m.body for m in sms_outbox] == ["Townhall: xin chào"]
    assert Notification.objects.get(pk=second.pk).state == State.SENDING  # the other's to finish


def test_notifications_roll_back_with_the_change_that_queued_them(receive):
    with pytest.raises(RuntimeError), transaction.atomic():
        receipt = receive()
        assert Notification.objects.filter(case=receipt.case).count() == 1
        raise RuntimeError("the request failed after the petition was saved")
    assert Notification.objects.count() == 0


def test_a_failed_transition_queues_nothing(cast, receive):
    case = receive().case
    with pytest.raises(services.TransitionNotAllowed):
        services.case_answer(case=case, actor=cast.kim_thanh_leader, answer="x")
    assert list(Notification.objects.values_list("purpose", flat=True)) == ["tracking_code"]


def test_a_backend_without_a_reference_keyword_still_works():
    PlainSMSBackend.sent.clear()
    sms()
    with override_settings(SMS_BACKEND="tests.notifications.test_delivery.PlainSMSBackend"):
        assert outbox_deliver().sent == 1
    assert PlainSMSBackend.sent == [("0912345678", "Townhall: xin chào")]


def test_a_wrong_sms_backend_fails_loudly_and_claims_nothing():
    from django.core.exceptions import ImproperlyConfigured

    queued = sms()
    with (
        override_settings(SMS_BACKEND="townhall.notifications.backends.NoSuchBackend"),
        pytest.raises(ImproperlyConfigured, match="NoSuchBackend"),
    ):
        outbox_deliver()
    queued.refresh_from_db()
    assert (queued.state, queued.attempts) == (State.PENDING, 0)


def test_limit_bounds_a_batch(sms_outbox):
    for i in range(5):
        sms(dedupe_key=f"test:{i}")
    assert outbox_deliver(limit=2).sent == 2
    assert outbox_deliver(limit=10).sent == 3
    assert len(sms_outbox) == 5


@pytest.mark.skipif(
    not connection.features.has_select_for_update_skip_locked,
    reason="concurrent workers need row locks (PostgreSQL); SQLite serialises writers",
)
def test_concurrent_workers_send_each_notification_once(sms_outbox):
    """Workers on their own connections, on rows committed outside the test's transaction."""
    count = 60

    def in_thread(work):
        errors = []

        def run():
            try:
                work()
            except Exception as exc:  # surfaced in the main thread
                errors.append(exc)
            finally:
                connection.close()

        thread = threading.Thread(target=run)
        thread.start()
        return thread, errors

    def setup():
        for i in range(count):
            sms(dedupe_key=f"concurrent:{i}", body=f"message {i}")

    thread, errors = in_thread(setup)
    thread.join()
    assert not errors
    try:
        start = threading.Barrier(4)

        def worker():
            start.wait()
            while outbox_deliver(limit=7).claimed:
                pass

        workers = [in_thread(worker) for _ in range(4)]
        for thread, errors in workers:
            thread.join()
            assert not errors
        bodies = sorted(m.body for m in sms_outbox)
        assert bodies == sorted(f"message {i}" for i in range(count))
    finally:
        thread, errors = in_thread(
            lambda: Notification.objects.filter(dedupe_key__startswith="concurrent:").delete()
        )
        thread.join()


def test_a_key_already_queued_adds_nothing_and_the_transaction_goes_on():
    with transaction.atomic():
        first = sms(dedupe_key="dup:1", body="một")
        again = sms(dedupe_key="dup:1", body="hai")
        after = sms(dedupe_key="dup:2")  # the transaction is still usable
    assert again is None
    assert first.pk and after.pk and first.pk != after.pk
    stored = Notification.objects.get(dedupe_key="dup:1")
    assert (stored.pk, stored.body, stored.state) == (first.pk, "một", State.PENDING)
    assert stored.created_at is not None and stored.recipient == "0912345678"
    assert Notification.objects.filter(dedupe_key__startswith="dup:").count() == 2
