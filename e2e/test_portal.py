"""A citizen, on a phone, sends an opinion from the portal, gets a tracking code and a secret,
and — once staff have answered it — reads the answer and rates it."""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from e2e.conftest import screenshot_dir
from townhall.accounts.models import User
from townhall.petitions import services
from townhall.petitions.models import Case, Status
from townhall.portal.models import Rating
from townhall.units.models import Agency, AgencyKind, Era, Unit

OPINION = (
    "Đề nghị sửa đường liên thôn qua xã Phú Thái: mặt đường hư hỏng nặng sau mưa lũ, "
    "học sinh đi học rất nguy hiểm."
)
ANSWER = "Ủy ban đã đưa tuyến đường vào kế hoạch sửa chữa, thi công trong quý I năm sau."


@pytest.fixture
def hai_phong(demo):
    """The demo is Hải Dương before 2025; today the place is Xã Phú Thái, Thành phố Hải Phòng,
    whose People's Committee the demo lacks."""
    cache.clear()  # the portal's rate limits live there
    unit = Unit.objects.get(era=Era.TWO_LEVEL, code="31")
    yield Agency.objects.create(
        unit=unit, kind=AgencyKind.PEOPLES_COMMITTEE, name="Ủy ban nhân dân thành phố Hải Phòng"
    )
    cache.clear()


def no_horizontal_scroll(page) -> None:
    scroll_width, inner_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width, f"horizontal scroll: {scroll_width}px > {inner_width}px"


def test_a_citizen_sends_an_opinion_tracks_the_answer_and_rates_it(
    phone_page, live_server, hai_phong
):
    page = phone_page
    page.goto(live_server.url + "/portal/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    page.get_by_test_id("home-send").click()

    # 1. What: an opinion (recommendation).
    page.get_by_test_id("kind-recommendation").check()
    # 2. Where: province → commune, both valid today (the communes come in by htmx).
    page.get_by_test_id("province").select_option("31")
    expect(page.locator("#id_commune option[value='10750']")).to_have_count(1)
    page.get_by_test_id("commune").select_option("10750")
    page.locator("#id_topic").select_option("infrastructure")
    # 3. What it says; 4. who says it.
    page.locator("#id_text").fill(OPINION)
    page.locator("#id_name").fill("Trần Văn Bình")
    page.locator("#id_phone").fill("0912 345 678")
    page.locator("#id_address").fill("Thôn Đông, xã Phú Thái")
    # 5. The sum, read as a person reads it.
    question = page.locator("label[for=id_challenge_answer]").inner_text()
    a, b = map(int, re.search(r"(\d+)\s*\+\s*(\d+)", question).groups())
    page.get_by_test_id("challenge-answer").fill(str(a + b))
    no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir() / "portal-send-phone.png", full_page=True)
    page.get_by_test_id("send").click()

    code_shown = page.get_by_test_id("tracking-code")
    expect(code_shown).to_have_text(re.compile(r"^TH-\w{4}-\w{4}$"))
    expect(page.get_by_test_id("secret")).to_have_text(re.compile(r"^\d{6}$"))
    code, secret = code_shown.inner_text(), page.get_by_test_id("secret").inner_text()
    expect(page.locator("#sent-title")).to_be_focused()  # static/portal/portal.js
    no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir() / "portal-receipt-phone.png", full_page=True)

    case = Case.objects.get()
    assert case.receiving_agency == hai_phong
    assert case.petitions.get().tracking_code == code

    # Staff accept and answer it, publishing the answer.
    leader = User.objects.get(username="bithu.kimthanh")
    case = services.case_accept(case=case, actor=leader)
    services.case_answer(case=case, actor=leader, answer=ANSWER, publish=True)

    # The citizen comes back with the code and the secret.
    page.get_by_test_id("go-track").click()
    expect(page.locator("#id_code")).to_have_value(code)
    page.locator("#id_key").fill(secret)
    page.get_by_test_id("track").click()
    expect(page.get_by_test_id("status")).to_have_text(str(Status.ANSWERED.label))
    expect(page.get_by_test_id("answer")).to_contain_text(ANSWER)
    expect(page.get_by_test_id("timeline")).to_be_visible()

    page.get_by_test_id("stars-4").check()
    page.get_by_test_id("settled-yes").check()
    page.locator("#id_comment").fill("Cảm ơn Ủy ban đã trả lời nhanh.")
    no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir() / "portal-rate-phone.png", full_page=True)
    page.get_by_test_id("rate").click()
    expect(page.get_by_test_id("rated")).to_be_visible()
    rating = Rating.objects.get()
    assert (rating.stars, rating.settled, rating.reopened) == (4, True, False)
    no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir() / "portal-track-phone.png", full_page=True)

    # The published answer is on the public list, without the citizen's name.
    page.get_by_test_id("nav-answers").click()
    expect(page.get_by_test_id("public-answer")).to_contain_text(ANSWER)
    expect(page.locator("main")).not_to_contain_text("Trần Văn Bình")
    no_horizontal_scroll(page)


def test_the_calendar_and_the_statistics_work_on_a_phone(phone_page, live_server, cast):
    """The public pages of issue #7 on a phone: the calendar lists the announced dialogues; the
    statistics page lists the units of the chosen year's era and draws its chart."""
    from tests.portal.public import HELD_TITLE, UPCOMING_TITLE, dialogues

    dialogues(cast)
    page = phone_page
    page.goto(live_server.url + "/portal/")
    page.get_by_test_id("home-calendar").click()
    expect(page.get_by_test_id("conference")).to_have_count(2)
    expect(page.locator("main")).to_contain_text(UPCOMING_TITLE)
    expect(page.locator("main")).to_contain_text(HELD_TITLE)
    no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir() / "portal-calendar-phone.png", full_page=True)

    page.get_by_test_id("nav-statistics").click()
    page.locator("#id_year").fill("2022")
    page.get_by_test_id("filter").click()  # the selects now list 2022's units
    page.get_by_test_id("province").select_option("30")  # Hải Dương, gone since 2025
    expect(page.locator("#id_district option[value='293']")).to_have_count(1)
    page.get_by_test_id("district").select_option("293")
    page.get_by_test_id("filter").click()
    expect(page.get_by_test_id("statistics-title")).to_contain_text("Huyện Kim Thành")
    expect(page.get_by_test_id("figures")).to_have_count(3)
    expect(page.get_by_test_id("chart")).to_be_visible()
    no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir() / "portal-statistics-phone.png", full_page=True)
