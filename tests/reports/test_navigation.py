"""The way in to the reports, the lineage rows' links, and where the frequency rules come from."""

import re

import pytest
from django.urls import reverse

from .test_lineage import world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def test_the_staff_nav_leads_to_the_reports(client, cast):
    client.force_login(cast.kim_thanh_clerk)
    html = client.get(reverse("home"), follow=True).content.decode()
    link = re.search(r'<a href="([^"]+)" data-testid="nav-reports">', html)
    assert link and link.group(1) == reverse("reports:dashboard")
    client.logout()
    html = client.get(reverse("home"), follow=True).content.decode()
    assert 'data-testid="nav-reports"' not in html


def test_the_inspection_page_says_where_the_frequencies_come_from(client, cast):
    client.force_login(cast.province_inspector)
    html = client.get(reverse("reports:compliance"), {"unit": "293", "year": 2022}).content
    assert b'data-testid="rules-source"' in html and "03-QC/TU" in html.decode()


def test_a_predecessor_row_links_to_the_records_it_counts(client, cast, world):  # noqa: F811
    client.force_login(cast.administrator)
    html = client.get(
        reverse("reports:dashboard"), {"unit": "31", "start": "2025-01-01", "end": "2025-12-31"}
    ).content.decode()
    # Hải Dương (30, three-level) counts one case, A, received in March 2025.
    cell = re.search(r'<a href="([^"]+)"[^>]*data-testid="petitions-30-cases"', html)
    assert cell, "no row for the predecessor Hải Dương"
    url = cell.group(1).replace("&amp;", "&")
    assert "end=2025-06-30" in url
    records = client.get(url).content.decode()
    assert "1 record" in records or "1 bản ghi" in records
