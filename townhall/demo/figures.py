"""The seed article's published figures, reproduced through the dialogues services.

Every conference is planned, announced, collected, held, its opinions added one by one and
given their outcome, concluded, its directives carried out — by the same service functions the
staff pages and the API call. No total is written anywhere: the reports count these rows.

- Chí Linh city, 2022: the City Party Standing Committee held 8 dialogues, 323 opinions, 310
  answered at the conference (the 13 others deferred and answered later; every directive done
  on time: "no organisation has been slow to implement the conclusions" is a query).
- Chí Linh's communes and wards, 2022: 91 dialogues, 1,489 opinions answered at the conference
  ("nearly 1,500").
- District level of Hải Dương, 2022: 36 dialogues and 1,215 opinions answered at the conference
  ("more than 1,200"), Chí Linh's 8 and the stories' Phú Thái dialogue among them: the other
  districts get what is left (build the stories first, as `townhall demo` does). A few deferred
  matters there are left open past their deadline, so the follow-up lists show something.
- The province's dialogue with more than 1,000 education staff (August 2023): the Tứ Kỳ High
  School principal's request on professional title promotion is deferred to the Department of
  Education and Training with a report due 31 December 2023, as the conclusion directs.

Idempotent: a conference whose title already exists for its host is skipped, and each one is
built in its own transaction (all of it or nothing). The host agencies (Party committees and
People's Committees of Chí Linh's wards and of the other districts) and their chairs (named by
title only, with no usable password) are created once.
"""

import contextlib
import datetime as dt
import gc
import zoneinfo
from dataclasses import dataclass, field

from django.db import transaction
from tqdm import tqdm

from townhall.accounts.models import Membership, Role, User
from townhall.dialogues import services
from townhall.dialogues.models import AudienceKind, Conference, Opinion
from townhall.petitions import services as petitions
from townhall.petitions.models import Case, Topic
from townhall.units.models import Agency, AgencyKind, Era, Unit

VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
PROVINCE = "30"
CHI_LINH = "290"
OTHER_DISTRICTS = ("288", "291", "292", "293", "294", "295", "296", "297", "298", "299", "300")
PARTS = ("chi_linh_city", "chi_linh_communes", "districts", "province_education")

# The published figures, and how the demo splits them (opinions, deferred) per conference.
CHI_LINH_CITY = [(42, 2), (38, 1), (45, 2), (36, 2), (41, 1), (40, 2), (39, 1), (42, 2)]
COMMUNE_CONFERENCES, COMMUNE_OPINIONS, COMMUNE_DEFERRED = 91, 1513, 24  # 1,489 answered
# The whole district level of the province: Chí Linh's 8 and 310, the stories' district
# dialogues (the Phú Thái one), and the rest built here (`_districts`).
DISTRICT_LEVEL_CONFERENCES, DISTRICT_LEVEL_ANSWERED, DISTRICT_DEFERRED = 36, 1215, 40
ROUND = "/2022)"  # the figures' own conferences end their titles with "(lần k/2022)"
EDUCATION_OPINIONS, EDUCATION_DEFERRED = 200, 20
STILL_OPEN = {"299": 1, "300": 1}  # deferred opinions left open past their deadline

OPINIONS = {
    "land": [
        "Đề nghị đẩy nhanh việc cấp giấy chứng nhận quyền sử dụng đất cho các hộ sử dụng ổn định",
        "Đề nghị làm rõ ranh giới đất giữa khu dân cư và đất nông nghiệp",
        "Đề nghị xử lý việc lấn chiếm đất công ven kênh tưới tiêu",
    ],
    "compensation": [
        "Đề nghị công khai phương án bồi thường, hỗ trợ khi thu hồi đất làm đường",
        "Đề nghị xem xét lại đơn giá bồi thường cây cối, hoa màu khi giải phóng mặt bằng",
    ],
    "infrastructure": [
        "Đề nghị nâng cấp tuyến đường liên thôn đã xuống cấp",
        "Đề nghị lắp đặt hệ thống chiếu sáng cho đường vào khu dân cư",
        "Đề nghị nạo vét hệ thống thoát nước để chống ngập úng mùa mưa",
    ],
    "environment": [
        "Đề nghị xử lý tình trạng ô nhiễm từ cơ sở chăn nuôi gần khu dân cư",
        "Đề nghị tăng tần suất thu gom rác thải sinh hoạt",
    ],
    "policy": [
        "Đề nghị xem xét chế độ cho người có công với cách mạng",
        "Đề nghị hướng dẫn thủ tục hưởng trợ cấp xã hội cho người cao tuổi",
    ],
    "public-order": [
        "Đề nghị tăng cường tuần tra, bảo đảm an ninh trật tự khu vực chợ",
        "Đề nghị xử lý xe tải trọng lớn chạy qua đường dân sinh",
    ],
    "health": ["Đề nghị bổ sung trang thiết bị cho trạm y tế"],
    "education": ["Đề nghị sửa chữa phòng học và tường rào trường mầm non"],
}
EDUCATION_OPINIONS_TEXT = [
    "Đề nghị tỉnh quan tâm bố trí đủ biên chế giáo viên cho các trường còn thiếu",
    "Đề nghị có chính sách hỗ trợ giáo viên công tác ở vùng khó khăn",
    "Đề nghị sớm hướng dẫn thực hiện chương trình giáo dục phổ thông mới ở cấp trung học",
    "Đề nghị tăng cường cơ sở vật chất, thiết bị dạy học theo chương trình mới",
    "Đề nghị giảm bớt hồ sơ, sổ sách đối với giáo viên",
]
PRINCIPAL_REQUEST = (
    "Đề nghị tỉnh quan tâm, tạo điều kiện tổ chức thăng hạng chức danh nghề nghiệp cho cán bộ, "
    "giáo viên và xem xét tổ chức thăng hạng thông qua hình thức xét thăng hạng."
)
PRINCIPAL = "Hiệu trưởng Trường THPT Tứ Kỳ"
EDUCATION_TITLE = (
    "Hội nghị đối thoại giữa Thường trực Tỉnh ủy với cán bộ, công chức, viên chức ngành giáo dục"
)


# --- the work list --------------------------------------------------------------------------
@dataclass(frozen=True)
class Plan:
    title: str
    host: Agency
    chair: User
    starts_at: dt.datetime
    venue: str
    locality: Unit  # where the opinions come from
    opinions: int
    deferred: int
    assignee: Agency
    answer_later: bool = True  # deferred opinions answered after the conference
    directive_done: bool = True
    still_open: int = 0  # of the deferred ones, left open past the deadline
    audience_kind: str = AudienceKind.RESIDENTS
    audience: str = ""
    expected: int | None = None


@dataclass
class Summary:
    created: dict[str, int] = field(default_factory=dict)
    skipped: int = 0

    def describe(self) -> str:
        made = ", ".join(f"{part} {n}" for part, n in self.created.items() if n)
        return f"  figures: conferences built: {made or 'none'}; already there: {self.skipped}"


def _at(day: dt.date, hour: int = 8) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=VN)


def _unit(code: str) -> Unit:
    return Unit.objects.get(era=Era.THREE_LEVEL, code=code)


def _lower_kind(name: str) -> str:
    """ "Phường Phả Lại" → "phường Phả Lại" (the kind word inside a name)."""
    first, _, rest = name.partition(" ")
    return f"{first.lower()} {rest}"


def _agency(unit: Unit, kind: str, name: str, head_title: str) -> Agency:
    agency, _ = Agency.objects.get_or_create(
        unit=unit, name=name, defaults={"kind": kind, "head_title": head_title}
    )
    return agency


def _head(agency: Agency, username: str) -> User:
    """The agency's head, named by title; a demo chair who never logs in."""
    if agency.head_id:
        return agency.head
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, role=Role.LEADER, title=agency.head_title)
        user.set_unusable_password()
        user.save()
    Membership.objects.get_or_create(user=user, agency=agency)
    agency.head = user
    agency.save(update_fields=["head"])
    return user


def _party_committee(unit: Unit) -> Agency:
    """Huyện ủy / Thành ủy / Thị ủy for a district-level unit, Đảng ủy for a commune."""
    place = unit.name.partition(" ")[2]
    if unit.level == "commune":
        name, title = (
            f"Đảng ủy {_lower_kind(unit.name)}",
            f"Bí thư Đảng ủy {_lower_kind(unit.name)}",
        )
    else:
        word = {"thanh_pho": "Thành ủy", "thi_xa": "Thị ủy"}.get(unit.kind, "Huyện ủy")
        name, title = f"{word} {place}", f"Bí thư {word} {place}"
    return _agency(unit, AgencyKind.PARTY_COMMITTEE, name, title)


def _peoples_committee(unit: Unit) -> Agency:
    name = f"Ủy ban nhân dân {_lower_kind(unit.name)}"
    existing = Agency.objects.filter(unit=unit, kind=AgencyKind.PEOPLES_COMMITTEE).first()
    return existing or _agency(
        unit, AgencyKind.PEOPLES_COMMITTEE, name, f"Chủ tịch UBND {_lower_kind(unit.name)}"
    )


def _spread(total: int, parts: int) -> list[int]:
    """`total` split into `parts` whole numbers differing by at most one, larger first."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _chi_linh_city() -> list[Plan]:
    city = _unit(CHI_LINH)
    host = Agency.objects.get(unit=city, name="Thành ủy Chí Linh")
    chair = _head(host, "bithu.chilinh")
    committee = _peoples_committee(city)
    wards = list(Unit.objects.filter(parent=city).order_by("code"))
    plans = []
    for i, (opinions, deferred) in enumerate(CHI_LINH_CITY):
        ward = wards[(i * 5) % len(wards)]
        day = dt.date(2022, 2 + i + (1 if i >= 4 else 0), 10 + i)
        plans.append(
            Plan(
                title=f"Hội nghị tiếp xúc, đối thoại của Ban Thường vụ Thành ủy Chí Linh với nhân "
                f"dân {_lower_kind(ward.name)} (lần {i + 1}/2022)",
                host=host,
                chair=chair,
                starts_at=_at(day),
                venue=f"Hội trường {_lower_kind(ward.name)}",
                locality=ward,
                opinions=opinions,
                deferred=deferred,
                assignee=committee,
                expected=200,
            )
        )
    return plans


def _chi_linh_communes() -> list[Plan]:
    city = _unit(CHI_LINH)
    communes = list(Unit.objects.filter(parent=city).order_by("code"))
    per_commune = _spread(COMMUNE_CONFERENCES, len(communes))
    opinions = _spread(COMMUNE_OPINIONS, COMMUNE_CONFERENCES)
    plans, n = [], 0
    for c, commune in enumerate(communes):
        host = _party_committee(commune)
        chair = _head(host, f"bithu.{commune.code}")
        committee = _peoples_committee(commune)
        for k in range(per_commune[c]):
            day = dt.date(2022, 2 + 2 * k + (c % 2), 5 + c)
            plans.append(
                Plan(
                    title=f"Hội nghị đối thoại của người đứng đầu cấp ủy, chính quyền "
                    f"{_lower_kind(commune.name)} với nhân dân (lần {k + 1}/2022)",
                    host=host,
                    chair=chair,
                    starts_at=_at(day),
                    venue=f"Nhà văn hóa {_lower_kind(commune.name)}",
                    locality=commune,
                    opinions=opinions[n],
                    deferred=1 if n < COMMUNE_DEFERRED else 0,
                    assignee=committee,
                    expected=120,
                )
            )
            n += 1
    return plans


def _district_level_elsewhere() -> tuple[int, int]:
    """District-level dialogues held in the province in 2022 that the figures did not build
    (the stories' Phú Thái dialogue): how many, and their opinions answered at the conference.
    They count in the published 36 and 1,200, so the figures build that many fewer."""
    held = Conference.objects.filter(
        host_unit__path__startswith=_unit(PROVINCE).path,
        host_level="district",
        held_at__gte=_at(dt.date(2022, 1, 1), 0),
        held_at__lt=_at(dt.date(2023, 1, 1), 0),
    ).exclude(title__endswith=ROUND)
    answered = Opinion.objects.filter(conference__in=held, outcome="answered").count()
    return held.count(), answered


def _districts() -> list[Plan]:
    units = [_unit(code) for code in OTHER_DISTRICTS]
    elsewhere, answered_elsewhere = _district_level_elsewhere()
    count = DISTRICT_LEVEL_CONFERENCES - len(CHI_LINH_CITY) - elsewhere
    city_answered = sum(n - d for n, d in CHI_LINH_CITY)
    answered = DISTRICT_LEVEL_ANSWERED - city_answered - answered_elsewhere
    per_district = _spread(count, len(units))
    opinions = _spread(answered + DISTRICT_DEFERRED, count)
    deferred = _spread(DISTRICT_DEFERRED, count)
    plans, n = [], 0
    for d, district in enumerate(units):
        host = _party_committee(district)
        chair = _head(host, f"bithu.{district.code}")
        committee = _peoples_committee(district)
        communes = list(Unit.objects.filter(parent=district).order_by("code"))
        for k in range(per_district[d]):
            commune = communes[(k * 7 + d) % len(communes)]
            day = dt.date(2022, 3 + 3 * k, 8 + d)
            left_open = STILL_OPEN.get(district.code, 0) if k == 0 else 0
            plans.append(
                Plan(
                    title=f"Hội nghị tiếp xúc, đối thoại của {host.name} với nhân dân "
                    f"{_lower_kind(commune.name)} (lần {k + 1}/2022)",
                    host=host,
                    chair=chair,
                    starts_at=_at(day),
                    venue=f"Hội trường {_lower_kind(commune.name)}",
                    locality=commune,
                    opinions=opinions[n],
                    deferred=deferred[n],
                    assignee=committee,
                    still_open=left_open,
                    directive_done=not left_open,
                    expected=150,
                )
            )
            n += 1
    return plans


PLANNERS = {
    "chi_linh_city": _chi_linh_city,
    "chi_linh_communes": _chi_linh_communes,
    "districts": _districts,
}


# --- building one conference through the services ------------------------------------------
def _text(i: int, locality: Unit) -> tuple[str, str]:
    topics = list(OPINIONS)
    topic = topics[i % len(topics)]
    options = OPINIONS[topic]
    base = options[(i // len(topics)) % len(options)]
    return topic, f"{base} tại {_lower_kind(locality.name)} (ý kiến số {i + 1})."


def _intake(plan: Plan, topics: dict[str, Topic], i: int, when: dt.datetime) -> petitions.Intake:
    topic, text = _text(i, plan.locality)
    return petitions.Intake(
        kind="recommendation",
        channel="dialogue_before",
        unit=plan.locality,
        topic=topics[topic],
        text=text,
        received_at=when,
        receiving_agency=plan.host,
    )


def _build(plan: Plan, topics: dict[str, Topic]) -> Conference:
    actor, starts = plan.chair, plan.starts_at
    conference = services.conference_plan(
        plan=services.ConferencePlan(
            title=plan.title,
            host_agency=plan.host,
            starts_at=starts,
            chairs=[services.ChairData(plan.chair, title=plan.host.head_title)],
            venue=plan.venue,
            audience_kind=plan.audience_kind,
            audience_description=plan.audience,
            expected_attendance=plan.expected,
        ),
        actor=actor,
    )
    services.conference_announce(
        conference=conference, actor=actor, announced_at=starts - dt.timedelta(days=10)
    )
    services.conference_start_collecting(conference=conference, actor=actor)
    agenda = [
        services.opinion_add(
            conference=conference,
            intake=_intake(plan, topics, i, starts - dt.timedelta(days=3, minutes=-i)),
            actor=actor,
        )
        for i in range(plan.opinions)
    ]
    services.conference_hold(
        conference=conference, actor=actor, held_at=starts, attendance=plan.expected
    )
    deadline = starts.date() + dt.timedelta(days=30)
    _outcomes(conference, agenda, plan, deadline)
    _conclude(conference, plan, deadline)
    return conference


def _outcomes(conference, agenda: list[Opinion], plan: Plan, deadline: dt.date) -> None:
    actor = plan.chair
    for opinion in agenda[plan.deferred :]:
        services.opinion_record_outcome(
            conference=conference,
            opinion=opinion,
            actor=actor,
            answered_at_conference=True,
            answered_by=plan.host.head_title,
            answer="Đã trả lời, giải thích trực tiếp tại hội nghị.",
        )
    for n, opinion in enumerate(agenda[: plan.deferred]):
        services.opinion_record_outcome(
            conference=conference,
            opinion=opinion,
            actor=actor,
            answered_at_conference=False,
            assignee=plan.assignee,
            deadline=deadline,
            expected_result="Giải quyết và trả lời bằng văn bản cho người dân.",
        )
        if plan.answer_later and n >= plan.still_open:
            case = Case.objects.get(pk=opinion.petition.case_id)
            petitions.case_answer(
                case=case,
                actor=actor,
                answer="Đã kiểm tra, giải quyết và trả lời bằng văn bản.",
                publish=True,
            )


def _conclude(conference, plan: Plan, deadline: dt.date) -> None:
    actor = plan.chair
    signed_on = plan.starts_at.date() + dt.timedelta(days=3)
    conclusion = services.conference_conclude(
        conference=conference,
        actor=actor,
        number=f"{conference.pk}-TB",
        signed_on=signed_on,
        text="Kết luận của đồng chí chủ trì hội nghị về các ý kiến, kiến nghị của nhân dân.",
        directives=[
            services.DirectiveData(
                text="Giải quyết dứt điểm các ý kiến, kiến nghị được giao; báo cáo kết quả.",
                assignee=plan.assignee,
                deadline=deadline + dt.timedelta(days=30),
                expected_result="Báo cáo kết quả giải quyết bằng văn bản.",
            )
        ],
        published_at=_at(signed_on, 16),
    )
    if not plan.directive_done:
        return
    for directive in conclusion.directives.all():
        services.directive_mark_done(
            directive=directive,
            actor=actor,
            result="Đã giải quyết xong, có báo cáo bằng văn bản.",
            done_at=_at(deadline, 15),
        )
        services.directive_verify(directive=directive, actor=actor)
    if plan.answer_later and not plan.still_open:
        services.conference_close(conference=conference, actor=actor)


# --- the province's dialogue with the education sector --------------------------------------
def _province_education(topics: dict[str, Topic]) -> Conference:
    province = _unit(PROVINCE)
    host = Agency.objects.get(unit=province, name="Tỉnh ủy Hải Dương")
    chair = _head(host, "bithu.tinh")
    education = Agency.objects.get(unit=province, name="Sở Giáo dục và Đào tạo Hải Dương")
    home_affairs = Agency.objects.get(unit=province, name="Sở Nội vụ Hải Dương")
    starts = _at(dt.date(2023, 8, 18))
    report_by = dt.date(2023, 12, 31)
    conference = services.conference_plan(
        plan=services.ConferencePlan(
            title=EDUCATION_TITLE,
            host_agency=host,
            starts_at=starts,
            chairs=[services.ChairData(chair, title=host.head_title)],
            venue="Trung tâm Hội nghị tỉnh Hải Dương",
            audience_kind=AudienceKind.SECTOR,
            audience_description="Hơn 1.000 cán bộ, công chức, viên chức ngành giáo dục",
            expected_attendance=1000,
            topics=[topics["education"]],
        ),
        actor=chair,
    )
    services.conference_announce(
        conference=conference, actor=chair, announced_at=starts - dt.timedelta(days=14)
    )
    services.conference_start_collecting(conference=conference, actor=chair)
    agenda = []
    for i in range(EDUCATION_OPINIONS - 1):
        text = EDUCATION_OPINIONS_TEXT[i % len(EDUCATION_OPINIONS_TEXT)]
        agenda.append(
            services.opinion_add(
                conference=conference,
                intake=petitions.Intake(
                    kind="recommendation",
                    channel="dialogue_before",
                    unit=province,
                    topic=topics["education"],
                    text=f"{text} (ý kiến số {i + 1}).",
                    received_at=starts - dt.timedelta(days=5, minutes=-i),
                    receiving_agency=host,
                ),
                actor=chair,
            )
        )
    services.conference_hold(conference=conference, actor=chair, held_at=starts, attendance=1120)
    principal = services.opinion_add(
        conference=conference,
        intake=petitions.Intake(
            kind="recommendation",
            channel="dialogue_floor",
            unit=province,
            topic=topics["education"],
            text=PRINCIPAL_REQUEST,
            received_at=starts + dt.timedelta(hours=1),
            receiving_agency=host,
            submitters=[petitions.SubmitterData(name=PRINCIPAL)],
        ),
        actor=chair,
    )
    services.opinion_record_outcome(
        conference=conference,
        opinion=principal,
        actor=chair,
        answered_at_conference=False,
        assignee=education,
        deadline=report_by,
        expected_result="Tham mưu tổ chức thăng hạng chức danh nghề nghiệp giáo viên, xem xét "
        "thăng hạng thông qua xét thăng hạng; báo cáo trước ngày 31/12/2023.",
    )
    for i, opinion in enumerate(agenda):
        deferred = i < EDUCATION_DEFERRED - 1
        services.opinion_record_outcome(
            conference=conference,
            opinion=opinion,
            actor=chair,
            answered_at_conference=not deferred,
            answered_by="" if deferred else "Giám đốc Sở Giáo dục và Đào tạo",
            answer="" if deferred else "Lãnh đạo Sở đã trả lời trực tiếp tại hội nghị.",
            assignee=(education if i % 2 else home_affairs) if deferred else None,
            deadline=report_by if deferred else None,
        )
    conclusion = services.conference_conclude(
        conference=conference,
        actor=chair,
        number="TB-GD/2023",
        signed_on=starts.date() + dt.timedelta(days=4),
        text="Thường trực Tỉnh ủy giao các sở, ngành khẩn trương trả lời, giải quyết các ý kiến, "
        "kiến nghị của đại biểu và hoàn thành báo cáo trước ngày 31/12/2023; các vấn đề thuộc "
        "thẩm quyền của tỉnh phải giải quyết ngay.",
        directives=[
            services.DirectiveData(
                text="Chủ trì tham mưu tổ chức thăng hạng chức danh nghề nghiệp cho cán bộ, giáo "
                "viên; xem xét tổ chức thăng hạng thông qua xét thăng hạng.",
                assignee=education,
                deadline=report_by,
                expected_result="Báo cáo kết quả trước ngày 31/12/2023.",
            ),
            services.DirectiveData(
                text="Phối hợp giải quyết các kiến nghị về biên chế, chế độ chính sách giáo viên.",
                assignee=home_affairs,
                deadline=report_by,
                expected_result="Báo cáo kết quả trước ngày 31/12/2023.",
            ),
        ],
        published_at=_at(starts.date() + dt.timedelta(days=5), 16),
    )
    for directive in conclusion.directives.all():
        services.directive_mark_done(
            directive=directive,
            actor=chair,
            result="Đã tham mưu, tổ chức thực hiện và báo cáo Thường trực Tỉnh ủy.",
            done_at=_at(dt.date(2023, 12, 20), 15),
        )
    for opinion in [principal, *agenda[: EDUCATION_DEFERRED - 1]]:
        petitions.case_answer(
            case=Case.objects.get(pk=opinion.petition.case_id),
            actor=chair,
            answer="Sở Giáo dục và Đào tạo đã trả lời bằng văn bản.",
            publish=True,
        )
    return conference


# --- the entry point ------------------------------------------------------------------------
@contextlib.contextmanager
def _frozen_heap():
    """Leave what is already in memory out of the garbage collector's scans while building.
    Run after `units load` in the same process (as `townhall demo` does on a fresh database),
    the collector re-scanned the loader's objects on every collection and the build took 4×
    as long (5.5 min against 70 s on SQLite)."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def build(parts: tuple[str, ...] = PARTS, *, progress: bool = False) -> Summary:
    """Build the figures' conferences (those not already there); returns what was made.

    `progress` shows a bar of the conferences (on stderr; `townhall demo` on a terminal)."""
    summary = Summary()
    topics = {t.code: t for t in Topic.objects.all()}
    bar = tqdm(total=0, desc="demo: conferences", unit="conf", disable=not progress)
    with _frozen_heap(), bar:
        for part in parts:
            summary.created[part] = 0
            if part == "province_education":
                bar.total += 1
                host = Agency.objects.filter(name="Tỉnh ủy Hải Dương").first()
                if Conference.objects.filter(title=EDUCATION_TITLE, host_agency=host).exists():
                    summary.skipped += 1
                else:
                    with transaction.atomic():
                        _province_education(topics)
                    summary.created[part] += 1
                bar.update()
                continue
            with transaction.atomic():
                plans = PLANNERS[part]()
            bar.total += len(plans)
            bar.refresh()
            existing = set(
                Conference.objects.filter(
                    host_agency__in={p.host.pk for p in plans}, title__in=[p.title for p in plans]
                ).values_list("host_agency", "title")
            )
            for plan in plans:
                if (plan.host.pk, plan.title) in existing:
                    summary.skipped += 1
                else:
                    with transaction.atomic():
                        _build(plan, topics)
                    summary.created[part] += 1
                bar.update()
    return summary
