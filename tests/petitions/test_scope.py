"""The case's scope rows (CaseScope) follow its locality and agencies; the policy reads them."""

import datetime as dt
import importlib

import pytest
from django.apps import apps

from townhall.petitions import flags, scope, selectors, services
from townhall.petitions.models import Case, CaseScope

from .helpers import intake, resident

pytestmark = pytest.mark.django_db


def paths(case) -> set[str]:
    return set(CaseScope.objects.filter(case=case).values_list("path", flat=True))


def test_scope_follows_each_change_of_agency(cast):
    case = services.petition_receive(
        intake=intake(cast.kim_thanh_committee), actor=cast.kim_thanh_clerk
    ).case
    phu_thai, kim_thanh = case.unit.path, cast.kim_thanh_committee.unit.path
    province = cast.province_committee.unit.path
    # Its locality (a commune of Kim Thành), the receiving district, and every unit above them.
    assert paths(case) == {phu_thai, kim_thanh, province}
    assert phu_thai.startswith(kim_thanh) and kim_thanh.startswith(province)
    assert case not in selectors.cases_visible_to(cast.chi_linh_leader)

    # Transferred to Chí Linh: its leader now sees the case; Kim Thành still does (locality).
    case = services.case_transfer(
        case=case, actor=cast.kim_thanh_leader, to_agency=cast.chi_linh_committee
    )
    assert paths(case) == {phu_thai, kim_thanh, province, cast.chi_linh_committee.unit.path}
    assert paths(case) == scope.paths_of(case)
    assert case in selectors.cases_visible_to(cast.chi_linh_leader)

    case = services.case_accept(case=case, actor=cast.chi_linh_leader)
    case = services.case_assign(
        case=case, actor=cast.chi_linh_leader, agency=cast.province_committee
    )
    assert paths(case) == scope.paths_of(case)
    assert cast.province_committee.unit.path in paths(case)


def test_the_flag_facts_on_the_case_follow_attach_and_merge(cast):
    first = services.petition_receive(
        intake=intake(cast.kim_thanh_committee, submitters=[resident(1), resident(2)]),
        actor=cast.kim_thanh_clerk,
    ).case
    second = services.petition_receive(
        intake=intake(cast.kim_thanh_committee, submitters=[resident(i) for i in (2, 3, 4, 5)]),
        actor=cast.kim_thanh_clerk,
    ).case
    assert (first.people, second.people) == (2, 4)
    assert first not in selectors.worklist(cast.kim_thanh_leader, "flagged")
    merged = services.case_merge(source=second, target=first, actor=cast.kim_thanh_leader)
    assert merged.people == 5  # residents 1..5, resident 2 counted once
    assert "mass" in [f.code for f in flags.case_flags(merged)]
    assert merged in selectors.worklist(cast.kim_thanh_leader, "flagged")


def test_the_migration_backfills_scope_and_facts(cast):
    case = services.petition_receive(
        intake=intake(cast.province_committee, people=12), actor=cast.administrator
    ).case
    expected = paths(case)
    CaseScope.objects.all().delete()
    Case.objects.update(people=1, over_level=False)
    migration = importlib.import_module(
        "townhall.petitions.migrations.0003_case_scope_and_flag_facts"
    )
    migration.backfill(apps, None)
    assert paths(case) == {case.unit.path, cast.province_committee.unit.path}  # 0003's rows
    importlib.import_module(
        "townhall.petitions.migrations.0009_scope_rows_for_every_unit_above"
    ).add_ancestor_rows(apps, None)
    case.refresh_from_db()
    assert paths(case) == expected == scope.with_ancestors([case.unit.path])
    facts = set(CaseScope.objects.filter(case=case).values_list("status", "people", "live"))
    assert facts == {(case.status, 12, True)}  # the triggers copied the facts onto new rows
    assert (case.people, case.over_level) == (12, True)


@pytest.mark.parametrize("name", selectors.WORKLISTS)
def test_a_page_and_its_count_match_the_queryset_they_come_from(cast, name):
    """`page_ids` (one read on PostgreSQL for a jurisdiction) gives what count() and the
    ordered ids give, on every page, for a leader and for someone who sees everything."""
    from townhall.accounts.models import User

    for i, when in enumerate(dt.datetime(2022, 10, d, 9, tzinfo=dt.UTC) for d in range(3, 10)):
        case = services.petition_receive(
            intake=intake(cast.kim_thanh_committee, when=when, submitters=[resident(i)]),
            actor=cast.kim_thanh_clerk,
        ).case
        if i % 2:
            services.case_accept(case=case, actor=cast.kim_thanh_leader)
    superuser = User.objects.create_superuser("root-page", password="x")  # noqa: S106
    for user in (cast.kim_thanh_leader, superuser):
        order = ("due", "pk") if name in ("due_soon", "overdue") else ("-received_at", "-pk")
        cases = selectors.worklist(user, name, on=dt.date(2030, 1, 2)).order_by(*order)
        expected = list(cases.values_list("pk", flat=True))
        assert len(expected) == {"all": 7, "overdue": 3}.get(name, len(expected))
        for start in (0, 2, 4, 8):
            count, ids = selectors.page_ids(user, cases, start, 3)
            assert count == len(expected)
            assert ids == expected[start : start + 3]


def test_the_scope_rows_facts_give_the_same_pages_as_the_cases(cast):
    """`worklist_page` reads the facts the triggers copy onto CaseScope rows; through intake,
    acceptance, assignment past the deadline, answer, close, merge, reopening and writes that
    bypass the services, it gives every page and count that `page_ids` over `worklist` gives."""
    from townhall.petitions.models import Status

    leader, clerk = cast.kim_thanh_leader, cast.kim_thanh_clerk
    cases = []
    for i, when in enumerate(dt.datetime(2022, 10, d, 9, tzinfo=dt.UTC) for d in range(3, 12)):
        agency = cast.province_committee if i == 8 else cast.kim_thanh_committee
        cases.append(
            services.petition_receive(
                intake=intake(agency, when=when, submitters=[resident(i)]),
                actor=cast.administrator if i == 8 else clerk,
            ).case
        )
    for case in cases[1:6]:
        services.case_accept(case=case, actor=leader)
    for case in cases[2:5]:
        services.case_assign(
            case=Case.objects.get(pk=case.pk),
            actor=leader,
            agency=cast.kim_thanh_committee,
            due=dt.date(2022, 10, 20),
        )
    services.case_answer(case=Case.objects.get(pk=cases[3].pk), actor=leader, answer="Đã trả lời")
    services.case_merge(source=cases[5], target=cases[1], actor=leader)
    Case.objects.filter(pk=cases[6].pk).update(people=9)  # not through the services
    Case.objects.filter(pk=cases[7].pk).update(status=Status.CLOSED, reopened_after_final=1)

    def check(on: dt.date) -> None:
        for user in (leader, clerk, cast.province_inspector, cast.chi_linh_leader):
            for name in selectors.FACT_WORKLISTS:
                ordered = selectors.worklist(user, name, on=on).order_by(
                    *selectors.worklist_order(name)
                )
                expected = list(ordered.values_list("pk", flat=True))
                for start in (0, 2, 5):
                    found = selectors.worklist_page(user, name, start, 3, on=on)
                    assert found == (len(expected), expected[start : start + 3]), (
                        user.username,
                        name,
                        start,
                    )

    check(dt.date(2022, 10, 21))  # two assigned cases are overdue (the third was answered)
    check(dt.date(2022, 12, 31))  # and prolonged (more than 30 days past)
    counts = {
        (name, on.month): selectors.worklist_page(leader, name, 0, 20, on=on)[0]
        for name in ("all", "overdue", "flagged")
        for on in (dt.date(2022, 10, 21), dt.date(2022, 12, 31))
    }
    assert counts[("all", 10)] == 8  # nine received, one merged away
    assert counts[("overdue", 10)] == 2
    assert counts[("flagged", 10)] == 3  # nine people; reopened after a final decision; over-level
    assert counts[("flagged", 12)] == 5  # and the two overdue, now prolonged
    assert selectors.worklist_page(cast.kim_thanh_leader, "mine", 0, 20) is None
    from townhall.accounts.models import User

    root = User.objects.create_superuser("root-facts", password="x")  # noqa: S106
    assert selectors.worklist_page(root, "all", 0, 20) is None
    assert set(CaseScope.objects.filter(case=cases[5]).values_list("live", flat=True)) == {False}


def test_with_ancestors_is_every_unit_from_the_province_down():
    assert scope.with_ancestors(["two_level/31/10507/"]) == {"two_level/31/", "two_level/31/10507/"}
    assert scope.with_ancestors(["three_level/01/001/00001/", "three_level/01/"]) == {
        "three_level/01/",
        "three_level/01/001/",
        "three_level/01/001/00001/",
    }
    assert scope.with_ancestors([]) == set()


def test_a_user_of_two_nested_units_sees_each_case_once_on_every_page(cast):
    """A member of the province and of one of its districts: every case under the district has
    a row for both units; the lists count and page it once."""
    from townhall.accounts import policy
    from townhall.accounts.models import Membership

    user = cast.kim_thanh_leader
    Membership.objects.create(user=user, agency=cast.province_committee)
    user = type(user).objects.get(pk=user.pk)  # no jurisdiction cached
    for i, when in enumerate(dt.datetime(2022, 10, d, 9, tzinfo=dt.UTC) for d in range(3, 10)):
        agency = cast.province_committee if i % 3 == 0 else cast.kim_thanh_committee
        services.petition_receive(
            intake=intake(agency, when=when, submitters=[resident(i)]),
            actor=cast.administrator,
        )
    assert len(policy.jurisdiction_paths(user)) == 2
    for name in selectors.FACT_WORKLISTS:
        ordered = selectors.worklist(user, name, on=dt.date(2030, 1, 2)).order_by(
            *selectors.worklist_order(name)
        )
        expected = list(ordered.values_list("pk", flat=True))
        assert len(expected) == len(set(expected)) == (7 if name == "all" else len(expected))
        for start in (0, 3, 6):
            found = selectors.worklist_page(user, name, start, 3, on=dt.date(2030, 1, 2))
            assert found == (len(expected), expected[start : start + 3])


def test_a_new_case_is_written_in_one_statement_with_its_facts_on_its_scope_rows(cast):
    """ADR 0018: on PostgreSQL the case, petition, submitters, band, scope, event and outbox
    rows are one statement (after one read of the ids); the scope rows' trigger cannot see the
    case there, so they keep the facts they were written with, which must be the case's."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        receipt = services.petition_receive(
            intake=intake(cast.kim_thanh_committee, submitters=[resident(7)]),
            actor=cast.kim_thanh_clerk,
        )
    writes = [q["sql"] for q in queries.captured_queries if "INSERT INTO" in q["sql"]]
    tables = (
        "petitions_case",
        "petitions_petition",
        "petitions_submitter",
        "petitions_caseevent",
        "petitions_casescope",
        "petitions_similarityband",
        "notifications_notification",
    )
    if connection.vendor == "postgresql":
        assert len(writes) == 1
        assert all(
            f'INSERT INTO "{t}"' in writes[0] or f"INSERT INTO {t} " in writes[0] for t in tables
        )
    else:
        assert len(writes) >= len(tables)
    case = Case.objects.get(pk=receipt.case.pk)
    rows = CaseScope.objects.filter(case=case)
    assert rows.count() >= 2
    for row in rows:
        assert row.live
        assert (row.status, row.due, row.received_at, row.people, row.over_level) == (
            case.status,
            case.due,
            case.received_at,
            case.people,
            case.over_level,
        )
    assert receipt.petition.submitters.count() == 1
    assert case.events.filter(action="received").count() == 1


def test_a_bare_scope_row_is_filled_from_its_case_and_a_written_one_kept(cast):
    """The insert trigger fills a row written without the case's facts (`scope.refresh`) and
    is not called for a row written with them (`scope.start`, migration 0017)."""
    case = services.petition_receive(
        intake=intake(cast.kim_thanh_committee, people=6), actor=cast.kim_thanh_clerk
    ).case
    services.case_accept(case=case, actor=cast.kim_thanh_leader)
    case.refresh_from_db()
    bare = CaseScope.objects.create(case=case, path="zz/bare/")
    written = CaseScope.objects.create(
        case=case, path="zz/written/", received_at=case.received_at, status="received", people=2
    )
    bare.refresh_from_db()
    written.refresh_from_db()
    assert (bare.status, bare.people, bare.due, bare.received_at) == (
        case.status,
        case.people,
        case.due,
        case.received_at,
    )
    assert case.status == "accepted" and case.people == 6
    assert (written.status, written.people) == ("received", 2)


@pytest.mark.parametrize("name", ["all", "overdue", "flagged"])
def test_a_units_worklist_is_counted_from_the_scope_index_alone(cast, name):
    """The count of a one-unit jurisdiction's list reads one scope index and no table rows: on
    SQLite its INCLUDE columns are key columns (ADR 0021), on PostgreSQL INCLUDE columns."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.petition_receive(intake=intake(cast.kim_thanh_committee), actor=cast.kim_thanh_clerk)
    with CaptureQueriesContext(connection) as queries:
        count, _ = selectors.worklist_page(cast.kim_thanh_leader, name, 0, 20)
    assert count == (1 if name == "all" else 0)
    counted = next(q["sql"] for q in queries.captured_queries if "COUNT(*)" in q["sql"])
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + counted)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "USING COVERING INDEX case_scope_" in plan, plan
        else:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'case_scope_page_idx'"
            )
            assert "INCLUDE (live, status, due, people" in cursor.fetchone()[0]


def test_the_probe_form_of_the_policy_sees_the_same_cases(cast):
    """`cases_visible_to(probe=True)` (EXISTS per case, for the agency list) is the same rule."""
    services.petition_receive(intake=intake(cast.kim_thanh_committee), actor=cast.kim_thanh_clerk)
    moved = services.petition_receive(
        intake=intake(cast.kim_thanh_committee), actor=cast.kim_thanh_clerk
    ).case
    services.case_transfer(
        case=moved, actor=cast.kim_thanh_leader, to_agency=cast.chi_linh_committee
    )
    # Received by Chí Linh for one of its own wards: outside Kim Thành.
    services.petition_receive(
        intake=intake(cast.chi_linh_committee, unit_code="10552"), actor=cast.chi_linh_leader
    )
    for user in (cast.kim_thanh_leader, cast.chi_linh_leader, cast.kim_thanh_clerk):
        plain = set(selectors.cases_visible_to(user).values_list("pk", flat=True))
        probed = set(selectors.cases_visible_to(user, probe=True).values_list("pk", flat=True))
        assert plain == probed
        assert 0 < len(plain) < Case.objects.count()


def test_the_similar_case_read_uses_the_band_index_alone(cast):
    """Every capped read of a band key is a range of `band_key_idx` and no table rows: on
    SQLite the petition is its last key column (ADR 0021), on PostgreSQL an INCLUDE column."""
    from django.db import connection

    from townhall.petitions import similarity

    services.petition_receive(intake=intake(cast.kim_thanh_committee), actor=cast.kim_thanh_clerk)
    sql, params = similarity.candidates_sql([11, 12, 13], connection.vendor)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql.replace("%s", "?"), params)
            plan = [str(row[-1]) for row in cursor.fetchall()]
            reads = [step for step in plan if "petitions_similarityband" in step]
            assert len(reads) == 3, plan
            assert all("USING COVERING INDEX band_key_idx" in step for step in reads), plan
        else:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'band_key_idx'")
            assert "INCLUDE (petition_id)" in cursor.fetchone()[0]
