"""The portal's shell: pages open without login, Vietnamese by default, English on request."""

import datetime as dt

import pytest
from django.test import RequestFactory, override_settings

from townhall.portal import ratelimit
from townhall.portal.selectors import normalize_code, place_from

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/portal/", "/portal/send/", "/portal/track/", "/portal/answers/"])
def test_every_page_opens_without_login_in_vietnamese(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi">' in html
    assert 'href="#main"' in html  # the skip link
    assert 'aria-current="page"' in html or url == "/portal/"


def test_english_is_available(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/portal/"})
    html = client.get("/portal/send/").content.decode()
    assert '<html lang="en">' in html
    assert "What are you sending?" in html


def test_the_wrong_method_is_refused(client):
    assert client.put("/portal/send/").status_code == 405
    assert client.get("/portal/track/forget/").status_code == 405
    assert client.post("/portal/answers/").status_code == 405


def test_a_district_is_asked_for_in_the_three_level_era():
    day = dt.date(2022, 10, 3)
    place = place_from(day, "30", "293", "10750")  # Hải Dương › Kim Thành › Phú Thái
    assert place.needs_district
    assert (place.province.code, place.district.code, place.commune.code) == ("30", "293", "10750")
    assert place_from(day, "30", "290", "10750").commune is None  # not in Chí Linh
    assert not place_from(dt.date(2025, 7, 1), "31").needs_district


def test_tracking_codes_are_read_forgivingly():
    assert normalize_code(" th-abcd-efgh ") == "TH-ABCD-EFGH"
    assert normalize_code("ABCDEFGH") == "TH-ABCD-EFGH"
    assert normalize_code("TH-ABC") == ""


def request_from(address: str, forwarded: str = ""):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return RequestFactory().get("/", REMOTE_ADDR=address, **extra)


def test_an_ipv6_client_is_counted_by_its_64_network():
    one = ratelimit.client_key(request_from("2001:db8:1:2::10"))
    other = ratelimit.client_key(request_from("2001:db8:1:2:ffff::1"))
    assert one == other == "2001:db8:1:2::/64"
    assert ratelimit.client_key(request_from("::ffff:192.0.2.1")) == "192.0.2.1"
    assert ratelimit.client_key(request_from("not an address")) == "unknown"


def test_x_forwarded_for_is_believed_only_behind_a_proxy():
    request = request_from("10.0.0.1", forwarded="6.6.6.6, 203.0.113.5")
    assert ratelimit.client_key(request) == "10.0.0.1"
    with override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")):
        assert ratelimit.client_key(request) == "203.0.113.5"


def test_limits_can_be_changed_in_settings():
    with override_settings(PORTAL_RATE_LIMITS={"track": (1, 60)}):
        assert ratelimit.hit(ratelimit.TRACK, "k") is None
        assert 0 < ratelimit.hit(ratelimit.TRACK, "k") <= 60
