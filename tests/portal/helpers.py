"""Petitions for the tracking tests, received and handled through the real services."""

from tests.petitions.helpers import intake
from townhall.petitions import services
from townhall.petitions.services import SubmitterData

DENOUNCER = "Lê Thị Bảo Mật"


def received(agency, clerk, **kwargs) -> services.Receipt:
    return services.petition_receive(intake=intake(agency, **kwargs), actor=clerk)


def answered(cast, *, kind="complaint", publish=False, answer=None, **kwargs):
    """A petition taken to an answer by the Kim Thành staff of the cast."""
    receipt = received(cast.kim_thanh_committee, cast.kim_thanh_clerk, kind=kind, **kwargs)
    case = services.case_accept(case=receipt.case, actor=cast.kim_thanh_leader)
    case = services.case_assign(
        case=case,
        actor=cast.kim_thanh_leader,
        agency=cast.kim_thanh_committee,
        handler=cast.kim_thanh_handler,
    )
    case = services.case_answer(
        case=case,
        actor=cast.kim_thanh_handler,
        answer=answer or "Đã đo đạc lại ranh giới và trả lại lối đi cho các hộ dân.",
        decision_reference="123/QĐ-UBND",
        publish=publish,
    )
    return receipt, case


def denouncer() -> SubmitterData:
    return SubmitterData(
        name=DENOUNCER, phone="0987654321", id_number="030190009999", address="Số 9 phố Kín"
    )
