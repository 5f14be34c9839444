import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from townhall.petitions.models import ConfidentialRead
from townhall.reception import exports, services
from townhall.reception.models import Action, RegisterEntry

from .helpers import DAM_CHO, citizen, record_session, resident, visit

pytestmark = pytest.mark.django_db

OCTOBER = {"start": dt.date(2022, 10, 1), "end": dt.date(2022, 10, 31)}
HEADINGS = [
    "STT",
    "Ngày tiếp",
    "Họ tên – địa chỉ",
    "Số CCCD/CMND",
    "Nội dung vụ việc",
    "Loại đơn / Số người",
    "Cơ quan đã giải quyết",
    "Hướng xử lý",
    "Theo dõi kết quả",
    "Ghi chú",
]
DENUNCIATION = "Tố cáo cán bộ địa chính thị trấn Phú Thái nhận tiền để hợp thức hóa đất lấn chiếm."


def sheet_of(user, agency):
    content = exports.register_workbook(user, agency=agency, **OCTOBER)
    return load_workbook(io.BytesIO(content)).active


def data_rows(sheet):
    return [
        [cell.value for cell in row]
        for row in sheet.iter_rows(min_row=exports.FIRST_DATA_ROW, max_col=len(HEADINGS))
    ]


@pytest.fixture
def register(cast):
    """Two sessions in October 2022 at the Kim Thành People's Committee, three visits."""
    agency = cast.kim_thanh_committee
    agency.head = cast.kim_thanh_leader
    agency.save(update_fields=["head"])
    clerk = cast.kim_thanh_clerk
    first = record_session(agency, cast.kim_thanh_leader, dt.date(2022, 10, 4))
    services.entry_record(
        session=first,
        visit=visit(handled_by="UBND thị trấn Phú Thái", notes="Đã có đơn năm 2021"),
        actor=clerk,
    )
    services.entry_record(
        session=first,
        visit=visit(
            content="Đề nghị công khai phương án bồi thường giải phóng mặt bằng.",
            kind="recommendation",
            is_group=True,
            people_count=12,
            citizens=[resident(1), resident(2), resident(3)],
            action=Action.TRANSFERRED,
            transferred_to=cast.phu_thai_committee,
        ),
        actor=clerk,
    )
    second = record_session(
        agency,
        cast.kim_thanh_leader,
        dt.date(2022, 10, 20),
        kind="unscheduled",
        reason="urgent",
        is_delegated=True,
        delegate=cast.kim_thanh_handler,
    )
    services.entry_record(
        session=second,
        visit=visit(
            content=DENUNCIATION,
            kind="denunciation",
            citizens=[citizen("Lê Văn Cường", id_number="030090005678", address="Kim Thành")],
        ),
        actor=clerk,
    )
    # Outside the period: not in October's register.
    november = record_session(agency, cast.kim_thanh_leader, dt.date(2022, 11, 1))
    services.entry_record(session=november, visit=visit(), actor=clerk)
    return agency


def test_the_register_reads_back_in_the_official_layout(cast, register):
    sheet = sheet_of(cast.kim_thanh_clerk, register)
    assert sheet["A1"].value == "SỔ TIẾP CÔNG DÂN – ỦY BAN NHÂN DÂN HUYỆN KIM THÀNH"
    assert sheet["A2"].value == "Từ ngày 01/10/2022 đến ngày 31/10/2022"
    assert [c.value for c in sheet[exports.HEADER_ROW]] == HEADINGS
    assert [c.value for c in sheet[exports.HEADER_ROW + 1]] == [f"({i})" for i in range(1, 11)]
    rows = data_rows(sheet)
    assert len(rows) == 3
    first, group, denunciation = rows
    assert first[0] == 1
    assert first[1] == dt.datetime(2022, 10, 4)
    assert sheet.cell(row=exports.FIRST_DATA_ROW, column=2).number_format == "DD/MM/YYYY"
    assert first[2] == "Nguyễn Văn An – Phú Thái"
    assert first[3] == "030080001234"
    assert first[4] == DAM_CHO
    assert first[5] == "Khiếu nại / 1 người"
    assert first[6] == "UBND thị trấn Phú Thái"
    assert first[7] == "Thụ lý giải quyết"
    reference = RegisterEntry.objects.order_by("pk").first().petition.case.reference
    assert first[8] == f"Vụ việc {reference}"
    assert first[9] == "Đã có đơn năm 2021"
    assert group[0] == 2
    assert group[2].splitlines() == [
        "Đoàn 12 người, đại diện:",
        "Cư dân số 1 – Khu Đầm Chợ, số 1",
        "Cư dân số 2 – Khu Đầm Chợ, số 2",
        "Cư dân số 3 – Khu Đầm Chợ, số 3",
    ]
    assert group[3].splitlines() == ["030080000001", "030080000002", "030080000003"]
    assert group[5] == "Kiến nghị / 12 người"
    assert group[7] == "Chuyển đơn đến Ủy ban nhân dân thị trấn Phú Thái"
    assert denunciation[1] == dt.datetime(2022, 10, 20)
    assert denunciation[5] == "Tố cáo / 1 người"
    assert denunciation[9].splitlines() == [
        "Tiếp đột xuất (vụ việc khẩn cấp)",
        f"Cấp phó tiếp thay: {cast.kim_thanh_handler}",
    ]


def test_a_denouncers_identity_is_hidden_from_the_clerk(cast, register):
    denunciation = data_rows(sheet_of(cast.kim_thanh_clerk, register))[2]
    assert denunciation[2] == "••• (bảo mật)"
    assert denunciation[3] == "••• (bảo mật)"
    assert denunciation[4] == DENUNCIATION
    assert not ConfidentialRead.objects.exists()


def test_the_handling_leader_sees_the_denouncer_and_the_read_is_logged(cast, register):
    denunciation = data_rows(sheet_of(cast.kim_thanh_leader, register))[2]
    assert denunciation[2] == "Lê Văn Cường – Kim Thành"
    assert denunciation[3] == "030090005678"
    read = ConfidentialRead.objects.get()
    assert read.user == cast.kim_thanh_leader
    assert read.purpose == "reception_register_export"


def test_another_district_exports_an_empty_register(cast, register):
    assert data_rows(sheet_of(cast.chi_linh_leader, register)) == []


def test_a_citizens_text_that_looks_like_a_formula_stays_text(cast):
    session = record_session(cast.kim_thanh_committee, cast.kim_thanh_leader)
    services.entry_record(
        session=session,
        visit=visit(content='=HYPERLINK("http://x","y")'),
        actor=cast.kim_thanh_clerk,
    )
    cell = sheet_of(cast.kim_thanh_clerk, cast.kim_thanh_committee).cell(
        row=exports.FIRST_DATA_ROW, column=5
    )
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://x","y")'
