import io
import os

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from townhall.notifications.backends import (
    ConsoleSMSBackend,
    LocMemSMSBackend,
    SMSBackend,
    accepts_reference,
    get_sms_backend,
)
from townhall.notifications.delivery import outbox_deliver
from townhall.notifications.services import notification_queue


def test_the_setting_picks_the_backend():
    assert isinstance(get_sms_backend(), LocMemSMSBackend)  # this package's conftest
    with override_settings(SMS_BACKEND="townhall.notifications.backends.ConsoleSMSBackend"):
        backend = get_sms_backend()
    assert isinstance(backend, ConsoleSMSBackend) and isinstance(backend, SMSBackend)


@pytest.mark.skipif("SMS_BACKEND" in os.environ, reason="SMS_BACKEND is set in the environment")
def test_the_default_sms_backend_is_the_console():
    from townhall import settings as project_settings

    assert project_settings.SMS_BACKEND == "townhall.notifications.backends.ConsoleSMSBackend"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("townhall.notifications.backends.Nope", "cannot be imported"),
        ("no_such_module.Backend", "cannot be imported"),
        ("notdotted", "cannot be imported"),
        ("", "SMS_BACKEND is empty"),
        ("types.SimpleNamespace", "no send"),
    ],
)
def test_a_bad_backend_path_fails_loudly(path, message):
    with override_settings(SMS_BACKEND=path), pytest.raises(ImproperlyConfigured, match=message):
        get_sms_backend()


def test_the_console_backend_writes_the_message():
    stream = io.StringIO()
    ConsoleSMSBackend(stream=stream).send("0912345678", "Xin chào", reference="ref-1")
    assert stream.getvalue().startswith("SMS to 0912345678 [ref-1]\nXin chào\n")


@pytest.mark.django_db
def test_the_console_backend_prints_what_the_outbox_delivers(capsys):
    notification_queue(
        channel="sms", recipient="0912345678", body="Mã theo dõi TH-1", purpose="t", dedupe_key="k"
    )
    with override_settings(SMS_BACKEND="townhall.notifications.backends.ConsoleSMSBackend"):
        assert outbox_deliver().sent == 1
    assert "SMS to 0912345678" in capsys.readouterr().out


def test_the_locmem_backend_keeps_messages(sms_outbox):
    get_sms_backend().send("0912345678", "một")
    get_sms_backend().send("0987654321", "hai", reference="r")
    assert [(m.phone, m.body, m.reference) for m in sms_outbox] == [
        ("0912345678", "một", ""),
        ("0987654321", "hai", "r"),
    ]


def test_a_reference_is_passed_only_to_backends_that_take_it():
    class Plain:
        def send(self, phone, body): ...

    class Loose:
        def send(self, phone, body, **kwargs): ...

    assert accepts_reference(LocMemSMSBackend())
    assert accepts_reference(Loose())
    assert not accepts_reference(Plain())
