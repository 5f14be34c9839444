"""Rate limits and spent challenges hold under concurrent requests: the check and the count are
one step in the database (a row lock on PostgreSQL, one writer at a time on SQLite), so N
requests at once against a limit of 5 let exactly 5 through, and one solved sum is spent once.

Each thread has its own database connection, as each worker process does. The threaded tests
run on PostgreSQL: SQLite's test database is in memory with a shared cache, where a second
writer is refused at once ("database table is locked") instead of waiting its turn as it does
on a database file with IMMEDIATE transactions (the reliability tests load gunicorn on one).
"""

import threading

import pytest
from django.db import connection
from django.test import override_settings

from townhall.open311 import ratelimit as open311_limits
from townhall.portal import challenge, ratelimit
from townhall.portal.models import RateBucket, SpentChallenge

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 12
threaded = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent connections: PostgreSQL (see above)"
)


def at_once(work, count: int = THREADS) -> list:
    """Run `work()` in `count` threads released together; their results."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = work()
        except Exception as exc:  # reported below, with the thread's traceback lost otherwise
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


@threaded
def test_a_limit_of_five_lets_exactly_five_of_twelve_simultaneous_hits_through():
    with override_settings(PORTAL_RATE_LIMITS={"send": (5, 600)}):
        waits = at_once(lambda: ratelimit.hit(ratelimit.SEND, "203.0.113.7"))
        assert waits.count(None) == 5
        assert all(0 < w <= 600 for w in waits if w is not None)
        bucket = RateBucket.objects.get(name="send", key="203.0.113.7")
        assert len(bucket.hits) == 5
        assert ratelimit.retry_after(ratelimit.SEND, "203.0.113.7") is not None
        assert ratelimit.retry_after(ratelimit.SEND, "203.0.113.8") is None  # another address


@threaded
def test_recorded_hits_from_many_requests_are_all_counted():
    # record() counts whatever the total (wrong two-factor codes): none may be lost to a race.
    with override_settings(PORTAL_RATE_LIMITS={"track": (50, 600)}):
        at_once(lambda: ratelimit.record(ratelimit.TRACK, "user:7"))
        assert len(RateBucket.objects.get(name="track", key="user:7").hits) == THREADS


@threaded
def test_open311_posts_share_the_same_count():
    class Request:
        META = {"REMOTE_ADDR": "198.51.100.4"}

    with override_settings(OPEN311_POSTS_PER_MINUTE=3):
        limited = at_once(lambda: open311_limits.check_post(Request()))
        assert sum(result is None for result in limited) == 3


@threaded
def test_a_solved_sum_is_spent_by_one_request_only():
    token = challenge.new().token
    spent = at_once(lambda: challenge.spend(token))
    assert spent.count(True) == 1
    assert SpentChallenge.objects.count() == 1
    challenge.release(token)
    assert challenge.spend(token) is True  # released: usable again, once


def test_expired_buckets_are_cleared_when_a_new_client_is_counted():
    with override_settings(PORTAL_RATE_LIMITS={"track": (2, 1)}):
        ratelimit.hit(ratelimit.TRACK, "192.0.2.1")
        RateBucket.objects.update(expires_at="2000-01-01T00:00:00Z")
        ratelimit.hit(ratelimit.TRACK, "192.0.2.2")
        assert list(RateBucket.objects.values_list("key", flat=True)) == ["192.0.2.2"]
