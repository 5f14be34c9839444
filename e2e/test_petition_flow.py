"""A clerk files a petition about Đầm Chợ, attaches it to the similar case the page offers, and a
leader, on a phone, accepts, assigns and answers it through the case page."""

import importlib
import re

import pytest
from django.apps import apps
from playwright.sync_api import expect

from e2e.conftest import screenshot_dir
from tests.cast import PASSWORD
from tests.petitions.helpers import intake
from townhall.petitions import services
from townhall.petitions.models import Case, Status

# What a second resident says about the same boundary, as a clerk types it (no diacritics on an
# old keyboard): the similar-cases panel must still find the first case.
SECOND_PETITION = (
    "De nghi giai quyet dut diem viec chong lan ranh gioi giua khu dan cu moi Dam Cho va duong "
    "di trong khu dan cu cu o thi tran Phu Thai, gay kho khan cho viec di lai cua cac ho."
)


@pytest.fixture
def reference_data(transactional_db):
    """Topics and deadline rules come from a data migration, which the flush after an earlier
    live-server test removes: seed them again (idempotent)."""
    migration = importlib.import_module("townhall.petitions.migrations.0002_seed_topics_and_rules")
    migration.seed(apps, None)


def log_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("home-title")).to_be_visible()


def act(page, name: str, **fields) -> None:
    """Open an action on the case page, fill it and send it."""
    action = page.get_by_test_id(f"action-{name}")
    action.locator("summary").click()
    for selector, value in fields.items():
        field = action.locator(f"[name={selector}]")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    action.get_by_test_id(f"do-{name}").click()
    expect(page.get_by_role("status").first).to_be_visible()


def test_a_clerk_attaches_a_petition_to_the_similar_case_and_a_leader_answers_it(
    page, phone_page, live_server, reference_data, cast
):
    existing = services.petition_receive(
        intake=intake(cast.kim_thanh_committee), actor=cast.kim_thanh_clerk
    ).case

    # The clerk registers the second resident's petition from the intake form.
    log_in(page, live_server, "clerk.kt")
    page.get_by_test_id("nav-intake").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tiếp nhận đơn")
    page.locator("#id_kind").select_option("complaint")
    page.locator("#id_channel").select_option("reception")
    page.locator("#id_received_date").fill("03/10/2022")
    page.locator("#id_received_time").fill("09:30")  # leaving the date refreshes the localities
    expect(page.locator("#unit-options option[value^='10750 ']")).to_have_count(1)
    page.locator("#id_unit").fill("10750 · Thị trấn Phú Thái")
    page.locator("#id_topic").select_option(label="Đất đai, giải phóng mặt bằng")
    page.locator("#id_text").fill(SECOND_PETITION[:-20])
    page.locator("#id_text").press_sequentially(SECOND_PETITION[-20:])

    offered = page.get_by_test_id(f"attach-{existing.reference}")
    expect(offered).to_be_visible()
    expect(page.get_by_test_id("similar-panel")).to_contain_text(existing.reference)
    offered.check()

    page.locator("#id_submitters-0-name").fill("Trần Thị Lan")
    page.locator("#id_submitters-0-phone").fill("0912 345 001")
    page.get_by_test_id("add-submitter").click()
    page.locator("#id_submitters-1-name").fill("Phạm Văn Minh")
    page.locator("#id_submitters-1-address").fill("Khu dân cư cũ, thị trấn Phú Thái")
    page.get_by_test_id("submit-intake").click()

    expect(page).to_have_url(re.compile(rf"/cases/{existing.pk}/$"))
    expect(page.get_by_test_id("tracking-code")).to_have_text(re.compile(r"^TH-\w{4}-\w{4}$"))
    expect(page.get_by_test_id("secret")).to_have_text(re.compile(r"^\d{6}$"))
    assert existing.petitions.count() == 2
    assert Case.objects.count() == 1

    # The district leader, on a phone, takes it to an answer.
    leader = phone_page
    log_in(leader, live_server, "leader.kt")
    leader.goto(live_server.url + f"/cases/{existing.pk}/")
    expect(leader.get_by_test_id("status")).to_have_text("Đã tiếp nhận")
    act(leader, "accept")
    expect(leader.get_by_test_id("status")).to_have_text("Đã thụ lý")
    act(
        leader,
        "assign",
        agency=str(cast.kim_thanh_committee.pk),
        handler=str(cast.kim_thanh_handler.pk),
    )
    expect(leader.get_by_test_id("status")).to_have_text("Đã giao xử lý")
    act(
        leader,
        "answer",
        answer="Đã đo đạc lại ranh giới khu dân cư mới Đầm Chợ, trả lại lối đi cho các hộ.",
        decision_reference="123/QĐ-UBND",
    )
    expect(leader.get_by_test_id("status")).to_have_text("Đã trả lời, giải quyết")
    expect(leader.get_by_test_id("timeline")).to_contain_text("Đã giao xử lý")
    existing.refresh_from_db()
    assert existing.status == Status.ANSWERED

    scroll_width, inner_width = leader.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width, f"horizontal scroll: {scroll_width}px > {inner_width}px"
    leader.screenshot(path=screenshot_dir() / "case-page-phone.png", full_page=True)

    # The clerk's page, reloaded, shows the answer too (desktop screenshot at teardown).
    page.reload()
    expect(page.get_by_test_id("status")).to_have_text("Đã trả lời, giải quyết")
