"""Logging in through the real form, the language switch, and the login page on a phone."""

import re

from playwright.sync_api import expect

from townhall.demo.people import demo_password


def test_a_leader_logs_in_switches_language_and_sees_the_home_page(page, live_server, demo):
    page.goto(live_server.url + "/")

    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng nhập")

    page.locator("#id_username").fill("bithu.kimthanh")
    page.locator("#id_password").fill(demo_password())
    page.locator("main form button[type=submit]").click()

    expect(page).to_have_url(live_server.url + "/")
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
