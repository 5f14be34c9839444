"""The portal's public pages (issue #7): the conference calendar, published conclusions, the
reception schedule and public statistics. Each shows only what is published, never a person,
filters by unit and period, and answers bad filter input with a 400 that says what is wrong."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from django.utils.translation import gettext

from townhall.portal import selectors
from townhall.reception.models import Office
from townhall.reports import statistics

from .public import (
    CITIZEN,
    CITIZEN_ID,
    CITIZEN_PHONE,
    CONCLUSION_NUMBER,
    DIRECTIVE,
    HEAD_NAME,
    HELD_TITLE,
    PLANNED_TITLE,
    UPCOMING_TITLE,
    dialogues,
    petition_in_2022,
    schedules,
)

pytestmark = pytest.mark.django_db

CALENDAR = "/portal/calendar/"
CONCLUSIONS = "/portal/conclusions/"
RECEPTION = "/portal/reception/"
STATISTICS = "/portal/statistics/"
PERSONAL = (CITIZEN, CITIZEN_PHONE, CITIZEN_ID, "Cư dân số 3", "0912300003")


def page(client, url, params=None, *, status=200) -> str:
    response = client.get(url, params or {})
    assert response.status_code == status, response.content.decode()[:2000]
    return response.content.decode()


def count(html: str, testid: str) -> int:
    return html.count(f'data-testid="{testid}"')


def no_personal_data(html: str) -> None:
    for personal in PERSONAL:
        assert personal not in html, personal


def bad_filter(client, url, params, message: str) -> None:
    html = page(client, url, params, status=400)
    assert 'data-testid="filter-errors"' in html and 'role="alert"' in html
    # a msgid in the reader's language, or a value (a date, a code, a format) as it was typed
    assert message in html or gettext(message) in html, message


# --- the home page and the navigation -------------------------------------------------------
def test_the_four_pages_are_linked_from_the_home_page_and_the_nav(client):
    html = page(client, "/portal/")
    for name, url in (
        ("calendar", CALENDAR),
        ("conclusions", CONCLUSIONS),
        ("reception", RECEPTION),
        ("statistics", STATISTICS),
    ):
        assert f'href="{url}" data-testid="home-{name}"' in html
        assert f'href="{url}" data-testid="nav-{name}"' in html


def test_the_pages_have_no_inline_script_or_style(client, cast):
    dialogues(cast)
    for url in ("/portal/", CALENDAR, CONCLUSIONS, RECEPTION, STATISTICS, "/portal/send/"):
        html = page(client, url)
        assert "<script>" not in html and "style=" not in html, url
        assert not re.search(r"\son[a-z]+=", html), url
        assert "/static/portal/portal.js" in html


def test_the_pages_are_vietnamese_by_default_and_english_on_request(client):
    for url in (CALENDAR, CONCLUSIONS, RECEPTION, STATISTICS):
        html = page(client, url)
        assert '<html lang="vi">' in html and "tiếp xúc, đối thoại" in html
    client.cookies["django_language"] = "en"
    html = page(client, CALENDAR)
    assert '<html lang="en">' in html and "Dialogue calendar" in html


# --- the calendar ---------------------------------------------------------------------------
def test_the_calendar_lists_announced_conferences_not_planned_ones(client, cast):
    found = dialogues(cast)
    html = page(client, CALENDAR)
    assert HELD_TITLE in html and UPCOMING_TITLE in html
    assert PLANNED_TITLE not in html
    assert count(html, "conference") == 2
    assert "28/12/2022 08:00" in html  # when, as Vietnamese write it, Hanoi time
    assert "Hội trường UBND thị trấn Phú Thái" in html  # where
    assert "Huyện ủy Kim Thành" in html  # who hosts
    assert "Huyện Kim Thành" in html  # the locality
    assert found.held.topics.get().name in html
    assert CONCLUSION_NUMBER in html  # its conclusion is published
    no_personal_data(html)
    assert "bithu.kt" not in html  # no chair, no account


def test_the_calendar_filters_by_period_when_and_unit(client, cast):
    dialogues(cast)
    html = page(client, CALENDAR, {"start": "2022-12-01", "end": "2022-12-31"})
    assert HELD_TITLE in html and UPCOMING_TITLE not in html
    html = page(client, CALENDAR, {"start": "01/12/2022", "end": "31/12/2022"})  # dd/mm/yyyy
    assert HELD_TITLE in html and UPCOMING_TITLE not in html
    html = page(client, CALENDAR, {"when": "upcoming"})
    assert UPCOMING_TITLE in html and HELD_TITLE not in html
    html = page(client, CALENDAR, {"when": "past"})
    assert HELD_TITLE in html and UPCOMING_TITLE not in html
    # Today's Hải Phòng holds the Hải Dương merged into it; Hà Nội holds neither.
    assert count(page(client, CALENDAR, {"province": "31"}), "conference") == 2
    assert count(page(client, CALENDAR, {"province": "01"}), "conference") == 0


def test_the_calendar_is_paginated(client, cast, monkeypatch):
    dialogues(cast)
    monkeypatch.setattr("townhall.portal.views.PAGE_SIZE", 1)
    first = page(client, CALENDAR)
    assert count(first, "conference") == 1 and 'data-testid="page-next"' in first
    assert UPCOMING_TITLE in first  # newest first
    second = page(client, CALENDAR, {"page": "2"})
    assert HELD_TITLE in second and UPCOMING_TITLE not in second


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"province": "99999"}, "99999"),
        ({"start": "2022-13-45"}, "dd/mm/yyyy"),
        ({"start": "2022-12-31", "end": "2022-12-01"}, "01/12/2022"),  # ends before it starts
        ({"when": "tomorrow"}, "tomorrow"),
    ],
)
def test_bad_calendar_filters_are_a_400_with_a_message(client, params, message):
    bad_filter(client, CALENDAR, params, message)


# --- conclusions ----------------------------------------------------------------------------
def test_published_conclusions_are_shown_without_personal_data(client, cast):
    dialogues(cast)
    html = page(client, CONCLUSIONS)
    assert count(html, "conclusion") == 1
    assert CONCLUSION_NUMBER in html and "30/12/2022" in html
    assert "Bí thư Huyện ủy Kim Thành" in html  # signed under a title
    assert "đã được trả lời tại hội nghị" in html
    assert count(html, "directive") == 2 and DIRECTIVE in html
    assert "31/01/2023" in html and "Ủy ban nhân dân thị trấn Phú Thái" in html
    no_personal_data(html)  # the opinion's author and the hotspot case's residents


def test_a_conclusion_is_public_only_once_published(cast):
    found = dialogues(cast)
    published_at = found.conclusion.published_at
    before = selectors.published_conclusions(now=published_at - dt.timedelta(minutes=1))
    after = selectors.published_conclusions(now=published_at)
    assert list(before) == [] and list(after) == [found.conclusion]


def test_a_held_conference_without_its_notice_has_no_conclusion(client, cast):
    found = dialogues(cast)
    found.conclusion.directives.all().delete()
    found.conclusion.delete()
    html = page(client, CONCLUSIONS)
    assert count(html, "conclusion") == 0 and CONCLUSION_NUMBER not in html


def test_conclusions_filter_by_unit_and_period(client, cast):
    dialogues(cast)
    assert count(page(client, CONCLUSIONS, {"province": "31"}), "conclusion") == 1
    assert count(page(client, CONCLUSIONS, {"province": "01"}), "conclusion") == 0
    in_2022 = {"start": "2022-12-01", "end": "2022-12-31"}
    assert count(page(client, CONCLUSIONS, in_2022), "conclusion") == 1
    in_2023 = {"start": "2023-01-01", "end": "2023-12-31"}
    assert count(page(client, CONCLUSIONS, in_2023), "conclusion") == 0


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"province": "31", "commune": "ZZZ"}, "ZZZ"),
        ({"end": "31/02/2023"}, "dd/mm/yyyy"),
        ({"start": "2023-01-02", "end": "2023-01-01"}, "01/01/2023"),  # ends before it starts
    ],
)
def test_bad_conclusion_filters_are_a_400_with_a_message(client, params, message):
    bad_filter(client, CONCLUSIONS, params, message)


# --- the reception schedule -----------------------------------------------------------------
def test_published_schedules_in_force_are_shown_by_title_never_by_name(client, cast):
    found = schedules(cast)
    html = page(client, RECEPTION)
    assert count(html, "schedule") == 2
    assert "Trụ sở tiếp công dân huyện Kim Thành" in html
    assert "Chủ tịch UBND huyện Kim Thành" in html  # the head's title
    assert found.published.describe() in html
    assert str(Office.DISTRICT_PC_CHAIR.label) in html  # a head without a title: the office
    assert "Phòng họp chưa công bố" not in html  # not published
    assert "Phòng tiếp dân cũ đã thôi dùng" not in html  # no longer in force
    for name in (*HEAD_NAME, "Thị Kín", "leader.kt", "leader.cl"):
        assert name not in html, name


def test_the_schedule_of_an_agency_no_longer_active_is_not_shown(client, cast):
    schedules(cast)
    cast.chi_linh_committee.is_active = False
    cast.chi_linh_committee.save(update_fields=["is_active"])
    html = page(client, RECEPTION)
    assert count(html, "schedule") == 1 and "Trụ sở tiếp công dân Chí Linh" not in html


def test_schedules_filter_by_unit(client, cast):
    schedules(cast)
    assert count(page(client, RECEPTION, {"province": "31"}), "schedule") == 2
    assert count(page(client, RECEPTION, {"province": "01"}), "schedule") == 0


def test_a_schedule_lists_its_next_reception_days(client, cast):
    schedules(cast)
    html = page(client, RECEPTION)
    today = timezone.localdate()
    days = re.findall(r'<time datetime="(\d{4}-\d{2}-\d{2})">', html)
    assert days and all(dt.date.fromisoformat(d) >= today for d in days)


def test_a_bad_unit_code_on_the_reception_page_is_a_400(client):
    bad_filter(client, RECEPTION, {"province": "nowhere"}, "nowhere")


# --- statistics -----------------------------------------------------------------------------
def figure(html: str, label: str) -> tuple[str, str]:
    """This period's and the previous period's value of the row named `label`."""
    match = re.search(
        rf'<th scope="row">{re.escape(label)}</th>\s*<td class="num">([^<]*)</td>\s*'
        r'<td class="num">([^<]*)</td>',
        html,
    )
    assert match, label
    return match.group(1), match.group(2)


def test_without_a_place_the_statistics_page_asks_for_one(client):
    html = page(client, STATISTICS)
    assert 'data-testid="choose-unit"' in html and count(html, "figures") == 0


def test_statistics_are_the_public_api_s_figures(client, cast):
    dialogues(cast)
    petition_in_2022(cast)
    client.cookies["django_language"] = "en"
    html = page(client, STATISTICS, {"province": "30", "year": "2022", "period": "year"})
    scope = statistics.scope_build(code="30", start=dt.date(2022, 1, 1), end=dt.date(2022, 12, 31))
    expected = statistics.with_previous("dialogues", scope)
    assert expected["conferences"] == 1
    assert figure(html, "Dialogue conferences held") == ("1", "0")
    assert figure(html, "Opinions on their agendas") == (str(expected["opinions"]), "0")
    petitions = statistics.with_previous("petitions", scope)
    assert figure(html, "Petitions received") == (str(petitions["petitions"]), "0")
    assert count(html, "figures") == 3
    assert "Hải Dương, from 01/01/2022 to 31/12/2022" in html
    # By place: the province's own level, then its districts; Kim Thành held the dialogue.
    kim_thanh = re.search(r"Huyện Kim Thành</th>\s*<td[^>]*>(\d+)</td>", html)
    assert kim_thanh and kim_thanh.group(1) == "1"
    no_personal_data(html)


def test_statistics_for_a_quarter_a_month_and_two_dates(client, cast):
    dialogues(cast)
    client.cookies["django_language"] = "en"
    whole = page(client, STATISTICS, {"province": "30", "year": "2022"})  # the year by default
    assert "from 01/01/2022 to 31/12/2022" in whole
    q1 = page(client, STATISTICS, {"province": "30", "year": "2022", "period": "q1"})
    assert "from 01/01/2022 to 31/03/2022" in q1
    assert figure(q1, "Dialogue conferences held")[0] == "0"
    december = {"province": "30", "year": "2022", "period": "month", "month": "12"}
    html = page(client, STATISTICS, december)
    assert figure(html, "Dialogue conferences held")[0] == "1"
    dates = {"province": "30", "district": "293", "start": "2022-12-28", "end": "2022-12-28"}
    html = page(client, STATISTICS, dates)
    assert "Huyện Kim Thành, from 28/12/2022 to 28/12/2022" in html
    assert figure(html, "Dialogue conferences held")[0] == "1"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"province": "99999", "year": "2022"}, "99999"),
        ({"province": "30", "year": "twenty"}, "2022"),
        ({"province": "30", "start": "2022-02-30", "end": "2022-03-01"}, "dd/mm/yyyy"),
        ({"province": "30", "start": "2022-12-31", "end": "2022-01-01"}, "01/01/2022"),
        ({"province": "30", "start": "2022-12-31"}, "Give both dates, or neither."),
        # Hải Dương was merged into Hải Phòng on 1 July 2025: no such unit in 2026.
        ({"province": "30", "year": "2026"}, "30"),
    ],
)
def test_bad_statistics_filters_are_a_400_with_a_message(client, params, message):
    bad_filter(client, STATISTICS, params, message)


def test_the_place_selects_list_the_units_of_the_period_s_era(client):
    html = page(client, "/portal/units/", {"parent": "30", "optional": "1", "on": "2022-01-01"})
    assert "Huyện Kim Thành" in html and "on=2022-01-01" in html
    today = page(client, "/portal/units/", {"parent": "30", "optional": "1"})
    assert "Huyện Kim Thành" not in today  # no Hải Dương today


def test_statistics_for_a_year_across_the_2025_reform(client, cast):
    """Hải Phòng in 2025: three-level until 30 June, two-level (with Hải Dương) after."""
    petition_in_2022(cast)
    html = page(client, STATISTICS, {"province": "31", "year": "2025"})
    assert count(html, "figures") == 3
    scope = statistics.scope_build(code="31", start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    expected = statistics.with_previous("petitions", scope)
    client.cookies["django_language"] = "en"
    html = page(client, STATISTICS, {"province": "31", "year": "2025"})
    assert figure(html, "Petitions received")[0] == str(expected["petitions"])
