"""The audit search: inspectors and administrators read who saw a denouncer and who changed
what, in their own jurisdiction only."""

import datetime as dt

import pytest
from django.urls import include, path

import townhall.urls
from townhall.accounts.models import Role
from townhall.core import audit
from townhall.core.dates import today
from townhall.petitions import selectors, services
from townhall.petitions.models import ConfidentialRead

from ..cast import make_user
from ..petitions.helpers import at, intake

# The project's URLs plus the audit page where the lead mounts it (/audit/).
urlpatterns = [path("audit/", include("townhall.core.urls")), *townhall.urls.urlpatterns]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]
URL = "/audit/"


def denunciation(agency, unit_code, clerk, leader, handler, when):
    case = services.petition_receive(
        intake=intake(
            agency,
            kind="denunciation",
            unit_code=unit_code,
            text="Tố cáo cán bộ nhận tiền để xác nhận sai nguồn gốc đất ở khu dân cư.",
            when=when,
        ),
        actor=clerk,
    ).case
    case = services.case_accept(case=case, actor=leader)
    case = services.case_assign(case=case, actor=leader, agency=agency, handler=handler)
    selectors.submitters_for(handler, case, purpose="case_page")  # the logged read
    return case


@pytest.fixture
def trail(cast):
    chi_linh_handler = make_user("handler.cl", Role.HANDLER, cast.chi_linh_committee)
    kim_thanh = denunciation(
        cast.kim_thanh_committee,
        "10750",
        cast.kim_thanh_clerk,
        cast.kim_thanh_leader,
        cast.kim_thanh_handler,
        at(2022, 10, 3),
    )
    chi_linh = denunciation(
        cast.chi_linh_committee,
        "290",
        None,
        cast.chi_linh_leader,
        chi_linh_handler,
        at(2022, 10, 4),
    )
    district_inspector = make_user("inspector.kt", Role.INSPECTOR, cast.kim_thanh_committee)
    return kim_thanh, chi_linh, district_inspector


def search(client, viewer, **params):
    client.force_login(viewer)
    return client.get(URL, params)


def kinds(response):
    return [(row["kind"], row["reference"], row["action"]) for row in response.context["rows"]]


def test_an_inspector_sees_the_reads_and_changes_of_their_jurisdiction_only(client, cast, trail):
    kim_thanh, chi_linh, district_inspector = trail
    response = search(client, district_inspector)
    assert response.status_code == 200
    rows = response.context["rows"]
    assert {row["reference"] for row in rows} == {kim_thanh.reference}
    read = next(row for row in rows if row["kind"] == "read")
    assert (read["username"], read["purpose"]) == ("handler.kt", "case_page")
    assigned = next(row for row in rows if row["action"] == "assigned")
    assert (assigned["username"], assigned["from_status"], assigned["to_status"]) == (
        "leader.kt",
        "accepted",
        "assigned",
    )
    page = response.content.decode()
    assert kim_thanh.reference in page and chi_linh.reference not in page
    assert "handler.kt" in page and "handler.cl" not in page

    # The provincial inspector's jurisdiction holds both districts; so does the administrator's.
    for user in (cast.province_inspector, cast.administrator):
        seen = {row["reference"] for row in search(client, user).context["rows"]}
        assert seen == {kim_thanh.reference, chi_linh.reference}
    reads = search(client, cast.province_inspector).context["rows"]
    assert sum(row["kind"] == "read" for row in reads) == 2


@pytest.mark.parametrize(
    "who", ["kim_thanh_clerk", "kim_thanh_handler", "kim_thanh_leader", "front_officer"]
)
def test_other_roles_are_forbidden(client, cast, trail, who):
    assert search(client, getattr(cast, who)).status_code == 403


def test_anonymous_users_are_sent_to_log_in_and_the_page_is_read_only(client, cast, trail):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(cast.province_inspector)
    assert client.post(URL, {"user": "x"}).status_code == 405


def test_filters_by_user_case_action_and_dates(client, cast, trail):
    kim_thanh, chi_linh, _ = trail
    inspector = cast.province_inspector

    by_user = search(client, inspector, user="HANDLER.KT")
    assert kinds(by_user) == [("read", kim_thanh.reference, audit.READ)]

    by_case = search(client, inspector, case=chi_linh.reference.lower())
    assert {row["reference"] for row in by_case.context["rows"]} == {chi_linh.reference}
    assert {row["action"] for row in by_case.context["rows"]} == {
        audit.READ,
        "received",
        "accepted",
        "assigned",
    }

    only_reads = search(client, inspector, action=audit.READ)
    assert sorted(kinds(only_reads)) == sorted(
        [("read", kim_thanh.reference, audit.READ), ("read", chi_linh.reference, audit.READ)]
    )
    assigned = search(client, inspector, action="assigned")
    assert {(k, a) for k, _, a in kinds(assigned)} == {("event", "assigned")}
    assert len(assigned.context["rows"]) == 2

    # Receipt events carry the receipt time (October 2022); the rest happened today.
    october = search(client, inspector, start="01/10/2022", end="03/10/2022")
    assert kinds(october) == [("event", kim_thanh.reference, "received")]
    today_only = search(client, inspector, start=today().isoformat(), end=today().isoformat())
    assert "received" not in {a for _, _, a in kinds(today_only)}
    assert len(today_only.context["rows"]) == 6  # two reads, two accepted, two assigned

    combined = search(client, inspector, user="leader.cl", action="assigned")
    assert kinds(combined) == [("event", chi_linh.reference, "assigned")]

    bad = search(client, inspector, start="31/02/2022")
    assert bad.status_code == 400 and bad.context["rows"] == []
    reversed_range = search(client, inspector, start="05/10/2022", end="01/10/2022")
    assert reversed_range.status_code == 400
    assert search(client, inspector, action="no-such-action").status_code == 400


def test_the_list_is_newest_first_in_pages_of_fifty(client, cast, trail):
    kim_thanh, _, _ = trail
    for _ in range(54):
        selectors.submitters_for(cast.kim_thanh_handler, kim_thanh, purpose="case_page")
    inspector = cast.province_inspector
    total = ConfidentialRead.objects.count() + 6  # 2 + 54 reads; 3 events for each case
    first = search(client, inspector)
    assert first.context["page"].paginator.count == total == 62
    assert len(first.context["rows"]) == audit.PAGE_SIZE == 50
    stamps = [row["at"] for row in first.context["rows"]]
    assert stamps == sorted(stamps, reverse=True)
    second = search(client, inspector, page=2)
    assert len(second.context["rows"]) == 12
    assert second.context["rows"][-1]["action"] == "received"  # the oldest, October 2022
    assert dt.date(2022, 10, 3) == second.context["rows"][-1]["at"].date()
