"""The Phú Thái story of DESIGN.md through the staff pages: the Kim Thành secretary plans the
district dialogue of 28/12/2022, announces it, collects opinions, holds it, records the outcomes
on the "on the day" screen, concludes with directives, has them done and verified, and closes it
— reading the counts on the conference page after every step.

Two steps go through the services because no page offers them: putting the residents' Đầm Chợ
matter on the agenda *as part of their mass case* (the opinion form always opens a new case),
and naming that case as the conference's hotspot (the plan form has no such field; the link is
not needed for the story's counts, so it is left out here).

The conference is dated as in the article (2022), and the pages count on today, so the deferred
opinion and the directives, whose deadlines are in 2023, show as overdue until done; the
directive "Mark done" form has no "done at" field (the services accept one), so a directive done
from the page today counts as done late. The numbers asserted below are those the page shows.
"""

import datetime as dt
import importlib
import re

import pytest
from django.apps import apps
from playwright.sync_api import expect

from e2e.conftest import screenshot_dir
from townhall.accounts.models import User
from townhall.demo import stories
from townhall.demo.people import demo_password
from townhall.dialogues import services as dialogues
from townhall.dialogues.models import Conference, DirectiveStatus, Outcome, Status
from townhall.petitions import services as petitions
from townhall.petitions.models import Status as CaseStatus
from townhall.petitions.models import Topic
from townhall.units.models import Agency

TITLE = "Hội nghị đối thoại giữa Bí thư Huyện ủy Kim Thành với nhân dân thị trấn Phú Thái"
# (topic, text, raised by): collected before the day by the district Fatherland Front.
COLLECTED = [
    ("infrastructure", "Đề nghị nâng cấp tuyến đường trục khu dân cư cũ đã xuống cấp.", "Ông Tuấn"),
    ("environment", "Đề nghị di dời điểm tập kết rác tạm gây ô nhiễm mùi.", "Bà Hằng"),
    ("public-order", "Đề nghị tăng cường tuần tra ban đêm ở khu vực chợ.", "Bà Thu"),
    ("policy", "Đề nghị rà soát chế độ cho người có công ở khu dân cư cũ.", "Ông Lộc"),
]
DAM_CHO_ROW = "Chúng tôi là các hộ dân khu dân cư cũ"  # the opinion's words, not an agency's
FLOOR = "Đề nghị lắp đèn chiếu sáng cho tuyến đường nối khu dân cư cũ với khu dân cư mới."


@pytest.fixture
def reference_data(transactional_db):
    """Topics and deadline rules come from a data migration, which the flush after an earlier
    live-server test removes: seed them again (idempotent)."""
    migration = importlib.import_module("townhall.petitions.migrations.0002_seed_topics_and_rules")
    migration.seed(apps, None)


def log_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(demo_password())
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("home-title")).to_be_visible()


def expect_counts(page, opinions, directives=None) -> None:
    """The follow-up counts shown: opinions (total, answered at the conference, answered later,
    pending, overdue) and, once concluded, directives (done on time, done late, open, overdue)."""
    summary = page.get_by_test_id("summary").first
    names = ("opinions-total", "answered-at-conference", "answered-later", "pending", "overdue")
    for name, value in zip(names, opinions, strict=True):
        expect(summary.get_by_test_id(name)).to_have_text(str(value))
    cells = summary.locator("article > strong")
    if directives is None:
        expect(cells).to_have_count(5)
    else:
        expect(cells).to_have_count(9)
        for i, value in enumerate(directives, start=5):
            expect(cells.nth(i)).to_have_text(str(value))


def expect_status(page, text: str) -> None:
    expect(page.get_by_test_id("status")).to_have_text(text)


def step(page, action: str) -> None:
    """Press the button of a conference transition form (announce, collect, ready, hold…)."""
    page.locator(f"form[action$='/{action}/'] button[type=submit]").click()


def add_collected(page, front: Agency, topic: Topic, text: str, name: str, when: str) -> None:
    page.get_by_text("Thêm ý kiến đã thu thập").click()
    form = page.get_by_test_id("opinion-form")
    form.locator("[name=text]").fill(text)
    form.locator("[name=topic]").select_option(str(topic.pk))
    form.locator("[name=kind]").select_option("recommendation")
    form.locator("[name=name]").fill(name)
    form.locator("[name=received_at]").fill(when)
    form.locator("[name=collected_by]").select_option(str(front.pk))
    form.locator("button[type=submit]").click()
    expect(page.get_by_role("status").first).to_be_visible()


def answer_on_the_day(page, number: int, by: str, answer: str) -> None:
    row = page.get_by_test_id(f"opinion-{number}")
    row.locator("input[type=radio][value='1']").check()
    row.locator("[name$=answered_by]").fill(by)
    row.locator("[name$=-answer]").fill(answer)
    row.locator("button[type=submit]").click()
    expect(row.get_by_test_id("outcome")).to_contain_text("Trả lời trực tiếp tại hội nghị")


def act_on_case(page, name: str, **fields) -> None:
    """Open an action on the case page, fill it and send it."""
    action = page.get_by_test_id(f"action-{name}")
    action.locator("summary").click()
    for selector, value in fields.items():
        action.locator(f"[name={selector}]").fill(value)
    action.get_by_test_id(f"do-{name}").click()
    expect(page.get_by_role("status").first).to_be_visible()


def test_the_phu_thai_dialogue_through_the_staff_pages(
    page, phone_page, live_server, reference_data, demo
):
    shots = screenshot_dir()
    mass = stories.phu_thai_boundary()  # seven residents' petitions, one mass case
    assert mass.petitions.count() == 7 and mass.status == CaseStatus.RECEIVED
    leader = User.objects.get(username="bithu.kimthanh")
    party = Agency.objects.get(name="Huyện ủy Kim Thành")
    front = Agency.objects.get(name="Ủy ban MTTQ Việt Nam huyện Kim Thành")
    town = Agency.objects.get(name="Ủy ban nhân dân thị trấn Phú Thái")
    land_office = Agency.objects.get(name="Phòng Tài nguyên và Môi trường huyện Kim Thành")
    topics = {t.code: t for t in Topic.objects.all()}

    # The Kim Thành secretary logs in through the form and plans the dialogue.
    log_in(page, live_server, "bithu.kimthanh")
    page.goto(live_server.url + "/conferences/")
    page.get_by_test_id("plan-conference").click()
    form = page.get_by_test_id("plan-form")
    form.locator("#id_title").fill(TITLE)
    form.locator("#id_host_agency").select_option(str(party.pk))
    form.locator("#id_starts_at").fill("2022-12-28T08:00")
    form.locator("#id_chair").select_option(str(leader.pk))
    form.locator("#id_organisers").select_option([str(front.pk), str(town.pk)])
    form.locator("#id_venue").fill("Hội trường UBND thị trấn Phú Thái")
    form.locator("#id_audience_kind").select_option("residents")
    form.locator("#id_audience_description").fill("Nhân dân thị trấn Phú Thái")
    form.locator("#id_expected_attendance").fill("200")
    form.locator("#id_topics").select_option([str(topics["land"].pk)])
    form.locator("button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/conferences/\d+/$"))
    conference = Conference.objects.get(title=TITLE)
    detail_url = live_server.url + f"/conferences/{conference.pk}/"
    expect(page.get_by_test_id("conference-title")).to_have_text(TITLE)
    expect_status(page, "Đã lên kế hoạch")
    expect_counts(page, (0, 0, 0, 0, 0))
    page.screenshot(path=shots / "dialogue-story-planned.png", full_page=True)

    # Announced fourteen days ahead, then the Front starts collecting.
    page.locator("#id_announced_at").fill("2022-12-14T09:00")
    page.locator("#id_invitation_number").fill("52-GM/HU")
    step(page, "announce")
    expect_status(page, "Đã thông báo")
    step(page, "collect")
    expect_status(page, "Đang thu thập ý kiến")

    # The Đầm Chợ matter joins the residents' mass case (no page attaches an opinion to a case).
    dam_cho = dialogues.opinion_add(
        conference=conference,
        intake=petitions.Intake(
            kind="recommendation",
            channel="dialogue_before",
            unit=mass.unit,
            topic=topics["land"],
            text=stories.DAM_CHO_TEXT,
            received_at=dt.datetime(2022, 12, 16, 9, tzinfo=stories.VN),
            receiving_agency=front,
            submitters=[petitions.SubmitterData(name="Đại diện các hộ khu dân cư cũ")],
        ),
        actor=leader,
        collected_by=front,
        case=mass,
    )
    page.reload()
    expect_counts(page, (1, 0, 0, 1, 0))
    for i, (topic, text, name) in enumerate(COLLECTED, start=2):
        add_collected(page, front, topics[topic], text, name, f"2022-12-{17 + i}T09:00")
        expect_counts(page, (i, 0, 0, i, 0))

    # The land office is asked to prepare the Đầm Chợ answer, and prepares it.
    row = page.get_by_test_id("checklist").locator("tbody tr", has_text=DAM_CHO_ROW)
    row.locator("summary").click()
    row.locator("[name=agency]").select_option(str(land_office.pk))
    row.locator("[name=prepare_by]").fill("2022-12-26")
    row.locator("form[action$='/preparation/'] button").click()
    row = page.get_by_test_id("checklist").locator("tbody tr", has_text=DAM_CHO_ROW)
    expect(row).to_contain_text("Chưa chuẩn bị")
    row.locator("summary").click()
    row.locator("[name=answer]").fill("Ranh giới khu Đầm Chợ lấn 2 m vào đường đi khu dân cư cũ.")
    row.locator("form[action$='/prepared/'] button").click()
    expect(
        page.get_by_test_id("checklist").locator("tbody tr", has_text=DAM_CHO_ROW)
    ).to_contain_text("✔ Phòng Tài nguyên và Môi trường huyện Kim Thành")

    step(page, "ready")
    expect_status(page, "Sẵn sàng")
    expect_counts(page, (5, 0, 0, 5, 0))

    # The day: held with 230 people.
    page.get_by_text("Tổ chức hội nghị", exact=True).click()
    page.locator("#id_held_at").fill("2022-12-28T08:00")
    page.locator("#id_attendance").fill("230")
    page.locator("#id_minutes").fill("Bí thư Huyện ủy chủ trì; nhân dân nêu ý kiến.")
    step(page, "hold")
    expect_status(page, "Đã tổ chức")

    # The secretary's "on the day" screen: one more opinion from the floor, then the outcomes.
    page.get_by_test_id("day-link").click()
    page.get_by_text("Thêm ý kiến phát biểu tại hội nghị").click()
    floor = page.get_by_test_id("floor-form")
    floor.locator("[name=text]").fill(FLOOR)
    floor.locator("[name=topic]").select_option(str(topics["infrastructure"].pk))
    floor.locator("[name=name]").fill("Ông Hải")
    floor.locator("[name=received_at]").fill("2022-12-28T10:00")
    floor.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/conferences/\d+/day/$"))
    expect_counts(page, (6, 0, 0, 6, 0))

    for number in range(2, 7):  # everything but the Đầm Chợ matter, answered at the conference
        answer_on_the_day(
            page,
            number,
            "Chủ tịch UBND huyện Kim Thành",
            "Đã trả lời trực tiếp tại hội nghị; giao thị trấn thực hiện trong quý I/2023.",
        )
    assert dam_cho.number == 1
    row = page.get_by_test_id("opinion-1")
    row.locator("input[type=radio][value='0']").check()
    row.locator("[name$=assignee]").select_option(str(land_office.pk))
    row.locator("[name$=deadline]").fill("2023-02-28")
    row.locator("[name$=expected_result]").fill("Phương án ranh giới được các bên thống nhất")
    row.locator("button[type=submit]").click()
    expect(row.get_by_test_id("outcome")).to_contain_text("Giao giải quyết sau")
    page.reload()
    # Its deadline, 28/02/2023, is past today: the deferred opinion shows as overdue.
    expect_counts(page, (6, 5, 0, 1, 1))
    page.screenshot(path=shots / "dialogue-story-day.png", full_page=True)

    # The chair's conclusion with two directives.
    page.goto(detail_url)
    expect_counts(page, (6, 5, 0, 1, 1))
    page.locator("a[href$='/conclude/']").click()
    form = page.get_by_test_id("conclude-form")
    form.locator("#id_number").fill("68-TB/HU")
    form.locator("#id_signed_on").fill("2022-12-30")
    form.locator("#id_text").fill("Ý kiến kết luận của đồng chí Bí thư Huyện ủy tại hội nghị.")
    form.locator("#id_published_at").fill("2023-01-04T09:00")
    directives = [
        (stories.DAM_CHO_DIRECTIVE, land_office, "2023-02-28", "Biên bản thống nhất ranh giới"),
        ("Cắm mốc ranh giới theo phương án đã thống nhất.", town, "2023-03-31", "Mốc được cắm"),
    ]
    for i, (text, agency, deadline, expected_result) in enumerate(directives):
        form.locator(f"[name=d-{i}-text]").fill(text)
        form.locator(f"[name=d-{i}-assignee]").select_option(str(agency.pk))
        form.locator(f"[name=d-{i}-deadline]").fill(deadline)
        form.locator(f"[name=d-{i}-expected_result]").fill(expected_result)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(detail_url)
    expect_status(page, "Đã kết luận")
    expect(page.get_by_test_id("directive-1")).to_contain_text(stories.DAM_CHO_DIRECTIVE)
    expect_counts(page, (6, 5, 0, 1, 1), (0, 0, 2, 2))

    # The directives carried out (today, after their 2023 deadlines: done late).
    for number, result in (
        (1, "Chủ đầu tư và các hộ đã thống nhất lùi ranh giới 2 m, trả lại đường đi."),
        (2, "Đã cắm 14 mốc giới; đường đi thông suốt."),
    ):
        directive = page.get_by_test_id(f"directive-{number}")
        directive.locator("summary").click()
        directive.locator("textarea[name=result]").fill(result)
        directive.locator("form[action$='/done/'] button").click()
        expect(page.get_by_test_id(f"directive-{number}")).to_contain_text("Đã hoàn thành")
    expect_counts(page, (6, 5, 0, 1, 1), (0, 2, 0, 0))

    # The residents' mass case answered: agreement reached (on the case page).
    page.goto(live_server.url + f"/cases/{mass.pk}/")
    expect(page.get_by_test_id("status")).to_have_text("Đã giao xử lý")
    act_on_case(
        page,
        "answer",
        answer="Đã đạt được sự đồng thuận: chủ đầu tư khu dân cư mới Đầm Chợ và các hộ thống nhất "
        "phương án ranh giới, trả lại đường đi.",
    )
    expect(page.get_by_test_id("status")).to_have_text("Đã trả lời, giải quyết")
    page.goto(detail_url)
    expect_counts(page, (6, 5, 1, 0, 0), (0, 2, 0, 0))

    # The chair verifies both results; verified directives still count by when they were done.
    for number in (1, 2):
        page.get_by_test_id(f"directive-{number}").locator(
            "form[action$='/verify/'] button"
        ).click()
        expect(page.get_by_test_id(f"directive-{number}")).to_contain_text("Đã kiểm tra xác nhận")
    expect_counts(page, (6, 5, 1, 0, 0), (0, 2, 0, 0))

    # The case closed, then the conference.
    page.goto(live_server.url + f"/cases/{mass.pk}/")
    act_on_case(page, "close", note="Các hộ đã thống nhất phương án ranh giới.")
    page.goto(detail_url)
    step(page, "close")
    expect_status(page, "Đã kết thúc")
    expect_counts(page, (6, 5, 1, 0, 0), (0, 2, 0, 0))

    conference.refresh_from_db()
    mass.refresh_from_db()
    assert conference.status == Status.CLOSED and mass.status == CaseStatus.CLOSED
    assert mass.petitions.count() == 8
    assert list(conference.opinions.values_list("outcome", flat=True)) == [
        Outcome.DEFERRED,
        *[Outcome.ANSWERED] * 5,
    ]
    assert set(conference.conclusion.directives.values_list("status", flat=True)) == {
        DirectiveStatus.VERIFIED
    }
    assert list(conference.events.filter(opinion=None).values_list("action", flat=True)) == [
        "planned",
        "announced",
        "collecting",
        "ready",
        "held",
        "concluded",
        "closed",
    ]

    # The same page on the secretary's phone: readable without sideways scrolling.
    log_in(phone_page, live_server, "bithu.kimthanh")
    phone_page.goto(detail_url)
    expect(phone_page.get_by_test_id("status")).to_have_text("Đã kết thúc")
    expect_counts(phone_page, (6, 5, 1, 0, 0), (0, 2, 0, 0))
    scroll_width, inner_width = phone_page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width, f"horizontal scroll: {scroll_width}px > {inner_width}px"
    phone_page.screenshot(path=shots / "dialogue-story-phone.png", full_page=True)
    page.screenshot(path=shots / "dialogue-story-closed.png", full_page=True)
