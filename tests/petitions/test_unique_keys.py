"""References, tracking codes and notification keys stay unique without a LIKE index (ADR 0020)."""

import pytest
from django.db import IntegrityError, connection, transaction

from townhall.notifications.models import Notification
from townhall.petitions import services
from townhall.petitions.models import Case, Petition

from .helpers import intake

pytestmark = pytest.mark.django_db

TABLES = [Case._meta.db_table, Petition._meta.db_table, Notification._meta.db_table]


def receive(cast):
    return services.petition_receive(
        intake=intake(cast.kim_thanh_committee), actor=cast.kim_thanh_clerk
    )


def test_a_taken_reference_tracking_code_or_notification_key_is_refused(cast):
    first, second = receive(cast), receive(cast)
    writes = [
        lambda: Case.objects.filter(pk=second.case.pk).update(reference=first.case.reference),
        lambda: Petition.objects.filter(pk=second.petition.pk).update(
            tracking_code=first.petition.tracking_code
        ),
        lambda: Notification.objects.filter(case=second.case).update(
            dedupe_key=Notification.objects.filter(case=first.case).first().dedupe_key
        ),
    ]
    for write in writes:
        with pytest.raises(IntegrityError), transaction.atomic():
            write()
    assert Case.objects.get(pk=second.case.pk).reference != first.case.reference


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="pattern-ops indexes are PostgreSQL's"
)
def test_no_pattern_ops_index_is_written_with_a_case_petition_or_notification():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = ANY(%s) AND indexdef LIKE %s",
            [TABLES, "%pattern_ops%"],
        )
        assert cursor.fetchall() == []
        cursor.execute(
            "SELECT count(*) FROM pg_indexes WHERE tablename = ANY(%s) AND indexdef LIKE %s",
            [TABLES, "CREATE UNIQUE INDEX%"],
        )
        # each table's primary key and its one unique key, and nothing unique lost
        assert cursor.fetchone()[0] >= 2 * len(TABLES)
