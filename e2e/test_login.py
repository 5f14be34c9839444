"""Logging in through the real form, the language switch, and the login page on a phone."""

import re

from playwright.sync_api import expect

from e2e.conftest import TWO_FACTOR_FORM, log_in, totp_code
from townhall.accounts.models import TOTPDevice
from townhall.demo.people import demo_password


def test_a_leader_logs_in_switches_language_and_sees_the_home_page(page, live_server, demo):
    page.remove_locator_handler(page.locator(TWO_FACTOR_FORM))  # this test enrols by hand
    page.goto(live_server.url + "/")

    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng nhập")

    page.locator("#id_username").fill("bithu.kimthanh")
    page.locator("#id_password").fill(demo_password())
    page.locator("main form button[type=submit]").click()

    # First login of a leader: enrol an authenticator app (QR code, or the key by hand).
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/\?next=%2F$"))
    expect(page.get_by_test_id("totp-qr")).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    assert secret == TOTPDevice.objects.get(user__username="bithu.kimthanh").secret
    # Staff pages stay closed until the code is entered.
    page.goto(live_server.url + "/cases/")
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/\?next=%2Fcases%2F$"))
    page.get_by_test_id("totp-code").fill("12345x")
    page.get_by_test_id("totp-submit").click()
    expect(page.locator("#code-errors")).to_be_visible()
    page.get_by_test_id("totp-code").fill(totp_code("bithu.kimthanh"))
    page.get_by_test_id("totp-submit").click()
    expect(page).to_have_url(live_server.url + "/cases/")
    page.goto(live_server.url + "/")
    expect(page.get_by_test_id("home-title")).to_have_text("Bàn làm việc của lãnh đạo")
    expect(page.get_by_test_id("whoami")).to_have_text("Bí thư Huyện ủy Kim Thành")

    page.get_by_test_id("lang-en").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("home-title")).to_have_text("Leader's desk")
    expect(page.get_by_test_id("lang-en")).to_have_attribute("aria-current", "true")

    page.get_by_test_id("lang-vi").click()
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_test_id("home-title")).to_have_text("Bàn làm việc của lãnh đạo")


def test_the_login_page_works_on_a_phone(phone_page, live_server):
    page = phone_page
    page.goto(live_server.url + "/accounts/login/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng nhập")
    for field in ("#id_username", "#id_password", "main form button[type=submit]"):
        expect(page.locator(field)).to_be_visible()
        expect(page.locator(field)).to_be_in_viewport()
    scroll_width, inner_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width, f"horizontal scroll: {scroll_width}px > {inner_width}px"


def test_an_enrolled_leader_enters_the_code_and_a_clerk_is_not_asked(page, live_server, demo):
    log_in(page, live_server, "bithu.chilinh", demo_password())  # enrols (conftest helper)
    expect(page.get_by_test_id("home-title")).to_have_text("Bàn làm việc của lãnh đạo")
    page.get_by_role("button", name="Đăng xuất").click()

    log_in(page, live_server, "bithu.chilinh", demo_password())  # verifies with a new code
    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_test_id("whoami")).to_have_text("Bí thư Thành ủy Chí Linh")
    page.get_by_role("button", name="Đăng xuất").click()

    log_in(page, live_server, "vanthu.kimthanh", demo_password())
    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_test_id("home-title")).to_have_text("Bàn tiếp nhận")
    assert not TOTPDevice.objects.filter(user__username="vanthu.kimthanh").exists()
