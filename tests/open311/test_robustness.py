"""Whatever a client sends, the answer is the standard's format and never a 500."""

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from townhall.open311 import formats

from .conftest import parse_xml
from .helpers import form

pytestmark = pytest.mark.django_db

text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)
dates = st.one_of(text, st.sampled_from(["2026-01-01", "2026-13-01", "0000", "2026-11-27T25:00Z"]))
QUERY_FIELDS = ["service_request_id", "service_code", "status", "start_date", "end_date"]
POST_FIELDS = [
    "jurisdiction_id",
    "service_code",
    "attribute[kind]",
    "description",
    "lat",
    "long",
    "address_string",
    "address_id",
    "phone",
    "email",
    "first_name",
    "device_id",
]
FAST = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FAST
@given(params=st.dictionaries(st.sampled_from(QUERY_FIELDS), dates, max_size=4))
def test_any_query_of_requests_is_answered_without_a_500(client, params):
    response = client.get("/open311/v2/requests.xml", params)
    assert response.status_code in (200, 400, 404), response.content
    root = parse_xml(response.content)
    assert root.tag == ("service_requests" if response.status_code == 200 else "errors")


@FAST
@given(
    changes=st.dictionaries(st.sampled_from(POST_FIELDS), text, max_size=4),
    path=st.text(alphabet=string.ascii_letters + string.digits + "-_%.", min_size=1, max_size=20),
)
def test_any_post_or_path_is_answered_without_a_500(client, places, api_key, changes, path):
    response = client.post("/open311/v2/requests.json", form(api_key, **changes))
    assert response.status_code in (200, 400, 404), response.content
    assert isinstance(response.json(), list)
    for url in (f"/open311/v2/requests/{path}.json", f"/open311/v2/services/{path}.xml"):
        response = client.get(url)
        assert response.status_code in (200, 404)


def test_xml_stays_well_formed_whatever_the_text_holds():
    nasty = "a\x00b\x07c\x1fd\ufffee <tag> & ' \" ]]> đ 𝔸"
    root = parse_xml(formats.to_xml("service_requests", [{"description": nasty}]).encode())
    assert root.findtext("request/description") == "abcde <tag> & ' \" ]]> đ 𝔸"
