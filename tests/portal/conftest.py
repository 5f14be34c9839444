"""Portal fixtures: a People's Committee for today's Hải Phòng and a valid send form (the rate
limits and spent challenges are rows, rolled back with each test)."""

import pytest

from townhall.portal import challenge
from townhall.units.models import Agency, AgencyKind, Era, Unit

PHU_THAI = "10750"  # Xã Phú Thái, Thành phố Hải Phòng, since 1 July 2025
HAI_PHONG = "31"


def two_level(code: str) -> Unit:
    return Unit.objects.get(era=Era.TWO_LEVEL, code=code)


@pytest.fixture
def hai_phong_committee(db) -> Agency:
    return Agency.objects.create(
        unit=two_level(HAI_PHONG),
        kind=AgencyKind.PEOPLES_COMMITTEE,
        name="Ủy ban nhân dân thành phố Hải Phòng",
    )


def send_data(**overrides) -> dict:
    """What a citizen types into /portal/send/, with the sum answered."""
    quiz = challenge.new()
    data = {
        "kind": "recommendation",
        "province": HAI_PHONG,
        "commune": PHU_THAI,
        "topic": "infrastructure",
        "text": "Đề nghị sửa đường liên thôn qua xã Phú Thái, mặt đường hư hỏng nặng sau mưa lũ.",
        "name": "Nguyễn Văn An",
        "phone": "0912345678",
        "email": "",
        "address": "Thôn Đông, xã Phú Thái",
        "id_number": "",
        "challenge": quiz.token,
        "challenge_answer": str(quiz.a + quiz.b),
        "website": "",
    }
    data.update(overrides)
    return data
