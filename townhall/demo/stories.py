"""The seed article's stories, built through the normal services (never by writing totals).

Each story is idempotent and atomic: it looks for what it built before (by title, date and
host) and returns that, so a second `townhall demo` neither duplicates nor fails. Dates are the
article's (2022–2023): the dialogue services take the times a secretary states (announced,
held, published, done); the case services stamp "now" for what they do not take (a case's
acceptance and its legal deadline, its answer, its closing).
"""

import dataclasses
import datetime as dt
import zoneinfo

from django.db import transaction

from townhall.accounts.models import Membership, Role, User
from townhall.dialogues import selectors as dialogue_selectors
from townhall.dialogues import services as dialogues
from townhall.dialogues.models import Conference, Opinion
from townhall.petitions import services
from townhall.petitions.models import Case, Topic
from townhall.reception import services as reception
from townhall.reception.models import Action, ReceptionSession, SessionKind
from townhall.units.models import Agency, Era, Unit

from .people import demo_password

VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
DAM_CHO_TITLE = "Chồng lấn ranh giới khu dân cư mới Đầm Chợ với đường đi khu dân cư cũ"
DAM_CHO_TEXT = (
    "Chúng tôi là các hộ dân khu dân cư cũ thị trấn Phú Thái, đề nghị các cấp có thẩm quyền giải "
    "quyết việc ranh giới khu dân cư mới Đầm Chợ chồng lấn lên đường đi của khu dân cư cũ, gây "
    "khó khăn cho việc đi lại và sinh hoạt của nhân dân."
)
# Fictional residents: names are common Vietnamese names, numbers are not real.
RESIDENTS = [
    "Nguyễn Văn Hùng",
    "Trần Thị Lan",
    "Phạm Văn Minh",
    "Vũ Thị Hoa",
    "Đỗ Văn Thắng",
    "Lê Thị Mai",
    "Hoàng Văn Bình",
]

PARTY_KT = "Huyện ủy Kim Thành"
DISTRICT_KT = "Ủy ban nhân dân huyện Kim Thành"
FRONT_KT = "Ủy ban MTTQ Việt Nam huyện Kim Thành"
LAND_OFFICE_KT = "Phòng Tài nguyên và Môi trường huyện Kim Thành"
PHU_THAI = "Ủy ban nhân dân thị trấn Phú Thái"
CO_DUNG = "Ủy ban nhân dân xã Cổ Dũng"
FRONT_CO_DUNG = "Ủy ban MTTQ Việt Nam xã Cổ Dũng"
PROVINCE_PARTY = "Tỉnh ủy Hải Dương"
PROVINCE = "Ủy ban nhân dân tỉnh Hải Dương"

PHU_THAI_CONFERENCE = (
    "Hội nghị đối thoại giữa Bí thư Huyện ủy Kim Thành với nhân dân thị trấn Phú Thái"
)
CO_DUNG_CONFERENCE = "Hội nghị đối thoại giữa Bí thư Huyện ủy Kim Thành với nhân dân xã Cổ Dũng"
DAM_CHO_DIRECTIVE = (
    "Làm việc với chủ đầu tư khu dân cư Đầm Chợ và các hộ liên quan để thống nhất phương án "
    "ranh giới"
)
DAM_CHO_AGREEMENT = (
    "Ngày 20/02/2023, chủ đầu tư khu dân cư mới Đầm Chợ, các hộ khu dân cư cũ và UBND thị trấn "
    "Phú Thái đã thống nhất phương án: điều chỉnh ranh giới khu dân cư mới lùi 2 m, trả lại "
    "đường đi cho khu dân cư cũ; các hộ đồng thuận (biên bản làm việc ngày 20/02/2023)."
)


@dataclasses.dataclass(frozen=True)
class Story:
    """One line of `townhall demo`'s output: a reference and what the story built."""

    reference: str
    title: str


def _at(y: int, m: int, d: int, h: int = 8, minute: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, minute, tzinfo=VN)


def _unit(code: str) -> Unit:
    return Unit.objects.get(era=Era.THREE_LEVEL, code=code)


def _agency(name: str) -> Agency:
    return Agency.objects.get(name=name)


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _topic(code: str) -> Topic:
    return Topic.objects.get(code=code)


def _staff(username: str, role: str, title: str, agency: Agency) -> User:
    """A staff member the story needs and `people.py` does not list (idempotent, like it)."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, role=role, title=title)
        user.set_password(demo_password())
        user.save()
    Membership.objects.get_or_create(user=user, agency=agency)
    return user


@transaction.atomic
def phu_thai_boundary() -> Case:
    """Many residents' petitions about Đầm Chợ, grouped as one mass case (Phú Thái, 2022)."""
    existing = Case.objects.filter(title=DAM_CHO_TITLE).first()
    if existing:
        return existing
    unit = _unit("10750")
    province = _agency(PROVINCE)
    district = _agency(DISTRICT_KT)
    clerk = _user("vanthu.kimthanh")
    topic = _topic("land")
    case = None
    for i, name in enumerate(RESIDENTS):
        # The first petitions went to the province (over-level); the rest to the district.
        agency = province if i < 2 else district
        intake = services.Intake(
            kind="complaint",
            channel="mail",
            unit=unit,
            topic=topic,
            title=DAM_CHO_TITLE,
            text=DAM_CHO_TEXT,
            received_at=_at(2022, 9, 5 + i),
            receiving_agency=agency,
            submitters=[
                services.SubmitterData(
                    name=name,
                    id_number=f"0300{70 + i:02d}00{1234 + i:04d}",
                    phone=f"0912{345000 + i:06d}",
                    address=f"Khu dân cư cũ, thị trấn Phú Thái, số nhà {10 + i}",
                )
            ],
        )
        receipt = services.petition_receive(intake=intake, actor=clerk, case=case)
        case = receipt.case
    return case


# --- Phú Thái: the district dialogue of 28/12/2022 ------------------------------------------
# (topic, text, raised by, answered by, answer); the Đầm Chợ matter comes first, separately.
PHU_THAI_OPINIONS = [
    (
        "infrastructure",
        "Đề nghị nâng cấp tuyến đường trục khu dân cư cũ thị trấn Phú Thái đã xuống cấp.",
        "Ông Nguyễn Văn Tuấn",
        "Chủ tịch UBND huyện Kim Thành",
        "Tuyến đường đã có trong kế hoạch đầu tư công năm 2023 của huyện; khởi công trong quý II.",
    ),
    (
        "environment",
        "Đề nghị xử lý tình trạng ô nhiễm mùi từ điểm tập kết rác tạm của thị trấn.",
        "Bà Phạm Thị Hằng",
        "Chủ tịch UBND thị trấn Phú Thái",
        "Điểm tập kết rác tạm được di dời trong tháng 01/2023, rác được thu gom hằng ngày.",
    ),
    (
        "policy",
        "Đề nghị xem xét chế độ cho người có công ở khu dân cư cũ chưa được hưởng.",
        "Ông Trần Văn Lộc",
        "Bí thư Huyện ủy Kim Thành",
        "Phòng Lao động - Thương binh và Xã hội đã rà soát; các trường hợp đủ điều kiện được "
        "lập hồ sơ ngay sau hội nghị.",
    ),
    (
        "land",
        "Đề nghị cấp giấy chứng nhận quyền sử dụng đất cho các hộ đã sử dụng đất ổn định ở khu "
        "dân cư cũ.",
        "Ông Lê Văn Cường",
        "",
        "",
    ),  # deferred to the land office
    (
        "public-order",
        "Đề nghị tăng cường tuần tra ban đêm ở khu vực chợ Phú Thái.",
        "Bà Đỗ Thị Thu",
        "Chủ tịch UBND thị trấn Phú Thái",
        "Công an thị trấn tăng cường tuần tra từ 22 giờ đến 5 giờ hằng đêm.",
    ),
]
PHU_THAI_FLOOR = (
    "infrastructure",
    "Đề nghị lắp đèn chiếu sáng cho tuyến đường nối khu dân cư cũ với khu dân cư mới.",
    "Ông Vũ Văn Hải",
    "Chủ tịch UBND thị trấn Phú Thái",
    "Thị trấn lắp 12 bộ đèn chiếu sáng trong tháng 01/2023 từ nguồn ngân sách thị trấn.",
)


def _collect(
    conference: Conference,
    *,
    actor: User,
    collected_by: Agency,
    unit: Unit,
    topic: str,
    text: str,
    name: str,
    received_at: dt.datetime,
    case: Case | None = None,
    kind: str = "recommendation",
) -> Opinion:
    """An opinion collected (or raised on the day) and put on the agenda, as a petition."""
    return dialogues.opinion_add(
        conference=conference,
        intake=services.Intake(
            kind=kind,
            channel="dialogue_before",  # the service sets it from the date
            unit=unit,
            topic=_topic(topic),
            text=text,
            received_at=received_at,
            receiving_agency=collected_by,
            submitters=[services.SubmitterData(name=name)],
        ),
        actor=actor,
        collected_by=collected_by,
        case=case,
    )


@transaction.atomic
def phu_thai_dialogue() -> tuple[Case, Conference]:
    """After the mass case: the district dialogue at the end of 2022, agreement, resolved."""
    mass = phu_thai_boundary()
    party = _agency(PARTY_KT)
    existing = Conference.objects.filter(title=PHU_THAI_CONFERENCE, host_agency=party).first()
    if existing:
        mass.refresh_from_db()
        return mass, existing
    front = _agency(FRONT_KT)
    land_office = _agency(LAND_OFFICE_KT)
    town = _agency(PHU_THAI)
    district = _agency(DISTRICT_KT)
    chair = _user("bithu.kimthanh")
    secretary = _user("vanthu.kimthanh")  # the conference's secretary
    handler = _user("chuyenvien.kimthanh")
    front_officer = _staff(
        "mttq.kimthanh", Role.FRONT_OFFICER, "Chủ tịch UBMTTQ huyện Kim Thành", front
    )
    unit = _unit("10750")

    conf = dialogues.conference_plan(
        plan=dialogues.ConferencePlan(
            title=PHU_THAI_CONFERENCE,
            host_agency=party,
            starts_at=_at(2022, 12, 28, 8),
            chairs=[dialogues.ChairData(chair)],
            organisers=[front, district, town],
            venue="Hội trường UBND thị trấn Phú Thái",
            audience_description=(
                "Nhân dân thị trấn Phú Thái, các hộ khu dân cư cũ và khu dân cư mới Đầm Chợ"
            ),
            expected_attendance=200,
            topics=[_topic("land"), _topic("infrastructure"), _topic("environment")],
            hotspot_cases=[mass],
        ),
        actor=secretary,
    )
    # Announced 14 days ahead; the district Front collects opinions for a week.
    conf = dialogues.conference_announce(
        conference=conf,
        actor=secretary,
        announced_at=_at(2022, 12, 14, 9),
        invitation_number="52-GM/HU",
    )
    conf = dialogues.conference_start_collecting(conference=conf, actor=secretary)
    collect = {"actor": front_officer, "collected_by": front, "unit": unit}
    dam_cho = _collect(
        conf,
        **collect,
        topic="land",
        text=DAM_CHO_TEXT,
        name="Đại diện các hộ khu dân cư cũ",
        received_at=_at(2022, 12, 16, 9),
        case=mass,  # the same matter: the opinion joins the mass case
    )
    others = [
        _collect(
            conf, **collect, topic=topic, text=text, name=name, received_at=_at(2022, 12, 19, 8 + i)
        )
        for i, (topic, text, name, _by, _answer) in enumerate(PHU_THAI_OPINIONS)
    ]
    # The land office prepares the Đầm Chợ answer before the day.
    dialogues.opinion_request_preparation(
        conference=conf,
        opinion=dam_cho,
        actor=secretary,
        agency=land_office,
        prepare_by=dt.date(2022, 12, 26),
    )
    dialogues.opinion_prepare(
        conference=conf,
        opinion=dam_cho,
        actor=handler,
        answer=(
            "Đã đo đạc hiện trạng: ranh giới khu dân cư mới Đầm Chợ lấn 2 m vào đường đi khu dân "
            "cư cũ; đề xuất làm việc với chủ đầu tư để điều chỉnh."
        ),
    )
    conf = dialogues.conference_mark_ready(conference=conf, actor=secretary)

    # The day.
    conf = dialogues.conference_hold(
        conference=conf,
        actor=secretary,
        held_at=_at(2022, 12, 28, 8),
        attendance=230,
        minutes=(
            "Bí thư Huyện ủy chủ trì; 230 đại biểu và nhân dân dự. Nhân dân nêu 7 ý kiến, trong "
            "đó có việc chồng lấn ranh giới khu dân cư mới Đầm Chợ."
        ),
    )
    topic, text, name, floor_by, floor_answer = PHU_THAI_FLOOR
    floor = _collect(
        conf,
        actor=secretary,
        collected_by=district,
        unit=unit,
        topic=topic,
        text=text,
        name=name,
        received_at=_at(2022, 12, 28, 10),
    )
    for opinion, (_t, _x, _n, by, answer) in zip(others, PHU_THAI_OPINIONS, strict=True):
        if by:
            dialogues.opinion_record_outcome(
                conference=conf,
                opinion=opinion,
                actor=secretary,
                answered_at_conference=True,
                answered_by=by,
                answer=answer,
            )
    dialogues.opinion_record_outcome(
        conference=conf,
        opinion=floor,
        actor=secretary,
        answered_at_conference=True,
        answered_by=floor_by,
        answer=floor_answer,
    )
    land_certificates = others[3]
    for opinion, deadline, expected in (
        (dam_cho, dt.date(2023, 2, 28), "Phương án ranh giới được chủ đầu tư và các hộ thống nhất"),
        (
            land_certificates,
            dt.date(2023, 3, 31),
            "Danh sách hộ đủ điều kiện và giấy chứng nhận được cấp",
        ),
    ):
        dialogues.opinion_record_outcome(
            conference=conf,
            opinion=opinion,
            actor=secretary,
            answered_at_conference=False,
            assignee=land_office,
            deadline=deadline,
            expected_result=expected,
        )

    # The chair's conclusion, signed two days later, published within 10 days.
    conclusion = dialogues.conference_conclude(
        conference=conf,
        actor=secretary,
        number="68-TB/HU",
        signed_on=dt.date(2022, 12, 30),
        published_at=_at(2023, 1, 4, 9),
        text=(
            "Ý kiến kết luận của đồng chí Bí thư Huyện ủy tại hội nghị đối thoại với nhân dân thị "
            "trấn Phú Thái ngày 28/12/2022. Các cơ quan được giao thực hiện đúng thời hạn và báo "
            "cáo kết quả về Thường trực Huyện ủy."
        ),
        directives=[
            dialogues.DirectiveData(
                DAM_CHO_DIRECTIVE,
                land_office,
                dt.date(2023, 2, 28),
                "Biên bản thống nhất phương án ranh giới giữa chủ đầu tư và các hộ",
            ),
            dialogues.DirectiveData(
                "Cắm mốc ranh giới khu dân cư mới Đầm Chợ theo phương án đã thống nhất, trả lại "
                "đường đi cho khu dân cư cũ.",
                town,
                dt.date(2023, 3, 31),
                "Mốc giới được cắm, đường đi thông suốt",
            ),
            dialogues.DirectiveData(
                "Rà soát, cấp giấy chứng nhận quyền sử dụng đất cho các hộ đủ điều kiện ở khu dân "
                "cư cũ.",
                land_office,
                dt.date(2023, 3, 31),
                "Giấy chứng nhận được cấp cho các hộ đủ điều kiện",
            ),
        ],
    )

    # Follow-up: every directive done on time and verified; the deferred opinions answered.
    boundary, markers, certificates = conclusion.directives.order_by("number")
    dialogues.directive_report_progress(
        directive=boundary,
        actor=handler,
        note="Đã làm việc lần 1 với chủ đầu tư khu dân cư mới Đầm Chợ; đang lấy ý kiến các hộ.",
    )
    dialogues.directive_mark_done(
        directive=boundary, actor=handler, result=DAM_CHO_AGREEMENT, done_at=_at(2023, 2, 20, 16)
    )
    dialogues.directive_mark_done(
        directive=markers,
        actor=handler,
        result="Đã cắm 14 mốc giới; đường đi khu dân cư cũ được trả lại, thông suốt.",
        done_at=_at(2023, 3, 15, 16),
    )
    dialogues.directive_mark_done(
        directive=certificates,
        actor=handler,
        result="Đã cấp 37 giấy chứng nhận cho các hộ đủ điều kiện.",
        done_at=_at(2023, 3, 29, 16),
    )
    services.case_answer(
        case=Case.objects.get(pk=mass.pk),
        actor=handler,
        answer=f"Đã đạt được sự đồng thuận. {DAM_CHO_AGREEMENT}",
        publish=True,
    )
    services.case_answer(
        case=Case.objects.get(pk=land_certificates.petition.case_id),
        actor=handler,
        answer="Đã rà soát và cấp 37 giấy chứng nhận quyền sử dụng đất cho các hộ đủ điều kiện.",
        publish=True,
    )
    for directive in (boundary, markers, certificates):
        dialogues.directive_verify(
            directive=directive, actor=chair, note="Thường trực Huyện ủy đã kiểm tra thực tế."
        )
    services.case_close(
        case=Case.objects.get(pk=mass.pk),
        actor=chair,
        note="Các hộ và chủ đầu tư đã thống nhất phương án ranh giới; vụ việc kết thúc.",
    )
    conf = dialogues.conference_close(
        conference=conf, actor=chair, note="Các kết luận đã được thực hiện và kiểm tra."
    )
    mass.refresh_from_db()
    return mass, conf


# --- Cổ Dũng: the dialogue planned for 28/09/2023, answers prepared -------------------------
# (collected by the Front (True) or the commune government, topic, text, raised by,
#  agency asked to prepare, the prepared answer)
CO_DUNG_OPINIONS = [
    (
        True,
        "land",
        "Đề nghị giải quyết dứt điểm việc giao đất dịch vụ cho các hộ bị thu hồi đất nông nghiệp "
        "từ năm 2008.",
        "Ông Nguyễn Văn Sơn",
        LAND_OFFICE_KT,
        "Đã rà soát 46 hộ; huyện giao đất dịch vụ cho các hộ đủ điều kiện trong quý IV/2023.",
    ),
    (
        True,
        "compensation",
        "Đề nghị công khai đơn giá bồi thường, hỗ trợ khi thu hồi đất làm đường liên xã.",
        "Bà Trần Thị Nga",
        DISTRICT_KT,
        "Đơn giá được niêm yết tại nhà văn hóa các thôn và trụ sở UBND xã từ ngày 25/9/2023.",
    ),
    (
        True,
        "infrastructure",
        "Đề nghị sửa chữa cống tiêu úng thôn Lại Xá trước mùa mưa bão.",
        "Ông Phạm Văn Khải",
        CO_DUNG,
        "Xã bố trí kinh phí sửa chữa cống trong tháng 10/2023.",
    ),
    (
        False,
        "environment",
        "Đề nghị xử lý các lò đốt rác thủ công gây khói bụi ở khu dân cư.",
        "Bà Lê Thị Vân",
        LAND_OFFICE_KT,
        "Phòng Tài nguyên và Môi trường kiểm tra, đình chỉ các lò không đạt chuẩn; rác được "
        "chuyển về khu xử lý tập trung của huyện.",
    ),
    (
        False,
        "policy",
        "Đề nghị xem xét hỗ trợ chuyển đổi nghề cho lao động lớn tuổi bị thu hồi đất.",
        "Ông Đỗ Văn Hưng",
        DISTRICT_KT,
        "Huyện mở 2 lớp đào tạo nghề miễn phí cho lao động bị thu hồi đất trong năm 2023.",
    ),
]
PREPARERS = {
    LAND_OFFICE_KT: "chuyenvien.kimthanh",
    DISTRICT_KT: "vanthu.kimthanh",
    CO_DUNG: "vanphong.codung",
}


@transaction.atomic
def co_dung_dialogue() -> Conference:
    """Opinions collected beforehand by the Front and the commune, each answer prepared."""
    party = _agency(PARTY_KT)
    existing = Conference.objects.filter(title=CO_DUNG_CONFERENCE, host_agency=party).first()
    if existing:
        return existing
    front = _agency(FRONT_CO_DUNG)
    commune = _agency(CO_DUNG)
    secretary = _user("vanthu.kimthanh")
    front_officer = _user("mttq.codung")
    commune_clerk = _staff(
        "vanphong.codung", Role.CLERK, "Công chức Văn phòng UBND xã Cổ Dũng", commune
    )
    unit = _unit("10762")
    conf = dialogues.conference_plan(
        plan=dialogues.ConferencePlan(
            title=CO_DUNG_CONFERENCE,
            host_agency=party,
            starts_at=_at(2023, 9, 28, 8),
            chairs=[dialogues.ChairData(_user("bithu.kimthanh"))],
            organisers=[_agency(FRONT_KT), front, commune],
            venue="Hội trường UBND xã Cổ Dũng",
            audience_description="Nhân dân xã Cổ Dũng",
            expected_attendance=250,
            topics=[_topic("land"), _topic("compensation")],
        ),
        actor=secretary,
    )
    conf = dialogues.conference_announce(
        conference=conf,
        actor=secretary,
        announced_at=_at(2023, 9, 12, 9),
        invitation_number="85-GM/HU",
    )
    conf = dialogues.conference_start_collecting(conference=conf, actor=secretary)
    for i, (by_front, topic, text, name, preparer, answer) in enumerate(CO_DUNG_OPINIONS):
        opinion = _collect(
            conf,
            actor=front_officer if by_front else commune_clerk,
            collected_by=front if by_front else commune,
            unit=unit,
            topic=topic,
            text=text,
            name=name,
            received_at=_at(2023, 9, 14 + i, 9),
        )
        dialogues.opinion_request_preparation(
            conference=conf,
            opinion=opinion,
            actor=secretary,
            agency=_agency(preparer),
            prepare_by=dt.date(2023, 9, 25),
        )
        dialogues.opinion_prepare(
            conference=conf, opinion=opinion, actor=_user(PREPARERS[preparer]), answer=answer
        )
    return dialogues.conference_mark_ready(conference=conf, actor=secretary)


# --- Cẩm Hưng and Cẩm Chế: site-clearance compensation, the provincial secretary's visits -----
@dataclasses.dataclass(frozen=True)
class FieldVisit:
    commune: str  # unit code
    place: str
    date: dt.date
    title: str
    text: str
    residents: tuple[str, ...]
    people: int
    received_at: dt.datetime  # the households' first petition, by mail to the province


FIELD_VISITS = [
    FieldVisit(
        "10894",
        "Nhà văn hóa thôn, xã Cẩm Hưng, huyện Cẩm Giàng",
        dt.date(2023, 5, 18),
        "Bồi thường, hỗ trợ giải phóng mặt bằng khi thu hồi đất nông nghiệp ở xã Cẩm Hưng",
        "Các hộ dân xã Cẩm Hưng đề nghị xem xét lại đơn giá bồi thường, hỗ trợ khi thu hồi đất "
        "nông nghiệp để giải phóng mặt bằng dự án trên địa bàn xã, và hỗ trợ chuyển đổi nghề.",
        ("Nguyễn Văn Dũng", "Phạm Thị Liên"),
        12,
        _at(2023, 4, 10, 9),
    ),
    FieldVisit(
        "10828",
        "Trụ sở UBND xã Cẩm Chế, huyện Thanh Hà",
        dt.date(2023, 7, 20),
        "Bồi thường, hỗ trợ tái định cư khi giải phóng mặt bằng ở xã Cẩm Chế",
        "Các hộ dân xã Cẩm Chế đề nghị được bố trí tái định cư và hỗ trợ di chuyển mồ mả, tài "
        "sản trên đất khi giải phóng mặt bằng dự án trên địa bàn xã.",
        ("Trần Văn Thành", "Vũ Thị Hương"),
        9,
        _at(2023, 6, 5, 9),
    ),
]


@transaction.atomic
def field_visit(spec: FieldVisit) -> Case:
    """The households' petition, then the provincial secretary's field visit, recorded as a
    reception session whose register entry accepts the matter."""
    party = _agency(PROVINCE_PARTY)
    secretary = _user("bithu.tinh")
    session = ReceptionSession.objects.filter(
        agency=party, date=spec.date, kind=SessionKind.FIELD_VISIT
    ).first()
    case = Case.objects.filter(title=spec.title).first()
    if session is not None and case is not None:
        return case
    unit = _unit(spec.commune)
    compensation = _topic("compensation")
    if case is None:
        case = services.petition_receive(
            intake=services.Intake(
                kind="complaint",
                channel="mail",
                unit=unit,
                topic=compensation,
                title=spec.title,
                text=spec.text,
                received_at=spec.received_at,
                receiving_agency=_agency(PROVINCE),
                submitters=[services.SubmitterData(name=spec.residents[0])],
                people_count=spec.people,
            ),
            actor=secretary,
        ).case
    if session is None:
        session = reception.session_record(
            agency=party,
            date=spec.date,
            received_by=secretary,
            actor=secretary,
            kind=SessionKind.FIELD_VISIT,
            venue=spec.place,
            note="Bí thư Tỉnh ủy kiểm tra thực địa và đối thoại với các hộ dân.",
        )
    reception.entry_record(
        session=session,
        visit=reception.Visit(
            content=spec.text,
            kind="complaint",
            topic=compensation,
            action=Action.ACCEPTED,
            citizens=[services.SubmitterData(name=name) for name in spec.residents],
            is_group=True,
            people_count=spec.people,
            unit=unit,
            handled_by="UBND xã và UBND huyện đã trả lời, các hộ chưa đồng ý",
            follow_up="Giao UBND tỉnh chỉ đạo giải quyết dứt điểm, đúng quy định.",
            title=spec.title,
        ),
        actor=secretary,
        case=case,
    )
    case.refresh_from_db()
    return case


def build_stories() -> list[Story]:
    mass, phu_thai = phu_thai_dialogue()
    s = dialogue_selectors.conference_summary(phu_thai)
    stories = [
        Story(
            mass.reference,
            f"Phú Thái: {mass.title} — {mass.petitions.count()} đơn, {mass.status}; hội nghị "
            f"{phu_thai.starts_on:%d/%m/%Y} {phu_thai.status}: {s.opinions_total} ý kiến, "
            f"{s.answered_at_conference} trả lời tại hội nghị, {s.answered_later} trả lời sau; "
            f"{s.directives_total} kết luận chỉ đạo đã thực hiện",
        )
    ]
    co_dung = co_dung_dialogue()
    prepared = co_dung.opinions.filter(prepared_at__isnull=False).count()
    stories.append(
        Story(
            co_dung.invitation_number,
            f"Cổ Dũng: hội nghị {co_dung.starts_on:%d/%m/%Y} {co_dung.status}: "
            f"{prepared}/{co_dung.opinions.count()} ý kiến đã chuẩn bị trả lời",
        )
    )
    for spec in FIELD_VISITS:
        case = field_visit(spec)
        stories.append(
            Story(
                case.reference,
                f"{case.title} — Bí thư Tỉnh ủy kiểm tra thực địa {spec.date:%d/%m/%Y}, "
                f"{case.status}",
            )
        )
    return stories
