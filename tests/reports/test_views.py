"""The report pages: login, jurisdiction, the figures and the records behind them, charts
from json_script (no inline script), the inspection, hotspots and report documents."""

import json
import re

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from .helpers import world_build

pytestmark = pytest.mark.django_db

FILTER = {"unit": "293", "start": "2022-01-01", "end": "2022-12-31"}
PAGES = ("dashboard", "records", "compliance", "hotspots", "documents")


def login(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", PAGES)
def test_every_page_needs_a_login(client, name):
    response = client.get(reverse(f"reports:{name}"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_dashboard_shows_the_figures_each_linking_to_its_records(client, cast):
    world_build(cast)
    login(client, cast.province_inspector)
    response = client.get(reverse("reports:dashboard"), FILTER)
    assert response.status_code == 200
    html = response.content.decode()

    def card(metric):
        found = re.search(rf'data-testid="dialogues-{metric}"><article><strong>(\d+)', html)
        return int(found.group(1))

    assert (card("conferences"), card("opinions"), card("answered_at_conference")) == (2, 7, 5)
    link = re.search(r'href="([^"]+)" data-testid="dialogues-answered_at_conference"', html)
    records = client.get(link.group(1).replace("&amp;", "&"))
    assert records.status_code == 200
    assert 'data-testid="records-count">5 ' in records.content.decode()
    assert records.content.decode().count("/cases/") >= 5


def test_the_charts_read_the_same_figures_from_json_script_and_no_inline_script(client, cast):
    world_build(cast)
    login(client, cast.province_inspector)
    html = client.get(reverse("reports:dashboard"), FILTER).content.decode()
    data = re.search(r'<script id="chart-dialogues" type="application/json">(.*?)</script>', html)
    chart = json.loads(data.group(1))
    assert chart["labels"][0].startswith("Huyện Kim Thành")
    assert [s["data"][0] for s in chart["series"]] == [3, 1, 1]  # A: answered, later, pending
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert "vendor/chartjs-4.5.1/chart.umd.js" in html and "reports.js" in html


def test_a_unit_outside_the_jurisdiction_is_refused_beside_the_field(client, cast):
    world_build(cast)
    login(client, cast.chi_linh_leader)
    response = client.get(reverse("reports:dashboard"), FILTER)
    assert response.status_code == 200
    refusal = _("%(name)s (%(code)s) is outside your jurisdiction") % {
        "name": "Huyện Kim Thành",
        "code": "293",
    }
    assert refusal in response.content.decode()
    assert 'data-testid="section-dialogues"' not in response.content.decode()
    records = client.get(
        reverse("reports:records"), {**FILTER, "kind": "dialogues", "metric": "opinions"}
    )
    assert records.status_code == 400


def test_bad_periods_and_levels_are_shown_beside_their_fields(client, cast):
    login(client, cast.province_inspector)
    html = client.get(
        reverse("reports:dashboard"), {**FILTER, "start": "2022-12-31", "end": "2022-01-01"}
    ).content.decode()
    assert "01/01/2022" in html  # "the period ends on 01/01/2022, before it starts on …"
    html = client.get(
        reverse("reports:dashboard"),
        {"unit": "30", "start": "2026-01-01", "end": "2026-02-01", "level": "district"},
    ).content.decode()
    assert "01/07/2025" in html  # from that day local government has two levels


def test_the_dashboard_opens_on_the_user_s_own_unit(client, cast):
    login(client, cast.kim_thanh_leader)
    response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 200
    assert 'value="293"' in response.content.decode()


def test_an_unknown_figure_has_no_records(client, cast):
    login(client, cast.province_inspector)
    response = client.get(
        reverse("reports:records"), {**FILTER, "kind": "dialogues", "metric": "x"}
    )
    assert response.status_code == 404


def test_the_inspection_page_shows_the_shortfall(client, cast):
    world_build(cast)
    login(client, cast.province_inspector)
    html = client.get(reverse("reports:compliance"), {"unit": "293", "year": 2022}).content.decode()
    assert 'data-testid="shortfall-293">1<' in html
    assert "Quá hạn" in html  # the overdue directive, by agency


def test_the_hotspots_page_ranks_and_suggests_venues(client, cast):
    world_build(cast)
    login(client, cast.province_inspector)
    html = client.get(reverse("reports:hotspots"), {"unit": "293"}).content.decode()
    assert 'data-testid="hotspot-10753"' in html
    assert _("No dialogue has been held here") in html


def test_a_report_document_from_the_page(client, cast):
    world_build(cast)
    login(client, cast.province_inspector)
    response = client.post(
        reverse("reports:documents"), {"unit": "293", "period": "q1", "year": 2022}
    )
    assert response.status_code == 302
    job_page = client.get(response["Location"])
    assert 'data-testid="download-docx"' in job_page.content.decode()
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true")
    assert partial.content.decode().startswith('<div id="job"')
    docx = re.search(r'href="([^"]+)" data-testid="download-docx"', job_page.content.decode())
    download = client.get(docx.group(1))
    assert download.status_code == 200 and download.content[:2] == b"PK"
    listing = client.get(reverse("reports:documents")).content.decode()
    assert "Huyện Kim Thành" in listing
    refused = client.post(
        reverse("reports:documents"), {"unit": "293", "period": "month", "year": 2022}
    )
    assert refused.status_code == 400
    assert _("A monthly report needs its month") in refused.content.decode()


def test_another_jurisdiction_s_report_is_not_found(client, cast):
    world_build(cast)
    login(client, cast.province_inspector)
    location = client.post(
        reverse("reports:documents"), {"unit": "293", "period": "year", "year": 2022}
    )["Location"]
    client.logout()
    login(client, cast.chi_linh_leader)
    assert client.get(location).status_code == 404
