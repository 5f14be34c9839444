import pytest
from django.test import override_settings

from tests.petitions.helpers import intake
from townhall.notifications.backends import LocMemSMSBackend
from townhall.petitions import services
from townhall.petitions.models import Case

LOCMEM_SMS = "townhall.notifications.backends.LocMemSMSBackend"


@pytest.fixture(autouse=True)
def sms_outbox():
    """Every test here sends SMS to the in-memory backend and starts with it empty."""
    LocMemSMSBackend.outbox.clear()
    with override_settings(SMS_BACKEND=LOCMEM_SMS):
        yield LocMemSMSBackend.outbox
    LocMemSMSBackend.outbox.clear()


@pytest.fixture
def receive(cast):
    def receive(**kw):
        return services.petition_receive(
            intake=intake(cast.kim_thanh_committee, **kw), actor=cast.kim_thanh_clerk
        )

    return receive


@pytest.fixture
def assigned_case(cast, receive) -> Case:
    """An accepted case assigned to the Kim Thành handler, who has an email address."""
    cast.kim_thanh_handler.email = "handler.kt@kimthanh.example"
    cast.kim_thanh_handler.save(update_fields=["email"])
    case = receive().case
    case = services.case_accept(case=case, actor=cast.kim_thanh_leader)
    return services.case_assign(
        case=case,
        actor=cast.kim_thanh_leader,
        agency=cast.kim_thanh_committee,
        handler=cast.kim_thanh_handler,
    )
