"""The petitions' monthly figures (townhall/reports/monthly.py) are a cache: whatever writes the
records, the statistics read from them equal the statistics counted from the records."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.cast import make_user
from townhall.accounts.models import Role
from townhall.core.dates import today
from townhall.petitions import services
from townhall.petitions.models import Case, Petition, Status
from townhall.reports import monthly, statistics, statistics_petitions
from townhall.reports.models import StaleMonth, UnitMonth
from townhall.reports.statistics import Scope
from townhall.units.models import Agency

from ..reference import seed_reference_data
from .test_petition_statistics import CITY, COMMUNE, build, intake, two_level

pytestmark = pytest.mark.django_db


def figures(scope: Scope, *, stored: bool) -> dict:
    buckets = statistics_petitions._petition_buckets(scope, by_agency=False, stored=stored)
    total, by_child = statistics._keyed(buckets)
    return {
        "total": statistics_petitions._petition_finish(total),
        "by_unit": statistics._by_unit(scope, by_child, statistics_petitions._petition_finish),
    }


def periods() -> list[Scope]:
    city, day = two_level(CITY), today()
    month = day.replace(day=1)
    before = (month - dt.timedelta(days=1)).replace(day=1)
    return [
        Scope(city, day - dt.timedelta(days=60), day),  # whole months and days on both sides
        Scope(city, before, month - dt.timedelta(days=1)),  # last month, whole
        Scope(city, month, day),  # this month, from its first day to today
        Scope(city, day.replace(month=1, day=1), day.replace(month=12, day=31)),  # the year
        Scope(city, day - dt.timedelta(days=3), day - dt.timedelta(days=1)),  # a few days
        Scope(two_level(COMMUNE), day - dt.timedelta(days=60), day, own=True),
        Scope(city, day - dt.timedelta(days=60), day, level="commune"),
    ]


def assert_agree() -> None:
    for scope in periods():
        assert figures(scope, stored=True) == figures(scope, stored=False), scope


def test_stored_figures_equal_the_records_through_a_lifecycle():
    mass, quick, late, old = build()
    assert_agree()
    assert not StaleMonth.objects.exists()  # the read consumed the marks
    assert UnitMonth.objects.exists()
    leader = make_user("leader.more", Role.LEADER, old.receiving_agency)
    services.case_answer(case=old, actor=leader, answer="Đã giải quyết.")
    services.case_close(case=Case.objects.get(pk=quick.pk), actor=leader)
    assert StaleMonth.objects.exists()
    assert_agree()
    # Written without the services: the triggers mark the months all the same.
    Case.objects.filter(pk=late.pk).update(status=Status.CLOSED, people=9)
    Petition.objects.filter(case=mass).update(kind="mixed")
    assert_agree()
    assert figures(periods()[0], stored=True)["total"]["by_kind"]["mixed"] == 7
    # Moved to another month: both months are recomputed.
    Case.objects.filter(pk=old.pk).update(received_on=old.received_on - dt.timedelta(days=31))
    assert_agree()
    Petition.objects.filter(case=mass).delete()
    Case.objects.filter(pk=mass.pk).delete()
    assert_agree()


def test_a_petition_counts_in_its_local_month():
    """23:30 on the last day of a month in Hà Nội time is 16:30 UTC the same day; 00:30 on the
    first day of the next month is 17:30 UTC on the last day."""
    agency = Agency.objects.create(unit=two_level(COMMUNE), name="UBND xã Phú Thái")
    clerk = make_user("clerk.night", Role.CLERK, agency)
    month = today().replace(day=1) - dt.timedelta(days=31)
    month = month.replace(day=1)
    after = monthly.add_months(month, 1)
    late_night = timezone.make_aware(
        dt.datetime.combine(after - dt.timedelta(days=1), dt.time(23, 30))
    )
    early = timezone.make_aware(dt.datetime.combine(after, dt.time(0, 30)))
    for at in (late_night, early):
        services.petition_receive(intake=intake(agency, received_at=at), actor=clerk)
    city = two_level(CITY)
    first = Scope(city, month, after - dt.timedelta(days=1))
    second = Scope(city, after, monthly.add_months(after, 1) - dt.timedelta(days=1))
    assert statistics_petitions.petition_figures(first)["petitions"] == 1
    assert statistics_petitions.petition_figures(second)["petitions"] == 1
    assert_agree()


def test_rebuild_recomputes_everything():
    build()
    UnitMonth.objects.all().delete()
    StaleMonth.objects.all().delete()  # as after a bulk load with the triggers off
    last_month = periods()[1]  # the denunciation received 40 days ago
    assert figures(last_month, stored=True) != figures(last_month, stored=False)
    written = monthly.rebuild()
    assert written > 0
    assert_agree()


def test_whole_months():
    d = dt.date
    assert monthly.whole_months(d(2024, 1, 1), d(2024, 12, 31)) == (d(2024, 1, 1), d(2024, 12, 1))
    assert monthly.whole_months(d(2024, 1, 15), d(2024, 3, 31)) == (d(2024, 2, 1), d(2024, 3, 1))
    assert monthly.whole_months(d(2024, 1, 15), d(2024, 3, 30)) == (d(2024, 2, 1), d(2024, 2, 1))
    assert monthly.whole_months(d(2024, 1, 15), d(2024, 2, 20)) is None
    assert monthly.whole_months(d(2024, 2, 1), d(2024, 2, 29)) == (d(2024, 2, 1), d(2024, 2, 1))
    assert statistics_petitions._days_outside(
        d(2024, 1, 15), d(2024, 3, 30), (d(2024, 2, 1),) * 2
    ) == [
        (d(2024, 1, 15), d(2024, 1, 31)),
        (d(2024, 3, 1), d(2024, 3, 30)),
    ]


def test_the_figures_command_refreshes_and_rebuilds():
    from io import StringIO

    from django.core.management import call_command

    build()
    out = StringIO()
    call_command("reports", "figures", stdout=out)
    assert "stale mark(s) consumed" in out.getvalue() and not out.getvalue().startswith("0 ")
    assert not StaleMonth.objects.exists()
    rows = UnitMonth.objects.count()
    UnitMonth.objects.all().delete()
    out = StringIO()
    call_command("reports", "figures", "--rebuild", stdout=out, stderr=StringIO())
    assert "monthly row(s) written" in out.getvalue()
    assert UnitMonth.objects.count() == rows
    assert_agree()


@pytest.mark.django_db(transaction=True)
def test_a_refresh_never_consumes_a_mark_whose_write_it_cannot_see():
    """docs/decisions/0009: a write's mark becomes visible with the write. A refresh that runs
    while a transaction holds an uncommitted change consumes the marks already committed for
    the same month (a mark "already there" is exactly what a unique mark would have relied
    on) but not the writer's own, so the next refresh sees the change. PostgreSQL only:
    SQLite has one writer at a time."""
    import threading

    from django.db import connection, connections, transaction

    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers")
    seed_reference_data()  # an earlier transactional test's flush removed the units
    mass, _quick, _late, _old = build()
    scope = periods()[0]
    assert_agree()  # consumes the marks of build()
    changed, release = threading.Event(), threading.Event()

    def writer() -> None:
        try:
            with transaction.atomic():
                Case.objects.filter(pk=mass.pk).update(status=Status.CLOSED)
                changed.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    Case.objects.filter(pk=mass.pk).update(people=8)  # committed: its month is marked
    thread = threading.Thread(target=writer)
    thread.start()
    assert changed.wait(timeout=30)
    assert monthly.refresh() >= 1  # the committed marks; the writer's is not visible yet
    release.set()
    thread.join(timeout=30)
    assert StaleMonth.objects.exists()  # committed with the write
    stored = figures(scope, stored=True)
    assert stored == figures(scope, stored=False)
    assert stored["total"]["by_status"]["closed"] == 1
