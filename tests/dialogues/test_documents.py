"""The DOCX documents, read back with python-docx."""

import datetime as dt
import io

import docx
import pytest

from townhall.dialogues import documents, services

from .helpers import at, held, world_build

pytestmark = pytest.mark.django_db


def text_of(data: bytes) -> str:
    """Every paragraph of the document, tables (and tables in tables) included."""
    doc = docx.Document(io.BytesIO(data))
    lines = [p.text for p in doc.paragraphs]

    def walk(tables):
        for table in tables:
            for row in table.rows:
                for cell in row.cells:
                    lines.extend(p.text for p in cell.paragraphs)
                    walk(cell.tables)

    walk(doc.tables)
    return "\n".join(lines)


@pytest.fixture
def concluded(cast):
    world = world_build(cast)
    conference, agenda = held(world, opinions=3)
    services.conference_record_minutes(
        conference=conference,
        actor=world.secretary_clerk,
        attendance=180,
        minutes="Hội nghị khai mạc lúc 8 giờ.\nNhân dân phát biểu 3 ý kiến.",
    )
    for o in agenda[:2]:
        services.opinion_record_outcome(
            conference=conference,
            opinion=o,
            actor=world.secretary_clerk,
            answered_at_conference=True,
            answered_by="Bí thư Huyện ủy",
            answer="Đồng ý, giao UBND thị trấn thực hiện ngay.",
        )
    services.opinion_record_outcome(
        conference=conference,
        opinion=agenda[2],
        actor=world.secretary_clerk,
        answered_at_conference=False,
        assignee=world.land_office,
        deadline=dt.date(2023, 1, 31),
        expected_result="Báo cáo bằng văn bản",
    )
    services.conference_conclude(
        conference=conference,
        actor=world.secretary_clerk,
        number="125-TB/HU",
        signed_on=dt.date(2023, 1, 5),
        text="Đồng chí Bí thư Huyện ủy ghi nhận ý kiến của nhân dân.\nYêu cầu các cơ quan:",
        published_at=at(2023, 1, 6),
        directives=[
            services.DirectiveData(
                "Cắm mốc lại ranh giới khu dân cư mới Đầm Chợ.",
                cast.phu_thai_committee,
                dt.date(2023, 1, 31),
                "Mốc giới được cắm",
            ),
            services.DirectiveData(
                "Rà soát, cấp giấy chứng nhận quyền sử dụng đất.",
                world.land_office,
                dt.date(2023, 3, 31),
            ),
        ],
    )
    conference.refresh_from_db()
    return world, conference


def test_the_conclusion_notice_has_the_number_date_chair_and_every_directive(concluded):
    world, conference = concluded
    data = documents.conclusion_docx(conference)
    text = text_of(data)
    assert documents.NATIONAL_TITLE in text and documents.MOTTO in text
    assert "HUYỆN ỦY KIM THÀNH" in text
    assert "Số: 125-TB/HU" in text
    assert "Kim Thành, ngày 05 tháng 01 năm 2023" in text
    assert "THÔNG BÁO KẾT LUẬN" in text
    assert "của đồng chí Bí thư Huyện ủy Kim Thành tại hội nghị đối thoại" in text
    assert "Chủ trì: Bí thư Huyện ủy Kim Thành" in text
    for directive in conference.conclusion.directives.all():
        assert directive.text in text
        assert directive.assignee.name in text
        assert directive.deadline.strftime("%d/%m/%Y") in text
    assert "Mốc giới được cắm" in text
    doc = docx.Document(io.BytesIO(data))
    assert doc.styles["Normal"].font.name == "Times New Roman"
    assert 13 <= doc.styles["Normal"].font.size.pt <= 14
    assert round(doc.sections[0].page_width.mm) == 210


def test_the_invitation_says_when_where_and_who_chairs(concluded):
    world, conference = concluded
    conference.invitation_number = "45-GM/HU"
    text = text_of(documents.invitation_docx(conference))
    assert "GIẤY MỜI" in text and "Số: 45-GM/HU" in text
    assert "Kim Thành, ngày 15 tháng 12 năm 2022" in text  # the day it was announced
    assert "Thời gian: 08 giờ 00, ngày 28 tháng 12 năm 2022." in text
    assert "Địa điểm: Hội trường UBND thị trấn Phú Thái." in text
    assert "Chủ trì: Bí thư Huyện ủy Kim Thành; đồng chủ trì: Chủ tịch UBND huyện" in text


def test_the_minutes_list_every_opinion_and_its_outcome(concluded):
    world, conference = concluded
    text = text_of(documents.minutes_docx(conference))
    assert "BIÊN BẢN" in text and "Số người dự: 180." in text
    assert "Kim Thành, ngày 28 tháng 12 năm 2022" in text
    assert "Nhân dân phát biểu 3 ý kiến." in text
    for o in conference.opinions.all():
        assert o.petition.text in text
    assert text.count("Trả lời tại hội nghị") == 2
    assert "Phòng Tài nguyên và Môi trường huyện Kim Thành, hạn 31/01/2023" in text


@pytest.mark.parametrize(
    ("day", "line"),
    [
        (dt.date(2022, 12, 28), "Kim Thành, ngày 28 tháng 12 năm 2022"),
        (dt.date(2023, 1, 5), "Kim Thành, ngày 05 tháng 01 năm 2023"),
        (dt.date(2023, 3, 9), "Kim Thành, ngày 09 tháng 3 năm 2023"),
    ],
)
def test_the_date_line_follows_decree_30(day, line):
    assert documents.date_line("Kim Thành", day) == line
