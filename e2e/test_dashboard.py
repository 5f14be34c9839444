"""A leader opens the statistics dashboard, filters to Chí Linh 2022 at the city level and sees
the seed article's 323 opinions and 310 answered at the conference; the charts are drawn in the
browser from the same figures, with the vendored Chart.js (no network)."""

import re

import pytest
from playwright.sync_api import expect

from townhall.demo import figures
from townhall.demo.people import demo_password


@pytest.fixture
def chi_linh_2022(demo):
    """Chí Linh city's 8 dialogues of 2022, built through the dialogues services (the rest of
    the demo's figures are not needed here)."""
    figures.build(parts=("chi_linh_city",))


def test_the_dashboard_filtered_to_chi_linh_2022_shows_323_and_310(
    page, live_server, chi_linh_2022
):
    page.goto(live_server.url + "/accounts/login/")
    page.locator("#id_username").fill("bithu.chilinh")
    page.locator("#id_password").fill(demo_password())
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("whoami")).to_have_text("Bí thư Thành ủy Chí Linh")

    page.goto(live_server.url + "/reports/")
    filters = page.get_by_test_id("filters")
    filters.locator("#id_unit").fill("290")
    filters.locator("#id_start").fill("2022-01-01")
    filters.locator("#id_end").fill("2022-12-31")
    filters.locator("#id_level").select_option("district")
    page.get_by_test_id("filter-submit").click()

    expect(page).to_have_url(re.compile(r"unit=290.*start=2022-01-01.*end=2022-12-31"))
    expect(page.get_by_test_id("scope")).to_contain_text("Thành phố Chí Linh")
    expect(page.get_by_test_id("dialogues-conferences").locator("strong")).to_have_text("8")
    expect(page.get_by_test_id("dialogues-opinions").locator("strong")).to_have_text("323")
    expect(page.get_by_test_id("dialogues-answered_at_conference").locator("strong")).to_have_text(
        "310"
    )
    expect(page.get_by_test_id("dialogues-answered_at_conference")).to_contain_text(
        "96,0%"
    )  # Vietnamese decimal comma
    expect(page.get_by_test_id("dialogues-290-own-answered_at_conference")).to_have_text("310")
    # The charts are drawn by reports.js with the vendored Chart.js.
    expect(page.locator('canvas[data-chart="chart-dialogues"]')).to_have_attribute(
        "data-drawn", "true"
    )

    # Every figure links to the records behind it.
    page.get_by_test_id("dialogues-answered_at_conference").click()
    expect(page.get_by_test_id("records-count")).to_contain_text("310")
    expect(page.get_by_test_id("records").locator("tbody tr")).to_have_count(50)
