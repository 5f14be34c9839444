"""A denouncer's name never appears on any portal page (Law on Denunciations 2018, Art. 9, 56)."""

import re

import pytest

from townhall.petitions import services
from townhall.petitions.models import Case

from .conftest import send_data
from .helpers import DENOUNCER

pytestmark = pytest.mark.django_db


def test_a_denouncer_s_name_appears_on_no_portal_page(client, cast, hai_phong_committee):
    pages = []
    sent = client.post(
        "/portal/send/",
        send_data(
            kind="denunciation",
            name=DENOUNCER,
            phone="0987654321",
            address="Số 9 phố Kín",
            id_number="030190009999",
            text="Tố cáo cán bộ địa chính xã nhận tiền của các hộ dân khi cấp sổ đỏ.",
        ),
    )
    assert sent.status_code == 201
    pages.append(sent)
    html = sent.content.decode()
    code = re.search(r'data-testid="tracking-code">([^<]+)<', html).group(1)
    secret = re.search(r'data-testid="secret">([^<]+)<', html).group(1)

    case = Case.objects.get()
    leader = cast.kim_thanh_leader
    case = services.case_accept(case=case, actor=leader)
    case = services.case_answer(
        case=case,
        actor=leader,
        answer=f"Đã xác minh nội dung do bà {DENOUNCER} (0987654321) tố cáo.",
        publish=True,
    )
    pages.append(client.post("/portal/track/", {"code": code, "key": secret}, follow=True))
    pages.append(client.post("/portal/track/", {"code": code, "key": "0987654321"}, follow=True))
    pages += [
        client.get(url)
        for url in (
            "/portal/",
            "/portal/send/",
            "/portal/answers/",
            "/portal/answers/?province=31",
            f"/portal/track/{code}/",
        )
    ]
    for page in pages:
        body = page.content.decode()
        assert page.status_code == 200 or page.status_code == 201
        for secret_detail in (DENOUNCER, "0987654321", "030190009999", "Số 9 phố Kín"):
            assert secret_detail not in body
    assert case.reference in pages[-1].content.decode()  # the answer page was reached
