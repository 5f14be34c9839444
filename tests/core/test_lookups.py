"""`__among` (core/lookups.py): the same rows as `__in`, the values written into the SQL as
constants (so PostgreSQL's generic plans can use them), and only the code's own words."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.petitions.helpers import intake
from townhall.petitions import services
from townhall.petitions.models import OPEN_STATUSES, Case, CaseScope, Status

pytestmark = pytest.mark.django_db


def test_among_keeps_what_in_keeps_with_the_values_in_the_sql(cast):
    for _ in range(3):
        services.petition_receive(
            intake=intake(cast.kim_thanh_committee), actor=cast.kim_thanh_clerk
        )
    Case.objects.filter(pk=Case.objects.order_by("pk").first().pk).update(status=Status.CLOSED)
    for model in (Case, CaseScope):
        for values in (OPEN_STATUSES, (Status.CLOSED,), ("nothing_like_this",)):
            among = model.objects.filter(status__among=values).order_by("pk")
            with CaptureQueriesContext(connection) as queries:
                found = list(among.values_list("pk", flat=True))
            assert found == list(
                model.objects.filter(status__in=values).order_by("pk").values_list("pk", flat=True)
            )
            sql = queries.captured_queries[0]["sql"]
            assert all(f"'{value}'" in sql for value in values)
    assert Case.objects.filter(status__among=(Status.CLOSED,)).count() == 1


@pytest.mark.parametrize(
    "values", [(), ("received'; DROP TABLE x; --",), ("Received",), ("a b",), ("x" * 41,)]
)
def test_among_refuses_anything_but_short_lowercase_words(values):
    with pytest.raises(ValueError, match="own lowercase words"):
        list(Case.objects.filter(status__among=values))


def test_among_ids_keep_what_in_keeps_with_the_ids_in_the_sql(cast):
    for agency in (cast.kim_thanh_committee, cast.kim_thanh_committee):
        services.petition_receive(intake=intake(agency), actor=cast.kim_thanh_clerk)
    ids = (cast.kim_thanh_committee.pk, 987_654_321)
    for lookup in ("receiving_agency", "pk"):
        values = ids if lookup != "pk" else tuple(Case.objects.values_list("pk", flat=True))
        among = Case.objects.filter(**{f"{lookup}__among": values}).order_by("pk")
        with CaptureQueriesContext(connection) as queries:
            found = list(among.values_list("pk", flat=True))
        expected = Case.objects.filter(**{f"{lookup}__in": values}).order_by("pk")
        assert found == list(expected.values_list("pk", flat=True))
        assert len(found) == 2
        sql = queries.captured_queries[0]["sql"]
        assert all(f"{value}" in sql for value in values)
        assert not queries.captured_queries[0]["sql"].count("%s")


@pytest.mark.parametrize("values", [(1, "2"), (True,), (1.5,), ("1",)])
def test_among_refuses_ids_that_are_not_ints(values):
    with pytest.raises(ValueError, match="lowercase words or ids"):
        list(Case.objects.filter(receiving_agency__among=values))
