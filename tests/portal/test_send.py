"""Sending a petition from the portal: /portal/send/."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from townhall.core import crypto
from townhall.petitions.codes import secret_matches
from townhall.petitions.models import Attachment, Case, Channel, Petition, Submitter
from townhall.portal import challenge

from .conftest import PHU_THAI, send_data, two_level

URL = "/portal/send/"
pytestmark = pytest.mark.django_db


def vi(message: str) -> str:
    """A message as the portal shows it by default (Vietnamese where translated)."""
    with translation.override("vi"):
        return translation.gettext(message)


def counts() -> tuple[int, int, int]:
    return Case.objects.count(), Petition.objects.count(), Submitter.objects.count()


def test_the_form_offers_the_provinces_of_today(client):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="31">Thành phố Hải Phòng' in html
    assert "Tỉnh Hải Dương" not in html  # merged into Hải Phòng on 1 July 2025
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="website"' in html and 'name="challenge"' in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_communes_of_a_province_are_loaded_from_the_units_endpoint(client):
    for query in ("?parent=31", "?province=31"):
        html = client.get("/portal/units/" + query).content.decode()
        assert f'value="{PHU_THAI}">Xã Phú Thái' in html
        assert 'name="commune"' in html
        assert 'name="district"' not in html  # two levels today


def test_the_units_endpoint_without_a_province_offers_nothing_to_choose(client):
    html = client.get("/portal/units/?province=").content.decode()
    assert 'name="commune"' in html and "disabled" in html


def test_a_recommendation_is_received_with_a_tracking_code_and_a_secret(
    client, hai_phong_committee
):
    response = client.post(URL, send_data())
    assert response.status_code == 201
    html = response.content.decode()
    code = re.search(r'data-testid="tracking-code">(TH-\w{4}-\w{4})<', html).group(1)
    secret = re.search(r'data-testid="secret">(\d{6})<', html).group(1)
    assert Case.objects.count() == 1
    petition = Petition.objects.get(tracking_code=code)
    assert secret_matches(secret, petition.secret_hash)
    assert not secret_matches(f"{(int(secret) + 1) % 1000000:06d}", petition.secret_hash)
    assert petition.channel == Channel.PORTAL
    assert petition.kind == "recommendation"
    assert petition.created_by is None
    assert petition.unit == two_level(PHU_THAI)
    assert petition.receiving_agency == hai_phong_committee
    person = petition.submitters.get()
    assert person.name == "Nguyễn Văn An"
    assert person.phone_key == crypto.blind_index("0912345678")
    assert "no-store" in response["Cache-Control"]
    assert "Nguyễn Văn An" not in html


def test_a_bad_phone_keeps_what_was_typed_and_writes_nothing(client, hai_phong_committee):
    data = send_data(phone="09123")
    response = client.post(URL, data)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-testid="error-phone"' in html
    assert vi("A phone number has 10 digits starting with 0 (or +84 and 9 digits)") in html
    assert 'value="09123"' in html
    assert data["text"] in html
    assert 'value="Nguyễn Văn An"' in html
    assert f'value="{PHU_THAI}" selected' in html
    assert re.search(r'value="recommendation"[^>]*checked', html)
    # The sum was solved: the same one is asked again, already answered.
    assert f'value="{data["challenge"]}"' in html
    assert f'value="{data["challenge_answer"]}"' in html
    assert counts() == (0, 0, 0)
    # ... and the corrected form goes through with it.
    assert client.post(URL, {**data, "phone": "0912 345 678"}).status_code == 201


def test_a_missing_name_is_shown_beside_the_field(client, hai_phong_committee):
    response = client.post(URL, send_data(name=""))
    assert response.status_code == 422
    assert 'data-testid="error-name"' in response.content.decode()
    assert counts() == (0, 0, 0)


def test_a_wrong_answer_to_the_sum_is_refused_and_a_new_sum_asked(client, hai_phong_committee):
    data = send_data()
    data["challenge_answer"] = str(int(data["challenge_answer"]) + 1)
    response = client.post(URL, data)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-testid="error-challenge_answer"' in html
    assert f'value="{data["challenge"]}"' not in html
    assert data["text"] in html
    assert counts() == (0, 0, 0)


def test_a_forged_or_missing_challenge_is_refused(client, hai_phong_committee):
    assert client.post(URL, send_data(challenge="forged:token")).status_code == 422
    assert client.post(URL, send_data(challenge="")).status_code == 422
    assert counts() == (0, 0, 0)


def test_one_solved_sum_sends_one_petition_only(client, hai_phong_committee):
    data = send_data()
    assert client.post(URL, data).status_code == 201
    again = client.post(URL, data)
    assert again.status_code == 422
    assert 'data-testid="error-challenge_answer"' in again.content.decode()
    assert Case.objects.count() == 1


def test_an_expired_challenge_is_refused(client, hai_phong_committee, monkeypatch):
    data = send_data()
    monkeypatch.setattr(challenge, "MAX_AGE", -1)
    assert client.post(URL, data).status_code == 422
    assert counts() == (0, 0, 0)


def test_a_filled_honeypot_is_refused_and_nothing_written(client, hai_phong_committee):
    response = client.post(URL, send_data(website="http://spam.example"))
    assert response.status_code == 400
    assert 'data-testid="rejected"' in response.content.decode()
    assert counts() == (0, 0, 0)


def test_the_sixth_petition_from_one_address_in_ten_minutes_must_wait(client, hai_phong_committee):
    for _ in range(5):
        assert client.post(URL, send_data()).status_code == 201
    response = client.post(URL, send_data())
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 600
    assert 'data-testid="too-many"' in response.content.decode()
    assert Case.objects.count() == 5
    # Another address is not held up.
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert other.post(URL, send_data()).status_code == 201


def test_mistakes_do_not_use_up_the_petition_limit(client, hai_phong_committee):
    for _ in range(6):
        assert client.post(URL, send_data(phone="12")).status_code == 422
    assert client.post(URL, send_data()).status_code == 201


def test_a_flood_of_posts_is_held_off_even_when_nothing_is_received(client, hai_phong_committee):
    statuses = [client.post(URL, send_data(website="x")).status_code for _ in range(31)]
    assert statuses[:30] == [400] * 30
    assert statuses[30] == 429


def test_a_commune_that_is_not_in_the_province_is_refused(client, hai_phong_committee):
    response = client.post(URL, send_data(province="01"))  # Hà Nội
    assert response.status_code == 422
    assert 'data-testid="error-commune"' in response.content.decode()
    assert counts() == (0, 0, 0)


def test_a_commune_of_a_past_era_is_refused(client, hai_phong_committee):
    response = client.post(URL, send_data(province="30", commune=PHU_THAI))  # Hải Dương, 2022
    assert response.status_code == 422
    assert 'data-testid="error-province"' in response.content.decode()
    assert counts() == (0, 0, 0)


def test_a_place_no_authority_receives_for_gets_a_clear_error(client):
    response = client.post(URL, send_data())
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-testid="error-commune"' in html
    assert vi("No authority for this place receives petitions online yet") in html
    assert counts() == (0, 0, 0)


def test_a_file_that_is_not_a_pdf_or_an_image_is_refused_beside_the_field(
    client, hai_phong_committee
):
    fake = SimpleUploadedFile("don.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(URL, {**send_data(), "attachments": [fake]})
    assert response.status_code == 422
    assert 'data-testid="error-attachments"' in response.content.decode()
    assert counts() == (0, 0, 0)


def test_a_pdf_is_attached(client, hai_phong_committee, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    pdf = SimpleUploadedFile("anh.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    assert client.post(URL, {**send_data(), "attachments": [pdf]}).status_code == 201
    assert Attachment.objects.get().content_type == "application/pdf"


def test_more_than_five_files_are_refused(client, hai_phong_committee):
    files = [SimpleUploadedFile(f"{i}.png", b"\x89PNG\r\n\x1a\n") for i in range(6)]
    response = client.post(URL, {**send_data(), "attachments": files})
    assert response.status_code == 422
    assert counts() == (0, 0, 0)


def test_the_form_needs_its_csrf_token(hai_phong_committee):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(URL, send_data()).status_code == 403
    assert counts() == (0, 0, 0)


def test_without_script_the_communes_are_shown_by_sending_the_province(client):
    response = client.post(URL, {"refresh": "1", "province": "31", "text": "Chưa xong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="{PHU_THAI}">Xã Phú Thái' in html
    assert "Chưa xong" in html
    assert 'data-testid="form-errors"' not in html
    assert counts() == (0, 0, 0)


def test_a_denunciation_is_told_how_the_denouncer_is_protected(client, hai_phong_committee):
    form = client.get(URL).content.decode()
    assert 'data-testid="denunciation-protection"' in form
    assert "56" in form
    response = client.post(URL, send_data(kind="denunciation"))
    assert response.status_code == 201
    assert "56" in response.content.decode()


def test_the_error_summary_links_to_each_field_in_error(client, hai_phong_committee):
    response = client.post(URL, send_data(kind="", topic="", phone="1"))
    assert response.status_code == 422
    html = response.content.decode()
    start = html.index('data-testid="form-errors"')
    summary = html[start : html.index("</div>", start)]
    assert 'href="#id_kind_0"' in summary and 'href="#id_topic"' in summary
    assert 'id="id_kind_0"' in html and 'id="id_topic"' in html


def test_the_receipt_page_offers_no_language_switch_that_would_lose_the_codes(
    client, hai_phong_committee
):
    html = client.post(URL, send_data()).content.decode()
    assert 'data-testid="lang-en"' not in html
    assert 'data-testid="lang-en"' in client.get(URL).content.decode()
